/**
 * BART .cfl/.hdr: the .hdr is text ("# Dimensions" then the sizes), the .cfl
 * raw complex64 little-endian in column-major order (BART dim 0 fastest).
 *
 * BART dims used here (src/misc/mri.h): READ 0, PHS1 1, PHS2 2, COIL 3, MAPS 4,
 * TE 5, COEFF 6, COEFF2 7, ITER 8, CSHIFT 9, TIME 10, TIME2 11, LEVEL 12,
 * SLICE 13, AVG 14, BATCH 15.
 *
 * Column-major with dim 0 fastest means a BART array [x, y, 1, coil, ..., slice]
 * has exactly the bytes of our row-major [slice][coil][y][x]: converting is a
 * copy, never a transpose, as long as only READ, PHS1, COIL and SLICE (and for
 * images PHS2, read as slices) are larger than 1. Anything else (MAPS, echoes,
 * time...) has no place in our layout and is refused rather than guessed.
 */
import type { CTensor, Geometry, ImageVolume, KSpaceVolume, Meta, RTensor } from '../array';
import { abs } from '../array';
import { decodeSamples, HOST_LITTLE_ENDIAN } from './binary';
import { checkDims, ReaderError } from './errors';

export const BART_DIMS = 16;
export const READ_DIM = 0;
export const PHS1_DIM = 1;
export const PHS2_DIM = 2;
export const COIL_DIM = 3;
export const MAPS_DIM = 4;
export const SLICE_DIM = 13;

const DIM_NAMES = ['READ', 'PHS1', 'PHS2', 'COIL', 'MAPS', 'TE', 'COEFF', 'COEFF2', 'ITER', 'CSHIFT', 'TIME', 'TIME2', 'LEVEL', 'SLICE', 'AVG', 'BATCH'];

export interface CflArray {
  /** 16 sizes in BART order. */
  dims: number[];
  /** Interleaved complex64 in BART (column-major) memory order. */
  data: Float32Array;
}

/** Parses the .hdr text into 16 BART dimensions (missing trailing ones are 1). */
export function parseCflHeader(hdrText: string, name: string): number[] {
  const lines = hdrText.split(/\r?\n/);
  const at = lines.findIndex((l) => l.trim() === '# Dimensions');
  if (at < 0) throw new ReaderError(name, 'not a BART header (no "# Dimensions" line)');
  const line = lines.slice(at + 1).find((l) => l.trim() !== '');
  if (line === undefined) throw new ReaderError(name, 'BART header has no dimensions after "# Dimensions"');
  const fields = line.trim().split(/\s+/);
  if (fields.length > BART_DIMS) throw new ReaderError(name, `BART header lists ${fields.length} dimensions; at most ${BART_DIMS} are supported`);
  const dims = fields.map((s) => (/^-?\d+$/.test(s) ? Number(s) : NaN));
  if (dims.some((d) => Number.isNaN(d))) throw new ReaderError(name, `BART header dimensions are not integers: "${line.trim()}"`);
  while (dims.length < BART_DIMS) dims.push(1);
  checkDims(name, dims);
  return dims;
}

/** Reads a .hdr text and its .cfl bytes. Non-finite values are an error: they poison every FFT. */
export function readCfl(hdrText: string, cfl: Uint8Array, name: string): CflArray {
  const dims = parseCflHeader(hdrText, name);
  const n = dims.reduce((p, d) => p * d, 1);
  const need = 8 * n;
  if (cfl.length !== need) {
    const what = cfl.length < need ? 'truncated file' : 'file too long';
    throw new ReaderError(name, `${what}: dims [${dims.join(' ')}] need ${need} bytes of complex64, the .cfl has ${cfl.length}`);
  }
  const data = decodeSamples(cfl, 0, 2 * n, 'float32', true);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      let count = 0;
      for (let j = i; j < data.length; j++) if (!Number.isFinite(data[j]!)) count++;
      throw new ReaderError(name, `${count} non-finite (NaN/Inf) float(s) in the data, first at complex element ${i >> 1}`);
    }
  }
  return { dims, data };
}

/** The .hdr text and .cfl bytes BART itself would write for this array. */
export function writeCflBytes(dims: readonly number[], data: Float32Array): { hdr: string; cfl: Uint8Array } {
  if (dims.length > BART_DIMS) throw new RangeError(`BART arrays have at most ${BART_DIMS} dimensions, got ${dims.length}`);
  const full = [...dims];
  while (full.length < BART_DIMS) full.push(1);
  const n = full.reduce((p, d) => p * d, 1);
  if (full.some((d) => !Number.isInteger(d) || d <= 0)) throw new RangeError(`invalid BART dimensions [${full.join(' ')}]`);
  if (data.length !== 2 * n) throw new RangeError(`dims [${full.join(' ')}] need ${2 * n} floats, got ${data.length}`);
  let cfl: Uint8Array;
  if (HOST_LITTLE_ENDIAN) {
    cfl = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  } else {
    cfl = new Uint8Array(data.length * 4);
    const dv = new DataView(cfl.buffer);
    for (let i = 0; i < data.length; i++) dv.setFloat32(4 * i, data[i]!, true);
  }
  // BART's own header: the sizes each followed by a space.
  return { hdr: `# Dimensions\n${full.map((d) => `${d} `).join('')}\n`, cfl };
}

