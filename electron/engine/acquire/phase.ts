/**
 * A smooth random background phase, as real scans have from B0 inhomogeneity
 * and receive-chain offsets: a handful of plane-wave cosines of at most one
 * cycle across the field of view, scaled so the largest |phase| over the plane
 * is exactly maxRadians. Low order keeps the image's k-space energy near the
 * centre, as it would be for an acquired image.
 */
import type { Rng } from '../array';

const TERMS = 4;

/** Phase map [y][x] in radians, float64 so the image multiply stays exact. */
export function smoothPhase(ny: number, nx: number, maxRadians: number, rng: Rng): Float64Array {
  const terms: Array<{ a: number; u: number; v: number; t: number }> = [];
  for (let k = 0; k < TERMS; k++) {
    // Draw every coefficient even when maxRadians is 0 so the stream's use
    // never depends on the amplitude.
    terms.push({ a: rng.normal(), u: 2 * rng.next() - 1, v: 2 * rng.next() - 1, t: 2 * Math.PI * rng.next() });
  }
  const phi = new Float64Array(ny * nx);
  let peak = 0;
  for (let y = 0; y < ny; y++) {
    const yn = y / ny - 0.5;
    for (let x = 0; x < nx; x++) {
      const xn = x / nx - 0.5;
      let s = 0;
      for (const { a, u, v, t } of terms) s += a * Math.cos(2 * Math.PI * (u * xn + v * yn) + t);
      phi[y * nx + x] = s;
      peak = Math.max(peak, Math.abs(s));
    }
  }
  const g = peak > 0 ? maxRadians / peak : 0;
  for (let i = 0; i < phi.length; i++) phi[i]! *= g;
  return phi;
}
