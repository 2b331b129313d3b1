import { describe, expect, it } from 'vitest';
import type { RTensor } from '../array';
import { ifft2c } from '../fft';
import { maskFromData } from '../sampling';
import { simulate } from './index';
import type { SimulateOptions } from './index';

/** Two slices of a smooth-edged ellipse phantom with some structure, max 1. */
function phantom(ns: number, ny: number, nx: number): RTensor {
  const data = new Float32Array(ns * ny * nx);
  for (let s = 0; s < ns; s++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const u = (x - nx / 2) / (0.4 * nx), v = (y - ny / 2) / (0.45 * ny);
        const r = Math.hypot(u, v);
        let val = r < 1 ? 0.6 : 0;
        if (Math.hypot(u - 0.3, v + 0.2 * s) < 0.25) val = 1;
        data[(s * ny + y) * nx + x] = val;
      }
    }
  }
  return { shape: [ns, ny, nx], data };
}

function blob(ny: number, nx: number, w: number): RTensor {
  const data = new Float32Array(ny * nx);
  for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) data[y * nx + x] = Math.exp(-((y - ny / 2) ** 2 + (x - nx / 2) ** 2) / (2 * w * w));
  return { shape: [1, ny, nx], data };
}

const ones = (ny: number, nx: number) => maskFromData(new Float32Array(ny * nx).fill(1), ny, nx);
const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

function fgSigma(img: Float32Array, snr: number): number {
  const max = img.reduce((m, v) => Math.max(m, v), 0);
  const fg = Array.from(img).filter((v) => v > 0.1 * max);
  return fg.reduce((a, b) => a + b, 0) / fg.length / (snr * Math.SQRT2);
}

