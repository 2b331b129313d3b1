/**
 * Primal-dual hybrid gradient (Chambolle & Pock 2011, θ = 1) for
 *   min_x 0.5||A x - y||^2 + λ TV(x),   K = [A; G],
 * with both terms dualised (g = 0), so each step costs one A, A^H, G, G^H:
 *   p <- prox_{σ f1*}(p + σ A x̄) = (p + σ(A x̄ - y)) / (1 + σ)
 *   q <- proj_{|q|<=λ}(q + σ G x̄)
 *   x+ <- x - τ (A^H p + G^H q);  x̄ <- 2 x+ - x
 * Step sizes σ = τ = 0.99/||K|| with ||K||^2 from the power method, so
 * στ||K||^2 < 1 as the convergence proof needs.
 */
import { norm2 } from '../array';
import type { LinOp } from '../linop';
import { powerMethod } from './power';
import { tvNorm, tvProject } from './prox';
import type { IterativeSolver, StepInfo } from './types';

export interface PdhgOptions {
  isotropic?: boolean;
  x0?: Float32Array;
  /** ||K||^2 if known (skips the power method). */
  normK2?: number;
  /** Evaluate objective and residual (one extra A apply) always (default) or on the iterations a predicate picks. */
  trackObjective?: boolean | ((iteration: number) => boolean);
}

export function pdhgTvSolver(A: LinOp, G: LinOp, y: Float32Array, lambda: number, opts: PdhgOptions = {}): IterativeSolver {
  const iso = opts.isotropic ?? true;
  const n = 2 * A.ishape.reduce((a, b) => a * b, 1);
  const L2 = opts.normK2 ?? powerMethod((v) => {
    const a = A.adjoint(A.apply(v));
    const g = G.adjoint(G.apply(v));
    for (let i = 0; i < n; i++) a[i]! += g[i]!;
    return a;
  }, n, 20) * 1.01;
  const tau = 0.99 / Math.sqrt(L2), sigma = tau;
  const x = opts.x0 ? opts.x0.slice() : new Float32Array(n);
  const xbar = x.slice();
  const p = new Float32Array(y.length);
  const q = new Float32Array(2 * G.oshape.reduce((a, b) => a * b, 1));
  const yy = Math.max(norm2(y), 1e-30);
  let iteration = 0;
  return {
    name: 'pdhg',
    x,
    get iteration() { return iteration; },
    step(): StepInfo {
      iteration++;
      const ax = A.apply(xbar);
      for (let i = 0; i < p.length; i++) p[i] = (p[i]! + sigma * (ax[i]! - y[i]!)) / (1 + sigma);
      const gx = G.apply(xbar);
      for (let i = 0; i < q.length; i++) q[i]! += sigma * gx[i]!;
      tvProject(q, lambda, iso);
      const ap = A.adjoint(p), gq = G.adjoint(q);
      for (let i = 0; i < n; i++) {
        const xn = x[i]! - tau * (ap[i]! + gq[i]!);
        xbar[i] = 2 * xn - x[i]!;
        x[i] = xn;
      }
      const track = opts.trackObjective ?? true;
      if (!(track === true || (typeof track === 'function' && track(iteration)))) return { iteration, objective: NaN, residual: NaN, stepSize: tau };
      const a2 = A.apply(x);
      let res = 0;
      for (let i = 0; i < a2.length; i++) res += (a2[i]! - y[i]!) ** 2;
      return { iteration, objective: 0.5 * res + lambda * tvNorm(G.apply(x), iso), residual: Math.sqrt(res / yy), stepSize: tau };
    },
  };
}
