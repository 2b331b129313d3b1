/**
 * First-order optimizers as small stateful values: step(x, g, lr, t) updates x
 * in place from the gradient g at x. Each follows its paper's update rule with
 * the defaults of the authors' reference code (named per optimizer below).
 *
 * Complex images are interleaved (re, im) Float32Arrays (array/layout.ts).
 * Element-wise rules (Adam's moments, AdaBelief, diffGrad, gradient noise)
 * treat re and im as two separate real parameters, which is what PyTorch does
 * with torch.view_as_real. Two rules differ: AdamP treats the whole image as
 * ONE parameter vector (its projection needs a norm), and mirror descent works
 * on each pixel's magnitude, keeping its phase.
 *
 * State is float64 where it accumulates (moments), so hand-computed test steps
 * match to float32 rounding of x only.
 */
import { createRng, type Rng } from '../array/random';

export interface Optimizer {
  readonly name: string;
  /** In place: x <- update(x, g). lr is the already-scheduled learning rate, t is 1-based. */
  step(x: Float32Array, g: Float32Array, lr: number, t: number): void;
  /** Forget all state (moments, previous gradient, noise stream position). */
  reset(): void;
}

export type OptimizerFactory = (n: number, params?: Record<string, number>, seed?: number) => Optimizer;

function param(params: Record<string, number> | undefined, key: string, dflt: number): number {
  const v = params?.[key];
  if (v === undefined) return dflt;
  if (!Number.isFinite(v)) throw new RangeError(`optimizer parameter ${key} must be finite, got ${v}`);
  return v;
}

function checkLengths(name: string, n: number, x: Float32Array, g: Float32Array): void {
  if (x.length !== n || g.length !== n) throw new RangeError(`${name}: expected x and g of length ${n}, got ${x.length} and ${g.length}`);
}

/** Plain gradient descent: x <- x - lr g. */
export const gd: OptimizerFactory = (n) => ({
  name: 'gd',
  step(x, g, lr) {
    checkLengths('gd', n, x, g);
    for (let i = 0; i < n; i++) x[i] = x[i]! - lr * g[i]!;
  },
  reset() {},
});

/**
 * Nesterov momentum in PyTorch's SGD form (Sutskever et al. 2013 as written in
 * torch.optim.SGD, momentum 0.9, dampening 0): b_1 = g_1, b_t = mu b_{t-1} + g_t,
 * x <- x - lr (g_t + mu b_t).
 */
export const nesterov: OptimizerFactory = (n, params) => {
  const mu = param(params, 'momentum', 0.9);
  let b = new Float64Array(n);
  let started = false;
  return {
    name: 'nesterov',
    step(x, g, lr) {
      checkLengths('nesterov', n, x, g);
      for (let i = 0; i < n; i++) {
        const bi = started ? mu * b[i]! + g[i]! : g[i]!;
        b[i] = bi;
        x[i] = x[i]! - lr * (g[i]! + mu * bi);
      }
      started = true;
    },
    reset() {
      b = new Float64Array(n);
      started = false;
    },
  };
};

/**
 * Adam (Kingma & Ba 2015, Algorithm 1; defaults beta1 0.9, beta2 0.999, eps 1e-8
 * as torch.optim.Adam): m, v moving averages of g and g^2, bias-corrected,
 * x <- x - lr mhat / (sqrt(vhat) + eps).
 */
export const adam: OptimizerFactory = (n, params) => {
  const b1 = param(params, 'beta1', 0.9);
  const b2 = param(params, 'beta2', 0.999);
  const eps = param(params, 'eps', 1e-8);
  let m = new Float64Array(n);
  let v = new Float64Array(n);
  return {
    name: 'adam',
    step(x, g, lr, t) {
      checkLengths('adam', n, x, g);
      const c1 = 1 - b1 ** t;
      const c2 = 1 - b2 ** t;
      for (let i = 0; i < n; i++) {
        const gi = g[i]!;
        const mi = b1 * m[i]! + (1 - b1) * gi;
        const vi = b2 * v[i]! + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        x[i] = x[i]! - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
      }
    },
    reset() {
      m = new Float64Array(n);
      v = new Float64Array(n);
    },
  };
};

/**
 * AdaBelief (Zhuang et al. 2020) as in the official adabelief-pytorch 0.2
 * (betas 0.9/0.999, eps 1e-16, no rectification, no weight decay):
 *   m = b1 m + (1-b1) g;  s = b2 s + (1-b2)(g - m)^2 + eps   (eps added to the state)
 *   x <- x - (lr / (1-b1^t)) m / (sqrt(s) / sqrt(1-b2^t) + eps)
 * The "belief" is the deviation of g from its own running mean m_t (the NEW m).
 */
