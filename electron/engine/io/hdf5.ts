/**
 * fastMRI HDF5 k-space (Zbontar et al., arXiv:1811.08839) through h5wasm.
 *
 * File layout (as the fastMRI dataset ships it):
 *   kspace               complex64 [slice][coil][height][width] (multi-coil)
 *                        or [slice][height][width] (single-coil); height is
 *                        the READOUT, width the PHASE-ENCODE axis
 *   mask                 optional, 1D over width (test/challenge files)
 *   reconstruction_rss   float32 [slice][320][320] (multi-coil reference)
 *   reconstruction_esc   float32 [slice][320][320] (single-coil reference)
 *   ismrmrd_header       XML string (encoded/recon matrix, FOV)
 *   attrs                max, norm, acquisition, patient_id
 *
 * Our layout (array/layout.ts) puts the phase encode on ky = rows, so every
 * plane is TRANSPOSED on read: ours[ky][kx] = fastMRI[kx][ky], i.e. ky = width,
 * kx = height, and a fastMRI mask over width becomes whole rows ky of ours,
 * like our own 1D masks. The references are transposed the same way, so the
 * image of our k-space lines up with them pixel for pixel.
 *
 * Crop: the references are at the recon size (fastMRI: 320x320) while the
 * k-space keeps the encoded size (e.g. 640 readout x 368 phase, 2x readout
 * oversampling). As fastMRI's evaluation does, a reconstruction is compared
 * after a centre crop to the reference size (start = floor((n - crop) / 2)
 * per axis; jobs/recon-job.ts applies it). The crop is recorded in meta as
 * cropY/cropX, from the reference when present, else from the header's
 * reconSpace matrix (y = phase, x = readout), capped at the image size.
 *
 * Memory: one slice at a time. openFastMri gives a handle that reads any
 * slice on demand; readFastMri reads a slice range (default all) into one
 * volume. h5wasm's Node build opens the file in place (see hdf5-module.ts),
 * so a 1 GB file is never loaded whole. Every size comes from the file and is
 * checked (dimensions, per-slice and per-read totals) before anything is
 * allocated.
 */
import { statSync } from 'node:fs';
import type { KSpaceVolume, Meta, RTensor } from '../array';
import { checkDims, ReaderError } from './errors';
import { complexLayout, decodeReal, H5T_FLOAT, hostLittleEndian, readRaw, type DatasetMeta, type H5, type H5File } from './hdf5-data';
import { acquireHeapBudget, loadH5wasm, summariseDiagnostics } from './hdf5-module';
import { parseIsmrmrdHeader, type IsmrmrdEncoding } from './ismrmrd-header';

/** Complex values in one slice (coils x ny x nx): 2^27 = 1 GiB of complex64. */
export const MAX_SLICE_VALUES = 2 ** 27;
/** Complex values one readFastMri call may return (2 GiB as float32 pairs); read fewer slices beyond. */
export const MAX_READ_VALUES = 2 ** 28;
/**
 * HDF5 returns fill values (zeros) for chunks never written, so a tiny file
 * can declare gigabytes of k-space. A read may therefore take at most this
 * many times the file's size (fastMRI files are uncompressed: the ratio is
 * at most 1; gzip on noisy k-space rarely reaches 3), plus a small floor.
 */
export const MAX_EXPANSION = 50;
const EXPANSION_FLOOR_BYTES = 16 * 2 ** 20;
const MAX_COILS = 1024;
const MAX_SIDE = 16384;

export type ReferenceName = 'reconstruction_rss' | 'reconstruction_esc';

export interface FastMriInfo {
  path: string;
  kind: 'multicoil' | 'singlecoil';
  slices: number;
  coils: number;
  /** Phase encodes (fastMRI width) = our rows. */
  ny: number;
  /** Readout samples (fastMRI height) = our columns. */
  nx: number;
  /** [ky][kx] 0/1 from the file's `mask`, when present. */
  mask?: Float32Array;
  reference?: { name: ReferenceName; ny: number; nx: number };
  /** Centre crop to compare with the reference (our rows x columns). */
  crop?: { ny: number; nx: number };
  header?: IsmrmrdEncoding;
  meta: Meta;
  spacing: [number, number, number];
}

