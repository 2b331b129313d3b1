/**
 * DDIM timestep schedules (pure). A schedule is a strictly descending list of
 * distinct integer timesteps in [0, T); the sampler visits them in order and
 * returns the data-consistent Tweedie estimate after the last one.
 *
 * Uniform spacing (Song et al., DDIM, "linear" skip): K points evenly spaced
 * from T-1 down to 0, rounded, so the first step starts from (nearly) pure
 * noise and the last one denoises at t = 0. With start < 1 the schedule begins
 * at t = start·(T-1) instead, and the sampler starts from the zero-filled image
 * diffused to that t (Chung et al., "Come-closer-diffuse-faster", CVPR 2022):
 * fewer steps and less reliance on the prior where the data already say much.
 */

export const MIN_STEPS = 5;
export const MAX_STEPS = 100;

export function uniformSchedule(T: number, K: number, start = 1): number[] {
  checkSteps(K, T);
  if (!(start > 0 && start <= 1)) throw new RangeError(`diffusion: start must be in (0, 1], got ${start}`);
  const top = Math.round((T - 1) * start);
  if (top < K - 1) throw new RangeError(`diffusion: start ${start} leaves ${top + 1} timesteps, fewer than the ${K} steps asked for`);
  if (K === 1) return [top];
  const out: number[] = [];
  for (let i = 0; i < K; i++) out.push(Math.round((top * (K - 1 - i)) / (K - 1)));
  return out;
}

export function checkSteps(K: number, T: number): void {
  if (!Number.isInteger(K) || K < 1 || K > T) throw new RangeError(`diffusion: steps must be an integer in 1..${T}, got ${K}`);
}

/** Throws a RangeError naming the problem unless ts is a valid schedule for T. */
export function validateSchedule(ts: readonly number[], T: number, where = 'schedule'): number[] {
  if (!Array.isArray(ts) || ts.length === 0) throw new RangeError(`diffusion: ${where} must be a non-empty list of timesteps`);
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    if (!Number.isInteger(t) || t < 0 || t >= T) throw new RangeError(`diffusion: ${where}[${i}] = ${t} is not an integer timestep in 0..${T - 1}`);
    if (i > 0 && t >= ts[i - 1]!) throw new RangeError(`diffusion: ${where} must be strictly descending (${ts[i - 1]} then ${t} at ${i})`);
  }
  return [...ts];
}

/** ᾱ at timestep t, or 1 for t < 0 (the clean end of the chain). */
export function alphaBar(abar: Float64Array, t: number): number {
  return t < 0 ? 1 : abar[t]!;
}

/** DDIM's σ_t for a step t -> prev with stochasticity η (0: deterministic). */
export function ddimSigma(abarT: number, abarPrev: number, eta: number): number {
  if (eta === 0) return 0;
  return eta * Math.sqrt(Math.max(0, ((1 - abarPrev) / (1 - abarT)) * (1 - abarT / abarPrev)));
}
