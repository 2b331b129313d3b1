/**
 * Masks for k-space that brings its own sampling (fastMRI test sets, BART
 * .cfl): unsampled entries are exactly zero, so the pattern is read off the
 * data instead of being drawn.
 */
import type { Mask } from './types';

function checkDims(ny: number, nx: number): void {
  if (!Number.isInteger(ny) || ny <= 0) throw new RangeError(`ny must be a positive integer, got ${ny}`);
  if (!Number.isInteger(nx) || nx <= 0) throw new RangeError(`nx must be a positive integer, got ${nx}`);
}

/**
 * When every row is either fully sampled or empty (a 1D mask), the run of
 * sampled rows through the centre row ny/2 is the calibration block.
 */
function rowCenter(data: Float32Array, ny: number, nx: number): [number, number] | undefined {
  const rowOn = new Uint8Array(ny);
  for (let y = 0; y < ny; y++) {
    let s = 0;
    for (let x = 0; x < nx; x++) s += data[y * nx + x]!;
    if (s !== 0 && s !== nx) return undefined;
    rowOn[y] = s === nx ? 1 : 0;
  }
  const mid = ny >> 1;
  if (rowOn[mid] !== 1) return undefined;
  let a = mid;
  let b = mid + 1;
  while (a > 0 && rowOn[a - 1] === 1) a--;
  while (b < ny && rowOn[b] === 1) b++;
  // A fully sampled axis has no meaningful "centre block".
  return a === 0 && b === ny ? undefined : [a, b];
}

function finish(data: Float32Array, ny: number, nx: number, sampled: number): Mask {
  if (sampled === 0) throw new RangeError('mask has no sampled entries (all zero)');
  const accel = (ny * nx) / sampled;
  const mask: Mask = { shape: [ny, nx], data, spec: { kind: 'data', accel }, accel };
  const c = rowCenter(data, ny, nx);
  if (c) mask.centerLines = c;
  return mask;
}

/** A Mask from existing [ky][kx] 0/1 data (copied). */
export function maskFromData(data: Float32Array, ny: number, nx: number): Mask {
  checkDims(ny, nx);
  if (data.length !== ny * nx) throw new RangeError(`mask data has ${data.length} entries, expected ny*nx = ${ny}x${nx} = ${ny * nx}`);
  const out = new Float32Array(data.length);
  let sampled = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v !== 0 && v !== 1) throw new RangeError(`mask data must be 0 or 1, got ${v} at index ${i} (ky ${Math.floor(i / nx)}, kx ${i % nx})`);
    out[i] = v;
    sampled += v;
  }
  return finish(out, ny, nx, sampled);
}

/**
 * Marks every (ky, kx) that is non-zero in any coil of one slice's k-space,
 * interleaved complex [coil][ky][kx].
 */
export function maskFromKSpace(kspace: Float32Array, coils: number, ny: number, nx: number): Mask {
  checkDims(ny, nx);
  if (!Number.isInteger(coils) || coils <= 0) throw new RangeError(`coils must be a positive integer, got ${coils}`);
  const plane = ny * nx;
  if (kspace.length !== 2 * coils * plane) {
    throw new RangeError(`kspace has ${kspace.length} floats, expected 2*coils*ny*nx = 2x${coils}x${ny}x${nx} = ${2 * coils * plane}`);
  }
  const out = new Float32Array(plane);
  let sampled = 0;
  for (let c = 0; c < coils; c++) {
    const o = 2 * c * plane;
    for (let i = 0; i < plane; i++) {
      if (out[i]! === 0 && (kspace[o + 2 * i]! !== 0 || kspace[o + 2 * i + 1]! !== 0)) {
        out[i] = 1;
        sampled++;
      }
    }
  }
  return finish(out, ny, nx, sampled);
}
