/**
 * `recon-studio recon --method cirim|rim --refine N` in process on a real
 * Colin27 slice with the shipped smoke models: the flags reach the method, the
 * simulated acquisition's noise level reaches the refinement, and the
 * provenance records what ran.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-in-memory';
import { expectRefused } from './cli.fixture';

const CH2 = '/usr/share/mricron/templates/ch2.nii.gz';
const SMOKE = resolve(__dirname, '../../resources/models/cirim-smoke/model.onnx');

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'recon-cli-cirim-'));
});

const base = (out: string) => ['recon', CH2, '--slices', '90', '--mask', 'equispaced-fraction', '--accel', '4', '--coils', '4', '--seed', '2',
  '--model', 'cirim-smoke', '--provider', 'cpu', '--out', join(tmp, out), '--json', '--quiet'];

describe.skipIf(!existsSync(SMOKE) || !existsSync(CH2))('recon --method cirim --refine', () => {
  it('noiseless simulation: runs every refinement iteration, lowers the data misfit, records it', async () => {
    const plain = await runCli([...base('plain'), '--method', 'cirim']);
    expect(plain.err).toEqual([]);
    expect(plain.code).toBe(0);
    const r = await runCli([...base('refined'), '--method', 'cirim', '--refine', '8']);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const prov = JSON.parse(readFileSync(join(tmp, 'refined', 'provenance.json'), 'utf8'));
    const o = JSON.stringify(prov);
    for (const want of ['"refine":8', '"noiseStdUsed":0', '"refineIterations":[8]']) expect(o).toContain(want);
    expect(o).toMatch(/data-consistency refinement: 8 CGLS iteration\(s\)/);
    const psnr = (out: string[]) => JSON.parse(out.join('\n')).metrics.psnr as number;
    // The simulated truth fits its own noiseless data: fitting the data moves the smoke model's poor image toward it.
    expect(psnr(r.out)).toBeGreaterThan(psnr(plain.out));
  }, 120_000);

  it('noisy simulation: the simulator\'s noise SD is the refinement\'s; --noise-std overrides it', async () => {
    const r = await runCli([...base('noisy'), '--method', 'cirim', '--refine', '8', '--snr', '20']);
    expect(r.code).toBe(0);
    const used = JSON.parse(readFileSync(join(tmp, 'noisy', 'provenance.json'), 'utf8'));
    const sigma = JSON.stringify(used).match(/"noiseStdUsed":([0-9.e-]+)/);
    expect(sigma).not.toBeNull();
    expect(Number(sigma![1])).toBeGreaterThan(0);
    const given = await runCli([...base('given'), '--method', 'rim', '--model', 'rim-smoke', '--refine', '3', '--snr', '20', '--noise-std', '0']);
    expect(given.err).toEqual([]);
    expect(given.code).toBe(0);
    const o = readFileSync(join(tmp, 'given', 'provenance.json'), 'utf8');
    expect(o).toMatch(/"noiseStdUsed":\s*0\b/);
    expect(o).toMatch(/"refineIterations":\s*\[\s*3\s*\]/);
  }, 120_000);

  it('rejects --refine and --noise-std where they do not apply, and bad values, with exit code 2', async () => {
    const bad = (extra: string[], re: RegExp) => expectRefused(['recon', CH2, '--slices', '90', '--out', join(tmp, 'bad'), ...extra], re);
    await bad(['--method', 'cs', '--refine', '5'], /--refine applies to --method cirim and rim only/);
    await bad(['--method', 'unet', '--noise-std', '0'], /--noise-std applies to --method cirim and rim only/);
    await bad(['--method', 'cirim', '--refine', '-2'], /--refine/);
    await bad(['--method', 'cirim', '--refine', '1.5'], /--refine/);
    await bad(['--method', 'cirim', '--noise-std', 'x'], /--noise-std/);
  });
});
