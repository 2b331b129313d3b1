/**
 * Every export format read back by independent tools: sharp and Pillow for
 * PNG/TIFF, nibabel and nifti_tool for NIfTI, dciodvfy (dicom3tools) and
 * pydicom for DICOM, and the app's own reader for DICOM and NIfTI geometry.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Geometry, RTensor } from '../array';
import { loadVolume } from '../io';
import { applyWindow, colorize, encodeDisplayPng } from './display';
import { writeDicomSeries } from './dicom-writer';
import { encodeMontage } from './montage';
import { encodeNifti } from './nifti-writer';
import { encodePng, insertPngText } from './png';
import { encodeTiff } from './tiff';
import { newUid, UidMap } from './uid';

const dir = mkdtempSync(join(tmpdir(), 'export-formats-'));
const py = (code: string, ...args: string[]) => JSON.parse(execFileSync('/usr/bin/python3', ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 }));

function volume(ns: number, ny: number, nx: number): RTensor {
  const data = new Float32Array(ns * ny * nx);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 1000) / 10; // 0..99.9, irregular
  return { shape: [ns, ny, nx], data };
}
// Oblique-free but non-trivial: y runs anterior, slices superior, 0.9x1.1x2.5 mm.
const GEOM: Geometry = { spacing: [2.5, 1.1, 0.9], affine: [-0.9, 0, 0, 80, 0, 1.1, 0, -95, 0, 0, 2.5, -30, 0, 0, 0, 1] };

function dciodvfy(file: string): { errors: string[]; warnings: string[] } {
  const r = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
  const lines = (r.stdout + r.stderr).split('\n');
  return { errors: lines.filter((l) => l.startsWith('Error')), warnings: lines.filter((l) => l.startsWith('Warning')) };
}

describe('TIFF encoder', () => {
  it('uint16 and float32 read back exactly by sharp and Pillow, with the description tag', async () => {
    const w = 300, h = 257; // several strips
    const u16 = Uint16Array.from({ length: w * h }, (_, i) => (i * 40503) % 65536);
    const f32 = Float32Array.from({ length: w * h }, (_, i) => Math.sin(i) * 1e3);
    writeFileSync(join(dir, 'u16.tif'), encodeTiff({ width: w, height: h, pixels: u16, description: 'prov {"seed":1}' }));
    writeFileSync(join(dir, 'f32.tif'), encodeTiff({ width: w, height: h, pixels: f32 }));
    const s = await sharp(join(dir, 'u16.tif')).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
    expect([s.info.width, s.info.height]).toEqual([w, h]);
    expect(s.info.channels).toBe(1);
    // every() rather than toEqual: a failing diff of 77k numbers takes minutes to print.
    expect(new Uint16Array(s.data.buffer, s.data.byteOffset, w * h).every((v, i) => v === u16[i])).toBe(true);
    const pil = py(
      `import sys,json,numpy as np
from PIL import Image
a=Image.open(sys.argv[1]); b=Image.open(sys.argv[2])
print(json.dumps({"m":[a.mode,b.mode],"desc":a.tag_v2.get(270),"u":np.array(a).ravel().tolist(),"f":np.array(b).astype(float).ravel().tolist()}))`,
      join(dir, 'u16.tif'),
      join(dir, 'f32.tif'),
    );
    expect(pil.m).toEqual(['I;16', 'F']);
    expect(pil.desc).toBe('prov {"seed":1}');
    expect((pil.u as number[]).every((v, i) => v === u16[i])).toBe(true);
    expect((pil.f as number[]).every((v, i) => v === f32[i])).toBe(true);
  });
});

describe('16-bit PNG and display exports', () => {
  it('PNG16 reads back exactly through sharp', async () => {
    const px = Uint16Array.from({ length: 64 * 48 }, (_, i) => (i * 977) % 65536);
    const buf = encodePng({ width: 64, height: 48, pixels: px });
    const s = await sharp(buf).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
    expect(s.info.channels).toBe(1);
    const got = new Uint16Array(s.data.buffer, s.data.byteOffset, 64 * 48);
    expect(got.every((v, i) => v === px[i])).toBe(true);
  });

  it('window/level follows DICOM C.11.2.1.2 and viridis runs dark purple to yellow', () => {
    const g = applyWindow(Float32Array.from([-10, 0, 50, 100, 200]), { center: 50, width: 100 });
    expect(g[0]).toBe(0);
    expect(g[4]).toBe(255);
    expect(Math.abs(g[2]! - 128)).toBeLessThanOrEqual(1);
    const rgb = colorize(Uint8Array.from([0, 255]), 'viridis');
    expect(Array.from(rgb)).toEqual([68, 1, 84, 253, 231, 37]);
  });

  it('8-bit display PNG with burned-in labels and provenance text', async () => {
    const plane = Float32Array.from({ length: 96 * 80 }, (_, i) => i % 96);
    const plain = await encodeDisplayPng(plane, 96, 80, { colormap: 'grey' });
    const labelled = insertPngText(await encodeDisplayPng(plane, 96, 80, { colormap: 'viridis', labels: ['cs x4 slice 3', 'PSNR 30.00 dB'] }), { 'Recon-Provenance': '{"m":"cs"}' });
    const a = await sharp(plain).raw().toBuffer({ resolveWithObject: true });
    const b = await sharp(labelled).raw().toBuffer({ resolveWithObject: true });
    expect(a.info.width).toBe(96);
    // Bottom row: no label there, grey has r=g=b; top band differs (label drawn).
    expect(a.data[(79 * 96 + 50) * 3]).toBe(a.data[(79 * 96 + 50) * 3 + 1]);
    let diff = 0;
    for (let i = 0; i < 96 * 12 * 3; i++) diff += Math.abs(a.data[i]! - b.data[i]!);
    expect(diff).toBeGreaterThan(1000);
    writeFileSync(join(dir, 'disp.png'), labelled);
    expect(py('import sys,json;from PIL import Image;print(json.dumps(Image.open(sys.argv[1]).text))', join(dir, 'disp.png'))['Recon-Provenance']).toBe('{"m":"cs"}');
  });

  it('montage is a methods x slices grid', async () => {
    const tile = (method: string, slice: number) => ({ method, slice, width: 40, height: 30, pixels: new Float32Array(1200).fill(slice) });
    const m = await sharp(await encodeMontage([tile('zero-filled', 1), tile('zero-filled', 2), tile('cs', 1), tile('cs', 2)], { gap: 4 })).metadata();
    expect([m.width, m.height]).toEqual([2 * 40 + 3 * 4, 2 * 30 + 3 * 4]);
  });
});

describe('NIfTI writer', () => {
  it('nibabel reads the affine (sform and qform) and the data; nifti_tool finds the header good', async () => {
    const v = volume(3, 20, 24);
    const file = join(dir, 'v.nii.gz');
    writeFileSync(file, encodeNifti(v, GEOM));
    const n = py(
      `import sys,json,nibabel as nib,numpy as np
i=nib.load(sys.argv[1]); d=np.asarray(i.dataobj)
print(json.dumps({"s":i.get_sform().tolist(),"q":i.get_qform().tolist(),"shape":list(d.shape),"data":d.transpose(2,1,0).ravel().astype(float).tolist()}))`,
      file,
    );
    expect(n.shape).toEqual([24, 20, 3]);
    expect(n.data).toEqual(Array.from(v.data));
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) {
      expect(n.s[r][c]).toBeCloseTo(GEOM.affine![4 * r + c]!, 5);
      expect(n.q[r][c]).toBeCloseTo(GEOM.affine![4 * r + c]!, 4);
    }
    expect(execFileSync('nifti_tool', ['-check_hdr', '-infiles', file], { encoding: 'utf8' })).toMatch(/header IS GOOD/);
    const back = await loadVolume(file);
    expect(back.geometry.affine!.map((x) => Math.round(x * 1e4) / 1e4)).toEqual(GEOM.affine);
  });

  it('int16 with scl_slope keeps values within half a step', () => {
    const v = volume(2, 8, 8);
    writeFileSync(join(dir, 'i.nii'), encodeNifti(v, GEOM, { datatype: 'int16', gzip: false }));
    const d: number[] = py('import sys,json,nibabel as nib;print(json.dumps(nib.load(sys.argv[1]).get_fdata().transpose(2,1,0).ravel().tolist()))', join(dir, 'i.nii'));
    const step = 99.9 / 32767;
    d.forEach((x, i) => expect(Math.abs(x - v.data[i]!)).toBeLessThanOrEqual(step / 2 + 1e-6));
  });
});

describe('derived DICOM series', () => {
  const sourceMeta = {
    PatientName: 'Doe^Jane',
    PatientID: 'PID-12345',
    PatientBirthDate: '19700101',
    PatientSex: 'F',
    StudyInstanceUID: '1.2.3.4.5',
    StudyDate: '20240102',
    StudyTime: '101010',
    StudyDescription: 'Head routine',
    AccessionNumber: 'ACC99',
    SeriesInstanceUID: '1.2.3.4.5.6',
    SeriesDescription: 'T1 axial',
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.4',
    SOPInstanceUIDs: ['1.2.3.4.5.6.1', '1.2.3.4.5.6.2', '1.2.3.4.5.6.3'].join('\\'),
    EchoTime: '10',
    RepetitionTime: '500',
  };

  function writeSeries(name: string, opts: Partial<Parameters<typeof writeDicomSeries>[0]>): string {
    const d = join(dir, name);
    mkdirSync(d);
    const files = writeDicomSeries({ image: volume(3, 20, 24), geometry: { ...GEOM, frameOfReferenceUID: '1.2.3.9' }, meta: {}, method: 'cs', parameters: 'lambda=0.01 iters=50', provenance: '{"seed":1}', firstSlice: 0, ...opts });
    for (const f of files) writeFileSync(join(d, f.name), f.bytes);
    return d;
  }

  it('passes dciodvfy with no errors, reads back exactly in pydicom and re-opens as one series with the same geometry', async () => {
    const d = writeSeries('dcm', { meta: sourceMeta });
    const warnings = new Set<string>();
    for (const i of [1, 2, 3]) {
      const r = dciodvfy(join(d, `IM0000${i}.dcm`));
      expect(r.errors).toEqual([]);
      r.warnings.forEach((w) => warnings.add(w));
    }
    // Known and accepted: rescale attributes are outside the MR IOD (we keep them so values map back).
    for (const w of warnings) expect(w).toMatch(/Rescale|Modality LUT|not present in standard|DICOMDIR|Laterality/);
    const v = volume(3, 20, 24);
    const p = py(
      `import sys,json,pydicom,glob
out=[]
for f in sorted(glob.glob(sys.argv[1]+'/*.dcm')):
  d=pydicom.dcmread(f)
  out.append({"px":d.pixel_array.ravel().tolist(),"slope":float(d.RescaleSlope),"it":list(d.ImageType),"pn":str(d.PatientName),"st":d.StudyInstanceUID,"se":d.SeriesInstanceUID,"sop":d.SOPInstanceUID,"src":d.SourceImageSequence[0].ReferencedSOPInstanceUID,"for":d.FrameOfReferenceUID,"desc":d.SeriesDescription,"der":d.DerivationDescription})
print(json.dumps(out))`,
      d,
    );
    expect(p).toHaveLength(3);
    const peak = Math.max(...v.data);
    p.forEach((s: { px: number[]; slope: number; it: string[]; pn: string; st: string; se: string; sop: string; src: string; for: string; desc: string; der: string }, k: number) => {
      const plane = v.data.subarray(k * 480, (k + 1) * 480);
      expect(s.px).toEqual(Array.from(plane, (x) => Math.round((x * 65535) / peak)));
      s.px.forEach((q, i) => expect(Math.abs(q * s.slope - plane[i]!)).toBeLessThan(peak / 65535));
      expect(s.it.slice(0, 2)).toEqual(['DERIVED', 'SECONDARY']);
      expect(s.pn).toBe('Doe^Jane');
      expect(s.st).toBe('1.2.3.4.5');
      expect(s.se).toBe(p[0].se);
      expect(s.se).not.toBe('1.2.3.4.5.6');
      expect(s.sop).toMatch(/^2\.25\.\d{1,39}$/);
      expect(s.src).toBe(`1.2.3.4.5.6.${k + 1}`);
      expect(s.for).toBe('1.2.3.9');
      expect(s.desc).toMatch(/RESEARCH USE/);
      expect(s.der).toContain('lambda=0.01');
    });
    const back = await loadVolume(d);
    expect(back.kind).toBe('image');
    if (back.kind !== 'image') return;
    expect(back.image.shape).toEqual([3, 20, 24]);
    expect(back.meta.SeriesInstanceUID).toBe(p[0].se);
    // GEOM is left-handed in (x, y, slice); DICOM's slice normal is row x column, so the reader
    // stacks the slices the other way round: same voxels in space, slice axis reversed.
    const a = GEOM.affine!;
    const flipped = a.map((x, i) => (i % 4 === 2 && i < 12 ? -x : i % 4 === 3 && i < 12 ? x + 2 * a[i - 1]! : x)).map((x) => x + 0);
    expect(back.geometry.affine!.map((x) => Math.round(x * 1e4) / 1e4 + 0)).toEqual(flipped);
    for (let k = 0; k < 3; k++) {
      const got = back.image.data.subarray(k * 480, (k + 1) * 480);
      const want = v.data.subarray((2 - k) * 480, (3 - k) * 480);
      expect(got.every((x, i) => Math.abs(x - want[i]!) < peak / 65535)).toBe(true);
    }
  });

  it('a right-handed (DICOM-like) geometry re-opens with the identical affine and slice order', async () => {
    const rh: Geometry = { spacing: [3, 0.8, 0.7], affine: [-0.7, 0, 0, 100, 0, -0.8, 0, 120, 0, 0, 3, -40, 0, 0, 0, 1] };
    const d = writeSeries('rh', { geometry: rh });
    expect(dciodvfy(join(d, 'IM00002.dcm')).errors).toEqual([]);
    const back = await loadVolume(d);
    expect(back.geometry.affine!.map((x) => Math.round(x * 1e4) / 1e4)).toEqual(rh.affine);
    const v = volume(3, 20, 24);
    const peak = Math.max(...v.data);
    if (back.kind === 'image') expect(back.image.data.every((x, i) => Math.abs(x - v.data[i]!) < peak / 65535)).toBe(true);
  });

  it('non-DICOM input gets a synthetic patient; anonymisation removes identity and remaps UIDs consistently', () => {
    const syn = writeSeries('syn', {});
    const s = py('import sys,pydicom;d=pydicom.dcmread(sys.argv[1]);import json;print(json.dumps([str(d.PatientName),len(d.StudyInstanceUID)]))', join(syn, 'IM00001.dcm'));
    expect(s[0]).toBe('RECON^STUDIO^SYNTHETIC');
    const key = new Uint8Array(32).fill(7);
    const a = writeSeries('anon1', { meta: sourceMeta, anonymize: { uids: new UidMap(key), pseudonym: 'ANON-1' } });
    const b = writeSeries('anon2', { meta: sourceMeta, method: 'zero-filled', anonymize: { uids: new UidMap(key), pseudonym: 'ANON-1' } });
    expect(dciodvfy(join(a, 'IM00001.dcm')).errors).toEqual([]);
    const bytes = readFileSync(join(a, 'IM00002.dcm')).toString('latin1');
    for (const secret of ['Doe', 'PID-12345', '19700101', '20240102', 'ACC99', 'Head routine', 'T1 axial', '1.2.3.4.5\0', '1.2.3.4.5.6.2']) expect(bytes).not.toContain(secret);
    const q = (f: string) => py(
      `import sys,json,pydicom;d=pydicom.dcmread(sys.argv[1])
print(json.dumps([str(d.PatientName),d.StudyInstanceUID,d.FrameOfReferenceUID,d.SourceImageSequence[0].ReferencedSOPInstanceUID,d.PatientIdentityRemoved,list(d.DeidentificationMethod),d.get("PatientBirthDate","")]))`,
      f,
    );
    const [ra, rb] = [q(join(a, 'IM00001.dcm')), q(join(b, 'IM00001.dcm'))];
    expect(ra[0]).toBe('ANON-1');
    expect(ra[1]).toBe(rb[1]); // same study in both exported series
    expect(ra[1]).toBe(new UidMap(key).map('1.2.3.4.5'));
    expect(ra[2]).toBe(new UidMap(key).map('1.2.3.9'));
    expect(ra[3]).toBe(new UidMap(key).map('1.2.3.4.5.6.1'));
    expect(ra[4]).toBe('YES');
    expect(ra[5].join(' ')).toMatch(/PS3\.15/);
    expect(ra[6]).toBe('');
  });

  it('UIDs are 2.25 integers below 2^128 and unique', () => {
    const set = new Set(Array.from({ length: 1000 }, newUid));
    expect(set.size).toBe(1000);
    for (const u of set) expect(BigInt(u.slice(5)) < 2n ** 128n && u.length <= 64).toBe(true);
  });
});
