/**
 * Bluestein's chirp-z FFT for lengths with a large prime factor:
 *   X_k = c_k * sum_j (x_j c_j) conj(c_{k-j}),   c_k = exp(-i pi k^2 / n),
 * a linear convolution done as a cyclic one of power-of-two length M >= 2n-1.
 * O(M log M) for any n, at roughly 3x the cost of a smooth size of similar
 * length.
 */
import type { Buf } from './butterflies';
import { BasePlan } from './base';
import type { FftPlan } from './base';

export class BluesteinPlan extends BasePlan {
  readonly algorithm = 'bluestein' as const;
  readonly factors: readonly number[];
  private readonly M: number;
  private readonly chirp: Float64Array; // c_k, interleaved, k < n
  private readonly filter: Float64Array; // FFT_M of the conjugate chirp, divided by M
  private bufX: Float64Array = new Float64Array(0);
  private bufY: Float64Array = new Float64Array(0);

  /** `inner` must be a plan of power-of-two length >= 2n - 1. */
  constructor(n: number, private readonly inner: FftPlan) {
    super(n);
    const M = inner.n;
    if (M < 2 * n - 1) throw new RangeError(`bluestein: inner length ${M} too short for ${n}`);
    this.M = M;
    this.factors = inner.factors;
    this.chirp = new Float64Array(2 * n);
    const n2 = 2 * n;
    for (let k = 0; k < n; k++) {
      // k^2 mod 2n keeps the angle small; k*k is exact in float64 for any n we allow.
      const ang = (-Math.PI * ((k * k) % n2)) / n;
      this.chirp[2 * k] = Math.cos(ang);
      this.chirp[2 * k + 1] = Math.sin(ang);
    }
    const f = new Float64Array(2 * M);
    f[0] = this.chirp[0]!;
    f[1] = -this.chirp[1]!;
    for (let k = 1; k < n; k++) {
      f[2 * k] = f[2 * (M - k)] = this.chirp[2 * k]!;
      f[2 * k + 1] = f[2 * (M - k) + 1] = -this.chirp[2 * k + 1]!;
    }
    inner.forward(f);
    for (let i = 0; i < f.length; i++) f[i]! /= M;
    this.filter = f;
  }

  exec(x: Buf, _y: Buf, B: number): boolean {
    const { n, M, chirp, filter } = this;
    const len = 2 * M * B;
    if (this.bufX.length < len) {
      this.bufX = new Float64Array(len);
      this.bufY = new Float64Array(len);
    }
    const a = this.bufX, w = this.bufY;
    const B2 = 2 * B;
    for (let k = 0; k < n; k++) {
      const cr = chirp[2 * k]!, ci = chirp[2 * k + 1]!;
      for (let i = k * B2, e = i + B2; i < e; i += 2) {
        const ur = x[i]!, ui = x[i + 1]!;
        a[i] = ur * cr - ui * ci;
        a[i + 1] = ur * ci + ui * cr;
      }
    }
    a.fill(0, n * B2, M * B2);
    const p = this.inner.exec(a, w, B) ? w : a;
    const q = p === a ? w : a;
    // Multiply by the filter and conjugate, so a second forward FFT acts as the inverse.
    for (let k = 0; k < M; k++) {
      const fr = filter[2 * k]!, fi = filter[2 * k + 1]!;
      for (let i = k * B2, e = i + B2; i < e; i += 2) {
        const ur = p[i]!, ui = p[i + 1]!;
        p[i] = ur * fr - ui * fi;
        p[i + 1] = -(ur * fi + ui * fr);
      }
    }
    const r = this.inner.exec(p, q, B) ? q : p;
    for (let k = 0; k < n; k++) {
      const cr = chirp[2 * k]!, ci = chirp[2 * k + 1]!;
      for (let i = k * B2, e = i + B2; i < e; i += 2) {
        const ur = r[i]!, ui = -r[i + 1]!;
        x[i] = ur * cr - ui * ci;
        x[i + 1] = ur * ci + ui * cr;
      }
    }
    return false;
  }
}
