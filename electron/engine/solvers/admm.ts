/**
 * ADMM (Boyd et al. 2011, scaled form) for min_x 0.5||A x - y||^2 + sum_k g_k(B_k x),
 * splitting z_k = B_k x — BART's `pics -m` and sigpy's LinearLeastSquares+ADMM:
 *   x  <- argmin 0.5||Ax-y||^2 + ρ/2 sum ||B_k x - z_k + u_k||^2   (inner CG, warm start)
 *   z_k <- prox_{g_k/ρ}(B_k x + u_k)
 *   u_k <- u_k + B_k x - z_k
 * Sums of regularisers (TV + wavelet, ...) are just several terms.
 */
import { norm2 } from '../array';
import type { LinOp } from '../linop';
import { cgSolve } from './cg';
import type { IterativeSolver, StepInfo } from './types';

export interface AdmmTerm {
  B: LinOp;
  /** In place prox of t·g on B x. */
  prox: (v: Float32Array, t: number) => void;
  /** g(B x) for the objective. */
  value: (bx: Float32Array) => number;
}

export interface AdmmOptions {
  rho?: number;
  innerIters?: number;
  x0?: Float32Array;
  /** Evaluate objective and residual (one extra A apply) always (default) or on the iterations a predicate picks. */
  trackObjective?: boolean | ((iteration: number) => boolean);
}

export function admmSolver(A: LinOp, y: Float32Array, terms: AdmmTerm[], opts: AdmmOptions = {}): IterativeSolver {
  const rho = opts.rho ?? 1;
  const inner = opts.innerIters ?? 5;
  if (!(rho > 0)) throw new RangeError(`admm: rho must be positive, got ${rho}`);
  const aty = A.adjoint(y);
  const n = aty.length;
  const x = opts.x0 ? opts.x0.slice() : aty.slice();
  const z = terms.map((t) => t.B.apply(x));
  const u = terms.map((t) => new Float32Array(2 * t.B.oshape.reduce((a, b) => a * b, 1)));
  // A fused A^H A (e.g. a native SENSE kernel) when the operator offers one: one call, no k-space temporaries.
  const normal = (A as LinOp & { normal?: (x: Float32Array) => Float32Array }).normal;
  const M = (v: Float32Array) => {
    const out = normal ? normal(v) : A.adjoint(A.apply(v));
    for (const t of terms) {
      const btb = t.B.adjoint(t.B.apply(v));
      for (let i = 0; i < n; i++) out[i]! += rho * btb[i]!;
    }
    return out;
  };
  const yy = Math.max(norm2(y), 1e-30);
  const track = opts.trackObjective ?? true;
  // Work arrays reused across iterations (each is as large as x or B x).
  const b = new Float32Array(n);
  const zu = z.map((zk) => new Float32Array(zk.length));
  let iteration = 0;
  return {
    name: 'admm',
    x,
    get iteration() { return iteration; },
    step(): StepInfo {
      iteration++;
      b.set(aty);
      terms.forEach((t, k) => {
        const zk = z[k]!, uk = u[k]!, w = zu[k]!;
        for (let i = 0; i < w.length; i++) w[i] = zk[i]! - uk[i]!;
        const back = t.B.adjoint(w);
        for (let i = 0; i < n; i++) b[i]! += rho * back[i]!;
      });
      cgSolve(M, b, x, inner);
      // The regulariser's value is only needed for the objective: skipped on untracked iterations.
      const tracked = track === true || (typeof track === 'function' && track(iteration));
      let regs = 0;
      terms.forEach((t, k) => {
        const bx = t.B.apply(x);
        const zk = z[k]!, uk = u[k]!;
        for (let i = 0; i < zk.length; i++) zk[i] = bx[i]! + uk[i]!;
        t.prox(zk, 1 / rho);
        for (let i = 0; i < zk.length; i++) uk[i]! += bx[i]! - zk[i]!;
        if (tracked) regs += t.value(bx);
      });
      if (!tracked) return { iteration, objective: NaN, residual: NaN, stepSize: rho };
      const ax = A.apply(x);
      let res = 0;
      for (let i = 0; i < ax.length; i++) res += (ax[i]! - y[i]!) ** 2;
      return { iteration, objective: 0.5 * res + regs, residual: Math.sqrt(res / yy), stepSize: rho };
    },
  };
}