export interface FastMriHandle extends FastMriInfo {
  /** Bytes a single read may produce for this file (MAX_EXPANSION x its size + 16 MiB). */
  readonly budget: number;
  /** One slice of k-space, [coil][ky][kx] interleaved complex. */
  readKSpace(slice: number): Float32Array;
  /** One slice of the reference, [y][x], when the file has one. */
  readReference(slice: number): Float32Array | undefined;
  close(): void;
}

/** h5wasm's throwing handler puts the whole HDF5 error stack in the message; keep its most specific line. */
function describeError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (msg.includes('HDF5-DIAG')) return `HDF5: ${summariseDiagnostics(msg) ?? 'error'}`;
  return msg.length > 300 ? `${msg.slice(0, 300)}...` : msg;
}

/** Metadata of a dataset at the root, or undefined when the name is absent or not a dataset. */
function datasetMeta(f: H5File, name: string): DatasetMeta | undefined {
  const keys = f.keys();
  if (!keys.includes(name)) return undefined;
  const d = f.get(name) as unknown as { metadata?: DatasetMeta; type?: string } | null;
  if (!d || !('metadata' in d) || !d.metadata) return undefined;
  return d.metadata;
}

function attrMeta(f: H5File): Meta {
  const meta: Meta = {};
  let attrs: Record<string, { value: unknown }> = {};
  try {
    attrs = f.attrs as unknown as Record<string, { value: unknown }>;
  } catch {
    return meta;
  }
  for (const [k, a] of Object.entries(attrs).slice(0, 64)) {
    let v: unknown;
    try {
      v = a.value;
    } catch {
      continue;
    }
    if (typeof v === 'bigint') v = Number(v);
    if (ArrayBuffer.isView(v) && (v as unknown as ArrayLike<number>).length === 1) v = Number((v as unknown as ArrayLike<number>)[0]);
    if (typeof v === 'number' && Number.isFinite(v)) meta[k] = v;
    else if (typeof v === 'string') meta[k] = v.slice(0, 256);
  }
  return meta;
}

/** Opens a fastMRI file and checks its layout; slices are read on demand. Close the handle when done. */
export async function openFastMri(path: string): Promise<FastMriHandle> {
  const h5 = await loadH5wasm();
  const budget = readBudget(path);
  // HDF5's own heap may grow by what the reads need (a copy in and out) plus
  // room for metadata; a corrupt size asking for more fails instead of
  // taking up to 2 GiB for the rest of the process's life.
  const release = acquireHeapBudget(2 * budget + HEAP_SLACK_BYTES);
  let f: H5File;
  try {
    f = new h5.File(path, 'r');
  } catch (e) {
    release();
    throw new ReaderError(path, `not a readable HDF5 file (${describeError(e)})`);
  }
  if (f.file_id < 0n) {
    release();
    throw new ReaderError(path, 'not a readable HDF5 file (truncated or corrupt: HDF5 could not open it)');
  }
  try {
    const handle = describeFile(h5, f, path, budget);
    const close = handle.close.bind(handle);
    handle.close = (): void => {
      close();
      release();
    };
    return handle;
  } catch (e) {
    try {
      f.close();
    } catch {
      // Already unusable; the original error is what matters.
    }
    release();
    if (e instanceof ReaderError) throw e;
    throw new ReaderError(path, `corrupt HDF5 file (${describeError(e)})`);
  }
}

/** HDF5 heap room beyond the read budget: metadata cache, chunk cache, the header string. */
const HEAP_SLACK_BYTES = 64 * 2 ** 20;

