/**
 * Proximal gradient for min_x 0.5||A x - y||^2 + g(x):
 *   ISTA  (accelerate: false): x+ = prox_{t g}(x - t A^H(Ax - y))
 *   FISTA (Beck & Teboulle 2009) with adaptive restart (O'Donoghue & Candès
 *   2015, gradient scheme): momentum is reset whenever the step from the
 *   extrapolated point z points against the last move, i.e.
 *   <z - x+, x+ - x> > 0, which removes FISTA's rippling on strongly convex
 *   regions at no extra operator cost.
 * Step t = 1/L with L = ||A||^2 from the power method unless given.
 * When A offers a fused `normal` (A^H A, e.g. the native SENSE kernel) the
 * gradient is A^H A z - A^H y, BART's normal-equation form: one call instead
 * of A then A^H; the data residual is then reported on tracked iterations only.
 */
import { norm2 } from '../array';
import type { LinOp } from '../linop';
import { powerMethod } from './power';
import type { IterativeSolver, StepInfo } from './types';

export interface ProxGradOptions {
  /** In place prox of t·g. */
  prox: (v: Float32Array, t: number) => void;
  /** g(x) for the objective (omit -> objective reports the data term only). */
  reg?: (x: Float32Array) => number;
  step?: number;
  accelerate?: boolean;
  restart?: boolean;
  x0?: Float32Array;
  /** Evaluate the objective at the new iterate (one extra A apply): always (default), never, or on the iterations a predicate picks. */
  trackObjective?: boolean | ((iteration: number) => boolean);
  powerIters?: number;
}

export function fistaSolver(A: LinOp, y: Float32Array, opts: ProxGradOptions): IterativeSolver & { readonly restarts: number } {
  const n = 2 * A.ishape.reduce((a, b) => a * b, 1);
  const step = opts.step ?? 1 / Math.max(powerMethod((v) => A.adjoint(A.apply(v)), n, opts.powerIters ?? 20), 1e-12);
  if (!(step > 0 && Number.isFinite(step))) throw new RangeError(`fista: step must be positive, got ${step}`);
  const accelerate = opts.accelerate ?? true;
  const restart = opts.restart ?? true;
  const track = opts.trackObjective ?? true;
  const x = opts.x0 ? opts.x0.slice() : new Float32Array(n);
  const xPrev = x.slice();
  const z = x.slice();
  const yy = Math.max(norm2(y), 1e-30);
  // A fused A^H A (the native SENSE kernel) when the operator offers one: one call per iteration instead of A then A^H.
  const normal = (A as LinOp & { normal?: (x: Float32Array) => Float32Array }).normal;
  const aty = normal ? A.adjoint(y) : undefined;
  let t = 1;
  let iteration = 0;
  let restarts = 0;
  return {
    name: accelerate ? 'fista' : 'ista',
    x,
    get iteration() { return iteration; },
    get restarts() { return restarts; },
    step(): StepInfo {
      iteration++;
      // Gradient step from z, then prox. With a fused A^H A (BART's normal-operator form,
      // grad = A^H A z - A^H y) the residual at z is not seen: reported only on tracked iterations.
      let resZ = NaN;
      if (normal) {
        const g = normal(z);
        for (let i = 0; i < n; i++) { xPrev[i] = x[i]!; x[i] = z[i]! - step * (g[i]! - aty![i]!); }
      } else {
        const az = A.apply(z);
        resZ = 0;
        for (let i = 0; i < az.length; i++) { az[i]! -= y[i]!; resZ += az[i]! ** 2; }
        const grad = A.adjoint(az);
        for (let i = 0; i < n; i++) { xPrev[i] = x[i]!; x[i] = z[i]! - step * grad[i]!; }
      }
      opts.prox(x, step);
      if (accelerate) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += (z[i]! - x[i]!) * (x[i]! - xPrev[i]!);
        if (restart && dot > 0) { t = 1; restarts++; }
        const tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
        const beta = (t - 1) / tNext;
        t = tNext;
        for (let i = 0; i < n; i++) z[i] = x[i]! + beta * (x[i]! - xPrev[i]!);
      } else z.set(x);
      let objective = NaN, residual = Number.isNaN(resZ) ? NaN : Math.sqrt(resZ / yy);
      if (track === true || (typeof track === 'function' && track(iteration))) {
        const ax = A.apply(x);
        let res = 0;
        for (let i = 0; i < ax.length; i++) res += (ax[i]! - y[i]!) ** 2;
        residual = Math.sqrt(res / yy);
        objective = 0.5 * res + (opts.reg ? opts.reg(x) : 0);
      }
      return { iteration, objective, residual, stepSize: step };
    },
  };
}
