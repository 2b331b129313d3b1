/**
 * CIRIM (cascades of independently recurrent inference machines, Karkalousos
 * et al. 2022) run from a shipped ONNX model, one cascade per ONNX call:
 * between calls the method reports progress with a magnitude preview, records
 * history (data-consistency residual per cascade) and honours cancellation.
 *
 * Inputs are prepared as the model's manifest declares (learned/cascade-model):
 * the zero-filled SENSE estimate A^H y as the first estimate, the normalisation,
 * centred orthonormal DFT matrices for H and W, and coil maps (single coil: one
 * map of ones; multi-coil needs input.sens). Model name, SHA-256 and the
 * execution provider are recorded for provenance.
 *
 * The ONNX machinery needs Node, so it is imported lazily: this module stays
 * free of node:* for anything that only lists methods.
 */
import { axpy, ctensor, norm2, rtensor, scale as scaleBy, type RTensor } from '../array';
import { fft2cBatch } from '../fft';
import { senseOp } from '../linop';
import { cgSolve, normalOperator, refineToDiscrepancy } from '../solvers/cg';
import type { Normalisation } from '../learned/cascade-model';
import { bartScale } from './cs';
import type { LearnedModelOptions, LearnedProgress, ReconContext, ReconInput, ReconMethod, ReconResult } from './types';
import { modelOpenOptions, throwIfCancelled, validateInput } from './types';
import { learnedOptionFields, refineOptionFields } from './describe';

export interface CirimOptions extends LearnedModelOptions {
  /**
   * Data-consistency refinement after the last cascade: at most this many CGLS
   * iterations on min ||A x − y||² started from the model's output, stopped by
   * the discrepancy principle at the k-space noise level (solvers/cg.ts
   * refineToDiscrepancy). 0 (default) = the model's output as it is.
   */
  refine?: number;
  /**
   * k-space noise SD per real/imaginary component, in the input's units, for
   * `refine`: 0 declares the data noiseless; omitted or negative, the input's own
   * (input.noiseStd, known for simulated acquisitions). refine > 0 without
   * either is refused: fitting noisy data to convergence amplifies the noise.
   */
  noiseStd?: number;
  /**
   * Noise-aware data consistency for models with a proximal DC step between
   * cascades (manifest cascadeDc): with a known k-space noise SD σ (noiseStd,
   * else the input's own), cascade c uses μ_c + gain · (σ / s)² instead of the
   * learned μ_c (s = the slice's normalisation scale). The MAP reading of
   * argmin ‖Ax − y‖² + μ‖x − x_c‖² is μ = σ² / τ² with τ the per-pixel spread of
   * the cascade's error, so gain = 1 / τ²; the learned μ_c came from noiseless
   * training (σ = 0). 0 = the learned μ as trained; negative or omitted = the
   * model's own (manifest cascadeDc.noiseGain, the gain it was trained with),
   * else DC_NOISE_GAIN. Noiseless or unknown noise: no change.
   */
  dcNoiseGain?: number;
}

/**
 * The default dcNoiseGain, chosen on a TRAINING subject (Colin27, 18 slices,
 * models/eval/colin27-dc-noise-gain-snr{20,40}.md, gains 0, 300, 1000, 3000,
 * 10000 on cirim-fast v3). With the learned μ (gain 0) v3, trained noiseless
 * with μ 0.0007 after its first cascade, fell at SNR 20 to SSIM 0.630 at
 * 8-coil 4× (models/eval/colin27-fast-v2-v3-snr20.md; v2 0.855); gain 300 and up
 * gave 0.80-0.81. Over the 12 rows of SNR 20 and 40 the mean SSIM is flat from
 * 1000 up (0.8094-0.8098, gain 0: 0.7796) and the mean PSNR highest at 1000
 * (27.76 dB): the smallest gain within 0.001 of the best mean SSIM, since a
 * larger one also switches the data step off at lower noise levels.
 */
export const DC_NOISE_GAIN = 1000;

export const cirimDefaults: CirimOptions = { model: 'cirim-smoke', refine: 0, dcNoiseGain: -1 };

