/**
 * compare-optimizers end to end on a real Colin27 slice (few iterations, so
 * the file stays fast) plus its argument errors.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-in-memory';

const CH2 = '/usr/share/mricron/templates/ch2.nii.gz';

const run = runCli;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'recon-cmp-'));
});

describe('recon-studio compare-optimizers', () => {
  it('runs several optimizers on one Colin27 slice and writes curves, plot and images', async () => {
    const out = join(tmp, 'cmp');
    const r = await run(['compare-optimizers', CH2, '--slice', '90', '--optimizers', 'gd,adam,mirror-descent,fista', '--iters', '8', '--mask', 'poisson', '--accel', '4', '--out', out, '--json', '--quiet']);
    expect(r.err.join('\n') || 'no stderr').toBe('no stderr');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out.join('\n'));
    expect(summary.optimizers.map((o: { optimizer: string }) => o.optimizer)).toEqual(['gd', 'adam', 'mirror-descent', 'fista']);
    expect(readdirSync(out).sort()).toEqual(['convergence.png', 'convergence.svg', 'curves.csv', 'curves.json', 'images']);
    const curves = JSON.parse(readFileSync(join(out, 'curves.json'), 'utf8'));
    const zf = curves.problem.zeroFilled.psnr as number;
    for (const run of curves.runs) {
      expect(run.history).toHaveLength(8);
      const f = run.history.map((h: { objective: number }) => h.objective);
      // Every optimizer lowers the shared objective from its first iterate to its last.
      expect(f[7]).toBeLessThan(f[0]);
      expect(run.final.psnr).toBeGreaterThan(zf - 0.5);
      expect(run.final.ssim).toBeGreaterThan(0.3);
    }
    const csv = readFileSync(join(out, 'curves.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('optimizer,iteration,objective,residual,step_size,elapsed_ms,psnr,ssim');
    expect(csv).toHaveLength(1 + 4 * 8);
    expect(readFileSync(join(out, 'convergence.svg'), 'utf8')).toContain('mirror-descent');
    const meta = await sharp(join(out, 'convergence.png')).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(1000);
    const img = await sharp(join(out, 'images', 'adam.png')).metadata();
    expect([img.width, img.height, img.depth]).toEqual([181, 217, 'ushort']);
    expect(readdirSync(join(out, 'images'))).toContain('reference.png');
  }, 60_000);

  it('rejects bad arguments with one line and exit code 2, writing nothing', async () => {
    const out = join(tmp, 'bad');
    for (const [args, msg] of [
      [['--optimizers', 'adam,sgdx'], /unknown optimizer "sgdx"/],
      [['--schedule', 'step'], /--schedule must be one of/],
      [['--reg', 'tv', '--optimizers', 'fista'], /fista needs --reg wavelet/],
      [['--iters', '0'], /--iters must be at least 2/],
      [['--lr', '0'], /--lr must be greater than 0/],
    ] as const) {
      const r = await run(['compare-optimizers', CH2, '--out', out, ...args]);
      expect(r.code).toBe(2);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toMatch(msg);
    }
    expect(existsSync(out)).toBe(false);
    const h = await run(['compare-optimizers', '--help']);
    expect(h.code).toBe(0);
    expect(h.out.join('\n')).toContain('--schedule');
  });
});
