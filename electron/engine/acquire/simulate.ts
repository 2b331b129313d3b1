/**
 * The acquisition simulator: magnitude image -> smooth seeded phase -> coil
 * sensitivities -> centred orthonormal FFT -> complex Gaussian noise -> mask.
 *
 * SNR definition (image domain): with m the magnitude input over the whole
 * volume, the foreground is every pixel with m > 10% of max(m), and
 *     SNR = mean(m over foreground) / (sigma * sqrt(2)),
 * where sigma is the standard deviation of EACH of the real and imaginary parts
 * of the complex circular Gaussian noise (sigma * sqrt(2) is the rms of the
 * complex noise). The FFT is orthonormal, so the same sigma holds per k-space
 * entry, and because sum_c |S_c|^2 = 1 SENSE combination of fully sampled data
 * leaves noise of std sigma per component in the combined image: the stated
 * SNR is the one a fully sampled SENSE reconstruction would show.
 *
 * Noise is drawn for every k-space entry (in [slice][coil][ky][kx] order) and
 * added before masking, so unsampled entries are exactly zero and the noise at
 * a sampled entry does not depend on the mask. Phase and noise use separate
 * streams ('phase', 'noise') of the seed, so changing the SNR or the mask never
 * changes the phase.
 */
import type { CTensor, RTensor } from '../array';
import { createRng, formatShape, numel } from '../array';
import { fft2cBatch } from '../fft';
import { isMask, makeMask } from '../sampling';
import type { Mask, MaskSpec } from '../sampling';
import { birdcageSens } from './coils';
import { smoothPhase } from './phase';

export interface SimulateOptions {
  seed: number;
  /** 1 = single coil (sensitivity all ones). */
  coils: number;
  /** Image-domain SNR as defined above; omit or Infinity for noiseless. */
  snr?: number;
  /** Smooth background phase; on by default with maxRadians pi/2. */
  phase?: { enabled: boolean; maxRadians?: number };
  mask: MaskSpec | Mask;
}

export interface SimulatedScan {
  /** [slice][coil][ky][kx], masked; unsampled entries exactly 0. */
  kspace: CTensor;
  fullKspace?: never;
  mask: Mask;
  /** [slice][coil][y][x]. */
  sens: CTensor;
  /** The magnitude input (a copy), [slice][y][x]. */
  reference: RTensor;
  /** [slice][y][x], magnitude times the background phase. */
  complexImage: CTensor;
  /** sigma per real/imaginary component; 0 when noiseless. */
  noiseStd: number;
  seed: number;
}

export const MAX_COILS = 128;
export const DEFAULT_MAX_PHASE = Math.PI / 2;

function validateImage(image: RTensor): [number, number, number] {
  if (typeof image !== 'object' || image === null || !(image.data instanceof Float32Array)) {
    throw new TypeError('image must be a real tensor { shape, data: Float32Array }');
  }
  const s = image.shape;
  if (!Array.isArray(s) || s.length !== 3 || !s.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(`image.shape must be [slice][y][x] of positive integers, got ${Array.isArray(s) ? formatShape(s) : String(s)}`);
  }
  if (image.data.length !== numel(s)) throw new RangeError(`image.data has ${image.data.length} values, shape ${formatShape(s)} needs ${numel(s)}`);
  const [ns, ny, nx] = s as [number, number, number];
  const where = (i: number): string => `[slice ${Math.floor(i / (ny * nx))}, y ${Math.floor(i / nx) % ny}, x ${i % nx}]`;
  for (let i = 0; i < image.data.length; i++) {
    const v = image.data[i]!;
    if (!Number.isFinite(v)) throw new RangeError(`image contains a non-finite value (${v}) at ${where(i)}`);
    if (v < 0) throw new RangeError(`image must be a non-negative magnitude, found ${v} at ${where(i)} (clamp or take abs first)`);
  }
  return [ns, ny, nx];
}

function validateOptions(opts: SimulateOptions): { snr: number; maxPhase: number } {
  if (typeof opts !== 'object' || opts === null) throw new TypeError('options must be an object');
  if (typeof opts.seed !== 'number' || !Number.isFinite(opts.seed)) throw new RangeError(`seed must be a finite number, got ${opts.seed}`);
  if (!Number.isInteger(opts.coils) || opts.coils < 1 || opts.coils > MAX_COILS) {
    throw new RangeError(`coils must be an integer in [1, ${MAX_COILS}], got ${opts.coils}`);
  }
  const snr = opts.snr ?? Infinity;
  if (typeof snr !== 'number' || Number.isNaN(snr) || snr <= 0) throw new RangeError(`snr must be > 0 (or Infinity for noiseless), got ${opts.snr}`);
  let maxPhase = 0;
  if (opts.phase === undefined || opts.phase.enabled) {
    maxPhase = opts.phase?.maxRadians ?? DEFAULT_MAX_PHASE;
    if (typeof maxPhase !== 'number' || !Number.isFinite(maxPhase) || maxPhase < 0) {
      throw new RangeError(`phase.maxRadians must be a finite number >= 0, got ${maxPhase}`);
    }
  }
  if (opts.mask === undefined || opts.mask === null) throw new RangeError('mask is required (a MaskSpec or a Mask)');
  return { snr, maxPhase };
}

