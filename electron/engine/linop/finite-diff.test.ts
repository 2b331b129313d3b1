import { describe, expect, it } from 'vitest';
import { createRng } from '../array';
import { finiteDiffOp } from './finite-diff';

describe('finiteDiffOp.normal (G^H G in one pass)', () => {
  for (const boundary of ['periodic', 'neumann'] as const) {
    for (const [ny, nx] of [[9, 12], [1, 5], [2, 2], [16, 16]] as const) {
      it(`${boundary} ${ny}x${nx}: equals G^H G`, () => {
        const rng = createRng(ny * 31 + nx, 'fd-normal');
        const x = Float32Array.from({ length: 2 * ny * nx }, () => rng.normal());
        const G = finiteDiffOp(ny, nx, boundary);
        const want = G.adjoint(G.apply(x)), got = G.normal(x);
        for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 5);
      });
    }
  }

  it('checks the input length', () => {
    expect(() => finiteDiffOp(4, 4).normal(new Float32Array(10))).toThrow(/expected 4x4/);
  });
});
