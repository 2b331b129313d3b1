import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dicomParserNs from 'dicom-parser';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImageVolume } from '../array';
import { loadDicomCodecs, readDicom } from './dicom';
import { listDicomSeries } from './dicom-scan';
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

/**
 * Returns a copy with an explicit-VR-little-endian element (2-byte length VR)
 * set to a new string value of any length; the meta group length follows.
 */
function setElement(bytes: Uint8Array, tag: string, value: string): Uint8Array {
  const ds = dicomParser.parseDicom(bytes);
  const padded = value.length % 2 ? `${value}${tag === 'x00020010' || tag.startsWith('x0020000') ? '\0' : ' '}` : value;
  const el = ds.elements[tag];
  const enc = new TextEncoder().encode(padded);
  let out: Uint8Array;
  if (el) {
    out = new Uint8Array(bytes.length - el.length + enc.length);
    out.set(bytes.subarray(0, el.dataOffset));
    out.set(enc, el.dataOffset);
    out.set(bytes.subarray(el.dataOffset + el.length), el.dataOffset + enc.length);
    new DataView(out.buffer).setUint16(el.dataOffset - 2, enc.length, true);
  } else {
    // Insert before the first element with a larger tag (IS for NumberOfFrames).
    const next = Object.values(ds.elements).filter((e) => e.tag > tag && !e.tag.startsWith('x0002')).sort((a, b) => (a.tag < b.tag ? -1 : 1))[0]!;
    const at = next.dataOffset - (['OB', 'OW', 'SQ', 'UN', 'UT'].includes(next.vr ?? '') ? 12 : 8);
    const g = parseInt(tag.slice(1, 5), 16);
    const e = parseInt(tag.slice(5), 16);
    const head = new Uint8Array(8);
    const dv = new DataView(head.buffer);
    dv.setUint16(0, g, true);
    dv.setUint16(2, e, true);
    head[4] = 0x49; // 'I'
    head[5] = 0x53; // 'S'
    dv.setUint16(6, enc.length, true);
    out = new Uint8Array(bytes.length + 8 + enc.length);
    out.set(bytes.subarray(0, at));
    out.set(head, at);
    out.set(enc, at + 8);
    out.set(bytes.subarray(at), at + 8 + enc.length);
  }
  if (tag.startsWith('x0002') && el) {
    const gl = ds.elements.x00020000!;
    const dv = new DataView(out.buffer);
    dv.setUint32(gl.dataOffset, dv.getUint32(gl.dataOffset, true) + enc.length - el.length, true);
  }
  return out;
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
  it('an unsupported transfer syntax is named with its file', () => {
    const b = setElement(bytesOf('MR_small.dcm'), 'x00020010', '1.2.840.10008.1.2.4.100');
    expect(readerError(() => readDicom(b, 'mpeg.dcm')).message).toBe(
      'mpeg.dcm: unsupported transfer syntax 1.2.840.10008.1.2.4.100 (MPEG2 Main Profile @ Main Level) in mpeg.dcm',
    );
  });

  it('absurd Rows x Columns is refused before any allocation', () => {
    const b = bytesOf('MR_small.dcm').slice();
    patchUint16(b, 'x00280010', 65535);
    patchUint16(b, 'x00280011', 65535);
    const b2 = setElement(b, 'x00280008', '65535');
    expect(readerError(() => readDicom(b2, 'huge.dcm')).message).toMatch(/^huge\.dcm: absurd dimensions \(NumberOfFrames, Rows, Columns\) \[65535, 65535, 65535\]/);
  });

  it('RLE decodes synchronously (no codec to load); a lying segment offset is a clear error', () => {
    const v = readDicom(bytesOf('MR_small_RLE.dcm'), 'rle.dcm');
    expect(px(v, 0, 10, 20)).toBe(316);
    expect(sum(v.image.data)).toBe(2125338);
    const b = bytesOf('MR_small_RLE.dcm').slice();
    const frag = dicomParser.parseDicom(b).elements.x7fe00010!.fragments![0]!;
    new DataView(b.buffer).setUint32(frag.position + 8, 0x7fffffff, true); // second segment offset
    expect(readerError(() => readDicom(b, 'bad-rle.dcm')).message).toMatch(/^bad-rle\.dcm: corrupt RLE frame: segment 1 offsets/);
  });

  it('Siemens mosaic: NumberOfImagesInMosaic from the CSA header when (0019,100A) is absent; neither is an error', async () => {
    const H = '/usr/lib/python3/dist-packages/heudiconv/tests/data/axasc35.dcm';
    const ref = readDicom(new Uint8Array(readFileSync(H)), 'ref');
    const b = new Uint8Array(readFileSync(H));
    const el = dicomParser.parseDicom(b).elements.x0019100a!;
    new DataView(b.buffer).setUint16(el.dataOffset - 6, 0x10ff, true); // (0019,100A) -> (0019,10FF)
    const v = readDicom(b, 'csa-only');
    expect(v.image.shape).toEqual([35, 64, 64]);
    expect(v.image.data).toEqual(ref.image.data);
    expect(v.meta.ImagePositionPatient).toBe(ref.meta.ImagePositionPatient);
    const text = new TextDecoder('latin1').decode(b);
    for (let i = text.indexOf('NumberOfImagesInMosaic'); i >= 0; i = text.indexOf('NumberOfImagesInMosaic', i + 1)) b[i] = 0x58;
    expect(readerError(() => readDicom(b, 'no-count')).message).toBe(
      'no-count: Siemens MOSAIC image without NumberOfImagesInMosaic (0019,100A or CSA header): cannot split it into slices',
    );
  });

  it('a codestream whose size disagrees with Rows/Columns is refused before decoding', async () => {
    await loadDicomCodecs();
    const b = bytesOf('MR_small_jp2klossless.dcm').slice();
    patchUint16(b, 'x00280010', 32);
    expect(readerError(() => readDicom(b, 'j2k.dcm')).message).toBe('j2k.dcm: j2k codestream declares 64x64 pixels, but the header says 64x32');
    const j = bytesOf('MR_small_jpeg_ls_lossless.dcm').slice();
    patchUint16(j, 'x00280011', 65);
    expect(readerError(() => readDicom(j, 'ls.dcm')).message).toBe('ls.dcm: jpeg-ls codestream declares 64x64 pixels, but the header says 65x64');
  });

  it('a bare dataset without preamble or meta header (implicit VR) is read', () => {
    const full = bytesOf('MR_small_implicit.dcm');
    const meta = dicomParser.parseDicom(full).elements.x00020000!;
    const end = meta.dataOffset + 4 + dicomParser.parseDicom(full).uint32('x00020000')!;
    const v = readDicom(full.slice(end), 'bare');
    expect(v.image.shape).toEqual([1, 64, 64]);
    expect(sum(v.image.data)).toBe(2125338);
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

describe('DICOM series discovery and grouping (files made from MR_small.dcm)', () => {
  const base = bytesOf('MR_small.dcm');
  /** A slice at z with the given instance number and optional changed attributes. */
  function slice(z: number, instance: number, first: number, changes: Record<string, string> = {}): Uint8Array {
    let b: Uint8Array = base.slice();
    patchString(b, 'x00200032', `-83.9063\\-91.2000\\${z.toFixed(4)}`.slice(0, 26));
    patchUint16(b, 'x7fe00010', first);
    b = setElement(b, 'x00200013', String(instance));
    b = setElement(b, 'x00080018', `1.2.826.0.1.3680043.2.1125.${instance}.${z}`);
    for (const [tag, v] of Object.entries(changes)) b = setElement(b, tag, v);
    return b;
  }
  const root = join(tmp, 'exam');
  mkdirSync(join(root, 'a', 'b'), { recursive: true });
  // Series A: 3 axial slices, plus the same UID at a sagittal orientation (localizer-like) and a second echo.
  [0, 3, 6].forEach((z, i) => writeFileSync(join(root, 'a', `ax${i}`), slice(z, i + 1, 100 + i)));
  writeFileSync(join(root, 'a', 'b', 'sag'), slice(0, 10, 200, { x00200037: '0\\1\\0\\0\\0\\-1' }));
  [0, 3].forEach((z, i) => writeFileSync(join(root, 'a', `echo2-${i}`), slice(z, 20 + i, 300 + i, { x00180086: '2' })));
  writeFileSync(join(root, 'a', 'phase'), slice(0, 30, 400, { x00080008: 'ORIGINAL\\PRIMARY\\P' }));
  writeFileSync(join(root, 'notes.txt'), 'hello');
  copyFileSync(join(T, 'test-SR.dcm'), join(root, 'sr.dcm'));
  symlinkSync(root, join(root, 'a', 'b', 'loop')); // a directory loop the walk must survive

  it('splits one SeriesInstanceUID by orientation, echo and ImageType; lists non-images and skipped files', async () => {
    const l = await listDicomSeries(root);
    const uid = '1.3.6.1.4.1.5962.1.3.4.1.20040826185059.5457';
    expect(l.series.map((s) => [s.id, s.slices, s.orientation, s.echo, s.imageType])).toEqual([
      [`${uid}#1`, 3, 'axial', '1', 'DERIVED\\SECONDARY\\OTHER'],
      [`${uid}#2`, 1, 'sagittal', '1', 'DERIVED\\SECONDARY\\OTHER'],
      [`${uid}#3`, 2, 'axial', '2', 'DERIVED\\SECONDARY\\OTHER'],
      [`${uid}#4`, 1, 'axial', '1', 'ORIGINAL\\PRIMARY\\P'],
    ]);
    expect(l.series[0]!.files.map((f) => f.slice(root.length + 1))).toEqual(['a/ax0', 'a/ax1', 'a/ax2']);
    expect(l.nonImages).toEqual([{ file: join(root, 'sr.dcm'), sopClassUID: '1.2.840.10008.5.1.4.1.1.88.33', label: 'SOP class 1.2.840.10008.5.1.4.1.1.88.33, Comprehensive SR' }]);
    expect(l.skipped).toEqual([`${join(root, 'notes.txt')}: not DICOM`]);
  });

  it('loads the largest group by default and another by id', async () => {
    const uid = '1.3.6.1.4.1.5962.1.3.4.1.20040826185059.5457';
    const v = (await loadVolume(root)) as ImageVolume;
    expect(v.image.shape).toEqual([3, 64, 64]);
    expect([0, 1, 2].map((k) => px(v, k, 0, 0))).toEqual([100, 101, 102]);
    expect(v.meta.seriesId).toBe(`${uid}#1`);
    expect(String(v.meta.notes)).toContain(`ignored series ${uid}#2 (1 files`);
    expect(JSON.parse(String(v.meta.ImagePositionPatient))).toEqual([[-83.9063, -91.2, 0], [-83.9063, -91.2, 3], [-83.9063, -91.2, 6]]);
    const e2 = (await loadVolume(root, { series: `${uid}#3` })) as ImageVolume;
    expect([0, 1].map((k) => px(e2, k, 0, 0))).toEqual([300, 301]);
    await expect(loadVolume(root, { series: 'nope' })).rejects.toThrow(/no series nope; found .*#1, .*#2/);
  });

  it('a 4D series (each position T times) reads one time point; uneven repeats are reported', async () => {
    const dir = join(tmp, 'fourd');
    mkdirSync(dir);
    let n = 0;
    for (const t of [0, 1]) for (const z of [0, 2, 4]) writeFileSync(join(dir, `f${n}`), slice(z, ++n, 10 * t + z));
    const v0 = (await loadVolume(dir)) as ImageVolume;
    expect([0, 1, 2].map((k) => px(v0, k, 0, 0))).toEqual([0, 2, 4]);
    expect(String(v0.meta.notes)).toContain('4D series: 2 time points of 3 slices; time point 0 read');
    const v1 = (await loadVolume(dir, { volume: 1 })) as ImageVolume;
    expect([0, 1, 2].map((k) => px(v1, k, 0, 0))).toEqual([10, 12, 14]);
    await expect(loadVolume(dir, { volume: 2 })).rejects.toThrow('volume 2 out of range: the series has 2 time points');
    writeFileSync(join(dir, 'extra'), slice(2, 99, 99));
    const v = (await loadVolume(dir)) as ImageVolume;
    expect(v.image.shape[0]).toBe(7);
    expect(String(v.meta.notes)).toMatch(/duplicate slice positions: 3 positions occur more than once/);
  });

  it('reads through a DICOMDIR and keeps a projection series (7 angles) as one stack', async () => {
    const dir = join(T, 'dicomdirtests');
    const l = await listDicomSeries(dir);
    expect(l.notes).toEqual(['read via DICOMDIR (31 files)']);
    const angio = l.series.filter((s) => s.description?.startsWith('ANGIO'));
    expect(angio.map((s) => [s.slices, s.notes])).toEqual([[7, ['orientation differs from image to image (projections?); kept as one stack']]]);
    const pilot = l.series.filter((s) => s.description === 'T/S/C RF FAST PILOT').map((s) => s.orientation);
    expect(pilot.sort()).toEqual(['axial', 'axial', 'coronal', 'coronal', 'sagittal', 'sagittal']);
    const v = (await loadVolume(dir, { series: angio[0]!.id })) as ImageVolume;
    expect(v.image.shape).toEqual([7, 16, 16]);
    expect(v.meta.sliceOrder).toBe('InstanceNumber');
    expect(v.geometry.affine).toBeUndefined();
    // The default skips the projection stack for the largest series with one geometry (5 axial CT slices).
    const d = (await loadVolume(dir)) as ImageVolume;
    expect(d.image.shape).toEqual([5, 16, 16]);
    expect(d.meta.SeriesDescription).toBe('SmartScore - Gated 0.5 sec');
    expect(d.geometry.affine).toBeDefined();
  });
});
