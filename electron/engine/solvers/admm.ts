/**
 * ADMM (Boyd et al. 2011, scaled form, with over-relaxation §3.4.3) for
 * min_x 0.5||A x - y||^2 + sum_k g_k(B_k x), splitting z_k = B_k x — BART's
 * `pics -m` (iter/admm.c) and sigpy's LinearLeastSquares+ADMM:
 *   x   <- argmin 0.5||Ax-y||^2 + ρ/2 sum ||B_k x - z_k + u_k||^2   (inner CG, warm start from x)
 *   h_k <- α B_k x + (1 - α) z_k                                    (α = 1: plain ADMM; BART uses 1.6)
 *   z_k <- prox_{g_k/ρ}(h_k + u_k)
 *   u_k <- u_k + h_k - z_k
 * Sums of regularisers (TV + wavelet, ...) are just several terms.
 *
 * Cost: the inner CG is where the time goes (one A^H A per CG iteration). M x
 * for the warm start's initial residual is carried across outer iterations
 * (updated by CG's own α·M p), so an outer iteration with k CG iterations
 * costs k applications of A^H A, not k + 1. The CG stops early, as BART's,
 * once ||r|| <= cgTol·||rhs||. `cgIterations` counts them all: BART's
 * `pics -i N` for ADMM is a budget of N such iterations, not N outer ones.
 */
import { norm2 } from '../array';
import type { LinOp } from '../linop';
import type { IterativeSolver, StepInfo } from './types';

export interface AdmmTerm {
  /** The transform; a `normal` member (B^H B in one pass) is used when present. */
  B: LinOp & { normal?: (x: Float32Array) => Float32Array };
  /** In place prox of t·g on B x. */
  prox: (v: Float32Array, t: number) => void;
  /** g(B x) for the objective. */
  value: (bx: Float32Array) => number;
}

export interface AdmmOptions {
  rho?: number;
  /** Most CG iterations per x-update. */
  innerIters?: number;
  /** CG stops when ||r|| <= cgTol·||rhs|| (BART: 1e-3); 0 = always innerIters. */
  cgTol?: number;
  /** Over-relaxation α in (0, 2) (BART: 1.6); 1 = plain ADMM. */
  alpha?: number;
  /** Start (default A^H y); z_k = B_k x0, u_k = 0. */
  x0?: Float32Array;
  /** Evaluate objective and residual (one extra A apply) always (default) or on the iterations a predicate picks. */
  trackObjective?: boolean | ((iteration: number) => boolean);
  /**
   * BART's stopping rule (pics -i N for ADMM): done once more than cgBudget CG
   * iterations have run in total (the outer iteration that crosses it completes).
   */
  cgBudget?: number;
}

export type AdmmSolver = IterativeSolver & { readonly cgIterations: number };

