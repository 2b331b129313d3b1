/**
 * getPlan(n): the cached FFT plan for a length. Lengths whose prime factors
 * are all at most MAX_GENERIC_RADIX run mixed-radix; others run Bluestein on
 * a power-of-two plan.
 */
import type { FftPlan } from './base';
import { BluesteinPlan } from './bluestein';
import { MixedRadixPlan } from './mixed-radix';

/** Odd primes up to this use a direct-DFT butterfly; larger ones mean Bluestein (measured crossover ~50). */
export const MAX_GENERIC_RADIX = 47;

/** Longest transform a plan is made for (keeps scratch sizes and k*k exact). */
export const MAX_FFT_LENGTH = 1 << 24;

function largestPrimeFactor(n: number): number {
  let r = n, best = 1;
  for (let p = 2; p * p <= r; p++) {
    while (r % p === 0) { best = p; r /= p; }
  }
  return r > 1 ? r : best;
}

const cache = new Map<number, FftPlan>();

/** Cached plan for length n (a positive integer up to MAX_FFT_LENGTH). */
export function getPlan(n: number): FftPlan {
  if (!Number.isInteger(n) || n < 1 || n > MAX_FFT_LENGTH) throw new RangeError(`fft: invalid length ${n}`);
  return planFor(n);
}

function planFor(n: number): FftPlan {
  let plan = cache.get(n);
  if (plan === undefined) {
    if (largestPrimeFactor(n) <= MAX_GENERIC_RADIX) {
      plan = new MixedRadixPlan(n);
    } else {
      let M = 1;
      while (M < 2 * n - 1) M *= 2;
      plan = new BluesteinPlan(n, planFor(M));
    }
    cache.set(n, plan);
  }
  return plan;
}

/** Forget all cached plans and their scratch (e.g. after a batch of unusual sizes). */
export function clearPlanCache(): void {
  cache.clear();
}
