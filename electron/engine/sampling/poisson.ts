/**
 * Variable-density Poisson-disc sampling on the k-space grid, in the spirit of
 * BART `poisson` and sigpy `mri.poisson` (own implementation):
 *
 *  - r(p) is the distance of pixel p outside the calib x calib centre square,
 *    normalised per axis to 1 at the edge of k-space, so the density is
 *    isotropic in normalised k-space whatever the matrix aspect;
 *  - the minimum distance around p is (1 + slope r(p)) samples, scaled per axis
 *    by n_axis / max(ny, nx) and never below 1 (an elliptical disc); for low
 *    accelerations a fully sampled core r < r0 is grown instead (densityLaw);
 *  - dart throwing after Bridson: candidates at 1..2 disc radii around a random
 *    active sample, snapped to the grid, kept when no sample lies inside the
 *    candidate's own disc;
 *  - corners beyond r = 1 are left empty (as sigpy's crop_corner), then the
 *    calibration square is filled;
 *  - the density parameter is searched so that the achieved acceleration is
 *    within 2% of the request. A cheap density model (samples ~ c / disc area)
 *    proposes each value, c is re-fitted from every run, and a bracket from the runs so far
 *    guards against a bad proposal by falling back to bisection.
 *
 * Each run restarts the rng from the seed, so the mask depends only on
 * (seed, final density parameter) and the same spec always gives the same bytes.
 */
import { createRng } from '../array';
import type { Rng } from '../array';

export interface PoissonGeometry {
  ny: number;
  nx: number;
  /** First row / column of the calibration square and its side. */
  cy0: number;
  cx0: number;
  calib: number;
  /** Normalised distance outside the calibration square, per pixel. */
  r: Float32Array;
  /** Disc radius scale per axis (aspect correction). */
  sy: number;
  sx: number;
}

export function poissonGeometry(ny: number, nx: number, calib: number): PoissonGeometry {
  const cy0 = (ny >> 1) - (calib >> 1);
  const cx0 = (nx >> 1) - (calib >> 1);
  // Distance outside the square measured from its edges [c0, c0 + calib - 1].
  const dist = (i: number, c0: number): number => Math.max(c0 - i, i - (c0 + calib - 1), 0);
  let maxY = 0;
  let maxX = 0;
  for (let y = 0; y < ny; y++) maxY = Math.max(maxY, dist(y, cy0));
  for (let x = 0; x < nx; x++) maxX = Math.max(maxX, dist(x, cx0));
  const r = new Float32Array(ny * nx);
  for (let y = 0; y < ny; y++) {
    const dy = maxY > 0 ? dist(y, cy0) / maxY : 0;
    for (let x = 0; x < nx; x++) {
      const dx = maxX > 0 ? dist(x, cx0) / maxX : 0;
      r[y * nx + x] = Math.sqrt(dy * dy + dx * dx);
    }
  }
  const m = Math.max(ny, nx);
  return { ny, nx, cy0, cx0, calib, r, sy: ny / m, sx: nx / m };
}

/**
 * The density law is one monotone parameter t >= 0 (larger t, sparser mask):
 *   t < 1   slope BASE_SLOPE with a fully sampled core out to r0 = 1 - t;
 *   t >= 1  no core, slope BASE_SLOPE + (t - 1).
 * On a grid the density jumps from 1 to about 0.45 as the disc radius passes 1
 * (neighbours become excluded), so a slope alone cannot reach accelerations
 * below about 3; growing a dense core covers them continuously.
 */
export interface DensityLaw {
  slope: number;
  r0: number;
}

const BASE_SLOPE = 0.5;

export function densityLaw(t: number): DensityLaw {
  return t < 1 ? { slope: BASE_SLOPE, r0: 1 - t } : { slope: BASE_SLOPE + (t - 1), r0: 0 };
}

/** Disc radius factor (before the per-axis aspect scale) at normalised distance r. */
function radiusFactor(r: number, law: DensityLaw): number {
  return r <= law.r0 ? 1 : 1 + (r - law.r0) * law.slope;
}

/** Disc radii [ry, rx] at pixel index p. */
export function discRadius(g: PoissonGeometry, p: number, law: DensityLaw): [number, number] {
  const f = radiusFactor(g.r[p]!, law);
  return [Math.max(1, f * g.sy), Math.max(1, f * g.sx)];
}

function inCalib(g: PoissonGeometry, y: number, x: number): boolean {
  return y >= g.cy0 && y < g.cy0 + g.calib && x >= g.cx0 && x < g.cx0 + g.calib;
}

const ATTEMPTS = 20;
const INV32 = 1 / 4294967296;

