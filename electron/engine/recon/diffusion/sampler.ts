/**
 * Guided diffusion reconstruction: DDIM (Song et al. 2021) over a K-step
 * schedule with data consistency on the Tweedie estimate x̂0 at every step,
 * optional classifier-free or gradient-free classifier guidance, and N seeded
 * samples whose per-pixel standard deviation is the uncertainty map.
 *
 * One step t -> t' (ᾱ from the manifest):
 *   ε̂  = guided ε(x_t, t)                           (one batched ONNX call)
 *   x̂0 = (x_t − √(1−ᾱ_t) ε̂) / √ᾱ_t, then made data-consistent (consistency.ts)
 *   ε' = (x_t − √ᾱ_t x̂0) / √(1−ᾱ_t)                 (the noise that x̂0 implies)
 *   x_t' = √ᾱ_t' x̂0 + √(1−ᾱ_t'−σ²) ε' + σ z,  σ = DDIM's σ_t(η)
 * and after the last step the result is the consistent x̂0 (never a noisy x_t).
 *
 * The state lives on the padded canvas the model needs (padMultiple, centred);
 * consistency acts on the image's own ny x nx window. Normalisation as the
 * other learned methods: k-space / s, s = bartScale(|RSS of the zero-filled
 * coil images|) (recon/cs.ts), the output multiplied back by s.
 */
import { createRng, ctensor, rtensor, type Rng, type RTensor } from '../../array';
import { fft2cBatch } from '../../fft';
import { senseOp } from '../../linop';
import { psnr, ssim2d } from '../../metrics';
import { bartScale } from '../cs';
import type { HistoryEntry, LearnedModelOptions, ReconContext, ReconInput, ReconResult } from '../types';
import { modelOpenOptions, throwIfCancelled, validateInput } from '../types';
import { estimateNoise, kspaceConsistency, senseConsistency, softWeight, type DcMode } from './consistency';
import { cfgCombine, gfcgChoice, gfcgCombine } from './guidance';
import type { DiffusionModel } from './model';
import { alphaBar, ddimSigma, MAX_STEPS, MIN_STEPS, uniformSchedule, validateSchedule } from './schedule';

export type Guidance = 'none' | 'cfg' | 'gfcg';

export interface DiffusionOptions extends LearnedModelOptions {
  /** DDIM steps K (5..100). */
  steps: number;
  /** DDIM stochasticity: 0 deterministic (given the initial noise), 1 DDPM-like. */
  eta: number;
  guidance: Guidance;
  /** CFG weight w (ε_u + w(ε_c − ε_u)), or GFCG's largest scale w_max. */
  guidanceScale: number;
  /** Class name from the manifest, or 'auto' (the classifier's reading of the zero-filled image). */
  class: string;
  /** Number of samples averaged; > 1 also gives the uncertainty (SD) map. */
  samples: number;
  seed: number;
  dc: DcMode;
  /** Soft consistency: k-space noise SD in scaled units; 0 = estimate from the outer k-space. */
  noise: number;
  /** 'searched': the manifest's schedule for K when present, else uniform (with a note). */
  schedule: 'searched' | 'uniform';
  /** Multi-coil consistency: CG iterations per step. */
  cgIters: number;
  /** x̂0 magnitude clip, in multiples of the zero-filled image's maximum (0 = no clipping). */
  clip: number;
  /** Fraction of T to start from: 1 = pure noise; below 1 the chain starts from the initial image diffused to that level (uniform schedule). */
  start: number;
  /**
   * The image the chain starts from when start < 1 (come-closer-diffuse-faster,
   * Chung et al., CVPR 2022, start from a cheap estimate rather than from noise):
   * the zero-filled image, or a compressed-sensing reconstruction (L1-wavelet,
   * FISTA, `initLambda`, `initIters`), so the prior refines CS instead of
   * re-deriving it.
   */
  init: 'zero-filled' | 'cs';
  initLambda: number;
  initIters: number;
  /** Explicit descending timesteps (overrides steps/schedule; the schedule search uses this). */
  timesteps?: number[];
}