export function admmSolver(A: LinOp, y: Float32Array, terms: AdmmTerm[], opts: AdmmOptions = {}): AdmmSolver {
  const rho = opts.rho ?? 1;
  const inner = opts.innerIters ?? 5;
  const cgTol = opts.cgTol ?? 0;
  const alpha = opts.alpha ?? 1;
  if (!(rho > 0)) throw new RangeError(`admm: rho must be positive, got ${rho}`);
  if (!(Number.isInteger(inner) && inner >= 1)) throw new RangeError(`admm: innerIters must be a positive integer, got ${inner}`);
  if (!(alpha > 0 && alpha < 2)) throw new RangeError(`admm: alpha must be in (0, 2), got ${alpha}`);
  if (!(cgTol >= 0)) throw new RangeError(`admm: cgTol must be >= 0, got ${cgTol}`);
  const aty = A.adjoint(y);
  const n = aty.length;
  const x = opts.x0 ? opts.x0.slice() : aty.slice();
  const z = terms.map((t) => t.B.apply(x));
  const u = z.map((zk) => new Float32Array(zk.length));
  // A fused A^H A (e.g. a native SENSE kernel) when the operator offers one: one call, no k-space temporaries.
  const normalA = (A as LinOp & { normal?: (x: Float32Array) => Float32Array }).normal;
  const M = (v: Float32Array): Float32Array => {
    const out = normalA ? normalA(v) : A.adjoint(A.apply(v));
    for (const t of terms) {
      const btb = t.B.normal ? t.B.normal(v) : t.B.adjoint(t.B.apply(v));
      for (let i = 0; i < n; i++) out[i]! += rho * btb[i]!;
    }
    return out;
  };
  const yy = Math.max(norm2(y), 1e-30);
  const track = opts.trackObjective ?? true;
  // Work arrays reused across iterations.
  const b = new Float32Array(n);
  const r = new Float32Array(n);
  const p = new Float32Array(n);
  const zu = z.map((zk) => new Float32Array(zk.length));
  let Mx: Float32Array | null = null;
  let iteration = 0;
  let cgIterations = 0;

  /** CG on M x = b from the current x, M x carried in Mx (and kept up to date). */
  const xUpdate = (): void => {
    if (!Mx) Mx = M(x);
    let rr = 0;
    for (let i = 0; i < n; i++) { const ri = b[i]! - Mx[i]!; r[i] = ri; p[i] = ri; rr += ri * ri; }
    const stop = cgTol * cgTol * norm2(b);
    for (let k = 0; k < inner && rr > stop && rr > 0; k++) {
      const Mp = M(p);
      let pMp = 0;
      for (let i = 0; i < n; i++) pMp += p[i]! * Mp[i]!;
      if (!(pMp > 0)) break;
      const a = rr / pMp;
      let rrNew = 0;
      for (let i = 0; i < n; i++) {
        x[i]! += a * p[i]!;
        Mx[i]! += a * Mp[i]!;
        const ri = r[i]! - a * Mp[i]!;
        r[i] = ri;
        rrNew += ri * ri;
      }
      const beta = rrNew / rr;
      for (let i = 0; i < n; i++) p[i] = r[i]! + beta * p[i]!;
      rr = rrNew;
      cgIterations++;
    }
  };

  return {
    name: 'admm',
    x,
    get iteration() { return iteration; },
    get cgIterations() { return cgIterations; },
    get done() { return opts.cgBudget !== undefined && cgIterations > opts.cgBudget; },
    step(): StepInfo {
      iteration++;
      b.set(aty);
      terms.forEach((t, k) => {
        const zk = z[k]!, uk = u[k]!, w = zu[k]!;
        for (let i = 0; i < w.length; i++) w[i] = zk[i]! - uk[i]!;
        const back = t.B.adjoint(w);
        for (let i = 0; i < n; i++) b[i]! += rho * back[i]!;
      });
      xUpdate();
      // The regulariser's value is only needed for the objective: skipped on untracked iterations.
      const tracked = track === true || (typeof track === 'function' && track(iteration));
      let regs = 0;
      terms.forEach((t, k) => {
        const bx = t.B.apply(x);
        const zk = z[k]!, uk = u[k]!;
        if (tracked) regs += t.value(bx);
        // bx becomes the relaxed h = α B x + (1 - α) z, then z <- prox(h + u), u <- u + h - z.
        for (let i = 0; i < zk.length; i++) {
          const h = alpha * bx[i]! + (1 - alpha) * zk[i]!;
          bx[i] = h;
          zk[i] = h + uk[i]!;
        }
        t.prox(zk, 1 / rho);
        for (let i = 0; i < zk.length; i++) uk[i]! += bx[i]! - zk[i]!;
      });
      if (!tracked) return { iteration, objective: NaN, residual: NaN, stepSize: rho };
      const ax = A.apply(x);
      let res = 0;
      for (let i = 0; i < ax.length; i++) res += (ax[i]! - y[i]!) ** 2;
      return { iteration, objective: 0.5 * res + regs, residual: Math.sqrt(res / yy), stepSize: rho };
    },
  };
}
