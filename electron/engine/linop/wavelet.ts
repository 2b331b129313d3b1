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

/**
 * Optional native kernel for the multi-level transform (same layout, float64
 * accumulation), installed by the Node-side loader (electron/engine/native.ts);
 * this module imports no node:*. null = the TypeScript transform below.
 */
export interface WaveletBackend {
  readonly name: string;
  /** In-place transform of a padded [py][px] plane; h holds the low-pass taps. */
  transform(c: Float32Array, py: number, px: number, levels: number, h: Float64Array, forward: boolean): void;
}

let backend: WaveletBackend | null = null;

/** Installs (or with null removes) the wavelet backend; returns the previous one. */
export function setWaveletBackend(b: WaveletBackend | null): WaveletBackend | null {
  const previous = backend;
  backend = b;
  return previous;
}

/** The installed wavelet backend, or null. */
export function getWaveletBackend(): WaveletBackend | null {
  return backend;
}

/** Padded size and effective level count for an image, exported so callers can size buffers. */
export function waveletShape(ny: number, nx: number, levels: number): { py: number; px: number; levels: number } {
  if (!Number.isInteger(levels) || levels < 1) throw new RangeError(`wavelet: levels must be a positive integer, got ${levels}`);
  // More levels than log2(max size) only adds padding without analysing anything new.
  const maxLevels = Math.max(1, Math.ceil(Math.log2(Math.max(ny, nx))));
  const L = Math.min(levels, maxLevels);
  const b = 2 ** L;
  return { py: Math.ceil(ny / b) * b, px: Math.ceil(nx / b) * b, levels: L };
}

/** Float64 work space shared by all transforms (they never nest), grown on demand. */
let work = new Float64Array(0);
function workspace(len: number): Float64Array {
  if (work.length < len) work = new Float64Array(len);
  return work;
}

/**
 * Periodic analysis (forward) or synthesis (its transpose) along x of rows
 * 0..hy-1, each hx complex values from float index 2·y·px of c. Float64
 * accumulation in the order k, then tap j (the native twin's order).
 */
function rowsPass(c: Float32Array, px: number, hy: number, hx: number, h: number[], g: number[], forward: boolean, tmp: Float64Array): void {
  const L = h.length;
  const half = hx >> 1;
  for (let y = 0; y < hy; y++) {
    const o = 2 * y * px;
    if (forward) {
      for (let k = 0; k < half; k++) {
        let ar = 0, ai = 0, dr = 0, di = 0;
        // Indices wrap (periodic boundary) only for the last few outputs.
        const wrap = 2 * k + L > hx;
        for (let j = 0; j < L; j++) {
          const idx = o + 2 * (wrap ? (2 * k + j) % hx : 2 * k + j);
          const xr = c[idx]!, xi = c[idx + 1]!;
          const hj = h[j]!, gj = g[j]!;
          ar += hj * xr; ai += hj * xi;
          dr += gj * xr; di += gj * xi;
        }
        tmp[2 * k] = ar; tmp[2 * k + 1] = ai;
        tmp[2 * (half + k)] = dr; tmp[2 * (half + k) + 1] = di;
      }
    } else {
      tmp.fill(0, 0, 2 * hx);
      for (let k = 0; k < half; k++) {
        const ar = c[o + 2 * k]!, ai = c[o + 2 * k + 1]!;
        const dr = c[o + 2 * (half + k)]!, di = c[o + 2 * (half + k) + 1]!;
        const wrap = 2 * k + L > hx;
        for (let j = 0; j < L; j++) {
          const idx = 2 * (wrap ? (2 * k + j) % hx : 2 * k + j);
          const hj = h[j]!, gj = g[j]!;
          tmp[idx]! += hj * ar + gj * dr;
          tmp[idx + 1]! += hj * ai + gj * di;
        }
      }
    }
    for (let i = 0; i < 2 * hx; i++) c[o + i] = tmp[i]!;
  }
}

