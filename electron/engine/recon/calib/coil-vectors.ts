/**
 * Per-pixel coil-vector helpers shared by the ESPIRiT and Walsh estimators:
 * the dominant eigenvector of a small Hermitian matrix, the virtual body coil
 * and the phase rotation that makes maps comparable to BART's.
 */
import type { CalibRegion } from './calib-region';

/** Top eigenvector of the coils' covariance over the calibration region (the virtual body coil). */
export function virtualBodyCoil(kspace: Float32Array, coils: number, ny: number, nx: number, reg: CalibRegion): Float64Array {
  const cov = new Float64Array(2 * coils * coils);
  const plane = ny * nx;
  for (let y = reg.y0; y < reg.y0 + reg.ny; y++) {
    for (let x = reg.x0; x < reg.x0 + reg.nx; x++) {
      const p = y * nx + x;
      for (let c = 0; c < coils; c++) {
        const ar = kspace[2 * (c * plane + p)]!, ai = kspace[2 * (c * plane + p) + 1]!;
        for (let d = 0; d < coils; d++) {
          const br = kspace[2 * (d * plane + p)]!, bi = kspace[2 * (d * plane + p) + 1]!;
          cov[2 * (c * coils + d)] = cov[2 * (c * coils + d)]! + ar * br + ai * bi;
          cov[2 * (c * coils + d) + 1] = cov[2 * (c * coils + d) + 1]! + ai * br - ar * bi;
        }
      }
    }
  }
  const u = new Float64Array(2 * coils);
  const w = new Float64Array(2 * coils);
  powerIterate(cov, coils, u, w, 100);
  return u;
}

/**
 * Power iteration on the Hermitian C x C matrix m (interleaved complex), into
 * v (normalised); w is scratch. Starts from the column with the largest
 * diagonal, which cannot be orthogonal to the top eigenvector unless m = 0.
 * Returns the eigenvalue estimate |m v|.
 */
export function powerIterate(m: Float64Array, c: number, v: Float64Array, w: Float64Array, iterations: number): number {
  let best = 0;
  for (let i = 1; i < c; i++) if (m[2 * (i * c + i)]! > m[2 * (best * c + best)]!) best = i;
  let norm = 0;
  for (let i = 0; i < c; i++) {
    v[2 * i] = m[2 * (i * c + best)]!;
    v[2 * i + 1] = m[2 * (i * c + best) + 1]!;
    norm += v[2 * i]! ** 2 + v[2 * i + 1]! ** 2;
  }
  if (!(norm > 0)) {
    v.fill(0);
    return 0;
  }
  let lambda = 0;
  for (let it = 0; it < iterations; it++) {
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < 2 * c; i++) v[i] = v[i]! * inv;
    norm = 0;
    for (let i = 0; i < c; i++) {
      let re = 0, im = 0;
      const row = 2 * i * c;
      for (let j = 0; j < c; j++) {
        const mr = m[row + 2 * j]!, mi = m[row + 2 * j + 1]!, vr = v[2 * j]!, vi = v[2 * j + 1]!;
        re += mr * vr - mi * vi;
        im += mr * vi + mi * vr;
      }
      w[2 * i] = re;
      w[2 * i + 1] = im;
      norm += re * re + im * im;
    }
    v.set(w);
    lambda = Math.sqrt(norm);
    if (!(norm > 0)) return 0;
  }
  const inv = 1 / Math.sqrt(norm);
  for (let i = 0; i < 2 * c; i++) v[i] = v[i]! * inv;
  return lambda;
}

/**
 * Writes v into maps[coil][p] after rotating it so <ref, v> is real and
 * positive (BART's default phase normalisation, with ref the virtual body coil).
 */
export function rotateToReference(v: Float64Array, ref: Float64Array, coils: number, maps: Float32Array, p: number, plane: number): void {
  let br = 0, bi = 0;
  for (let c = 0; c < coils; c++) {
    const ur = ref[2 * c]!, ui = ref[2 * c + 1]!, vr = v[2 * c]!, vi = v[2 * c + 1]!;
    br += ur * vr + ui * vi;
    bi += ur * vi - ui * vr;
  }
  const bm = Math.hypot(br, bi);
  const rr = bm > 0 ? br / bm : 1, ri = bm > 0 ? -bi / bm : 0;
  for (let c = 0; c < coils; c++) {
    const vr = v[2 * c]!, vi = v[2 * c + 1]!;
    maps[2 * (c * plane + p)] = vr * rr - vi * ri;
    maps[2 * (c * plane + p) + 1] = vr * ri + vi * rr;
  }
}

/**
 * Per pixel, the dominant eigenvector of a Hermitian coils x coils matrix
 * stored as its packed upper triangle ([pair][pixel], pairs c <= c2 in row
 * order), phase-rotated to the reference coil. Pixels whose eigenvalue fails
 * `keep` stay zero (outside the support). ESPIRiT and Walsh differ only in the
 * matrix they build.
 */
export function dominantEigenMaps(
  packed: Float32Array | Float64Array,
  coils: number,
  plane: number,
  ref: Float64Array,
  iterations: number,
  keep: (lambda: number) => boolean,
): { maps: Float32Array; eigenvalues: Float32Array } {
  const maps = new Float32Array(2 * coils * plane);
  const eigenvalues = new Float32Array(plane);
  const m = new Float64Array(2 * coils * coils);
  const v = new Float64Array(2 * coils);
  const w = new Float64Array(2 * coils);
  for (let p = 0; p < plane; p++) {
    let q = 0;
    for (let c = 0; c < coils; c++) {
      for (let c2 = c; c2 < coils; c2++, q++) {
        const re = packed[2 * (q * plane + p)]!, im = packed[2 * (q * plane + p) + 1]!;
        m[2 * (c * coils + c2)] = re;
        m[2 * (c * coils + c2) + 1] = im;
        m[2 * (c2 * coils + c)] = re;
        m[2 * (c2 * coils + c) + 1] = -im;
      }
    }
    const lambda = powerIterate(m, coils, v, w, iterations);
    eigenvalues[p] = lambda;
    if (keep(lambda)) rotateToReference(v, ref, coils, maps, p, plane);
  }
  return { maps, eigenvalues };
}
