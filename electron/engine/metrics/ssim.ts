/**
 * SSIM as skimage.metrics.structural_similarity computes it with its defaults
 * (and as fastMRI calls it): a 7x7 uniform window, K1 = 0.01, K2 = 0.03,
 * sample covariance (variances scaled by NP / (NP - 1), NP = 49), and the mean
 * of the SSIM map after cropping the (7 - 1) / 2 = 3 pixel border.
 *
 * skimage filters the whole image with reflected borders and then crops; the
 * crop removes exactly the pixels whose window leaves the image, so only
 * windows lying fully inside are ever averaged and no border rule is needed.
 * Window sums are separable 7-tap sums (not running sums, so nothing drifts),
 * accumulated in float64.
 */
import { checkPair, maxOf, sliceCount } from './check';

const WIN = 7;
const NP = WIN * WIN;
const COV_NORM = NP / (NP - 1);
const K1 = 0.01;
const K2 = 0.03;

/** Mean SSIM of one ny x nx slice stored at `offset` in both arrays. */
function ssimPlane(gt: Float32Array, pred: Float32Array, offset: number, ny: number, nx: number, dataRange: number): number {
  const mx = nx - WIN + 1;
  const my = ny - WIN + 1;
  // Horizontal window sums of x, y, x^2, y^2, xy for every row.
  const hx = new Float64Array(ny * mx);
  const hy = new Float64Array(ny * mx);
  const hxx = new Float64Array(ny * mx);
  const hyy = new Float64Array(ny * mx);
  const hxy = new Float64Array(ny * mx);
  for (let r = 0; r < ny; r++) {
    const row = offset + r * nx;
    for (let c = 0; c < mx; c++) {
      let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
      for (let k = 0; k < WIN; k++) {
        const a = gt[row + c + k]!;
        const b = pred[row + c + k]!;
        sx += a;
        sy += b;
        sxx += a * a;
        syy += b * b;
        sxy += a * b;
      }
      const o = r * mx + c;
      hx[o] = sx;
      hy[o] = sy;
      hxx[o] = sxx;
      hyy[o] = syy;
      hxy[o] = sxy;
    }
  }
  const c1 = (K1 * dataRange) ** 2;
  const c2 = (K2 * dataRange) ** 2;
  let total = 0;
  for (let r = 0; r < my; r++) {
    for (let c = 0; c < mx; c++) {
      let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
      for (let k = 0; k < WIN; k++) {
        const o = (r + k) * mx + c;
        sx += hx[o]!;
        sy += hy[o]!;
        sxx += hxx[o]!;
        syy += hyy[o]!;
        sxy += hxy[o]!;
      }
      const ux = sx / NP;
      const uy = sy / NP;
      const vx = COV_NORM * (sxx / NP - ux * ux);
      const vy = COV_NORM * (syy / NP - uy * uy);
      const vxy = COV_NORM * (sxy / NP - ux * uy);
      const a1 = 2 * ux * uy + c1;
      const a2 = 2 * vxy + c2;
      const b1 = ux * ux + uy * uy + c1;
      const b2 = vx + vy + c2;
      total += (a1 * a2) / (b1 * b2);
    }
  }
  return total / (mx * my);
}

function checkSsimArgs(what: string, ny: number, nx: number, dataRange: number): void {
  if (ny < WIN || nx < WIN) throw new RangeError(`${what}: slices of ${ny}x${nx} are smaller than the ${WIN}x${WIN} window`);
  if (!(dataRange > 0) || !Number.isFinite(dataRange)) {
    throw new RangeError(`${what}: data range must be positive and finite, got ${dataRange}`);
  }
}

/** skimage structural_similarity(gt, pred, data_range=dataRange) of one ny x nx image. */
export function ssim2d(gt: Float32Array, pred: Float32Array, ny: number, nx: number, dataRange: number): number {
  checkPair('ssim2d', gt, pred);
  sliceCount('ssim2d', gt.length, ny, nx, 1);
  checkSsimArgs('ssim2d', ny, nx, dataRange);
  return ssimPlane(gt, pred, 0, ny, nx, dataRange);
}

/** Per-slice SSIM of [slice][y][x] volumes with one shared data range. */
export function ssimSlices(gt: Float32Array, pred: Float32Array, slices: number, ny: number, nx: number, dataRange: number): number[] {
  checkPair('ssim', gt, pred);
  sliceCount('ssim', gt.length, ny, nx, slices);
  checkSsimArgs('ssim', ny, nx, dataRange);
  const out: number[] = [];
  for (let s = 0; s < slices; s++) out.push(ssimPlane(gt, pred, s * ny * nx, ny, nx, dataRange));
  return out;
}

/**
 * fastMRI's ssim(): mean over slices of the 2D SSIM, with data_range = the
 * maximum of the whole reference volume (not of each slice).
 */
export function ssimVolume(gt: Float32Array, pred: Float32Array, slices: number, ny: number, nx: number): number {
  checkPair('ssimVolume', gt, pred);
  const per = ssimSlices(gt, pred, slices, ny, nx, maxOf(gt));
  return per.reduce((a, b) => a + b, 0) / per.length;
}
