/**
 * Learning-rate schedules as multipliers of a base learning rate:
 * schedule(t, total) with t = 1..total. Pure functions, no state.
 */
export type Schedule = (t: number, total: number) => number;

/** Position in [0, 1]: 0 at the first step, 1 at the last. */
function progress(t: number, total: number): number {
  return total <= 1 ? 0 : Math.min(1, Math.max(0, (t - 1) / (total - 1)));
}

export const constant: Schedule = () => 1;

/** Cosine annealing without restarts (Loshchilov & Hutter 2017): 1 at t=1 down to 0 at t=total. */
export const cosine: Schedule = (t, total) => 0.5 * (1 + Math.cos(Math.PI * progress(t, total)));

/**
 * Linear decay, the worst-case-optimal schedule of Defazio et al.:
 * eta_t proportional to 1 - t/T. With 1-based t the last step would get 0 and
 * the first 1 - 1/T; we use 1 - (t-1)/T so the first step gets the full rate
 * and the last still moves (1/T).
 */
export const linearDecay: Schedule = (t, total) => (total <= 0 ? 1 : Math.max(0, 1 - (t - 1) / total));

export const SCHEDULES: Record<string, Schedule> = {
  constant,
  cosine,
  'linear-decay': linearDecay,
};

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : 0.5 * (s[mid - 1]! + s[mid]!);
}

/** Running median over a centred window of `width` samples, edges clamped (nearest padding). */
export function medianFilter(x: number[], width: number): number[] {
  const w = Math.max(1, Math.round(width));
  if (w <= 1) return [...x];
  const lo = Math.floor((w - 1) / 2);
  const hi = w - 1 - lo;
  return x.map((_, i) => {
    const win: number[] = [];
    for (let k = i - lo; k <= i + hi; k++) win.push(x[Math.min(x.length - 1, Math.max(0, k))]!);
    return median(win);
  });
}

export interface RefineOptions {
  /** Median-filter width as a fraction of T (the paper's smoothing hyper-parameter tau). Default 0.05 (ours). */
  tau?: number;
  /**
   * w_t = 1 / G_t^power. 2 with Euclidean gradient norms is the paper's SGD
   * refinement; for Adam-like (l_inf geometry) methods the paper weights by
   * the inverse l1 norm, i.e. pass l1 norms with power 1.
   */
  power?: number;
}

/**
 * The refined schedule of Defazio, Cutkosky, Mehta & Mishchenko, "When, Why
 * and How Much? Adaptive Learning Rate Scheduling by Refinement"
 * (arXiv:2310.07831, 2023; "Optimal Linear Decay Learning Rate Schedules and
 * Further Refinements" in v2), Algorithm 1 (schedule refinement for SGD):
 *
 *   Ghat = median_filter(G, width tau T)        G_t = ||g_t|| from a first run
 *   w_t  = Ghat_t^{-2}
 *   eta_t = w_t * sum_{p=t+1}^{T} w_p          (tail sum of the later weights)
 *   eta  <- eta / max_t eta_t                   (the base lr keeps its meaning)
 *
 * With constant gradient norms this is exactly linear decay (T - t)/(T - 1);
 * growing norms late in the run give the fast final annealing and small early
 * norms give a warm-up. eta_T = 0: the last step does not move. The returned
 * Schedule maps a run of another length onto the same shape by linear interpolation.
 */
export function refinedSchedule(gradNorms: number[], opts: RefineOptions = {}): Schedule {
  const T = gradNorms.length;
  if (T < 2) throw new RangeError(`refinedSchedule needs gradient norms from at least 2 steps, got ${T}`);
  for (const [i, g] of gradNorms.entries()) {
    if (!(Number.isFinite(g) && g > 0)) throw new RangeError(`refinedSchedule: gradient norm ${i + 1} is ${g}; norms must be finite and positive`);
  }
  const tau = opts.tau ?? 0.05;
  const power = opts.power ?? 2;
  const smooth = medianFilter(gradNorms, tau * T);
  const w = smooth.map((g) => g ** -power);
  const eta = new Array<number>(T).fill(0);
  let tail = 0;
  for (let t = T - 1; t >= 0; t--) {
    eta[t] = w[t]! * tail;
    tail += w[t]!;
  }
  const peak = Math.max(...eta);
  const values = eta.map((e) => e / peak);
  return (t, total) => {
    if (total === T) return values[Math.min(T, Math.max(1, Math.round(t))) - 1]!;
    const u = progress(t, total) * (T - 1);
    const i = Math.min(T - 2, Math.floor(u));
    const f = u - i;
    return values[i]! * (1 - f) + values[i + 1]! * f;
  };
}

export function getSchedule(name: string): Schedule {
  const s = SCHEDULES[name];
  if (!s) throw new RangeError(`unknown schedule "${name}" (available: ${[...Object.keys(SCHEDULES), 'refined'].join(', ')})`);
  return s;
}
