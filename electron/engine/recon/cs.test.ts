import { describe, expect, it } from 'vitest';
import { rtensor } from '../array';
import { simulate } from '../acquire';
import { loadVolume } from '../io';
import { psnr } from '../metrics';
import { bartScale, reconCs, waveletLevels } from './cs';
import { reconZeroFilled } from './zero-filled';
import type { ReconInput } from './types';

const CH2 = '/usr/share/mricron/templates/ch2.nii.gz';

/** A real Colin27 slice, cropped to n x n around the centre, scaled to max 1. */
async function colinSlice(n: number) {
  const vol = await loadVolume(CH2);
  if (vol.kind !== 'image') throw new Error('ch2 should load as an image');
  const [slices, ny, nx] = vol.image.shape as [number, number, number];
  const s = Math.floor(slices / 2), y0 = Math.floor((ny - n) / 2), x0 = Math.floor((nx - n) / 2);
  const out = rtensor([1, n, n]);
  let max = 0;
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    const v = vol.image.data[s * ny * nx + (y0 + y) * nx + x0 + x]!;
    out.data[y * n + x] = v;
    max = Math.max(max, v);
  }
  for (let i = 0; i < out.data.length; i++) out.data[i]! /= max;
  return out;
}

async function scan(coils: number): Promise<ReconInput> {
  const img = await colinSlice(96);
  const sim = simulate(img, { seed: 3, coils, mask: { kind: 'poisson', accel: 4, calib: 16, seed: 3 } });
  return { kspace: sim.kspace, mask: { shape: [96, 96], data: sim.mask.data }, sens: sim.sens, reference: sim.reference };
}

describe('cs reconstruction', () => {
  it('L1-wavelet FISTA beats zero-filled clearly on an undersampled Colin27 slice (single coil)', async () => {
    const input = await scan(1);
    const zf = await reconZeroFilled(input);
    const progress: number[] = [];
    const res = await reconCs(input, { iters: 40, lambda: 0.002 }, { onProgress: (p) => progress.push(p.fraction) });
    const ref = input.reference!.data;
    const pZf = psnr(ref, zf.image.data, 1), pCs = psnr(ref, res.image.data, 1);
    expect(pCs).toBeGreaterThan(pZf + 2);
    expect(res.history.length).toBe(40);
    expect(res.history[39]!.psnr).toBeGreaterThan(pZf);
    expect(res.history[0]!.objective).toBeGreaterThan(res.history[39]!.objective!);
    expect(progress[progress.length - 1]).toBeCloseTo(1, 6);
    expect(res.method).toBe('cs');
    expect((res.options as { dataScale: number[] }).dataScale[0]).toBeGreaterThan(0);
  });

  it('TV with ADMM and 8-coil SENSE beats zero-filled', async () => {
    const input = await scan(8);
    const zf = await reconZeroFilled(input);
    const res = await reconCs(input, { reg: 'tv', iters: 15, lambda: 0.005 });
    const ref = input.reference!.data;
    expect(psnr(ref, res.image.data, 1)).toBeGreaterThan(psnr(ref, zf.image.data, 1) + 1);
  });

  it('needs coil maps for multi-coil data, and rejects bad options', async () => {
    const input = await scan(2);
    delete input.sens;
    await expect(reconCs(input)).rejects.toThrow(/needs coil sensitivity maps/);
    const one = await scan(1);
    await expect(reconCs(one, { solver: 'nope' })).rejects.toThrow(/unknown solver "nope"/);
    await expect(reconCs(one, { reg: 'tv', solver: 'fista' })).rejects.toThrow(/fista needs reg=wavelet/);
    await expect(reconCs(one, { lambda: -1 })).rejects.toThrow(/lambda/);
  });

  it('is cancellable mid-run', async () => {
    const input = await scan(1);
    const ac = new AbortController();
    await expect(reconCs(input, { iters: 200 }, { signal: ac.signal, onProgress: (p) => { if (p.iteration === 5) ac.abort(); } })).rejects.toThrow(/cancelled/);
  });

  it('runs an optimizer from the first-order family on the smoothed objective', async () => {
    const input = await scan(1);
    const zf = await reconZeroFilled(input);
    const res = await reconCs(input, { solver: 'adam', iters: 40, lambda: 0.002 });
    const ref = input.reference!.data;
    expect(psnr(ref, res.image.data, 1)).toBeGreaterThan(psnr(ref, zf.image.data, 1));
    expect(res.history[39]!.objective!).toBeLessThan(res.history[0]!.objective!);
  });

  it('scales data like BART: the 90th percentile, or the max when a few pixels dominate', () => {
    const flat = Float32Array.from({ length: 100 }, (_, i) => i / 10);
    expect(bartScale(flat)).toBeCloseTo(9, 5);
    const spiky = new Float32Array(100).fill(1);
    spiky[99] = 50;
    expect(bartScale(spiky)).toBe(50);
  });
});

describe('waveletLevels', () => {
  it('auto (0) decomposes down to a coarsest band of about 4 pixels; explicit levels are kept', () => {
    expect(waveletLevels(0, 256, 256)).toBe(6);
    expect(waveletLevels(0, 128, 128)).toBe(5);
    expect(waveletLevels(0, 72, 72)).toBe(4);
    expect(waveletLevels(0, 217, 181)).toBe(5);
    expect(waveletLevels(0, 6, 300)).toBe(1);
    expect(waveletLevels(3, 256, 256)).toBe(3);
  });
  it('reconCs refuses negative or fractional levels, naming the option', async () => {
    const input: ReconInput = { kspace: { shape: [1, 1, 8, 8], data: new Float32Array(128) }, mask: { shape: [8, 8], data: new Float32Array(64).fill(1) } };
    await expect(reconCs(input, { levels: -1 })).rejects.toThrow(/levels must be 0 \(auto\)/);
    await expect(reconCs(input, { levels: 2.5 })).rejects.toThrow(/levels/);
  });
});