export const diffusionDefaults: DiffusionOptions = {
  model: 'diffusion-smoke', steps: 20, eta: 0, guidance: 'none', guidanceScale: 2, class: 'auto', samples: 1, seed: 0,
  dc: 'hard', noise: 0, schedule: 'searched', cgIters: 5, clip: 1.5, start: 1, init: 'zero-filled', initLambda: 0.005, initIters: 30,
};

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

export function checkDiffusionOptions(o: DiffusionOptions): void {
  if (!o.timesteps && !(Number.isInteger(o.steps) && o.steps >= MIN_STEPS && o.steps <= MAX_STEPS)) throw new RangeError(`diffusion: steps must be an integer in ${MIN_STEPS}..${MAX_STEPS}, got ${o.steps}`);
  if (!(o.eta >= 0 && o.eta <= 1)) throw new RangeError(`diffusion: eta must be in 0..1, got ${o.eta}`);
  if (!['none', 'cfg', 'gfcg'].includes(o.guidance)) throw new RangeError(`diffusion: guidance must be none, cfg or gfcg, got "${String(o.guidance)}"`);
  if (!(o.guidanceScale >= 0 && Number.isFinite(o.guidanceScale))) throw new RangeError(`diffusion: guidanceScale must be a finite number >= 0, got ${o.guidanceScale}`);
  if (!(Number.isInteger(o.samples) && o.samples >= 1 && o.samples <= 64)) throw new RangeError(`diffusion: samples must be an integer in 1..64, got ${o.samples}`);
  if (!Number.isFinite(o.seed)) throw new RangeError(`diffusion: seed must be a finite number, got ${o.seed}`);
  if (o.dc !== 'hard' && o.dc !== 'soft') throw new RangeError(`diffusion: dc must be hard or soft, got "${String(o.dc)}"`);
  if (!(o.noise >= 0)) throw new RangeError(`diffusion: noise must be >= 0, got ${o.noise}`);
  if (o.schedule !== 'searched' && o.schedule !== 'uniform') throw new RangeError(`diffusion: schedule must be searched or uniform, got "${String(o.schedule)}"`);
  if (!(o.start > 0 && o.start <= 1)) throw new RangeError(`diffusion: start must be in (0, 1], got ${o.start}`);
  if (o.init !== 'zero-filled' && o.init !== 'cs') throw new RangeError(`diffusion: init must be zero-filled or cs, got "${String(o.init)}"`);
  if (!(o.initLambda >= 0 && Number.isFinite(o.initLambda))) throw new RangeError(`diffusion: initLambda must be a finite number >= 0, got ${o.initLambda}`);
  if (!(Number.isInteger(o.initIters) && o.initIters >= 1 && o.initIters <= 1000)) throw new RangeError(`diffusion: initIters must be an integer in 1..1000, got ${o.initIters}`);
  if (!(o.clip >= 0 && Number.isFinite(o.clip))) throw new RangeError(`diffusion: clip must be a finite number >= 0, got ${o.clip}`);
  if (!(Number.isInteger(o.cgIters) && o.cgIters >= 1)) throw new RangeError(`diffusion: cgIters must be a positive integer, got ${o.cgIters}`);
}

/** The timesteps a run uses and where they came from. */
export function pickSchedule(model: Pick<DiffusionModel, 'T' | 'schedules'>, o: DiffusionOptions): { timesteps: number[]; source: string } {
  if (o.timesteps) return { timesteps: validateSchedule(o.timesteps, model.T, 'timesteps'), source: 'explicit' };
  // Searched schedules were searched for chains that start from noise; a later start is uniform from there.
  const searched = o.schedule === 'searched' && o.start >= 1 ? model.schedules.get(o.steps) : undefined;
  if (searched) return { timesteps: searched, source: 'searched' };
  const why = o.schedule !== 'searched' ? 'uniform' : o.start < 1 ? `uniform from t = ${o.start}·T${model.schedules.has(o.steps) ? ' (searched schedules start from noise)' : ''}` : 'uniform (no searched schedule for this K)';
  return { timesteps: uniformSchedule(model.T, o.steps, o.start), source: why };
}

