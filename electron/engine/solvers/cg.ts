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
