/**
 * The one place the readers meet the file system: read the bytes, pick a
 * parser by content (magic bytes) first and extension second, and record the
 * source's SHA-256.
 *
 *   NIfTI   .nii, .nii.gz          sizeof_hdr 348/540 + magic (gzip unwrapped first)
 *   DICOM   any name, or a folder  'DICM' at byte 128
 *   BART    foo.cfl, foo.hdr, foo  "# Dimensions" header beside a .cfl
 *
 * source.sha256 is the hash of the file as stored (the .nii.gz, not its
 * contents); for BART of the .hdr bytes followed by the .cfl bytes; for a
 * DICOM folder of the text made of one "<sha256>  <relative path>\n" line per
 * DICOM file, in sorted path order (sha256sum's format).
 */
import { createHash } from 'node:crypto';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Volume } from '../array';
import { cflToVolume, readCfl, type CflKind } from './cfl';
import { isDicom, readDicom, readDicomSeries, type DicomFile } from './dicom';
import { ReaderError } from './errors';
import { looksLikeNifti, readNifti } from './nifti';

export interface LoadOptions {
  /** For BART data: how to interpret it (default: see defaultCflKind in cfl.ts). */
  kind?: CflKind;
  /** For 4D NIfTI: which volume (default 0). */
  volume?: number;
}

/** A folder with more files than this is probably not one series. */
const MAX_FOLDER_FILES = 20000;
const MAX_FOLDER_DEPTH = 8;

function sha256(...parts: Uint8Array[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

async function statOrNull(path: string): Promise<Awaited<ReturnType<typeof stat>> | null> {
  try {
    return await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fsError(path, e);
  }
}

function fsError(path: string, e: unknown): ReaderError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new ReaderError(path, 'file not found');
  if (code === 'EACCES' || code === 'EPERM') return new ReaderError(path, 'permission denied');
  return new ReaderError(path, `cannot read: ${(e as Error).message}`);
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw fsError(path, e);
  }
}

const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const startsWith = (b: Uint8Array, magic: number[]): boolean => magic.every((v, i) => b[i] === v);
const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

function gunzip(bytes: Uint8Array, path: string): Uint8Array {
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    throw new ReaderError(path, `corrupt or truncated gzip data (${(e as Error).message})`);
  }
}

/** Reads a scan from a file, a BART base name, or a DICOM folder. */
export async function loadVolume(path: string, opts: LoadOptions = {}): Promise<Volume> {
  const st = await statOrNull(path);
  if (st?.isDirectory()) return loadDicomFolder(path);
  const lower = path.toLowerCase();
  if (!st) {
    // `foo` naming foo.hdr + foo.cfl.
    if ((await statOrNull(`${path}.cfl`)) && (await statOrNull(`${path}.hdr`))) return loadCfl(path, opts);
    throw new ReaderError(path, 'file not found');
  }
  if (lower.endsWith('.cfl')) return loadCfl(path.slice(0, -4), opts);
  let bytes = await readBytes(path);
  if (bytes.length === 0) throw new ReaderError(path, 'empty file');
  if (lower.endsWith('.hdr') && new TextDecoder().decode(bytes.subarray(0, 256)).includes('# Dimensions')) {
    return loadCfl(path.slice(0, -4), opts);
  }
  const digest = sha256(bytes);
  const stamp = (v: Volume): Volume => ({ ...v, source: { path, format: v.source.format, sha256: digest } });
  if (isGzip(bytes)) {
    bytes = gunzip(bytes, path);
    if (!looksLikeNifti(bytes) && !isDicom(bytes)) throw new ReaderError(path, 'gzip file holds neither NIfTI nor DICOM data');
  }
  if (looksLikeNifti(bytes)) return stamp(readNifti(bytes, path, { volume: opts.volume }));
  if (isDicom(bytes)) return stamp(readDicom(bytes, path));
  if (startsWith(bytes, HDF5_MAGIC)) {
    throw new ReaderError(path, 'HDF5 (fastMRI / ISMRMRD) files are not supported yet');
  }
  // No known magic: let the parser the extension names explain what is wrong.
  if (/\.nii(\.gz)?$/.test(lower) || lower.endsWith('.hdr')) return stamp(readNifti(bytes, path, { volume: opts.volume }));
  if (lower.endsWith('.dcm')) return stamp(readDicom(bytes, path));
  throw new ReaderError(path, 'unrecognised file format (not NIfTI, DICOM, or a BART .cfl/.hdr pair)');
}

async function loadCfl(base: string, opts: LoadOptions): Promise<Volume> {
  const hdrPath = `${base}.hdr`;
  const cflPath = `${base}.cfl`;
  const hdr = await readBytes(hdrPath);
  const cfl = await readBytes(cflPath);
  const arr = readCfl(new TextDecoder().decode(hdr), cfl, cflPath);
  const v = cflToVolume(arr, cflPath, opts.kind);
  return { ...v, source: { path: cflPath, format: 'cfl', sha256: sha256(hdr, cfl) } };
}

async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      throw fsError(dir, e);
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory() && depth < MAX_FOLDER_DEPTH) await walk(p, depth + 1);
      else if (e.isFile()) out.push(p);
      if (out.length > MAX_FOLDER_FILES) {
        throw new ReaderError(root, `more than ${MAX_FOLDER_FILES} files; choose the folder of one series`);
      }
    }
  };
  await walk(root, 0);
  return out.sort();
}

/** Only files with the DICM marker are read whole; the rest are passed on as their first bytes so they get a note. */
async function loadDicomFolder(folder: string): Promise<Volume> {
  const files: DicomFile[] = [];
  const lines: string[] = [];
  for (const path of await listFiles(folder)) {
    const head = new Uint8Array(132);
    let got = 0;
    try {
      const fh = await open(path, 'r');
      try {
        got = (await fh.read(head, 0, 132, 0)).bytesRead;
      } finally {
        await fh.close();
      }
    } catch (e) {
      throw fsError(path, e);
    }
    const first = head.subarray(0, got);
    if (!isDicom(first)) {
      files.push({ name: path, bytes: first });
      continue;
    }
    const bytes = await readBytes(path);
    files.push({ name: path, bytes });
    lines.push(`${sha256(bytes)}  ${relative(folder, path)}\n`);
  }
  if (files.length === 0) throw new ReaderError(folder, 'empty folder');
  const v = readDicomSeries(files, folder);
  const digest = sha256(new TextEncoder().encode(lines.join('')));
  return { ...v, source: { path: folder, format: 'dicom', sha256: digest }, meta: { ...v.meta, folder: basename(folder) } };
}
