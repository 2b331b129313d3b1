import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImageVolume } from '../array';
import { ReaderError } from './errors';
import { loadVolume } from './load';
import { readNifti } from './nifti';

// Expected values below were printed by nibabel 5.0 (Debian python3-nibabel).
const CH2 = '/usr/share/mricron/templates/ch2.nii.gz';
const NIB = '/usr/lib/python3/dist-packages/nibabel/tests/data';
const tmp = mkdtempSync(join(tmpdir(), 'nifti-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Voxel (i, j, k) of our [k][j][i] array. */
const at = (v: ImageVolume, i: number, j: number, k: number): number => {
  const [, ny, nx] = v.image.shape as [number, number, number];
  return v.image.data[(k * ny + j) * nx + i]!;
};
const sum = (a: Float32Array): number => a.reduce((s, x) => s + x, 0);
function expectAffine(actual: number[] | undefined, expected: number[][], tol = 1e-6): void {
  expect(actual).toHaveLength(16);
  expected.flat().forEach((e, i) => expect(Math.abs(actual![i]! - e)).toBeLessThan(tol));
}
function expectReaderError(fn: () => unknown, file: string, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ReaderError);
    expect((e as ReaderError).file).toBe(file);
    expect((e as ReaderError).message.startsWith(`${file}: `)).toBe(true);
    expect((e as ReaderError).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a ReaderError');
}
async function expectLoadError(path: string, pattern: RegExp): Promise<void> {
  const err = await loadVolume(path).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ReaderError);
  expect((err as ReaderError).file).toBe(path);
  expect((err as ReaderError).message).toMatch(pattern);
}

/** A minimal single-file NIfTI-1 (dims up to 3D) for datatype and byte-order cases. */
function nifti1(dims: number[], datatype: number, bitpix: number, payload: Uint8Array, le: boolean, slope = 0, inter = 0): Uint8Array {
  const out = new Uint8Array(352 + payload.length);
  const dv = new DataView(out.buffer);
  dv.setInt32(0, 348, le);
  dv.setInt16(40, dims.length, le);
  dims.forEach((d, i) => dv.setInt16(42 + 2 * i, d, le));
  dv.setInt16(70, datatype, le);
  dv.setInt16(72, bitpix, le);
  for (let i = 0; i < 4; i++) dv.setFloat32(76 + 4 * i, i === 0 ? 1 : 0.5 * (i + 1), le);
  dv.setFloat32(108, 352, le);
  dv.setFloat32(112, slope, le);
  dv.setFloat32(116, inter, le);
  out.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0"
  out.set(payload, 352);
  return out;
}

describe('NIfTI reader on real files', () => {
  it('ch2.nii.gz (181x217x181 uint8): shape, voxels, sform affine, sha256', async () => {
    const v = (await loadVolume(CH2)) as ImageVolume;
    expect(v.kind).toBe('image');
    expect(v.image.shape).toEqual([181, 217, 181]);
    expect(at(v, 90, 108, 90)).toBe(33);
    expect(at(v, 60, 150, 100)).toBe(117);
    expect(at(v, 100, 50, 30)).toBe(86);
    expect(at(v, 45, 170, 120)).toBe(163);
    expect(at(v, 180, 216, 180)).toBe(0);
    expect(sum(v.image.data)).toBe(317151210);
    expectAffine(v.geometry.affine, [[1, 0, 0, -90], [0, 1, 0, -125], [0, 0, 1, -71], [0, 0, 0, 1]]);
    expect(v.geometry.spacing).toEqual([1, 1, 1]);
    expect(v.meta).toMatchObject({ datatype: 'uint8', format: 'NIfTI-1', affineSource: 'sform', nt: 1 });
    expect(v.source).toMatchObject({ path: CH2, format: 'nifti' });
    expect(v.source.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('example4d.nii.gz (4D int16): volume 0 by default, volume 1 on request, nt in meta', async () => {
    const v0 = (await loadVolume(`${NIB}/example4d.nii.gz`)) as ImageVolume;
    const v1 = (await loadVolume(`${NIB}/example4d.nii.gz`, { volume: 1 })) as ImageVolume;
    expect(v0.image.shape).toEqual([24, 96, 128]);
    expect(v0.meta).toMatchObject({ nt: 2, volume: 0, datatype: 'int16' });
    expect(at(v0, 64, 48, 12)).toBe(265);
    expect(at(v1, 64, 48, 12)).toBe(266);
    expect(sum(v0.image.data)).toBe(50994397);
    expect(sum(v1.image.data)).toBe(50990959);
    expect(v0.geometry.spacing[0]).toBeCloseTo(2.199999, 5);
    expectAffine(v0.geometry.affine, [
      [-2, 0, 0, 117.8551025390625],
      [0, 1.9737114906311035, -0.35552823543548584, -35.72294235229492],
      [0, 0.3232076168060303, 2.171081781387329, -7.248798370361328],
      [0, 0, 0, 1],
    ]);
    await expect(loadVolume(`${NIB}/example4d.nii.gz`, { volume: 2 })).rejects.toThrow(/volume index 2 is outside the 2 volume/);
  });

  it('qform (quaternion) is used when sform_code is 0, matching nibabel get_qform()', () => {
    const bytes = new Uint8Array(gunzipSync(readFileSync(`${NIB}/example4d.nii.gz`)));
    new DataView(bytes.buffer, bytes.byteOffset).setInt16(254, 0, true); // sform_code = 0
    const v = readNifti(bytes, 'example4d-qform.nii');
    expect(v.meta.affineSource).toBe('qform');
    expectAffine(v.geometry.affine, [
      [-1.999999995978187, 1.0282396754185892e-5, 0.00013905980362440367, 117.8551025390625],
      [-1.0282396754185892e-5, 1.9737114380364735, -0.3555282247524397, -35.72294235229492],
      [0.00012641805535562603, 0.32320761014906196, 2.1710816833341227, -7.248798370361328],
      [0, 0, 0, 1],
    ], 1e-6);
    new DataView(bytes.buffer, bytes.byteOffset).setInt16(252, 0, true); // qform_code = 0 too
    const p = readNifti(bytes, 'example4d-none.nii');
    expect(p.meta.affineSource).toBe('pixdim');
    expect(p.geometry.affine![0]).toBe(2);
    expect(p.geometry.affine![10]).toBeCloseTo(2.199999, 5);
  });

  it('NIfTI-2 (example_nifti2.nii.gz) reads like its NIfTI-1 twin', async () => {
    const v = (await loadVolume(`${NIB}/example_nifti2.nii.gz`, { volume: 1 })) as ImageVolume;
    expect(v.meta.format).toBe('NIfTI-2');
    expect(v.image.shape).toEqual([12, 20, 32]);
    expect(at(v, 5, 7, 3)).toBe(443);
    expect(at(v, 31, 19, 11)).toBe(457);
    expect(sum(v.image.data)).toBe(3465054);
    expectAffine(v.geometry.affine, [
      [-2, 0, 0, 117.8551025390625],
      [0, 1.9737114906311035, -0.35552823543548584, -35.72294235229492],
      [0, 0.3232076168060303, 2.171081781387329, -7.248798370361328],
      [0, 0, 0, 1],
    ]);
  });

  it('big-endian anatomical.nii and scaled 4D functional.nii (scl_slope/scl_inter applied)', async () => {
    const a = (await loadVolume(`${NIB}/anatomical.nii`)) as ImageVolume;
    expect(a.meta.byteOrder).toBe('big-endian');
    expect(a.image.shape).toEqual([25, 41, 33]);
    expect(at(a, 16, 20, 12)).toBe(11881);
    expect(at(a, 10, 30, 5)).toBe(6777);
    expect(sum(a.image.data)).toBe(284166082);
    expectAffine(a.geometry.affine, [[-2, 0, 0, 32], [0, 2, 0, -40], [0, 0, 2, -16], [0, 0, 0, 1]]);
    const f = (await loadVolume(`${NIB}/functional.nii`, { volume: 19 })) as ImageVolume;
    expect(f.meta.nt).toBe(20);
    expect(f.meta.sclSlope).toBeCloseTo(0.07540696859359741, 7);
    expect(at(f, 8, 10, 1)).toBeCloseTo(3910.858782351017, 2);
    expect(Math.abs(sum(f.image.data) - 3888072.273083091) / 3888072).toBeLessThan(1e-6);
  });
});

describe('NIfTI datatypes (synthetic headers, both byte orders)', () => {
  const cases: [string, number, number, (dv: DataView, i: number, v: number, le: boolean) => void, number[]][] = [
    ['int8', 256, 8, (dv, i, v) => dv.setInt8(i, v), [-128, -1, 0, 127]],
    ['uint16', 512, 16, (dv, i, v, le) => dv.setUint16(2 * i, v, le), [0, 1, 40000, 65535]],
    ['int32', 8, 32, (dv, i, v, le) => dv.setInt32(4 * i, v, le), [-2000000, -1, 0, 123456]],
    ['uint32', 768, 32, (dv, i, v, le) => dv.setUint32(4 * i, v, le), [0, 1, 3000000, 16777216]],
    ['float32', 16, 32, (dv, i, v, le) => dv.setFloat32(4 * i, v, le), [-1.5, 0, 2.25, 1e6]],
    ['float64', 64, 64, (dv, i, v, le) => dv.setFloat64(8 * i, v, le), [-1.5, 0, 2.25, 1e-3]],
  ];
  for (const [name, code, bitpix, set, values] of cases) {
    for (const le of [true, false]) {
      it(`${name} ${le ? 'LE' : 'BE'}`, () => {
        const payload = new Uint8Array((values.length * bitpix) / 8);
        values.forEach((v, i) => set(new DataView(payload.buffer), i, v, le));
        const v = readNifti(nifti1([2, 2, 1], code, bitpix, payload, le), `t-${name}.nii`);
        expect(v.image.shape).toEqual([1, 2, 2]);
        expect(Array.from(v.image.data)).toEqual(values.map((x) => Math.fround(x)));
        expect(v.geometry.spacing).toEqual([2, 1.5, 1]);
      });
    }
  }

  it('complex64 gives a complex image with magnitude; scaling is not applied to complex', () => {
    const payload = new Uint8Array(new Float32Array([3, 4, 0, -2]).buffer);
    const v = readNifti(nifti1([2, 1, 1], 32, 64, payload, true, 10, 5), 'c.nii');
    expect(Array.from(v.complex!.data)).toEqual([3, 4, 0, -2]);
    expect(Array.from(v.image.data)).toEqual([5, 2]);
  });

  it('slope/intercept on uint8; NaN in float data becomes 0 and is counted', () => {
    const v = readNifti(nifti1([2, 1, 1], 2, 8, new Uint8Array([10, 20]), true, 0.5, -1), 's.nii');
    expect(Array.from(v.image.data)).toEqual([4, 9]);
    const nan = new Uint8Array(new Float32Array([NaN, 7]).buffer);
    const w = readNifti(nifti1([2, 1, 1], 16, 32, nan, true), 'n.nii');
    expect(Array.from(w.image.data)).toEqual([0, 7]);
    expect(w.meta.nonFiniteVoxels).toBe(1);
  });
});

describe('NIfTI errors name the file and the problem', () => {
  const anat = new Uint8Array(readFileSync(`${NIB}/anatomical.nii`));

  it('truncated copy', async () => {
    const p = join(tmp, 'truncated.nii');
    writeFileSync(p, anat.subarray(0, 50000));
    await expectLoadError(p, /truncated file: voxel data of \[33x41x25\] int16 needs 67650 bytes from offset 352 \(expected at least 68002 bytes\), but the file has 50000 bytes/);
  });

  it('truncated gzip stream', async () => {
    const gz = readFileSync(CH2).subarray(0, 100000);
    const p = join(tmp, 'cut.nii.gz');
    writeFileSync(p, gz);
    await expectLoadError(p, /corrupt or truncated gzip data/);
  });

  it('absurd dimensions: zero, negative, more than 2^31 voxels', () => {
    const patch = (i: number, v: number): Uint8Array => {
      const b = anat.slice();
      new DataView(b.buffer).setInt16(42 + 2 * i, v, false);
      return b;
    };
    expectReaderError(() => readNifti(patch(0, 0), 'zero.nii'), 'zero.nii', /absurd dimensions \[0, 41, 25\]/);
    expectReaderError(() => readNifti(patch(1, -5), 'neg.nii'), 'neg.nii', /absurd dimensions \[33, -5, 25\]/);
    const big = anat.slice();
    const dv = new DataView(big.buffer);
    dv.setInt16(40, 4, false);
    for (let i = 0; i < 4; i++) dv.setInt16(42 + 2 * i, 30000, false);
    expectReaderError(() => readNifti(big, 'big.nii'), 'big.nii', /exceeds the limit of 2\^31/);
  });

  it('unsupported datatype, not NIfTI, gzip passed to the pure parser', () => {
    const rgb = anat.slice();
    new DataView(rgb.buffer).setInt16(70, 128, false);
    expectReaderError(() => readNifti(rgb, 'rgb.nii'), 'rgb.nii', /unsupported datatype 128 \(RGB24\)/);
    expectReaderError(() => readNifti(new Uint8Array(400), 'zeros.nii'), 'zeros.nii', /not a NIfTI file/);
    expectReaderError(() => readNifti(new Uint8Array(readFileSync(CH2).subarray(0, 400)), 'x.nii.gz'), 'x.nii.gz', /gzip-compressed/);
  });
});
