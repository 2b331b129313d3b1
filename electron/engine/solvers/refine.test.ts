import { describe, expect, it } from 'vitest';
import { createRng, norm2 } from '../array';
import { senseOp } from '../linop';
import { refineToDiscrepancy } from './cg';

/** A 4-coil, 2x-undersampled SENSE problem (overdetermined: 2 measurements per pixel) with known truth. */
function problem(seed: number, sigma: number) {
  const ny = 16, nx = 12, coils = 4, plane = ny * nx;
  const rng = createRng(seed, 'refine-test');
  const sens = new Float32Array(2 * coils * plane);
  for (let i = 0; i < sens.length; i++) sens[i] = 0.5 + 0.3 * rng.normal();
  const mask = new Float32Array(plane);
  for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) mask[y * nx + x] = x % 2 === 0 || Math.abs(x - nx / 2) < 2 ? 1 : 0;
  const truth = new Float32Array(2 * plane).map(() => rng.normal());
  const A = senseOp(sens, mask, coils, ny, nx);
  const y = A.apply(truth);
  let sampled = 0;
  for (let k = 0; k < y.length; k += 2) {
    if (!mask[(k >> 1) % plane]) continue;
    sampled++;
    y[k]! += sigma * rng.normal();
    y[k + 1]! += sigma * rng.normal();
  }
  // A start near the truth but off the data: the truth plus a smooth error.
  const start = truth.map((v, i) => v + 0.3 * Math.cos(i / 17));
  return { A, y, truth, start, noiseEnergy: 2 * sigma * sigma * sampled };
}

const misfit = (A: ReturnType<typeof problem>['A'], x: Float32Array, y: Float32Array) => {
  const r = A.apply(x);
  for (let i = 0; i < r.length; i++) r[i]! -= y[i]!;
  return norm2(r);
};
const err = (x: Float32Array, t: Float32Array) => Math.sqrt(norm2(x.map((v, i) => v - t[i]!)) / norm2(t));

describe('refineToDiscrepancy (CGLS from an estimate, discrepancy stop)', () => {
  it('noiseless (target 0): fits the data, moving the estimate onto the truth; the start is not modified', () => {
    const { A, y, truth, start } = problem(1, 0);
    const keep = start.slice();
    const r = refineToDiscrepancy(A, y, start, { maxIters: 60, target: 0 });
    expect(start).toEqual(keep);
    expect(r.residual0).toBeCloseTo(misfit(A, start, y), 3);
    expect(r.residual).toBeCloseTo(misfit(A, r.x, y), 3);
    expect(r.residual).toBeLessThan(1e-6 * r.residual0);
    expect(err(r.x, truth)).toBeLessThan(1e-3);
    expect(err(start, truth)).toBeGreaterThan(0.1);
  });

  it('iterates only while the misfit exceeds the target', () => {
    const { A, y, start, noiseEnergy } = problem(2, 0.05);
    const target = 1.5 * noiseEnergy;
    const r = refineToDiscrepancy(A, y, start, { maxIters: 100, target });
    expect(r.stoppedBy).toBe('discrepancy');
    expect(r.iterations).toBeGreaterThan(0);
    expect(r.residual).toBeLessThanOrEqual(target);
    // One iteration fewer would still have been above the target.
    const before = refineToDiscrepancy(A, y, start, { maxIters: r.iterations - 1, target });
    expect(before.residual).toBeGreaterThan(target);
    expect(before.stoppedBy).toBe('iterations');
  });

  it('a start already within the noise level is returned unchanged (0 iterations)', () => {
    const { A, y, start } = problem(3, 0.05);
    const r = refineToDiscrepancy(A, y, start, { maxIters: 50, target: 10 * misfit(A, start, y) });
    expect(r.iterations).toBe(0);
    expect(r.stoppedBy).toBe('discrepancy');
    expect(r.x).toEqual(start);
  });

  it('maxIters 0 returns the start; bad options are refused by name', () => {
    const { A, y, start } = problem(4, 0);
    expect(refineToDiscrepancy(A, y, start, { maxIters: 0, target: 0 }).x).toEqual(start);
    expect(() => refineToDiscrepancy(A, y, start, { maxIters: -1, target: 0 })).toThrow(/maxIters/);
    expect(() => refineToDiscrepancy(A, y, start, { maxIters: 2.5, target: 0 })).toThrow(/maxIters/);
    expect(() => refineToDiscrepancy(A, y, start, { maxIters: 5, target: Number.NaN })).toThrow(/target/);
  });
});
