/**
 * Conjugate gradient on the normal equations of Tikhonov-regularised least
 * squares, min 0.5||A x - y||^2 + 0.5 λ ||x||^2, i.e. (A^H A + λ I) x = A^H y
 * (BART `pics -l2`, sigpy ConjugateGradient). `cgSolve` is the plain kernel
 * reused by ADMM's inner x-update.
 */
import { axpy, norm2, vdot } from '../array';
import type { LinOp } from '../linop';
import type { IterativeSolver, StepInfo } from './types';

/**
 * v -> AᴴA v + λ v for CG on the (damped) normal equations, with A's fused
 * `normal` kernel when it has one. The result is consumed before the next call.
 */
export function normalOperator(A: LinOp & { normal?: (x: Float32Array) => Float32Array }, lambda = 0): (v: Float32Array) => Float32Array {
  const N = A.normal ? (v: Float32Array) => A.normal!(v) : (v: Float32Array) => A.adjoint(A.apply(v));
  return lambda ? (v) => axpy(lambda, v, N(v)) : N;
}

/** Runs `iters` CG iterations on M x = b in place, starting from x (M Hermitian PSD). */
export function cgSolve(M: (x: Float32Array) => Float32Array, b: Float32Array, x: Float32Array, iters: number, tol = 1e-10): Float32Array {
  const Mx = M(x);
  const r = new Float32Array(b.length);
  for (let i = 0; i < r.length; i++) r[i] = b[i]! - Mx[i]!;
  const p = r.slice();
  let rr = norm2(r);
  const stop = tol * tol * Math.max(norm2(b), 1e-30);
  for (let k = 0; k < iters && rr > stop; k++) {
    const Mp = M(p);
    const pMp = vdot(p, Mp)[0];
    if (pMp <= 0) break;
    const alpha = rr / pMp;
    // Update and the new residual norm in one pass (same summation order as norm2).
    let rrNew = 0;
    for (let i = 0; i < x.length; i++) {
      x[i]! += alpha * p[i]!;
      const ri = r[i]! - alpha * Mp[i]!;
      r[i] = ri;
      const rf = r[i]!; // the stored float32 value, as norm2 would read it
      rrNew += rf * rf;
    }
    const beta = rrNew / rr;
    for (let i = 0; i < p.length; i++) p[i] = r[i]! + beta * p[i]!;
    rr = rrNew;
  }
  return x;
}

export interface CgOptions {
  /** Tikhonov weight λ (0 = plain least squares). */
  lambda?: number;
  x0?: Float32Array;
}

export function cgSolver(A: LinOp, y: Float32Array, opts: CgOptions = {}): IterativeSolver {
  const lambda = opts.lambda ?? 0;
  if (!(lambda >= 0)) throw new RangeError(`cg: lambda must be >= 0, got ${lambda}`);
  const M = normalOperator(A, lambda);
  const x = opts.x0 ? opts.x0.slice() : new Float32Array(A.adjoint(y).length);
  const b = A.adjoint(y);
  const Mx = M(x);
  const r = new Float32Array(b.length);
  for (let i = 0; i < r.length; i++) r[i] = b[i]! - Mx[i]!;
  const p = r.slice();
  let rr = norm2(r);
  const yy = Math.max(norm2(y), 1e-30);
  let iteration = 0;
  const state = {
    name: 'cg',
    x,
    get iteration() { return iteration; },
    step(): StepInfo {
      iteration++;
      let alpha = 0;
      if (rr > 0) {
        const Mp = M(p);
        const pMp = vdot(p, Mp)[0];
        if (pMp > 0) {
          alpha = rr / pMp;
          for (let i = 0; i < x.length; i++) { x[i]! += alpha * p[i]!; r[i]! -= alpha * Mp[i]!; }
          const rrNew = norm2(r);
          const beta = rrNew / rr;
          for (let i = 0; i < p.length; i++) p[i] = r[i]! + beta * p[i]!;
          rr = rrNew;
        } else rr = 0;
      }
      const ax = A.apply(x);
      let res = 0;
      for (let i = 0; i < ax.length; i++) res += (ax[i]! - y[i]!) ** 2;
      return { iteration, objective: 0.5 * res + 0.5 * lambda * norm2(x), residual: Math.sqrt(res / yy), stepSize: alpha };
    },
  };
  return state;
}

export interface DiscrepancyRefineOptions {
  /** Most CGLS iterations (0 returns the start unchanged). */
  maxIters: number;
  /**
   * Stop as soon as ||A x − y||² ≤ target: the expected noise energy of the
   * measured samples times a safety factor (Morozov's discrepancy principle).
   * 0 = noiseless data: run maxIters (or until the residual vanishes).
   */
  target: number;
}

export interface DiscrepancyRefineResult {
  x: Float32Array;
  iterations: number;
  /** ||A x0 − y||² at the start and ||A x − y||² at the end. */
  residual0: number;
  residual: number;
  stoppedBy: 'discrepancy' | 'iterations' | 'converged';
}

/**
 * CGLS (conjugate gradient on min ||A x − y||² without forming AᴴA) started
 * from x0 and stopped by the discrepancy principle: iterating from a learned
 * estimate moves it toward the data only while the data misfit exceeds what the
 * noise alone explains, so a noisy measurement leaves the estimate (nearly) as it
 * is and a noiseless one is fitted as far as maxIters allows. x0 is not modified.
 */
export function refineToDiscrepancy(A: LinOp, y: Float32Array, x0: Float32Array, opts: DiscrepancyRefineOptions): DiscrepancyRefineResult {
  if (!(Number.isInteger(opts.maxIters) && opts.maxIters >= 0)) throw new RangeError(`refine: maxIters must be an integer >= 0, got ${opts.maxIters}`);
  if (!(opts.target >= 0 && Number.isFinite(opts.target))) throw new RangeError(`refine: target must be a finite number >= 0, got ${opts.target}`);
  const x = x0.slice();
  const r = y.slice();
  axpy(-1, A.apply(x), r); // r = y − A x
  let rr = norm2(r);
  const residual0 = rr;
  let s = A.adjoint(r);
  const p = s.slice();
  let gamma = norm2(s);
  let iterations = 0;
  let stoppedBy: DiscrepancyRefineResult['stoppedBy'] = 'iterations';
  while (true) {
    if (rr <= opts.target) { stoppedBy = 'discrepancy'; break; }
    if (iterations >= opts.maxIters) break;
    if (!(gamma > 0)) { stoppedBy = 'converged'; break; }
    const q = A.apply(p);
    const qq = norm2(q);
    if (!(qq > 0)) { stoppedBy = 'converged'; break; }
    const alpha = gamma / qq;
    axpy(alpha, p, x);
    axpy(-alpha, q, r);
    rr = norm2(r);
    s = A.adjoint(r);
    const g = norm2(s);
    const beta = g / gamma;
    gamma = g;
    for (let i = 0; i < p.length; i++) p[i] = s[i]! + beta * p[i]!;
    iterations++;
  }
  return { x, iterations, residual0, residual: rr, stoppedBy };
}