/**
 * Morozov's safety factor: refinement stops once the data misfit is within this
 * multiple of the expected noise energy (2 σ² per measured complex sample).
 * Chosen on a TRAINING subject (Colin27, models/refine_tuning.py ->
 * models/eval/refine-tuning.jsonl): with τ ≤ 2 even SNR 80-200 data got one or
 * two CGLS steps, each re-injecting noise into the denoised estimate
 * (−0.01 to −0.03 SSIM); with 4 only SNR 200 did.
 */
export const REFINE_TAU = 4;
export const MAX_REFINE = 500;

/** The noise SD refinement uses, or an error when it cannot know it. */
export function refineNoise(opts: Pick<CirimOptions, 'refine' | 'noiseStd'>, input: Pick<ReconInput, 'noiseStd'>, method = 'cirim'): number {
  const refine = opts.refine ?? 0;
  if (!(Number.isInteger(refine) && refine >= 0 && refine <= MAX_REFINE)) throw new RangeError(`${method}: refine must be an integer in 0..${MAX_REFINE}, got ${opts.refine}`);
  if (opts.noiseStd !== undefined && !Number.isFinite(opts.noiseStd)) throw new RangeError(`${method}: noiseStd must be a finite number (>= 0, or negative for the input's own), got ${opts.noiseStd}`);
  const sigma = opts.noiseStd !== undefined && opts.noiseStd >= 0 ? opts.noiseStd : input.noiseStd;
  if (refine > 0 && sigma === undefined) {
    throw new RangeError(`${method}: refine needs the k-space noise level: give noiseStd (--noise-std; 0 = noiseless data). Simulated acquisitions carry their own`);
  }
  return sigma ?? 0;
}

export type CirimProgress = LearnedProgress;

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

