import { describe, expect, it } from 'vitest';
import { createRng, ctensor, rtensor } from '../array';
import { fft2cBatch } from '../fft';
import { reconZeroFilled } from './zero-filled';
import type { ReconInput } from './types';

/** A smooth complex test object and unit-norm synthetic coil maps, made here so the test is self-contained. */
function phantom(ny: number, nx: number): Float32Array {
  const x = new Float32Array(2 * ny * nx);
  for (let y = 0; y < ny; y++)
    for (let c = 0; c < nx; c++) {
      const r = Math.hypot((y - ny / 2) / (ny / 2.5), (c - nx / 2) / (nx / 3));
      const mag = r < 1 ? 1 - 0.5 * r * r : 0;
      const ph = 0.3 * Math.sin(y / 7) + 0.2 * Math.cos(c / 5);
      x[2 * (y * nx + c)] = mag * Math.cos(ph);
      x[2 * (y * nx + c) + 1] = mag * Math.sin(ph);
    }
  return x;
}

function maps(coils: number, ny: number, nx: number): Float32Array {
  const s = new Float32Array(2 * coils * ny * nx);
  for (let p = 0; p < ny * nx; p++) {
    const y = Math.floor(p / nx), x = p % nx;
    let ss = 0;
    for (let c = 0; c < coils; c++) {
      const a = (2 * Math.PI * c) / coils;
      const d = Math.hypot(y / ny - 0.5 - 0.6 * Math.sin(a), x / nx - 0.5 - 0.6 * Math.cos(a));
      const m = Math.exp(-d * d * 2);
      s[2 * (c * ny * nx + p)] = m * Math.cos(a + x / nx);
      s[2 * (c * ny * nx + p) + 1] = m * Math.sin(a + x / nx);
      ss += m * m;
    }
    for (let c = 0; c < coils; c++) {
      s[2 * (c * ny * nx + p)]! /= Math.sqrt(ss);
      s[2 * (c * ny * nx + p) + 1]! /= Math.sqrt(ss);
    }
  }
  return s;
}

function acquire(img: Float32Array, sens: Float32Array | null, coils: number, ny: number, nx: number, mask: Float32Array): ReconInput {
  const k = new Float32Array(2 * coils * ny * nx);
  for (let c = 0; c < coils; c++)
    for (let p = 0; p < ny * nx; p++) {
      const o = 2 * (c * ny * nx + p);
      const sr = sens ? sens[o]! : 1, si = sens ? sens[o + 1]! : 0;
      k[o] = sr * img[2 * p]! - si * img[2 * p + 1]!;
      k[o + 1] = sr * img[2 * p + 1]! + si * img[2 * p]!;
    }
  fft2cBatch(k, coils, ny, nx, false, k);
  for (let c = 0; c < coils; c++) for (let p = 0; p < ny * nx; p++) if (!mask[p]) k[2 * (c * ny * nx + p)] = k[2 * (c * ny * nx + p) + 1] = 0;
  const input: ReconInput = { kspace: ctensor([1, coils, ny, nx], k), mask: rtensor([ny, nx], mask) };
  if (sens) input.sens = ctensor([1, coils, ny, nx], sens);
  return input;
}

const ny = 40, nx = 34;
const full = new Float32Array(ny * nx).fill(1);
const img = phantom(ny, nx);
const magnitude = Float32Array.from({ length: ny * nx }, (_, p) => Math.hypot(img[2 * p]!, img[2 * p + 1]!));

function maxErr(a: Float32Array, b: Float32Array): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!));
  return e;
}

describe('zero-filled reconstruction', () => {
  it('single coil, fully sampled: returns the complex image and its magnitude', async () => {
    const r = await reconZeroFilled(acquire(img, null, 1, ny, nx, full));
    expect(r.image.shape).toEqual([1, ny, nx]);
    expect(maxErr(r.image.data, magnitude)).toBeLessThan(1e-5);
    expect(maxErr(r.complex!.data, img)).toBeLessThan(1e-5);
    expect(r.options.combineUsed).toBe('single');
  });

  it('multi coil: RSS with unit-norm maps and SENSE both return the magnitude', async () => {
    const s = maps(6, ny, nx);
    const input = acquire(img, s, 6, ny, nx, full);
    const rss = await reconZeroFilled(input, { combine: 'rss' });
    expect(maxErr(rss.image.data, magnitude)).toBeLessThan(1e-5);
    const sense = await reconZeroFilled(input);
    expect(sense.options.combineUsed).toBe('sense');
    expect(maxErr(sense.image.data, magnitude)).toBeLessThan(1e-5);
    expect(maxErr(sense.complex!.data, img)).toBeLessThan(1e-5);
  });

  it('undersampling costs fidelity, and the mask is honoured even if data lies outside it', async () => {
    const rng = createRng(3, 'mask');
    const mask = Float32Array.from({ length: ny * nx }, (_, p) => (Math.floor(p / nx) % 3 === 0 || rng.next() < 0.1 ? 1 : 0));
    const under = acquire(img, null, 1, ny, nx, mask);
    const r = await reconZeroFilled(under);
    const e = maxErr(r.image.data, magnitude);
    expect(e).toBeGreaterThan(0.01);
    // Same data plus garbage where the mask is 0 must give the same answer.
    const dirty = { ...under, kspace: ctensor(under.kspace.shape, under.kspace.data.map((v, i) => (mask[i >> 1] ? v : 5))) };
    const r2 = await reconZeroFilled(dirty);
    expect(maxErr(r2.image.data, r.image.data)).toBe(0);
  });

  it('reports progress per slice and stops when cancelled', async () => {
    const three = acquire(img, null, 1, ny, nx, full);
    const k = new Float32Array(three.kspace.data.length * 3);
    for (let s = 0; s < 3; s++) k.set(three.kspace.data, s * three.kspace.data.length);
    const input: ReconInput = { kspace: ctensor([3, 1, ny, nx], k), mask: three.mask };
    const seen: number[] = [];
    await reconZeroFilled(input, {}, { onProgress: (p) => seen.push(p.fraction) });
    expect(seen).toEqual([1 / 3, 2 / 3, 1]);
    const ac = new AbortController();
    const run = reconZeroFilled(input, {}, { signal: ac.signal, onProgress: () => ac.abort() });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects NaN k-space, mismatched masks and SENSE without maps, naming the problem', async () => {
    const bad = acquire(img, null, 1, ny, nx, full);
    bad.kspace.data[10] = NaN;
    await expect(reconZeroFilled(bad)).rejects.toThrow(/NaN or Infinity/);
    const wrong = { ...acquire(img, null, 1, ny, nx, full), mask: rtensor([ny, nx - 1]) };
    await expect(reconZeroFilled(wrong)).rejects.toThrow(/mask is \[40x33\]/);
    await expect(reconZeroFilled(acquire(img, null, 1, ny, nx, full), { combine: 'sense' })).rejects.toThrow(/needs coil sensitivity maps/);
  });
});
