import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImageVolume } from '../array';
import { ReaderError } from './errors';
import { loadVolume } from './load';

const T = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const tmp = mkdtempSync(join(tmpdir(), 'load-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function loadError(path: string): Promise<ReaderError> {
  const e = await loadVolume(path).then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ReaderError);
  expect((e as ReaderError).file).toBe(path);
  return e as ReaderError;
}

describe('loadVolume picks the reader by content', () => {
  it('DICOM without an extension, and a gzipped DICOM; sha256 is of the stored bytes', async () => {
    const plain = join(tmp, 'IM0001');
    copyFileSync(join(T, 'MR_small.dcm'), plain);
    const v = (await loadVolume(plain)) as ImageVolume;
    expect(v.source).toEqual({
      path: plain,
      format: 'dicom',
      sha256: createHash('sha256').update(readFileSync(plain)).digest('hex'),
    });
    expect(v.image.data[10 * 64 + 20]).toBe(316);
    const gz = (await loadVolume(join(T, 'zipMR.gz'))) as ImageVolume;
    expect(gz.source.format).toBe('dicom');
    expect(gz.image.data.reduce((s, x) => s + x, 0)).toBe(2125338);
  });

  it('NIfTI under a misleading name is still read as NIfTI', async () => {
    const p = join(tmp, 'scan.dat');
    writeFileSync(p, readFileSync('/usr/lib/python3/dist-packages/nibabel/tests/data/anatomical.nii'));
    const v = await loadVolume(p);
    expect(v.source.format).toBe('nifti');
  });

  it('clear errors: missing, empty, unknown, HDF5, gzip of something else, analyze pair, bad .dcm', async () => {
    expect((await loadError(join(tmp, 'nope.nii'))).problem).toBe('file not found');
    const empty = join(tmp, 'empty.nii');
    writeFileSync(empty, '');
    expect((await loadError(empty)).problem).toBe('empty file');
    const txt = join(tmp, 'notes.txt');
    writeFileSync(txt, 'hello world');
    expect((await loadError(txt)).problem).toMatch(/^unrecognised file format/);
    const h5 = join(tmp, 'file1000001.h5');
    writeFileSync(h5, Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]));
    expect((await loadError(h5)).problem).toMatch(/not a readable HDF5 file/);
    const gz = join(tmp, 'text.nii.gz');
    writeFileSync(gz, gzipSync(Buffer.from('just text')));
    expect((await loadError(gz)).problem).toBe('gzip file holds neither NIfTI nor DICOM data');
    const pair = join(tmp, 'pair.hdr');
    const hdr = Buffer.alloc(348);
    hdr.writeInt32LE(348, 0);
    hdr.write('ni1\0', 344, 'latin1');
    writeFileSync(pair, hdr);
    expect((await loadError(pair)).problem).toMatch(/header\/image pair \(\.hdr \+ \.img\) is not supported/);
    const dcm = join(tmp, 'broken.dcm');
    writeFileSync(dcm, Buffer.alloc(300));
    expect((await loadError(dcm)).problem).toMatch(/not a DICOM file/);
  });

  it('a .cfl without its .hdr names the missing header', async () => {
    const p = join(tmp, 'lonely.cfl');
    writeFileSync(p, Buffer.alloc(8));
    const e = await loadVolume(p).catch((err: unknown) => err as ReaderError);
    expect(e).toBeInstanceOf(ReaderError);
    expect((e as ReaderError).message).toBe(`${join(tmp, 'lonely.hdr')}: file not found`);
  });
});
