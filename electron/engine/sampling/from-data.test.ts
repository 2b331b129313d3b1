import { describe, expect, it } from 'vitest';
import { makeMask, maskFromData, maskFromKSpace } from './index';

describe('masks read off data', () => {
  it('maskFromData computes the achieved acceleration and finds the centre block of a row mask', () => {
    const m0 = makeMask({ kind: 'equispaced-fraction', accel: 4, centerFraction: 0.08, seed: 1 }, 256, 16);
    const m = maskFromData(m0.data, 256, 16);
    expect(m.spec).toEqual({ kind: 'data', accel: m0.accel });
    expect(m.accel).toBeCloseTo(m0.accel, 12);
    expect(m.data).not.toBe(m0.data);
    expect(Array.from(m.data)).toEqual(Array.from(m0.data));
    // The block may grow by a neighbouring outer row that happens to touch it.
    const [a, b] = m.centerLines!;
    expect(a).toBeLessThanOrEqual(m0.centerLines![0]);
    expect(b).toBeGreaterThanOrEqual(m0.centerLines![1]);
    expect(b - a).toBeLessThanOrEqual(m0.centerLines![1] - m0.centerLines![0] + 2);
  });

  it('maskFromData has no centre block for a 2D pattern and rejects bad data', () => {
    const p = makeMask({ kind: 'poisson', accel: 4, calib: 8, seed: 1 }, 40, 30);
    expect(maskFromData(p.data, 40, 30).centerLines).toBeUndefined();
    expect(() => maskFromData(new Float32Array(10), 4, 3)).toThrow(/expected ny\*nx/);
    expect(() => maskFromData(new Float32Array([0, 1, 0.5, 1]), 2, 2)).toThrow(/0 or 1, got 0.5 at index 2/);
    expect(() => maskFromData(new Float32Array(4), 2, 2)).toThrow(/no sampled entries/);
    expect(() => maskFromData(new Float32Array(4), 0, 2)).toThrow(/ny must be/);
  });

  it('maskFromKSpace marks entries non-zero in any coil, real or imaginary part', () => {
    const ny = 4, nx = 3, coils = 2;
    const k = new Float32Array(2 * coils * ny * nx);
    k[2 * 1] = 0.5; // coil 0, (0,1) real
    k[2 * (ny * nx + 5) + 1] = -1e-30; // coil 1, (1,2) imaginary, tiny but non-zero
    k[2 * 7] = 2; // coil 0, (2,1)
    k[2 * (ny * nx + 7)] = 3; // coil 1, same (2,1)
    const m = maskFromKSpace(k, coils, ny, nx);
    expect(Array.from(m.data)).toEqual([0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0]);
    expect(m.accel).toBeCloseTo(12 / 3, 12);
    expect(() => maskFromKSpace(k, 3, ny, nx)).toThrow(/expected 2\*coils\*ny\*nx/);
    expect(() => maskFromKSpace(k, 0, ny, nx)).toThrow(/coils must be a positive integer/);
  });
});
