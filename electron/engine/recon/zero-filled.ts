/**
 * Zero-filled reconstruction, the baseline every other method is judged by:
 * inverse centered FFT of the (masked) k-space, then
 *   single coil  -> magnitude of the complex image,
 *   multi coil   -> root-sum-of-squares, or SENSE combination
 *                   x = sum_c conj(S_c) y_c / sum_c |S_c|^2 when maps are given.
 * No density compensation: unsampled lines are simply zero, as in fastMRI's
 * zero-filled baseline and BART's `pics` without regularisation at iteration 0.
 */
import { ctensor, rtensor } from '../array';
import { fft2cBatch } from '../fft';
import type { ReconContext, ReconInput, ReconMethod, ReconResult } from './types';
import { throwIfCancelled, validateInput } from './types';
import { zeroFilledOptionFields } from './describe';

export interface ZeroFilledOptions {
  /** 'auto' = SENSE when coil maps are present and there is more than one coil, else RSS. */
  combine: 'auto' | 'rss' | 'sense';
}

export const zeroFilledDefaults: ZeroFilledOptions = { combine: 'auto' };

export async function reconZeroFilled(
  input: ReconInput,
  options: Partial<ZeroFilledOptions> = {},
  ctx: ReconContext = {},
): Promise<ReconResult> {
  const opts: ZeroFilledOptions = { ...zeroFilledDefaults, ...options };
  if (!['auto', 'rss', 'sense'].includes(opts.combine)) throw new RangeError(`combine must be auto, rss or sense, got ${opts.combine}`);
  const { slices, coils, ny, nx } = validateInput(input);
  if (opts.combine === 'sense' && !input.sens) throw new RangeError('combine=sense needs coil sensitivity maps');
  const mode: 'single' | 'rss' | 'sense' =
    coils === 1 && (opts.combine !== 'sense') ? 'single' : opts.combine === 'rss' || !input.sens ? 'rss' : 'sense';
  const plane = ny * nx;
  const image = rtensor([slices, ny, nx]);
  const complex = mode === 'rss' ? undefined : ctensor([slices, ny, nx]);
  const coilImages = new Float32Array(2 * coils * plane);
  const mask = input.mask.data;

  for (let s = 0; s < slices; s++) {
    throwIfCancelled(ctx.signal);
    const k = input.kspace.data.subarray(2 * s * coils * plane, 2 * (s + 1) * coils * plane);
    // Apply the mask explicitly so data with stray values outside it behaves as BART would.
    for (let c = 0; c < coils; c++) {
      for (let p = 0; p < plane; p++) {
        const m = mask[p]!;
        const o = 2 * (c * plane + p);
        coilImages[o] = m * k[o]!;
        coilImages[o + 1] = m * k[o + 1]!;
      }
    }
    fft2cBatch(coilImages, coils, ny, nx, true, coilImages);
    const mag = image.data.subarray(s * plane, (s + 1) * plane);
    if (mode === 'rss') {
      for (let p = 0; p < plane; p++) {
        let acc = 0;
        for (let c = 0; c < coils; c++) acc += coilImages[2 * (c * plane + p)]! ** 2 + coilImages[2 * (c * plane + p) + 1]! ** 2;
        mag[p] = Math.sqrt(acc);
      }
    } else {
      const out = complex!.data.subarray(2 * s * plane, 2 * (s + 1) * plane);
      if (mode === 'single') {
        out.set(coilImages.subarray(0, 2 * plane));
      } else {
        const S = input.sens!.data.subarray(2 * s * coils * plane, 2 * (s + 1) * coils * plane);
        for (let p = 0; p < plane; p++) {
          let re = 0, im = 0, w = 0;
          for (let c = 0; c < coils; c++) {
            const o = 2 * (c * plane + p);
            const sr = S[o]!, si = S[o + 1]!, yr = coilImages[o]!, yi = coilImages[o + 1]!;
            re += sr * yr + si * yi;
            im += sr * yi - si * yr;
            w += sr * sr + si * si;
          }
          // Outside the coils' support the maps vanish; leave those pixels at zero.
          const inv = w > 1e-12 ? 1 / w : 0;
          out[2 * p] = re * inv;
          out[2 * p + 1] = im * inv;
        }
      }
      for (let p = 0; p < plane; p++) mag[p] = Math.hypot(out[2 * p]!, out[2 * p + 1]!);
    }
    ctx.onProgress?.({ fraction: (s + 1) / slices, message: `zero-filled slice ${s + 1}/${slices}`, slice: s });
    // Yield so a cancel request (or a UI) gets a chance between slices.
    await new Promise<void>((r) => setTimeout(r, 0));
  }
  const notes = [mode === 'single' ? 'single coil: magnitude of the inverse FFT' : mode === 'rss' ? `${coils} coils combined by root-sum-of-squares` : `${coils} coils combined with SENSE maps`];
  const result: ReconResult = { image, history: [], method: 'zero-filled', options: { ...opts, combineUsed: mode }, notes };
  if (complex) result.complex = complex;
  return result;
}

export const zeroFilled: ReconMethod<ZeroFilledOptions> = {
  id: 'zero-filled',
  label: 'Zero-filled',
  description: 'Inverse FFT of the undersampled k-space; coil images combined by RSS or SENSE.',
  defaults: zeroFilledDefaults,
  family: 'direct',
  optionFields: zeroFilledOptionFields,
  presets: [],
  run: reconZeroFilled,
};