/** NaN or infinity in measured data is corruption, not signal: refuse it rather than let it poison a recon. */
function checkFinite(x: Float32Array, path: string, what: string, per: 1 | 2): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) throw new ReaderError(path, `${what} has a NaN or infinite value (at ${per === 2 ? 'complex ' : ''}index ${Math.floor(i / per)}, in our ${per === 2 ? '[coil][ky][kx]' : '[y][x]'} order)`);
  }
}

/** Bytes one read may produce (see MAX_EXPANSION). */
function readBudget(path: string): number {
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    // HDF5 opened it, so it exists; without a size only the floor applies.
  }
  return EXPANSION_FLOOR_BYTES + MAX_EXPANSION * size;
}

function checkBudget(path: string, bytes: number, budget: number, what: string): void {
  if (bytes > budget) {
    throw new ReaderError(path, `${what} would take ${bytes} bytes, implausibly many for a file of this size (at most ${budget}); the file declares more data than it holds`);
  }
}

function describeFile(h5: H5, f: H5File, path: string, budget: number): FastMriHandle {
  const km = datasetMeta(f, 'kspace');
  if (!km) throw new ReaderError(path, "no 'kspace' dataset: not a fastMRI file");
  const shape = (km.shape ?? []).map(Number);
  if (shape.length !== 3 && shape.length !== 4) {
    throw new ReaderError(path, `dataset 'kspace' has shape [${shape.join(', ')}]; fastMRI k-space is [slice][coil][height][width] or [slice][height][width]`);
  }
  checkDims(path, shape, "'kspace' dimensions");
  const multi = shape.length === 4;
  const [slices, coils, height, width] = multi ? (shape as [number, number, number, number]) : [shape[0]!, 1, shape[1]!, shape[2]!];
  if (coils > MAX_COILS) throw new ReaderError(path, `absurd coil count ${coils} in 'kspace' (at most ${MAX_COILS})`);
  if (height > MAX_SIDE || width > MAX_SIDE) throw new ReaderError(path, `absurd k-space plane ${height}x${width} (at most ${MAX_SIDE} per side)`);
  if (coils * height * width > MAX_SLICE_VALUES) throw new ReaderError(path, `one slice of 'kspace' holds ${coils * height * width} values, above the limit of ${MAX_SLICE_VALUES}`);
  const cx = complexLayout(km, path);
  checkBudget(path, 8 * coils * height * width, budget, 'one slice of \'kspace\'');
  const ny = width;
  const nx = height;

  const info: FastMriInfo = { path, kind: multi ? 'multicoil' : 'singlecoil', slices, coils, ny, nx, meta: {}, spacing: [1, 1, 1] };

  const mm = datasetMeta(f, 'mask');
  if (mm) {
    const ms = (mm.shape ?? []).map(Number);
    if (ms.length !== 1 || ms[0] !== width) throw new ReaderError(path, `dataset 'mask' has shape [${ms.join(', ')}]; expected [${width}] (one entry per phase encode, the width of 'kspace')`);
    const m1 = decodeReal(readRaw(h5, f, 'mask', mm.size, [0], [width]), mm, width, "dataset 'mask'", path);
    const mask = new Float32Array(ny * nx);
    for (let y = 0; y < ny; y++) if (m1[y]! !== 0) mask.fill(1, y * nx, (y + 1) * nx);
    info.mask = mask;
  }

  const preferred: ReferenceName[] = multi ? ['reconstruction_rss', 'reconstruction_esc'] : ['reconstruction_esc', 'reconstruction_rss'];
  for (const name of preferred) {
    const rm = datasetMeta(f, name);
    if (!rm) continue;
    const rs = (rm.shape ?? []).map(Number);
    if (rs.length !== 3 || rs[0] !== slices) throw new ReaderError(path, `dataset '${name}' has shape [${rs.join(', ')}]; expected [${slices}][height][width] to match 'kspace'`);
    checkDims(path, rs, `'${name}' dimensions`);
    if (rs[1]! > MAX_SIDE || rs[2]! > MAX_SIDE) throw new ReaderError(path, `absurd reference plane ${rs[1]}x${rs[2]} in '${name}'`);
    if (rm.type !== H5T_FLOAT) throw new ReaderError(path, `dataset '${name}' is not floating point (HDF5 class ${rm.type})`);
    // Transposed like the k-space: reference rows = fastMRI width.
    info.reference = { name, ny: rs[2]!, nx: rs[1]! };
    break;
  }

  const hm = datasetMeta(f, 'ismrmrd_header');
  if (hm) {
    const xml = (f.get('ismrmrd_header') as unknown as { value: unknown }).value;
    const text = typeof xml === 'string' ? xml : xml instanceof Uint8Array ? new TextDecoder().decode(xml) : undefined;
    if (text !== undefined) info.header = parseIsmrmrdHeader(text);
  }

  const h = info.header;
  const cropFrom = info.reference ?? (h?.reconMatrix ? { ny: h.reconMatrix.y, nx: h.reconMatrix.x } : undefined);
  if (cropFrom) info.crop = { ny: Math.min(cropFrom.ny, ny), nx: Math.min(cropFrom.nx, nx) };
  if (h?.encodedFovMm) {
    info.spacing = [h.encodedFovMm.z, h.encodedFovMm.y / ny, h.encodedFovMm.x / nx];
  }

  const meta: Meta = { format: 'fastMRI', fastmriKind: info.kind, ...attrMeta(f) };
  meta.kspaceShape = `${slices}x${coils}x${height}x${width}`;
  meta.layout = 'fastMRI [height=readout][width=phase] transposed to [ky=width][kx=height]';
  if (h?.encodedMatrix) meta.encodedMatrix = `${h.encodedMatrix.x}x${h.encodedMatrix.y}x${h.encodedMatrix.z}`;
  if (h?.reconMatrix) meta.reconMatrix = `${h.reconMatrix.x}x${h.reconMatrix.y}x${h.reconMatrix.z}`;
  if (h) for (const [k, v] of Object.entries(h.extra)) meta[k] = v;
  if (info.crop) {
    meta.cropY = info.crop.ny;
    meta.cropX = info.crop.nx;
  }
  if (info.reference) meta.referenceDataset = info.reference.name;
  info.meta = meta;

  const plane = ny * nx;
  const hostLE = hostLittleEndian();
  const fast = cx.fsize === 4 && cx.le === hostLE && cx.re === 0 && cx.im === 4 && cx.size === 8;
  let closed = false;
  const guard = (what: string): void => {
    if (closed) throw new ReaderError(path, `${what} after the file was closed`);
  };
  const checkSlice = (s: number): void => {
    if (!Number.isInteger(s) || s < 0 || s >= slices) throw new ReaderError(path, `slice ${s} is outside its ${slices} slices (0:${slices})`);
  };

  return {
    ...info,
    budget,
    readKSpace(s: number): Float32Array {
      guard('reading k-space');
      checkSlice(s);
      const start = multi ? [s, 0, 0, 0] : [s, 0, 0];
      const count = multi ? [1, coils, height, width] : [1, height, width];
      let raw: Uint8Array;
      try {
        raw = readRaw(h5, f, 'kspace', cx.size, start, count);
      } catch (e) {
        throw new ReaderError(path, `cannot read slice ${s} of 'kspace' (${describeError(e)})`);
      }
      const out = new Float32Array(2 * coils * plane);
      const src = fast ? new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4) : undefined;
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      const get = (i: number, part: 0 | 1): number => {
        if (src) return src[2 * i + part]!;
        const o = i * cx.size + (part ? cx.im : cx.re);
        return cx.fsize === 4 ? dv.getFloat32(o, cx.le) : dv.getFloat64(o, cx.le);
      };
      // ours[c][ky][kx] = file[c][kx][ky] (height = readout = kx).
      for (let c = 0; c < coils; c++) {
        const base = c * plane;
        for (let a = 0; a < height; a++) {
          for (let b = 0; b < width; b++) {
            const i = base + a * width + b;
            const o = 2 * (base + b * nx + a);
            out[o] = get(i, 0);
            out[o + 1] = get(i, 1);
          }
        }
      }
      checkFinite(out, path, `slice ${s} of 'kspace'`, 2);
      return out;
    },
    readReference(s: number): Float32Array | undefined {
      guard('reading the reference');
      checkSlice(s);
      const r = info.reference;
      if (!r) return undefined;
      const rm = datasetMeta(f, r.name)!;
      let raw: Uint8Array;
      try {
        raw = readRaw(h5, f, r.name, rm.size, [s, 0, 0], [1, r.nx, r.ny]);
      } catch (e) {
        throw new ReaderError(path, `cannot read slice ${s} of '${r.name}' (${describeError(e)})`);
      }
      const flat = decodeReal(raw, rm, r.nx * r.ny, `dataset '${r.name}'`, path);
      const out = new Float32Array(r.ny * r.nx);
      for (let a = 0; a < r.nx; a++) for (let b = 0; b < r.ny; b++) out[b * r.nx + a] = flat[a * r.ny + b]!;
      checkFinite(out, path, `slice ${s} of '${r.name}'`, 1);
      return out;
    },
    close(): void {
      if (closed) return;
      closed = true;
      try {
        f.close();
      } catch {
        // Closing a file HDF5 already gave up on is not the user's problem.
      }
    },
  };
}