/**
 * The same pass along y for all hx columns at once: whole rows are combined,
 * so the inner loops run over contiguous memory instead of gathering each
 * column through a stride (the old cost). Same per-element summation order.
 */
function colsPass(c: Float32Array, px: number, hy: number, hx: number, h: number[], g: number[], forward: boolean, tmp: Float64Array): void {
  const L = h.length;
  const half = hy >> 1;
  const w = 2 * hx;
  if (forward) {
    for (let k = 0; k < half; k++) {
      const ta = k * w, td = (half + k) * w;
      tmp.fill(0, ta, ta + w);
      tmp.fill(0, td, td + w);
      for (let j = 0; j < L; j++) {
        const r = 2 * (((2 * k + j) % hy) * px);
        const hj = h[j]!, gj = g[j]!;
        for (let i = 0; i < w; i++) {
          const v = c[r + i]!;
          tmp[ta + i]! += hj * v;
          tmp[td + i]! += gj * v;
        }
      }
    }
  } else {
    tmp.fill(0, 0, hy * w);
    for (let k = 0; k < half; k++) {
      const a = 2 * k * px, d = 2 * (half + k) * px;
      for (let j = 0; j < L; j++) {
        const t = ((2 * k + j) % hy) * w;
        const hj = h[j]!, gj = g[j]!;
        for (let i = 0; i < w; i++) tmp[t + i]! += hj * c[a + i]! + gj * c[d + i]!;
      }
    }
  }
  for (let y = 0; y < hy; y++) {
    const o = 2 * y * px, t = y * w;
    for (let i = 0; i < w; i++) c[o + i] = tmp[t + i]!;
  }
}

/** In-place multi-level transform of a padded [py][px] complex plane. */
function transform(c: Float32Array, py: number, px: number, levels: number, h: number[], forward: boolean): void {
  // g[j] = (-1)^j h[L-1-j]: the quadrature mirror (high-pass) filter.
  const g = h.map((_, j) => (j & 1 ? -1 : 1) * h[h.length - 1 - j]!);
  const tmp = workspace(2 * py * px);
  for (let i = 0; i < levels; i++) {
    const lev = forward ? i : levels - 1 - i;
    const hy = py >> lev, hx = px >> lev;
    // Rows then columns forward; the exact transpose (columns then rows) inverse.
    if (forward) {
      rowsPass(c, px, hy, hx, h, g, true, tmp);
      colsPass(c, px, hy, hx, h, g, true, tmp);
    } else {
      colsPass(c, px, hy, hx, h, g, false, tmp);
      rowsPass(c, px, hy, hx, h, g, false, tmp);
    }
  }
}

/** W: image [ny][nx] -> wavelet coefficients [py][px] (see the header for padding). */
export function waveletOp(ny: number, nx: number, opts: WaveletOptions = {}): LinOp {
  const name = opts.wavelet ?? 'db4';
  const h = FILTERS[name];
  if (!h) throw new RangeError(`wavelet: unknown wavelet "${String(name)}" (haar or db4)`);
  const { py, px, levels } = waveletShape(ny, nx, opts.levels ?? 4);
  const taps = Float64Array.from(h);
  const run = (c: Float32Array, forward: boolean): void => {
    if (backend !== null) backend.transform(c, py, px, levels, taps, forward);
    else transform(c, py, px, levels, h, forward);
  };
  return linop(
    `W(${name},${levels})`,
    [ny, nx],
    [py, px],
    (x) => {
      const c = new Float32Array(2 * py * px);
      for (let y = 0; y < ny; y++) c.set(x.subarray(2 * y * nx, 2 * (y + 1) * nx), 2 * y * px);
      run(c, true);
      return c;
    },
    (coef) => {
      const c = coef.slice();
      run(c, false);
      const out = new Float32Array(2 * ny * nx);
      for (let y = 0; y < ny; y++) out.set(c.subarray(2 * y * px, 2 * y * px + 2 * nx), 2 * y * nx);
      return out;
    },
  );
}
