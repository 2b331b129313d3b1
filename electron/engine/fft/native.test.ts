/**
 * Parity of the native FFT backend (native/, FFTW) with its TypeScript twin.
 * Runs when the addon is built (node native/build.mjs); otherwise skipped with
 * the reason printed. The backend is only installed inside these tests, so the
 * rest of the suite keeps testing the TypeScript plans.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRng } from '../array';
import { openNative } from '../native';
import { fft2c, fft2cBatch, getFftBackend, ifft2c, setFftBackend } from './index';

const { addon, status } = openNative();
if (!addon) console.log(`native FFT parity tests skipped: ${status.reason}`);

function randomComplex(len: number, seed: number): Float32Array {
  const rng = createRng(seed, 'native-fft');
  return Float32Array.from({ length: 2 * len }, () => rng.normal());
}

function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num += (a[i]! - b[i]!) ** 2; den += b[i]! ** 2; }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

describe.skipIf(!addon)('native fft2cBatch vs TypeScript', () => {
  afterEach(() => setFftBackend(null));

  // Even, odd, mixed parity, primes (Bluestein in TS) and a 1-row case.
  const sizes: Array<[number, number, number]> = [[1, 256, 256], [8, 64, 48], [3, 33, 20], [2, 15, 17], [1, 97, 1], [4, 1, 10], [2, 6, 10], [1, 320, 260]];
  for (const [batch, ny, nx] of sizes) {
    for (const inverse of [false, true]) {
      it(`${batch}x${ny}x${nx} ${inverse ? 'inverse' : 'forward'}: out of place and in place`, () => {
        setFftBackend(null);
        const x = randomComplex(batch * ny * nx, ny * 1000 + nx);
        const ref = fft2cBatch(x, batch, ny, nx, inverse);
        const copy = x.slice();
        const out = new Float32Array(x.length);
        addon!.fft2cBatch(x, out, batch, ny, nx, inverse);
        expect(x).toEqual(copy); // input untouched out of place
        expect(relErr(out, ref)).toBeLessThan(1e-5);
        const inPlace = x.slice();
        addon!.fft2cBatch(inPlace, inPlace, batch, ny, nx, inverse);
        expect(relErr(inPlace, ref)).toBeLessThan(1e-5);
      });
    }
  }

  it('works on subarray views at any plane offset (alignment classes)', () => {
    const ny = 16, nx = 10;
    const big = randomComplex(3 * ny * nx + 1, 9);
    for (const off of [0, 2, 2 * ny * nx + 2]) {
      setFftBackend(null);
      const view = big.slice().subarray(off, off + 2 * ny * nx);
      const ref = fft2c(view, ny, nx);
      addon!.fft2cBatch(view, view, 1, ny, nx, false);
      expect(relErr(view, ref)).toBeLessThan(1e-5);
    }
  });

  it('is picked up by fft2c / ifft2c once installed, and round-trips', () => {
    setFftBackend({ name: 'native-fftw', fft2cBatch: (x, o, b, ny, nx, inv) => addon!.fft2cBatch(x, o, b, ny, nx, inv) });
    expect(getFftBackend()?.name).toBe('native-fftw');
    const x = randomComplex(40 * 30, 4);
    const k = fft2c(x, 40, 30);
    setFftBackend(null);
    expect(relErr(k, fft2c(x, 40, 30))).toBeLessThan(1e-5);
    setFftBackend({ name: 'native-fftw', fft2cBatch: (a, o, b, ny, nx, inv) => addon!.fft2cBatch(a, o, b, ny, nx, inv) });
    expect(relErr(ifft2c(k, 40, 30), x)).toBeLessThan(1e-5);
  });

  it('rejects wrong types and lengths instead of touching memory', () => {
    expect(() => addon!.fft2cBatch(new Float32Array(8), new Float32Array(6), 1, 2, 2, false)).toThrow(/lengths/);
    expect(() => addon!.fft2cBatch(new Float64Array(8) as unknown as Float32Array, new Float32Array(8), 1, 2, 2, false)).toThrow(/Float32Array/);
    expect(() => addon!.fft2cBatch(new Float32Array(8), new Float32Array(8), 0, 2, 2, false)).toThrow(/positive/);
  });
});
