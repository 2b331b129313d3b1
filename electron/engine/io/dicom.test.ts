import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dicomParserNs from 'dicom-parser';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImageVolume } from '../array';
import { readDicom } from './dicom';
import { ReaderError } from './errors';
import { loadVolume } from './load';

type Parser = typeof dicomParserNs;
const dicomParser: Parser = (dicomParserNs as unknown as { default?: Parser }).default ?? dicomParserNs;

// Expected values printed by pydicom 2.3 (pixel_array, apply_modality_lut).
const T = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const bytesOf = (f: string): Uint8Array => new Uint8Array(readFileSync(join(T, f)));
const tmp = mkdtempSync(join(tmpdir(), 'dicom-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const px = (v: ImageVolume, k: number, y: number, x: number): number => {
  const [, ny, nx] = v.image.shape as [number, number, number];
  return v.image.data[(k * ny + y) * nx + x]!;
};
const sum = (a: Float32Array): number => a.reduce((s, x) => s + x, 0);
function readerError(fn: () => unknown): ReaderError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ReaderError);
    return e as ReaderError;
  }
  throw new Error('expected a ReaderError');
}

/** Overwrites a string element in place with a value of the same (even) length. */
function patchString(bytes: Uint8Array, tag: string, value: string): void {
  const el = dicomParser.parseDicom(bytes).elements[tag]!;
  const padded = value.padEnd(el.length, ' ');
  if (padded.length !== el.length) throw new Error(`${tag}: "${value}" does not fit in ${el.length} bytes`);
  for (let i = 0; i < el.length; i++) bytes[el.dataOffset + i] = padded.charCodeAt(i);
}
function patchUint16(bytes: Uint8Array, tag: string, value: number, index = 0): void {
  const el = dicomParser.parseDicom(bytes).elements[tag]!;
  new DataView(bytes.buffer, bytes.byteOffset).setUint16(el.dataOffset + 2 * index, value, true);
}

describe('DICOM transfer syntaxes (pydicom MR_small, 64x64 int16)', () => {
  for (const f of ['MR_small.dcm', 'MR_small_implicit.dcm', 'MR_small_bigendian.dcm', 'MR_small_expb.dcm']) {
    it(f, () => {
      const v = readDicom(bytesOf(f), f);
      expect(v.image.shape).toEqual([1, 64, 64]);
      expect(px(v, 0, 0, 0)).toBe(905);
      expect(px(v, 0, 10, 20)).toBe(316);
      expect(px(v, 0, 31, 40)).toBe(1339);
      expect(px(v, 0, 63, 63)).toBe(862);
      expect(sum(v.image.data)).toBe(2125338);
      expect(Math.min(...v.image.data)).toBe(127);
      expect(Math.max(...v.image.data)).toBe(2145);
    });
  }

  it('metadata and geometry for export', () => {
    const v = readDicom(bytesOf('MR_small.dcm'), 'MR_small.dcm');
    expect(v.meta).toMatchObject({
      PatientName: 'CompressedSamples^MR1',
      PatientID: '4MR1',
      StudyInstanceUID: '1.3.6.1.4.1.5962.1.2.4.20040826185059.5457',
      SeriesInstanceUID: '1.3.6.1.4.1.5962.1.3.4.1.20040826185059.5457',
      Modality: 'MR',
      StudyDate: '20040826',
      SOPInstanceUIDs: '1.3.6.1.4.1.5962.1.1.4.1.1.20040826185059.5457',
      TransferSyntaxUID: '1.2.840.10008.1.2.1',
    });
    expect(v.geometry.frameOfReferenceUID).toBe('1.3.6.1.4.1.5962.1.4.4.1.20040826185059.5457');
    expect(v.geometry.spacing).toEqual([0.8, 0.3125, 0.3125]);
    // LPS -> RAS: x and y rows negated; one slice, so the slice column is normal * thickness.
    expect(v.geometry.affine).toEqual([-0.3125, 0, 0, 83.9063, 0, -0.3125, 0, 91.2, 0, 0, 0.8, 6.6406, 0, 0, 0, 1]);
    expect(v.source.format).toBe('dicom');
  });

  it('RescaleSlope/Intercept (CT_small: slope 1, intercept -1024)', () => {
    const v = readDicom(bytesOf('CT_small.dcm'), 'CT_small.dcm');
    expect(px(v, 0, 0, 0)).toBe(-849);
    expect(px(v, 0, 64, 64)).toBe(904);
    expect(sum(v.image.data)).toBe(-1950906);
  });

  it('BitsStored masking with sign extension (BitsStored 12, HighBit 11)', () => {
    const b = bytesOf('MR_small.dcm').slice();
    patchUint16(b, 'x00280101', 12);
    patchUint16(b, 'x00280102', 11);
    patchUint16(b, 'x7fe00010', 0xf923); // overlay bits set; 0x923 has bit 11 set -> negative
    patchUint16(b, 'x7fe00010', 0x1123, 1); // -> 0x123 = 291
    const v = readDicom(b, 'masked.dcm');
    expect(px(v, 0, 0, 0)).toBe(0x923 - 4096);
    expect(px(v, 0, 0, 1)).toBe(0x123);
    expect(px(v, 0, 10, 20)).toBe(316);
  });

  it('multi-frame (rtdose.dcm: 15 frames of 10x10 uint32, GridFrameOffsetVector, DoseGridScaling)', () => {
    const v = readDicom(bytesOf('rtdose.dcm'), 'rtdose.dcm');
    expect(v.image.shape).toEqual([15, 10, 10]);
    expect(px(v, 0, 0, 0)).toBeCloseTo(1.249, 6);
    expect(px(v, 5, 3, 4)).toBeCloseTo(1.075, 6);
    expect(px(v, 14, 9, 9)).toBeCloseTo(0.799, 6);
    expect(sum(v.image.data)).toBeCloseTo(1519.91, 2);
    expect(v.geometry.spacing).toEqual([5, 10, 10]);
    expect(v.meta.sliceOrder).toBe('ImagePositionPatient');
    expect(v.geometry.affine!.slice(8, 12)).toEqual([0, 0, 5, -761.87]);
  });
});

