import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ctensor, rtensor } from '../../array';
import { fft2cBatch } from '../../fft';
import { checkGolden } from '../../learned/golden';
import { havePythonOnnx } from '../../learned/tiny-model.fixture';
import { makeGaussianPrior } from './analytic-model.fixture';
import { cfgCombine, gfcgChoice, softmax } from './guidance';
import { openDiffusionModel, type DiffusionModel } from './model';
import { pickSchedule, reconDiffusion, reconDiffusionWith, diffusionDefaults } from './sampler';
import { uniformSchedule, validateSchedule, ddimSigma } from './schedule';
import { kspaceConsistency, softWeight } from './consistency';
import type { ReconInput } from '../types';

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

describe('schedules', () => {
  it('uniform spacing runs from T-1 down to 0, strictly descending', () => {
    expect(uniformSchedule(1000, 5)).toEqual([999, 749, 500, 250, 0]);
    const s = uniformSchedule(1000, 20);
    expect(s).toHaveLength(20);
    expect(s[0]).toBe(999);
    expect(s.at(-1)).toBe(0);
    for (let i = 1; i < s.length; i++) expect(s[i]!).toBeLessThan(s[i - 1]!);
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
  beforeAll(async () => {
    const made = makeGaussianPrior(0.04, 0.5);
    root = made.root;
    W = made.W;
    model = await openDiffusionModel('gauss', { modelsDir: root, providers: ['cpu'] });
  }, 60_000);

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
    const a = await reconDiffusionWith(model, input, { steps: 8, samples: 3, seed: 7 }, { onProgress: (p) => progress.push(p.fraction) });
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

  it('guidance changes the result; CFG batches the conditional/unconditional pair in one call; GFCG reads the classifier', async () => {
    const { input } = problem((ky) => ky % 4 === 0 || Math.abs(ky - 16) < 2);
    const calls: number[] = [];
    const spy: DiffusionModel = { ...model, eps: (x, n, py, px, t, cls) => { calls.push(n); return model.eps(x, n, py, px, t, cls); } };
    const none = await reconDiffusionWith(spy, input, { steps: 5, seed: 1 });
    expect(calls.every((n) => n === 1)).toBe(true);
    calls.length = 0;
    const cfg = await reconDiffusionWith(spy, input, { steps: 5, seed: 1, guidance: 'cfg', guidanceScale: 3, class: 'sagittal' });
    expect(calls).toEqual([2, 2, 2, 2, 2]);
    expect(Array.from(cfg.image.data)).not.toEqual(Array.from(none.image.data));
    const gf = await reconDiffusionWith(model, input, { steps: 5, seed: 1, guidance: 'gfcg', guidanceScale: 3 });
    expect(gf.notes.join(' ')).toMatch(/classifier reads the zero-filled image as/);
    expect(gf.options.classifierSha256).toMatch(/^[0-9a-f]{64}$/);
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
