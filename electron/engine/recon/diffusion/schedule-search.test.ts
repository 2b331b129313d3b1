import { describe, expect, it } from 'vitest';
import { createRng } from '../../array';
import {
  checkCandidate,
  crossoverSchedules,
  mutateSchedule,
  quadraticSchedule,
  randomSchedule,
  repairSchedule,
  searchSchedule,
  type Fitness,
} from './schedule-search';
import { uniformSchedule } from './schedule';

const isValid = (s: readonly number[], T: number, K: number, fixFirst = true): boolean => {
  try {
    checkCandidate(s, T, K, fixFirst);
    return true;
  } catch {
    return false;
  }
};

/** Fitness that prefers schedules close to a hidden target (mean |Δt| / T, negated). */
function targetFitness(target: number[], T: number): Fitness {
  return async (s) => -s.reduce((a, t, i) => a + Math.abs(t - target[i]!), 0) / (s.length * T);
}

describe('schedule search operators', () => {
  it('keep every candidate strictly descending, distinct, in range, T-1 first, over many seeds', () => {
    for (const [T, K] of [[1000, 5], [1000, 20], [50, 49], [12, 12], [1000, 100], [6, 2]] as const) {
      for (const fixFirst of [true, false]) {
        expect(isValid(quadraticSchedule(T, K, fixFirst), T, K, fixFirst)).toBe(true);
        for (let seed = 0; seed < 60; seed++) {
          const rng = createRng(seed, 'ops');
          const a = randomSchedule(T, K, rng, fixFirst);
          const b = randomSchedule(T, K, rng, fixFirst);
          expect(isValid(a, T, K, fixFirst)).toBe(true);
          let m = a;
          for (let i = 0; i < 5; i++) {
            m = mutateSchedule(m, T, rng, fixFirst);
            expect(isValid(m, T, K, fixFirst)).toBe(true);
          }
          expect(isValid(crossoverSchedules(a, b, T, rng, fixFirst), T, K, fixFirst)).toBe(true);
        }
      }
    }
  });

  it('mutation moves exactly one timestep (and never the fixed first one)', () => {
    const rng = createRng(3);
    const s = uniformSchedule(1000, 10);
    for (let i = 0; i < 200; i++) {
      const m = mutateSchedule(s, 1000, rng);
      expect(m.filter((t, j) => t !== s[j]).length).toBe(1);
      expect(m[0]).toBe(999);
    }
    // Nothing can move when every step is taken: returned unchanged.
    expect(mutateSchedule([4, 3, 2, 1, 0], 5, rng)).toEqual([4, 3, 2, 1, 0]);
  });

  it('crossover only uses the parents’ timesteps', () => {
    const rng = createRng(5);
    const a = [999, 800, 500, 100, 0], b = [999, 700, 300, 50, 10];
    for (let i = 0; i < 50; i++) for (const t of crossoverSchedules(a, b, 1000, rng)) expect(a.includes(t) || b.includes(t)).toBe(true);
  });

  it('repair and the checks reject what is not a schedule', () => {
    expect(repairSchedule([0, 0, 0, 5], 10)).toEqual([9, 2, 1, 0]);
    expect(repairSchedule([12, 12, 11], 10, false)).toEqual([9, 8, 7]);
    expect(quadraticSchedule(1000, 5)).toEqual([999, 562, 250, 62, 0]);
    expect(() => checkCandidate([999, 999, 0], 1000, 3)).toThrow(/strictly descending/);
    expect(() => checkCandidate([998, 10, 0], 1000, 3)).toThrow(/must start at T-1/);
    expect(() => checkCandidate([999, 1.5, 0], 1000, 3)).toThrow(/not a timestep/);
    expect(() => checkCandidate([999, 0], 1000, 3)).toThrow(/expected 3/);
  });
});

