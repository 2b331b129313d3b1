import { describe, expect, it } from 'vitest';
import { createRng, vdot } from '../array';
import { factorize, fft2c, fft2cBatch, fftc, fftcAxis, getPlan, ifft2c, ifftc } from './index';

function randomComplex(len: number, seed: number, label = 'fft'): Float32Array {
  const rng = createRng(seed, label);
  const x = new Float32Array(2 * len);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  return x;
}

/** Naive float64 centred orthonormal DFT: fftshift(DFT(ifftshift(x))) / sqrt(n). */
function naiveC(x: ArrayLike<number>, n: number, inverse = false): Float64Array {
  const h = Math.floor(n / 2);
  const sign = inverse ? 1 : -1;
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const k = (i - h + n) % n; // frequency index before fftshift
    let re = 0, im = 0;
    for (let j = 0; j < n; j++) {
      const t = (j - h + n) % n; // sample index after ifftshift
      const ang = (sign * 2 * Math.PI * ((k * t) % n)) / n;
      const c = Math.cos(ang), s = Math.sin(ang);
      const xr = x[2 * j]!, xi = x[2 * j + 1]!;
      re += xr * c - xi * s;
      im += xr * s + xi * c;
    }
    out[2 * i] = re / Math.sqrt(n);
    out[2 * i + 1] = im / Math.sqrt(n);
  }
  return out;
}

/** Naive 2D: the separable definition, naive 1D DFTs along rows then columns, all float64. */
function naive2C(x: Float32Array, ny: number, nx: number, inverse = false): Float64Array {
  const tmp = new Float64Array(2 * ny * nx);
  for (let r = 0; r < ny; r++) tmp.set(naiveC(x.subarray(2 * r * nx, 2 * (r + 1) * nx), nx, inverse), 2 * r * nx);
  const col = new Float64Array(2 * ny);
  for (let c = 0; c < nx; c++) {
    for (let r = 0; r < ny; r++) { col[2 * r] = tmp[2 * (r * nx + c)]!; col[2 * r + 1] = tmp[2 * (r * nx + c) + 1]!; }
    const f = naiveC(col, ny, inverse);
    for (let r = 0; r < ny; r++) { tmp[2 * (r * nx + c)] = f[2 * r]!; tmp[2 * (r * nx + c) + 1] = f[2 * r + 1]!; }
  }
  return tmp;
}

function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let e = 0, d = 0;
  for (let i = 0; i < want.length; i++) { e += (got[i]! - want[i]!) ** 2; d += want[i]! ** 2; }
  return Math.sqrt(e / Math.max(d, 1e-300));
}

function norm(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! ** 2;
  return Math.sqrt(s);
}

// 1..40 covers every small radix and the generic primes 7..37; 47 and 164 = 4*41 the
// largest generic radices; 109, 127, 218 = 2*109 Bluestein; the rest common MRI sizes.
const SIZES_1D = [...Array.from({ length: 40 }, (_, i) => i + 1), 47, 64, 109, 127, 164, 218, 256, 320, 368];

