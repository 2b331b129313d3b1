/**
 * The fully sampled calibration (ACS) region at the centre of k-space.
 * The centre is index floor(n/2) on each axis (the centred-FFT convention of
 * fft/centered.ts). Like BART's calibration extraction, the region grows from
 * the centre, one axis at a time, while it stays fully sampled and within the
 * requested size, so 1D-undersampled data (all kx, a band of ky) and 2D
 * Poisson masks with a calibration square both give the largest usable box.
 */

export interface CalibRegion {
  /** First ky / kx of the region. */
  y0: number;
  x0: number;
  /** Size in ky / kx. */
  ny: number;
  nx: number;
}

/** A k-space location counts as sampled when any coil is non-zero there (unsampled = exactly zero). */
export function sampledPattern(kspace: Float32Array, coils: number, ny: number, nx: number): Uint8Array {
  const plane = ny * nx;
  const out = new Uint8Array(plane);
  for (let c = 0; c < coils; c++) {
    const base = 2 * c * plane;
    for (let p = 0; p < plane; p++) {
      if (kspace[base + 2 * p] !== 0 || kspace[base + 2 * p + 1] !== 0) out[p] = 1;
    }
  }
  return out;
}

function boxSampled(s: Uint8Array, nx: number, y0: number, x0: number, hy: number, hx: number): boolean {
  for (let y = y0; y < y0 + hy; y++) {
    for (let x = x0; x < x0 + hx; x++) if (!s[y * nx + x]) return false;
  }
  return true;
}

/** Largest centred fully sampled box of at most maxY x maxX; size 0x0 when even the centre is missing. */
export function findCalibRegion(sampled: Uint8Array, ny: number, nx: number, maxY: number, maxX: number): CalibRegion {
  const cy = ny >> 1;
  const cx = nx >> 1;
  const box = (hy: number, hx: number): CalibRegion => ({ y0: cy - (hy >> 1), x0: cx - (hx >> 1), ny: hy, nx: hx });
  if (!sampled[cy * nx + cx]) return { y0: cy, x0: cx, ny: 0, nx: 0 };
  let hy = 1;
  let hx = 1;
  const limY = Math.min(maxY, ny);
  const limX = Math.min(maxX, nx);
  for (let grew = true; grew; ) {
    grew = false;
    if (hy < limY) {
      const b = box(hy + 1, hx);
      if (boxSampled(sampled, nx, b.y0, b.x0, b.ny, b.nx)) {
        hy++;
        grew = true;
      }
    }
    if (hx < limX) {
      const b = box(hy, hx + 1);
      if (boxSampled(sampled, nx, b.y0, b.x0, b.ny, b.nx)) {
        hx++;
        grew = true;
      }
    }
  }
  return box(hy, hx);
}