describe('searchSchedule', () => {
  const T = 1000, K = 8;
  const target = [999, 930, 700, 420, 300, 120, 40, 3];

  it('gets close to a hidden target schedule and beats uniform spacing', async () => {
    const fitness = targetFitness(target, T);
    const r = await searchSchedule(fitness, { T, K, seed: 7, population: 16, generations: 40 });
    expect(isValid(r.best, T, K)).toBe(true);
    expect(r.uniform).toEqual(uniformSchedule(T, K));
    expect(r.uniformFitness).toBe(await fitness(r.uniform));
    expect(r.bestFitness).toBe(await fitness(r.best));
    // Uniform is ~80 timesteps off on average; seeds 1, 2, 3, 7 reach 5 to 9.
    expect(-r.uniformFitness * T).toBeGreaterThan(60);
    expect(-r.bestFitness * T).toBeLessThan(15);
    expect(r.bestFitness).toBeGreaterThan(r.uniformFitness);
    // History: one row per generation, best never decreases and ends at the result.
    expect(r.history.map((h) => h.generation)).toEqual(Array.from({ length: 41 }, (_, i) => i));
    for (let i = 1; i < r.history.length; i++) expect(r.history[i]!.best).toBeGreaterThanOrEqual(r.history[i - 1]!.best);
    expect(r.history.at(-1)!.best).toBe(r.bestFitness);
    expect(r.history.at(-1)!.mean).toBeLessThanOrEqual(r.bestFitness);
    expect(r.evaluations).toBeLessThanOrEqual(16 * 41);
  });

  it('is deterministic per seed and differs between seeds', async () => {
    const fitness = targetFitness(target, T);
    const a = await searchSchedule(fitness, { T, K, seed: 11, population: 8, generations: 6 });
    const b = await searchSchedule(fitness, { T, K, seed: 11, population: 8, generations: 6 });
    const c = await searchSchedule(fitness, { T, K, seed: 12, population: 8, generations: 6 });
    expect(b.evaluated).toEqual(a.evaluated);
    expect(b.best).toEqual(a.best);
    expect(c.evaluated.map((e) => e.schedule)).not.toEqual(a.evaluated.map((e) => e.schedule));
    // The initial population starts with uniform and quadratic spacing, whatever the seed.
    expect(a.evaluated[0]!.schedule).toEqual(uniformSchedule(T, K));
    expect(a.evaluated[1]!.schedule).toEqual(quadraticSchedule(T, K));
  });

  it('never evaluates a candidate twice and reports cache hits', async () => {
    // T = 8, K = 4 with T-1 fixed: only C(7, 3) = 35 candidates, so repeats are certain.
    const calls: string[] = [];
    const fitness: Fitness = async (s) => {
      calls.push(s.join(','));
      return -Math.abs(s[1]! - 5) - Math.abs(s[2]! - 2) - Math.abs(s[3]! - 1);
    };
    const r = await searchSchedule(fitness, { T: 8, K: 4, seed: 1, population: 10, generations: 12 });
    expect(new Set(calls).size).toBe(calls.length);
    expect(r.evaluations).toBe(calls.length);
    expect(calls.length).toBeLessThanOrEqual(35);
    expect(r.cacheHits).toBeGreaterThan(0);
    expect(r.best).toEqual([7, 5, 2, 1]);
  });

  it('stops at the evaluation budget', async () => {
    let n = 0;
    const r = await searchSchedule(async () => ++n, { T, K, seed: 2, population: 6, generations: 10, maxEvaluations: 9 });
    expect(n).toBe(9);
    expect(r.evaluations).toBe(9);
  });

  it('reports progress after each evaluation', async () => {
    const seen: number[] = [];
    await searchSchedule(targetFitness(target, T), { T, K, seed: 2, population: 4, generations: 2, onProgress: (p) => seen.push(p.evaluations) });
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
    // 4 initial candidates, then 3 children a generation (1 elite carried over).
    expect(seen.length).toBe(10);
  });

  it('stops with an AbortError between evaluations when cancelled', async () => {
    const ac = new AbortController();
    let n = 0;
    const fitness: Fitness = async () => {
      if (++n === 3) ac.abort();
      return n;
    };
    await expect(searchSchedule(fitness, { T, K, seed: 2, population: 8, generations: 5, signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(n).toBe(3);
  });

  it('rejects bad options with a message naming them', async () => {
    const f = targetFitness(target, T);
    await expect(searchSchedule(f, { T, K: 0, seed: 1 })).rejects.toThrow(/K must be an integer in 1..1000/);
    await expect(searchSchedule(f, { T, K, seed: 1, population: 1 })).rejects.toThrow(/population/);
    await expect(searchSchedule(f, { T, K, seed: 1, population: 4, elite: 4 })).rejects.toThrow(/elite/);
  });

  it('ranks a NaN fitness last instead of failing', async () => {
    const r = await searchSchedule(async (s) => (s[1]! > 500 ? NaN : s[1]!), { T, K, seed: 4, population: 6, generations: 3 });
    expect(Number.isFinite(r.bestFitness)).toBe(true);
    expect(r.best[1]!).toBeLessThanOrEqual(500);
  });
});
