/**
 * U-Net baseline run from a shipped ONNX model: image to image on the
 * SENSE-combined zero-filled input x0 = sum_c conj(S_c) F^-1 y_c (coil maps
 * from the input; single coil: one map of ones), normalised as the manifest
 * says (bart-scale: k-space divided by bartScale(|RSS of the coil images|),
 * the rule of recon/cs and models/recon_models/data.py). The image is
 * zero-padded (centred) to the model's padMultiple and cropped back. One ONNX
 * call per slice: progress with a preview, and cancellation, between slices.
 * Provenance records the model name, version, SHA-256 and provider.
 *
 * The ONNX machinery needs Node, so it is imported lazily.
 */
import { ctensor, rtensor, type RTensor } from '../array';
import { fft2cBatch } from '../fft';
import { bartScale } from './cs';
import { learnedOptionFields } from './describe';
import type { LearnedModelOptions, LearnedProgress, ReconContext, ReconInput, ReconMethod, ReconResult } from './types';
import { modelOpenOptions, throwIfCancelled, validateInput } from './types';

export type UnetOptions = LearnedModelOptions;

export const unetDefaults: UnetOptions = { model: 'unet-smoke' };

export type UnetProgress = LearnedProgress;

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

export async function reconUnet(input: ReconInput, options: Partial<UnetOptions> = {}, ctx: ReconContext = {}): Promise<ReconResult> {
  const opts: UnetOptions = { ...unetDefaults, ...options };
  const { slices, coils, ny, nx } = validateInput(input);
  if (coils > 1 && !input.sens) throw new RangeError(`unet: ${coils}-coil k-space needs coil sensitivity maps (input.sens) for the SENSE-combined input; estimate them first`);
  const { openImageModel, padTo } = await import('../learned/image-model');
  const { ort } = await import('../learned/session');
  const model = await openImageModel(opts.model, modelOpenOptions(opts));
  const py = padTo(ny, model.padMultiple), px = padTo(nx, model.padMultiple);
  const oy = Math.floor((py - ny) / 2), ox = Math.floor((px - nx) / 2);
  const plane = ny * nx;
  const image = rtensor([slices, ny, nx]);
  const complex = ctensor([slices, ny, nx]);
  const history: ReconResult['history'] = [];
  const scales: number[] = [];
  const work = new Float32Array(2 * coils * plane);
  const t0 = performance.now();

  for (let s = 0; s < slices; s++) {
    throwIfCancelled(ctx.signal);
    const k = input.kspace.data.subarray(2 * s * coils * plane, 2 * (s + 1) * coils * plane);
    for (let i = 0; i < work.length; i++) work[i] = input.mask.data[(i >> 1) % plane]! * k[i]!;
    fft2cBatch(work, coils, ny, nx, true, work);
    const S = input.sens?.data.subarray(2 * s * coils * plane, 2 * (s + 1) * coils * plane);
    const x0 = new Float32Array(2 * plane);
    const rss = new Float32Array(plane);
    for (let c = 0; c < coils; c++)
      for (let p = 0; p < plane; p++) {
        const o = 2 * (c * plane + p), wr = work[o]!, wi = work[o + 1]!;
        const sr = S ? S[o]! : 1, si = S ? S[o + 1]! : 0;
        x0[2 * p]! += sr * wr + si * wi;
        x0[2 * p + 1]! += sr * wi - si * wr;
        rss[p]! += wr * wr + wi * wi;
      }
    let scale = 1;
    if (model.normalisation === 'bart-scale') scale = bartScale(rss.map(Math.sqrt));
    else if (model.normalisation === 'max-abs-zero-filled') {
      let m = 0;
      for (let p = 0; p < plane; p++) m = Math.max(m, Math.hypot(x0[2 * p]!, x0[2 * p + 1]!));
      scale = m > 0 ? m : 1;
    }
    scales.push(scale);
    const padded = new Float32Array(2 * py * px);
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const d = 2 * ((y + oy) * px + x + ox), o = 2 * (y * nx + x);
        padded[d] = x0[o]! / scale;
        padded[d + 1] = x0[o + 1]! / scale;
      }
    const out = await model.session.run({ [model.input.name]: new ort.Tensor('float32', padded, [1, 1, py, px, 2]) });
    const est = out[model.output.name];
    if (!est || est.data.length !== 2 * py * px) throw new Error(`unet: model ${opts.model} returned ${est ? est.data.length : 'no'} values for "${model.output.name}", expected ${2 * py * px}`);
    const e = est.data as Float32Array;
    const cs = complex.data.subarray(2 * s * plane, 2 * (s + 1) * plane);
    const mag = image.data.subarray(s * plane, (s + 1) * plane);
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const src = 2 * ((y + oy) * px + x + ox), p = y * nx + x;
        cs[2 * p] = scale * e[src]!;
        cs[2 * p + 1] = scale * e[src + 1]!;
        mag[p] = Math.hypot(cs[2 * p]!, cs[2 * p + 1]!);
      }
    const row = { slice: s, iteration: 1, elapsedMs: performance.now() - t0 };
    history.push(row);
    ctx.onHistory?.([row]);
    const preview = rtensor([1, ny, nx], Float32Array.from(mag));
    const progress: UnetProgress = { fraction: (s + 1) / slices, message: `U-Net slice ${s + 1}/${slices}`, slice: s, iteration: 1, preview };
    ctx.onProgress?.(progress);
    ctx.onPreview?.(s, preview.data, ny, nx);
    await tick(); // let a cancel request or a UI in between slices
  }
  const m = model.loaded;
  const notes = [
    `U-Net model ${m.manifest.name} v${m.manifest.version} (sha256 ${m.sha256.slice(0, 12)}…), one call per slice on ${model.provider.toUpperCase()}`,
    ...model.notes,
    coils === 1 && !input.sens ? 'single coil: coil map of ones' : `${coils} coils combined with the given sensitivity maps`,
  ];
  if (py !== ny || px !== nx) notes.push(`image zero-padded from ${ny}x${nx} to ${py}x${px} (the model needs multiples of ${model.padMultiple}) and cropped back`);
  if (m.manifest.metrics == null) {
    notes.push(`model ${m.manifest.name} has no measured quality (untrained/smoke model): this image is not a meaningful reconstruction`);
  }
  return {
    image,
    complex,
    history,
    method: 'unet',
    options: { ...opts, modelName: m.manifest.name, modelVersion: m.manifest.version, modelSha256: m.sha256, provider: model.provider, normalisation: model.normalisation, padMultiple: model.padMultiple, scales },
    notes,
  };
}

export const unet: ReconMethod<UnetOptions> = {
  id: 'unet',
  label: 'U-Net (learned baseline)',
  description: 'Image-to-image U-Net on the zero-filled SENSE-combined image, run from a shipped ONNX model.',
  defaults: unetDefaults,
  family: 'learned',
  optionFields: learnedOptionFields('unet-smoke'),
  presets: [],
  run: reconUnet,
};