interface SliceProblem {
  ny: number; nx: number; py: number; px: number; oy: number; ox: number;
  /** Scaled masked k-space [coil][ky][kx]. */
  y: Float32Array;
  /** Scaled zero-filled (SENSE-combined) image [ny][nx]. */
  zf: Float32Array;
  /** Scaled image the chain starts from (zero-filled, or the CS reconstruction with init 'cs'). */
  init: Float32Array;
  scale: number;
  /** x̂0 magnitudes are clipped to this (scaled units): options.clip x the zero-filled maximum. */
  clip: number;
  dc: (x0: Float32Array, abarT: number) => void;
  ref?: Float32Array;
}

function crop(src: Float32Array, p: SliceProblem, out = new Float32Array(2 * p.ny * p.nx)): Float32Array {
  for (let y = 0; y < p.ny; y++) out.set(src.subarray(2 * ((y + p.oy) * p.px + p.ox), 2 * ((y + p.oy) * p.px + p.ox + p.nx)), 2 * y * p.nx);
  return out;
}

function paste(src: Float32Array, p: SliceProblem, dst: Float32Array): void {
  for (let y = 0; y < p.ny; y++) dst.set(src.subarray(2 * y * p.nx, 2 * (y + 1) * p.nx), 2 * ((y + p.oy) * p.px + p.ox));
}

function magnitude(z: Float32Array, scale = 1): Float32Array {
  const m = new Float32Array(z.length >> 1);
  for (let i = 0; i < m.length; i++) m[i] = scale * Math.hypot(z[2 * i]!, z[2 * i + 1]!);
  return m;
}

function argmax(v: ArrayLike<number>, from = 0, n = v.length): number {
  let b = from;
  for (let i = from; i < from + n; i++) if (v[i]! > v[b]!) b = i;
  return b - from;
}

/** Sets up one slice: scaling, zero-filled image, the consistency operator. */
function sliceProblem(input: ReconInput, s: number, coils: number, ny: number, nx: number, pad: number, o: DiffusionOptions, notes: string[], initImage?: Float32Array): SliceProblem {
  const plane = ny * nx;
  const k = input.kspace.data.subarray(2 * s * coils * plane, 2 * (s + 1) * coils * plane);
  const y = new Float32Array(k.length);
  for (let i = 0; i < y.length; i++) y[i] = input.mask.data[(i >> 1) % plane]! * k[i]!;
  const coilImg = fft2cBatch(y, coils, ny, nx, true);
  const rss = new Float32Array(plane);
  for (let c = 0; c < coils; c++) for (let p = 0; p < plane; p++) rss[p]! += coilImg[2 * (c * plane + p)]! ** 2 + coilImg[2 * (c * plane + p) + 1]! ** 2;
  const scale = bartScale(rss.map(Math.sqrt));
  for (let i = 0; i < y.length; i++) y[i]! /= scale;
  const S = input.sens?.data.subarray(2 * s * coils * plane, 2 * (s + 1) * coils * plane);
  const zf = new Float32Array(2 * plane);
  for (let c = 0; c < coils; c++)
    for (let p = 0; p < plane; p++) {
      const q = 2 * (c * plane + p), wr = coilImg[q]! / scale, wi = coilImg[q + 1]! / scale;
      const sr = S ? S[q]! : 1, si = S ? S[q + 1]! : 0;
      zf[2 * p]! += sr * wr + si * wi;
      zf[2 * p + 1]! += sr * wi - si * wr;
    }
  let sigma = 0;
  if (o.dc === 'soft') {
    sigma = o.noise > 0 ? o.noise : estimateNoise(y, input.mask.data, coils, ny, nx);
    if (s === 0) notes.push(`soft consistency, k-space noise σ = ${sigma.toPrecision(3)} (scaled units${o.noise > 0 ? '' : ', estimated from the outer 20% of kx'})`);
  }
  let dc: SliceProblem['dc'];
  if (coils === 1 && !S) {
    dc = (x0, abarT) => { kspaceConsistency(x0, y, input.mask.data, ny, nx, o.dc === 'hard' ? 1 : softWeight(abarT, sigma)); };
  } else {
    const A = senseOp(S ? Float32Array.from(S) : new Float32Array(2 * plane).map((_, i) => (i % 2 === 0 ? 1 : 0)), input.mask.data, coils, ny, nx);
    const aty = A.adjoint(y);
    dc = (x0, abarT) => {
      const v = (1 - abarT) / Math.max(abarT, 1e-12);
      const gamma = o.dc === 'hard' || sigma === 0 ? 1e-4 : (sigma * sigma) / Math.max(v, 1e-12);
      senseConsistency(x0, aty, A, gamma, o.cgIters);
    };
  }
  const py = Math.ceil(ny / pad) * pad, px = Math.ceil(nx / pad) * pad;
  const ref = input.reference?.data.subarray(s * plane, (s + 1) * plane);
  let zfMax = 0;
  for (let q = 0; q < plane; q++) zfMax = Math.max(zfMax, Math.hypot(zf[2 * q]!, zf[2 * q + 1]!));
  const clip = o.clip > 0 ? o.clip * (zfMax > 0 ? zfMax : 1) : Infinity;
  // A CS start comes in the input's units; the chain works on k-space / scale.
  const init = initImage ? initImage.map((v) => v / scale) : zf;
  return { ny, nx, py, px, oy: Math.floor((py - ny) / 2), ox: Math.floor((px - nx) / 2), y, zf, init, scale, clip, dc, ...(ref ? { ref } : {}) };
}

