/**
 * Real files from Debian packages and ami.js against values an independent
 * decoder wrote (fixtures/dicom/make-expected.py: pydicom + gdcm, nibabel for
 * mosaic geometry). ami.js's data is fetched with `npm pack` into a temporary
 * folder, as DATA.md prescribes (the registry is reachable in CI).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageVolume } from '../array';
import { loadVolume } from './load';

interface Expected {
  shape: [number, number, number];
  sha256: string;
  min: number;
  max: number;
  mean: number;
  pixels: [number, number, number, number][];
  blocks: (number | null)[];
  lossy: boolean;
  transferSyntax: string;
  firstPosition: number[] | null;
  lastPosition: number[] | null;
  pixelSpacing: number[] | null;
  timePoints?: number;
}
const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures/dicom/expected.json'), 'utf8')) as {
  files: Record<string, Expected>;
  folders: Record<string, Expected>;
  errors: Record<string, string>;
};

const tmp = mkdtempSync(join(tmpdir(), 'dicom-real-'));
const ROOTS: Record<string, string> = {
  pydicom: '/usr/lib/python3/dist-packages/pydicom/data/test_files',
  heudiconv: '/usr/lib/python3/dist-packages/heudiconv/tests/data',
  dicom3tools: '/usr/share/doc/dicom3tools/examples',
  ami: join(tmp, 'package/data/dicom'),
  fixture: join(__dirname, 'fixtures/dicom'),
};
const pathOf = (key: string): string => {
  const i = key.indexOf('/');
  return join(ROOTS[key.slice(0, i)]!, key.slice(i + 1));
};

beforeAll(() => {
  // ami.js 0.33.0 ships the GE JPEG Lossless, Philips multiframe and Siemens MPRAGE examples.
  execFileSync('npm', ['pack', 'ami.js@0.33.0', '--pack-destination', tmp, '--silent'], { stdio: 'pipe', timeout: 170_000 });
  execFileSync('tar', ['xzf', join(tmp, 'ami.js-0.33.0.tgz'), '-C', tmp, 'package/data/dicom']);
}, 180_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const mean = (a: Float32Array, pick: (i: number) => boolean = () => true): number => {
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (pick(i)) (s += a[i]!), n++;
  return s / n;
};

function compare(v: ImageVolume, e: Expected): void {
  expect(v.image.shape).toEqual(e.shape);
  const [ns, r, c] = e.shape;
  const data = v.image.data;
  const at = (k: number, y: number, x: number): number => data[(k * r + y) * c + x]!;
  let min = Infinity;
  let max = -Infinity;
  for (const x of data) (min = Math.min(min, x)), (max = Math.max(max, x));
  if (e.lossy) {
    // Another JPEG decoder may round differently: compare block means.
    for (let b = 0; b < 16; b++) {
      if (e.blocks[b] === null) continue;
      const [i, j] = [Math.floor(b / 4), b % 4];
      const inBlock = (idx: number): boolean => {
        const y = Math.floor(idx / c) % r;
        const x = idx % c;
        return y >= Math.floor((i * r) / 4) && y < Math.floor(((i + 1) * r) / 4) && x >= Math.floor((j * c) / 4) && x < Math.floor(((j + 1) * c) / 4);
      };
      expect(Math.abs(mean(data, inBlock) - e.blocks[b]!)).toBeLessThan(1 + 0.002 * Math.abs(e.max - e.min));
    }
  } else {
    for (const [k, y, x, value] of e.pixels) expect(at(k, y, x), `pixel ${k},${y},${x}`).toBe(value);
    expect(min).toBe(e.min);
    expect(max).toBe(e.max);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(e.sha256);
  }
  expect(mean(data)).toBeCloseTo(e.mean, 1);
  void ns;
  if (e.pixelSpacing) expect(v.geometry.spacing.slice(1)).toEqual(e.pixelSpacing);
  if (e.firstPosition && e.lastPosition) {
    const pos = JSON.parse(String(v.meta.ImagePositionPatient)) as number[][];
    expect(pos).toHaveLength(e.shape[0]);
    for (let i = 0; i < 3; i++) {
      expect(pos[0]![i]!).toBeCloseTo(e.firstPosition[i]!, 2);
      expect(pos[pos.length - 1]![i]!).toBeCloseTo(e.lastPosition[i]!, 2);
    }
  }
}

describe('real DICOM files decode like pydicom + gdcm', () => {
  for (const [key, e] of Object.entries(fixture.files)) {
    it(`${key} (${e.shape.join('x')}, ${e.transferSyntax})`, async () => {
      const v = (await loadVolume(pathOf(key))) as ImageVolume;
      expect(v.kind).toBe('image');
      compare(v, e);
    });
  }
  for (const [key, e] of Object.entries(fixture.folders)) {
    it(`folder ${key}: first of ${e.timePoints} time points`, async () => {
      const v = (await loadVolume(pathOf(key))) as ImageVolume;
      compare(v, e);
      expect(String(v.meta.notes)).toContain(`4D series: ${e.timePoints} time points of ${e.shape[0]} slices; time point 0 read`);
    });
  }
});

describe('real DICOM files that must be refused by name', () => {
  for (const [key, pattern] of Object.entries(fixture.errors)) {
    it(key, async () => {
      const p = pathOf(key);
      expect(existsSync(p)).toBe(true);
      await expect(loadVolume(p)).rejects.toThrow(new RegExp(`^${p.replace(/[.+]/g, '\\$&')}: .*${pattern}`));
    });
  }
});
