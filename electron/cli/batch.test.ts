/**
 * recon-studio batch end to end on real scans (Colin27, pydicom's MR_small):
 * formats validated by dciodvfy / pydicom / nibabel / the app's reader,
 * reruns skip, cancels leave nothing half-written, shards split the work,
 * and anonymised output carries no identity.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadVolume } from '../engine/io';
import { main } from './main';

const CH2 = '/usr/share/mricron/templates/ch2.nii.gz';
const MR_SMALL = '/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm';

async function run(argv: string[], onErr?: (l: string) => void, signal?: AbortSignal) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['batch', ...argv], { out: (l) => out.push(l), err: (l) => (err.push(l), onErr?.(l)), ...(signal ? { signal } : {}) });
  return { code, out, err, summary: code === 2 ? undefined : JSON.parse(out.join('\n')) };
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'recon-batch-'));
});

const BASE = ['--input', CH2, '--methods', 'zero-filled', '--slices', '88:90', '--quiet'];

describe('recon-studio batch', () => {
  it('writes every format; DICOM passes dciodvfy, pydicom and the app reader; NIfTI keeps the affine; a rerun skips', async () => {
    const out = join(tmp, 'all');
    const r = await run([...BASE, '--accel', '4,8', '--format', 'png16,tiff16,tiff32,png8,dicom,nifti,montage,metrics', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.summary.written).toBe(2);
    expect(r.summary.images).toBe(4);
    const dcmDir = join(out, 'ch2/ch2/zero-filled/x4/dicom');
    const dcm = readdirSync(dcmDir).map((f) => join(dcmDir, f));
    expect(dcm).toHaveLength(2);
    for (const f of dcm) {
      const v = spawnSync('dciodvfy', [f], { encoding: 'utf8' });
      expect((v.stdout + v.stderr).split('\n').filter((l) => l.startsWith('Error'))).toEqual([]);
    }
    const src = await loadVolume(CH2);
    const back = await loadVolume(dcmDir);
    expect(back.kind === 'image' && back.image.shape).toEqual([2, 217, 181]);
    // Slices 88:90 of the source: same affine with the origin moved 88 slices along.
    const a = src.geometry.affine!;
    const want = a.map((x, i) => (i % 4 === 3 && i < 12 ? x + 88 * a[i - 1]! : x));
    expect(back.geometry.affine).toEqual(want);
    const nifti = await loadVolume(join(out, 'ch2/ch2/zero-filled/x4/volume.nii.gz'));
    expect(nifti.geometry.affine).toEqual(want);
    // Exact pixels: pydicom's stored values against the 16-bit PNG of the same slice (same scale, no flip for DICOM).
    const py = execFileSync('/usr/bin/python3', ['-c', `import sys,json,pydicom,numpy as np
from PIL import Image
d=pydicom.dcmread(sys.argv[1]); p=np.array(Image.open(sys.argv[2]))
print(json.dumps([int(np.abs(d.pixel_array.astype(int)-p[::-1].astype(int)).max()), int(d.pixel_array.max())]))`, dcm.sort()[0]!, join(out, 'ch2/ch2/zero-filled/x4/png16/slice_088.png')], { encoding: 'utf8' });
    const [maxDiff, peak] = JSON.parse(py);
    expect(peak).toBeGreaterThan(1000);
    // Colin27 is displayed flipped (NIfTI rows run anterior), DICOM stores rows as they are.
    expect(maxDiff).toBe(0);
    expect(existsSync(join(out, 'ch2/ch2/montage_ch2_x4.png'))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'ch2/ch2/zero-filled/x8/metrics.json'), 'utf8')).volume.psnr).toBeGreaterThan(15);

    // Job folders are untouched; the batch-wide tables at the top (metrics.csv) are rebuilt each run.
    const before = walk(out).filter((f) => !f.includes('.recon-batch') && f !== join(out, 'metrics.csv')).map((f) => [f, statSync(f).mtimeMs]);
    const again = await run([...BASE, '--accel', '4,8', '--format', 'png16,tiff16,tiff32,png8,dicom,nifti,metrics', '--out', out]);
    expect(again.code).toBe(0);
    expect(again.summary.skipped).toBe(2);
    expect(again.summary.written).toBe(0);
    // The batch-wide table covers both jobs, also on a rerun that skipped them.
    const table = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(table[0]).toBe('input,method,accel,slice,nmse,psnr,ssim');
    expect(table.slice(1).map((l) => l.split(',').slice(0, 4).join(','))).toEqual(['ch2,zero-filled,4,88', 'ch2,zero-filled,4,89', 'ch2,zero-filled,8,88', 'ch2,zero-filled,8,89']);
    for (const [f, t] of before) expect(statSync(f as string).mtimeMs).toBe(t);
  });

  it('cancel mid-batch leaves no partial files; stale staging from a killed run is removed; resume completes', async () => {
    const out = join(tmp, 'cancel');
    const ac = new AbortController();
    const r = await run([...BASE.filter((x) => x !== '--quiet'), '--accel', '4,6,8', '--format', 'png16,dicom', '--out', out], (l) => {
      if (/written/.test(l)) ac.abort();
    }, ac.signal);
    expect(r.code).toBe(130);
    expect(r.summary.cancelled).toBe(true);
    expect(r.summary.written).toBe(1);
    const jobDir = join(out, 'ch2/ch2/zero-filled');
    expect(readdirSync(jobDir)).toEqual(['x4']);
    // What a SIGKILL mid-export would leave: a hidden staging folder beside the target.
    mkdirSync(join(jobDir, '.x6.staging-deadbeef/png16'), { recursive: true });
    writeFileSync(join(jobDir, '.x6.staging-deadbeef/png16/slice_088.png'), 'half');
    const resumed = await run([...BASE, '--accel', '4,6,8', '--format', 'png16,dicom', '--out', out]);
    expect(resumed.code).toBe(0);
    expect(resumed.summary.skipped).toBe(1);
    expect(resumed.summary.written).toBe(2);
    expect(readdirSync(jobDir).sort()).toEqual(['x4', 'x6', 'x8']);
    expect(walk(out).filter((f) => /staging|\.tmp$/.test(f))).toEqual([]);
  });

  it('never replaces a folder it did not write unless --overwrite; failures exit 3 and the rest is written', async () => {
    const out = join(tmp, 'clobber');
    mkdirSync(join(out, 'ch2/ch2/zero-filled/x4'), { recursive: true });
    writeFileSync(join(out, 'ch2/ch2/zero-filled/x4/mine.txt'), 'precious');
    const r = await run([...BASE, '--accel', '4,8', '--format', 'png16', '--out', out]);
    expect(r.code).toBe(3);
    expect(r.summary.failed).toBe(1);
    expect(r.summary.written).toBe(1);
    expect(r.summary.jobs.find((j: { status: string }) => j.status === 'failed').error).toMatch(/exists/);
    expect(readFileSync(join(out, 'ch2/ch2/zero-filled/x4/mine.txt'), 'utf8')).toBe('precious');
    const o = await run([...BASE, '--accel', '4,8', '--format', 'png16', '--out', out, '--overwrite']);
    expect(o.code).toBe(0);
    expect(existsSync(join(out, 'ch2/ch2/zero-filled/x4/mine.txt'))).toBe(false);
  });

  it('shards split the jobs with no overlap into one output folder', async () => {
    const out = join(tmp, 'shards');
    const keys: string[] = [];
    for (const s of ['0/2', '1/2']) {
      const r = await run([...BASE, '--methods', 'zero-filled', '--accel', '4,6,8', '--format', 'png16', '--out', out, '--shard', s]);
      expect(r.code).toBe(0);
      keys.push(...r.summary.jobs.map((j: { key: string }) => j.key));
    }
    expect(keys.sort()).toEqual([4, 6, 8].map((a) => `${CH2}|zero-filled|${a}`).sort());
    expect(existsSync(join(out, '.recon-batch/summary-shard0of2.json')) && existsSync(join(out, '.recon-batch/summary-shard1of2.json'))).toBe(true);
  });

  it('--anonymize on a DICOM source: no identity in files or paths, valid DICOM, source references remapped', async () => {
    const srcDir = join(tmp, 'mrsmall');
    mkdirSync(srcDir);
    cpSync(MR_SMALL, join(srcDir, 'MR_small.dcm'));
    const ident = JSON.parse(execFileSync('/usr/bin/python3', ['-c', 'import sys,json,pydicom;d=pydicom.dcmread(sys.argv[1]);print(json.dumps([str(d.PatientName),d.PatientID,d.StudyInstanceUID,d.SOPInstanceUID]))', MR_SMALL], { encoding: 'utf8' }));
    const out = join(tmp, 'anon');
    const r = await run(['--input', srcDir, '--methods', 'zero-filled', '--accel', '2', '--format', 'dicom,png16', '--out', out, '--anonymize', '--quiet']);
    expect(r.code).toBe(0);
    const files = walk(out).filter((f) => !f.includes('.recon-batch'));
    expect(files.length).toBeGreaterThan(1);
    for (const f of files) {
      const rel = relative(out, f);
      const bytes = readFileSync(f).toString('latin1');
      for (const secret of ident) {
        expect(rel).not.toContain(secret);
        expect(bytes).not.toContain(secret);
      }
    }
    const dcm = files.find((f) => f.endsWith('.dcm'))!;
    const v = spawnSync('dciodvfy', [dcm], { encoding: 'utf8' });
    expect((v.stdout + v.stderr).split('\n').filter((l) => l.startsWith('Error'))).toEqual([]);
    const d = JSON.parse(execFileSync('/usr/bin/python3', ['-c', 'import sys,json,pydicom;d=pydicom.dcmread(sys.argv[1]);print(json.dumps([d.PatientIdentityRemoved,str(d.PatientName),d.SourceImageSequence[0].ReferencedSOPInstanceUID]))', dcm], { encoding: 'utf8' }));
    expect(d[0]).toBe('YES');
    expect(d[1]).toMatch(/^ANON-/);
    expect(d[2]).toMatch(/^2\.25\./);
  });

  it('a folder of NIfTI files is one input per file, with distinct job folders', async () => {
    const inDir = join(tmp, 'niftis');
    mkdirSync(inDir);
    cpSync(CH2, join(inDir, 'one.nii.gz'));
    cpSync(CH2, join(inDir, 'two.nii.gz'));
    const out = join(tmp, 'folder');
    const r = await run(['--input', inDir, '--methods', 'zero-filled', '--accel', '4', '--slices', '88:89', '--format', 'png16', '--template', '{input}/{method}/x{accel}', '--out', out, '--quiet']);
    expect(r.code).toBe(0);
    expect(r.summary.jobs.map((j: { dir: string }) => j.dir).sort()).toEqual(['one/zero-filled/x4', 'two/zero-filled/x4']);
  });

  it('a real process killed (SIGKILL) mid-batch leaves only complete job folders; SIGINT exits 130; a rerun finishes', async () => {
    const bin = join(resolve(__dirname, '../..'), 'bin', 'recon-studio.mjs');
    const out = join(tmp, 'killed');
    const args = [bin, 'batch', '--input', CH2, '--methods', 'zero-filled', '--accel', '4,6,8', '--slices', '60:100', '--format', 'png16,dicom', '--out', out];
    const stopAfterFirstJob = (sig: NodeJS.Signals) =>
      new Promise<number | null>((done) => {
        const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
        child.stderr.on('data', (b: Buffer) => {
          // Into the next job's work, by the child's own id.
          if (/\] written/.test(b.toString())) setTimeout(() => child.kill(sig), 150);
        });
        child.on('exit', (code, signal) => done(signal ? -1 : code));
      });
    expect(await stopAfterFirstJob('SIGKILL')).toBe(-1);
    const jobs = join(out, 'ch2/ch2/zero-filled');
    const visible = readdirSync(jobs).filter((n) => !n.startsWith('.'));
    expect(visible.length).toBeGreaterThanOrEqual(1);
    for (const v of visible) {
      expect(readdirSync(join(jobs, v, 'png16'))).toHaveLength(40);
      expect(readdirSync(join(jobs, v, 'dicom'))).toHaveLength(40);
    }
    const resumed = await run([...args.slice(2), '--quiet']);
    expect(resumed.code).toBe(0);
    expect(resumed.summary.skipped + resumed.summary.written).toBe(3);
    expect(readdirSync(jobs).sort()).toEqual(['x4', 'x6', 'x8']);
    rmSync(out, { recursive: true });
    expect(await stopAfterFirstJob('SIGINT')).toBe(130);
    expect(readdirSync(join(out, 'ch2/ch2/zero-filled'))).toEqual(['x4']);
  }, 60_000);

  it('bad arguments exit 2 before anything runs', async () => {
    const out = join(tmp, 'bad');
    for (const args of [
      ['--format', 'jpeg'],
      ['--template', '../{input}/{method}/{accel}'],
      ['--shard', '2/2'],
      ['--methods', 'nope'],
      ['--accel', '1'],
    ]) {
      const r = await run([...BASE, '--out', out, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
    }
    expect(existsSync(out)).toBe(false);
  });
});
