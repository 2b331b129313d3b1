/**
 * The one place that declares dimension order and complex layout.
 *
 * Every array in the engine is row-major (C order): the LAST axis varies
 * fastest. Complex values are interleaved float32 pairs, element i stored at
 * data[2i] (real) and data[2i+1] (imaginary). Nothing else in the engine may
 * assume another order; readers and writers convert at the boundary (BART's
 * .cfl is column-major, NIfTI stores x fastest, DICOM rows then columns).
 *
 *   k-space    [slice][coil][ky][kx]   complex
 *   coil maps  [slice][coil][y][x]     complex
 *   image      [slice][y][x]           complex or real
 *   mask       [ky][kx]                real, 0 or 1 (shared by slices and coils)
 *
 * ky/y is the phase-encode (row) axis, kx/x the readout (column) axis, so a
 * 1D mask selects whole rows ky and a 2D slice is displayed with y downward.
 */
export const KSPACE_DIMS = ['slice', 'coil', 'ky', 'kx'] as const;
export const IMAGE_DIMS = ['slice', 'y', 'x'] as const;
export const MASK_DIMS = ['ky', 'kx'] as const;

export type Shape = readonly number[];

/** Interleaved complex float32 tensor. data.length === 2 * numel(shape). */
export interface CTensor {
  readonly shape: Shape;
  readonly data: Float32Array;
}

/** Real float32 tensor. data.length === numel(shape). */
export interface RTensor {
  readonly shape: Shape;
  readonly data: Float32Array;
}

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeEquals(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function formatShape(shape: Shape): string {
  return `[${shape.join('x')}]`;
}

/** Throws unless every dimension is a positive integer and the total fits in memory limits. */
export function assertShape(shape: Shape, what = 'array', maxElements = 2 ** 30): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d <= 0) throw new RangeError(`${what}: invalid dimension ${d} in ${formatShape(shape)}`);
  }
  if (numel(shape) > maxElements) throw new RangeError(`${what}: ${formatShape(shape)} is too large (${numel(shape)} elements)`);
}

export function czeros(shape: Shape): CTensor {
  return { shape: [...shape], data: new Float32Array(2 * numel(shape)) };
}

export function rzeros(shape: Shape): RTensor {
  return { shape: [...shape], data: new Float32Array(numel(shape)) };
}

/** Element count of one entry of the outermost axis (a "plane" below it). */
export function strideOf(shape: Shape, axis: number): number {
  let s = 1;
  for (let i = axis + 1; i < shape.length; i++) s *= shape[i]!;
  return s;
}

/** View (no copy) of index `i` along the outermost axis of a complex tensor. */
export function cslice(t: CTensor, i: number): CTensor {
  const inner = t.shape.slice(1);
  const n = 2 * numel(inner);
  if (i < 0 || i >= t.shape[0]!) throw new RangeError(`index ${i} outside [0, ${t.shape[0]})`);
  return { shape: inner, data: t.data.subarray(i * n, (i + 1) * n) };
}

/** View (no copy) of index `i` along the outermost axis of a real tensor. */
export function rslice(t: RTensor, i: number): RTensor {
  const inner = t.shape.slice(1);
  const n = numel(inner);
  if (i < 0 || i >= t.shape[0]!) throw new RangeError(`index ${i} outside [0, ${t.shape[0]})`);
  return { shape: inner, data: t.data.subarray(i * n, (i + 1) * n) };
}
