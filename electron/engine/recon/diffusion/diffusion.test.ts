import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, ctensor, rtensor } from '../../array';
import { fft2cBatch } from '../../fft';
import { checkGolden } from '../../learned/golden';
import { havePythonOnnx } from '../../learned/tiny-model.fixture';
import { makeGaussianPrior } from './analytic-model.fixture';
import { cfgCombine, gfcgChoice, softmax } from './guidance';
import { openDiffusionModel, type DiffusionModel } from './model';
import { pickSchedule, reconDiffusion, reconDiffusionWith, diffusionDefaults } from './sampler';
import { uniformSchedule, validateSchedule, ddimSigma } from './schedule';
import { kspaceConsistency, softWeight } from './consistency';
import { alphaBar } from './schedule';
import type { ReconInput } from '../types';
import { bartScale } from '../cs';

const N = 32;

/** k-space of a random complex image (seeded), with a mask. */
function problem(mask: (ky: number, kx: number) => boolean, seed = 1): { input: ReconInput; image: Float32Array } {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  const image = new Float32Array(2 * N * N);
  for (let y = 8; y < 24; y++) for (let x = 8; x < 24; x++) { image[2 * (y * N + x)] = 1 + rnd(); image[2 * (y * N + x) + 1] = 0.3 * rnd(); }
  const k = fft2cBatch(image, 1, N, N, false);
  const m = new Float32Array(N * N);
  for (let ky = 0; ky < N; ky++) for (let kx = 0; kx < N; kx++) m[ky * N + kx] = mask(ky, kx) ? 1 : 0;
  for (let p = 0; p < N * N; p++) if (!m[p]) { k[2 * p] = 0; k[2 * p + 1] = 0; }
  const ref = rtensor([1, N, N]);
  for (let p = 0; p < N * N; p++) ref.data[p] = Math.hypot(image[2 * p]!, image[2 * p + 1]!);
  return { input: { kspace: ctensor([1, 1, N, N], k), mask: { shape: [N, N], data: m }, reference: ref }, image };
}

/**
 * An independent DDIM loop for the analytic Gaussian prior (ε = g_t x + off[class], g_t as
 * the fixture), single coil, no padding, hard consistency, no clipping: what the sampler
 * must reproduce for 'cfg' and 'gfcg' given the rules written in guidance.ts.
 */
