/**
 * Seeds for the broken-input corpus, all derived from real data at test time:
 * - NIfTI: a 32x32x4 crop of resources/samples/t1-brain-itk.nii.gz, written
 *   back in several datatypes, both byte orders, NIfTI-1 and -2, 3D and 4D;
 * - DICOM: pydicom's small test files (every transfer syntax it ships), an
 *   RT Dose multi-frame, and an Enhanced MR multi-frame written here from the
 *   same crop;
 * - BART: `bart phantom` outputs (image and 4-coil k-space) at 32x32;
 * - HDF5: fastMRI-layout files written by /usr/bin/python3 h5py.
 * Small seeds keep 10,000+ mutants inside a few seconds.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readNifti } from '../nifti';
import { enhancedMr } from './dicom-writer';
import { mapDicom, type DicomMap } from './mutate';

export const PYDICOM = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const SAMPLE = new URL('../../../../resources/samples/t1-brain-itk.nii.gz', import.meta.url);

export interface NiftiSeed { name: string; bytes: Uint8Array; version: 1 | 2; le: boolean }
export interface DicomSeed { name: string; bytes: Uint8Array; map: DicomMap }
export interface CflSeed { name: string; hdr: string; dims: number[]; cfl: Uint8Array }

/** [k][j][i] crop of the bundled T1 sample (real anatomy, int16 range). */
export function t1Crop(nx = 32, ny = 32, nz = 4): Float32Array {
  const raw = gunzipSync(readFileSync(SAMPLE));
  const v = readNifti(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength), 't1-brain-itk.nii');
  const [sz, sy, sx] = v.image.shape as [number, number, number];
  const out = new Float32Array(nx * ny * nz);
  const z0 = (sz - nz) >> 1, y0 = (sy - ny) >> 1, x0 = (sx - nx) >> 1;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) out[(k * ny + j) * nx + i] = v.image.data[((z0 + k) * sy + y0 + j) * sx + x0 + i]!;
  return out;
}

const TYPES = {
  uint8: { code: 2, bytes: 1, set: (dv: DataView, o: number, v: number, le: boolean) => dv.setUint8(o, Math.min(255, v / 8)) },
  int16: { code: 4, bytes: 2, set: (dv: DataView, o: number, v: number, le: boolean) => dv.setInt16(o, v, le) },
  float32: { code: 16, bytes: 4, set: (dv: DataView, o: number, v: number, le: boolean) => dv.setFloat32(o, v, le) },
  float64: { code: 64, bytes: 8, set: (dv: DataView, o: number, v: number, le: boolean) => dv.setFloat64(o, v, le) },
  complex64: { code: 32, bytes: 8, set: (dv: DataView, o: number, v: number, le: boolean) => (dv.setFloat32(o, v, le), dv.setFloat32(o + 4, -v / 2, le)) },
} as const;

