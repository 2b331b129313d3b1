/**
 * `recon-studio recon --method diffusion` end to end on a real Colin27 slice
 * with the shipped smoke prior (resources/models/diffusion-smoke and its
 * classifier), in process: flags to options, the sampler, and the per-pixel
 * SD map written beside the image.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-in-memory';
import { expectRefused } from './cli.fixture';

const CH2 = '/usr/share/mricron/templates/ch2.nii.gz';
const SMOKE = resolve(__dirname, '../../resources/models/diffusion-smoke/model.onnx');

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'recon-cli-diffusion-'));
});

describe.skipIf(!existsSync(SMOKE) || !existsSync(CH2))('recon --method diffusion (smoke prior)', () => {
  it('samples twice with CFG, writes the image, the SD map and the provenance; the same seed gives the same bytes', async () => {
    const args = (out: string) => [
      'recon', CH2, '--slices', '90', '--mask', 'equispaced-fraction', '--accel', '4', '--seed', '3',
      '--method', 'diffusion', '--model', 'diffusion-smoke', '--provider', 'cpu', '--steps', '5', '--samples', '2', '--guidance', 'cfg', '--guidance-scale', '1.5',
      '--class', 'auto', '--eta', '0.5', '--dc', 'hard', '--schedule', 'uniform', '--out', join(tmp, out), '--json', '--quiet',
    ];
    const r = await runCli(args('a'));
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out.join('\n'));
    expect(summary.method).toBe('diffusion');
    expect(Number.isFinite(summary.metrics.psnr)).toBe(true);
    expect(readdirSync(join(tmp, 'a', 'images', 'diffusion'))).toEqual(['slice_090.png']);
    expect(readdirSync(join(tmp, 'a', 'uncertainty', 'diffusion'))).toEqual(['slice_090.png']);
    expect(existsSync(join(tmp, 'a', 'uncertainty.nii.gz'))).toBe(true);
    const prov = JSON.parse(readFileSync(join(tmp, 'a', 'provenance.json'), 'utf8'));
    const o = JSON.stringify(prov);
    expect(prov.method).toBe('diffusion');
    for (const want of ['"samples":2', '"guidance":"cfg"', '"guidanceScale":1.5', '"eta":0.5', '"seed":3', '"dc":"hard"', '"timesteps":[999,749,500,250,0]', '"modelName":"diffusion-smoke"']) {
      expect(o).toContain(want);
    }
    expect(o).toMatch(/"modelSha256":"[0-9a-f]{64}"/);
    const again = await runCli(args('b'));
    expect(again.code).toBe(0);
    for (const f of ['images/diffusion/slice_090.png', 'uncertainty/diffusion/slice_090.png']) {
      expect(readFileSync(join(tmp, 'b', f)).equals(readFileSync(join(tmp, 'a', f)))).toBe(true);
    }
  }, 120_000);

  it('--init cs --start F: refines a CS reconstruction from t = F·T and records it', async () => {
    const out = join(tmp, 'init-cs');
    const r = await runCli(['recon', CH2, '--slices', '90', '--mask', 'equispaced-fraction', '--accel', '4', '--seed', '3', '--method', 'diffusion',
      '--model', 'diffusion-smoke', '--provider', 'cpu', '--steps', '5', '--start', '0.1', '--init', 'cs', '--init-lambda', '0.004', '--init-iters', '10',
      '--out', out, '--json', '--quiet']);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const prov = JSON.stringify(JSON.parse(readFileSync(join(out, 'provenance.json'), 'utf8')));
    for (const want of ['"init":"cs"', '"initLambda":0.004', '"initIters":10', '"start":0.1', '"timesteps":[100,75,50,25,0]']) expect(prov).toContain(want);
    expect(prov).toMatch(/start: L1-wavelet CS \(λ 0.004, 10 FISTA iterations\) diffused to t = 100 /);
  }, 120_000);

  it('rejects bad diffusion flags with exit code 2 and a specific message', async () => {
    const bad = (extra: string[], re: RegExp) => expectRefused(['recon', CH2, '--slices', '90', '--out', join(tmp, 'bad'), ...extra], re);
    await bad(['--method', 'diffusion', '--guidance', 'strong'], /--guidance must be none, cfg, gfcg/);
    await bad(['--method', 'diffusion', '--steps', '3'], /--steps/);
    await bad(['--method', 'diffusion', '--dc', 'medium'], /--dc must be hard, soft/);
    await bad(['--method', 'diffusion', '--schedule', 'cosine'], /--schedule must be searched, uniform/);
    await bad(['--method', 'diffusion', '--eta', '2'], /--eta/);
    await bad(['--method', 'cs', '--samples', '4'], /--samples applies to --method diffusion only/);
    await bad(['--method', 'diffusion', '--init', 'bart'], /--init must be zero-filled, cs/);
    await bad(['--method', 'diffusion', '--init-iters', '0'], /--init-iters/);
    await bad(['--method', 'cs', '--init', 'cs'], /--init applies to --method diffusion only/);
  });

  it('documents the diffusion flags in recon --help', async () => {
    const r = await runCli(['recon', '--help']);
    const help = r.out.join('\n');
    for (const flag of ['--steps K', '--guidance none|cfg|gfcg', '--samples N', '--eta X', '--dc hard|soft', '--schedule searched|uniform', '--class NAME|auto', '--init zero-filled|cs']) expect(help).toContain(flag);
  });
});