function refuseOthers(name: string, dims: readonly number[], allowed: number[], as: string): void {
  const bad = dims.map((d, i) => [d, i] as const).filter(([d, i]) => d > 1 && !allowed.includes(i));
  if (bad.length) {
    const list = bad.map(([d, i]) => `${DIM_NAMES[i]} (dim ${i}) = ${d}`).join(', ');
    throw new ReaderError(name, `cannot read as ${as}: ${list}; only ${allowed.map((i) => DIM_NAMES[i]).join(', ')} may exceed 1`);
  }
}

/** BART k-space [kx, ky, 1, coil, ..., slice] -> our [slice][coil][ky][kx] (a copy; same order). */
export function bartToKSpace(dims: readonly number[], data: Float32Array, name: string): CTensor {
  refuseOthers(name, dims, [READ_DIM, PHS1_DIM, COIL_DIM, SLICE_DIM], 'k-space');
  return { shape: [dims[SLICE_DIM]!, dims[COIL_DIM]!, dims[PHS1_DIM]!, dims[READ_DIM]!], data: data.slice() };
}

/** Our [slice][coil][ky][kx] -> BART dims and data (slices in SLICE, dim 13). */
export function kspaceToBart(kspace: CTensor): CflArray {
  const [slices, coils, ny, nx] = kspace.shape;
  if (kspace.shape.length !== 4) throw new RangeError(`k-space must be [slice][coil][ky][kx], got ${kspace.shape.length} dims`);
  const dims = new Array<number>(BART_DIMS).fill(1);
  dims[READ_DIM] = nx!;
  dims[PHS1_DIM] = ny!;
  dims[COIL_DIM] = coils!;
  dims[SLICE_DIM] = slices!;
  return { dims, data: kspace.data.slice() };
}

/**
 * BART complex image -> our [slice][y][x]. Slices come from SLICE (dim 13) or,
 * for image-space data only, from PHS2 (dim 2, the third spatial axis of a 3D
 * image) - not both.
 */
export function bartToImage(dims: readonly number[], data: Float32Array, name: string): CTensor {
  refuseOthers(name, dims, [READ_DIM, PHS1_DIM, PHS2_DIM, SLICE_DIM], 'an image');
  if (dims[PHS2_DIM]! > 1 && dims[SLICE_DIM]! > 1) {
    throw new ReaderError(name, `cannot read as an image: both PHS2 (${dims[PHS2_DIM]}) and SLICE (${dims[SLICE_DIM]}) exceed 1`);
  }
  return { shape: [dims[PHS2_DIM]! * dims[SLICE_DIM]!, dims[PHS1_DIM]!, dims[READ_DIM]!], data: data.slice() };
}

/** Our complex [slice][y][x] -> BART dims (slices in SLICE, dim 13) and data. */
export function imageToBart(image: CTensor): CflArray {
  if (image.shape.length !== 3) throw new RangeError(`image must be [slice][y][x], got ${image.shape.length} dims`);
  const dims = new Array<number>(BART_DIMS).fill(1);
  dims[READ_DIM] = image.shape[2]!;
  dims[PHS1_DIM] = image.shape[1]!;
  dims[SLICE_DIM] = image.shape[0]!;
  return { dims, data: image.data.slice() };
}

export type CflKind = 'kspace' | 'image';

/**
 * How a .cfl is interpreted when the caller does not say: k-space when it has
 * more than one coil (multi-coil images are rare outside k-space and we have
 * no layout for them), an image otherwise. A single-coil k-space needs
 * `kind: 'kspace'`.
 */
export function defaultCflKind(dims: readonly number[]): CflKind {
  return dims[COIL_DIM]! > 1 ? 'kspace' : 'image';
}

/** [ky][kx] mask of positions non-zero in any slice or coil. */
function maskOf(k: CTensor): RTensor {
  const [slices, coils, ny, nx] = k.shape as [number, number, number, number];
  const plane = ny * nx;
  const mask = new Float32Array(plane);
  for (let sc = 0; sc < slices * coils; sc++) {
    const base = 2 * sc * plane;
    for (let i = 0; i < plane; i++) {
      if (k.data[base + 2 * i] !== 0 || k.data[base + 2 * i + 1] !== 0) mask[i] = 1;
    }
  }
  return { shape: [ny, nx], data: mask };
}

/** A parsed .cfl as a Volume. `name` is the path reported in errors and in source.path. */
export function cflToVolume(arr: CflArray, name: string, kind: CflKind = defaultCflKind(arr.dims)): KSpaceVolume | ImageVolume {
  const geometry: Geometry = { spacing: [1, 1, 1] };
  const meta: Meta = { format: 'BART cfl', bartDims: arr.dims.join(' '), interpretedAs: kind };
  const source = { path: name, format: 'cfl' as const };
  if (kind === 'kspace') {
    const kspace = bartToKSpace(arr.dims, arr.data, name);
    return { kind: 'kspace', kspace, mask: maskOf(kspace), geometry, meta, source };
  }
  const complex = bartToImage(arr.dims, arr.data, name);
  return { kind: 'image', image: { shape: complex.shape, data: abs(complex.data) }, complex, geometry, meta, source };
}
