/**
 * Orthonormal multi-level 2D discrete wavelet transform (Mallat layout), as a
 * LinOp image [ny][nx] -> coefficients [py][px].
 *
 * Boundary: periodic, so each level is an orthogonal matrix and the transpose
 * (the adjoint) is the inverse. Sizes: every level halves both axes, so the
 * image is zero-padded (bottom/right) to py = ceil(ny / 2^L)·2^L (same for x)
 * inside the operator. The operator is then W = T·P with T orthogonal and P the
 * zero-padding, so W^H W = P^H P = I exactly (an isometry) while W W^H is the
 * projection onto coefficient vectors of padded images. For even dyadic sizes
 * (the usual 2^k, 96, 256...) py = ny and W is square and orthonormal.
 *
 * Filters: 'haar' (2 taps) and 'db4' (Daubechies' 4-tap D4, BART's "dau2").
 * Coefficient layout per level: LL top-left, then HL / LH / HH quadrants,
 * the coarsest approximation in the top-left block.
 */
import type { LinOp } from './linop';
import { linop } from './linop';

export type WaveletName = 'haar' | 'db4';

export interface WaveletOptions {
  wavelet?: WaveletName;
  /** Decomposition levels (default 4; clamped so the coarsest block is at least 1 pixel). */
  levels?: number;
}

const S3 = Math.sqrt(3);
const FILTERS: Record<WaveletName, number[]> = {
  haar: [Math.SQRT1_2, Math.SQRT1_2],
  db4: [(1 + S3) / (4 * Math.SQRT2), (3 + S3) / (4 * Math.SQRT2), (3 - S3) / (4 * Math.SQRT2), (1 - S3) / (4 * Math.SQRT2)],
};

/** Padded size and effective level count for an image, exported so callers can size buffers. */
export function waveletShape(ny: number, nx: number, levels: number): { py: number; px: number; levels: number } {
  if (!Number.isInteger(levels) || levels < 1) throw new RangeError(`wavelet: levels must be a positive integer, got ${levels}`);
  // More levels than log2(max size) only adds padding without analysing anything new.
  const maxLevels = Math.max(1, Math.ceil(Math.log2(Math.max(ny, nx))));
  const L = Math.min(levels, maxLevels);
  const b = 2 ** L;
  return { py: Math.ceil(ny / b) * b, px: Math.ceil(nx / b) * b, levels: L };
}

/**
 * One periodic analysis (forward) or synthesis (inverse = transpose) pass on a
 * complex line of length n held in `line` (interleaved, float64), using `tmp`.
 */
function pass1d(line: Float64Array, tmp: Float64Array, n: number, h: number[], g: number[], forward: boolean): void {
  const L = h.length;
  const half = n >> 1;
  if (forward) {
    for (let k = 0; k < half; k++) {
      let ar = 0, ai = 0, dr = 0, di = 0;
      // Indices wrap (periodic boundary) only for the last few outputs.
      const wrap = 2 * k + L > n;
      for (let j = 0; j < L; j++) {
        const idx = wrap ? (2 * k + j) % n : 2 * k + j;
        const xr = line[2 * idx]!, xi = line[2 * idx + 1]!;
        const hj = h[j]!, gj = g[j]!;
        ar += hj * xr; ai += hj * xi;
        dr += gj * xr; di += gj * xi;
      }
      tmp[2 * k] = ar; tmp[2 * k + 1] = ai;
      tmp[2 * (half + k)] = dr; tmp[2 * (half + k) + 1] = di;
    }
  } else {
    tmp.fill(0, 0, 2 * n);
    for (let k = 0; k < half; k++) {
      const ar = line[2 * k]!, ai = line[2 * k + 1]!;
      const dr = line[2 * (half + k)]!, di = line[2 * (half + k) + 1]!;
      const wrap = 2 * k + L > n;
      for (let j = 0; j < L; j++) {
        const idx = wrap ? (2 * k + j) % n : 2 * k + j;
        const hj = h[j]!, gj = g[j]!;
        tmp[2 * idx]! += hj * ar + gj * dr;
        tmp[2 * idx + 1]! += hj * ai + gj * di;
      }
    }
  }
  line.set(tmp.subarray(0, 2 * n));
}

/** In-place multi-level transform of a padded [py][px] complex plane. */
function transform(c: Float32Array, py: number, px: number, levels: number, h: number[], forward: boolean): void {
  // g[j] = (-1)^j h[L-1-j]: the quadrature mirror (high-pass) filter.
  const g = h.map((_, j) => (j & 1 ? -1 : 1) * h[h.length - 1 - j]!);
  const m = Math.max(py, px);
  const line = new Float64Array(2 * m);
  const tmp = new Float64Array(2 * m);
  const order = forward ? [...Array(levels).keys()] : [...Array(levels).keys()].reverse();
  for (const lev of order) {
    const hy = py >> lev, hx = px >> lev;
    // Rows then columns forward; the exact transpose (columns then rows) inverse.
    const doRows = () => {
      for (let y = 0; y < hy; y++) {
        const o = 2 * y * px;
        for (let i = 0; i < 2 * hx; i++) line[i] = c[o + i]!;
        pass1d(line, tmp, hx, h, g, forward);
        for (let i = 0; i < 2 * hx; i++) c[o + i] = line[i]!;
      }
    };
    const doCols = () => {
      for (let x = 0; x < hx; x++) {
        for (let y = 0; y < hy; y++) {
          line[2 * y] = c[2 * (y * px + x)]!;
          line[2 * y + 1] = c[2 * (y * px + x) + 1]!;
        }
        pass1d(line, tmp, hy, h, g, forward);
        for (let y = 0; y < hy; y++) {
          c[2 * (y * px + x)] = line[2 * y]!;
          c[2 * (y * px + x) + 1] = line[2 * y + 1]!;
        }
      }
    };
    if (forward) { doRows(); doCols(); } else { doCols(); doRows(); }
  }
}

/** W: image [ny][nx] -> wavelet coefficients [py][px] (see the header for padding). */
export function waveletOp(ny: number, nx: number, opts: WaveletOptions = {}): LinOp {
  const name = opts.wavelet ?? 'db4';
  const h = FILTERS[name];
  if (!h) throw new RangeError(`wavelet: unknown wavelet "${String(name)}" (haar or db4)`);
  const { py, px, levels } = waveletShape(ny, nx, opts.levels ?? 4);
  return linop(
    `W(${name},${levels})`,
    [ny, nx],
    [py, px],
    (x) => {
      const c = new Float32Array(2 * py * px);
      for (let y = 0; y < ny; y++) c.set(x.subarray(2 * y * nx, 2 * (y + 1) * nx), 2 * y * px);
      transform(c, py, px, levels, h, true);
      return c;
    },
    (coef) => {
      const c = coef.slice();
      transform(c, py, px, levels, h, false);
      const out = new Float32Array(2 * ny * nx);
      for (let y = 0; y < ny; y++) out.set(c.subarray(2 * y * px, 2 * y * px + 2 * nx), 2 * y * nx);
      return out;
    },
  );
}