describe('DICOM errors', () => {
  it('compressed transfer syntax is named', () => {
    const e = readerError(() => readDicom(bytesOf('MR_small_RLE.dcm'), 'MR_small_RLE.dcm'));
    expect(e.message).toMatch(/^MR_small_RLE\.dcm: unsupported transfer syntax 1\.2\.840\.10008\.1\.2\.5 \(RLE Lossless\)/);
    expect(e.message).toMatch(/compressed transfer syntaxes come in a later release/);
    const j = readerError(() => readDicom(bytesOf('JPEG2000.dcm'), 'JPEG2000.dcm'));
    expect(j.message).toMatch(/1\.2\.840\.10008\.1\.2\.4\.91 \(JPEG 2000\)/);
  });

  it('non-image DICOM: SR and DICOMDIR', () => {
    expect(readerError(() => readDicom(bytesOf('test-SR.dcm'), 'test-SR.dcm')).message).toBe(
      'test-SR.dcm: not an image (no Pixel Data; SOP class 1.2.840.10008.5.1.4.1.1.88.33, Comprehensive SR)',
    );
    expect(readerError(() => readDicom(bytesOf('dicomdirtests/DICOMDIR'), 'DICOMDIR')).message).toMatch(
      /^DICOMDIR: not an image \(no Pixel Data; SOP class 1\.2\.840\.10008\.1\.3\.10, Media Storage Directory Storage/,
    );
  });

  it('truncated files (explicit and implicit VR) report expected and actual bytes', () => {
    const cut = bytesOf('MR_small.dcm').subarray(0, 5000);
    expect(readerError(() => readDicom(cut, 'cut.dcm')).message).toBe(
      'cut.dcm: truncated file: Pixel Data (1 x 64 x 64 x 2 bytes) needs 8192 bytes from offset 1500 (expected at least 9692 bytes), but the file has 5000 bytes',
    );
    const imp = bytesOf('MR_small_implicit.dcm').subarray(0, 9000);
    expect(readerError(() => readDicom(imp, 'imp.dcm')).message).toMatch(/^imp\.dcm: truncated file: .* but the file has 9000 bytes/);
    expect(readerError(() => readDicom(bytesOf('MR_truncated.dcm'), 'MR_truncated.dcm')).message).toMatch(/truncated file/);
  });

  it('a file without the DICM marker', () => {
    expect(readerError(() => readDicom(bytesOf('no_meta.dcm'), 'no_meta.dcm')).message).toMatch(/not a DICOM file/);
  });
});

describe('DICOM folder (files made by the test from MR_small.dcm)', () => {
  // Names, z positions and InstanceNumbers deliberately disagree: position must win.
  const slices = [
    { name: 'a', z: '9.6406', instance: '1', first: 1001 },
    { name: 'b', z: '0.6406', instance: '2', first: 1002 },
    { name: 'c', z: '6.6406', instance: '3', first: 1003 },
    { name: 'd', z: '3.6406', instance: '4', first: 1004 },
  ];
  const folder = join(tmp, 'series');
  mkdirSync(join(folder, 'sub'), { recursive: true });
  const base = bytesOf('MR_small.dcm');
  for (const s of slices) {
    const b = base.slice();
    patchString(b, 'x00200032', `-83.9063\\-91.2000\\${s.z}`);
    patchString(b, 'x00200013', s.instance);
    patchString(b, 'x00080018', `1.3.6.1.4.1.5962.1.1.4.1.1.20040826185059.545${s.instance}`);
    patchUint16(b, 'x7fe00010', s.first);
    writeFileSync(join(folder, s.name), b); // no extension: detected by 'DICM'
  }
  const other = base.slice();
  patchString(other, 'x0020000e', '1.3.6.1.4.1.5962.1.3.4.1.20040826185059.5458');
  writeFileSync(join(folder, 'sub', 'other-series.dcm'), other);
  writeFileSync(join(folder, 'README.txt'), 'not dicom\n');
  copyFileSync(join(T, 'test-SR.dcm'), join(folder, 'report.dcm'));

  it('orders slices by ImagePositionPatient along the normal and notes what it skipped', async () => {
    const v = (await loadVolume(folder)) as ImageVolume;
    expect(v.image.shape).toEqual([4, 64, 64]);
    expect([0, 1, 2, 3].map((k) => px(v, k, 0, 0))).toEqual([1002, 1004, 1003, 1001]);
    expect(px(v, 2, 10, 20)).toBe(316);
    expect(v.meta.sliceOrder).toBe('ImagePositionPatient');
    expect(v.geometry.spacing).toEqual([3, 0.3125, 0.3125]);
    expect(v.geometry.affine).toEqual([-0.3125, 0, 0, 83.9063, 0, -0.3125, 0, 91.2, 0, 0, 3, 0.6406, 0, 0, 0, 1]);
    expect(String(v.meta.SOPInstanceUIDs).split('\\').map((u) => u.slice(-1))).toEqual(['2', '4', '3', '1']);
    const notes = String(v.meta.notes);
    expect(notes).toContain('README.txt: not DICOM');
    expect(notes).toMatch(/report\.dcm: not an image \(SOP class 1\.2\.840\.10008\.5\.1\.4\.1\.1\.88\.33/);
    expect(notes).toContain('ignored series 1.3.6.1.4.1.5962.1.3.4.1.20040826185059.5458 (1 files)');
    expect(v.source.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(v.source.path).toBe(folder);
  });

  it('falls back to InstanceNumber when all positions are equal', async () => {
    const same = join(tmp, 'same-position');
    mkdirSync(same);
    for (const s of slices) {
      const b = base.slice();
      patchString(b, 'x00200013', s.instance);
      patchUint16(b, 'x7fe00010', s.first);
      writeFileSync(join(same, `${5 - Number(s.instance)}.dcm`), b);
    }
    const v = (await loadVolume(same)) as ImageVolume;
    expect(v.meta.sliceOrder).toBe('InstanceNumber');
    expect([0, 1, 2, 3].map((k) => px(v, k, 0, 0))).toEqual([1001, 1002, 1003, 1004]);
  });

  it('a folder without DICOM files is a clear error', async () => {
    const empty = join(tmp, 'no-dicom');
    mkdirSync(empty);
    writeFileSync(join(empty, 'x.txt'), 'hello');
    await expect(loadVolume(empty)).rejects.toThrow(`${empty}: no DICOM files found (1 files checked for 'DICM' at byte 128)`);
  });
});
