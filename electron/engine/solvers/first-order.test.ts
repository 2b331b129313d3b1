import { describe, expect, it } from 'vitest';
import { firstOrderSolver, refinedRun } from './first-order';
import type { SmoothObjective } from './types';

/** f(x) = 1/2 sum a_i (x_i - b_i)^2, residual = |x - b| / |b|. */
function quadratic(n: number): SmoothObjective & { b: Float64Array } {
  const a = Float64Array.from({ length: n }, (_, i) => 0.5 + (1.5 * i) / (n - 1));
  const b = Float64Array.from({ length: n }, (_, i) => 1 + 0.5 * Math.cos(i));
  const value = (x: Float32Array) => x.reduce((s, v, i) => s + 0.5 * a[i]! * (v - b[i]!) ** 2, 0);
  return {
    size: n,
    b,
    value,
    gradient(x, g) {
      for (let i = 0; i < n; i++) g[i] = a[i]! * (x[i]! - b[i]!);
      return value(x);
    },
    residual: (x) => Math.sqrt(x.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0) / b.reduce((s, v) => s + v * v, 0)),
  };
}

describe('firstOrderSolver', () => {
  it('one GD step matches the hand computation and reports StepInfo', () => {
    // n = 2: a = [.5, 2], b = [1.5, 1 + .5 cos 1 = 1.270151]; x0 = 0
    // g = [-.75, -2.540302]; lr .2 -> x = [.15, .508060]
    const obj = quadratic(2);
    const s = firstOrderSolver(obj, new Float32Array(2), { optimizer: 'gd', lr: 0.2, iters: 5 });
    const info = s.step();
    expect(s.x[0]).toBeCloseTo(0.15, 6);
    expect(s.x[1]).toBeCloseTo(0.50806, 5);
    expect(info.iteration).toBe(1);
    expect(s.iteration).toBe(1);
    expect(info.stepSize).toBe(0.2);
    expect(info.objective).toBeCloseTo(obj.value(s.x), 10);
    expect(info.residual).toBeGreaterThan(0);
    expect(s.gradNorms[0]).toBeCloseTo(Math.hypot(0.75, 2.540302), 5);
  });

  it('applies the schedule to the learning rate and does not touch x0', () => {
    const x0 = new Float32Array(8);
    const s = firstOrderSolver(quadratic(8), x0, { optimizer: 'adam', lr: 0.1, schedule: 'cosine', iters: 3 });
    const sizes = [s.step(), s.step(), s.step()].map((i) => i.stepSize);
    expect(sizes[0]).toBeCloseTo(0.1, 12);
    expect(sizes[1]).toBeCloseTo(0.05, 12);
    expect(sizes[2]).toBeCloseTo(0, 12);
    expect(x0.every((v) => v === 0)).toBe(true);
  });

  it('every optimizer lowers the objective', () => {
    const obj = quadratic(16);
    for (const optimizer of ['gd', 'nesterov', 'adam', 'adabelief', 'adamp', 'diffgrad', 'gradient-noise', 'mirror-descent']) {
      const x0 = Float32Array.from(obj.b, (v) => 0.3 * v);
      const s = firstOrderSolver(obj, x0, { optimizer, lr: optimizer.startsWith('ad') || optimizer === 'diffgrad' || optimizer === 'nesterov' ? 0.05 : 0.4, iters: 100, params: optimizer === 'gradient-noise' ? { eta: 1e-5 } : {}, seed: 2 });
      let last = NaN;
      for (let i = 0; i < 100; i++) last = s.step().objective;
      expect(last, optimizer).toBeLessThan(0.05 * obj.value(x0));
    }
  });

  it('refinedRun uses a schedule built from the first pass', () => {
    const obj = quadratic(16);
    const first: number[] = [];
    const s = refinedRun(obj, new Float32Array(16), { optimizer: 'gd', lr: 0.5, iters: 30 }, (i) => first.push(i.objective));
    expect(first).toHaveLength(30);
    expect(s.name).toBe('gd+refined');
    const infos = Array.from({ length: 30 }, () => s.step());
    expect(infos[0]!.stepSize).toBeLessThanOrEqual(0.5 + 1e-12);
    expect(infos[29]!.stepSize).toBe(0);
    expect(infos[29]!.objective).toBeLessThan(0.01 * obj.value(new Float32Array(16)));
  });

  it('rejects bad options with specific messages', () => {
    const obj = quadratic(4);
    expect(() => firstOrderSolver(obj, new Float32Array(3), { optimizer: 'gd', lr: 1, iters: 1 })).toThrow(/length 3/);
    expect(() => firstOrderSolver(obj, new Float32Array(4), { optimizer: 'gd', lr: 0, iters: 1 })).toThrow(/lr/);
    expect(() => firstOrderSolver(obj, new Float32Array(4), { optimizer: 'gd', lr: 1, iters: 1, schedule: 'refined' })).toThrow(/refinedRun/);
    expect(() => firstOrderSolver(obj, new Float32Array(4), { optimizer: 'gd', lr: 1, iters: 1, schedule: 'step' })).toThrow(/unknown schedule/);
  });
});
