/**
 * Centred orthonormal DFT matrices, fed to exported models that write their
 * Fourier transforms as matrix products (torch 1.13 cannot export torch.fft).
 * Built column by column from the engine's own fftc, so the model's transform
 * is by construction the one the rest of the engine uses (shift convention for
 * odd sizes included). No node:* imports: usable anywhere.
 */
import { fftc, ifftc } from '../fft';

const cache = new Map<string, Float32Array>();

/**
 * n x n complex matrix, interleaved [row][col][re,im]: F[k][j] = fftc(e_j)[k]
 * (or ifftc for inverse), so y = F x for a column vector x.
 */
export function centeredDftMatrix(n: number, inverse = false): Float32Array {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`DFT size must be a positive integer, got ${n}`);
  const key = `${n}:${inverse}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const m = new Float32Array(2 * n * n);
  const e = new Float32Array(2 * n);
  const col = new Float32Array(2 * n);
  for (let j = 0; j < n; j++) {
    e.fill(0);
    e[2 * j] = 1;
    (inverse ? ifftc : fftc)(e, n, col);
    for (let k = 0; k < n; k++) {
      m[2 * (k * n + j)] = col[2 * k]!;
      m[2 * (k * n + j) + 1] = col[2 * k + 1]!;
    }
  }
  // Keep a handful of sizes: a session reconstructs one matrix size at a time.
  if (cache.size > 8) cache.clear();
  cache.set(key, m);
  return m;
}

/** Splits an interleaved complex array into separate real and imaginary planes. */
export function splitComplex(z: Float32Array): { re: Float32Array; im: Float32Array } {
  const re = new Float32Array(z.length / 2), im = new Float32Array(z.length / 2);
  for (let i = 0; i < re.length; i++) {
    re[i] = z[2 * i]!;
    im[i] = z[2 * i + 1]!;
  }
  return { re, im };
}