/** sigma per component for the SNR definition in the header. */
export function noiseSigmaForSnr(magnitude: Float32Array, snr: number): number {
  if (snr === Infinity) return 0;
  let max = 0;
  for (let i = 0; i < magnitude.length; i++) if (magnitude[i]! > max) max = magnitude[i]!;
  if (max === 0) throw new RangeError('image is all zero, so an SNR cannot be set (omit snr for noiseless)');
  const thr = 0.1 * max;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < magnitude.length; i++) {
    const v = magnitude[i]!;
    if (v > thr) {
      sum += v;
      n++;
    }
  }
  return sum / n / (snr * Math.SQRT2);
}

function resolveMask(m: MaskSpec | Mask, ny: number, nx: number): Mask {
  if (!isMask(m)) return makeMask(m, ny, nx);
  if (m.shape[0] !== ny || m.shape[1] !== nx || m.data.length !== ny * nx) {
    throw new RangeError(`mask.shape ${formatShape(m.shape)} does not match the image plane [${ny}x${nx}]`);
  }
  return m;
}

export function simulate(image: RTensor, opts: SimulateOptions): SimulatedScan {
  const [ns, ny, nx] = validateImage(image);
  const { snr, maxPhase } = validateOptions(opts);
  const mask = resolveMask(opts.mask, ny, nx);
  const coils = opts.coils;
  const plane = ny * nx;
  const sigma = noiseSigmaForSnr(image.data, snr);

  const sens1 = birdcageSens(coils, ny, nx);
  const sens = new Float32Array(2 * ns * coils * plane);
  for (let s = 0; s < ns; s++) sens.set(sens1, s * sens1.length);

  const phaseRng = createRng(opts.seed, 'phase');
  const noiseRng = createRng(opts.seed, 'noise');
  const complexImage = new Float32Array(2 * ns * plane);
  const kspace = new Float32Array(2 * ns * coils * plane);
  const coilImgs = new Float32Array(2 * coils * plane);
  for (let s = 0; s < ns; s++) {
    const mag = image.data.subarray(s * plane, (s + 1) * plane);
    const ci = complexImage.subarray(2 * s * plane, 2 * (s + 1) * plane);
    if (maxPhase > 0) {
      const phi = smoothPhase(ny, nx, maxPhase, phaseRng);
      for (let p = 0; p < plane; p++) {
        ci[2 * p] = mag[p]! * Math.cos(phi[p]!);
        ci[2 * p + 1] = mag[p]! * Math.sin(phi[p]!);
      }
    } else {
      for (let p = 0; p < plane; p++) ci[2 * p] = mag[p]!;
    }
    for (let c = 0; c < coils; c++) {
      const o = 2 * c * plane;
      for (let p = 0; p < plane; p++) {
        const sr = sens1[o + 2 * p]!, si = sens1[o + 2 * p + 1]!;
        const xr = ci[2 * p]!, xi = ci[2 * p + 1]!;
        coilImgs[o + 2 * p] = sr * xr - si * xi;
        coilImgs[o + 2 * p + 1] = sr * xi + si * xr;
      }
    }
    const ks = kspace.subarray(2 * s * coils * plane, 2 * (s + 1) * coils * plane);
    fft2cBatch(coilImgs, coils, ny, nx, false, ks);
    if (sigma > 0) for (let i = 0; i < ks.length; i++) ks[i]! += sigma * noiseRng.normal();
    const m = mask.data;
    for (let c = 0; c < coils; c++) {
      const o = 2 * c * plane;
      for (let p = 0; p < plane; p++) {
        if (m[p]! === 0) {
          ks[o + 2 * p] = 0;
          ks[o + 2 * p + 1] = 0;
        }
      }
    }
  }
  return {
    kspace: { shape: [ns, coils, ny, nx], data: kspace },
    mask,
    sens: { shape: [ns, coils, ny, nx], data: sens },
    reference: { shape: [ns, ny, nx], data: image.data.slice() },
    complexImage: { shape: [ns, ny, nx], data: complexImage },
    noiseStd: sigma,
    seed: opts.seed,
  };
}