interface SampleHooks {
  signal?: AbortSignal;
  onStep?: (j: number, x0: Float32Array) => void;
}

/*
 * Per-pixel loops of the sampler, kept out of the async functions: V8 ran such
 * loops inside the big async recon functions unoptimised (measured in
 * reconCirim: 15 ms for a 131k-element subtraction that takes 0.3 ms in a
 * small function).
 */

/** out = √ᾱ x + √(1−ᾱ) z, z ~ N(0, 1) from rng. */
function diffuse(x: Float32Array, ab: number, rng: Rng, out: Float32Array): void {
  const a = Math.sqrt(ab), b = Math.sqrt(1 - ab);
  for (let i = 0; i < out.length; i++) out[i] = a * x[i]! + b * rng.normal();
}

/**
 * Tweedie's x̂0 = (x_t − √(1−ᾱ) ε̂) / √ᾱ into out, with |x̂0| clipped to clip: early on
 * (ᾱ_t ~ 1e-4) any error in ε̂ is divided by √ᾱ_t ~ 0.01, and the clip (the usual x̂0
 * thresholding of DDPM samplers) keeps one poor step from throwing the chain far
 * outside the prior's range.
 */
function tweedie(x: Float32Array, eps: Float32Array, a: number, b: number, clip: number, out: Float32Array): void {
  for (let i = 0; i < out.length; i += 2) {
    const re = (x[i]! - b * eps[i]!) / a, im = (x[i + 1]! - b * eps[i + 1]!) / a;
    const m = Math.hypot(re, im);
    const f = m > clip ? clip / m : 1;
    out[i] = re * f;
    out[i + 1] = im * f;
  }
}

/** The DDIM update x_{t−1} = √ᾱ' x̂0 + √(1−ᾱ'−σ²) ε(x_t, x̂0) + σ z. */
function ddimStep(x: Float32Array, x0: Float32Array, a: number, b: number, cPrev: number, cDir: number, sigma: number, rng: Rng): Float32Array {
  const next = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const e = b > 0 ? (x[i]! - a * x0[i]!) / b : 0;
    next[i] = cPrev * x0[i]! + cDir * e + (sigma > 0 ? sigma * rng.normal() : 0);
  }
  return next;
}

