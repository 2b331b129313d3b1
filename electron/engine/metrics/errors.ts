/**
 * NMSE and PSNR exactly as fastMRI's evaluate.py defines them, accumulated in
 * float64 so a whole volume of float32 values sums without loss.
 */
import { checkPair, maxOf } from './check';

/** Sum of squared differences and sum of squared reference values. */
export function sumSquares(gt: Float32Array, pred: Float32Array, from = 0, to = gt.length): { diff: number; ref: number } {
  let diff = 0;
  let ref = 0;
  for (let i = from; i < to; i++) {
    const g = gt[i]!;
    const d = g - pred[i]!;
    diff += d * d;
    ref += g * g;
  }
  return { diff, ref };
}

/**
 * ||gt - pred||^2 / ||gt||^2. An all-zero reference gives 0 when the prediction
 * is also zero and Infinity otherwise (fastMRI would give NaN / inf).
 */
export function nmse(gt: Float32Array, pred: Float32Array): number {
  checkPair('nmse', gt, pred);
  const { diff, ref } = sumSquares(gt, pred);
  return nmseOf(diff, ref);
}

export function nmseOf(diff: number, ref: number): number {
  if (ref === 0) return diff === 0 ? 0 : Infinity;
  return diff / ref;
}

/**
 * 20 log10(maxval) - 10 log10(mse) (skimage's peak_signal_noise_ratio with
 * data_range = maxval). maxval defaults to the reference maximum, which is what
 * fastMRI passes for a whole volume. Identical inputs give Infinity.
 */
export function psnr(gt: Float32Array, pred: Float32Array, maxval?: number): number {
  checkPair('psnr', gt, pred);
  const peak = maxval ?? maxOf(gt);
  const { diff } = sumSquares(gt, pred);
  return psnrOf(diff / gt.length, peak);
}

export function psnrOf(mse: number, peak: number): number {
  if (!(peak > 0) || !Number.isFinite(peak)) throw new RangeError(`psnr: peak value must be positive and finite, got ${peak}`);
  if (mse === 0) return Infinity;
  return 20 * Math.log10(peak) - 10 * Math.log10(mse);
}