/** A single-file NIfTI-1 or -2 with an sform, holding `data` (repeated nt times). */
export function writeNifti(version: 1 | 2, type: keyof typeof TYPES, dims: number[], data: Float32Array, le: boolean): Uint8Array {
  const t = TYPES[type];
  const hdrSize = version === 1 ? 352 : 544;
  const nvox = dims.reduce((p, d) => p * d, 1);
  const out = new Uint8Array(hdrSize + nvox * t.bytes);
  const dv = new DataView(out.buffer);
  if (version === 1) {
    dv.setInt32(0, 348, le);
    dv.setInt16(40, dims.length, le);
    dims.forEach((d, i) => dv.setInt16(42 + 2 * i, d, le));
    dv.setInt16(70, t.code, le);
    dv.setInt16(72, 8 * t.bytes, le);
    [1, 1, 1.2, 2.5].forEach((p, i) => dv.setFloat32(76 + 4 * i, p, le));
    dv.setFloat32(108, 352, le);
    dv.setInt16(254, 1, le);
    [1, 0, 0, -16, 0, 1.2, 0, -19, 0, 0, 2.5, -5].forEach((v, i) => dv.setFloat32(280 + 4 * i, v, le));
    out.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0"
  } else {
    dv.setInt32(0, 540, le);
    out.set([0x6e, 0x2b, 0x32, 0, 0x0d, 0x0a, 0x1a, 0x0a], 4);
    dv.setInt16(12, t.code, le);
    dv.setInt16(14, 8 * t.bytes, le);
    dv.setBigInt64(16, BigInt(dims.length), le);
    dims.forEach((d, i) => dv.setBigInt64(24 + 8 * i, BigInt(d), le));
    [1, 1, 1.2, 2.5].forEach((p, i) => dv.setFloat64(104 + 8 * i, p, le));
    dv.setBigInt64(168, 544n, le);
    dv.setInt32(348, 1, le);
    [1, 0, 0, -16, 0, 1.2, 0, -19, 0, 0, 2.5, -5].forEach((v, i) => dv.setFloat64(400 + 8 * i, v, le));
  }
  for (let i = 0; i < nvox; i++) t.set(dv, hdrSize + i * t.bytes, data[i % data.length]!, le);
  return out;
}

export function niftiSeeds(): NiftiSeed[] {
  const crop = t1Crop(32, 32, 4);
  const small = t1Crop(16, 16, 2);
  return [
    { name: 'int16-le.nii', bytes: writeNifti(1, 'int16', [32, 32, 4], crop, true), version: 1, le: true },
    { name: 'int16-be.nii', bytes: writeNifti(1, 'int16', [32, 32, 4], crop, false), version: 1, le: false },
    { name: 'uint8.nii', bytes: writeNifti(1, 'uint8', [32, 32, 4], crop, true), version: 1, le: true },
    { name: 'float32-4d.nii', bytes: writeNifti(1, 'float32', [16, 16, 2, 2], small, true), version: 1, le: true },
    { name: 'complex64.nii', bytes: writeNifti(1, 'complex64', [16, 16, 2], small, true), version: 1, le: true },
    { name: 'nifti2-float64.nii', bytes: writeNifti(2, 'float64', [16, 16, 2], small, true), version: 2, le: true },
    { name: 'nifti2-int16-be.nii', bytes: writeNifti(2, 'int16', [32, 32, 4], crop, false), version: 2, le: false },
  ];
}

/** Small pydicom files covering every syntax and layout it ships, plus an Enhanced MR written here. */
export const DICOM_SEED_FILES = [
  'MR_small.dcm',
  'MR_small_implicit.dcm',
  'MR_small_bigendian.dcm',
  'MR_small_expb.dcm',
  'MR_small_padded.dcm',
  'MR_small_RLE.dcm',
  'MR_small_jpeg_ls_lossless.dcm',
  'MR_small_jp2klossless.dcm',
  'JPGExtended.dcm',
  'image_dfl.dcm',
  'rtdose.dcm',
  'SC_rgb_rle_2frame.dcm',
  'no_meta.dcm',
];

export function dicomSeeds(): DicomSeed[] {
  const out: DicomSeed[] = [];
  for (const f of DICOM_SEED_FILES) {
    const p = join(PYDICOM, f);
    if (!existsSync(p)) continue;
    const b = readFileSync(p);
    const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength).slice();
    out.push({ name: f, bytes, map: mapDicom(bytes) });
  }
  const crop = t1Crop(16, 16, 3);
  const frames = [0, 1, 2].map((k) => Uint16Array.from(crop.subarray(k * 256, (k + 1) * 256), (v) => Math.max(0, v) & 0xfff));
  const enh = enhancedMr(16, 16, frames, '1.2.826.0.1.3680043.10.1999.7');
  out.push({ name: 'enhanced-mr.dcm', bytes: enh, map: mapDicom(enh) });
  return out;
}