/** Adds one sample (scaled by scale) to the running complex sum and magnitude moments. */
function accumulate(x0: Float32Array, scale: number, sum: Float64Array, magSum: Float64Array, magSq: Float64Array): void {
  for (let q = 0; q < magSum.length; q++) {
    const re = x0[2 * q]! * scale, im = x0[2 * q + 1]! * scale, mg = Math.hypot(re, im);
    sum[2 * q]! += re;
    sum[2 * q + 1]! += im;
    magSum[q]! += mg;
    magSq[q]! += mg * mg;
  }
}

/** Mean complex image, mean magnitude and (N > 1) the magnitude's sample SD of N samples. */
function finishMoments(sum: Float64Array, magSum: Float64Array, magSq: Float64Array, N: number, complex: Float32Array, image: Float32Array, sd?: Float32Array): void {
  for (let q = 0; q < magSum.length; q++) {
    const mean = magSum[q]! / N;
    image[q] = mean;
    complex[2 * q] = sum[2 * q]! / N;
    complex[2 * q + 1] = sum[2 * q + 1]! / N;
    if (sd) sd[q] = Math.sqrt(Math.max(0, (magSq[q]! - N * mean * mean) / (N - 1)));
  }
}

/** One sample of one slice; returns the consistent x̂0 [ny][nx] (scaled). */
async function sampleOne(model: DiffusionModel, p: SliceProblem, ts: number[], o: DiffusionOptions, target: number, seed: number, label: string, hooks: SampleHooks): Promise<Float32Array> {
  const n = 2 * p.py * p.px;
  const rng = createRng(seed, label);
  let x: Float32Array = new Float32Array(n);
  // x_t0 = √ᾱ x_init + √(1−ᾱ) z: at t0 = T-1 (√ᾱ ≈ 0.006) this is pure noise, as DDIM starts;
  // a later start keeps the initial image (zero-filled or CS) under less noise (come-closer-diffuse-faster).
  const ab0 = alphaBar(model.abar, ts[0]!);
  const zfCanvas = new Float32Array(n);
  paste(p.init, p, zfCanvas);
  diffuse(zfCanvas, ab0, rng, x);
  const both = new Float32Array(2 * n);
  let x0c: Float32Array = Float32Array.from(p.zf); // current consistent estimate (window), for GFCG's classifier
  const x0 = new Float32Array(n);
  for (let j = 0; j < ts.length; j++) {
    throwIfCancelled(hooks.signal);
    const t = ts[j]!, ab = alphaBar(model.abar, t), abPrev = alphaBar(model.abar, ts[j + 1] ?? -1);
    let eps: Float32Array;
    if (o.guidance === 'none') {
      eps = await model.eps(x, 1, p.py, p.px, t, [model.nullClass]);
    } else {
      both.set(x, 0);
      both.set(x, n);
      if (o.guidance === 'cfg') {
        const e = await model.eps(both, 2, p.py, p.px, t, [target, model.nullClass]);
        eps = cfgCombine(e.subarray(0, n), e.subarray(n), o.guidanceScale);
      } else {
        const canvas = new Float32Array(n);
        paste(x0c, p, canvas);
        const logits = await model.classifier!.logits(canvas, 1, p.py, p.px);
        const g = gfcgChoice(logits, target, t, model.T, o.guidanceScale);
        const e = await model.eps(both, 2, p.py, p.px, t, [target, g.reference]);
        eps = gfcgCombine(e.subarray(0, n), e.subarray(n), g.scale);
      }
    }
    const a = Math.sqrt(ab), b = Math.sqrt(1 - ab);
    tweedie(x, eps, a, b, p.clip, x0);
    x0c = crop(x0, p);
    p.dc(x0c, ab);
    paste(x0c, p, x0);
    hooks.onStep?.(j, x0c);
    if (j === ts.length - 1) break;
    const sigma = ddimSigma(ab, abPrev, o.eta);
    const cPrev = Math.sqrt(abPrev), cDir = Math.sqrt(Math.max(0, 1 - abPrev - sigma * sigma));
    x = ddimStep(x, x0, a, b, cPrev, cDir, sigma, rng);
    await tick();
  }
  return x0c;
}

