import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareReconJob, runReconJob } from '../jobs/recon-job';
import { clearSessionCache } from '../learned/session';
import { methods } from './index';
import { reconRim } from './rim';
import type { ReconProgress } from './types';

const root = join(__dirname, '../../../resources');
const shipped = existsSync(join(root, 'models/rim-smoke/manifest.json'));
const sample = join(root, 'samples/t1-brain-itk.nii.gz');
afterAll(() => clearSessionCache());

/** Two real slices of the shipped T1 sample through the acquisition simulator. */
const job = (coils: number) =>
  prepareReconJob({
    input: sample,
    slices: [3, 5],
    method: 'rim',
    acquisition: { mask: { kind: 'equispaced-fraction', accel: 4, centerFraction: 0.08, seed: 2 }, coils, seed: 2 },
  });

describe('rim method', () => {
  it('is registered', () => expect(methods.rim?.id).toBe('rim'));
});

describe.skipIf(!shipped)('RIM through ONNX Runtime (rim-smoke) on a real slice', () => {
  it('single coil: one progress report per slice, provenance with the model hash, metrics computed', async () => {
    const seen: ReconProgress[] = [];
    const previews: number[] = [];
    const r = await runReconJob(
      { input: sample, slices: [3, 5], method: 'rim', options: { provider: 'cpu' }, acquisition: { mask: { kind: 'equispaced-fraction', accel: 4, centerFraction: 0.08, seed: 2 }, coils: 1, seed: 2 } },
      { onProgress: (p) => seen.push(p), onPreview: (sl) => previews.push(sl) },
    );
    expect(previews).toEqual([0, 1]);
    const res = r.result;
    expect(res.method).toBe('rim');
    expect(res.image.shape).toEqual(r.input.reference!.shape);
    expect(res.image.data.every(Number.isFinite)).toBe(true);
    expect(Math.max(...res.image.data)).toBeGreaterThan(0);
    expect(seen.map((p) => p.message)).toEqual(['RIM slice 1/2', 'RIM slice 2/2']);
    expect(seen.at(-1)!.fraction).toBe(1);
    expect(res.options.modelSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(res.options.modelName).toBe('rim-smoke');
    expect(res.options.cascades).toBe(1);
    expect(res.notes[0]).toMatch(/^RIM model rim-smoke v1 \(sha256 [0-9a-f]{12}…\), one call per slice on CPU/);
    expect(res.notes.join('\n')).toMatch(/no measured quality/);
    expect(r.metrics!.volume.psnr).toBeGreaterThan(0);
  });

  it('multi-coil uses the simulator maps; without maps it is refused by name', async () => {
    const j = await job(4);
    const r = await reconRim(j.input, { provider: 'cpu' });
    expect(r.image.data.every(Number.isFinite)).toBe(true);
    expect(r.notes.join('\n')).toMatch(/4 coils/);
    delete j.input.sens;
    await expect(reconRim(j.input, { provider: 'cpu' })).rejects.toThrow(/^rim: 4-coil k-space needs coil sensitivity maps/);
  });

  it('stops between slices when cancelled', async () => {
    const j = await job(1);
    const ac = new AbortController();
    let calls = 0;
    await expect(reconRim(j.input, { provider: 'cpu' }, { signal: ac.signal, onProgress: () => { calls++; ac.abort(); } })).rejects.toThrow(/cancelled/);
    expect(calls).toBe(1);
  });

  it('refuses a CIRIM model and a missing model by name', async () => {
    const j = await job(1);
    if (existsSync(join(root, 'models/cirim-smoke/manifest.json'))) {
      await expect(reconRim(j.input, { model: 'cirim-smoke' })).rejects.toThrow(/cirim-smoke is a cirim model, not a RIM \(use --method cirim\)/);
    }
    await expect(reconRim(j.input, { model: 'no-such-model' })).rejects.toThrow(/no-such-model.*manifest not found/);
  });
});
