/**
 * Display orientation from the RAS affine (scan.ts): screen rows run
 * downward, so a row index that increases towards anterior or superior is
 * flipped for display (NIfTI axial volumes usually store posterior first;
 * DICOM stores rows already in display order). Left-right is left as stored.
 */
import type { Geometry } from './scan';

export function displayFlipY(geometry: Geometry): boolean {
  const a = geometry.affine;
  if (!a || a.length !== 16) return false;
  // Column 1 of the 4x4 row-major affine: where +1 in the row index (y) points.
  const col = [a[1]!, a[5]!, a[9]!];
  const dominant = col.reduce((best, v, i) => (Math.abs(v) > Math.abs(col[best]!) ? i : best), 0);
  return dominant !== 0 && col[dominant]! > 0;
}
