/**
 * The job pipeline against BART 0.8 (Debian package `bart`): the same
 * undersampled k-space bytes reconstructed by BART and by us must agree.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Volume } from '../array';
import { loadVolume } from '../io';
import { prepareReconJob, runReconJob } from './recon-job';

const bart = (...args: string[]) => execFileSync('bart', args, { stdio: 'pipe' });

function nrmse(ref: Float32Array, x: Float32Array): number {
  let e = 0, r = 0;
  for (let i = 0; i < ref.length; i++) {
    e += (ref[i]! - x[i]!) ** 2;
    r += ref[i]! ** 2;
  }
  return Math.sqrt(e / r);
}

function imageOf(v: Volume): Float32Array {
  if (v.kind !== 'image') throw new Error(`${v.source.path} was read as k-space`);
  return v.image.data;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bart-job-'));
  const p = (n: string) => join(dir, n);
  bart('phantom', '-x', '96', '-s', '6', '-k', p('ks'));
  // Poisson-disc over (y, z) moved onto (x, y) so it undersamples the 2D plane.
  bart('poisson', '-Y', '96', '-Z', '96', '-y', '1.8', '-z', '1.8', '-C', '16', '-e', '-s', '3', p('pz'));
  bart('transpose', '0', '2', p('pz'), p('mask'));
  bart('fmac', p('ks'), p('mask'), p('under'));
  bart('fft', '-i', '-u', '3', p('under'), p('coils'));
  bart('rss', '8', p('coils'), p('zf'));
  bart('ecalib', '-m1', p('ks'), p('maps'));
  bart('fmac', '-C', '-s', '8', p('coils'), p('maps'), p('sensezf'));
  bart('fft', '-i', '-u', '3', p('ks'), p('full'));
  bart('rss', '8', p('full'), p('ref'));
});

describe('image input', () => {
  it('uses signed inputs as magnitudes and says so in the provenance', async () => {
    const sample = join(__dirname, '../../../resources/samples/t1-brain-itk.nii.gz');
    const negated = join(dir, 'negated.nii.gz');
    execFileSync('/usr/bin/python3', ['-c', `
import nibabel as nib, numpy as np, sys
im = nib.load(sys.argv[1])
nib.save(nib.Nifti1Image(-np.asarray(im.dataobj, dtype=np.float32), im.affine), sys.argv[2])`, sample, negated]);
    const spec = {
      method: 'zero-filled',
      slices: [2, 4] as [number, number],
      acquisition: { mask: { kind: 'random' as const, accel: 4, centerFraction: 0.08, seed: 3 }, coils: 2, seed: 3 },
    };
    const plain = await runReconJob({ ...spec, input: sample });
    const signed = await runReconJob({ ...spec, input: negated });
    expect(signed.result.image.data).toEqual(plain.result.image.data);
    expect(signed.provenance.notes!.join(' ')).toMatch(/negative input values used as magnitudes/);
    expect(plain.provenance.notes!.join(' ')).not.toMatch(/negative/);
  });
});

describe('k-space input from BART', () => {
  it('recovers the sampling from exactly-zero entries and matches BART zero-filled RSS', async () => {
    const job = await runReconJob({
      input: join(dir, 'under.cfl'),
      kind: 'kspace',
      referenceFile: join(dir, 'ref.cfl'),
      method: 'zero-filled',
      options: { combine: 'rss' },
    });
    expect(job.input.kspace.shape).toEqual([1, 6, 96, 96]);
    const maskData = imageOf(await loadVolume(join(dir, 'mask.cfl'), { kind: 'image' }));
    let sampled = 0;
    for (let i = 0; i < maskData.length; i++) sampled += maskData[i]! > 0 ? 1 : 0;
    expect(job.mask.accel).toBeCloseTo((96 * 96) / sampled, 6);
    expect(job.mask.accel).toBeGreaterThan(2);

    const zf = imageOf(await loadVolume(join(dir, 'zf.cfl'), { kind: 'image' }));
    expect(nrmse(zf, job.result.image.data)).toBeLessThan(1e-5);

    // Metrics against BART's fully sampled RSS: degraded but recognisable.
    expect(job.metrics!.volume.psnr).toBeGreaterThan(15);
    expect(job.metrics!.volume.ssim).toBeLessThan(0.999);
    expect(job.provenance.mask!.acceleration).toBe(job.mask.accel);
  });

  it('combines coils with ESPIRiT maps from bart ecalib as BART does', async () => {
    const job = await runReconJob({
      input: join(dir, 'under.cfl'),
      kind: 'kspace',
      sensFile: join(dir, 'maps.cfl'),
      method: 'zero-filled',
    });
    expect(job.result.options.combineUsed).toBe('sense');
    // BART: sum_c conj(S_c) F^-1 y_c; ESPIRiT maps have unit norm inside their support.
    const bartSense = await loadVolume(join(dir, 'sensezf.cfl'), { kind: 'image' });
    expect(nrmse(imageOf(bartSense), job.result.image.data)).toBeLessThan(1e-3);
  });

  it('refuses a reference whose matrix does not match the k-space', async () => {
    bart('phantom', '-x', '64', join(dir, 'small'));
    await expect(
      prepareReconJob({ input: join(dir, 'under.cfl'), kind: 'kspace', referenceFile: join(dir, 'small.cfl'), method: 'zero-filled' }),
    ).rejects.toThrow(/under\.cfl: reference is \[1x64x64\]/);
  });
});
