/**
 * tune-schedule: argument parsing, the atomic manifest write (on a temp copy
 * of a model folder), the held-out refusal, and the search end to end on the
 * smoke diffusion prior and one Colin27 slice.
 */
import { copyFileSync, cpSync, existsSync, linkSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDiffusionModel } from '../engine/recon/diffusion/model';
import { uniformSchedule } from '../engine/recon/diffusion/schedule';
import { main } from './main';
import { runCli } from './run-in-memory';
import { DEFAULT_VAL, fitnessOf, loadValidation, parseTuneArgs, writeManifestSchedule } from './tune-schedule';

const MODELS = resolve(__dirname, '../../resources/models');
const SMOKE = join(MODELS, 'diffusion-smoke');
const SAMPLER = resolve(__dirname, '../engine/recon/diffusion/sampler.ts');
const HELD_OUT = '/usr/share/doc/insighttoolkit5-examples/examples/Data/KmeansTest_T1UCharRaw.nii.gz';
const haveSmoke = existsSync(join(SMOKE, 'model.onnx')) && existsSync(SAMPLER) && existsSync(DEFAULT_VAL);

let tmp: string;
/** A private copy of the smoke prior and its classifier, so manifest writes never touch resources/. */
let modelDir: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'recon-tune-'));
  modelDir = join(tmp, 'models', 'diffusion-smoke');
  if (existsSync(SMOKE)) {
    cpSync(SMOKE, modelDir, { recursive: true });
    if (existsSync(`${SMOKE}-classifier`)) cpSync(`${SMOKE}-classifier`, `${modelDir}-classifier`, { recursive: true });
  }
});