export const adabelief: OptimizerFactory = (n, params) => {
  const b1 = param(params, 'beta1', 0.9);
  const b2 = param(params, 'beta2', 0.999);
  const eps = param(params, 'eps', 1e-16);
  let m = new Float64Array(n);
  let s = new Float64Array(n);
  return {
    name: 'adabelief',
    step(x, g, lr, t) {
      checkLengths('adabelief', n, x, g);
      const c1 = 1 - b1 ** t;
      const sc2 = Math.sqrt(1 - b2 ** t);
      for (let i = 0; i < n; i++) {
        const gi = g[i]!;
        const mi = b1 * m[i]! + (1 - b1) * gi;
        const r = gi - mi;
        const si = b2 * s[i]! + (1 - b2) * r * r + eps;
        m[i] = mi;
        s[i] = si;
        x[i] = x[i]! - ((lr / c1) * mi) / (Math.sqrt(si) / sc2 + eps);
      }
    },
    reset() {
      m = new Float64Array(n);
      s = new Float64Array(n);
    },
  };
};

/**
 * AdamP (Heo et al. 2021, clovaai/AdamP: betas 0.9/0.999, eps 1e-8, delta 0.1,
 * wd_ratio 0.1, weight_decay 0, nesterov 0). Adam's step p = mhat'/(sqrt(v)/sqrt(c2)+eps)
 * (lr/c1 applied at the end); when |cos(x, g)| < delta / sqrt(dim) the
 * parameter is taken to be scale-invariant and the radial part of p is
 * removed: p <- p - xh <xh, p>, xh = x / (|x| + eps); weight decay is then
 * scaled by wd_ratio. The whole image is one parameter ("layer view"), dim = n.
 */
export const adamp: OptimizerFactory = (n, params) => {
  const b1 = param(params, 'beta1', 0.9);
  const b2 = param(params, 'beta2', 0.999);
  const eps = param(params, 'eps', 1e-8);
  const delta = param(params, 'delta', 0.1);
  const wdRatio = param(params, 'wdRatio', 0.1);
  const wd = param(params, 'weightDecay', 0);
  const useNesterov = param(params, 'nesterov', 0) !== 0;
  let m = new Float64Array(n);
  let v = new Float64Array(n);
  const p = new Float64Array(n);
  let projected = 0;
  return {
    name: 'adamp',
    get projections() {
      return projected;
    },
    step(x, g, lr, t) {
      checkLengths('adamp', n, x, g);
      const c1 = 1 - b1 ** t;
      const sc2 = Math.sqrt(1 - b2 ** t);
      let xx = 0, gg = 0, xg = 0;
      for (let i = 0; i < n; i++) {
        const gi = g[i]!;
        const mi = b1 * m[i]! + (1 - b1) * gi;
        const vi = b2 * v[i]! + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        const num = useNesterov ? b1 * mi + (1 - b1) * gi : mi;
        p[i] = num / (Math.sqrt(vi) / sc2 + eps);
        const xi = x[i]!;
        xx += xi * xi;
        gg += gi * gi;
        xg += xi * gi;
      }
      // torch.nn.functional.cosine_similarity clamps each norm at eps.
      const cos = Math.abs(xg) / (Math.max(Math.sqrt(xx), eps) * Math.max(Math.sqrt(gg), eps));
      let ratio = 1;
      if (cos < delta / Math.sqrt(n)) {
        const inv = 1 / (Math.sqrt(xx) + eps);
        let dot = 0;
        for (let i = 0; i < n; i++) dot += x[i]! * inv * p[i]!;
        for (let i = 0; i < n; i++) p[i] = p[i]! - x[i]! * inv * dot;
        ratio = wdRatio;
        projected++;
      }
      const decay = wd > 0 ? 1 - lr * wd * ratio : 1;
      const stepSize = lr / c1;
      for (let i = 0; i < n; i++) x[i] = x[i]! * decay - stepSize * p[i]!;
    },
    reset() {
      m = new Float64Array(n);
      v = new Float64Array(n);
      projected = 0;
    },
  } as Optimizer & { readonly projections: number };
};

/**
 * diffGrad (Dubey et al. 2019, shivram1987/diffGrad: betas 0.9/0.999, eps 1e-8).
 * Adam's moments with a friction coefficient xi = sigmoid(|g_{t-1} - g_t|)
 * (g_0 = 0) scaling the first moment:
 *   x <- x - lr sqrt(1-b2^t)/(1-b1^t) * xi m / (sqrt(v) + eps)
 * The previous gradient is COPIED: callers reuse their gradient buffer, and
 * keeping a reference would make |g_{t-1} - g_t| = 0 (xi = 0.5) every step.
 */
