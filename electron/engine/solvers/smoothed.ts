/**
 * Smoothed CS objectives for the first-order optimizer family, which needs a
 * gradient everywhere:
 *   f(x) = 0.5||A x - y||^2 + λ sum_i sqrt(|(B x)_i|^2 + ε^2)
 * (the "Charbonnier"/smoothed-L1 penalty, within λ·ε·n of the true L1 term),
 * with B = W (wavelet coefficients, entries taken one by one) or B = G
 * (finite differences; isotropic groups both directions of a pixel).
 * Gradient (real pairs, as SmoothObjective asks):
 *   A^H(Ax - y) + λ B^H (B x / sqrt(|B x|^2 + ε^2)).
 * Lipschitz constant: ||A||^2 + λ ||B||^2 / ε, used for default step sizes.
 */
import { norm2 } from '../array';
import type { LinOp } from '../linop';
import type { SmoothObjective } from './types';

export interface SmoothedOptions {
  lambda: number;
  epsilon: number;
  /** Group the two gradient components of each pixel (isotropic TV); B's output must be [2][...]. */
  grouped?: boolean;
}

export function smoothedObjective(A: LinOp, y: Float32Array, B: LinOp, opts: SmoothedOptions): SmoothObjective {
  const { lambda, epsilon } = opts;
  if (!(epsilon > 0)) throw new RangeError(`smoothed objective: epsilon must be positive, got ${epsilon}`);
  const size = 2 * A.ishape.reduce((a, b) => a * b, 1);
  const yy = Math.max(norm2(y), 1e-30);
  const e2 = epsilon * epsilon;
  /** Penalty value; when `w` is given, writes B x / sqrt(|Bx|^2+ε^2) into it. */
  const penalty = (bx: Float32Array, w?: Float32Array): number => {
    let s = 0;
    if (opts.grouped) {
      const plane = bx.length / 4;
      for (let p = 0; p < plane; p++) {
        const a = 2 * p, b = 2 * (plane + p);
        const r = Math.sqrt(bx[a]! ** 2 + bx[a + 1]! ** 2 + bx[b]! ** 2 + bx[b + 1]! ** 2 + e2);
        s += r;
        if (w) { w[a] = bx[a]! / r; w[a + 1] = bx[a + 1]! / r; w[b] = bx[b]! / r; w[b + 1] = bx[b + 1]! / r; }
      }
    } else {
      for (let i = 0; i < bx.length; i += 2) {
        const r = Math.sqrt(bx[i]! ** 2 + bx[i + 1]! ** 2 + e2);
        s += r;
        if (w) { w[i] = bx[i]! / r; w[i + 1] = bx[i + 1]! / r; }
      }
    }
    return s;
  };
  const dataTerm = (x: Float32Array, resid?: Float32Array): number => {
    const ax = A.apply(x);
    let r = 0;
    for (let i = 0; i < ax.length; i++) { ax[i]! -= y[i]!; r += ax[i]! ** 2; }
    if (resid) resid.set(ax);
    return 0.5 * r;
  };
  return {
    size,
    value: (x) => dataTerm(x) + lambda * penalty(B.apply(x)),
    gradient(x, g) {
      const resid = new Float32Array(y.length);
      const d = dataTerm(x, resid);
      const ga = A.adjoint(resid);
      const bx = B.apply(x);
      const w = new Float32Array(bx.length);
      const p = penalty(bx, w);
      const gb = B.adjoint(w);
      for (let i = 0; i < size; i++) g[i] = ga[i]! + lambda * gb[i]!;
      return d + lambda * p;
    },
    residual: (x) => Math.sqrt((2 * dataTerm(x)) / yy),
  };
}
