/**
 * Per-slice and whole-volume metrics for [slice][y][x] magnitude volumes, as a
 * table the UI and exports show. Every per-slice PSNR and SSIM uses the
 * maximum of the whole reference volume as its peak / data range (fastMRI's
 * convention), so slices are comparable with each other and with the volume.
 */
import { checkPair, maxOf, sliceCount } from './check';
import { nmseOf, psnrOf, sumSquares } from './errors';
import { ssimSlices } from './ssim';

export interface SliceMetric {
  nmse: number;
  psnr: number;
  ssim: number;
}

export interface VolumeMetrics {
  slices: SliceMetric[];
  /** NMSE and PSNR over all voxels; SSIM is the mean of the slice values (fastMRI). */
  volume: SliceMetric;
  /** The reference maximum used as PSNR peak and SSIM data range. */
  maxval: number;
}

export function sliceMetrics(gt: Float32Array, pred: Float32Array, slices: number, ny: number, nx: number): VolumeMetrics {
  checkPair('sliceMetrics', gt, pred);
  sliceCount('sliceMetrics', gt.length, ny, nx, slices);
  const maxval = maxOf(gt);
  const ssims = ssimSlices(gt, pred, slices, ny, nx, maxval);
  const plane = ny * nx;
  let diffAll = 0;
  let refAll = 0;
  const out: SliceMetric[] = [];
  for (let s = 0; s < slices; s++) {
    const { diff, ref } = sumSquares(gt, pred, s * plane, (s + 1) * plane);
    diffAll += diff;
    refAll += ref;
    out.push({ nmse: nmseOf(diff, ref), psnr: psnrOf(diff / plane, maxval), ssim: ssims[s]! });
  }
  const ssim = ssims.reduce((a, b) => a + b, 0) / slices;
  return {
    slices: out,
    volume: { nmse: nmseOf(diffAll, refAll), psnr: psnrOf(diffAll / gt.length, maxval), ssim },
    maxval,
  };
}
