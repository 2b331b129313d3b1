import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeMask } from './index';
import type { LineMaskSpec, Mask } from './index';

const SIZES = [218, 256, 320, 368];
const PAIRS: Array<[number, number]> = [[4, 0.08], [8, 0.04]];

/** Sampled rows of a row mask, checking each row is all 0 or all 1. */
function rowsOf(m: Mask): number[] {
  const [ny, nx] = m.shape;
  const rows: number[] = [];
  for (let y = 0; y < ny; y++) {
    let s = 0;
    for (let x = 0; x < nx; x++) s += m.data[y * nx + x]!;
    expect(s === 0 || s === nx).toBe(true);
    if (s === nx) rows.push(y);
  }
  return rows;
}

function spec(kind: LineMaskSpec['kind'], accel: number, centerFraction: number, seed: number): LineMaskSpec {
  return { kind, accel, centerFraction, seed };
}

afterEach(() => vi.restoreAllMocks());

describe('row masks', () => {
  it('are bit-identical for the same seed and differ for another seed', () => {
    for (const kind of ['random', 'equispaced', 'equispaced-fraction'] as const) {
      const a = makeMask(spec(kind, 4, 0.08, 11), 256, 8);
      const b = makeMask(spec(kind, 4, 0.08, 11), 256, 8);
      expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
      // Equispaced masks have only round(accel) possible offsets, so look for any differing seed.
      const differs = [12, 13, 14, 15, 16].some((s) => {
        const c = makeMask(spec(kind, 4, 0.08, s), 256, 8);
        return !Buffer.from(a.data.buffer).equals(Buffer.from(c.data.buffer));
      });
      expect(differs).toBe(true);
    }
  });

  it('never calls Math.random', () => {
    const spy = vi.spyOn(Math, 'random');
    for (const kind of ['random', 'equispaced', 'equispaced-fraction'] as const) makeMask(spec(kind, 8, 0.04, 3), 320, 4);
    makeMask({ kind: 'poisson', accel: 4, calib: 16, seed: 3 }, 64, 64);
    expect(spy).not.toHaveBeenCalled();
  });

  it('fully samples a centred block of round(n * centerFraction) rows', () => {
    for (const n of SIZES) {
      for (const [accel, cf] of PAIRS) {
        for (const kind of ['random', 'equispaced', 'equispaced-fraction'] as const) {
          const m = makeMask(spec(kind, accel, cf, 5), n, 3);
          const nLow = Math.round(n * cf);
          const pad = Math.floor((n - nLow + 1) / 2);
          expect(m.centerLines).toEqual([pad, pad + nLow]);
          const rows = new Set(rowsOf(m));
          for (let y = pad; y < pad + nLow; y++) expect(rows.has(y)).toBe(true);
          // The DC row (index n/2 in the centered layout) lies inside the block.
          expect(pad <= n >> 1 && n >> 1 < pad + nLow).toBe(true);
        }
      }
    }
  });

  it('random: every mask within 10% and the seed average within 5% of the request', () => {
    for (const n of SIZES) {
      for (const [accel, cf] of PAIRS) {
        let sum = 0;
        const seeds = [1, 2, 3, 4, 5];
        for (const seed of seeds) {
          const m = makeMask(spec('random', accel, cf, seed), n, 2);
          expect(m.accel).toBeCloseTo(n / rowsOf(m).length, 12);
          expect(Math.abs(m.accel / accel - 1)).toBeLessThan(0.1);
          sum += m.accel;
        }
        expect(Math.abs(sum / seeds.length / accel - 1)).toBeLessThan(0.05);
      }
    }
  });

  it('equispaced-fraction: total including the centre within 5% of the request, gaps floor/ceil of the adjusted spacing', () => {
    for (const n of SIZES) {
      for (const [accel, cf] of PAIRS) {
        for (const seed of [1, 2, 3]) {
          const m = makeMask(spec('equispaced-fraction', accel, cf, seed), n, 2);
          expect(Math.abs(m.accel / accel - 1)).toBeLessThan(0.05);
          const nLow = Math.round(n * cf);
          const adjusted = (accel * (nLow - n)) / (nLow * accel - n);
          const [c0, c1] = m.centerLines!;
          const outer = rowsOf(m).filter((y) => y < c0 - 1 || y > c1);
          const lower = outer.filter((y) => y < c0);
          const upper = outer.filter((y) => y >= c1);
          for (const side of [lower, upper]) {
            for (let i = 1; i < side.length; i++) {
              const gap = side[i]! - side[i - 1]!;
              expect(gap === Math.floor(adjusted) || gap === Math.ceil(adjusted)).toBe(true);
            }
          }
        }
      }
    }
  });

  it('equispaced: rows exactly accel apart outside the centre (GRAPPA style), so the centre lowers the achieved acceleration', () => {
    for (const n of SIZES) {
      for (const [accel, cf] of PAIRS) {
        const m = makeMask(spec('equispaced', accel, cf, 7), n, 2);
        const [c0, c1] = m.centerLines!;
        const outer = rowsOf(m).filter((y) => y < c0 || y >= c1);
        const offset = outer[0]! % accel;
        for (const y of outer) expect(y % accel).toBe(offset);
        // ... and every row of that lattice outside the centre is sampled.
        for (let y = offset; y < n; y += accel) if (y < c0 || y >= c1) expect(outer).toContain(y);
        const lattice = Math.ceil((n - offset) / accel);
        const inCentre = outer.length === 0 ? 0 : lattice - outer.length;
        expect(m.accel).toBeCloseTo(n / (lattice - inCentre + (c1 - c0)), 12);
        expect(m.accel).toBeLessThan(accel);
        expect(m.accel).toBeGreaterThan(0.7 * accel);
      }
    }
  });

  it('accepts centerFraction 0 and non-integer accelerations', () => {
    const m = makeMask(spec('random', 2.5, 0, 1), 200, 2);
    expect(m.centerLines).toBeUndefined();
    expect(m.accel).toBeCloseTo(2.5, 12);
    const e = makeMask(spec('equispaced-fraction', 3.5, 0.1, 1), 200, 2);
    expect(Math.abs(e.accel / 3.5 - 1)).toBeLessThan(0.05);
  });
});

