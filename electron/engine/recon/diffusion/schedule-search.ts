/**
 * Few-step schedule search in the spirit of AutoDiffusion (Li et al., ICCV
 * 2023): an evolutionary search over which K timesteps of {0..T-1} a DDIM
 * sampler visits, scored by a caller-supplied fitness (for recon-studio: the
 * SSIM of the data-consistent reconstruction on validation slices).
 *
 * A candidate is a strictly descending list of K distinct integers in [0, T).
 * By default (`fixFirst: true`) the first timestep is forced to T-1, because
 * the sampler starts from pure N(0, I) noise, which is a valid x_t only where
 * ᾱ_t ≈ 0; starting lower would feed the denoiser an x_t it never saw. Pass
 * fixFirst: false to let the search move the first step as well.
 *
 * Pure and seeded: every random choice comes from createRng(seed,
 * 'schedule-search'), so the same options and the same (deterministic) fitness
 * give the same result. Each candidate is evaluated at most once (a cache keyed
 * by its timesteps); the search stops at the evaluation budget, after the last
 * generation, or with an AbortError when the signal fires (checked before every
 * evaluation, so a running evaluation is never cut in half here).
 */
import { createRng, type Rng } from '../../array';
import { ReconCancelled } from '../types';
import { uniformSchedule } from './schedule';

export type Schedule = number[];

export interface SearchProgress {
  generation: number;
  evaluations: number;
  /** Evaluation budget (the most evaluations the search will make). */
  budget: number;
  candidate: readonly number[];
  fitness: number;
  best: readonly number[];
  bestFitness: number;
}

export interface ScheduleSearchOptions {
  /** Diffusion length: timesteps are 0..T-1. */
  T: number;
  /** Steps per schedule. */
  K: number;
  seed: number;
  /** Candidates per generation (default 8). */
  population?: number;
  /** Generations after the initial population (default 5). */
  generations?: number;
  /** Most fitness evaluations in all (default population x (generations + 1)). */
  maxEvaluations?: number;
  /** Best candidates carried unchanged into the next generation (default max(1, population / 4)). */
  elite?: number;
  /** Force T-1 as the first timestep (default true; see the file comment). */
  fixFirst?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: SearchProgress) => void;
}

export interface GenerationStats {
  generation: number;
  /** Best fitness seen so far (all generations). */
  best: number;
  /** Mean fitness of this generation's population. */
  mean: number;
  evaluations: number;
}

export interface ScheduleSearchResult {
  best: Schedule;
  bestFitness: number;
  /** Uniform DDIM spacing at the same K (schedule.ts uniformSchedule) and its fitness. */
  uniform: Schedule;
  uniformFitness: number;
  history: GenerationStats[];
  /** Fitness calls made (each a distinct candidate). */
  evaluations: number;
  /** Candidates proposed again after they had been evaluated, answered from the cache. */
  cacheHits: number;
  /** Every evaluated candidate with its fitness, in evaluation order. */
  evaluated: { schedule: Schedule; fitness: number }[];
}

export type Fitness = (schedule: readonly number[]) => Promise<number>;

const keyOf = (s: readonly number[]): string => s.join(',');

/** Throws a RangeError naming the problem unless s is a valid K-step schedule for T. */
export function checkCandidate(s: readonly number[], T: number, K: number, fixFirst = true): void {
  if (s.length !== K) throw new RangeError(`schedule search: candidate has ${s.length} timesteps, expected ${K}`);
  for (let i = 0; i < K; i++) {
    const t = s[i]!;
    if (!Number.isInteger(t) || t < 0 || t >= T) throw new RangeError(`schedule search: candidate[${i}] = ${t} is not a timestep in 0..${T - 1}`);
    if (i > 0 && t >= s[i - 1]!) throw new RangeError(`schedule search: candidate is not strictly descending at ${i} (${s[i - 1]} then ${t})`);
  }
  if (fixFirst && s[0] !== T - 1) throw new RangeError(`schedule search: candidate must start at T-1 = ${T - 1}, starts at ${s[0]}`);
}

/**
 * Makes a descending list of K integers strictly descending inside [0, T)
 * with the fewest changes: raise each entry above its successor, then lower
 * each below its predecessor (possible because K <= T).
 */
export function repairSchedule(s: readonly number[], T: number, fixFirst = true): Schedule {
  const out = [...s].sort((a, b) => b - a).map((t) => Math.round(t));
  const K = out.length;
  out[K - 1] = Math.max(0, out[K - 1]!);
  for (let i = K - 2; i >= 0; i--) out[i] = Math.max(out[i]!, out[i + 1]! + 1);
  out[0] = fixFirst ? T - 1 : Math.min(out[0]!, T - 1);
  for (let i = 1; i < K; i++) out[i] = Math.min(out[i]!, out[i - 1]! - 1);
  return out;
}

