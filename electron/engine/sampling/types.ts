/**
 * Mask specifications and the Mask value every sampler returns. A mask is a
 * real 0/1 array [ky][kx] (array/layout.ts) shared by all slices and coils;
 * 1D masks select whole phase-encode rows ky.
 */

/** Line (1D) masks after fastMRI's subsample.py; see line-masks.ts. */
export interface LineMaskSpec {
  kind: 'random' | 'equispaced' | 'equispaced-fraction';
  /** Requested acceleration (total rows / sampled rows), > 1. */
  accel: number;
  /** Fraction of rows fully sampled at the k-space centre, in [0, 1). */
  centerFraction: number;
  seed: number;
}

/** Variable-density Poisson-disc (2D) mask; see poisson.ts. */
export interface PoissonMaskSpec {
  kind: 'poisson';
  accel: number;
  /** Side of the fully sampled square calibration region, in samples. */
  calib: number;
  seed: number;
}

export type MaskSpec = LineMaskSpec | PoissonMaskSpec;

/**
 * Describes a mask that came with the data (k-space files bring their own
 * sampling) rather than from a sampler; accel is the achieved value.
 */
export interface DataMaskSpec {
  kind: 'data';
  accel: number;
}

export interface Mask {
  /** [ny, nx]. */
  shape: [number, number];
  /** [ky][kx] of exactly 0 or 1. */
  data: Float32Array;
  spec: MaskSpec | DataMaskSpec;
  /** Achieved acceleration = total samples / sampled samples. */
  accel: number;
  /** [start, end) of the fully sampled centre rows, for row (1D) masks. */
  centerLines?: [number, number];
}

export function isMask(x: unknown): x is Mask {
  return typeof x === 'object' && x !== null && (x as Mask).data instanceof Float32Array && Array.isArray((x as Mask).shape);
}

function checkDim(name: string, n: number): void {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`${name} must be a positive integer, got ${n}`);
}

/** Throws a RangeError naming the first bad field of `spec` (or of ny/nx). */
export function validateMaskSpec(spec: MaskSpec, ny: number, nx: number): void {
  checkDim('ny', ny);
  checkDim('nx', nx);
  if (typeof spec !== 'object' || spec === null) throw new TypeError(`mask spec must be an object, got ${String(spec)}`);
  const kinds = ['random', 'equispaced', 'equispaced-fraction', 'poisson'];
  if (!kinds.includes(spec.kind)) throw new RangeError(`kind must be one of ${kinds.join(', ')}, got ${String(spec.kind)}`);
  if (typeof spec.accel !== 'number' || !Number.isFinite(spec.accel) || spec.accel <= 1) {
    throw new RangeError(`accel must be > 1, got ${spec.accel}`);
  }
  if (typeof spec.seed !== 'number' || !Number.isFinite(spec.seed)) throw new RangeError(`seed must be a finite number, got ${spec.seed}`);
  if (spec.kind === 'poisson') {
    const c = spec.calib;
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0) throw new RangeError(`calib must be a non-negative integer, got ${c}`);
    if (c > Math.min(ny, nx)) throw new RangeError(`calib must be <= min(ny, nx) = ${Math.min(ny, nx)}, got ${c}`);
    if (c * c * spec.accel >= ny * nx) {
      throw new RangeError(`calib ${c} is too large for accel ${spec.accel}: the ${c}x${c} centre alone exceeds the sample budget of ${ny}x${nx}/${spec.accel}`);
    }
    return;
  }
  const f = spec.centerFraction;
  if (typeof f !== 'number' || !Number.isFinite(f) || f < 0 || f >= 1) throw new RangeError(`centerFraction must be in [0, 1), got ${f}`);
  // The centre alone must not use up the row budget, or the outer-row
  // probability (random) and adjusted spacing (equispaced-fraction) go negative.
  if (f * spec.accel >= 1) throw new RangeError(`centerFraction x accel must be < 1, got centerFraction ${f} with accel ${spec.accel}`);
}

/** total / sampled; Infinity when nothing is sampled. */
export function achievedAccel(data: Float32Array): number {
  let s = 0;
  for (let i = 0; i < data.length; i++) if (data[i]! !== 0) s++;
  return s === 0 ? Infinity : data.length / s;
}
