/** The benches' shared test slice and statistics (bench/learned/run.ts, ab.ts). */
import { existsSync } from 'node:fs';
import { rtensor, type RTensor } from '../../electron/engine/array';
import { loadVolume } from '../../electron/engine/io';

export const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Colin27's middle axial slice, /p99.5, zero-padded or centre-cropped to n x n: [1][n][n]. */
export async function colinSlice(n: number): Promise<RTensor> {
  const path = '/usr/share/mricron/templates/ch2.nii.gz';
  if (!existsSync(path)) throw new Error(`${path} missing: apt-get install mricron-data (see shared/DATA.md)`);
  const vol = await loadVolume(path);
  if (vol.kind !== 'image') throw new Error(`${path} did not load as an image`);
  const [slices, ny, nx] = vol.image.shape as [number, number, number];
  const s = Math.floor(slices / 2);
  const src = vol.image.data.subarray(s * ny * nx, (s + 1) * ny * nx);
  const sorted = Float32Array.from(src).map(Math.abs).sort();
  const p995 = sorted[Math.min(sorted.length - 1, Math.floor(0.995 * (sorted.length - 1)))]! || 1;
  const img = rtensor([1, n, n]);
  // Same rule as data.center_crop_pad: crop the centre when larger, then centre in the n x n frame.
  const cy = Math.min(ny, n), cx = Math.min(nx, n);
  const sy = Math.max(0, (ny - n) >> 1), sx = Math.max(0, (nx - n) >> 1);
  const oy = (n - cy) >> 1, ox = (n - cx) >> 1;
  for (let y = 0; y < cy; y++) for (let x = 0; x < cx; x++) img.data[(y + oy) * n + x + ox] = Math.abs(src[(y + sy) * nx + x + sx]!) / p995;
  return img;
}
