/**
 * Element-wise helpers on interleaved complex Float32Arrays (see layout.ts).
 * Reductions accumulate in float64 so norms and inner products of large
 * volumes stay accurate.
 */
import type { CTensor, RTensor, Shape } from './layout';
import { numel } from './layout';

/** Real image -> complex with zero imaginary part. */
export function toComplex(real: Float32Array): Float32Array {
  const out = new Float32Array(real.length * 2);
  for (let i = 0; i < real.length; i++) out[2 * i] = real[i]!;
  return out;
}

export function abs(c: Float32Array, out: Float32Array = new Float32Array(c.length / 2)): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = Math.hypot(c[2 * i]!, c[2 * i + 1]!);
  return out;
}

export function realPart(c: Float32Array): Float32Array {
  const out = new Float32Array(c.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = c[2 * i]!;
  return out;
}

/** <a, b> = sum conj(a) * b, as [re, im] in float64. */
export function vdot(a: Float32Array, b: Float32Array): [number, number] {
  if (a.length !== b.length) throw new RangeError(`vdot: length ${a.length} != ${b.length}`);
  let re = 0;
  let im = 0;
  for (let i = 0; i < a.length; i += 2) {
    const ar = a[i]!, ai = a[i + 1]!, br = b[i]!, bi = b[i + 1]!;
    re += ar * br + ai * bi;
    im += ar * bi - ai * br;
  }
  return [re, im];
}

/** Squared L2 norm (works for real or interleaved complex data alike). */
export function norm2(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return s;
}

/** out = a * b element-wise (complex). out may alias a or b. */
export function mul(a: Float32Array, b: Float32Array, out: Float32Array = new Float32Array(a.length)): Float32Array {
  for (let i = 0; i < a.length; i += 2) {
    const ar = a[i]!, ai = a[i + 1]!, br = b[i]!, bi = b[i + 1]!;
    out[i] = ar * br - ai * bi;
    out[i + 1] = ar * bi + ai * br;
  }
  return out;
}

/** out = conj(a) * b element-wise (complex). out may alias a or b. */
export function conjMul(a: Float32Array, b: Float32Array, out: Float32Array = new Float32Array(a.length)): Float32Array {
  for (let i = 0; i < a.length; i += 2) {
    const ar = a[i]!, ai = a[i + 1]!, br = b[i]!, bi = b[i + 1]!;
    out[i] = ar * br + ai * bi;
    out[i + 1] = ar * bi - ai * br;
  }
  return out;
}

/** y += alpha * x for a real scalar alpha. */
export function axpy(alpha: number, x: Float32Array, y: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) y[i]! += alpha * x[i]!;
  return y;
}

export function scale(x: Float32Array, alpha: number, out: Float32Array = new Float32Array(x.length)): Float32Array {
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * alpha;
  return out;
}

/** Largest finite absolute value, and whether any NaN/Infinity was seen. */
export function scanFinite(x: Float32Array): { maxAbs: number; finite: boolean } {
  let maxAbs = 0;
  let finite = true;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!Number.isFinite(v)) finite = false;
    else if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
  }
  return { maxAbs, finite };
}

export function ctensor(shape: Shape, data?: Float32Array): CTensor {
  const n = 2 * numel(shape);
  if (data && data.length !== n) throw new RangeError(`complex tensor of shape [${shape.join('x')}] needs ${n} floats, got ${data.length}`);
  return { shape: [...shape], data: data ?? new Float32Array(n) };
}

export function rtensor(shape: Shape, data?: Float32Array): RTensor {
  const n = numel(shape);
  if (data && data.length !== n) throw new RangeError(`real tensor of shape [${shape.join('x')}] needs ${n} floats, got ${data.length}`);
  return { shape: [...shape], data: data ?? new Float32Array(n) };
}
