import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareReconJob, runReconJob } from '../jobs/recon-job';
import { readNpy } from '../learned/npy';
import { clearSessionCache } from '../learned/session';
import { methods } from './index';
import { reconUnet, type UnetProgress } from './unet';
import { ctensor, rtensor } from '../array';
import { fft2cBatch } from '../fft';

const root = join(__dirname, '../../../resources');
const modelDir = join(root, 'models/unet-smoke');
const shipped = existsSync(join(modelDir, 'manifest.json'));
const sample = join(root, 'samples/t1-brain-itk.nii.gz');
afterAll(() => clearSessionCache());

const acquisition = (coils: number) => ({ mask: { kind: 'equispaced-fraction' as const, accel: 4, centerFraction: 0.08, seed: 2 }, coils, seed: 2 });

describe('unet method', () => {
  it('is registered', () => expect(methods.unet?.id).toBe('unet'));
});

describe.skipIf(!shipped)('U-Net through ONNX Runtime (unet-smoke)', () => {
  it('real slices, single coil: progress with a preview per slice, provenance with the model hash, metrics', async () => {
    const seen: UnetProgress[] = [];
    const previews: number[] = [];
    const rowsSeen: number[] = [];
    const r = await runReconJob({ input: sample, slices: [3, 5], method: 'unet', options: { provider: 'cpu' }, acquisition: acquisition(1) }, { onProgress: (p) => seen.push(p), onPreview: (sl) => previews.push(sl), onHistory: (rows) => rowsSeen.push(...rows.map((h) => h.slice)) });
    const res = r.result;
    expect(previews).toEqual([0, 1]);
    expect(rowsSeen).toEqual([0, 1]);
    const [, ny, nx] = r.input.reference!.shape as [number, number, number];
    expect(res.method).toBe('unet');
    expect(res.image.shape).toEqual([2, ny, nx]);
    expect(res.image.data.every(Number.isFinite)).toBe(true);
    expect(seen.map((p) => p.message)).toEqual(['U-Net slice 1/2', 'U-Net slice 2/2']);
    expect(seen[1]!.preview!.data).toEqual(res.image.data.subarray(ny * nx));
    expect(res.options.modelSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(res.options.normalisation).toBe('bart-scale');
    expect(res.notes[0]).toMatch(/^U-Net model unet-smoke v1 \(sha256 [0-9a-f]{12}…\), one call per slice on CPU/);
    expect(r.metrics!.volume.ssim).toBeGreaterThan(0);
  });

  it('multi-coil uses the simulator maps; without maps it is refused by name', async () => {
    const j = await prepareReconJob({ input: sample, slices: [3, 4], method: 'unet', acquisition: acquisition(4) });
    const r = await reconUnet(j.input, { provider: 'cpu' });
    expect(r.image.data.every(Number.isFinite)).toBe(true);
    expect(r.notes.join('\n')).toMatch(/4 coils combined/);
    delete j.input.sens;
    await expect(reconUnet(j.input, { provider: 'cpu' })).rejects.toThrow(/needs coil sensitivity maps/);
  });

  it('reproduces the golden output when fed the golden case as k-space (engine prep = exporter prep)', async () => {
    // Golden input = A^H y / s on a 24x20 held-out slice; rebuild k-space from it (s = 1 under bart-scale of itself).
    const g = readNpy(readFileSync(join(modelDir, 'golden/input_image.npy')));
    const want = readNpy(readFileSync(join(modelDir, 'golden/output_image_out.npy')));
    const [, , ny, nx] = g.shape as [number, number, number, number];
    const k = Float32Array.from(g.data as Float32Array);
    fft2cBatch(k, 1, ny, nx, false, k);
    const mask = new Float32Array(ny * nx).fill(1);
    const r = await reconUnet({ kspace: ctensor([1, 1, ny, nx], k), mask: rtensor([ny, nx], mask) }, { provider: 'cpu' });
    const s = r.options.scales as number[];
    const w = want.data as Float32Array;
    let err = 0, top = 0;
    for (let i = 0; i < w.length; i++) {
      err = Math.max(err, Math.abs(r.complex!.data[i]! / s[0]! - w[i]!));
      top = Math.max(top, Math.abs(w[i]!));
    }
    // The model is not scale-equivariant, so this holds only when the engine's scale is 1 (input already bart-scaled).
    expect(Math.abs(s[0]! - 1)).toBeLessThan(1e-3);
    expect(err / top).toBeLessThan(1e-3);
  });

  it('pads sizes that are not a multiple of the pooling factor and crops back', async () => {
    const j = await prepareReconJob({ input: sample, slices: [3, 4], method: 'unet', acquisition: acquisition(1) });
    const [, , ny, nx] = j.input.kspace.shape as [number, number, number, number];
    // Drop the last row and column: odd sizes.
    const k = new Float32Array(2 * (ny - 1) * (nx - 1));
    const m = new Float32Array((ny - 1) * (nx - 1));
    for (let y = 0; y < ny - 1; y++)
      for (let x = 0; x < nx - 1; x++) {
        k[2 * (y * (nx - 1) + x)] = j.input.kspace.data[2 * (y * nx + x)]!;
        k[2 * (y * (nx - 1) + x) + 1] = j.input.kspace.data[2 * (y * nx + x) + 1]!;
        m[y * (nx - 1) + x] = j.input.mask.data[y * nx + x]!;
      }
    const r = await reconUnet({ kspace: ctensor([1, 1, ny - 1, nx - 1], k), mask: rtensor([ny - 1, nx - 1], m) }, { provider: 'cpu' });
    expect(r.image.shape).toEqual([1, ny - 1, nx - 1]);
    expect(r.image.data.every(Number.isFinite)).toBe(true);
    expect(r.notes.join('\n')).toMatch(/zero-padded from/);
  });

  it('stops between slices when cancelled; refuses a non-U-Net model by name', async () => {
    const j = await prepareReconJob({ input: sample, slices: [3, 5], method: 'unet', acquisition: acquisition(1) });
    const ac = new AbortController();
    let calls = 0;
    await expect(reconUnet(j.input, { provider: 'cpu' }, { signal: ac.signal, onProgress: () => { calls++; ac.abort(); } })).rejects.toThrow(/cancelled/);
    expect(calls).toBe(1);
    if (existsSync(join(root, 'models/rim-smoke/manifest.json'))) {
      await expect(reconUnet(j.input, { model: 'rim-smoke' })).rejects.toThrow(/rim-smoke is a rim model, not an image-to-image \(unet\) model/);
    }
  });
});