describe('simulate', () => {
  const img = phantom(2, 48, 40);
  const base: SimulateOptions = { seed: 5, coils: 4, snr: 20, mask: { kind: 'random', accel: 4, centerFraction: 0.08, seed: 5 } };

  it('is bit-identical for the same seed and differs for another', () => {
    const a = simulate(img, base);
    const b = simulate(img, base);
    expect(same(a.kspace.data, b.kspace.data)).toBe(true);
    expect(same(a.complexImage.data, b.complexImage.data)).toBe(true);
    const c = simulate(img, { ...base, seed: 6 });
    expect(same(a.kspace.data, c.kspace.data)).toBe(false);
    expect(a.kspace.shape).toEqual([2, 4, 48, 40]);
    expect(a.sens.shape).toEqual([2, 4, 48, 40]);
    expect(a.complexImage.shape).toEqual([2, 48, 40]);
    expect(a.reference.shape).toEqual([2, 48, 40]);
    expect(same(a.reference.data, img.data)).toBe(true);
    expect(a.reference.data).not.toBe(img.data);
    expect(a.seed).toBe(5);
  });

  it('keeps the phase when only the SNR changes, and honours maxRadians', () => {
    const a = simulate(img, { ...base, snr: 10, phase: { enabled: true, maxRadians: 1 } });
    const b = simulate(img, { ...base, snr: 50, phase: { enabled: true, maxRadians: 1 } });
    expect(same(a.complexImage.data, b.complexImage.data)).toBe(true);
    let peak = 0;
    for (let i = 0; i < img.data.length; i++) {
      if (img.data[i]! > 0) peak = Math.max(peak, Math.abs(Math.atan2(a.complexImage.data[2 * i + 1]!, a.complexImage.data[2 * i]!)));
    }
    expect(peak).toBeLessThanOrEqual(1 + 1e-6);
    expect(peak).toBeGreaterThan(0.5);
    const off = simulate(img, { ...base, phase: { enabled: false } });
    for (let i = 0; i < img.data.length; i++) expect(off.complexImage.data[2 * i + 1]).toBe(0);
  });

  it('noiseless single coil, fully sampled: ifft2c reproduces the complex image with the input magnitude', () => {
    const one = phantom(1, 48, 40);
    const r = simulate(one, { seed: 3, coils: 1, mask: ones(48, 40) });
    expect(r.noiseStd).toBe(0);
    const back = ifft2c(r.kspace.data, 48, 40);
    let errC = 0, errM = 0, phased = 0;
    for (let p = 0; p < 48 * 40; p++) {
      errC = Math.max(errC, Math.abs(back[2 * p]! - r.complexImage.data[2 * p]!), Math.abs(back[2 * p + 1]! - r.complexImage.data[2 * p + 1]!));
      errM = Math.max(errM, Math.abs(Math.hypot(back[2 * p]!, back[2 * p + 1]!) - one.data[p]!));
      if (Math.abs(back[2 * p + 1]!) > 0.05) phased++;
    }
    expect(errC).toBeLessThan(1e-5);
    expect(errM).toBeLessThan(1e-5);
    expect(phased).toBeGreaterThan(100); // the default phase is really there
    for (let i = 0; i < 48 * 40; i++) expect(r.sens.data[2 * i] === 1 && r.sens.data[2 * i + 1] === 0).toBe(true);
  });

  it('coil maps satisfy sum_c |S_c|^2 = 1, and SENSE combine / RSS return the image', () => {
    const ny = 48, nx = 40, coils = 8;
    const r = simulate(img, { seed: 1, coils, mask: ones(ny, nx) });
    const plane = ny * nx;
    let worstNorm = 0, worstSense = 0, worstRss = 0;
    for (let s = 0; s < 2; s++) {
      const coilImgs = new Float32Array(2 * coils * plane);
      for (let c = 0; c < coils; c++) {
        const o = 2 * (s * coils + c) * plane;
        coilImgs.set(ifft2c(r.kspace.data.subarray(o, o + 2 * plane), ny, nx), 2 * c * plane);
      }
      for (let p = 0; p < plane; p++) {
        let n2 = 0, sr = 0, si = 0, rss = 0;
        for (let c = 0; c < coils; c++) {
          const so = 2 * ((s * coils + c) * plane + p);
          const a = r.sens.data[so]!, b = r.sens.data[so + 1]!;
          const xr = coilImgs[2 * (c * plane + p)]!, xi = coilImgs[2 * (c * plane + p) + 1]!;
          n2 += a * a + b * b;
          sr += a * xr + b * xi;
          si += a * xi - b * xr;
          rss += xr * xr + xi * xi;
        }
        const ci = 2 * (s * plane + p);
        worstNorm = Math.max(worstNorm, Math.abs(n2 - 1));
        worstSense = Math.max(worstSense, Math.abs(sr - r.complexImage.data[ci]!), Math.abs(si - r.complexImage.data[ci + 1]!));
        worstRss = Math.max(worstRss, Math.abs(Math.sqrt(rss) - img.data[s * plane + p]!));
      }
    }
    expect(worstNorm).toBeLessThan(1e-5);
    expect(worstSense).toBeLessThan(1e-5);
    expect(worstRss).toBeLessThan(1e-5);
    // The coils really differ: coil 0 and coil 4 sit on opposite sides.
    const m0 = Math.hypot(r.sens.data[2 * (20 * nx + 38)]!, r.sens.data[2 * (20 * nx + 38) + 1]!);
    const m4 = Math.hypot(r.sens.data[2 * (4 * plane + 20 * nx + 38)]!, r.sens.data[2 * (4 * plane + 20 * nx + 38) + 1]!);
    expect(m0).toBeGreaterThan(3 * m4);
  });

  it('noise in a signal-free corner of k-space matches the requested SNR within 5%', () => {
    const ny = 128, nx = 128, snr = 15;
    const b = blob(ny, nx, 6);
    const r = simulate(b, { seed: 2, coils: 1, snr, mask: ones(ny, nx) });
    const sigma = fgSigma(b.data, snr);
    expect(r.noiseStd).toBeCloseTo(sigma, 6);
    let ss = 0, n = 0;
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        if (Math.abs(y - ny / 2) < 40 && Math.abs(x - nx / 2) < 40) continue; // signal lives near the centre
        const i = 2 * (y * nx + x);
        ss += r.kspace.data[i]! ** 2 + r.kspace.data[i + 1]! ** 2;
        n += 2;
      }
    }
    expect(Math.abs(Math.sqrt(ss / n) / sigma - 1)).toBeLessThan(0.05);
  });

  it('multi-coil noise (noisy minus noiseless) has the stated std in k-space and gives the stated SNR after SENSE combine', () => {
    const ny = 48, nx = 40, coils = 4, snr = 8, plane = ny * nx;
    const opts: SimulateOptions = { seed: 9, coils, mask: ones(ny, nx) };
    const clean = simulate(img, opts);
    const noisy = simulate(img, { ...opts, snr });
    const sigma = fgSigma(img.data, snr);
    const d = noisy.kspace.data.map((v, i) => v - clean.kspace.data[i]!);
    const kStd = Math.sqrt(d.reduce((a, v) => a + v * v, 0) / d.length);
    expect(Math.abs(kStd / sigma - 1)).toBeLessThan(0.05);
    // SENSE-combine the noise of slice 0 and measure it in the image domain.
    let ss = 0;
    const coilNoise = Array.from({ length: coils }, (_, c) => ifft2c(d.subarray(2 * c * plane, 2 * (c + 1) * plane), ny, nx));
    for (let p = 0; p < plane; p++) {
      let re = 0, im = 0;
      for (let c = 0; c < coils; c++) {
        const a = noisy.sens.data[2 * (c * plane + p)]!, b = noisy.sens.data[2 * (c * plane + p) + 1]!;
        const xr = coilNoise[c]![2 * p]!, xi = coilNoise[c]![2 * p + 1]!;
        re += a * xr + b * xi;
        im += a * xi - b * xr;
      }
      ss += re * re + im * im;
    }
    const imgStd = Math.sqrt(ss / (2 * plane));
    expect(Math.abs(imgStd / sigma - 1)).toBeLessThan(0.05);
  });

  it('leaves unsampled k-space exactly zero and keeps the given mask', () => {
    const r = simulate(img, { ...base, snr: 5, mask: { kind: 'poisson', accel: 4, calib: 12, seed: 1 } });
    const plane = 48 * 40;
    let zeroOutside = 0, nonzeroInside = 0, outside = 0, inside = 0;
    for (let b = 0; b < 2 * 4; b++) {
      for (let p = 0; p < plane; p++) {
        const re = r.kspace.data[2 * (b * plane + p)]!, im = r.kspace.data[2 * (b * plane + p) + 1]!;
        if (r.mask.data[p] === 0) { outside++; if (Object.is(re, 0) && Object.is(im, 0)) zeroOutside++; }
        else { inside++; if (re !== 0 && im !== 0) nonzeroInside++; }
      }
    }
    expect(outside).toBeGreaterThan(0);
    expect(zeroOutside).toBe(outside);
    expect(nonzeroInside).toBe(inside);
    expect(Math.abs(r.mask.accel / 4 - 1)).toBeLessThan(0.05);
  });

  it('rejects bad input naming the field', () => {
    const bad = phantom(1, 8, 8);
    bad.data[10] = Number.NaN;
    expect(() => simulate(bad, base)).toThrow(/image contains a non-finite value \(NaN\) at \[slice 0, y 1, x 2\]/);
    const neg = phantom(1, 8, 8);
    neg.data[3] = -1;
    expect(() => simulate(neg, base)).toThrow(/non-negative magnitude/);
    expect(() => simulate({ shape: [8, 8], data: new Float32Array(64) }, base)).toThrow(/image.shape must be \[slice\]\[y\]\[x\]/);
    expect(() => simulate(img, { ...base, coils: 0 })).toThrow(/coils must be an integer in \[1, 128\], got 0/);
    expect(() => simulate(img, { ...base, snr: 0 })).toThrow(/snr must be > 0/);
    expect(() => simulate(img, { ...base, snr: -3 })).toThrow(/snr must be > 0/);
    expect(() => simulate(img, { ...base, snr: Number.NaN })).toThrow(/snr/);
    expect(() => simulate(img, { ...base, seed: Number.NaN })).toThrow(/seed must be a finite number/);
    expect(() => simulate(img, { ...base, phase: { enabled: true, maxRadians: -1 } })).toThrow(/phase.maxRadians/);
    expect(() => simulate(img, { ...base, mask: ones(40, 48) })).toThrow(/mask.shape \[40x48\] does not match/);
    expect(() => simulate(img, { ...base, mask: { kind: 'random', accel: 0, centerFraction: 0.08, seed: 1 } })).toThrow(/accel must be > 1, got 0/);
    expect(() => simulate({ shape: [1, 4, 4], data: new Float32Array(16) }, base)).toThrow(/all zero/);
  });
});