describe('tune-schedule arguments', () => {
  it('fills in the defaults and splits a model path into folder and root', () => {
    const a = parseTuneArgs(['--model', 'diffusion-smoke', '--steps', '10']);
    expect(a).toMatchObject({ model: 'diffusion-smoke', steps: 10, population: 8, generations: 4, seed: 0, val: DEFAULT_VAL, valSlices: 3, accel: 4, mask: 'equispaced-fraction', sampleSeed: 0, writeManifest: false });
    expect((a as { modelsDir?: string }).modelsDir).toBeUndefined();
    if (existsSync(SMOKE)) {
      const b = parseTuneArgs(['--model', modelDir, '--steps', '5', '--population', '6', '--generations', '2', '--seed', '9', '--val-slices', '2', '--accel', '8', '--mask', 'random', '--write-manifest']);
      expect(b).toMatchObject({ model: 'diffusion-smoke', modelsDir: join(tmp, 'models'), steps: 5, population: 6, generations: 2, seed: 9, valSlices: 2, accel: 8, mask: 'random', writeManifest: true });
    }
    expect(parseTuneArgs(['--help'])).toBe('help');
  });

  it('rejects bad flags with a message naming them', () => {
    const existing = join(tmp, 'exists.json');
    writeFileSync(existing, '{}');
    for (const [args, msg] of [
      [['--steps', '10'], /--model NAME\|DIR is required/],
      [['--model', 'm'], /--steps K is required/],
      [['--model', 'm', '--steps', '3'], /--steps must be at least 5/],
      [['--model', 'm', '--steps', '500'], /--steps must be at most 100/],
      [['--model', 'm', '--steps', '7.5'], /--steps must be an integer/],
      [['--model', 'm', '--steps', '5', '--population', '1'], /--population must be at least 2/],
      [['--model', 'm', '--steps', '5', '--mask', 'spiral'], /--mask must be one of/],
      [['--model', 'm', '--steps', '5', '--accel', '1'], /--accel must be greater than 1/],
      [['--model', 'm', '--steps', '5', '--val', join(tmp, 'nope.nii')], /--val: ".*nope.nii" does not exist/],
      [['--model', 'm', '--steps', '5', '--out', existing], /already exists \(add --overwrite/],
      [['--model', tmp, '--steps', '5'], /has no manifest.json/],
      [['--model', 'm', '--steps', '5', 'extra'], /no positional arguments/],
      [['--model', 'm', '--steps', '5', '--bogus'], /unknown option/],
    ] as const) {
      expect(() => parseTuneArgs([...args])).toThrow(msg);
    }
    expect(parseTuneArgs(['--model', 'm', '--steps', '5', '--out', existing, '--overwrite'])).toMatchObject({ out: existing, overwrite: true });
  });

  it.skipIf(!existsSync(HELD_OUT))('refuses the held-out subject as validation data', () => {
    expect(() => parseTuneArgs(['--model', 'm', '--steps', '5', '--val', HELD_OUT])).toThrow(/held-out subject \(itk-kmeans-t1\)/);
  });

  it.skipIf(!existsSync(DEFAULT_VAL))('refuses a volume the model manifest lists as held out, whatever its name', async () => {
    const renamed = join(tmp, 'subject.nii.gz');
    copyFileSync(DEFAULT_VAL, renamed);
    await expect(loadValidation(renamed, 1, 4, 'equispaced-fraction', [renamed])).rejects.toThrow(/held-out \("val"\) data/);
  });

  it('fitness ranks by SSIM first and uses PSNR only to break ties', () => {
    expect(fitnessOf({ ssim: 0.8, psnr: 20 })).toBeGreaterThan(fitnessOf({ ssim: 0.7999, psnr: 40 }));
    expect(fitnessOf({ ssim: 0.8, psnr: 30 })).toBeGreaterThan(fitnessOf({ ssim: 0.8, psnr: 29 }));
  });

  it('unknown-flag errors from the command are one line with exit code 2', async () => {
    const r = await runCli(['tune-schedule', '--model', 'diffusion-smoke', '--steps', '2']);
    expect(r.code).toBe(2);
    expect(r.err).toEqual(['recon-studio: --steps must be at least 5, got 2']);
    const h = await runCli(['tune-schedule', '--help']);
    expect(h.code).toBe(0);
    expect(h.out.join('\n')).toContain('--write-manifest');
    expect((await runCli(['--help'])).out.join('\n')).toContain('tune-schedule');
  });
});

describe.skipIf(!existsSync(SMOKE))('writeManifestSchedule', () => {
  it('sets schedules[K] atomically and keeps every other field', () => {
    const path = join(modelDir, 'manifest.json');
    const before = JSON.parse(readFileSync(path, 'utf8'));
    const bytes = readFileSync(path, 'utf8');
    // A second link to the original file: an in-place write would change what it shows.
    const held = join(tmp, 'manifest.before.json');
    linkSync(path, held);
    const inode = statSync(path).ino;
    writeManifestSchedule(path, 5, [999, 700, 400, 100, 0]);
    writeManifestSchedule(path, 10, uniformSchedule(1000, 10));
    const after = JSON.parse(readFileSync(path, 'utf8'));
    expect(after.schedules).toEqual({ ...(before.schedules ?? {}), 5: [999, 700, 400, 100, 0], 10: uniformSchedule(1000, 10) });
    const { schedules: _a, ...restAfter } = after;
    const { schedules: _b, ...restBefore } = before;
    expect(restAfter).toEqual(restBefore);
    // Replaced by a rename, not rewritten in place, and no temporary file left behind.
    expect(statSync(path).ino).not.toBe(inode);
    expect(readFileSync(held, 'utf8')).toBe(bytes);
    expect(readdirSync(modelDir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    // Overwriting a K replaces only that entry.
    writeManifestSchedule(path, 5, [999, 800, 500, 200, 1]);
    expect(JSON.parse(readFileSync(path, 'utf8')).schedules[5]).toEqual([999, 800, 500, 200, 1]);
  });

  it('rejects a K or schedule the sampler could not use, leaving the file untouched', () => {
    const path = join(modelDir, 'manifest.json');
    const bytes = readFileSync(path, 'utf8');
    for (const [K, ts, msg] of [
      [3, [999, 500, 0], /K must be an integer in 5..100/],
      [5.5, [999, 700, 400, 100, 0], /K must be an integer/],
      [6, [999, 700, 400, 100, 0], /would hold 5 timesteps/],
      [5, [999, 700, 700, 100, 0], /strictly descending/],
      [5, [1000, 700, 400, 100, 0], /not an integer timestep in 0..999/],
    ] as const) {
      expect(() => writeManifestSchedule(path, K, ts)).toThrow(msg);
    }
    expect(readFileSync(path, 'utf8')).toBe(bytes);
    const notDiffusion = join(tmp, 'other.json');
    writeFileSync(notDiffusion, JSON.stringify({ architecture: 'cirim' }));
    expect(() => writeManifestSchedule(notDiffusion, 5, [999, 700, 400, 100, 0])).toThrow(/not a diffusion model manifest/);
  });
});

// The end-to-end search needs the smoke prior (resources/models/diffusion-smoke),
// the sampler (recon/diffusion/sampler.ts) and Colin27 (mricron-data).
describe.skipIf(!haveSmoke)('tune-schedule end to end (needs resources/models/diffusion-smoke, recon/diffusion/sampler.ts and mricron-data)', () => {
  it('searches, writes schedules.json and the manifest, and the sampler reads the schedule back', async () => {
    const e2e = join(tmp, 'e2e', 'diffusion-smoke');
    cpSync(SMOKE, e2e, { recursive: true });
    if (existsSync(`${SMOKE}-classifier`)) cpSync(`${SMOKE}-classifier`, `${e2e}-classifier`, { recursive: true });
    const out = join(tmp, 'schedules.json');
    const r = await runCli(['tune-schedule', '--model', e2e, '--steps', '5', '--population', '3', '--generations', '1', '--val-slices', '1', '--seed', '3', '--out', out, '--write-manifest', '--quiet']);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const text = r.out.join('\n');
    expect(text).toMatch(/searched\s+\d\.\d{4}\s+-?\d+\.\d{2}/);
    expect(text).toMatch(/uniform\s+\d\.\d{4}\s+-?\d+\.\d{2}\s+999 749 500 250 0/);
    const s = JSON.parse(readFileSync(out, 'utf8'));
    expect(s.validation.input).toBe(DEFAULT_VAL);
    expect(s.evaluations).toBe(5);
    expect(s.evaluated).toHaveLength(5);
    expect(s.best.ssim).toBeGreaterThanOrEqual(s.uniform.ssim);
    expect(s.best.ssim).toBe(Math.max(...s.evaluated.map((e: { ssim: number }) => e.ssim)));
    for (const e of s.evaluated) {
      expect(e.ssim).toBeGreaterThan(-1);
      expect(e.ssim).toBeLessThanOrEqual(1);
      expect(Number.isFinite(e.psnr)).toBe(true);
    }
    const model = await openDiffusionModel('diffusion-smoke', { modelsDir: join(tmp, 'e2e'), providers: ['cpu'] });
    expect(model.schedules.get(5)).toEqual(s.best.timesteps);
  }, 120_000);

  it('stops when cancelled, exit 130, writing neither the output nor the manifest', async () => {
    const e2e = join(tmp, 'cancel', 'diffusion-smoke');
    cpSync(SMOKE, e2e, { recursive: true });
    if (existsSync(`${SMOKE}-classifier`)) cpSync(`${SMOKE}-classifier`, `${e2e}-classifier`, { recursive: true });
    const manifest = readFileSync(join(e2e, 'manifest.json'), 'utf8');
    const out = join(tmp, 'cancelled.json');
    const ac = new AbortController();
    const err: string[] = [];
    const code = await main(['tune-schedule', '--model', e2e, '--steps', '5', '--population', '4', '--generations', '2', '--val-slices', '1', '--out', out, '--write-manifest'], {
      out: () => {},
      err: (l) => {
        err.push(l);
        if (/eval 1\//.test(l)) ac.abort();
      },
      signal: ac.signal,
    });
    expect(code).toBe(130);
    expect(err.filter((l) => /eval \d+\//.test(l))).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
    expect(readFileSync(join(e2e, 'manifest.json'), 'utf8')).toBe(manifest);
  }, 120_000);
});
