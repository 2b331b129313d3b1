/** What bench/learned/run.ts and ab.ts share: argument parsing, the test slice, the median. */
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

/**
 * The script's flags: `valued` take one value, `switches` none; anything else
 * ends the process with one line naming it (a bad flag is the user's mistake,
 * not the bench's: no stack).
 */
export function parseFlags(script: string, valued: string[], switches: string[] = []) {
  const args = process.argv.slice(2);
  const fail = (msg: string): never => {
    console.error(`${script}: ${msg}`);
    process.exit(1);
  };
  for (let i = 0; i < args.length; i++) {
    if (valued.includes(args[i]!)) i++;
    else if (!switches.includes(args[i]!)) fail(`unknown argument ${args[i]} (flags: ${[...valued.map((v) => `${v} X`), ...switches].join(', ')})`);
  }
  const flag = (name: string): string | undefined => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const v = args[i + 1];
    if (v === undefined || v.startsWith('--')) fail(`${name} needs a value`);
    return v;
  };
  return { flag, fail, has: (name: string) => args.includes(name) };
}
