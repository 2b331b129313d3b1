import { describe, expect, it } from 'vitest';
import { createRng, norm2 } from '../array';
import { expectAdjoint, expectLinear } from './expect-linop';
import { finiteDiffOp } from './finite-diff';
import { waveletOp, waveletShape } from './wavelet';

function rand(n: number, seed: number): Float32Array {
  const rng = createRng(seed, 'wavelet-test');
  return Float32Array.from({ length: 2 * n }, () => rng.normal());
}

describe('waveletOp', () => {
  for (const wavelet of ['haar', 'db4'] as const) {
    for (const [ny, nx, levels] of [[16, 16, 3], [32, 24, 2], [13, 10, 3], [7, 9, 4]] as const) {
      it(`${wavelet} ${ny}x${nx} L${levels}: adjoint, linear, W^H W = I`, () => {
        const W = waveletOp(ny, nx, { wavelet, levels });
        expectAdjoint(W);
        expectLinear(W);
        const x = rand(ny * nx, 3);
        const back = W.adjoint(W.apply(x));
        let err = 0;
        for (let i = 0; i < x.length; i++) err = Math.max(err, Math.abs(back[i]! - x[i]!));
        expect(err).toBeLessThan(1e-4);
        // Isometry: the coefficient energy equals the image energy (Parseval).
        expect(norm2(W.apply(x)) / norm2(x)).toBeCloseTo(1, 4);
      });
    }
  }

  it('pads non-dyadic sizes to a multiple of 2^levels and is square for dyadic ones', () => {
    expect(waveletShape(13, 10, 3)).toEqual({ py: 16, px: 16, levels: 3 });
    expect(waveletShape(96, 96, 4)).toEqual({ py: 96, px: 96, levels: 4 });
    // Square orthonormal: W W^H = I as well.
    const W = waveletOp(16, 16, { wavelet: 'db4', levels: 2 });
    const c = rand(256, 5);
    const back = W.apply(W.adjoint(c));
    for (let i = 0; i < c.length; i++) expect(Math.abs(back[i]! - c[i]!)).toBeLessThan(1e-4);
  });

  it('makes a smooth image sparse: a constant has one non-zero coefficient', () => {
    const W = waveletOp(16, 16, { wavelet: 'haar', levels: 4 });
    const x = new Float32Array(2 * 256);
    for (let i = 0; i < 256; i++) x[2 * i] = 1;
    const c = W.apply(x);
    let nonzero = 0;
    for (let i = 0; i < c.length; i++) if (Math.abs(c[i]!) > 1e-5) nonzero++;
    expect(nonzero).toBe(1);
    expect(c[0]).toBeCloseTo(16, 4);
  });

  it('rejects unknown wavelets and bad levels', () => {
    expect(() => waveletOp(8, 8, { wavelet: 'sym8' as 'haar' })).toThrow(/unknown wavelet/);
    expect(() => waveletOp(8, 8, { levels: 0 })).toThrow(/levels/);
  });
});

describe('finiteDiffOp', () => {
  for (const boundary of ['periodic', 'neumann'] as const) {
    it(`${boundary}: adjoint and linear, constant has zero gradient`, () => {
      const G = finiteDiffOp(9, 12, boundary);
      expect(G.oshape).toEqual([2, 9, 12]);
      expectAdjoint(G);
      expectLinear(G);
      const one = new Float32Array(2 * 108).fill(1);
      expect(norm2(G.apply(one))).toBe(0);
    });
  }

  it('computes forward differences along y then x', () => {
    const ny = 3, nx = 4;
    const x = new Float32Array(2 * ny * nx);
    for (let y = 0; y < ny; y++) for (let i = 0; i < nx; i++) x[2 * (y * nx + i)] = 10 * y + i;
    const g = finiteDiffOp(ny, nx, 'neumann').apply(x);
    expect(g[0]).toBe(10); // d/dy at (0,0)
    expect(g[2 * ny * nx]).toBe(1); // d/dx at (0,0)
    expect(g[2 * (2 * nx)]).toBe(0); // last row: Neumann
    const gp = finiteDiffOp(ny, nx, 'periodic').apply(x);
    expect(gp[2 * (2 * nx)]).toBe(-20); // wraps to row 0
  });
});
