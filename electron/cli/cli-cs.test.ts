/** `recon-studio recon --method cs` end to end on a real Colin27 slice, in process. */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-in-memory';
import { expectRefused } from './cli.fixture';

const CH2 = '/usr/share/mricron/templates/ch2.nii.gz';

const run = runCli;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'recon-cli-cs-'));
});

describe('recon --method cs', () => {
  it('L1-wavelet FISTA beats zero-filled on the same slice and mask', async () => {
    const common = [CH2, '--mask', 'poisson', '--accel', '4', '--calib', '20', '--seed', '2', '--slices', '90', '--json', '--quiet'];
    const zf = await run(['recon', ...common, '--out', join(tmp, 'zf')]);
    expect(zf.code).toBe(0);
    const r = await run(['recon', ...common, '--method', 'cs', '--reg', 'wavelet', '--lambda', '0.002', '--solver', 'fista', '--iters', '25', '--wavelet', 'db4', '--out', join(tmp, 'cs')]);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const a = JSON.parse(zf.out.join('\n')), b = JSON.parse(r.out.join('\n'));
    expect(b.metrics.psnr).toBeGreaterThan(a.metrics.psnr + 1);
    expect(readdirSync(join(tmp, 'cs', 'images', 'cs'))).toEqual(['slice_090.png']);
    const prov = JSON.parse(readFileSync(join(tmp, 'cs', 'provenance.json'), 'utf8'));
    expect(prov.method).toBe('cs');
    expect(JSON.stringify(prov)).toContain('"lambda":0.002');
  }, 60_000);

  it('passes TV and an optimizer name through', async () => {
    const r = await run(['recon', CH2, '--slices', '90', '--method', 'cs', '--reg', 'tv', '--solver', 'adam', '--iters', '5', '--lr', '0.01', '--out', join(tmp, 'tv-adam'), '--json', '--quiet']);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(JSON.stringify(JSON.parse(readFileSync(join(tmp, 'tv-adam', 'provenance.json'), 'utf8')))).toContain('"solver":"adam"');
  }, 60_000);

  it('rejects bad cs flags with exit code 2 and a specific message', async () => {
    const bad = (extra: string[], re: RegExp) => expectRefused(['recon', CH2, '--slices', '90', '--out', join(tmp, 'bad'), ...extra], re);
    await bad(['--method', 'cs', '--solver', 'sgd9'], /--solver: unknown solver "sgd9"/);
    await bad(['--method', 'cs', '--reg', 'l2'], /--reg must be wavelet or tv/);
    await bad(['--method', 'cs', '--lambda', '-1'], /--lambda/);
    await bad(['--lambda', '0.1'], /--lambda applies to --method cs only/);
  });

  it('documents the flags in recon --help', async () => {
    const r = await run(['recon', '--help']);
    expect(r.out.join('\n')).toMatch(/--lambda L/);
    expect(r.out.join('\n')).toMatch(/adabelief/);
  });
});
