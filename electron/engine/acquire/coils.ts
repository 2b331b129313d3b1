/**
 * Synthetic birdcage-style receive sensitivities. Coil c sits on a circle of
 * radius COIL_RADIUS (in units of half the larger FOV side) around the image
 * centre at angle 2 pi c / N; its magnitude falls off as a Gaussian of the
 * distance to the coil and its phase turns smoothly across the FOV with the
 * coil's angle. The maps are then normalised so that sum_c |S_c|^2 = 1 at every
 * pixel, which makes both SENSE combination with these maps and the
 * root-sum-of-squares of fully sampled coil images return the image itself.
 *
 * The geometry is deterministic (no seed): the same matrix and coil count give
 * the same maps, so comparisons across seeds differ only in phase and noise.
 */

const COIL_RADIUS = 1.5;
const FALLOFF = 1.0;

/** Interleaved complex [coil][y][x]; all ones for a single coil. */
export function birdcageSens(coils: number, ny: number, nx: number): Float32Array {
  const plane = ny * nx;
  const out = new Float32Array(2 * coils * plane);
  if (coils === 1) {
    for (let i = 0; i < plane; i++) out[2 * i] = 1;
    return out;
  }
  const half = Math.max(ny, nx) / 2;
  const re = new Float64Array(coils * plane);
  const im = new Float64Array(coils * plane);
  const sumSq = new Float64Array(plane);
  for (let c = 0; c < coils; c++) {
    const th = (2 * Math.PI * c) / coils;
    const cy = COIL_RADIUS * Math.sin(th);
    const cx = COIL_RADIUS * Math.cos(th);
    for (let y = 0; y < ny; y++) {
      const py = (y - ny / 2) / half;
      for (let x = 0; x < nx; x++) {
        const px = (x - nx / 2) / half;
        const d2 = (py - cy) ** 2 + (px - cx) ** 2;
        const mag = Math.exp(-d2 / (2 * FALLOFF * FALLOFF));
        // Phase: the coil's own offset plus a gentle ramp along its tangent.
        const ph = th + 0.5 * Math.PI * (-Math.sin(th) * px + Math.cos(th) * py);
        const i = c * plane + y * nx + x;
        re[i] = mag * Math.cos(ph);
        im[i] = mag * Math.sin(ph);
        sumSq[y * nx + x]! += mag * mag;
      }
    }
  }
  for (let p = 0; p < plane; p++) {
    const inv = 1 / Math.sqrt(sumSq[p]!);
    for (let c = 0; c < coils; c++) {
      const i = c * plane + p;
      out[2 * i] = re[i]! * inv;
      out[2 * i + 1] = im[i]! * inv;
    }
  }
  return out;
}
