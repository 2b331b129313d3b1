import { describe, expect, it } from 'vitest';
import { SCHEDULES, medianFilter, refinedSchedule } from './index';

const T = 100;
const curve = (s: (t: number, total: number) => number, total = T) => Array.from({ length: total }, (_, i) => s(i + 1, total));

describe('schedules', () => {
  it('constant is 1 throughout', () => {
    expect(curve(SCHEDULES.constant!).every((v) => v === 1)).toBe(true);
  });

  it('cosine goes from 1 to 0, monotonically, through 1/2 at the middle', () => {
    const c = curve(SCHEDULES.cosine!, 101);
    expect(c[0]).toBe(1);
    expect(c[100]).toBeCloseTo(0, 12);
    expect(c[50]).toBeCloseTo(0.5, 12);
    for (let i = 1; i < c.length; i++) expect(c[i]!).toBeLessThanOrEqual(c[i - 1]!);
  });

  it('linear decay has constant steps from 1 down to 1/T', () => {
    const c = curve(SCHEDULES['linear-decay']!);
    expect(c[0]).toBe(1);
    expect(c[T - 1]).toBeCloseTo(1 / T, 12);
    for (let i = 2; i < c.length; i++) expect(c[i]! - c[i - 1]!).toBeCloseTo(c[1]! - c[0]!, 12);
  });
});

describe('refined schedule (Defazio et al.)', () => {
  it('equal gradient norms give linear decay (T - t)/(T - 1)', () => {
    const s = refinedSchedule(new Array(T).fill(3));
    const c = curve(s);
    c.forEach((v, i) => expect(v).toBeCloseTo((T - 1 - i) / (T - 1), 10));
  });

  it('hand-computed on 4 steps: w = G^-2, eta_t = w_t * sum_{p>t} w_p, normalised', () => {
    // G = [1, 1, 2, 2] -> w = [1, 1, .25, .25]; tails after t: [1.5, .5, .25, 0]
    // eta = [1.5, .5, .0625, 0] -> / 1.5 = [1, 1/3, 1/24, 0]
    const s = refinedSchedule([1, 1, 2, 2], { tau: 0 });
    expect(curve(s, 4)).toEqual([1, 1 / 3, 0.0625 / 1.5, 0].map((v) => expect.closeTo(v, 12)));
  });

  it('large early norms give a warm-up, rising late norms a fast anneal to 0', () => {
    const norms = Array.from({ length: T }, (_, i) => (i < 10 ? 10 - 0.9 * i : 1 + (i > 80 ? 0.2 * (i - 80) : 0)));
    const c = curve(refinedSchedule(norms));
    const peak = c.indexOf(Math.max(...c));
    expect(peak).toBeGreaterThan(3); // warm-up
    expect(c[0]!).toBeLessThan(0.2);
    expect(c[T - 1]).toBe(0);
    for (let i = 85; i < T; i++) expect(c[i]!).toBeLessThanOrEqual(c[i - 1]! + 1e-12); // non-increasing tail
    // faster than linear decay over the last fifth
    expect(c[90]!).toBeLessThan((T - 91) / (T - 1));
  });

  it('stretches to another horizon by interpolation', () => {
    const s = refinedSchedule(new Array(10).fill(1));
    expect(s(1, 19)).toBeCloseTo(1, 12);
    expect(s(10, 19)).toBeCloseTo(0.5, 12);
    expect(s(19, 19)).toBeCloseTo(0, 12);
  });

  it('median filter removes a single spike', () => {
    expect(medianFilter([1, 1, 9, 1, 1], 3)).toEqual([1, 1, 1, 1, 1]);
    expect(medianFilter([1, 2, 3], 1)).toEqual([1, 2, 3]);
  });

  it('rejects unusable norms', () => {
    expect(() => refinedSchedule([1])).toThrow(/at least 2/);
    expect(() => refinedSchedule([1, 0, 2])).toThrow(/norm 2 is 0/);
  });
});
