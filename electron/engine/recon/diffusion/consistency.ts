/**
 * Data consistency applied to the Tweedie estimate x̂0 at every DDIM step
 * (all on one slice, complex [y][x] interleaved, scaled data).
 *
 *  - hard (noiseless, single coil without maps): replace the sampled k-space
 *    of x̂0 by the data, X[m] = y[m] (a projection onto {x : M F x = y}).
 *  - soft (noisy): a per-sample posterior average in k-space,
 *      X[m] <- (1 − λ_t) X[m] + λ_t y[m],   λ_t = v_t / (v_t + σ²),
 *    where v_t = (1 − ᾱ_t)/ᾱ_t is the variance of x̂0's error implied by the
 *    noise level at t (Tweedie), and σ the k-space noise SD. Early (large t)
 *    the estimate is poor and the data win (λ -> 1); late, a noisy measurement
 *    no longer overrides a good estimate. σ = 0 gives hard consistency.
 *  - multi-coil (or maps given): the same trade-off as a regularised least
 *    squares solved by a few CG iterations from x̂0:
 *      (AᴴA + γ I) x = Aᴴ y + γ x̂0,  γ = σ² / v_t  (hard: γ = 1e-4),
 *    A = M F S the SENSE operator.
 */
import { fft2cBatch } from '../../fft';
import { cgSolve, normalOperator } from '../../solvers/cg';
import type { LinOp } from '../../linop';

export type DcMode = 'hard' | 'soft';

/** λ_t of the soft rule (1 when σ = 0). */
export function softWeight(abarT: number, sigma: number): number {
  if (sigma <= 0) return 1;
  const v = (1 - abarT) / Math.max(abarT, 1e-12);
  return v / (v + sigma * sigma);
}

/** Single coil, no maps: k-space replacement (weight 1) or averaging (weight < 1) in place on x. */
export function kspaceConsistency(x: Float32Array, y: Float32Array, mask: Float32Array, ny: number, nx: number, weight: number): Float32Array {
  const X = fft2cBatch(x, 1, ny, nx, false);
  for (let p = 0; p < ny * nx; p++) {
    if (mask[p]! === 0) continue;
    X[2 * p] = (1 - weight) * X[2 * p]! + weight * y[2 * p]!;
    X[2 * p + 1] = (1 - weight) * X[2 * p + 1]! + weight * y[2 * p + 1]!;
  }
  return fft2cBatch(X, 1, ny, nx, true, x);
}

/** Multi-coil: CG on (AᴴA + γI) x = Aᴴy + γ x̂0 from x̂0, in place on x. */
export function senseConsistency(x: Float32Array, aty: Float32Array, A: LinOp & { normal?: (x: Float32Array) => Float32Array }, gamma: number, iters: number): Float32Array {
  const b = new Float32Array(x.length);
  for (let i = 0; i < b.length; i++) b[i] = aty[i]! + gamma * x[i]!;
  return cgSolve(normalOperator(A, gamma), b, x, iters, 1e-6);
}

/**
 * A robust estimate of the k-space noise SD from the sampled points of the
 * outer 20% of kx (mostly noise in MRI): MAD of the real and imaginary parts / 0.6745.
 */
export function estimateNoise(y: Float32Array, mask: Float32Array, coils: number, ny: number, nx: number): number {
  const v: number[] = [];
  const edge = Math.max(1, Math.floor(nx * 0.1));
  for (let c = 0; c < coils; c++)
    for (let ky = 0; ky < ny; ky++)
      for (let kx = 0; kx < nx; kx++) {
        if (kx >= edge && kx < nx - edge) continue;
        const p = ky * nx + kx;
        if (mask[p]! === 0) continue;
        const o = 2 * (c * ny * nx + p);
        v.push(Math.abs(y[o]!), Math.abs(y[o + 1]!));
      }
  if (v.length < 16) return 0;
  v.sort((a, b) => a - b);
  return v[v.length >> 1]! / 0.6745;
}
