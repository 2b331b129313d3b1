/**
 * The file-system side of DICOM: walk a folder (or follow its DICOMDIR), read
 * each file's first 64 KiB to group series by header, then read whole only the
 * files of the series asked for. Parsing stays in the pure modules.
 *
 * The walk is recursive (hidden entries skipped), follows symbolic links but
 * visits each real directory once (device + inode), so link loops end; it
 * stops at MAX_DEPTH levels and refuses more than MAX_FILES files. A DICOMDIR
 * at the top replaces the walk when its records name at least one existing
 * file. source.sha256 of a folder is the SHA-256 of sha256sum-style lines
 * ("<sha256>  <relative path>\n", sorted) of the files of the series read.
 */
import { createHash } from 'node:crypto';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import type { ImageVolume } from '../array';
import { chooseSeries, headerResult, readDicomSeries, sortHeaders, type HeaderResult } from './dicom';
import { codecFor, loadDicomCodecs } from './dicom-codecs';
import { dicomParser, isDicom, looksLikeDicom, type DicomFile } from './dicom-header';
import type { DicomReadOptions, SeriesListing } from './dicom-types';
import { ReaderError } from './errors';

const MAX_FILES = 50000;
const MAX_DEPTH = 32;
const HEAD_BYTES = 64 * 1024;

function fsError(path: string, e: unknown): ReaderError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new ReaderError(path, 'file not found');
  if (code === 'EACCES' || code === 'EPERM') return new ReaderError(path, 'permission denied');
  return new ReaderError(path, `cannot read: ${(e as Error).message}`);
}

async function readWhole(path: string): Promise<Uint8Array> {
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw fsError(path, e);
  }
}

async function readHead(path: string): Promise<{ head: Uint8Array; size: number }> {
  try {
    const fh = await open(path, 'r');
    try {
      const size = (await fh.stat()).size;
      const head = new Uint8Array(Math.min(size, HEAD_BYTES));
      const { bytesRead } = await fh.read(head, 0, head.length, 0);
      return { head: head.subarray(0, bytesRead), size };
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw fsError(path, e);
  }
}

/** Regular files under `root`, sorted; symlinked directories followed once. */
export async function walkFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = async (dir: string, depth: number): Promise<void> => {
    let st;
    try {
      st = await stat(dir);
    } catch (e) {
      throw fsError(dir, e);
    }
    const id = `${st.dev}:${st.ino}`;
    if (seen.has(id)) return; // a link back to a directory already walked
    seen.add(id);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      throw fsError(dir, e);
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const t = await stat(p).catch(() => undefined); // dangling links are ignored
        isDir = Boolean(t?.isDirectory());
        isFile = Boolean(t?.isFile());
      }
      if (isDir && depth < MAX_DEPTH) await walk(p, depth + 1);
      else if (isFile) out.push(p);
      if (out.length > MAX_FILES) throw new ReaderError(root, `more than ${MAX_FILES} files; choose a smaller folder`);
    }
  };
  await walk(root, 0);
  return out.sort();
}

/** Files a DICOMDIR references (ReferencedFileID of its directory records), or undefined when it names none. */
export function dicomdirFiles(bytes: Uint8Array, dir: string): string[] | undefined {
  const out = new Set<string>();
  try {
    for (const r of dicomParser.parseDicom(bytes).elements.x00041220?.items ?? []) {
      const id = r.dataSet?.string('x00041500');
      if (!id) continue;
      // Components stay inside the DICOMDIR's folder: '..' and empty parts are dropped.
      const parts = id.split('\\').map((p) => p.trim()).filter((p) => p && p !== '..' && p !== '.');
      if (parts.length) out.add(join(dir, ...parts));
    }
  } catch {
    return undefined; // an unreadable DICOMDIR: walk the folder instead
  }
  return out.size ? [...out].sort() : undefined;
}

interface Candidates {
  files: string[];
  notes: string[];
}