async function pickClass(model: DiffusionModel, p: SliceProblem, o: DiffusionOptions, notes: string[], s: number): Promise<number> {
  if (o.class !== 'auto') {
    const c = model.classes.indexOf(o.class);
    if (c < 0) throw new RangeError(`diffusion: class "${o.class}" is not one of the model's classes (${model.classes.join(', ')}, or auto)`);
    return c;
  }
  if (!model.classifier) {
    if (s === 0 && o.guidance !== 'none') notes.push(`class auto: model has no classifier, using "${model.classes[0]}"`);
    return 0;
  }
  const canvas = new Float32Array(2 * p.py * p.px);
  paste(p.zf, p, canvas);
  const c = argmax(await model.classifier.logits(canvas, 1, p.py, p.px));
  if (s === 0) notes.push(`class auto: the classifier reads the zero-filled image as "${model.classes[c]}"`);
  return c;
}

/** The reconstruction on an already opened model, so tests and the schedule search reuse one session. */
export async function reconDiffusionWith(model: DiffusionModel, input: ReconInput, options: Partial<DiffusionOptions> = {}, ctx: ReconContext = {}): Promise<ReconResult> {
  const o: DiffusionOptions = { ...diffusionDefaults, ...options };
  checkDiffusionOptions(o);
  const { slices, coils, ny, nx } = validateInput(input);
  if (o.guidance === 'gfcg' && !model.classifier) throw new RangeError(`diffusion: gfcg guidance needs a classifier, and model ${model.loaded.manifest.name} names none (use cfg or none)`);
  const { timesteps, source } = pickSchedule(model, o);
  const notes: string[] = [];
  const m = model.loaded;
  notes.push(`diffusion prior ${m.manifest.name} v${m.manifest.version} (sha256 ${m.sha256.slice(0, 12)}…) on ${model.provider.toUpperCase()}, ${timesteps.length} DDIM steps (${source}), η=${o.eta}, guidance ${o.guidance}${o.guidance === 'none' ? '' : ` (scale ${o.guidanceScale})`}, ${o.samples} sample(s)`);
  // The denoiser and its classifier report the same provider fallbacks: say each once.
  for (const n of model.notes) if (!notes.includes(n)) notes.push(n);
  if (source.startsWith('uniform') && o.start >= 1 && timesteps.length < 10) notes.push(`${timesteps.length} uniform DDIM steps are very coarse: 10 or more are advised unless the model ships a searched schedule for this count`);
  const plane = ny * nx;
  const image = rtensor([slices, ny, nx]);
  const complex = ctensor([slices, ny, nx]);
  const uncertainty = o.samples > 1 ? rtensor([slices, ny, nx]) : undefined;
  const history: HistoryEntry[] = [];
  const classes: string[] = [];
  const total = slices * o.samples * timesteps.length;
  const t0 = performance.now();
  let initImages: Float32Array | undefined;
  if (o.init === 'cs') {
    if (o.start >= 1) notes.push('init cs has no effect with start = 1 (the chain starts from pure noise): set start below 1');
    else {
      const { reconCs } = await import('../cs');
      ctx.onProgress?.({ fraction: 0, message: `diffusion: CS start image (λ ${o.initLambda}, ${o.initIters} iterations)` });
      const csRun = await reconCs(input, { reg: 'wavelet', lambda: o.initLambda, iters: o.initIters, seed: o.seed }, ctx.signal ? { signal: ctx.signal } : {});
      initImages = csRun.complex!.data;
      notes.push(`start: L1-wavelet CS (λ ${o.initLambda}, ${o.initIters} FISTA iterations) diffused to t = ${timesteps[0]} (come-closer-diffuse-faster)`);
    }
  } else if (o.start < 1) notes.push(`start: zero-filled image diffused to t = ${timesteps[0]} (come-closer-diffuse-faster)`);
  for (let s = 0; s < slices; s++) {
    throwIfCancelled(ctx.signal);
    const p = sliceProblem(input, s, coils, ny, nx, model.padMultiple, o, notes, initImages?.subarray(2 * s * plane, 2 * (s + 1) * plane));
    const target = await pickClass(model, p, o, notes, s);
    classes.push(model.classes[target]!);
    const sum = new Float64Array(2 * plane), magSum = new Float64Array(plane), magSq = new Float64Array(plane);
    const dr = p.ref ? p.ref.reduce((a, b) => Math.max(a, b), 0) : 0;
    for (let i = 0; i < o.samples; i++) {
      // Sample i draws from seed + i, so an N-sample run averages exactly the N one-sample runs with seeds seed..seed+N-1.
      const x0 = await sampleOne(model, p, timesteps, o, target, o.seed + i, `diffusion:slice${s}`, {
        signal: ctx.signal,
        onStep: (j, est) => {
          const done = (s * o.samples + i) * timesteps.length + j + 1;
          const mag = magnitude(est, p.scale);
          const row: HistoryEntry = { slice: s, iteration: j + 1, elapsedMs: performance.now() - t0 };
          if (p.ref && i === 0) {
            row.psnr = psnr(p.ref, mag);
            if (j === timesteps.length - 1 || j % 5 === 0) row.ssim = ssim2d(p.ref, mag, ny, nx, dr);
          }
          if (i === 0) {
            history.push(row);
            ctx.onHistory?.([row]);
          }
          ctx.onProgress?.({ fraction: done / total, message: `diffusion slice ${s + 1}/${slices}, sample ${i + 1}/${o.samples}, step ${j + 1}/${timesteps.length} (t=${timesteps[j]})`, slice: s, iteration: j + 1 });
          ctx.onPreview?.(s, mag, ny, nx);
        },
      });
      accumulate(x0, p.scale, sum, magSum, magSq);
    }
    finishMoments(sum, magSum, magSq, o.samples, complex.data.subarray(2 * s * plane, 2 * (s + 1) * plane), image.data.subarray(s * plane, (s + 1) * plane),
      uncertainty?.data.subarray(s * plane, (s + 1) * plane));
  }
  if (uncertainty) notes.push(`uncertainty: per-pixel sample standard deviation of the magnitude over ${o.samples} samples (seeds ${o.seed}..${o.seed + o.samples - 1})`);
  if (m.manifest.metrics == null) notes.push(`model ${m.manifest.name} has no measured quality (untrained/smoke model): this image is not a meaningful reconstruction`);
  return {
    image, complex, ...(uncertainty ? { uncertainty } : {}), history, method: 'diffusion', notes,
    options: { ...o, timesteps, scheduleSource: source, classes, modelName: m.manifest.name, modelVersion: m.manifest.version, modelSha256: m.sha256, provider: model.provider, ...(model.classifier ? { classifierSha256: model.classifier.loaded.sha256 } : {}) },
  };
}

export async function openModelFor(o: Pick<DiffusionOptions, 'model' | 'provider' | 'modelsDir'>): Promise<DiffusionModel> {
  const { openDiffusionModel } = await import('./model');
  return openDiffusionModel(o.model, modelOpenOptions({ model: o.model, ...(o.provider ? { provider: o.provider } : {}), ...(o.modelsDir ? { modelsDir: o.modelsDir } : {}) }));
}

export async function reconDiffusion(input: ReconInput, options: Partial<DiffusionOptions> = {}, ctx: ReconContext = {}): Promise<ReconResult> {
  const o = { ...diffusionDefaults, ...options };
  return reconDiffusionWith(await openModelFor(o), input, o, ctx);
}

/** For the schedule search: the magnitude reconstruction with an explicit list of timesteps. */
export async function reconstructWithSchedule(model: DiffusionModel, input: ReconInput, timesteps: number[], options: Partial<DiffusionOptions> = {}, signal?: AbortSignal): Promise<RTensor> {
  const r = await reconDiffusionWith(model, input, { ...options, timesteps, samples: 1 }, signal ? { signal } : {});
  return r.image;
}
