/**
 * What every FFT plan offers, and the behaviour shared by all of them. A plan
 * computes the unnormalised, uncentred forward DFT of one length; inverse and
 * centred transforms are built from it by conjugation and index maps.
 */
import type { Buf } from './butterflies';
import type { BlockIO } from './strided';
import { gather, scatter } from './strided';

export interface FftScratch {
  /** Two interleaved complex work buffers of length >= 2 * n * B. */
  x: Float64Array;
  y: Float64Array;
}

export interface FftPlan {
  readonly n: number;
  readonly algorithm: 'identity' | 'mixed-radix' | 'bluestein';
  /** Radices in stage order (empty for identity; the padded length's for Bluestein). */
  readonly factors: readonly number[];
  /**
   * Forward DFT of B signals stored element-major and interleaved (element k
   * of signal b at 2(kB + b)), read from x. Both buffers are work space of
   * length >= 2nB. Returns true when the result is in y, false when in x.
   */
  exec(x: Buf, y: Buf, B: number): boolean;
  /** Plan-owned work buffers for B signals, grown on demand and reused. */
  scratch(B: number): FftScratch;
  /** Float32 block in, DFT, float32 block out (see strided.ts); uses scratch(B). */
  transformBlock(io: BlockIO, B: number): void;
  /** In-place unnormalised forward DFT of one interleaved signal (length 2n). */
  forward(z: Float64Array): void;
  /** In-place unnormalised inverse DFT (no 1/n) of one interleaved signal. */
  inverse(z: Float64Array): void;
}

export abstract class BasePlan implements FftPlan {
  abstract readonly algorithm: FftPlan['algorithm'];
  abstract readonly factors: readonly number[];
  private work: FftScratch | null = null;
  private workB = 0;
  constructor(readonly n: number) {}

  abstract exec(x: Buf, y: Buf, B: number): boolean;

  scratch(B: number): FftScratch {
    if (this.work === null || B > this.workB) {
      const len = 2 * this.n * B;
      this.work = { x: new Float64Array(len), y: new Float64Array(len) };
      this.workB = B;
    }
    return this.work;
  }

  transformBlock(io: BlockIO, B: number): void {
    const { x, y } = this.scratch(B);
    gather(io, x, this.n, B);
    scatter(io, this.exec(x, y, B) ? y : x, this.n, B);
  }

  forward(z: Float64Array): void {
    if (z.length !== 2 * this.n) {
      throw new RangeError(`fft plan of size ${this.n} given an array of length ${z.length}, expected ${2 * this.n}`);
    }
    const { y } = this.scratch(1);
    if (this.exec(z, y, 1)) z.set(y.subarray(0, 2 * this.n));
  }

  inverse(z: Float64Array): void {
    for (let i = 1; i < z.length; i += 2) z[i] = -z[i]!;
    this.forward(z);
    for (let i = 1; i < z.length; i += 2) z[i] = -z[i]!;
  }
}