async function candidates(folder: string): Promise<Candidates> {
  const top = await walkFiles(folder);
  const dicomdir = top.find((p) => basename(p).toUpperCase() === 'DICOMDIR' && dirname(p) === folder);
  if (dicomdir) {
    const listed = dicomdirFiles(await readWhole(dicomdir), folder);
    if (listed) {
      const present = new Set(top);
      // File IDs are often upper case on disk-insensitive media: match case-insensitively as a fallback.
      const lower = new Map(top.map((p) => [p.toLowerCase(), p]));
      const resolved = listed.map((p) => (present.has(p) ? p : lower.get(p.toLowerCase()))).filter((p): p is string => !!p);
      if (resolved.length) {
        const missing = listed.length - resolved.length;
        return { files: resolved, notes: [`read via DICOMDIR (${resolved.length} files${missing ? `, ${missing} listed but missing` : ''})`] };
      }
    }
  }
  return { files: top, notes: [] };
}

/** A file's header: from its first 64 KiB, or from all of it when the header runs past that. */
async function headerOf(path: string): Promise<HeaderResult> {
  const { head, size } = await readHead(path);
  const first = headerResult({ name: path, bytes: head }, true);
  // A head that parses but ends before Pixel Data (or fails mid-header) proves nothing: read the rest.
  if (size <= head.length || !looksLikeDicom(head) || ('info' in first && first.info.isImage)) return first;
  return headerResult({ name: path, bytes: await readWhole(path) }, true);
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping the order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Series, non-image objects and skipped files in a folder (or one file), from headers only. */
export async function listDicomSeries(path: string): Promise<SeriesListing & { notes: string[] }> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw fsError(path, e);
  }
  const { files, notes } = st.isDirectory() ? await candidates(path) : { files: [path], notes: [] };
  return { ...sortHeaders(await mapLimit(files, 16, headerOf)).listing, notes };
}

/** Reads one series of a folder (default: the one with the most slices). */
export async function loadDicomFolder(folder: string, opts: DicomReadOptions = {}): Promise<ImageVolume> {
  const listing = await listDicomSeries(folder);
  const candidatesCount = listing.series.reduce((s, x) => s + x.files.length, 0) + listing.nonImages.length + listing.skipped.length;
  if (candidatesCount === 0) throw new ReaderError(folder, 'empty folder');
  if (listing.series.length === 0) {
    const dicom = listing.nonImages.length + listing.skipped.filter((s) => !s.endsWith(': not DICOM')).length;
    if (dicom === 0) throw new ReaderError(folder, `no DICOM files found (${candidatesCount} files checked for 'DICM' at byte 128)`);
    const n = listing.nonImages[0];
    if (n) throw new ReaderError(folder, `no DICOM images: none of the ${dicom} DICOM files has Pixel Data (e.g. ${n.file}: ${n.label})`);
    throw new ReaderError(folder, `no readable DICOM images (first problem: ${listing.skipped[0]})`);
  }
  const chosen = chooseSeries(listing, folder, opts);
  if (codecFor(chosen.transferSyntaxUID) && chosen.transferSyntaxUID !== '1.2.840.10008.1.2.5') await loadDicomCodecs();
  const notes = [...listing.notes, ...listing.skipped.map((s) => `skipped ${s}`)];
  for (const n of listing.nonImages) notes.push(`skipped ${n.file}: not an image (${n.label})`);
  for (const s of listing.series) {
    if (s.id !== chosen.id) notes.push(`ignored series ${s.id || '(no SeriesInstanceUID)'} (${s.files.length} files${s.description ? `, ${s.description}` : ''})`);
  }
  const files: DicomFile[] = await mapLimit(chosen.files, 16, async (name) => ({ name, bytes: await readWhole(name) }));
  const lines = files.map((f) => `${createHash('sha256').update(f.bytes).digest('hex')}  ${relative(folder, f.name)}\n`);
  const v = readDicomSeries(files, folder, { series: chosen.seriesInstanceUID, volume: opts.volume }, notes);
  const digest = createHash('sha256').update(lines.sort().join('')).digest('hex');
  return { ...v, source: { path: folder, format: 'dicom', sha256: digest }, meta: { ...v.meta, seriesId: chosen.id, folder: basename(folder) } };
}

/** True when a file's transfer syntax needs a WASM/JS codec (so the caller awaits loadDicomCodecs first). */
export function needsCodecs(bytes: Uint8Array): boolean {
  if (!isDicom(bytes)) return false;
  try {
    const syntax = dicomParser.readPart10Header(bytes).string('x00020010')?.replace(/\0/g, '').trim() ?? '';
    return codecFor(syntax) !== undefined && syntax !== '1.2.840.10008.1.2.5';
  } catch {
    return false; // the parser reports the bad header with its own message
  }
}
