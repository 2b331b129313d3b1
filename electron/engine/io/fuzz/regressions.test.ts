/**
 * Crashes the fuzz corpus found, pinned one by one with the message the user
 * now gets instead (so a refactor cannot quietly bring them back).
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImageVolume } from '../../array';
import { ReaderError } from '../errors';
import { loadVolume } from '../load';
import { readNifti } from '../nifti';
import { readDicom, readDicomSeries, type DicomFile } from '../dicom';
import { mrSlice, type SliceSpec } from './dicom-writer';
import { mapDicom } from './mutate';
import { hdf5Seeds, PYDICOM, writeNifti } from './seeds';
import { readFastMri } from '../hdf5';
import { loadH5wasm } from '../hdf5-module';

const tmp = mkdtempSync(join(tmpdir(), 'fuzz-regress-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const base = (): Uint8Array => writeNifti(1, 'int16', [4, 4, 2], Float32Array.from({ length: 32 }, (_, i) => i), true);
const setF32 = (b: Uint8Array, at: number, v: number): Uint8Array => {
  new DataView(b.buffer).setFloat32(at, v, true);
  return b;
};
function readerError(fn: () => unknown): ReaderError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ReaderError);
    return e as ReaderError;
  }
  throw new Error('expected a ReaderError');
}

describe('NIfTI robustness', () => {
  it('NaN vox_offset is an error, not a silent read from byte 0 (was RangeError: Invalid DataView length)', () => {
    expect(readerError(() => readNifti(setF32(base(), 108, NaN), 'a.nii')).message).toBe('a.nii: invalid vox_offset NaN (must be a finite byte offset)');
  });

  it('a non-finite sform falls back to the qform, then pixdim, and says so', () => {
    const b = setF32(base(), 280, Infinity);
    const v = readNifti(b, 'b.nii');
    expect(v.meta.affineSource).toBe('pixdim (sform not finite)');
    expect(v.geometry.affine).toEqual([1, 0, 0, 0, 0, 1.2000000476837158, 0, 0, 0, 0, 2.5, 0, 0, 0, 0, 1]);
    new DataView(b.buffer).setInt16(252, 1, true); // qform_code 1, identity quaternion
    expect(readNifti(b, 'b.nii').meta.affineSource).toBe('qform (sform not finite)');
  });

  it('infinite or zero pixdim gives 1 mm spacing, never Infinity', () => {
    const b = setF32(setF32(base(), 80, Infinity), 88, 0);
    expect(readNifti(b, 'c.nii').geometry.spacing).toEqual([1, 1.2000000476837158, 1]);
  });

  it('scl_slope that overflows float32 is an error, not a volume of Infinity', () => {
    const v = readerError(() => readNifti(setF32(base(), 112, 1e38), 'd.nii'));
    expect(v.message).toMatch(/^d\.nii: scl_slope 9\.9+\d*e\+37 \/ scl_inter 0 scale voxel 4 beyond the float32 range$/);
    expect((readNifti(setF32(base(), 112, 2), 'e.nii') as ImageVolume).image.data[3]).toBe(6);
  });
});

describe('loadVolume robustness', () => {
  it('a .nii.gz bomb (small header, 64 MiB of trailing zeros) is refused while inflating', async () => {
    const p = join(tmp, 'bomb.nii.gz');
    const z = createGzip({ level: 1 });
    const done = pipeline(z, createWriteStream(p));
    z.write(base());
    const zeros = new Uint8Array(2 ** 20);
    for (let i = 0; i < 64; i++) z.write(zeros);
    z.end();
    await done;
    const ab0 = process.memoryUsage().arrayBuffers;
    const e = await loadVolume(p).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ReaderError);
    expect((e as ReaderError).problem).toBe('gzip data inflates to more than 1048992 bytes, though the NIfTI header declares 416 (corrupt file or decompression bomb)');
    expect(process.memoryUsage().arrayBuffers - ab0).toBeLessThan(16 * 2 ** 20);
    // The same data without the trailing zeros still opens.
    writeFileSync(p, gzipSync(base()));
    expect(((await loadVolume(p)) as ImageVolume).image.shape).toEqual([2, 4, 4]);
  });

  it('a FIFO is refused at once instead of blocking forever', async () => {
    const fifo = join(tmp, 'pipe.nii');
    execFileSync('mkfifo', [fifo]);
    const t0 = performance.now();
    const e = await loadVolume(fifo).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ReaderError);
    expect((e as ReaderError).message).toBe(`${fifo}: not a regular file or folder`);
    expect(performance.now() - t0).toBeLessThan(500);
  });
});

describe('DICOM robustness', () => {
  const slice = (k: number, over: Partial<SliceSpec> = {}): DicomFile => ({
    name: `IM${k}`,
    bytes: mrSlice({
      rows: 8,
      cols: 8,
      pixels: new Uint16Array(64).fill(k + 1),
      position: [0, 0, 2 * k],
      instance: k + 1,
      seriesUID: '1.2.3.4',
      studyUID: '1.2.3',
      frameOfReferenceUID: '1.2.3.5',
      ...over,
    }),
  });

  it('a NumberOfFrames the fragments cannot hold is refused before the volume is allocated (was 99 MiB)', () => {
    const b = new Uint8Array(readFileSync(join(PYDICOM, 'JPGExtended.dcm')));
    // Its NumberOfFrames (IS, 2 bytes: "1 ") becomes "99": 99 x 1024 x 256 float32 would be 99 MiB.
    const at = mapDicom(b).hot.find((h) => h.tag === '(0028,0008)')!.at;
    expect([b[at + 6], b[at + 8]]).toEqual([2, 0x31]);
    b[at + 8] = b[at + 9] = 0x39;
    const ab0 = process.memoryUsage().arrayBuffers;
    const e = readerError(() => readDicom(b, 'jpg.dcm'));
    expect(e.message).toBe('jpg.dcm: NumberOfFrames 99 but Pixel Data has only 1 fragments');
    expect(process.memoryUsage().arrayBuffers - ab0).toBeLessThan(4 * 2 ** 20);
  });

  it('PixelSpacing 0 gives 1 mm and a note, never a zero spacing', () => {
    const v = readDicomSeries([slice(0, { spacing: [0, 0.5] }), slice(1, { spacing: [0, 0.5] })], 'ser');
    expect(v.geometry.spacing).toEqual([2, 1, 1]);
    expect(String(v.meta.notes)).toMatch(/PixelSpacing 0\\0\.5 is not positive; 1 mm assumed/);
  });

  it('positions that overflow (1e308 apart) drop the affine with a note instead of passing Infinity on', () => {
    const v = readDicomSeries([slice(0, { position: [0, 0, -1e308] }), slice(1, { position: [0, 0, 1e308] })], 'ser');
    expect(v.geometry.affine).toBeUndefined();
    expect(v.geometry.spacing.every(Number.isFinite)).toBe(true);
    expect(String(v.meta.notes)).toMatch(/overflow; no affine/);
  });
});

describe('HDF5 robustness', () => {
  it('a garbage ismrmrd_header string length fails at once instead of growing the HDF5 heap to 2 GiB', async () => {
    await loadH5wasm();
    const seed = hdf5Seeds(tmp).find((h) => h.name === 'nonfinite.h5')!;
    const b = seed.bytes.slice();
    const dv = new DataView(b.buffer);
    // The scalar variable-length string is stored as {length u32, heap address u64, index u32}.
    const gcol = Buffer.from(b).indexOf('GCOL');
    let ref = -1;
    for (let i = 0; i + 16 <= b.length && ref < 0; i++) if (dv.getUint32(i, true) === 266 && Number(dv.getBigUint64(i + 4, true)) === gcol) ref = i;
    expect(ref).toBeGreaterThan(0);
    dv.setUint32(ref, 0x6c000000, true); // 1.8 GB
    const p = join(tmp, 'long-header.h5');
    writeFileSync(p, b);
    const rss0 = process.memoryUsage.rss();
    const t0 = performance.now();
    const e = await readFastMri(p).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ReaderError);
    expect((e as ReaderError).message).toMatch(/^.*long-header\.h5: corrupt HDF5 file \(/);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(process.memoryUsage.rss() - rss0).toBeLessThan(256 * 2 ** 20);
    // And the reader still works for a valid file afterwards.
    const ok = join(tmp, 'single.h5');
    expect((await readFastMri(ok)).kspace.shape).toEqual([2, 1, 32, 16]);
  });
});
