import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../array';
import { hfen, logKernel, nmse, psnr, sliceMetrics, ssim2d, ssimSlices, ssimVolume } from './index';

interface Ref {
  nmse: number;
  psnr: number;
  ssim: number;
  hfen: number;
}
interface Fixture {
  shape: [number, number, number];
  gt: string;
  cases: { name: string; pred: string; maxval: number; slices: Ref[]; volume: Ref }[];
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/skimage-reference.json', import.meta.url), 'utf8')) as Fixture;
const [S, NY, NX] = fixture.shape;

function f32(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

const gt = f32(fixture.gt);
const plane = NY * NX;

function expectRel(actual: number, expected: number, rel: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
}

describe('metrics against scikit-image / fastMRI (fixtures/make-fixtures.py)', () => {
  it('fixture is the expected real-data shape', () => {
    expect(gt.length).toBe(S * NY * NX);
    expect(fixture.cases.map((c) => c.name)).toEqual(['noise', 'blur', 'shift']);
  });

  for (const c of fixture.cases) {
    it(`${c.name}: per-slice and volume NMSE, PSNR, SSIM, HFEN`, () => {
      const pred = f32(c.pred);
      const m = sliceMetrics(gt, pred, S, NY, NX);
      expect(m.maxval).toBe(c.maxval);
      for (let s = 0; s < S; s++) {
        const ref = c.slices[s]!;
        const got = m.slices[s]!;
        expect(Math.abs(got.ssim - ref.ssim)).toBeLessThan(1e-4);
        expect(Math.abs(got.nmse - ref.nmse)).toBeLessThan(1e-4);
        expectRel(got.psnr, ref.psnr, 1e-5);
        const g = gt.subarray(s * plane, (s + 1) * plane);
        const p = pred.subarray(s * plane, (s + 1) * plane);
        expect(Math.abs(ssim2d(g, p, NY, NX, c.maxval) - ref.ssim)).toBeLessThan(1e-4);
        expect(Math.abs(nmse(g, p) - ref.nmse)).toBeLessThan(1e-4);
        expectRel(psnr(g, p, c.maxval), ref.psnr, 1e-5);
        expectRel(hfen(g, p, NY, NX), ref.hfen, 1e-6);
      }
      expect(Math.abs(m.volume.ssim - c.volume.ssim)).toBeLessThan(1e-4);
      expect(Math.abs(m.volume.nmse - c.volume.nmse)).toBeLessThan(1e-4);
      expectRel(m.volume.psnr, c.volume.psnr, 1e-5);
      expect(Math.abs(ssimVolume(gt, pred, S, NY, NX) - c.volume.ssim)).toBeLessThan(1e-4);
      expect(Math.abs(nmse(gt, pred) - c.volume.nmse)).toBeLessThan(1e-4);
      expectRel(psnr(gt, pred), c.volume.psnr, 1e-5);
      expectRel(hfen(gt, pred, NY, NX), c.volume.hfen, 1e-6);
    });
  }

  it('agrees far tighter than the 1e-4 contract (float64 throughout)', () => {
    const c = fixture.cases[0]!;
    const per = ssimSlices(gt, f32(c.pred), S, NY, NX, c.maxval);
    per.forEach((v, s) => expect(Math.abs(v - c.slices[s]!.ssim)).toBeLessThan(1e-10));
  });
});

describe('metric sanity', () => {
  it('identical images: ssim 1, nmse 0, psnr Infinity, hfen 0', () => {
    const m = sliceMetrics(gt, gt, S, NY, NX);
    for (const s of m.slices) {
      expect(s.ssim).toBe(1);
      expect(s.nmse).toBe(0);
      expect(s.psnr).toBe(Infinity);
    }
    expect(m.volume).toEqual({ ssim: 1, nmse: 0, psnr: Infinity });
    expect(hfen(gt, gt, NY, NX)).toBe(0);
  });

  it('worse degradations score worse', () => {
    const rng = createRng(7, 'metrics-test');
    const small = gt.map((v) => v + 2 * rng.normal());
    const large = gt.map((v) => v + 20 * rng.normal());
    const a = sliceMetrics(gt, small, S, NY, NX).volume;
    const b = sliceMetrics(gt, large, S, NY, NX).volume;
    expect(a.ssim).toBeGreaterThan(b.ssim);
    expect(a.psnr).toBeGreaterThan(b.psnr);
    expect(a.nmse).toBeLessThan(b.nmse);
    expect(hfen(gt, small, NY, NX)).toBeLessThan(hfen(gt, large, NY, NX));
  });

  it('rejects mismatched lengths, partial slices, tiny images and a zero data range', () => {
    const short = gt.subarray(1);
    expect(() => nmse(gt, short)).toThrow(/reference has \d+ values but prediction has \d+/);
    expect(() => psnr(gt, short)).toThrow(RangeError);
    expect(() => ssimVolume(gt, short, S, NY, NX)).toThrow(RangeError);
    expect(() => sliceMetrics(gt, short, S, NY, NX)).toThrow(RangeError);
    expect(() => hfen(gt, short, NY, NX)).toThrow(RangeError);
    expect(() => sliceMetrics(gt, gt, S + 1, NY, NX)).toThrow(/do not hold/);
    expect(() => ssim2d(new Float32Array(36), new Float32Array(36), 6, 6, 1)).toThrow(/smaller than the 7x7 window/);
    expect(() => ssim2d(gt.subarray(0, plane), gt.subarray(0, plane), NY, NX, 0)).toThrow(/data range/);
  });

  it('HFEN kernel is the zero-sum, symmetric 15x15 LoG and the separable filter equals direct correlation', () => {
    const k = logKernel();
    expect(k.length).toBe(225);
    expect(Math.abs(k.reduce((a, b) => a + b, 0))).toBeLessThan(1e-15);
    expect(k[7 * 15 + 7]!).toBeLessThan(0); // negative centre, as fspecial('log')
    expect(k[3 * 15 + 5]).toBeCloseTo(k[5 * 15 + 3]!, 15);
    // Direct zero-padded 2D correlation of a random 20x17 pair.
    const ny = 20, nx = 17;
    const rng = createRng(3, 'hfen');
    const a = Float32Array.from({ length: ny * nx }, () => rng.next());
    const b = Float32Array.from({ length: ny * nx }, () => rng.next());
    const direct = (img: Float32Array): Float64Array => {
      const out = new Float64Array(ny * nx);
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++) {
          let s = 0;
          for (let dy = -7; dy <= 7; dy++)
            for (let dx = -7; dx <= 7; dx++) {
              const yy = y + dy, xx = x + dx;
              if (yy >= 0 && yy < ny && xx >= 0 && xx < nx) s += k[(dy + 7) * 15 + dx + 7]! * img[yy * nx + xx]!;
            }
          out[y * nx + x] = s;
        }
      return out;
    };
    const la = direct(a), lb = direct(b);
    let num = 0, den = 0;
    for (let i = 0; i < la.length; i++) {
      num += (lb[i]! - la[i]!) ** 2;
      den += la[i]! ** 2;
    }
    expect(hfen(a, b, ny, nx)).toBeCloseTo(Math.sqrt(num / den), 6);
  });

  it('SSIM of a 256x256 slice takes a few milliseconds', () => {
    const n = 256 * 256;
    const rng = createRng(11, 'ssim-speed');
    const a = Float32Array.from({ length: n }, () => rng.next());
    const b = a.map((v) => v + 0.1 * rng.normal());
    ssim2d(a, b, 256, 256, 1); // warm up the JIT
    const t0 = performance.now();
    const reps = 10;
    for (let i = 0; i < reps; i++) ssim2d(a, b, 256, 256, 1);
    const ms = (performance.now() - t0) / reps;
    expect(ms).toBeLessThan(50);
  });
});
