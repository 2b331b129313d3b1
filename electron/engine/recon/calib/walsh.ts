/**
 * Coil sensitivities by Walsh's adaptive combine (Walsh, Gmitro, Marcellin,
 * MRM 43:682-690, 2000), offered as the cheap alternative to ESPIRiT: the
 * dominant eigenvector of the coil covariance, smoothed over a window, of
 * LOW-RESOLUTION coil images made from the calibration region alone (so
 * undersampling elsewhere does not alias into the maps). It has no support
 * mask: every pixel with any signal gets a unit-norm vector.
 */
import { fft2cBatch } from '../../fft';
import { findCalibRegion, sampledPattern } from './calib-region';
import { dominantEigenMaps, virtualBodyCoil } from './coil-vectors';
import type { SensitivityEstimate } from './espirit';

export interface WalshOptions {
  /** Largest calibration region per axis (default 24). */
  calib: number;
  /** Side of the square smoothing window in pixels, odd (default 7). */
  window: number;
}

export const walshDefaults: WalshOptions = { calib: 24, window: 7 };

export function walsh(kspace: Float32Array, coils: number, ny: number, nx: number, options: Partial<WalshOptions> = {}): SensitivityEstimate {
  const o: WalshOptions = { ...walshDefaults, ...options };
  if (!Number.isInteger(o.window) || o.window < 1 || o.window % 2 === 0 || o.window > 63) throw new RangeError(`Walsh window must be an odd integer 1..63, got ${o.window}`);
  if (!Number.isInteger(o.calib) || o.calib < 2) throw new RangeError(`Walsh calibration size must be an integer >= 2, got ${o.calib}`);
  if (kspace.length !== 2 * coils * ny * nx) throw new RangeError(`k-space has ${kspace.length / 2} values, expected ${coils}x${ny}x${nx}`);
  const region = findCalibRegion(sampledPattern(kspace, coils, ny, nx), ny, nx, o.calib, o.calib);
  if (region.ny < 3 || region.nx < 3) throw new RangeError(`the fully sampled calibration region is only ${region.ny}x${region.nx}; Walsh needs at least 3x3`);
  const plane = ny * nx;
  // Low-resolution coil images: the calibration box under a separable Hann
  // window (limits ringing), zero elsewhere.
  const img = new Float32Array(2 * coils * plane);
  const hann = (i: number, n: number): number => 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 1)) / (n + 1));
  for (let c = 0; c < coils; c++) {
    for (let y = 0; y < region.ny; y++) {
      for (let x = 0; x < region.nx; x++) {
        const w = hann(y, region.ny) * hann(x, region.nx);
        const at = 2 * (c * plane + (region.y0 + y) * nx + region.x0 + x);
        img[at] = kspace[at]! * w;
        img[at + 1] = kspace[at + 1]! * w;
      }
    }
  }
  fft2cBatch(img, coils, ny, nx, true, img);
  // Box-smoothed covariance, one (c, c') pair at a time via separable running sums.
  const pairs = (coils * (coils + 1)) / 2;
  const cov = new Float32Array(2 * pairs * plane);
  const row = new Float64Array(2 * plane);
  const h = o.window >> 1;
  let q = 0;
  for (let c = 0; c < coils; c++) {
    for (let d = c; d < coils; d++, q++) {
      for (let p = 0; p < plane; p++) {
        const ar = img[2 * (c * plane + p)]!, ai = img[2 * (c * plane + p) + 1]!;
        const br = img[2 * (d * plane + p)]!, bi = img[2 * (d * plane + p) + 1]!;
        row[2 * p] = ar * br + ai * bi;
        row[2 * p + 1] = ai * br - ar * bi;
      }
      const out = cov.subarray(2 * q * plane, 2 * (q + 1) * plane);
      boxSum(row, ny, nx, h, out);
    }
  }
  const vbc = virtualBodyCoil(kspace, coils, ny, nx, region);
  const { maps, eigenvalues } = dominantEigenMaps(cov, coils, plane, vbc, 20, (lambda) => lambda > 0);
  return { maps, eigenvalues, region, rank: 1 };
}

/** Sum over a (2h+1)^2 window clipped at the edges, float64 in, float32 out. */
function boxSum(src: Float64Array, ny: number, nx: number, h: number, out: Float32Array): void {
  const tmp = new Float64Array(src.length);
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      let re = 0, im = 0;
      for (let t = Math.max(0, x - h); t <= Math.min(nx - 1, x + h); t++) {
        re += src[2 * (y * nx + t)]!;
        im += src[2 * (y * nx + t) + 1]!;
      }
      tmp[2 * (y * nx + x)] = re;
      tmp[2 * (y * nx + x) + 1] = im;
    }
  }
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      let re = 0, im = 0;
      for (let t = Math.max(0, y - h); t <= Math.min(ny - 1, y + h); t++) {
        re += tmp[2 * (t * nx + x)]!;
        im += tmp[2 * (t * nx + x) + 1]!;
      }
      out[2 * (y * nx + x)] = re;
      out[2 * (y * nx + x) + 1] = im;
    }
  }
}
