/**
 * HFEN (high-frequency error norm, Ravishankar & Bresler, IEEE TMI 2011):
 *   ||LoG(pred) - LoG(gt)||_2 / ||LoG(gt)||_2
 * with the authors' filter, MATLAB's fspecial('log', 15, 1.5) applied by
 * imfilter's defaults (correlation, zero padding, output the size of the input).
 *
 * The kernel, for offsets x, y in -7..7 and sigma = 1.5:
 *   g(x, y)  = exp(-(x^2 + y^2) / (2 sigma^2)) / sum(exp(...))      (sums to 1)
 *   h1(x, y) = g(x, y) (x^2 + y^2 - 2 sigma^2) / sigma^4
 *   K(x, y)  = h1(x, y) - mean(h1)                                    (sums to 0)
 * K is symmetric, so correlation and convolution agree. Because
 * h1 = [p(x) e(y) + e(x) p(y)] / (sigma^4 S) with e(t) = exp(-t^2 / 2 sigma^2),
 * p(t) = (t^2 - sigma^2) e(t) and S = (sum e)^2, the filter is applied as three
 * separable passes (the mean term is a 15x15 box sum), all in float64.
 * The filter is linear, so LoG(pred) - LoG(gt) is computed as LoG(pred - gt).
 */
import { checkPair, sliceCount } from './check';

const SIZE = 15;
const RADIUS = (SIZE - 1) / 2;
const SIGMA = 1.5;

function taps(): { e: Float64Array; p: Float64Array; hMean: number; scale: number } {
  const s2 = SIGMA * SIGMA;
  const e = new Float64Array(SIZE);
  const p = new Float64Array(SIZE);
  let esum = 0;
  for (let i = 0; i < SIZE; i++) {
    const t = i - RADIUS;
    e[i] = Math.exp(-(t * t) / (2 * s2));
    p[i] = (t * t - s2) * e[i]!;
    esum += e[i]!;
  }
  const scale = 1 / (s2 * s2 * esum * esum);
  // mean(h1) = scale * 2 * sum(p) * sum(e) / SIZE^2
  let psum = 0;
  for (let i = 0; i < SIZE; i++) psum += p[i]!;
  const hMean = (scale * 2 * psum * esum) / (SIZE * SIZE);
  return { e, p, hMean, scale };
}

const TAPS = taps();
const ONES = new Float64Array(SIZE).fill(1);

/** The 15x15 LoG kernel, row-major [y][x], as MATLAB's fspecial('log', 15, 1.5). */
export function logKernel(): Float64Array {
  const { e, p, hMean, scale } = TAPS;
  const k = new Float64Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) k[y * SIZE + x] = scale * (p[x]! * e[y]! + e[x]! * p[y]!) - hMean;
  }
  return k;
}

/** 1D zero-padded 'same' correlation along x (within each row). */
function passX(src: Float64Array, w: Float64Array, ny: number, nx: number): Float64Array {
  const out = new Float64Array(ny * nx);
  for (let r = 0; r < ny; r++) {
    const base = r * nx;
    for (let i = 0; i < nx; i++) {
      const lo = Math.max(0, i - RADIUS);
      const hi = Math.min(nx - 1, i + RADIUS);
      const off = RADIUS - i;
      let s = 0;
      for (let j = lo; j <= hi; j++) s += w[j + off]! * src[base + j]!;
      out[base + i] = s;
    }
  }
  return out;
}

/** The same along y, accumulating whole rows so memory is read in order. */
function passY(src: Float64Array, w: Float64Array, ny: number, nx: number): Float64Array {
  const out = new Float64Array(ny * nx);
  for (let i = 0; i < ny; i++) {
    const lo = Math.max(0, i - RADIUS);
    const hi = Math.min(ny - 1, i + RADIUS);
    const o = i * nx;
    for (let j = lo; j <= hi; j++) {
      const wj = w[j - i + RADIUS]!;
      const r = j * nx;
      for (let c = 0; c < nx; c++) out[o + c]! += wj * src[r + c]!;
    }
  }
  return out;
}

/** LoG-filtered copy of one ny x nx plane (float64). */
export function logFilter(plane: Float64Array, ny: number, nx: number): Float64Array {
  const { e, p, hMean, scale } = TAPS;
  const a = passY(passX(plane, p, ny, nx), e, ny, nx);
  const b = passY(passX(plane, e, ny, nx), p, ny, nx);
  const box = passY(passX(plane, ONES, ny, nx), ONES, ny, nx);
  const out = new Float64Array(ny * nx);
  for (let i = 0; i < out.length; i++) out[i] = scale * (a[i]! + b[i]!) - hMean * box[i]!;
  return out;
}

/**
 * HFEN of one slice or of a [slice][y][x] stack (each slice filtered on its
 * own; the norms are taken over the whole stack). An all-zero reference gives
 * 0 for an identical prediction and Infinity otherwise.
 */
export function hfen(gt: Float32Array, pred: Float32Array, ny: number, nx: number): number {
  checkPair('hfen', gt, pred);
  const slices = sliceCount('hfen', gt.length, ny, nx);
  const plane = ny * nx;
  let num = 0;
  let den = 0;
  const d = new Float64Array(plane);
  const g = new Float64Array(plane);
  for (let s = 0; s < slices; s++) {
    for (let i = 0; i < plane; i++) {
      g[i] = gt[s * plane + i]!;
      d[i] = pred[s * plane + i]! - g[i]!;
    }
    for (const v of logFilter(d, ny, nx)) num += v * v;
    for (const v of logFilter(g, ny, nx)) den += v * v;
  }
  if (den === 0) return num === 0 ? 0 : Infinity;
  return Math.sqrt(num / den);
}
