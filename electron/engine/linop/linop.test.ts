import { describe, expect, it } from 'vitest';
import { createRng, norm2 } from '../array';
import { expectAdjoint, expectLinear } from './expect-linop';
import type { LinOp } from './linop';
import { adjointOp, compose, identity, normalOp, scaled } from './linop';
import { fourierOp, maskOp, senseOp, sensOp } from './mri';

function randomMask(ny: number, nx: number, seed: number): Float32Array {
  const rng = createRng(seed, 'test-mask');
  const m = new Float32Array(ny * nx);
  for (let i = 0; i < m.length; i++) m[i] = rng.next() < 0.4 ? 1 : 0;
  return m;
}

function randomMaps(coils: number, ny: number, nx: number, seed: number): Float32Array {
  const rng = createRng(seed, 'test-maps');
  const s = new Float32Array(2 * coils * ny * nx);
  for (let i = 0; i < s.length; i++) s[i] = rng.normal();
  return s;
}

const cases: Array<[string, () => LinOp]> = [
  ['identity', () => identity([5, 7])],
  ['fourier even', () => fourierOp([16, 12])],
  ['fourier odd', () => fourierOp([9, 7])],
  ['fourier batched prime', () => fourierOp([3, 11, 13])],
  ['mask', () => maskOp(randomMask(10, 6, 1), [2, 10, 6])],
  ['coil sensitivities', () => sensOp(randomMaps(4, 8, 10, 3), 4, 8, 10)],
  ['SENSE', () => senseOp(randomMaps(3, 12, 9, 4), randomMask(12, 9, 5), 3, 12, 9)],
  ['adjoint of SENSE', () => adjointOp(senseOp(randomMaps(2, 8, 8, 6), randomMask(8, 8, 7), 2, 8, 8))],
  ['normal of SENSE', () => normalOp(senseOp(randomMaps(2, 8, 8, 6), randomMask(8, 8, 7), 2, 8, 8))],
  ['scaled fourier', () => scaled(fourierOp([6, 10]), -0.5)],
];

describe('every operator', () => {
  for (const [name, make] of cases) {
    it(`${name}: adjoint and linearity`, () => {
      const op = make();
      expectAdjoint(op);
      expectLinear(op);
    });
  }
});

describe('operator properties', () => {
  it('the Fourier operator is unitary (F^H F = I, norm preserved)', () => {
    const op = fourierOp([14, 10]);
    const rng = createRng(9, 'x');
    const x = new Float32Array(2 * 140).map(() => rng.normal());
    const y = op.apply(x);
    expect(Math.abs(norm2(y) - norm2(x)) / norm2(x)).toBeLessThan(1e-5);
    const back = op.adjoint(y);
    for (let i = 0; i < x.length; i++) expect(back[i]).toBeCloseTo(x[i]!, 4);
  });

  it('the mask zeroes unsampled entries exactly and keeps sampled ones', () => {
    const mask = randomMask(6, 5, 2);
    const op = maskOp(mask, [6, 5]);
    const x = new Float32Array(60).fill(3);
    const y = op.apply(x);
    for (let i = 0; i < 30; i++) {
      expect(y[2 * i]).toBe(mask[i] ? 3 : 0);
      expect(y[2 * i + 1]).toBe(mask[i] ? 3 : 0);
    }
  });

  it('compose applies right to left and refuses mismatched shapes', () => {
    const two = scaled(identity([4]), 2);
    const three = scaled(identity([4]), 3);
    const x = new Float32Array([1, 0, 0, 1, 2, 2, -1, 0]);
    expect(Array.from(compose(two, three).apply(x))).toEqual(Array.from(x).map((v) => 6 * v));
    expect(() => compose(fourierOp([4, 4]), identity([3, 3]))).toThrow(/expects \[4x4\] but I gives \[3x3\]/);
    expect(() => fourierOp([4, 4]).apply(new Float32Array(10))).toThrow(/F: input has 5 complex values/);
  });

  it('SENSE with unit-norm maps and a full mask preserves energy', () => {
    const coils = 3, ny = 8, nx = 6;
    const maps = randomMaps(coils, ny, nx, 11);
    for (let p = 0; p < ny * nx; p++) {
      let ss = 0;
      for (let c = 0; c < coils; c++) ss += maps[2 * (c * ny * nx + p)]! ** 2 + maps[2 * (c * ny * nx + p) + 1]! ** 2;
      for (let c = 0; c < coils; c++) {
        maps[2 * (c * ny * nx + p)]! /= Math.sqrt(ss);
        maps[2 * (c * ny * nx + p) + 1]! /= Math.sqrt(ss);
      }
    }
    const op = senseOp(maps, new Float32Array(ny * nx).fill(1), coils, ny, nx);
    const rng = createRng(12, 'x');
    const x = new Float32Array(2 * ny * nx).map(() => rng.normal());
    expect(Math.abs(norm2(op.apply(x)) - norm2(x)) / norm2(x)).toBeLessThan(1e-5);
  });
});