describe('fftc / ifftc (1D)', () => {
  it('matches a naive float64 centred DFT for every test size, both directions', () => {
    for (const n of SIZES_1D) {
      const x = randomComplex(n, n, '1d');
      expect(relErr(fftc(x, n), naiveC(x, n)), `fftc n=${n}`).toBeLessThan(1e-5);
      expect(relErr(ifftc(x, n), naiveC(x, n, true)), `ifftc n=${n}`).toBeLessThan(1e-5);
    }
  });

  it('is orthonormal (Parseval) and ifftc inverts fftc', () => {
    for (const n of [1, 2, 7, 30, 109, 128, 218, 243, 368, 1000]) {
      const x = randomComplex(n, 7 * n, 'parseval');
      const y = fftc(x, n);
      expect(Math.abs(norm(y) / norm(x) - 1), `n=${n}`).toBeLessThan(1e-5);
      expect(relErr(ifftc(y, n), x), `n=${n}`).toBeLessThan(1e-5);
    }
  });

  it('centres: a delta at floor(n/2) becomes the constant 1/sqrt(n) with zero phase', () => {
    for (const n of [1, 2, 5, 8, 9, 109, 218, 255, 256]) {
      const x = new Float32Array(2 * n);
      x[2 * Math.floor(n / 2)] = 1;
      const y = fftc(x, n);
      for (let k = 0; k < n; k++) {
        expect(y[2 * k]!, `n=${n} k=${k}`).toBeCloseTo(1 / Math.sqrt(n), 6);
        expect(Math.abs(y[2 * k + 1]!), `n=${n} k=${k}`).toBeLessThan(1e-6);
      }
    }
  });

  it('centres: the spectrum of a constant has its DC at floor(n/2)', () => {
    for (const n of [1, 3, 4, 7, 10, 109, 127, 320]) {
      const x = new Float32Array(2 * n);
      for (let k = 0; k < n; k++) { x[2 * k] = 0.5; x[2 * k + 1] = -0.25; }
      const y = fftc(x, n);
      const dc = Math.floor(n / 2);
      expect(y[2 * dc]!).toBeCloseTo(0.5 * Math.sqrt(n), 4);
      expect(y[2 * dc + 1]!).toBeCloseTo(-0.25 * Math.sqrt(n), 4);
      let rest = 0;
      for (let k = 0; k < n; k++) if (k !== dc) rest += y[2 * k]! ** 2 + y[2 * k + 1]! ** 2;
      expect(Math.sqrt(rest), `n=${n}`).toBeLessThan(1e-5);
    }
  });

  it('is linear over complex scalars', () => {
    for (const n of [12, 109, 256]) {
      const x = randomComplex(n, 1, 'lin-x'), y = randomComplex(n, 2, 'lin-y');
      const [ar, ai, br, bi] = [0.7, -1.3, 2.1, 0.4];
      const z = new Float32Array(2 * n);
      for (let k = 0; k < n; k++) {
        z[2 * k] = ar * x[2 * k]! - ai * x[2 * k + 1]! + br * y[2 * k]! - bi * y[2 * k + 1]!;
        z[2 * k + 1] = ar * x[2 * k + 1]! + ai * x[2 * k]! + br * y[2 * k + 1]! + bi * y[2 * k]!;
      }
      const fx = fftc(x, n), fy = fftc(y, n), fz = fftc(z, n);
      const want = new Float64Array(2 * n);
      for (let k = 0; k < n; k++) {
        want[2 * k] = ar * fx[2 * k]! - ai * fx[2 * k + 1]! + br * fy[2 * k]! - bi * fy[2 * k + 1]!;
        want[2 * k + 1] = ar * fx[2 * k + 1]! + ai * fx[2 * k]! + br * fy[2 * k + 1]! + bi * fy[2 * k]!;
      }
      expect(relErr(fz, want), `n=${n}`).toBeLessThan(1e-5);
    }
  });

  it('works in place when out is x', () => {
    for (const n of [16, 45, 109]) {
      const x = randomComplex(n, 3, 'alias');
      const want = fftc(x, n);
      const same = fftc(x, n, x);
      expect(same).toBe(x);
      expect(relErr(x, want)).toBe(0);
      ifftc(x, n, x);
      expect(relErr(x, randomComplex(n, 3, 'alias'))).toBeLessThan(1e-5);
    }
  });

  it('rejects bad lengths', () => {
    expect(() => fftc(new Float32Array(10), 4)).toThrow(RangeError);
    expect(() => fftc(new Float32Array(8), 4, new Float32Array(6))).toThrow(RangeError);
    expect(() => fftc(new Float32Array(0), 0)).toThrow(RangeError);
    expect(() => getPlan(2.5)).toThrow(RangeError);
  });
});

describe('fft2c / ifft2c', () => {
  it('matches the naive separable float64 DFT', () => {
    for (const [ny, nx] of [[8, 8], [7, 12], [218, 5], [32, 368]] as const) {
      const x = randomComplex(ny * nx, ny * 1000 + nx, '2d');
      expect(relErr(fft2c(x, ny, nx), naive2C(x, ny, nx)), `fft2c ${ny}x${nx}`).toBeLessThan(1e-5);
      expect(relErr(ifft2c(x, ny, nx), naive2C(x, ny, nx, true)), `ifft2c ${ny}x${nx}`).toBeLessThan(1e-5);
    }
  });

  it('round-trips and preserves the norm at MRI sizes', () => {
    for (const [ny, nx] of [[256, 256], [320, 320], [218, 181], [368, 320]] as const) {
      const x = randomComplex(ny * nx, ny + nx, 'rt');
      const y = fft2c(x, ny, nx);
      expect(Math.abs(norm(y) / norm(x) - 1), `${ny}x${nx}`).toBeLessThan(1e-5);
      expect(relErr(ifft2c(y, ny, nx), x), `${ny}x${nx}`).toBeLessThan(1e-5);
    }
  });

  it('centres in 2D: a delta at (floor(ny/2), floor(nx/2)) becomes a constant', () => {
    const ny = 9, nx = 12;
    const x = new Float32Array(2 * ny * nx);
    x[2 * (Math.floor(ny / 2) * nx + Math.floor(nx / 2))] = 1;
    const y = fft2c(x, ny, nx);
    for (let i = 0; i < ny * nx; i++) {
      expect(y[2 * i]!).toBeCloseTo(1 / Math.sqrt(ny * nx), 6);
      expect(Math.abs(y[2 * i + 1]!)).toBeLessThan(1e-6);
    }
  });

  it('ifft2c is the adjoint of fft2c: <F x, y> = <x, F^H y>', () => {
    const ny = 20, nx = 27;
    const x = randomComplex(ny * nx, 1, 'adj-x'), y = randomComplex(ny * nx, 2, 'adj-y');
    const [lr, li] = vdot(fft2c(x, ny, nx), y);
    const [rr, ri] = vdot(x, ifft2c(y, ny, nx));
    const scale = norm(x) * norm(y);
    expect(Math.hypot(lr - rr, li - ri) / scale).toBeLessThan(1e-6);
  });

  it('works in place, and fft2cBatch equals plane-by-plane fft2c', () => {
    const batch = 3, ny = 10, nx = 16;
    const x = randomComplex(batch * ny * nx, 5, 'batch');
    const plane = 2 * ny * nx;
    for (const inverse of [false, true]) {
      const want = new Float32Array(x.length);
      for (let p = 0; p < batch; p++) {
        const src = x.slice(p * plane, (p + 1) * plane);
        want.set(inverse ? ifft2c(src, ny, nx) : fft2c(src, ny, nx), p * plane);
      }
      expect(relErr(fft2cBatch(x, batch, ny, nx, inverse), want)).toBe(0);
      const inPlace = x.slice();
      expect(fft2cBatch(inPlace, batch, ny, nx, inverse, inPlace)).toBe(inPlace);
      expect(relErr(inPlace, want)).toBe(0);
    }
    const single = x.slice(0, plane);
    const want = fft2c(single, ny, nx);
    fft2c(single, ny, nx, single);
    expect(relErr(single, want)).toBe(0);
  });
});