/** Real Siemens mosaics (CSA headers, NumberOfImagesInMosaic): larger files, so fewer mutants each. */
export const MOSAIC_SEED_FILES = [
  '/usr/lib/python3/dist-packages/heudiconv/tests/data/axasc35.dcm',
  '/usr/lib/python3/dist-packages/nibabel/nicom/tests/data/0.dcm',
];

export function mosaicSeeds(): DicomSeed[] {
  return MOSAIC_SEED_FILES.filter((p) => existsSync(p)).map((p) => {
    const b = readFileSync(p);
    const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength).slice();
    return { name: p.split('/').slice(-2).join('/'), bytes, map: mapDicom(bytes) };
  });
}

/** BART phantoms (needs Debian's bart on PATH), written into `dir`. */
export function cflSeeds(dir: string): CflSeed[] {
  const bart = (...args: string[]): void => void execFileSync('bart', args, { cwd: dir, stdio: 'pipe' });
  bart('phantom', '-x', '32', 'img');
  bart('phantom', '-x', '32', '-s', '4', '-k', 'ksp');
  return ['img', 'ksp'].map((base) => {
    const hdr = readFileSync(join(dir, `${base}.hdr`), 'utf8');
    const c = readFileSync(join(dir, `${base}.cfl`));
    const dims = hdr.split('\n')[1]!.trim().split(/\s+/).map(Number);
    while (dims.length < 16) dims.push(1);
    return { name: `${base}.cfl`, hdr, dims, cfl: new Uint8Array(c.buffer, c.byteOffset, c.byteLength).slice() };
  });
}

/** Python that writes fastMRI-layout files: single-coil, multi-coil with a mask, and an ISMRMRD header. */
const H5_SCRIPT = String.raw`
import sys, numpy as np, h5py
out = sys.argv[1]
rng = np.random.default_rng(3)
xml = b'<?xml version="1.0"?><ismrmrdHeader xmlns="http://www.ismrm.org/ISMRMRD"><encoding><encodedSpace><matrixSize><x>32</x><y>16</y><z>1</z></matrixSize></encodedSpace><reconSpace><matrixSize><x>16</x><y>16</y><z>1</z></matrixSize></reconSpace></encoding></ismrmrdHeader>'
def k(shape):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)
with h5py.File(out + '/single.h5', 'w') as f:
    f.create_dataset('kspace', data=k((2, 16, 32)))
    f.create_dataset('reconstruction_esc', data=rng.random((2, 16, 16)).astype(np.float32))
    f.create_dataset('ismrmrd_header', data=xml)
    f.attrs['max'] = 1.0; f.attrs['acquisition'] = 'CORPD_FBK'; f.attrs['norm'] = 1.0; f.attrs['patient_id'] = 'x'
with h5py.File(out + '/multi.h5', 'w') as f:
    f.create_dataset('kspace', data=k((2, 4, 16, 32)))
    f.create_dataset('reconstruction_rss', data=rng.random((2, 16, 16)).astype(np.float32))
    f.create_dataset('mask', data=(rng.random(32) > 0.5))
    f.create_dataset('ismrmrd_header', data=xml)
    f.attrs['max'] = 1.0; f.attrs['acquisition'] = 'AXT2'
with h5py.File(out + '/nonfinite.h5', 'w') as f:
    kk = k((1, 16, 32)); kk[0, 3, 5] = np.nan; kk[0, 7, 1] = np.inf
    f.create_dataset('kspace', data=kk)
    f.create_dataset('ismrmrd_header', data=xml)
`;

export function hdf5Seeds(dir: string): { name: string; bytes: Uint8Array }[] {
  execFileSync('/usr/bin/python3', ['-c', H5_SCRIPT, dir], { stdio: 'pipe' });
  return ['single.h5', 'multi.h5', 'nonfinite.h5'].map((n) => {
    const b = readFileSync(join(dir, n));
    return { name: n, bytes: new Uint8Array(b.buffer, b.byteOffset, b.byteLength).slice() };
  });
}
