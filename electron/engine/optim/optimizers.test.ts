import { describe, expect, it } from 'vitest';
import { createRng } from '../array/random';
import { OPTIMIZERS, makeOptimizer, type Optimizer } from './index';

const f32 = (a: number[]) => Float32Array.from(a);

function expectClose(x: Float32Array, want: number[], digits = 5): void {
  expect(x.length).toBe(want.length);
  want.forEach((w, i) => expect(x[i]!).toBeCloseTo(w, digits));
}

describe('hand-computed steps (x0 = [1, -2], lr = 0.1)', () => {
  it('gd: x - lr g', () => {
    const x = f32([1, -2]);
    makeOptimizer('gd', 2).step(x, f32([0.5, -1]), 0.1, 1);
    expectClose(x, [0.95, -1.9]);
  });

  it('nesterov (mu 0.9, PyTorch form)', () => {
    const opt = makeOptimizer('nesterov', 2);
    const x = f32([1, -2]);
    // t=1: b = g = [1,2]; d = g + 0.9 b = [1.9, 3.8]; x = [1 - .19, -2 - .38]
    opt.step(x, f32([1, 2]), 0.1, 1);
    expectClose(x, [0.81, -2.38]);
    // t=2: b = 0.9[1,2] + [1,2] = [1.9, 3.8]; d = [1 + 1.71, 2 + 3.42] = [2.71, 5.42]
    opt.step(x, f32([1, 2]), 0.1, 2);
    expectClose(x, [0.539, -2.922]);
  });

  it('adam (bias-corrected)', () => {
    const opt = makeOptimizer('adam', 2);
    const x = f32([1, -2]);
    // t=1: m = .1 g = [.05, -.1], v = .001 g^2; mhat = g, vhat = g^2 -> step = lr sign(g)
    opt.step(x, f32([0.5, -1]), 0.1, 1);
    expectClose(x, [0.9, -1.9]);
    // t=2, g = [.25, 1]: m = [.045+.025, -.09+.1] = [.07, .01], c1 = .19 -> mhat = [.368421, .0526316]
    // v = [.00024975+.0000625, .000999+.001] = [.00031225, .001999], c2 = .001999 -> sqrt(vhat) = [.395225, 1]
    // x = [.9 - .1*.368421/.395225, -1.9 - .1*.0526316] = [.806782, -1.905263]
    opt.step(x, f32([0.25, 1]), 0.1, 2);
    expectClose(x, [0.806782, -1.905263]);
  });

  it('adabelief (eps inside s, official bias correction)', () => {
    const opt = makeOptimizer('adabelief', 2);
    const x = f32([1, -2]);
    // t=1: m = [.05, -.1]; g - m = [.45, -.9]; s = .001 [.2025, .81]
    // sqrt(s)/sqrt(.001) = [.45, .9]; x -= (lr/.1) m / that = [1/9, -1/9]
    opt.step(x, f32([0.5, -1]), 0.1, 1);
    expectClose(x, [1 - 1 / 9, -2 + 1 / 9]);
    // t=2, g = [.25, 1]: m = [.07, .01]; g - m = [.18, .99]
    // s = .999 s + .001 [.0324, .9801] = [.0002346975, .00178929]; c1 = .19, sqrt(c2) = .0447102
    // x0 -= (.1/.19) * .07 / (.0153199/.0447102) = .107522 -> .781367
    // x1 -= (.1/.19) * .01 / (.0422999/.0447102) = .005563 -> -1.894452
    opt.step(x, f32([0.25, 1]), 0.1, 2);
    expectClose(x, [0.781367, -1.894452]);
  });

  it('adamp removes the radial component only when |cos(x, g)| < delta/sqrt(dim)', () => {
    // x = [1, 0], g = [.05, 1]: |cos| = .05/1.00125 = .0499 < .1/sqrt(2) = .0707 -> project.
    // Adam direction p = m / (sqrt(v)/sqrt(c2)) = [.005/.05, .1/1] = [.1, .1]
    // radial part along xh = [1, 0] is .1 -> p = [0, .1]; step lr/c1 = 1 -> x = [1, -.1]
    const a = f32([1, 0]);
    const opt = makeOptimizer('adamp', 2) as Optimizer & { projections: number };
    opt.step(a, f32([0.05, 1]), 0.1, 1);
    expectClose(a, [1, -0.1]);
    expect(opt.projections).toBe(1);
    // g = [1, 1]: |cos| = .707 -> plain Adam step lr sign(g) = [.9, -.1]
    const b = f32([1, 0]);
    makeOptimizer('adamp', 2).step(b, f32([1, 1]), 0.1, 1);
    expectClose(b, [0.9, -0.1]);
  });

  it('diffgrad: friction sigmoid(|g_{t-1} - g_t|) from a COPY of the previous gradient', () => {
    const opt = makeOptimizer('diffgrad', 2);
    const x = f32([1, -2]);
    const g = f32([0.5, -1]); // one buffer reused, as solvers do
    // t=1: g_0 = 0 -> xi = [sigmoid(.5), sigmoid(1)] = [.622459, .731059]
    // step size lr sqrt(.001)/.1 = .0316228; m/(sqrt(v)) = [.05/.0158114, -.1/.0316228] = [3.16228, -3.16228]
    // x = [1 - .0622459, -2 + .0731059]
    opt.step(x, g, 0.1, 1);
    expectClose(x, [0.937754, -1.926894]);
    g.set([0.25, 1]); // overwrite in place
    // t=2: xi = [sigmoid(.25), sigmoid(2)] = [.562177, .880797]; step size .1 sqrt(.001999)/.19 = .0235317
    // m = [.07, .01], sqrt(v) = [.0176706, .0447102]
    // x0 -= .0235317 * .562177 * .07/.0176706 = .052405 -> .885349
    // x1 -= .0235317 * .880797 * .01/.0447102 = .004636 -> -1.931530
    opt.step(x, g, 0.1, 2);
    expectClose(x, [0.885349, -1.93153]);
    // Had the previous gradient been aliased to g, xi would be sigmoid(0) = .5 and
    // x would be [.891145, -1.929526]: the copy visibly matters.
    expect(Math.abs(x[0]! - 0.891145)).toBeGreaterThan(1e-3);
    expect(Math.abs(x[1]! - -1.929526)).toBeGreaterThan(1e-3);
  });

  it('gradient noise: sigma_t^2 = eta/(1+t)^0.55 from the seeded stream', () => {
    const eta = 0.3;
    const x = f32([1, -2]);
    const opt = makeOptimizer('gradient-noise', 2, { eta }, 7);
    opt.step(x, f32([0.5, -1]), 0.1, 1);
    const rng = createRng(7, 'gradient-noise');
    const s1 = Math.sqrt(eta / 2 ** 0.55); // t = 1 -> (1+1)^0.55
    const z = [rng.normal(), rng.normal()];
    expectClose(x, [1 - 0.1 * (0.5 + s1 * z[0]!), -2 - 0.1 * (-1 + s1 * z[1]!)]);
    // reset() rewinds the stream: the same step again gives the same numbers.
    opt.reset();
    const y = f32([1, -2]);
    opt.step(y, f32([0.5, -1]), 0.1, 1);
    expect(Array.from(y)).toEqual(Array.from(x));
    // eta = 0 is plain gradient descent.
    const w = f32([1, -2]);
    makeOptimizer('gradient-noise', 2, { eta: 0 }, 7).step(w, f32([0.5, -1]), 0.1, 1);
    expectClose(w, [0.95, -1.9]);
  });

  it('gradient noise variance anneals', () => {
    const n = 20000;
    const spread = (t: number) => {
      const x = new Float32Array(n);
      makeOptimizer('gradient-noise', n, { eta: 1 }, 3).step(x, new Float32Array(n), 1, t);
      return Math.sqrt(x.reduce((s, v) => s + v * v, 0) / n);
    };
    expect(spread(1)).toBeCloseTo(Math.sqrt(1 / 2 ** 0.55), 1);
    expect(spread(99)).toBeCloseTo(Math.sqrt(1 / 100 ** 0.55), 1);
  });

  it('mirror descent: exponentiated gradient on the magnitude, phase kept', () => {
    // x = 3 + 4i: r = 5, (cos, sin) = (.6, .8); g = (1, 2): df/dr = .6 + 1.6 = 2.2
    // r <- 5 exp(-.1 * 2.2) = 4.012594 -> x = (2.407556, 3.210075)
    const x = f32([3, 4]);
    makeOptimizer('mirror-descent', 2).step(x, f32([1, 2]), 0.1, 1);
    expectClose(x, [2.407556, 3.210075]);
    expect(x[1]! / x[0]!).toBeCloseTo(4 / 3, 6);
    // A zero pixel is lifted in the direction of -g instead of staying stuck.
    const z = f32([0, 0]);
    makeOptimizer('mirror-descent', 2).step(z, f32([-1, 0]), 0.1, 1);
    expect(z[0]!).toBeGreaterThan(0);
    expect(z[1]!).toBeCloseTo(0, 12);
  });

  it('rejects unknown names and mismatched lengths', () => {
    expect(() => makeOptimizer('sgdx', 2)).toThrow(/unknown optimizer "sgdx".*adam/);
    expect(() => makeOptimizer('adam', 4).step(new Float32Array(4), new Float32Array(2), 0.1, 1)).toThrow(/length 4/);
    expect(() => makeOptimizer('adam', 2, { beta1: NaN })).toThrow(/beta1/);
  });
});