export interface FastMriReadOptions {
  /** Half-open slice range; default all. */
  slices?: [number, number];
}

/**
 * Reads a fastMRI file (or a slice range of it) as a KSpaceVolume. The
 * reference, when present, stays at its own (recon) size: compare after the
 * centre crop meta.cropY x meta.cropX. meta.sliceStart / meta.sliceTotal say
 * which slices of the file the volume holds.
 */
export async function readFastMri(path: string, opts: FastMriReadOptions = {}): Promise<KSpaceVolume> {
  const file = await openFastMri(path);
  try {
    const [a, b] = opts.slices ?? [0, file.slices];
    if (!(Number.isInteger(a) && Number.isInteger(b) && a >= 0 && b <= file.slices && a < b)) {
      throw new ReaderError(path, `slices ${a}:${b} are outside its ${file.slices} slices (0:${file.slices})`);
    }
    const n = b - a;
    const per = file.coils * file.ny * file.nx;
    if (n * per > MAX_READ_VALUES) {
      throw new ReaderError(path, `${n} slices of ${per} complex values exceed the limit of ${MAX_READ_VALUES} for one read; choose a slice range`);
    }
    checkBudget(path, 8 * n * per, file.budget, `${n} slices of 'kspace'`);
    const kspace = new Float32Array(2 * n * per);
    const r = file.reference;
    const reference: RTensor | undefined = r ? { shape: [n, r.ny, r.nx], data: new Float32Array(n * r.ny * r.nx) } : undefined;
    for (let s = 0; s < n; s++) {
      kspace.set(file.readKSpace(a + s), 2 * s * per);
      if (reference && r) reference.data.set(file.readReference(a + s)!, s * r.ny * r.nx);
    }
    const volume: KSpaceVolume = {
      kind: 'kspace',
      kspace: { shape: [n, file.coils, file.ny, file.nx], data: kspace },
      geometry: { spacing: file.spacing },
      meta: { ...file.meta, sliceStart: a, sliceTotal: file.slices },
      source: { path, format: 'hdf5' },
    };
    if (file.mask) volume.mask = { shape: [file.ny, file.nx], data: file.mask };
    if (reference) volume.reference = reference;
    return volume;
  } finally {
    file.close();
  }
}
