/**
 * Parity of the native addon's wavelet and SENSE kernels with their
 * TypeScript twins (linop/wavelet.ts, linop/mri.ts senseOp); the FFT's parity
 * test is fft/native.test.ts. Runs when the addon is built (node
 * native/build.mjs), otherwise skipped with the reason printed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRng } from './array';
import { setFftBackend } from './fft';
import { senseOp, setWaveletBackend, waveletOp } from './linop';
import { installNative, openNative, uninstallNative } from './native';

const { addon, status } = openNative();
if (!addon) console.log(`native wavelet/SENSE parity tests skipped: ${status.reason}`);

function rand(len: number, seed: number): Float32Array {
  const rng = createRng(seed, 'native-parity');
  return Float32Array.from({ length: len }, () => rng.normal());
}

function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num += (a[i]! - b[i]!) ** 2; den += b[i]! ** 2; }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

describe.skipIf(!addon)('native kernels vs TypeScript twins', () => {
  afterEach(() => uninstallNative());

  for (const wavelet of ['haar', 'db4'] as const) {
    for (const [ny, nx, levels] of [[256, 256, 5], [32, 24, 2], [13, 10, 3], [7, 9, 4], [64, 64, 6]] as const) {
      it(`wavelet ${wavelet} ${ny}x${nx} L${levels}: forward and adjoint`, () => {
        uninstallNative();
        const W = waveletOp(ny, nx, { wavelet, levels });
        const x = rand(2 * ny * nx, ny + nx + levels);
        const c = rand(2 * W.oshape[0]! * W.oshape[1]!, levels);
        const fwd = W.apply(x), adj = W.adjoint(c);
        setWaveletBackend({ name: 'native', transform: (a, py, px, l, h, f) => addon!.wavelet(a, py, px, l, h, f) });
        expect(relErr(W.apply(x), fwd)).toBeLessThan(1e-5);
        expect(relErr(W.adjoint(c), adj)).toBeLessThan(1e-5);
      });
    }
  }

  it('wavelet rejects sizes that are not multiples of 2^levels', () => {
    expect(() => addon!.wavelet(new Float32Array(2 * 12 * 12), 12, 12, 3, new Float64Array([Math.SQRT1_2, Math.SQRT1_2]), true)).toThrow(/multiples/);
  });

  for (const [coils, ny, nx] of [[8, 64, 64], [3, 20, 14], [2, 15, 9], [1, 1, 6]] as const) {
    it(`SENSE ${coils}x${ny}x${nx}: forward, adjoint and normal match M·F·S`, () => {
      uninstallNative();
      const plane = ny * nx;
      const sens = rand(2 * coils * plane, 11), x = rand(2 * plane, 12), k = rand(2 * coils * plane, 13);
      const rng = createRng(14, 'mask');
      const mask = Float32Array.from({ length: plane }, () => (rng.next() < 0.4 ? 1 : rng.next() < 0.2 ? 0.5 : 0));
      const A = senseOp(sens, mask, coils, ny, nx);
      const out = new Float32Array(2 * coils * plane), img = new Float32Array(2 * plane);
      addon!.senseForward(x, sens, mask, coils, ny, nx, out);
      expect(relErr(out, A.apply(x))).toBeLessThan(1e-5);
      addon!.senseAdjoint(k, sens, mask, coils, ny, nx, img);
      expect(relErr(img, A.adjoint(k))).toBeLessThan(1e-5);
      addon!.senseNormal(x, sens, mask, coils, ny, nx, img);
      expect(relErr(img, A.adjoint(A.apply(x)))).toBeLessThan(1e-5);
      // Masked-out k-space is exactly zero, as maskOp makes it.
      for (let i = 0; i < plane; i++) if (mask[i] === 0) expect(out[2 * i]).toBe(0);
    });
  }

  it('SENSE rejects mismatched lengths and aliasing', () => {
    const f = new Float32Array(8);
    expect(() => addon!.senseForward(f, new Float32Array(16), new Float32Array(4), 2, 2, 2, new Float32Array(8))).toThrow(/lengths/);
    expect(() => addon!.senseNormal(f, new Float32Array(8), new Float32Array(4), 1, 2, 2, f)).toThrow(/must not be/);
  });

  it('installNative routes fft2c and waveletOp through the addon', () => {
    expect(installNative().loaded).toBe(true);
    const W = waveletOp(16, 16, { levels: 2 });
    expect(() => W.apply(rand(512, 1))).not.toThrow();
    uninstallNative();
    setFftBackend(null);
  });
});
