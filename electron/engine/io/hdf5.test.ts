/**
 * fastMRI HDF5 reading on files h5py writes in the dataset's own layout
 * (hdf5-fixtures.ts): shapes, the height/width transposition, values,
 * references and their crop, the mask, the ISMRMRD header, slice ranges, and
 * clear errors for broken files.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReaderError } from './errors';
import { openFastMri, readFastMri } from './hdf5';
import { writeFastMriFixtures } from './hdf5-fixtures';
import { parseIsmrmrdHeader } from './ismrmrd-header';
import { loadVolume } from './load';

let dir: string;
let values: { multi: number[][]; single: number[][]; rss: number[][] };
const p = (n: string): string => join(dir, n);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fastmri-'));
  writeFastMriFixtures(dir);
  values = JSON.parse(readFileSync(p('values.json'), 'utf8'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function readerError(run: () => Promise<unknown>): Promise<ReaderError> {
  try {
    await run();
  } catch (e) {
    expect(e).toBeInstanceOf(ReaderError);
    return e as ReaderError;
  }
  throw new Error('expected a ReaderError');
}

describe('multi-coil', () => {
  it('reads [slice][coil][height][width] as [slice][coil][ky=width][kx=height]', async () => {
    const v = await readFastMri(p('multicoil.h5'));
    expect(v.kspace.shape).toEqual([3, 4, 16, 24]);
    for (const [s, c, h, w, re, im] of values.multi as [number, number, number, number, number, number][]) {
      const o = 2 * (((s * 4 + c) * 16 + w) * 24 + h);
      expect(v.kspace.data[o]).toBeCloseTo(re, 6);
      expect(v.kspace.data[o + 1]).toBeCloseTo(im, 6);
    }
    expect(v.mask).toBeUndefined();
    expect(v.source.format).toBe('hdf5');
  });

  it('keeps the reference at the recon size, transposed, and records the crop', async () => {
    const v = await readFastMri(p('multicoil.h5'));
    expect(v.reference?.shape).toEqual([3, 8, 12]);
    for (const [s, h, w, val] of values.rss as [number, number, number, number][]) {
      expect(v.reference!.data[(s * 8 + w) * 12 + h]).toBeCloseTo(val, 5);
    }
    expect(v.meta).toMatchObject({ cropY: 8, cropX: 12, referenceDataset: 'reconstruction_rss', acquisition: 'AXT2', patient_id: 'abc123', norm: 1.5, fastmriKind: 'multicoil', sliceStart: 0, sliceTotal: 3 });
    expect(v.meta.max).toBeCloseTo(Math.max(...v.reference!.data), 5);
    // Spacing from the encoded FOV: 3 mm slices, 160 mm / 16 phase, 240 mm / 24 readout.
    expect(v.geometry.spacing).toEqual([3, 10, 10]);
    expect(v.meta).toMatchObject({ encodedMatrix: '24x16x1', reconMatrix: '12x8x1', fieldStrengthT: 2.89362, trMs: 2750, teMs: 27, systemModel: 'Skyra' });
  });

  it('turns the mask over width into whole rows ky', async () => {
    const v = await readFastMri(p('masked.h5'));
    expect(v.mask?.shape).toEqual([16, 24]);
    const rows = Array.from({ length: 16 }, (_, y) => v.mask!.data[y * 24]);
    expect(rows).toEqual([1, 0, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0]);
    for (let y = 0; y < 16; y++) expect(new Set(v.mask!.data.subarray(y * 24, (y + 1) * 24)).size).toBe(1);
    // Unsampled rows are zero in the k-space too, so mask and data agree.
    expect(v.kspace.data[2 * (1 * 24 + 5)]).toBe(0);
    expect(v.kspace.data[2 * (3 * 24 + 5)]).not.toBe(0);
    // No reference: the crop comes from the header's reconSpace (y = phase, x = readout).
    expect(v.meta).toMatchObject({ cropY: 8, cropX: 12 });
    expect(v.reference).toBeUndefined();
  });

  it('reads a slice range, and one slice at a time through a handle', async () => {
    const all = await readFastMri(p('multicoil.h5'));
    const part = await readFastMri(p('multicoil.h5'), { slices: [1, 3] });
    const per = 2 * 4 * 16 * 24;
    expect(part.kspace.shape).toEqual([2, 4, 16, 24]);
    expect(part.kspace.data).toEqual(all.kspace.data.subarray(per, 3 * per));
    expect(part.reference!.data).toEqual(all.reference!.data.subarray(96, 288));
    expect(part.meta).toMatchObject({ sliceStart: 1, sliceTotal: 3 });
    const h = await openFastMri(p('multicoil.h5'));
    try {
      expect(h.readKSpace(2)).toEqual(all.kspace.data.subarray(2 * per, 3 * per));
      expect(h.readReference(0)).toEqual(all.reference!.data.subarray(0, 96));
      expect(() => h.readKSpace(3)).toThrow(/slice 3 is outside its 3 slices/);
    } finally {
      h.close();
    }
    expect(() => h.readKSpace(0)).toThrow(/after the file was closed/);
    expect((await readerError(() => readFastMri(p('multicoil.h5'), { slices: [2, 5] }))).problem).toMatch(/slices 2:5 are outside its 3 slices \(0:3\)/);
  });
});

describe('single-coil', () => {
  it('reads [slice][height][width] as one coil, transposed, with the ESC reference', async () => {
    const v = await readFastMri(p('singlecoil.h5'));
    expect(v.kspace.shape).toEqual([2, 1, 10, 16]);
    for (const [s, h, w, re, im] of values.single as [number, number, number, number, number][]) {
      const o = 2 * ((s * 10 + w) * 16 + h);
      expect(v.kspace.data[o]).toBeCloseTo(re, 6);
      expect(v.kspace.data[o + 1]).toBeCloseTo(im, 6);
    }
    expect(v.reference?.shape).toEqual([2, 6, 8]);
    expect(v.meta).toMatchObject({ referenceDataset: 'reconstruction_esc', fastmriKind: 'singlecoil', cropY: 6, cropX: 8 });
    expect(v.geometry.spacing).toEqual([4.5, 10, 10]);
  });
});

describe('through loadVolume', () => {
  it('picks the HDF5 reader by content, hashes the file, passes the slice range', async () => {
    const copy = p('scan-without-extension');
    writeFileSync(copy, readFileSync(p('multicoil.h5')));
    const v = await loadVolume(copy, { slices: [2, 3] });
    expect(v.kind).toBe('kspace');
    if (v.kind !== 'kspace') return;
    expect(v.kspace.shape).toEqual([1, 4, 16, 24]);
    expect(v.source).toEqual({ path: copy, format: 'hdf5', sha256: createHash('sha256').update(readFileSync(copy)).digest('hex') });
  });
});

describe('broken files', () => {
  it('name the file and the problem', async () => {
    const bytes = readFileSync(p('multicoil.h5'));
    const cut = p('truncated.h5');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const cases: [string, RegExp][] = [
      [cut, /(not a readable HDF5 file|corrupt HDF5 file|cannot read slice \d+ of 'kspace').*\(HDF5: /],
      [p('no-kspace.h5'), /no 'kspace' dataset: not a fastMRI file/],
      [p('real-kspace.h5'), /dataset 'kspace' is not complex/],
      // fastMRI (3, 4, 24, 16) index [1, 2, 3, 4] is ours [1][2][ky=4][kx=3]: complex index 2 * 16 * 24 + 4 * 24 + 3 = 867 within the slice.
      [p('nan.h5'), /slice 1 of 'kspace' has a NaN or infinite value \(at complex index 867, in our \[coil\]/],
      [p('bad-mask.h5'), /dataset 'mask' has shape \[24\]; expected \[16\]/],
      [p('absurd.h5'), /absurd 'kspace' dimensions \[100000, 64, 640, 368\]/],
      [p('absurd-coils.h5'), /absurd coil count 5000/],
      // 40 x 16 x 640 x 368 declared, nothing written: 30 MB per slice from a few kB.
      [p('hollow.h5'), /one slice of 'kspace' would take 30146560 bytes, implausibly many for a file of this size/],
    ];
    for (const [file, re] of cases) {
      const e = await readerError(() => loadVolume(file));
      expect(e.file).toBe(file);
      expect(e.problem).toMatch(re);
    }
    const header = p('header-only.h5');
    writeFileSync(header, bytes.subarray(0, 8));
    expect((await readerError(() => loadVolume(header))).problem).toMatch(/not a readable HDF5 file/);
  });
});

describe('mutated files', () => {
  it('end in a ReaderError or a volume, and the HDF5 module keeps working after aborts', async () => {
    const base = readFileSync(p('multicoil.h5'));
    let seed = 99;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    let errors = 0;
    for (let i = 0; i < 60; i++) {
      const b = Buffer.from(base);
      for (let j = 0; j < 6; j++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      const file = p(`mutated-${i}.h5`);
      writeFileSync(file, i % 4 === 0 ? b.subarray(0, Math.floor(rnd() * b.length)) : b);
      try {
        await readFastMri(file);
      } catch (e) {
        expect(e).toBeInstanceOf(ReaderError);
        expect((e as ReaderError).file).toBe(file);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(5);
    expect((await readFastMri(p('multicoil.h5'))).kspace.shape).toEqual([3, 4, 16, 24]);
  });
});

describe('ISMRMRD header', () => {
  it('finds sizes and FOV, ignores what is missing or not a positive number', () => {
    const h = parseIsmrmrdHeader('<ismrmrdHeader><encoding><encodedSpace><matrixSize><x>640</x><y>368</y><z>1</z></matrixSize><fieldOfView_mm><x>440</x><y>252.34</y><z>4.5</z></fieldOfView_mm></encodedSpace><reconSpace><matrixSize><x>-3</x><y>320</y></matrixSize></reconSpace></encoding></ismrmrdHeader>');
    expect(h.encodedMatrix).toEqual({ x: 640, y: 368, z: 1 });
    expect(h.encodedFovMm).toEqual({ x: 440, y: 252.34, z: 4.5 });
    expect(h.reconMatrix).toBeUndefined();
    expect(parseIsmrmrdHeader('<encoding><encodedSpace>'.repeat(20000)).encodedMatrix).toBeUndefined();
  });
});
