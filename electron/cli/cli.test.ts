/**
 * The recon-studio command end to end on real scans: in-process through
 * main() for speed, and through the real launcher for exit codes and stderr.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-in-memory';

const ROOT = resolve(__dirname, '../..');
const CH2 = '/usr/share/mricron/templates/ch2.nii.gz';
const MR_SMALL_DIR = '/usr/lib/python3/dist-packages/pydicom/data/test_files';

const run = runCli;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'recon-cli-'));
});

describe('recon-studio recon', () => {
  it('reconstructs Colin27 at 4x equispaced with plausible zero-filled quality', async () => {
    const out = join(tmp, 'ch2-4x');
    const r = await run(['recon', CH2, '--mask', 'equispaced', '--accel', '4', '--center-fraction', '0.08', '--seed', '1', '--slices', '88:92', '--out', out, '--json', '--quiet']);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out.join('\n'));
    // fastMRI's EquiSpacedMaskFunc: every 4th outer row plus 17 centre rows of 217.
    expect(summary.acceleration).toBeGreaterThan(3.1);
    expect(summary.acceleration).toBeLessThan(3.4);
    // Zero-filled 4x on a brain: clearly degraded but far from noise.
    expect(summary.metrics.psnr).toBeGreaterThan(20);
    expect(summary.metrics.psnr).toBeLessThan(40);
    expect(summary.metrics.ssim).toBeGreaterThan(0.4);
    expect(summary.metrics.ssim).toBeLessThan(0.98);
    expect(readdirSync(join(out, 'images', 'zero-filled')).sort()).toEqual(['slice_088.png', 'slice_089.png', 'slice_090.png', 'slice_091.png']);
    expect(readdirSync(join(out, 'reference'))).toHaveLength(4);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.perSlice.map((s: { slice: number }) => s.slice)).toEqual([88, 89, 90, 91]);
    const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('method,slice,nmse,psnr,ssim');
    expect(csv).toHaveLength(5);
    const prov = JSON.parse(readFileSync(join(out, 'provenance.json'), 'utf8'));
    expect(prov).toMatchObject({ method: 'zero-filled', seed: 1, input: { path: CH2, format: 'nifti', slices: [88, 92] } });
    expect(prov.input.sha256).toBe(execFileSync('sha256sum', [CH2], { encoding: 'utf8' }).split(' ')[0]);
    expect(prov.mask.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(prov.engineVersion).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('equispaced-fraction hits the requested total acceleration', async () => {
    const r = await run(['recon', CH2, '--mask', 'equispaced-fraction', '--accel', '4', '--slices', '90', '--out', join(tmp, 'frac'), '--json', '--quiet']);
    expect(r.code).toBe(0);
    expect(Math.abs(JSON.parse(r.out.join('\n')).acceleration - 4) / 4).toBeLessThan(0.05);
  });

  it('writes 16-bit PNGs whose values are the reconstruction times the recorded scale', async () => {
    const out = join(tmp, 'sample');
    const r = await run(['recon', 'sample', '--accel', '4', '--slices', '3:5', '--out', out, '--quiet']);
    expect(r.code).toBe(0);
    const py = `
import json, sys
from PIL import Image
im = Image.open(sys.argv[1])
print(json.dumps({"size": im.size, "max": max(im.getdata()), "text": im.text}))`;
    const info = JSON.parse(execFileSync('/usr/bin/python3', ['-c', py, join(out, 'reference', 'slice_003.png')], { encoding: 'utf8' }));
    expect(info.size).toEqual([128, 128]);
    // The reference volume max maps to (nearly) full scale unless the recon overshoots it.
    expect(info.max).toBeGreaterThan(40000);
    expect(Number(info.text['Recon-Scale'])).toBeGreaterThan(0);
    expect(JSON.parse(info.text['Recon-Provenance']).method).toBe('zero-filled');
  });

  it('is reproducible: the same spec gives byte-identical images', async () => {
    const args = (seed: number, out: string) =>
      ['recon', 'sample', '--mask', 'random', '--accel', '6', '--coils', '4', '--snr', '30', '--seed', String(seed), '--slices', '2:3', '--quiet', '--out', join(tmp, out)];
    expect((await run(args(7, 'rep-a'))).code).toBe(0);
    expect((await run(args(7, 'rep-b'))).code).toBe(0);
    const f = join('images', 'zero-filled', 'slice_002.png');
    expect(readFileSync(join(tmp, 'rep-a', f)).equals(readFileSync(join(tmp, 'rep-b', f)))).toBe(true);
    expect((await run(args(8, 'rep-c'))).code).toBe(0);
    expect(readFileSync(join(tmp, 'rep-a', f)).equals(readFileSync(join(tmp, 'rep-c', f)))).toBe(false);
  });

  it('bad arguments and bad files: one line naming the flag or file, exit 2, no output folder', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['recon', CH2, '--accel', '0'], /--accel must be greater than 1, got 0/],
      [['recon', CH2, '--accel', 'x'], /--accel must be a number/],
      [['recon', join(tmp, 'missing.nii'), '--accel', '4'], /missing\.nii/],
      [['recon', CH2, '--slices', '170:190'], /slices 170:190 are outside its 181 slices/],
      [['recon', CH2, '--method', 'magic'], /unknown method "magic"/],
      [['recon', CH2, '--bogus'], /unknown option '--bogus'/],
    ];
    for (const [i, [argv, pattern]] of cases.entries()) {
      const out = join(tmp, `bad-${i}`);
      const r = await run([...argv, '--out', out]);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toMatch(pattern);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('a truncated NIfTI and a DICOM that is not an image are refused by name', async () => {
    const truncated = join(tmp, 'truncated.nii.gz');
    const raw = execFileSync('gunzip', ['-c', CH2], { maxBuffer: 64 << 20 });
    writeFileSync(truncated, gzipSync(raw.subarray(0, 100_000)));
    const r1 = await run(['recon', truncated, '--out', join(tmp, 'bad-trunc')]);
    expect(r1.code).toBe(2);
    expect(r1.err[0]).toContain('truncated.nii.gz');
    expect(existsSync(join(tmp, 'bad-trunc'))).toBe(false);

    const notImage = readdirSync(MR_SMALL_DIR).find((f) => /^DICOMDIR$|rtplan\.dcm$|rtstruct/i.test(f));
    expect(notImage).toBeDefined();
    const r2 = await run(['recon', join(MR_SMALL_DIR, notImage!), '--out', join(tmp, 'bad-dicom')]);
    expect(r2.code).toBe(2);
    expect(r2.err[0]).toContain(notImage!);
    expect(r2.err[0]).toMatch(/not an image/);
    expect(existsSync(join(tmp, 'bad-dicom'))).toBe(false);
  });

  it('refuses to write into a non-empty folder unless --overwrite', async () => {
    const out = join(tmp, 'occupied');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'mine');
    const r = await run(['recon', 'sample', '--slices', '0:1', '--out', out, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/not empty.*--overwrite/);
    expect(readFileSync(join(out, 'keep.txt'), 'utf8')).toBe('mine');
    expect((await run(['recon', 'sample', '--slices', '0:1', '--out', out, '--quiet', '--overwrite'])).code).toBe(0);
    expect(existsSync(join(out, 'keep.txt'))).toBe(false);
    expect(existsSync(join(out, 'provenance.json'))).toBe(true);
  });
});

describe('recon-studio info', () => {
  it('describes a NIfTI volume', async () => {
    const r = await run(['info', CH2, '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out.join('\n'));
    expect(s).toMatchObject({ format: 'nifti', kind: 'image', shape: [181, 217, 181], min: 0, max: 254 });
  });

  it('describes a DICOM file', async () => {
    const r = await run(['info', join(MR_SMALL_DIR, 'MR_small.dcm')]);
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toMatch(/dicom \(image\)/);
    expect(r.out.join('\n')).toMatch(/\[1x64x64\]/);
  });
});

describe('recon-studio models', () => {
  it('lists the shipped models with architecture, hash and what tells them apart', async () => {
    const r = await run(['models']);
    expect(r.code).toBe(0);
    const text = r.out.join('\n');
    expect(text).toMatch(/^ {2}cirim-fast +cirim +v\d+ +[0-9a-f]{12} +2 cascades × 8 steps \+ CG data consistency, held-out SSIM 0\.\d\d–0\.\d\d$/m);
    expect(text).toMatch(/^ {2}cirim-smoke +cirim .*smoke model, no measured quality$/m);
    expect(text).toMatch(/^ {2}diffusion-classifier +diffusion-classifier .*held-out orientation accuracy 0\.\d\d$/m);
  });

  it('gives JSON, and names a broken model folder instead of failing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'recon-models-'));
    mkdirSync(join(root, 'broken'));
    writeFileSync(join(root, 'broken', 'manifest.json'), '{"name": "broken"');
    const r = await run(['models', '--models-dir', root, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out.join('\n')) as { root: string; models: { name: string; error?: string }[] };
    expect(j.root).toBe(root);
    expect(j.models).toHaveLength(1);
    expect(j.models[0]!.name).toBe('broken');
    expect(j.models[0]!.error).toMatch(/manifest\.json: not valid JSON/);
    const bad = await run(['models', '--model', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.err.join('\n')).toMatch(/unknown option '--model'/);
  });
});

describe('the launcher as a real process', () => {
  const bin = join(ROOT, 'bin', 'recon-studio.mjs');
  it('prints help with exit 0 and refuses --accel 0 with exit 2 and one stderr line', () => {
    const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/usage: recon-studio <command>/);
    const bad = spawnSync(process.execPath, [bin, 'recon', CH2, '--accel', '0', '--out', join(tmp, 'p')], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual(['recon-studio: --accel must be greater than 1, got 0']);
    expect(bad.stdout).toBe('');
  });
});