describe('mask spec validation', () => {
  const ok: LineMaskSpec = { kind: 'random', accel: 4, centerFraction: 0.08, seed: 1 };
  it('names the bad field', () => {
    expect(() => makeMask({ ...ok, accel: 0 }, 64, 64)).toThrow(/accel must be > 1, got 0/);
    expect(() => makeMask({ ...ok, accel: 1 }, 64, 64)).toThrow(RangeError);
    expect(() => makeMask({ ...ok, accel: Number.NaN }, 64, 64)).toThrow(/accel/);
    expect(() => makeMask({ ...ok, centerFraction: -0.1 }, 64, 64)).toThrow(/centerFraction must be in \[0, 1\)/);
    expect(() => makeMask({ ...ok, centerFraction: 0.3 }, 64, 64)).toThrow(/centerFraction x accel/);
    expect(() => makeMask({ ...ok, seed: Number.POSITIVE_INFINITY }, 64, 64)).toThrow(/seed/);
    expect(() => makeMask({ ...ok, kind: 'spiral' as never }, 64, 64)).toThrow(/kind must be one of/);
    expect(() => makeMask(ok, 0, 64)).toThrow(/ny must be a positive integer, got 0/);
    expect(() => makeMask(ok, 64, 3.5)).toThrow(/nx must be a positive integer/);
    expect(() => makeMask({ kind: 'poisson', accel: 4, calib: -2, seed: 1 }, 64, 64)).toThrow(/calib must be a non-negative integer, got -2/);
    expect(() => makeMask({ kind: 'poisson', accel: 4, calib: 80, seed: 1 }, 64, 64)).toThrow(/calib must be <= min/);
    expect(() => makeMask({ kind: 'poisson', accel: 8, calib: 24, seed: 1 }, 64, 64)).toThrow(/calib 24 is too large for accel 8/);
  });
});
