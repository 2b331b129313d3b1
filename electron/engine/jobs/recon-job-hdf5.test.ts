/**
 * Jobs on fastMRI files: the slice range reaches the reader, metrics compare
 * the centre crop with the recon-size reference (fastMRI's evaluation), and
 * multi-coil k-space without maps gets estimated coil maps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFastMriFixtures } from '../io/hdf5-fixtures';
import { centerCrop, JobInputError, prepareReconJob, runReconJob } from './recon-job';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fastmri-job-'));
  writeFastMriFixtures(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fastMRI input', () => {
  it('zero-filled RSS of fully sampled data reproduces reconstruction_rss after the centre crop', async () => {
    const job = await runReconJob({ input: join(dir, 'multicoil.h5'), method: 'zero-filled', options: { combine: 'rss' }, sensEstimate: 'none', slices: [1, 3] });
    expect(job.slices).toEqual([1, 3]);
    expect(job.input.kspace.shape).toEqual([2, 4, 16, 24]);
    expect(job.result.image.shape).toEqual([2, 16, 24]);
    expect(job.reference?.shape).toEqual([2, 8, 12]);
    expect(job.input.reference).toBeUndefined();
    expect(job.metrics?.perSlice.map((s) => s.slice)).toEqual([1, 2]);
    // float32 FFT vs numpy's float64 reference: identical up to rounding.
    for (const s of job.metrics!.perSlice) expect(s.nmse).toBeLessThan(1e-10);
    expect((job.provenance.notes ?? []).join(' ')).toMatch(/reference is 8x12; images are centre-cropped from 16x24 to it/);
    expect(job.provenance.input).toMatchObject({ format: 'hdf5', slices: [1, 3] });
  });

  it('estimates coil maps for multi-coil k-space by default (ESPIRiT), or Walsh on request', async () => {
    const job = await prepareReconJob({ input: join(dir, 'multicoil.h5'), method: 'zero-filled' });
    expect(job.input.sens?.shape).toEqual([3, 4, 16, 24]);
    expect(job.notes.join(' ')).toMatch(/coil maps estimated by ESPIRiT \(rank \d+\) from the 16x24 calibration region/);
    const walsh = await prepareReconJob({ input: join(dir, 'multicoil.h5'), method: 'zero-filled', sensEstimate: 'walsh', slices: [0, 1] });
    expect(walsh.notes.join(' ')).toMatch(/by Walsh/);
    const none = await prepareReconJob({ input: join(dir, 'multicoil.h5'), method: 'zero-filled', sensEstimate: 'none' });
    expect(none.input.sens).toBeUndefined();
    const single = await prepareReconJob({ input: join(dir, 'singlecoil.h5'), method: 'zero-filled' });
    expect(single.input.sens).toBeUndefined();
  });

  it('without a usable calibration region: the default falls back to RSS with a note, an explicit choice fails', async () => {
    const job = await prepareReconJob({ input: join(dir, 'masked.h5'), method: 'zero-filled' });
    expect(job.input.sens).toBeUndefined();
    expect(job.notes.join(' ')).toMatch(/no coil maps: the fully sampled calibration region is only 3x24/);
    expect(job.mask.data.length).toBe(16 * 24);
    await expect(prepareReconJob({ input: join(dir, 'masked.h5'), method: 'zero-filled', sensEstimate: 'espirit' })).rejects.toThrow(JobInputError);
  });
});

describe('centerCrop', () => {
  it('takes fastMRI\'s centre: start floor((n - crop) / 2)', () => {
    const img = { shape: [1, 5, 4], data: Float32Array.from({ length: 20 }, (_, i) => i) };
    expect(Array.from(centerCrop(img, 2, 3).data)).toEqual([4, 5, 6, 8, 9, 10]);
    expect(centerCrop(img, 5, 4)).toBe(img);
    expect(() => centerCrop(img, 6, 4)).toThrow(/cannot centre-crop 5x4 images to 6x4/);
  });
});