function referenceDdim(model: DiffusionModel, input: ReconInput, v: number, offset: number, W: number[][], b: number[],
  o: { steps: number; seed: number; guidance: 'cfg' | 'gfcg'; w: number; target: number; eta?: number }): Float32Array {
  const n = N * N, mask = input.mask.data, ts = uniformSchedule(1000, o.steps);
  const y = Float32Array.from(input.kspace.data, (k, i) => k * mask[i >> 1]!);
  const zf = fft2cBatch(y, 1, N, N, true);
  const scale = bartScale(Float32Array.from({ length: n }, (_, p) => Math.hypot(zf[2 * p]!, zf[2 * p + 1]!)));
  for (let i = 0; i < y.length; i++) { y[i]! /= scale; zf[i]! /= scale; }
  const off = [offset, 2 * offset, 3 * offset, 0];
  const rng = createRng(o.seed, 'diffusion:slice0');
  let x = Float32Array.from({ length: 2 * n }, () => rng.normal());
  let x0c = zf;
  const x0 = new Float32Array(2 * n);
  for (let j = 0; j < ts.length; j++) {
    const t = ts[j]!, ab = model.abar[t]!, abPrev = alphaBar(model.abar, ts[j + 1] ?? -1);
    const g = Math.fround(Math.sqrt(1 - ab) / (ab * v + 1 - ab));
    let shift: number, gain = g;
    if (o.guidance === 'cfg') shift = off[3]! + o.w * (off[o.target]! - off[3]!);
    else {
      let mr = 0, mi = 0;
      for (let p = 0; p < n; p++) { mr += x0c[2 * p]!; mi += x0c[2 * p + 1]!; }
      const logits = [0, 1, 2].map((k) => (mr / n) * W[0]![k]! + (mi / n) * W[1]![k]! + b[k]!);
      const pr = softmax(logits);
      const r = [0, 1, 2].filter((k) => k !== o.target).reduce((a, k) => (pr[k]! > pr[a]! ? k : a));
      const w = (o.w * (1 - pr[o.target]!) * t) / 1000;
      shift = off[o.target]! + w * (off[o.target]! - off[r]!);
      gain = g; // ε_c and ε_r share the g_t x part, so it cancels in their difference
    }
    const a = Math.sqrt(ab), bb = Math.sqrt(1 - ab);
    const eps = x.map((xi) => gain * xi + shift);
    for (let i = 0; i < x0.length; i++) x0[i] = (x[i]! - bb * eps[i]!) / a;
    kspaceConsistency(x0, y, mask, N, N, 1);
    x0c = Float32Array.from(x0);
    if (j === ts.length - 1) break;
    // DDIM σ written out here (not ddimSigma) so that a slip in either copy shows.
    const sg = (o.eta ?? 0) * Math.sqrt(((1 - abPrev) / (1 - ab)) * (1 - ab / abPrev));
    const cPrev = Math.sqrt(abPrev), cDir = Math.sqrt(1 - abPrev - sg * sg);
    x = x.map((xi, i) => cPrev * x0[i]! + cDir * ((xi - a * x0[i]!) / bb) + (sg > 0 ? sg * rng.normal() : 0));
  }
  return x0c.map((z) => z * scale);
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0, r = 0;
  for (let i = 0; i < a.length; i++) { e += (a[i]! - b[i]!) ** 2; r += b[i]! ** 2; }
  return Math.sqrt(e / r);
}

