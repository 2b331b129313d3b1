/**
 * The one place the readers meet the file system: read the bytes, pick a
 * parser by content (magic bytes) first and extension second, and record the
 * source's SHA-256.
 *
 *   NIfTI   .nii, .nii.gz          sizeof_hdr 348/540 + magic (gzip unwrapped first)
 *   DICOM   any name, or a folder  'DICM' at byte 128 (folders: dicom-scan.ts)
 *   BART    foo.cfl, foo.hdr, foo  "# Dimensions" header beside a .cfl
 *   HDF5    any name (fastMRI)     "\x89HDF\r\n\x1a\n" at byte 0 (hdf5.ts reads it in place,
 *                                  a slice at a time; opts.slices limits what is read)
 *
 * source.sha256 is the hash of the file as stored (the .nii.gz, not its
 * contents); for BART of the .hdr bytes followed by the .cfl bytes; for a
 * DICOM folder of the text made of one "<sha256>  <relative path>\n" line per
 * file of the series read, in sorted path order (sha256sum's format); for
 * HDF5 of the file streamed from disk (never held in memory whole).
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import type { Volume } from '../array';
import { cflToVolume, readCfl, type CflKind } from './cfl';
import { isDicom, loadDicomCodecs, readDicom } from './dicom';
import { loadDicomFolder, needsCodecs } from './dicom-scan';
import { ReaderError } from './errors';
import { readFastMri } from './hdf5';
import { looksLikeNifti, niftiDataEnd, readNifti } from './nifti';

export interface LoadOptions {
  /** For BART data: how to interpret it (default: see defaultCflKind in cfl.ts). */
  kind?: CflKind;
  /** For 4D NIfTI or a 4D DICOM series: which volume / time point (default 0). */
  volume?: number;
  /** For a DICOM folder: series id or SeriesInstanceUID (see listDicomSeries); default the largest series. */
  series?: string;
  /**
   * For HDF5 (fastMRI): read only this half-open slice range; the volume then
   * holds those slices and meta.sliceStart / meta.sliceTotal say which. Other
   * formats ignore it.
   */
  slices?: [number, number];
}

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

/**
 * Gunzips, refusing decompression bombs: when the first bytes hold a NIfTI
 * header, the output may not exceed the size it declares (twice, or +1 MiB,
 * for trailing extras) - checked while inflating, before the memory is taken.
 */
function gunzip(bytes: Uint8Array, path: string): Uint8Array {
  let declared: number | undefined;
  try {
    const head = gunzipSync(bytes.subarray(0, 4096), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    declared = niftiDataEnd(new Uint8Array(head.buffer, head.byteOffset, head.byteLength));
  } catch {
    // Not inflatable even in part: the full attempt below reports it.
  }
  const limit = declared === undefined ? undefined : Math.min(declared + Math.max(declared, 2 ** 20), 2 ** 32);
  try {
    const out = gunzipSync(bytes, limit === undefined ? {} : { maxOutputLength: limit });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ReaderError(path, `gzip data inflates to more than ${limit} bytes, though the NIfTI header declares ${declared} (corrupt file or decompression bomb)`);
    }
    throw new ReaderError(path, `corrupt or truncated gzip data (${(e as Error).message})`);
  }
}

/** Reads a scan from a file, a BART base name, or a DICOM folder. */
export async function loadVolume(path: string, opts: LoadOptions = {}): Promise<Volume> {
  const st = await statOrNull(path);
  if (st?.isDirectory()) return loadDicomFolder(path, { series: opts.series, volume: opts.volume });
  const lower = path.toLowerCase();
  if (!st) {
    // `foo` naming foo.hdr + foo.cfl.
    if ((await statOrNull(`${path}.cfl`)) && (await statOrNull(`${path}.hdr`))) return loadCfl(path, opts);
    throw new ReaderError(path, 'file not found');
  }
  // A FIFO or device would block the read forever (or never end).
  if (!st.isFile()) throw new ReaderError(path, 'not a regular file or folder');
  if (lower.endsWith('.cfl')) return loadCfl(path.slice(0, -4), opts);
  // Before readBytes: a fastMRI file can be gigabytes and is read a slice at a time.
  if (await hasHdf5Magic(path)) return loadHdf5(path, opts);
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
  if (isDicom(bytes) || lower.endsWith('.dcm')) {
    if (needsCodecs(bytes)) await loadDicomCodecs();
    return stamp(readDicom(bytes, path, { volume: opts.volume }));
  }
  // No known magic: let the parser the extension names explain what is wrong.
  if (/\.nii(\.gz)?$/.test(lower) || lower.endsWith('.hdr')) return stamp(readNifti(bytes, path, { volume: opts.volume }));
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

async function hasHdf5Magic(path: string): Promise<boolean> {
  const head = new Uint8Array(HDF5_MAGIC.length);
  try {
    const fh = await openFile(path, 'r');
    try {
      const { bytesRead } = await fh.read(head, 0, head.length, 0);
      return bytesRead === head.length && startsWith(head, HDF5_MAGIC);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw fsError(path, e);
  }
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 22 })) h.update(chunk as Buffer);
  } catch (e) {
    throw fsError(path, e);
  }
  return h.digest('hex');
}

async function loadHdf5(path: string, opts: LoadOptions): Promise<Volume> {
  const v = await readFastMri(path, opts.slices ? { slices: opts.slices } : {});
  return { ...v, source: { path, format: 'hdf5', sha256: await sha256File(path) } };
}