describe('fftcAxis', () => {
  it('equals looping fftc / ifftc along each axis of a 3D tensor', () => {
    const shape = [5, 6, 7] as const;
    const x = randomComplex(5 * 6 * 7, 11, 'axis');
    const strides = [42, 7, 1];
    for (const inverse of [false, true]) {
      for (let axis = 0; axis < 3; axis++) {
        const n = shape[axis]!, s = strides[axis]!;
        const want = new Float32Array(x.length);
        const line = new Float32Array(2 * n);
        for (let base = 0; base < 210; base++) {
          // visit each line once, from its first element
          if (Math.floor(base / s) % n !== 0) continue;
          for (let k = 0; k < n; k++) { line[2 * k] = x[2 * (base + k * s)]!; line[2 * k + 1] = x[2 * (base + k * s) + 1]!; }
          const f = inverse ? ifftc(line, n) : fftc(line, n);
          for (let k = 0; k < n; k++) { want[2 * (base + k * s)] = f[2 * k]!; want[2 * (base + k * s) + 1] = f[2 * k + 1]!; }
        }
        expect(relErr(fftcAxis(x, shape, axis, inverse), want), `axis ${axis} inverse ${inverse}`).toBeLessThan(1e-6);
        const alias = x.slice();
        fftcAxis(alias, shape, axis - 3, inverse, alias); // negative axis, in place
        expect(relErr(alias, want)).toBeLessThan(1e-6);
      }
    }
  });

  it('over both axes of a plane equals fft2c', () => {
    const x = randomComplex(12 * 9, 4, 'axis2d');
    const y = fftcAxis(fftcAxis(x, [12, 9], 1, false), [12, 9], 0, false);
    expect(relErr(y, fft2c(x, 12, 9))).toBeLessThan(1e-6);
  });

  it('rejects a bad axis or shape', () => {
    expect(() => fftcAxis(new Float32Array(24), [3, 4], 2, false)).toThrow(RangeError);
    expect(() => fftcAxis(new Float32Array(24), [3, 4], -3, false)).toThrow(RangeError);
    expect(() => fftcAxis(new Float32Array(24), [3, 5], 0, false)).toThrow(RangeError);
  });
});

describe('plans', () => {
  it('pick mixed radix for smooth sizes and Bluestein for large prime factors', () => {
    expect(getPlan(320).algorithm).toBe('mixed-radix');
    expect(getPlan(368).algorithm).toBe('mixed-radix'); // 16 * 23
    expect(getPlan(218).algorithm).toBe('bluestein'); // 2 * 109
    expect(getPlan(1).algorithm).toBe('identity');
    expect(getPlan(256)).toBe(getPlan(256)); // cached
    const f = factorize(320);
    expect(f.reduce((a, b) => a * b, 1)).toBe(320);
    expect([f[0], f[f.length - 1]]).toEqual([4, 4]); // fusable first and last stages
  });

  it('forward/inverse on one interleaved float64 signal are the plain unnormalised DFT', () => {
    for (const n of [6, 23, 64, 218]) {
      const x = randomComplex(n, n, 'plan');
      const z = Float64Array.from(x);
      getPlan(n).forward(z);
      // the plain DFT is the centred one without shifts or scaling: check one bin
      for (const k of [0, 1, n - 1]) {
        let re = 0, im = 0;
        for (let j = 0; j < n; j++) {
          const a = (-2 * Math.PI * ((k * j) % n)) / n;
          re += x[2 * j]! * Math.cos(a) - x[2 * j + 1]! * Math.sin(a);
          im += x[2 * j]! * Math.sin(a) + x[2 * j + 1]! * Math.cos(a);
        }
        expect(Math.hypot(z[2 * k]! - re, z[2 * k + 1]! - im), `n=${n} k=${k}`).toBeLessThan(1e-9 * n);
      }
      getPlan(n).inverse(z);
      for (let i = 0; i < z.length; i++) z[i]! /= n;
      expect(relErr(z, x)).toBeLessThan(1e-12);
    }
  });
});