export const diffgrad: OptimizerFactory = (n, params) => {
  const b1 = param(params, 'beta1', 0.9);
  const b2 = param(params, 'beta2', 0.999);
  const eps = param(params, 'eps', 1e-8);
  let m = new Float64Array(n);
  let v = new Float64Array(n);
  let prev = new Float64Array(n);
  return {
    name: 'diffgrad',
    step(x, g, lr, t) {
      checkLengths('diffgrad', n, x, g);
      const stepSize = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      for (let i = 0; i < n; i++) {
        const gi = g[i]!;
        const mi = b1 * m[i]! + (1 - b1) * gi;
        const vi = b2 * v[i]! + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        const xi = 1 / (1 + Math.exp(-Math.abs(prev[i]! - gi)));
        prev[i] = gi;
        x[i] = x[i]! - (stepSize * xi * mi) / (Math.sqrt(vi) + eps);
      }
    },
    reset() {
      m = new Float64Array(n);
      v = new Float64Array(n);
      prev = new Float64Array(n);
    },
  };
};

/**
 * Annealed Gaussian gradient noise (Neelakantan et al. 2015, "Adding Gradient
 * Noise Improves Learning for Very Deep Networks"): g~ = g + N(0, sigma_t^2),
 * sigma_t^2 = eta / (1 + t)^gamma, eta in {0.01, 0.3, 1} in the paper (default
 * 0.01 here, gamma 0.55), followed by a plain gradient step. Noise comes from
 * createRng(seed, 'gradient-noise'), so runs are reproducible; reset() rewinds it.
 * eta is in squared gradient units: scale it with the data when the objective is not normalised.
 */
export const gradientNoise: OptimizerFactory = (n, params, seed = 0) => {
  const eta = param(params, 'eta', 0.01);
  const gamma = param(params, 'gamma', 0.55);
  let rng: Rng = createRng(seed, 'gradient-noise');
  return {
    name: 'gradient-noise',
    step(x, g, lr, t) {
      checkLengths('gradient-noise', n, x, g);
      const sigma = Math.sqrt(eta / (1 + t) ** gamma);
      for (let i = 0; i < n; i++) x[i] = x[i]! - lr * (g[i]! + sigma * rng.normal());
    },
    reset() {
      rng = createRng(seed, 'gradient-noise');
    },
  };
};

/**
 * Mirror descent with the entropy mirror map on each pixel's magnitude
 * (exponentiated gradient, Kivinen & Warmuth 1997; Beck & Teboulle 2003),
 * phase kept: with x = r e^{i phi}, df/dr = gr cos(phi) + gi sin(phi), and
 *   r <- r exp(-lr df/dr).
 * Magnitudes stay positive; a pixel at exactly 0 has no phase and could never
 * move, so it is lifted to `floor` (default 1e-6) in the direction of -g.
 */
export const mirrorDescent: OptimizerFactory = (n, params) => {
  const floor = param(params, 'floor', 1e-6);
  if (n % 2 !== 0) throw new RangeError(`mirror-descent works on complex (interleaved) vectors; length ${n} is odd`);
  return {
    name: 'mirror-descent',
    step(x, g, lr) {
      checkLengths('mirror-descent', n, x, g);
      for (let i = 0; i < n; i += 2) {
        const re = x[i]!, im = x[i + 1]!;
        const gr = g[i]!, gi = g[i + 1]!;
        let r = Math.hypot(re, im);
        let c: number, s: number;
        if (r > 0) {
          c = re / r;
          s = im / r;
        } else {
          const gn = Math.hypot(gr, gi);
          if (gn === 0) continue;
          c = -gr / gn;
          s = -gi / gn;
        }
        if (r < floor) r = floor;
        const dr = gr * c + gi * s;
        const r1 = r * Math.exp(-lr * dr);
        x[i] = r1 * c;
        x[i + 1] = r1 * s;
      }
    },
    reset() {},
  };
};

export const OPTIMIZERS: Record<string, OptimizerFactory> = {
  gd,
  nesterov,
  adam,
  adabelief,
  adamp,
  diffgrad,
  'gradient-noise': gradientNoise,
  'mirror-descent': mirrorDescent,
};

export function makeOptimizer(name: string, n: number, params?: Record<string, number>, seed?: number): Optimizer {
  const f = OPTIMIZERS[name];
  if (!f) throw new RangeError(`unknown optimizer "${name}" (available: ${Object.keys(OPTIMIZERS).join(', ')})`);
  return f(n, params, seed);
}