describe('every optimizer decreases a convex quadratic', () => {
  // f(x) = 1/2 sum a_i (x_i - b_i)^2 with curvature a in [0.5, 2] (condition number 4).
  const n = 32;
  const a = Float64Array.from({ length: n }, (_, i) => 0.5 + (1.5 * i) / (n - 1));
  const b = Float64Array.from({ length: n }, (_, i) => 1 + 0.5 * Math.sin(i));
  const f = (x: Float32Array) => x.reduce((s, v, i) => s + 0.5 * a[i]! * (v - b[i]!) ** 2, 0);
  const lrs: Record<string, number> = { gd: 0.5, nesterov: 0.05, adam: 0.05, adabelief: 0.05, adamp: 0.05, diffgrad: 0.05, 'gradient-noise': 0.5, 'mirror-descent': 0.3 };
  for (const name of Object.keys(OPTIMIZERS)) {
    it(name, () => {
      const opt = makeOptimizer(name, n, name === 'gradient-noise' ? { eta: 1e-4 } : undefined, 1);
      // Start at 0.2 b: same phase per complex pair, so mirror descent (magnitude only) can reach b too.
      const x = Float32Array.from(b, (v) => 0.2 * v);
      const g = new Float32Array(n);
      const f0 = f(x);
      for (let t = 1; t <= 200; t++) {
        for (let i = 0; i < n; i++) g[i] = a[i]! * (x[i]! - b[i]!);
        opt.step(x, g, lrs[name]!, t);
      }
      expect(f(x)).toBeLessThan(0.01 * f0);
    });
  }
});