export async function reconCirim(input: ReconInput, options: Partial<CirimOptions> = {}, ctx: ReconContext = {}): Promise<ReconResult> {
  const opts: CirimOptions = { ...cirimDefaults, ...options };
  const { slices, coils, ny, nx } = validateInput(input);
  const sigma = refineNoise(opts, input);
  const refine = opts.refine ?? 0;
  if (opts.dcNoiseGain !== undefined && !Number.isFinite(opts.dcNoiseGain)) throw new RangeError(`cirim: dcNoiseGain must be a finite number (>= 0, or negative for the model's own), got ${opts.dcNoiseGain}`);
  const muUsed: number[][] = [];
  // Expected noise energy ||n||² of the measured samples, input units: 2 σ² per measured complex sample.
  const noiseEnergy = refine > 0 && sigma > 0 ? 2 * sigma * sigma * coils * sampledCount(input.mask.data) : 0;
  const refineIterations: number[] = [];
  if (coils > 1 && !input.sens) throw new RangeError(`cirim: ${coils}-coil k-space needs coil sensitivity maps (input.sens); estimate them first`);
  const learned = await import('../learned/cascade-model');
  const { centeredDftMatrix, splitComplex } = await import('../learned/dft-matrix');
  const { ort } = await import('../learned/session');
  const model = await learned.openCascadeModel(opts.model, modelOpenOptions(opts));
  const { spec, session } = model;
  const stepwise = spec.unit === 'time-step';
  const dcNoiseGain = opts.dcNoiseGain !== undefined && opts.dcNoiseGain >= 0 ? opts.dcNoiseGain : spec.cascadeDc?.noiseGain ?? DC_NOISE_GAIN;
  if (coils > 1 && !stepwise && !spec.inputs.sens) throw new RangeError(`cirim: model ${opts.model} is single-coil (no coil-map input) but the k-space has ${coils} coils`);
  const dims = { coils, ny, nx };
  const plane = ny * nx;
  const K = spec.cascades;
  // time-step models: one call per recurrent step, the engine supplying the gradient.
  const T = stepwise ? spec.timeSteps! : 1;

  // Per-size constants, shared by every slice (cascade models: DFT matrices and the mask).
  const constFeeds: Record<string, InstanceType<typeof ort.Tensor>> = stepwise ? {} : {
    ...learned.dftFeeds(model, spec.inputs.dftH!, centeredDftMatrix(ny), dims, splitComplex),
    ...learned.dftFeeds(model, spec.inputs.dftW!, centeredDftMatrix(nx), dims, splitComplex),
    ...(spec.inputs.dftHInverse ? learned.dftFeeds(model, spec.inputs.dftHInverse, centeredDftMatrix(ny, true), dims, splitComplex) : {}),
    ...(spec.inputs.dftWInverse ? learned.dftFeeds(model, spec.inputs.dftWInverse, centeredDftMatrix(nx, true), dims, splitComplex) : {}),
    [spec.inputs.mask!]: learned.maskFeed(model, input.mask.data, dims),
  };

  const image = rtensor([slices, ny, nx]);
  const complex = ctensor([slices, ny, nx]);
  const history: ReconResult['history'] = [];
  const scales: number[] = [];
  const work = new Float32Array(2 * coils * plane);
  // Output buffers for the model's estimate and states, allocated once, so ONNX Runtime
  // writes into them instead of allocating its own outputs in every call (a raw-session
  // test at 256x256 ran 2-4 ms per step faster; onnxruntime-node still returns copies).
  const outputBuffers = () => Object.fromEntries([spec.outputs.estimate, ...spec.state.map((st) => st.output)].map((nm) => [nm, learned.zerosFeed(model, nm, dims)]));
  const fetches = [outputBuffers(), outputBuffers()];
  const t0 = performance.now();

  for (let s = 0; s < slices; s++) {
    throwIfCancelled(ctx.signal);
    const { y, S, x0, scale, yNorm } = prepareSlice(input, s, coils, ny, nx, model.normalisation, work);
    scales.push(scale);

    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = { ...constFeeds };
    if (spec.inputs.kspace) feeds[spec.inputs.kspace] = learned.feed(model, spec.inputs.kspace, y, dims);
    if (spec.inputs.sens) feeds[spec.inputs.sens] = learned.feed(model, spec.inputs.sens, S, dims);
    // grad = A^H(A x − y) = A^H A x − A^H y with A = M F S; A^H y is prepareSlice's x0 (read, never written).
    const cgInit = spec.init === 'cg-sense' && coils > 1;
    const A = stepwise || cgInit || refine > 0 || spec.cascadeDc ? senseOp(S, input.mask.data, coils, ny, nx) : undefined;
    const normal = A && stepwise ? normalOperator(A) : undefined;
    // The cg-sense start: cgSolve from 0 with models/recon_models/cirim.py cg_sense's damping and 1e-6 relative stop.
    let x = spec.init === 'zeros' ? new Float32Array(2 * plane) : cgInit ? cgSolve(normalOperator(A!, spec.initLambda ?? 0), x0, new Float32Array(x0.length), spec.initIters!, 1e-6) : x0;
    for (const st of spec.state) feeds[st.input] = learned.zerosFeed(model, st.input, dims);
    let parity = 0;
    const muSlice = spec.cascadeDc ? spec.cascadeDc.mu.map((m) => m + dcNoiseGain * (sigma / scale) ** 2) : [];
    if (spec.cascadeDc) muUsed.push(muSlice);
    for (let i = 0; i < K; i++) {
      throwIfCancelled(ctx.signal);
      if (spec.inputs.cascade) {
        const shape = learned.bindShape(model.specOf(spec.inputs.cascade), dims, model.loaded.manifestPath);
        feeds[spec.inputs.cascade] = new ort.Tensor('int64', new BigInt64Array(Math.max(1, shape.reduce((a, b) => a * b, 1))).fill(BigInt(i)), shape);
      }
      for (let t = 0; t < T; t++) {
        feeds[spec.inputs.estimate] = learned.feed(model, spec.inputs.estimate, x, dims);
        if (stepwise && normal) {
          const g = normal(x);
          axpy(-1, x0, g);
          feeds[spec.inputs.gradient!] = learned.feed(model, spec.inputs.gradient!, g, dims);
        }
        // Outputs go to preallocated buffers, two sets used in turn so a call never writes
        // the estimate or state it reads; the returned tensors are used (a provider may copy).
        const out = await session.run(feeds, fetches[parity]!);
        parity ^= 1;
        const est = out[spec.outputs.estimate];
        if (!est || est.data.length !== 2 * plane) throw new Error(`cirim: model ${opts.model} returned ${est ? est.data.length : 'no'} values for "${spec.outputs.estimate}", expected ${2 * plane}`);
        x = est.data as Float32Array;
        for (const st of spec.state) {
          const next = out[st.output];
          if (!next) throw new Error(`cirim: model ${opts.model} returned no state output "${st.output}"`);
          feeds[st.input] = next;
        }
      }
      if (spec.cascadeDc) {
        const mu = muSlice[i]!;
        x = coils === 1 && !input.sens ? proxDcSingleCoil(y, input.mask.data, x, mu, ny, nx) : proxDc(A!, x0, x, mu, spec.cascadeDc.iterations);
      }
      const residual = dcResidual(x, S, y, input.mask.data, coils, ny, nx, work) / yNorm;
      const row = { slice: s, iteration: i + 1, residual, elapsedMs: performance.now() - t0 };
      history.push(row);
      ctx.onHistory?.([row]);
      const preview = rtensor([1, ny, nx]);
      magnitudeInto(x, scale, preview.data);
      const progress: CirimProgress = { fraction: (s * K + i + 1) / (slices * K), message: `CIRIM slice ${s + 1}/${slices}, cascade ${i + 1}/${K}`, slice: s, iteration: i + 1, preview };
      ctx.onProgress?.(progress);
      ctx.onPreview?.(s, preview.data, ny, nx);
      await tick(); // let a cancel request or a UI in between cascades
    }
    if (refine > 0) {
      throwIfCancelled(ctx.signal);
      // y lives in units of 1 / scale.
      const r = refineToDiscrepancy(A!, y, x, { maxIters: refine, target: (REFINE_TAU * noiseEnergy) / (scale * scale) });
      x = r.x;
      refineIterations.push(r.iterations);
      const row = { slice: s, iteration: K + 1, residual: Math.sqrt(r.residual) / yNorm, elapsedMs: performance.now() - t0 };
      history.push(row);
      ctx.onHistory?.([row]);
    }
    const out = scaleBy(x, scale, complex.data.subarray(2 * s * plane, 2 * (s + 1) * plane));
    magnitudeInto(out, 1, image.data.subarray(s * plane, (s + 1) * plane));
  }
  const m = model.loaded;
  const notes = [
    `CIRIM model ${m.manifest.name} v${m.manifest.version} (sha256 ${m.sha256.slice(0, 12)}…), ${K} cascades${stepwise ? ` × ${T} time steps, one call per step (gradients from the engine's FFT)` : ''} on ${model.provider.toUpperCase()}`,
    ...model.notes,
    coils === 1 && !input.sens ? 'single coil: coil map of ones' : `${coils} coils with the given sensitivity maps`,
    ...(refine > 0 ? [refineNote(refine, sigma, refineIterations)] : []),
    ...(refine > 0 && coils === 1 ? ['single coil: the refinement is a projection onto the measured k-space; on the held-out subject it cost 0.05-0.19 SSIM for at most 0.2 dB (models/MODEL_CARD.md)'] : []),
    ...(spec.cascadeDc ? [`after each cascade: ${spec.cascadeDc.iterations} CG iterations of proximal data consistency, μ = ${spec.cascadeDc.mu.map((m) => m.toPrecision(3)).join(', ')} (learned)`] : []),
    ...(spec.cascadeDc && sigma > 0 && dcNoiseGain > 0 ? [`noise-aware data consistency: μ raised by ${dcNoiseGain} × (k-space noise SD ${sigma.toPrecision(3)} / scale)², to ${muRange(muUsed)}`] : []),
    ...(spec.init === 'cg-sense' ? [coils > 1 ? `first estimate: ${spec.initIters} CG-SENSE iterations${spec.initLambda ? ` with Tikhonov weight ${spec.initLambda}` : ''} (as the model was trained)` : 'first estimate: the zero-filled image (CG-SENSE\'s exact answer with one coil)'] : []),
  ];
  // A model without measured quality (the shipped smoke model) exists to test the
  // pipeline; say so wherever the result is shown or exported.
  if (m.manifest.metrics == null) {
    notes.push(`model ${m.manifest.name} has no measured quality (untrained/smoke model): this image is not a meaningful reconstruction`);
  }
  return {
    image,
    complex,
    history,
    method: 'cirim',
    options: { ...opts, modelName: m.manifest.name, modelVersion: m.manifest.version, modelSha256: m.sha256, provider: model.provider, cascades: K, unit: spec.unit, normalisation: model.normalisation, scales,
      ...(refine > 0 ? { noiseStdUsed: sigma, refineTau: REFINE_TAU, refineIterations } : {}),
      ...(spec.cascadeDc ? { dcNoiseGain, dcNoiseStd: sigma, dcMu: muUsed } : {}) },
    notes,
  };
}

/*
 * The per-pixel loops live in these small synchronous functions, not inline in
 * the async reconCirim: V8 kept re-entering the big async function's loops
 * unoptimised (the gradient's 131k-element subtraction alone cost 15 ms per
 * time step at 256x256, measured, against 0.3 ms here), which was a third of
 * a 2-cascade model's time.
 */

/**
 * argmin ||A x − y||² + mu ||x − xc||²: CG on (A^H A + mu I) x = A^H y + mu xc from xc,
 * the trained number of iterations, stopping early only once the residual is at
 * float32 rounding (1e-6 relative): with one coil A^H A is a projection and CG is
 * exact after two iterations, so the rest would only cost time (≈ 2 FFTs each).
 */
function proxDc(A: ReturnType<typeof senseOp>, aHy: Float32Array, xc: Float32Array, mu: number, iters: number): Float32Array {
  const b = new Float32Array(aHy.length);
  for (let i = 0; i < b.length; i++) b[i] = aHy[i]! + mu * xc[i]!;
  return cgSolve(normalOperator(A, mu), b, xc.slice(), iters, 1e-6);
}

/**
 * proxDc's answer in closed form for one coil with a map of ones: A = M F, so
 * A^H A + mu I = F^H (M² + mu) F is diagonal in k-space and
 * x = F^-1 [(M y + mu F xc) / (M² + mu)] (y is already masked): two FFTs.
 * Measured with bench/learned/ab.ts on the 256x256 single-coil bench slice
 * (2 cascades, 10 iterations each): the CG path made the model 8% slower
 * (300 vs 278 ms, near the 300 ms target), the closed form costs nothing
 * measurable (262 vs 264 ms).
 */
function proxDcSingleCoil(y: Float32Array, mask: Float32Array, xc: Float32Array, mu: number, ny: number, nx: number): Float32Array {
  const k = fft2cBatch(xc, 1, ny, nx, false);
  for (let p = 0; p < ny * nx; p++) {
    const m = mask[p]!, d = m * m + mu;
    k[2 * p] = (m * y[2 * p]! + mu * k[2 * p]!) / d;
    k[2 * p + 1] = (m * y[2 * p + 1]! + mu * k[2 * p + 1]!) / d;
  }
  return fft2cBatch(k, 1, ny, nx, true);
}

/** One slice's masked k-space y / s, coil maps, zero-filled SENSE estimate A^H y / s, the scale s and ||y / s||. */
function prepareSlice(input: ReconInput, s: number, coils: number, ny: number, nx: number, normalisation: Normalisation, work: Float32Array) {
  const plane = ny * nx;
  const y = new Float32Array(2 * coils * plane);
  const k = input.kspace.data.subarray(2 * s * coils * plane, 2 * (s + 1) * coils * plane);
  const mask = input.mask.data;
  for (let c = 0; c < coils; c++)
    for (let p = 0; p < plane; p++) {
      const o = 2 * (c * plane + p), m = mask[p]!;
      y[o] = m * k[o]!;
      y[o + 1] = m * k[o + 1]!;
    }
  const S = input.sens ? input.sens.data.slice(2 * s * coils * plane, 2 * (s + 1) * coils * plane) : onesMap(plane);
  // A^H y = sum_c conj(S_c) F^-1 y_c: the zero-filled SENSE estimate.
  fft2cBatch(y, coils, ny, nx, true, work);
  const x0 = new Float32Array(2 * plane);
  for (let c = 0; c < coils; c++)
    for (let p = 0; p < plane; p++) {
      const o = 2 * (c * plane + p), sr = S[o]!, si = S[o + 1]!, wr = work[o]!, wi = work[o + 1]!;
      x0[2 * p]! += sr * wr + si * wi;
      x0[2 * p + 1]! += sr * wi - si * wr;
    }
  let scale = 1;
  if (normalisation === 'bart-scale') {
    const rss = new Float32Array(plane);
    for (let c = 0; c < coils; c++) for (let p = 0; p < plane; p++) rss[p]! += work[2 * (c * plane + p)]! ** 2 + work[2 * (c * plane + p) + 1]! ** 2;
    for (let p = 0; p < plane; p++) rss[p] = Math.sqrt(rss[p]!);
    scale = bartScale(rss);
  } else if (normalisation === 'max-abs-zero-filled') {
    let m = 0;
    for (let p = 0; p < plane; p++) m = Math.max(m, Math.hypot(x0[2 * p]!, x0[2 * p + 1]!));
    scale = m > 0 ? m : 1;
  }
  scaleBy(y, 1 / scale, y);
  scaleBy(x0, 1 / scale, x0);
  return { y, S, x0, scale, yNorm: Math.sqrt(norm2(y)) || 1 };
}

function sampledCount(mask: Float32Array): number {
  let n = 0;
  for (let p = 0; p < mask.length; p++) if (mask[p]) n++;
  return n;
}

/** 'lo–hi' of the values, one value where they all agree, `empty` for none. */
function rangeText(values: number[], fmt: (v: number) => string = String, empty = ''): string {
  if (!values.length) return empty;
  const lo = Math.min(...values), hi = Math.max(...values);
  return lo === hi ? fmt(lo) : `${fmt(lo)}–${fmt(hi)}`;
}

/** Per cascade, the range of μ over the slices: 'a–b, c–d'. */
function muRange(mu: number[][]): string {
  return (mu[0] ?? []).map((_, c) => rangeText(mu.map((row) => row[c]!), (v) => v.toPrecision(3))).join(', ');
}

function refineNote(refine: number, sigma: number, its: number[]): string {
  const range = rangeText(its, String, '0');
  const why = sigma > 0 ? `stopped at ${REFINE_TAU} x the noise energy (k-space noise SD ${sigma.toPrecision(3)})` : 'noiseless data: no discrepancy stop';
  return `data-consistency refinement: ${range} CGLS iteration(s) per slice from the model's output (at most ${refine}; ${why})`;
}

/** out[p] = alpha |x[p]| for an interleaved complex x (sqrt rather than Math.hypot: float32 values squared cannot overflow a double). */
function magnitudeInto(x: Float32Array, alpha: number, out: Float32Array): void {
  for (let p = 0; p < out.length; p++) {
    const re = x[2 * p]!, im = x[2 * p + 1]!;
    out[p] = alpha * Math.sqrt(re * re + im * im);
  }
}

function onesMap(plane: number): Float32Array {
  const s = new Float32Array(2 * plane);
  for (let p = 0; p < plane; p++) s[2 * p] = 1;
  return s;
}

/** || M F(S x) - y || over all coils, for the history. */
function dcResidual(x: Float32Array, S: Float32Array, y: Float32Array, mask: Float32Array, coils: number, ny: number, nx: number, work: Float32Array): number {
  const plane = ny * nx;
  for (let c = 0; c < coils; c++)
    for (let p = 0; p < plane; p++) {
      const o = 2 * (c * plane + p), sr = S[o]!, si = S[o + 1]!, xr = x[2 * p]!, xi = x[2 * p + 1]!;
      work[o] = sr * xr - si * xi;
      work[o + 1] = sr * xi + si * xr;
    }
  fft2cBatch(work, coils, ny, nx, false, work);
  let acc = 0;
  for (let c = 0; c < coils; c++)
    for (let p = 0; p < plane; p++) {
      if (!mask[p]) continue;
      const o = 2 * (c * plane + p);
      acc += (work[o]! - y[o]!) ** 2 + (work[o + 1]! - y[o + 1]!) ** 2;
    }
  return Math.sqrt(acc);
}

export const cirim: ReconMethod<CirimOptions> = {
  id: 'cirim',
  label: 'CIRIM (learned)',
  description: 'Cascades of independently recurrent inference machines, run from a shipped ONNX model one cascade at a time.',
  defaults: cirimDefaults,
  family: 'learned',
  optionFields: [...learnedOptionFields('cirim-smoke'), ...refineOptionFields, {
    key: 'dcNoiseGain', label: 'Noise-aware data consistency', type: 'number', default: -1, min: -1, max: 1e6, step: 100, advanced: true,
    help: `Models with a data-consistency step between cascades: with a known k-space noise SD (the data's own, or the noise SD above), each step's weight μ grows by this × (SD / scale)², so noise is not fitted. −1 = the model's own (the gain it was trained with, else ${DC_NOISE_GAIN}); 0 = the learned μ only.`,
  }],
  presets: [],
  run: reconCirim,
};