describe('schedules', () => {
  it('uniform spacing runs from T-1 down to 0, strictly descending', () => {
    expect(uniformSchedule(1000, 5)).toEqual([999, 749, 500, 250, 0]);
    const s = uniformSchedule(1000, 20);
    expect(s).toHaveLength(20);
    expect(s[0]).toBe(999);
    expect(s.at(-1)).toBe(0);
    for (let i = 1; i < s.length; i++) expect(s[i]!).toBeLessThan(s[i - 1]!);
  });
  it('a later start shortens the uniform schedule to start·(T-1) .. 0', () => {
    expect(uniformSchedule(1000, 5, 0.5)).toEqual([500, 375, 250, 125, 0]);
    expect(() => uniformSchedule(1000, 5, 0)).toThrow(/start/);
    expect(() => uniformSchedule(1000, 50, 0.01)).toThrow(/fewer than the 50 steps/);
  });
  it('bad lists are refused by name', () => {
    expect(() => validateSchedule([10, 10, 0], 1000)).toThrow(/strictly descending/);
    expect(() => validateSchedule([1000, 0], 1000)).toThrow(/0\.\.999/);
    expect(() => validateSchedule([5.5], 1000)).toThrow(/integer/);
    expect(() => validateSchedule([], 1000)).toThrow(/non-empty/);
  });
  it('searched schedules from the manifest are used when present, uniform otherwise (with the source named)', () => {
    const model = { T: 1000, schedules: new Map([[5, [999, 700, 400, 100, 0]]]) };
    expect(pickSchedule(model, { ...diffusionDefaults, steps: 5 })).toEqual({ timesteps: [999, 700, 400, 100, 0], source: 'searched' });
    expect(pickSchedule(model, { ...diffusionDefaults, steps: 5, schedule: 'uniform' }).timesteps).toEqual(uniformSchedule(1000, 5));
    expect(pickSchedule(model, { ...diffusionDefaults, steps: 10 }).source).toMatch(/uniform \(no searched/);
    // Searched schedules start from noise: a later start is uniform from there, and says so.
    const late = pickSchedule(model, { ...diffusionDefaults, steps: 5, start: 0.3 });
    expect(late.timesteps).toEqual(uniformSchedule(1000, 5, 0.3));
    expect(late.source).toMatch(/uniform from t = 0.3·T/);
  });
  it('DDIM σ is 0 at η = 0 and the DDPM posterior SD at η = 1', () => {
    expect(ddimSigma(0.5, 0.8, 0)).toBe(0);
    const s = ddimSigma(0.5, 0.8, 1);
    expect(s * s).toBeCloseTo(((1 - 0.8) / (1 - 0.5)) * (1 - 0.5 / 0.8), 12);
  });
});

describe('guidance and consistency rules', () => {
  it('CFG is ε_u + w(ε_c − ε_u)', () => {
    const out = cfgCombine(Float32Array.of(1, 2), Float32Array.of(0.5, -1), 3);
    expect(Array.from(out)).toEqual([0.5 + 3 * 0.5, -1 + 3 * 3]);
  });
  it('GFCG picks the most probable other class and scales with doubt and t', () => {
    const logits = [2, 1.5, -1];
    const c = gfcgChoice(logits, 0, 500, 1000, 4);
    const p = softmax(logits);
    expect(c.reference).toBe(1);
    expect(c.scale).toBeCloseTo(4 * (1 - p[0]!) * 0.5, 12);
    expect(gfcgChoice(logits, 1, 0, 1000, 4)).toMatchObject({ reference: 0, scale: 0 });
    expect(() => gfcgChoice(logits, 3, 10, 1000, 1)).toThrow(/outside/);
  });
  it('hard k-space consistency leaves the sampled k-space equal to the data; soft weight falls with t', () => {
    const { input } = problem((ky) => ky % 3 === 0);
    const y = input.kspace.data;
    const x = new Float32Array(2 * N * N).map((_, i) => Math.sin(i));
    kspaceConsistency(x, y, input.mask.data, N, N, 1);
    const X = fft2cBatch(x, 1, N, N, false);
    for (let p = 0; p < N * N; p++) if (input.mask.data[p]) { expect(X[2 * p]).toBeCloseTo(y[2 * p]!, 4); expect(X[2 * p + 1]).toBeCloseTo(y[2 * p + 1]!, 4); }
    expect(softWeight(0.01, 0.1)).toBeGreaterThan(softWeight(0.99, 0.1));
    expect(softWeight(0.5, 0)).toBe(1);
  });
});

describe.skipIf(!havePythonOnnx())('the sampler through real ONNX sessions (analytic Gaussian prior)', () => {
  let root = '';
  let model: DiffusionModel;
  let W: number[][] = [];
  let B: number[] = [];
  beforeAll(async () => {
    const made = makeGaussianPrior(0.04, 0.5);
    root = made.root;
    W = made.W;
    B = made.b;
    model = await openDiffusionModel('gauss', { modelsDir: root, providers: ['cpu'] });
  }, 60_000);
  afterAll(() => { if (root) rmSync(root, { recursive: true, force: true }); });

  it('the fixture passes its own golden check', async () => {
    expect((await checkGolden(`${root}/gauss`)).ok).toBe(true);
    expect(W).toHaveLength(2);
  });

  it('full sampling with hard consistency returns the data exactly', async () => {
    const { input, image } = problem(() => true);
    const r = await reconDiffusionWith(model, input, { steps: 10, clip: 0 });
    let err = 0, ref = 0;
    for (let i = 0; i < image.length; i++) { err += (r.complex!.data[i]! - image[i]!) ** 2; ref += image[i]! ** 2; }
    expect(Math.sqrt(err / ref)).toBeLessThan(1e-4);
  });

  it('without data (empty mask) DDIM draws from the prior with the variance its update implies (η = 0 and 1)', async () => {
    // For a Gaussian prior every quantity is linear in x_t, so the output variance follows
    // V' = (√ᾱ' c + √(1−ᾱ'−σ²) e)² V + σ², with x̂0 = c x_t, ε̂ = e x_t; after the last step x̂0 = c x_t.
    const v = 0.04, n = 64, steps = 50;
    const input: ReconInput = { kspace: ctensor([1, 1, n, n]), mask: { shape: [n, n], data: new Float32Array(n * n) } };
    const ts = uniformSchedule(1000, steps);
    for (const eta of [0, 1]) {
      let V = 1;
      for (let j = 0; j < ts.length; j++) {
        const a = model.abar[ts[j]!]!, e = Math.sqrt(1 - a) / (a * v + 1 - a), c = (1 - Math.sqrt(1 - a) * e) / Math.sqrt(a);
        if (j === ts.length - 1) { V *= c * c; break; }
        const ap = model.abar[ts[j + 1]!]!, sg = ddimSigma(a, ap, eta);
        V = (Math.sqrt(ap) * c + Math.sqrt(1 - ap - sg * sg) * e) ** 2 * V + sg * sg;
      }
      const r = await reconDiffusionWith(model, input, { steps, eta, clip: 0, seed: 4, schedule: 'uniform' });
      const z = r.complex!.data;
      let ss = 0;
      for (let i = 0; i < z.length; i++) ss += z[i]! * z[i]!;
      // bartScale of an all-zero image is 1, so the output is in prior units; 8192 values: SE of the SD ~0.8%.
      expect(Math.sqrt(ss / z.length) / Math.sqrt(V)).toBeGreaterThan(0.96);
      expect(Math.sqrt(ss / z.length) / Math.sqrt(V)).toBeLessThan(1.04);
      expect(Math.sqrt(V)).toBeGreaterThan(0.75 * Math.sqrt(v)); // and 50 steps get most of the way to the prior's SD
    }
  });

  it('partial sampling: sampled k-space matches the data, samples > 1 give an SD map, seeds reproduce', async () => {
    const { input } = problem((ky) => ky % 2 === 0 || Math.abs(ky - 16) < 3);
    const progress: number[] = [];
    const previews: number[] = [];
    const history: number[] = [];
    const a = await reconDiffusionWith(model, input, { steps: 8, samples: 3, seed: 7 }, {
      onProgress: (p) => progress.push(p.fraction),
      onPreview: (_s, mag, ny, nx) => { expect([ny, nx, mag.length]).toEqual([N, N, N * N]); previews.push(Math.max(...mag)); },
      onHistory: (rows) => history.push(...rows.map((r) => r.iteration)),
    });
    expect(previews).toHaveLength(24);
    expect(previews.every((m) => m > 0 && Number.isFinite(m))).toBe(true);
    expect(history).toEqual([1, 2, 3, 4, 5, 6, 7, 8]); // one row per step of the first sample
    expect(a.history.every((r) => r.psnr !== undefined && r.elapsedMs >= 0)).toBe(true);
    const b = await reconDiffusionWith(model, input, { steps: 8, samples: 3, seed: 7 });
    const c = await reconDiffusionWith(model, input, { steps: 8, samples: 3, seed: 8 });
    expect(Array.from(a.image.data)).toEqual(Array.from(b.image.data));
    expect(Array.from(a.image.data)).not.toEqual(Array.from(c.image.data));
    expect(a.uncertainty).toBeDefined();
    expect(Math.max(...a.uncertainty!.data)).toBeGreaterThan(0);
    expect(progress).toHaveLength(24);
    expect(progress.at(-1)).toBe(1);
    expect(a.options).toMatchObject({ timesteps: uniformSchedule(1000, 8), modelName: 'gauss', samples: 3 });
    const one = await reconDiffusionWith(model, input, { steps: 8, seed: 7 });
    expect(one.uncertainty).toBeUndefined();
    const X = fft2cBatch(one.complex!.data, 1, N, N, false);
    let err = 0, ref = 0;
    for (let p = 0; p < N * N; p++) if (input.mask.data[p]) { err += (X[2 * p]! - input.kspace.data[2 * p]!) ** 2 + (X[2 * p + 1]! - input.kspace.data[2 * p + 1]!) ** 2; ref += input.kspace.data[2 * p]! ** 2 + input.kspace.data[2 * p + 1]! ** 2; }
    expect(Math.sqrt(err / ref)).toBeLessThan(1e-4);
  });

  it('init cs: the chain starts from the CS reconstruction diffused to start·T, so the result moves by what CS filled in', async () => {
    const { input } = problem((ky) => ky % 3 === 0 || Math.abs(ky - 16) < 3);
    const { reconCs } = await import('../cs');
    const cs = await reconCs(input, { reg: 'wavelet', lambda: 0.005, iters: 30, seed: 3 });
    const opts = { steps: 5, start: 0.02, clip: 0, seed: 3 } as const;
    const fromCs = await reconDiffusionWith(model, input, { ...opts, init: 'cs' });
    const fromZf = await reconDiffusionWith(model, input, { ...opts, init: 'zero-filled' });
    expect(fromCs.notes.join('\n')).toMatch(/start: L1-wavelet CS \(λ 0.005, 30 FISTA iterations\) diffused to t = 20 /);
    expect(fromZf.notes.join('\n')).toMatch(/start: zero-filled image diffused to t = 20 /);
    expect(uniformSchedule(1000, 5, 0.02)[0]).toBe(20);
    // Same seed, same noise: with this Gaussian prior the chain is affine in its start image,
    // so the two results differ by a (shrunk) copy of CS − zero-filled, the part CS filled in.
    const zfImg = fft2cBatch(Float32Array.from(input.kspace.data, (k, i) => k * input.mask.data[i >> 1]!), 1, N, N, true);
    const d = fromCs.complex!.data.map((v, i) => v - fromZf.complex!.data[i]!);
    const e = cs.complex!.data.map((v, i) => v - zfImg[i]!);
    let de = 0, dd = 0, ee = 0;
    for (let i = 0; i < d.length; i++) { de += d[i]! * e[i]!; dd += d[i]! * d[i]!; ee += e[i]! * e[i]!; }
    expect(Math.sqrt(dd / ee)).toBeGreaterThan(0.5);
    expect(de / Math.sqrt(dd * ee)).toBeGreaterThan(0.9);
    expect(Math.sqrt(dd / ee)).toBeLessThan(1.05);
    // From pure noise the start image is irrelevant: said, not silently ignored.
    const noisy = await reconDiffusionWith(model, input, { steps: 5, init: 'cs', schedule: 'uniform' });
    expect(noisy.notes.join('\n')).toMatch(/init cs has no effect with start = 1/);
    await expect(reconDiffusionWith(model, input, { steps: 5, init: 'bart' as never })).rejects.toThrow(/init must be zero-filled or cs/);
    await expect(reconDiffusionWith(model, input, { steps: 5, initIters: 0 })).rejects.toThrow(/initIters/);
  });

  it('guidance changes the result; CFG batches the conditional/unconditional pair in one call; GFCG reads the classifier', async () => {
    const { input } = problem((ky) => ky % 3 === 0);
    const calls: number[] = [];
    const spy: DiffusionModel = { ...model, eps: (x, n, py, px, t, cls) => { calls.push(n); return model.eps(x, n, py, px, t, cls); } };
    const none = await reconDiffusionWith(spy, input, { steps: 5, seed: 1 });
    expect(calls.every((n) => n === 1)).toBe(true);
    calls.length = 0;
    const cfg = await reconDiffusionWith(spy, input, { steps: 5, seed: 1, guidance: 'cfg', guidanceScale: 3, class: 'sagittal' });
    expect(calls).toEqual([2, 2, 2, 2, 2]);
    expect(relErr(cfg.complex!.data, none.complex!.data)).toBeGreaterThan(1e-3);
    const gf = await reconDiffusionWith(model, input, { steps: 5, seed: 1, guidance: 'gfcg', guidanceScale: 3 });
    expect(gf.notes.join(' ')).toMatch(/classifier reads the zero-filled image as/);
    expect(gf.options.classifierSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  // The class offsets of the fixture are constant images, i.e. pure DC: a mask that samples the
  // k-space centre would overwrite them at every step, so these tests leave row 16 out.
  it('CFG matches ε_u + w(ε_c − ε_u) step by step, from one batched (conditional, null) call per step', async () => {
    const { input } = problem((ky) => ky % 3 === 0);
    const pairs: number[][] = [];
    const spy: DiffusionModel = { ...model, eps: (x, n, py, px, t, cls) => { pairs.push([...cls]); return model.eps(x, n, py, px, t, cls); } };
    const r = await reconDiffusionWith(spy, input, { steps: 6, seed: 3, guidance: 'cfg', guidanceScale: 2.5, class: 'coronal', clip: 0, schedule: 'uniform' });
    expect(pairs).toEqual(Array.from({ length: 6 }, () => [1, 3]));
    const want = referenceDdim(model, input, 0.04, 0.5, W, B, { steps: 6, seed: 3, guidance: 'cfg', w: 2.5, target: 1 });
    expect(relErr(r.complex!.data, want)).toBeLessThan(1e-4);
    // stochastic DDIM (η > 0) follows the same rule with σ_t z added after each step
    const r7 = await reconDiffusionWith(model, input, { steps: 6, seed: 3, guidance: 'cfg', guidanceScale: 2.5, class: 'coronal', clip: 0, schedule: 'uniform', eta: 0.7 });
    const want7 = referenceDdim(model, input, 0.04, 0.5, W, B, { steps: 6, seed: 3, guidance: 'cfg', w: 2.5, target: 1, eta: 0.7 });
    expect(relErr(r7.complex!.data, want7)).toBeLessThan(1e-4);
    expect(relErr(r7.complex!.data, want)).toBeGreaterThan(1e-3);
    // and the guidance is not a no-op: w = 1 (plain conditional) gives another image
    const plain = await reconDiffusionWith(model, input, { steps: 6, seed: 3, guidance: 'cfg', guidanceScale: 1, class: 'coronal', clip: 0, schedule: 'uniform' });
    expect(relErr(plain.complex!.data, want)).toBeGreaterThan(1e-3);
  });

  it('GFCG: the reference class is the classifier’s most probable other class on x̂0, and the result follows the rule', async () => {
    const { input } = problem((ky) => ky % 3 === 0);
    const pairs: number[][] = [];
    const logits: number[][] = [];
    const cl = model.classifier!;
    const spy: DiffusionModel = {
      ...model,
      eps: (x, n, py, px, t, cls) => { pairs.push([...cls]); return model.eps(x, n, py, px, t, cls); },
      classifier: { ...cl, logits: async (x, n, py, px) => { const l = await cl.logits(x, n, py, px); logits.push(Array.from(l)); return l; } },
    };
    const r = await reconDiffusionWith(spy, input, { steps: 6, seed: 5, guidance: 'gfcg', guidanceScale: 4, class: 'sagittal', clip: 0, schedule: 'uniform' });
    expect(pairs).toHaveLength(6);
    expect(logits).toHaveLength(6);
    for (let j = 0; j < 6; j++) {
      const p = softmax(logits[j]!);
      expect(pairs[j]![0]).toBe(2);
      expect(pairs[j]![1]).toBe(p[0]! >= p[1]! ? 0 : 1);
    }
    const want = referenceDdim(model, input, 0.04, 0.5, W, B, { steps: 6, seed: 5, guidance: 'gfcg', w: 4, target: 2 });
    expect(relErr(r.complex!.data, want)).toBeLessThan(1e-4);
    await expect(reconDiffusionWith({ ...model, classifier: undefined } as DiffusionModel, input, { steps: 5, guidance: 'gfcg' })).rejects.toThrow(/gfcg guidance needs a classifier/);
  });

  it('sample i uses seed + i: an N-sample mean equals the mean of N one-sample runs', async () => {
    const { input } = problem((ky) => ky % 2 === 0 || Math.abs(ky - 16) < 3);
    const both = await reconDiffusionWith(model, input, { steps: 5, samples: 2, seed: 11, eta: 0.5 });
    const a = await reconDiffusionWith(model, input, { steps: 5, seed: 11, eta: 0.5 });
    const b = await reconDiffusionWith(model, input, { steps: 5, seed: 12, eta: 0.5 });
    for (let q = 0; q < N * N; q++) {
      const ma = a.image.data[q]!, mb = b.image.data[q]!;
      expect(both.image.data[q]).toBeCloseTo((ma + mb) / 2, 5);
      expect(both.uncertainty!.data[q]).toBeCloseTo(Math.abs(ma - mb) / Math.SQRT2, 5);
    }
  });

  it('soft consistency lets noisy data go in proportion to σ; hard keeps it', async () => {
    const { input } = problem((ky) => ky % 2 === 0 || Math.abs(ky - 16) < 3);
    const resid = async (o: object) => {
      const r = await reconDiffusionWith(model, input, { steps: 8, seed: 2, ...o });
      const X = fft2cBatch(r.complex!.data, 1, N, N, false);
      let e = 0, ref = 0;
      for (let p = 0; p < N * N; p++) if (input.mask.data[p]) { e += (X[2 * p]! - input.kspace.data[2 * p]!) ** 2 + (X[2 * p + 1]! - input.kspace.data[2 * p + 1]!) ** 2; ref += input.kspace.data[2 * p]! ** 2 + input.kspace.data[2 * p + 1]! ** 2; }
      return { rel: Math.sqrt(e / ref), notes: r.notes.join(' ') };
    };
    const hard = await resid({ dc: 'hard' });
    const small = await resid({ dc: 'soft', noise: 0.003 });
    const large = await resid({ dc: 'soft', noise: 0.05 });
    expect(hard.rel).toBeLessThan(1e-5);
    expect(small.rel).toBeGreaterThan(1e-4);
    expect(large.rel).toBeGreaterThan(2 * small.rel);
    expect(small.notes).toMatch(/soft consistency, k-space noise σ = 0\.00300/);
    const est = await resid({ dc: 'soft' });
    expect(est.notes).toMatch(/estimated from the outer/);
  });

  it('multi-coil: CG consistency with the SENSE operator recovers fully sampled data', async () => {
    const { image } = problem(() => true, 3);
    const coils = 2, n = N * N;
    const sens = new Float32Array(2 * coils * n);
    for (let p = 0; p < n; p++) {
      const w = 0.3 + 0.4 * ((p % N) / N); // smooth, |S1|^2 + |S2|^2 = 1
      sens[2 * p] = Math.sqrt(w); sens[2 * (n + p) + 1] = Math.sqrt(1 - w);
    }
    const coilImgs = new Float32Array(2 * coils * n);
    for (let c = 0; c < coils; c++) for (let p = 0; p < n; p++) {
      const sr = sens[2 * (c * n + p)]!, si = sens[2 * (c * n + p) + 1]!, xr = image[2 * p]!, xi = image[2 * p + 1]!;
      coilImgs[2 * (c * n + p)] = sr * xr - si * xi; coilImgs[2 * (c * n + p) + 1] = sr * xi + si * xr;
    }
    const input: ReconInput = {
      kspace: ctensor([1, coils, N, N], fft2cBatch(coilImgs, coils, N, N, false)),
      mask: { shape: [N, N], data: new Float32Array(n).fill(1) },
      sens: ctensor([1, coils, N, N], sens),
    };
    const r = await reconDiffusionWith(model, input, { steps: 5, cgIters: 5, clip: 0 });
    expect(relErr(r.complex!.data, image)).toBeLessThan(1e-3);
  });

  it('the manifest\'s searched schedule is used for its step count; a bad manifest schedule is refused on opening', async () => {
    expect(model.schedules.get(5)).toEqual([999, 700, 400, 100, 0]);
    const { input } = problem((ky) => ky % 2 === 0);
    const r = await reconDiffusionWith(model, input, { steps: 5 });
    expect(r.options).toMatchObject({ timesteps: [999, 700, 400, 100, 0], scheduleSource: 'searched' });
    const u = await reconDiffusionWith(model, input, { steps: 10 });
    expect(r.notes.join(' ')).toMatch(/5 DDIM steps \(searched\)/);
    expect(u.options.scheduleSource).toMatch(/uniform \(no searched schedule/);
    for (const [bad, re] of [[{ '5': [0, 400, 700, 900, 999] }, /strictly descending/], [{ '5': [999, 500, 0] }, /has 3 timesteps/], [{ '3': [1200, 500, 0] }, /not an integer timestep in 0\.\.999/]] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'recon-diffusion-bad-'));
      cpSync(join(root, 'gauss'), join(dir, 'gauss'), { recursive: true });
      const man = JSON.parse(readFileSync(join(dir, 'gauss', 'manifest.json'), 'utf8'));
      writeFileSync(join(dir, 'gauss', 'manifest.json'), JSON.stringify({ ...man, schedules: bad }));
      await expect(openDiffusionModel('gauss', { modelsDir: dir, providers: ['cpu'] })).rejects.toThrow(re);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a model of another architecture is refused by name', async () => {
    await expect(openDiffusionModel('gauss-classifier', { modelsDir: root, providers: ['cpu'] })).rejects.toThrow(/diffusion-classifier model, not a diffusion prior/);
  });

  it('cancellation between steps, NaN k-space and unknown classes are refused clearly', async () => {
    const { input } = problem((ky) => ky % 2 === 0);
    const ac = new AbortController();
    await expect(reconDiffusionWith(model, input, { steps: 50 }, { signal: ac.signal, onProgress: (p) => { if (p.iteration === 3) ac.abort(); } })).rejects.toThrow(/cancelled/);
    const bad = { ...input, kspace: ctensor([1, 1, N, N], input.kspace.data.slice()) };
    bad.kspace.data[10] = NaN;
    await expect(reconDiffusionWith(model, bad, { steps: 5 })).rejects.toThrow(/NaN/);
    await expect(reconDiffusionWith(model, input, { steps: 5, guidance: 'cfg', class: 'oblique' })).rejects.toThrow(/class "oblique"/);
    await expect(reconDiffusionWith(model, input, { steps: 3 })).rejects.toThrow(/steps must be/);
  });
});

describe.skipIf(!existsSync('resources/models/diffusion-smoke/manifest.json'))('the shipped smoke prior', () => {
  it('runs end to end through the method, and a non-diffusion model is refused by name', async () => {
    const { input } = problem((ky) => ky % 4 === 0 || Math.abs(ky - 16) < 3);
    const r = await reconDiffusion(input, { model: 'diffusion-smoke', steps: 5, samples: 2, guidance: 'gfcg', provider: 'cpu' });
    expect(r.image.data.every(Number.isFinite)).toBe(true);
    expect(r.uncertainty!.shape).toEqual([1, N, N]);
    expect(r.notes.join(' ')).toMatch(/no measured quality/);
    await expect(reconDiffusion(input, { model: 'unet-smoke', steps: 5 })).rejects.toThrow(/not a diffusion prior/);
  }, 60_000);
});