/** DDIM's "quadratic" skip (dense near t = 0), from T-1 down to 0, repaired to distinct steps. */
export function quadraticSchedule(T: number, K: number, fixFirst = true): Schedule {
  if (K === 1) return [T - 1];
  const s: number[] = [];
  for (let i = K - 1; i >= 0; i--) s.push(Math.round((T - 1) * (i / (K - 1)) ** 2));
  return repairSchedule(s, T, fixFirst);
}

/** K distinct timesteps drawn uniformly (T-1 first when fixFirst). */
export function randomSchedule(T: number, K: number, rng: Rng, fixFirst = true): Schedule {
  const chosen = new Set<number>(fixFirst ? [T - 1] : []);
  const range = fixFirst ? T - 1 : T;
  // Rejection sampling is fine while K is a small part of T; otherwise a partial shuffle.
  if (K * 2 <= range) {
    while (chosen.size < K) chosen.add(rng.int(range));
  } else {
    const pool = Array.from({ length: range }, (_, i) => i);
    for (let i = 0; chosen.size < K; i++) {
      const j = i + rng.int(pool.length - i);
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
      chosen.add(pool[i]!);
    }
  }
  return [...chosen].sort((a, b) => b - a);
}

/**
 * Moves one timestep (never the fixed first one) to a new value strictly
 * between its neighbours, so order and distinctness hold. Half the moves jump
 * anywhere in the gap, half are local (a few steps), which lets the search
 * both explore and refine. Returns a copy; unchanged when no step can move.
 */
export function mutateSchedule(s: readonly number[], T: number, rng: Rng, fixFirst = true): Schedule {
  const out = [...s];
  const K = out.length;
  const first = fixFirst ? 1 : 0;
  const movable: number[] = [];
  for (let i = first; i < K; i++) {
    const hi = i === 0 ? T : out[i - 1]!;
    const lo = i === K - 1 ? -1 : out[i + 1]!;
    if (hi - lo > 2) movable.push(i);
  }
  if (!movable.length) return out;
  const i = movable[rng.int(movable.length)]!;
  const hi = i === 0 ? T : out[i - 1]!;
  const lo = i === K - 1 ? -1 : out[i + 1]!;
  const cur = out[i]!;
  let next: number;
  if (rng.next() < 0.5) {
    // Anywhere in (lo, hi) except the current value.
    next = lo + 1 + rng.int(hi - lo - 2);
    if (next >= cur) next++;
  } else {
    const reach = Math.max(1, Math.round(Math.abs(rng.normal()) * (hi - lo) / 8));
    next = cur + (rng.next() < 0.5 ? -reach : reach);
    next = Math.min(hi - 1, Math.max(lo + 1, next));
    if (next === cur) next = cur + 1 < hi ? cur + 1 : cur - 1;
  }
  out[i] = next;
  return out;
}

