/**
 * Row (1D) undersampling after fastMRI's fastmri/data/subsample.py: a block of
 * nLow = round(ny * centerFraction) rows at the k-space centre, starting at
 * pad = floor((ny - nLow + 1) / 2), plus outer rows chosen by the kind:
 *
 *   random              nTarget = round(ny / accel) rows in total; the
 *                       nTarget - nLow outer rows are drawn uniformly without
 *                       replacement from the rows outside the centre.
 *   equispaced          fastMRI EquiSpacedMaskFunc: rows offset, offset+accel,
 *                       ... with offset uniform in [0, round(accel)). Spacing is
 *                       exactly regular (GRAPPA style), so the centre block
 *                       makes the achieved acceleration LOWER than requested
 *                       (e.g. 256 rows, 4x, 0.08 -> 3.24x); Mask.accel says so.
 *   equispaced-fraction fastMRI EquispacedMaskFractionFunc: the spacing is
 *                       adjusted to accel (nLow - n) / (nLow accel - n) so the
 *                       total INCLUDING the centre hits accel; positions are
 *                       rounded, so gaps alternate between floor and ceil of
 *                       that spacing (fastMRI issue #54).
 *
 * Deviation from fastMRI for `random`: fastMRI keeps each outer row
 * independently with prob (n/accel - nLow)/(n - nLow), so the count is
 * binomial; at 8x on 218 rows that is +-15% in acceleration from mask to mask.
 * Drawing exactly the expected count keeps the same per-row probability but
 * makes every mask hit the requested acceleration, which comparisons need.
 */
import type { Rng } from '../array';
import type { LineMaskSpec } from './types';

export interface LineMaskResult {
  /** Length-ny 0/1 row selection. */
  rows: Uint8Array;
  center: [number, number];
}

export function centerBlock(n: number, centerFraction: number): [number, number] {
  const nLow = Math.round(n * centerFraction);
  const pad = Math.floor((n - nLow + 1) / 2);
  return [pad, pad + nLow];
}

function randomRows(n: number, accel: number, center: [number, number], rng: Rng, rows: Uint8Array): void {
  const nLow = center[1] - center[0];
  const outer: number[] = [];
  for (let i = 0; i < n; i++) if (i < center[0] || i >= center[1]) outer.push(i);
  const k = Math.min(outer.length, Math.max(0, Math.round(n / accel) - nLow));
  // Partial Fisher-Yates: the first k entries become a uniform k-subset.
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(outer.length - i);
    const t = outer[i]!;
    outer[i] = outer[j]!;
    outer[j] = t;
    rows[outer[i]!] = 1;
  }
}

function spacedRows(n: number, step: number, offset: number, end: number, rows: Uint8Array): void {
  for (let k = 0; ; k++) {
    const pos = offset + k * step;
    if (pos >= end) break;
    const r = Math.round(pos);
    if (r < n) rows[r] = 1;
  }
}

export function lineMask(spec: LineMaskSpec, n: number, rng: Rng): LineMaskResult {
  const rows = new Uint8Array(n);
  const center = centerBlock(n, spec.centerFraction);
  const nLow = center[1] - center[0];
  if (spec.kind === 'random') {
    randomRows(n, spec.accel, center, rng, rows);
  } else if (spec.kind === 'equispaced') {
    const offset = rng.int(Math.max(1, Math.round(spec.accel)));
    spacedRows(n, spec.accel, offset, n, rows);
  } else {
    const adjusted = (spec.accel * (nLow - n)) / (nLow * spec.accel - n);
    const offset = rng.int(Math.max(1, Math.round(adjusted)));
    // fastMRI's np.arange(offset, n - 1, adjusted): the last row is never a start.
    spacedRows(n, adjusted, offset, n - 1, rows);
  }
  for (let i = center[0]; i < center[1]; i++) rows[i] = 1;
  return { rows, center };
}
