/**
 * Bad input never hurts: >= 10,000 deterministic mutants of real files through
 * every reader. Each must end in a ReaderError or a valid Volume, within 2 s,
 * within the allocation limit (harness.ts). Prints corpus and crash counts.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../array';
import { cflToVolume, readCfl } from '../cfl';
import { loadDicomCodecs, readDicom } from '../dicom';
import { ReaderError } from '../errors';
import { readFastMri } from '../hdf5';
import { loadH5wasm } from '../hdf5-module';
import { loadVolume } from '../load';
import { readNifti } from '../nifti';
import { cflCorpus, dicomCorpus, niftiCorpus, truncations } from './corpus';
import { mrSlice } from './dicom-writer';
import { FuzzRunner } from './harness';
import { dicomField, findDataspace, flipBytes, genericMutation, hdf5Dims, mapDicom } from './mutate';
import { cflSeeds, dicomSeeds, hdf5Seeds, mosaicSeeds, niftiSeeds, PYDICOM, t1Crop, writeNifti, type CflSeed, type DicomSeed, type NiftiSeed } from './seeds';

const HDF5_PER_SEED = 300;
const tmp = mkdtempSync(join(tmpdir(), 'fuzz-test-'));
const runner = new FuzzRunner();
let nifti: NiftiSeed[] = [];
let dicom: DicomSeed[] = [];
let cfl: CflSeed[] = [];
let hdf5: { name: string; bytes: Uint8Array }[] = [];

beforeAll(async () => {
  // Compile h5wasm and the codecs up front: module start-up is not a case.
  await loadH5wasm();
  await loadDicomCodecs();
  nifti = niftiSeeds();
  dicom = dicomSeeds();
  cfl = cflSeeds(tmp);
  hdf5 = hdf5Seeds(tmp);
});
afterAll(async () => {
  await runner.close();
  rmSync(tmp, { recursive: true, force: true });
});

const crashesOf = (reader: string): string[] =>
  runner.crashes.filter((c) => c.reader === reader).map((c) => `${c.label}: ${c.problem}`);

describe('bad input never hurts', () => {
  it('the seeds themselves are read (so mutants start from valid files)', () => {
    for (const s of nifti) expect(readNifti(s.bytes, s.name).kind).toBe('image');
    for (const s of cfl) expect(['image', 'kspace']).toContain(cflToVolume(readCfl(s.hdr, s.cfl, s.name), s.name).kind);
    expect(dicom.length).toBeGreaterThanOrEqual(10);
    const mr = dicom.find((d) => d.name === 'MR_small.dcm')!;
    expect(readDicom(mr.bytes, mr.name).image.shape).toEqual([1, 64, 64]);
    expect(hdf5.map((h) => h.bytes.length).every((n) => n > 1000)).toBe(true);
  });

  it('absurd dimensions are refused fast, before any allocation', () => {
    const cases: [string, () => unknown][] = [];
    const n1 = writeNifti(1, 'int16', [4, 4, 1], new Float32Array(16), true);
    const huge1 = n1.slice();
    [32767, 32767, 32767].forEach((d, i) => new DataView(huge1.buffer).setInt16(42 + 2 * i, d, true));
    cases.push(['nifti1 32767^3', () => readNifti(huge1, 'huge1.nii')]);
    const big1 = n1.slice();
    [2048, 2048, 256].forEach((d, i) => new DataView(big1.buffer).setInt16(42 + 2 * i, d, true)); // 2^30 voxels, no data
    cases.push(['nifti1 2^30 voxels, 16 bytes of data', () => readNifti(big1, 'big1.nii')]);
    const n2 = writeNifti(2, 'float32', [4, 4, 1], new Float32Array(16), true);
    const huge2 = n2.slice();
    [2n ** 20n, 2n ** 20n, 1n].forEach((d, i) => new DataView(huge2.buffer).setBigInt64(24 + 8 * i, d, true)); // 2^40 voxels
    cases.push(['nifti2 2^40 voxels', () => readNifti(huge2, 'huge2.nii')]);
    cases.push(['cfl 2^40', () => readCfl('# Dimensions\n1048576 1048576\n', new Uint8Array(8), 'huge.cfl')]);
    cases.push(['cfl 2^30 without data', () => readCfl('# Dimensions\n32768 32768\n', new Uint8Array(8), 'big.cfl')]);
    const mr = dicom.find((d) => d.name === 'MR_small.dcm')!;
    for (const [tag, v] of [['(0028,0010)', 0xffff], ['(0028,0011)', 0xffff]] as const) {
      const at = mr.map.hot.find((h) => h.tag === tag)!.at;
      const b = mr.bytes.slice();
      new DataView(b.buffer).setUint16(at + 8, v, true);
      cases.push([`dicom ${tag}=${v}`, () => readDicom(b, 'rows.dcm')]);
    }
    const enh = dicom.find((d) => d.name === 'enhanced-mr.dcm')!;
    const nf = enh.map.hot.find((h) => h.tag === '(0028,0008)')!.at;
    const frames = enh.bytes.slice();
    frames.set(new TextEncoder().encode('99999999'.slice(0, frames[nf + 6]!)), nf + 8);
    cases.push(['dicom NumberOfFrames=9999...', () => readDicom(frames, 'frames.dcm')]);
    for (const [label, fn] of cases) {
      const ab0 = process.memoryUsage().arrayBuffers;
      const t0 = performance.now();
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      const ms = performance.now() - t0;
      expect(err, label).toBeInstanceOf(ReaderError);
      expect((err as Error).message, label).toMatch(/absurd|truncated|exceeds|Pixel Data|needs|holds|frames/i);
      expect(ms, label).toBeLessThan(100);
      expect(process.memoryUsage().arrayBuffers - ab0, label).toBeLessThan(2 ** 20);
    }
  });

  it('absurd HDF5 k-space extents (2^40 per side, both in dims and maxdims) are refused fast', async () => {
    const multi = hdf5.find((h) => h.name === 'multi.h5')!;
    const spaces = findDataspace(multi.bytes, [2, 4, 16, 32]);
    expect(spaces.length).toBeGreaterThanOrEqual(1);
    const b = multi.bytes.slice();
    const dv = new DataView(b.buffer);
    // The dataspace message holds dims then (for h5py's fixed-size datasets) maxdims: change both.
    for (const at of spaces) dv.setBigUint64(at + 16, 2n ** 40n, true);
    const p = join(tmp, 'huge.h5');
    writeFileSync(p, b);
    const ab0 = process.memoryUsage().arrayBuffers;
    const rss0 = process.memoryUsage.rss();
    const t0 = performance.now();
    const e = await readFastMri(p).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ReaderError);
    expect((e as ReaderError).message).toMatch(/absurd|exceeds|limit|implausibly|corrupt|not a readable/);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(process.memoryUsage().arrayBuffers - ab0).toBeLessThan(2 ** 20);
    expect(process.memoryUsage.rss() - rss0).toBeLessThan(64 * 2 ** 20);
  });

  it('NIfTI mutants', () => {
    for (const m of niftiCorpus(nifti, 600)) {
      const vol = m.label.includes('4d') ? 1 : 0;
      runner.run('nifti', m.label, m.bytes.length, () => readNifti(m.bytes, 'fuzz.nii', { volume: vol }));
    }
    expect(runner.counts.get('nifti')!.cases).toBeGreaterThanOrEqual(4000);
    expect(crashesOf('nifti')).toEqual([]);
  });

  it('DICOM mutants', () => {
    for (const m of dicomCorpus(dicom, 400)) runner.run('dicom', m.label, m.bytes.length, () => readDicom(m.bytes, 'fuzz.dcm'));
    const mosaics = mosaicSeeds();
    expect(mosaics.every((m) => m.map.csa.length > 0), 'mosaic seeds carry CSA headers').toBe(true);
    for (const m of dicomCorpus(mosaics, 150)) runner.run('dicom', m.label, m.bytes.length, () => readDicom(m.bytes, 'fuzz.dcm'));
    expect(runner.counts.get('dicom')!.cases).toBeGreaterThanOrEqual(5000);
    expect(crashesOf('dicom')).toEqual([]);
  });

  it('BART cfl/hdr mutants', () => {
    for (const m of cflCorpus(cfl, 600)) {
      runner.run('cfl', m.label, m.cfl.length + m.hdr.length, () => cflToVolume(readCfl(m.hdr, m.cfl, 'fuzz.cfl'), 'fuzz.cfl'));
      // Single-coil data forced to k-space exercises the other interpretation.
      runner.run('cfl', `${m.label} as kspace`, m.cfl.length + m.hdr.length, () => cflToVolume(readCfl(m.hdr, m.cfl, 'fuzz.cfl'), 'fuzz.cfl', 'kspace'));
    }
    expect(runner.counts.get('cfl')!.cases).toBeGreaterThanOrEqual(2000);
    expect(crashesOf('cfl')).toEqual([]);
  });

  it('fastMRI HDF5 mutants (readFastMri on one file per mutant)', async () => {
    const p = join(tmp, 'fuzz.h5');
    for (const s of hdf5) {
      const rng = createRng(13, `hdf5/${s.name}`);
      const shapes = { 'multi.h5': [[2, 4, 16, 32], [2, 16, 16], [32]], 'single.h5': [[2, 16, 32], [2, 16, 16]] }[s.name] ?? [[1, 16, 32]];
      const spaces = shapes.flatMap((sh) => findDataspace(s.bytes, sh).map((at) => ({ at, rank: sh.length })));
      expect(spaces.length, `dataspaces found in ${s.name}`).toBeGreaterThanOrEqual(1);
      const base = truncations(s.bytes, 30, [0, 8, ...spaces.map((x) => x.at)]);
      const mutants = [...base];
      for (let i = mutants.length; i < HDF5_PER_SEED; i++) {
        const m = rng.next() < 0.4 ? hdf5Dims(s.bytes, spaces, rng) : genericMutation(s.bytes, rng, spaces.map((x) => x.at));
        mutants.push({ label: `#${i} ${m.label}`, bytes: m.bytes });
      }
      // Health check on a valid file (nonfinite.h5 itself is rightly refused).
      const valid = hdf5.find((h) => h.name === 'single.h5')!;
      const pristine = join(tmp, 'pristine.h5');
      writeFileSync(pristine, valid.bytes);
      for (const [i, m] of mutants.entries()) {
        writeFileSync(p, m.bytes);
        await runner.runAsync('hdf5', `${s.name} ${m.label}`, m.bytes.length, () => readFastMri(p));
        // A corrupt file must not break the reader for the next, valid one (h5wasm is one shared WASM instance).
        if (i % 20 === 19 || i === mutants.length - 1) {
          await runner.runAsync('hdf5', `${s.name} pristine after #${i} ${m.label}`, s.bytes.length, async () => {
            try {
              return await readFastMri(pristine);
            } catch (e) {
              throw new Error(`the valid single.h5 no longer opens: ${(e as Error).message}`);
            }
          });
        }
      }
    }
    expect(runner.counts.get('hdf5')!.cases).toBeGreaterThanOrEqual(hdf5.length * HDF5_PER_SEED);
    expect(crashesOf('hdf5')).toEqual([]);
  });

  it('on disk through loadVolume: zero-byte files, gzip, mutated files, HDF5', async () => {
    const rng = createRng(11, 'disk');
    const write = (name: string, bytes: Uint8Array | string): string => {
      const p = join(tmp, name);
      writeFileSync(p, bytes);
      return p;
    };
    const load = (label: string, path: string, size: number): Promise<void> => runner.runAsync('load', label, size, () => loadVolume(path));
    for (const ext of ['nii', 'nii.gz', 'dcm', 'h5', 'cfl', 'hdr', 'noext']) await load(`empty.${ext}`, write(`empty.${ext}`, new Uint8Array(0)), 0);
    write('empty-pair.hdr', '');
    await load('empty pair', write('empty-pair.cfl', new Uint8Array(0)), 0);
    for (const s of nifti.slice(0, 4)) {
      const gz = new Uint8Array(gzipSync(s.bytes));
      for (const m of truncations(gz, 12, [10, 18])) await load(`${s.name}.gz ${m.label}`, write('m.nii.gz', m.bytes), m.bytes.length);
      for (let i = 0; i < 10; i++) {
        const b = flipBytes(gz, rng);
        await load(`${s.name}.gz flip#${i}`, write('m.nii.gz', b), b.length);
        const inner = new Uint8Array(gzipSync(genericMutation(s.bytes, rng).bytes));
        await load(`${s.name}.gz inner#${i}`, write('m.nii.gz', inner), inner.length);
      }
    }
    for (const s of dicom) {
      for (let i = 0; i < 6; i++) {
        const m = genericMutation(s.bytes, rng);
        await load(`${s.name} ${m.label}`, write(i % 2 ? 'IM0001' : 'm.dcm', m.bytes), m.bytes.length);
      }
    }
    for (const s of cfl) {
      for (const m of truncations(s.cfl, 5, [])) {
        write('pair.hdr', s.hdr);
        await load(`${s.name} pair ${m.label}`, write('pair.cfl', m.bytes), m.bytes.length);
      }
    }
    for (const s of hdf5) {
      for (const m of [...truncations(s.bytes, 10, [0, 8]), ...Array.from({ length: 10 }, () => genericMutation(s.bytes, rng))]) {
        await load(`${s.name} ${m.label}`, write('m.h5', m.bytes), m.bytes.length);
      }
    }
    expect(crashesOf('load')).toEqual([]);
  });

  it('folders: broken series, symlink loops, deep nesting, FIFOs, dangling links', async () => {
    const rng = createRng(12, 'folders');
    const crop = t1Crop(16, 16, 6);
    const slices = Array.from({ length: 6 }, (_, k) =>
      mrSlice({
        rows: 16,
        cols: 16,
        pixels: Uint16Array.from(crop.subarray(k * 256, (k + 1) * 256), (v) => Math.max(0, v)),
        position: [0, 0, 3 * k],
        instance: k + 1,
        seriesUID: '1.2.826.0.1.3680043.10.1999.9',
        studyUID: '1.2.826.0.1.3680043.10.1999.8',
        frameOfReferenceUID: '1.2.826.0.1.3680043.10.1999.10',
      }),
    );
    const folder = (name: string): string => {
      const d = join(tmp, name);
      mkdirSync(d, { recursive: true });
      return d;
    };
    const load = (label: string, path: string): Promise<void> => runner.runAsync('folder', label, 6 * slices[0]!.length, () => loadVolume(path));
    for (let f = 0; f < 20; f++) {
      const d = folder(`series${f}`);
      slices.forEach((s, k) => writeFileSync(join(d, `IM${k}`), rng.next() < 0.3 ? genericMutation(s, rng).bytes : s));
      writeFileSync(join(d, 'notes.txt'), 'not dicom');
      writeFileSync(join(d, 'zero'), '');
      await load(`series${f}`, d);
    }
    const loop = folder('loop/a/b');
    slices.forEach((s, k) => writeFileSync(join(loop, `IM${k}.dcm`), s));
    symlinkSync('..', join(loop, 'up'));
    symlinkSync(join(tmp, 'loop'), join(tmp, 'loop', 'self'));
    symlinkSync(join(tmp, 'nowhere'), join(loop, 'dangling'));
    await load('symlink loops', join(tmp, 'loop'));
    let deep = folder('deep');
    for (let i = 0; i < 30; i++) deep = folder(join('deep', ...Array.from({ length: i + 1 }, () => 'd')));
    writeFileSync(join(deep, 'IM0'), slices[0]!);
    await load('30 levels deep', join(tmp, 'deep'));
    const fifoDir = folder('fifo');
    slices.forEach((s, k) => writeFileSync(join(fifoDir, `IM${k}`), s));
    execFileSync('mkfifo', [join(fifoDir, 'pipe')]);
    await load('folder with a FIFO', fifoDir);
    await load('a FIFO itself', join(fifoDir, 'pipe'));
    await load('empty folder', folder('empty'));
    // DICOMDIR lying about the files it indexes: mutate pydicom's DICOMDIR set.
    const dd = join(tmp, 'dicomdir');
    cpSync(join(PYDICOM, 'dicomdirtests'), dd, { recursive: true });
    const dicomdir = new Uint8Array(readFileSync(join(dd, 'DICOMDIR')));
    const ddMap = mapDicom(dicomdir);
    for (let i = 0; i < 16; i++) {
      const m = i % 2 ? dicomField(dicomdir, ddMap, rng) : genericMutation(dicomdir, rng);
      writeFileSync(join(dd, 'DICOMDIR'), m.bytes);
      await load(`DICOMDIR ${m.label}`, dd);
    }
    await load('dangling link', join(loop, 'dangling'));
    expect(crashesOf('folder')).toEqual([]);
  });

  it('at least 10,000 cases in all, and no crash', () => {
    console.log(runner.summary());
    expect(runner.total()).toBeGreaterThanOrEqual(10_000);
    expect(runner.crashes).toEqual([]);
  });
});