/** Merges both parents' timesteps and keeps K of them at random (T-1 kept when fixed). */
export function crossoverSchedules(a: readonly number[], b: readonly number[], T: number, rng: Rng, fixFirst = true): Schedule {
  const K = a.length;
  const pool = [...new Set([...a, ...b])].filter((t) => !(fixFirst && t === T - 1));
  const keep = fixFirst ? K - 1 : K;
  for (let i = 0; i < keep; i++) {
    const j = i + rng.int(pool.length - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  const out = pool.slice(0, keep);
  if (fixFirst) out.push(T - 1);
  return out.sort((x, y) => y - x);
}

/** Number of distinct candidates, capped (to know when the space is exhausted). */
function spaceSize(T: number, K: number, fixFirst: boolean, cap: number): number {
  const n = fixFirst ? T - 1 : T;
  const k = fixFirst ? K - 1 : K;
  let c = 1;
  for (let i = 1; i <= k; i++) {
    c = (c * (n - k + i)) / i;
    if (c > cap) return cap;
  }
  return Math.round(c);
}

export async function searchSchedule(fitness: Fitness, opts: ScheduleSearchOptions): Promise<ScheduleSearchResult> {
  const { T, K, seed } = opts;
  const fixFirst = opts.fixFirst ?? true;
  const P = opts.population ?? 8;
  const G = opts.generations ?? 5;
  const budget = opts.maxEvaluations ?? P * (G + 1);
  const elite = opts.elite ?? Math.max(1, Math.floor(P / 4));
  if (!Number.isInteger(T) || T < 2) throw new RangeError(`schedule search: T must be an integer >= 2, got ${T}`);
  if (!Number.isInteger(K) || K < 1 || K > T) throw new RangeError(`schedule search: K must be an integer in 1..${T}, got ${K}`);
  if (!Number.isInteger(P) || P < 2) throw new RangeError(`schedule search: population must be an integer >= 2, got ${P}`);
  if (!Number.isInteger(G) || G < 0) throw new RangeError(`schedule search: generations must be an integer >= 0, got ${G}`);
  if (!Number.isInteger(budget) || budget < 1) throw new RangeError(`schedule search: maxEvaluations must be a positive integer, got ${budget}`);
  if (!Number.isInteger(elite) || elite < 1 || elite >= P) throw new RangeError(`schedule search: elite must be an integer in 1..${P - 1}, got ${elite}`);
  const rng = createRng(seed, 'schedule-search');
  const space = spaceSize(T, K, fixFirst, Number.MAX_SAFE_INTEGER);

  const cache = new Map<string, number>();
  const evaluated: { schedule: Schedule; fitness: number }[] = [];
  let cacheHits = 0;
  let best: Schedule = [];
  let bestFitness = -Infinity;
  let generation = 0;

  /** Fitness of s from the cache or one evaluation; undefined once the budget is spent. */
  const score = async (s: Schedule): Promise<number | undefined> => {
    const key = keyOf(s);
    const hit = cache.get(key);
    if (hit !== undefined) {
      cacheHits++;
      return hit;
    }
    if (evaluated.length >= budget) return undefined;
    if (opts.signal?.aborted) throw new ReconCancelled();
    checkCandidate(s, T, K, fixFirst);
    const raw = await fitness(s);
    // A failed reconstruction (NaN) ranks last instead of poisoning the sort.
    const f = Number.isNaN(raw) ? -Infinity : raw;
    cache.set(key, f);
    evaluated.push({ schedule: [...s], fitness: f });
    if (f > bestFitness || best.length === 0) {
      best = [...s];
      bestFitness = f;
    }
    opts.onProgress?.({ generation, evaluations: evaluated.length, budget, candidate: s, fitness: f, best, bestFitness });
    return f;
  };

  const uniform = fixFirst ? repairSchedule(uniformSchedule(T, K), T, true) : uniformSchedule(T, K);
  const seeds = [uniform, quadraticSchedule(T, K, fixFirst)];
  const initial: Schedule[] = [];
  const seen = new Set<string>();
  const propose = (s: Schedule) => {
    if (!seen.has(keyOf(s))) {
      seen.add(keyOf(s));
      initial.push(s);
    }
  };
  for (const s of seeds) if (initial.length < P) propose(s);
  for (let tries = 0; initial.length < Math.min(P, space) && tries < 50 * P; tries++) propose(randomSchedule(T, K, rng, fixFirst));

  type Member = { s: Schedule; f: number };
  let population: Member[] = [];
  for (const s of initial) {
    const f = await score(s);
    if (f === undefined) break;
    population.push({ s, f });
  }
  const uniformFitness = cache.get(keyOf(uniform))!;
  const history: GenerationStats[] = [];
  const record = () => history.push({ generation, best: bestFitness, mean: population.reduce((a, m) => a + m.f, 0) / population.length, evaluations: evaluated.length });
  record();

  const tournament = (pop: Member[]): Member => {
    const a = pop[rng.int(pop.length)]!, b = pop[rng.int(pop.length)]!;
    return a.f >= b.f ? a : b;
  };
  for (generation = 1; generation <= G && evaluated.length < budget; generation++) {
    const ranked = [...population].sort((a, b) => b.f - a.f);
    const next: Member[] = ranked.slice(0, elite);
    const inNext = new Set(next.map((m) => keyOf(m.s)));
    // The guard ends a generation whose space is exhausted (every child a duplicate).
    for (let guard = 0; next.length < P && evaluated.length < budget && guard < 20 * P; guard++) {
      // Prefer a candidate never evaluated; after a few tries (a crowded or
      // exhausted space) a known one is answered from the cache.
      let child: Schedule = [];
      for (let attempt = 0; attempt < 20; attempt++) {
        const pa = tournament(ranked);
        child = rng.next() < 0.5 ? crossoverSchedules(pa.s, tournament(ranked).s, T, rng, fixFirst) : [...pa.s];
        const moves = 1 + (rng.next() < 0.3 ? 1 : 0);
        for (let m = 0; m < moves; m++) child = mutateSchedule(child, T, rng, fixFirst);
        if (!cache.has(keyOf(child)) && !inNext.has(keyOf(child))) break;
      }
      if (inNext.has(keyOf(child))) {
        // Already in this generation: adds nothing, but counts as a proposal the cache answered.
        cacheHits++;
        continue;
      }
      const f = await score(child);
      if (f === undefined) break;
      next.push({ s: child, f });
      inNext.add(keyOf(child));
    }
    population = next;
    record();
  }
  return { best, bestFitness, uniform, uniformFitness, history, evaluations: evaluated.length, cacheHits, evaluated };
}