/** One dart-throwing run for a density law; returns the 0/1 mask (calib filled). */
export function poissonRun(g: PoissonGeometry, law: DensityLaw, rng: Rng): Uint8Array {
  const { ny, nx, r, sy, sx } = g;
  const { slope, r0 } = law;
  const occ = new Uint8Array(ny * nx);
  const active = new Int32Array(ny * nx);
  const start = (ny >> 1) * nx + (nx >> 1);
  occ[start] = 1;
  active[0] = start;
  let nActive = 1;
  const twoPi = 2 * Math.PI;
  while (nActive > 0) {
    // 32-bit uniforms are plenty for grid positions and half the cost of next().
    const ai = Math.floor(rng.nextU32() * INV32 * nActive);
    const p = active[ai]!;
    const py = (p / nx) | 0;
    const px = p - py * nx;
    const rp = r[p]!;
    const fp = rp <= r0 ? 1 : 1 + (rp - r0) * slope;
    const ryp = Math.max(1, fp * sy);
    const rxp = Math.max(1, fp * sx);
    let found = false;
    for (let t = 0; t < ATTEMPTS && !found; t++) {
      const ang = twoPi * rng.nextU32() * INV32;
      const d = 1 + rng.nextU32() * INV32;
      const cy = Math.round(py + d * ryp * Math.sin(ang));
      const cx = Math.round(px + d * rxp * Math.cos(ang));
      if (cy < 0 || cy >= ny || cx < 0 || cx >= nx) continue;
      const c = cy * nx + cx;
      const rc = r[c]!;
      if (occ[c]! !== 0 || rc > 1) continue;
      const fc = rc <= r0 ? 1 : 1 + (rc - r0) * slope;
      const ryc = Math.max(1, fc * sy);
      const rxc = Math.max(1, fc * sx);
      const wy = Math.ceil(ryc) - 1;
      const wx = Math.ceil(rxc) - 1;
      const iry2 = 1 / (ryc * ryc);
      const irx2 = 1 / (rxc * rxc);
      let ok = true;
      const y0 = Math.max(0, cy - wy), y1 = Math.min(ny - 1, cy + wy);
      const x0 = Math.max(0, cx - wx), x1 = Math.min(nx - 1, cx + wx);
      for (let y = y0; y <= y1 && ok; y++) {
        const ey = (y - cy) * (y - cy) * iry2;
        const row = y * nx;
        for (let x = x0; x <= x1; x++) {
          if (occ[row + x]! !== 0 && ey + (x - cx) * (x - cx) * irx2 < 1) {
            ok = false;
            break;
          }
        }
      }
      if (!ok) continue;
      occ[c] = 1;
      active[nActive++] = c;
      found = true;
    }
    if (!found) active[ai] = active[--nActive]!;
  }
  for (let y = g.cy0; y < g.cy0 + g.calib; y++) for (let x = g.cx0; x < g.cx0 + g.calib; x++) occ[y * nx + x] = 1;
  return occ;
}

function countOnes(m: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < m.length; i++) s += m[i]!;
  return s;
}

export interface PoissonResult {
  mask: Uint8Array;
  /** The density parameter t of the returned mask (see densityLaw). */
  t: number;
  accel: number;
  runs: number;
}

/** Search t so that ny*nx / samples is within `tol` (relative) of accel. */
export function poissonMask(ny: number, nx: number, accel: number, calib: number, seed: number, tol = 0.02, maxRuns = 30): PoissonResult {
  const g = poissonGeometry(ny, nx, calib);
  const total = ny * nx;
  const target = total / accel;
  // Pixels that dart throwing may fill, by normalised distance; the density
  // model counts 1 per pixel where the disc is a single pixel (dense) and
  // c / disc area elsewhere.
  const free: number[] = [];
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      const p = y * nx + x;
      if (!inCalib(g, y, x) && g.r[p]! <= 1) free.push(g.r[p]!);
    }
  }
  const nCalib = calib * calib;
  const modelParts = (t: number): [number, number] => {
    const law = densityLaw(t);
    let dense = 0;
    let sparse = 0;
    for (const rr of free) {
      const f = radiusFactor(rr, law);
      const a = Math.max(1, f * g.sy) * Math.max(1, f * g.sx);
      if (f <= 1) dense++;
      else sparse += 1 / a;
    }
    return [dense, sparse];
  };
  let c = 0.55; // samples per unit disc area outside the dense core; re-fitted after every run
  const modelCount = (t: number): number => {
    const [d, sp] = modelParts(t);
    return nCalib + d + c * sp;
  };
  let lo = 0;
  let hi = 1 + 4 * Math.max(ny, nx);
  const propose = (): number => {
    // The model count falls as t grows; bisect it for the target inside [lo, hi].
    let a = lo, b = hi;
    if (modelCount(a) < target || modelCount(b) > target) return 0.5 * (lo + hi);
    for (let i = 0; i < 40; i++) {
      const m = 0.5 * (a + b);
      if (modelCount(m) > target) a = m;
      else b = m;
    }
    const t = 0.5 * (a + b);
    return t > lo && t < hi ? t : 0.5 * (lo + hi);
  };
  let best: PoissonResult | null = null;
  for (let run = 1; run <= maxRuns; run++) {
    const t = propose();
    const mask = poissonRun(g, densityLaw(t), createRng(seed, 'mask'));
    const n = countOnes(mask);
    const achieved = total / n;
    if (!best || Math.abs(achieved / accel - 1) < Math.abs(best.accel / accel - 1)) best = { mask, t, accel: achieved, runs: run };
    best.runs = run;
    if (Math.abs(achieved / accel - 1) <= tol) break;
    if (achieved < accel) lo = t;
    else hi = t;
    const [d, sp] = modelParts(t);
    if (sp > 0 && n > nCalib + d) c = (n - nCalib - d) / sp;
    if (hi - lo < 1e-9) break;
  }
  return best!;
}
