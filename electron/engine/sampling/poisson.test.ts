import { describe, expect, it } from 'vitest';
import { makeMask } from './index';
import { densityLaw, discRadius, poissonGeometry, poissonMask } from './poisson';

function count(d: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i]!;
  return s;
}

describe('variable-density Poisson-disc masks', () => {
  const cases: Array<[number, number, number]> = [[256, 256, 4], [256, 256, 8], [218, 180, 4], [218, 180, 8]];

  it('hit the requested acceleration within 5% with a fully sampled calibration square', () => {
    for (const [ny, nx, accel] of cases) {
      const calib = 24;
      const m = makeMask({ kind: 'poisson', accel, calib, seed: 2 }, ny, nx);
      expect(m.shape).toEqual([ny, nx]);
      expect(m.accel).toBeCloseTo((ny * nx) / count(m.data), 10);
      expect(Math.abs(m.accel / accel - 1)).toBeLessThan(0.05);
      const cy0 = (ny >> 1) - calib / 2;
      const cx0 = (nx >> 1) - calib / 2;
      let calibOn = 0;
      for (let y = cy0; y < cy0 + calib; y++) for (let x = cx0; x < cx0 + calib; x++) calibOn += m.data[y * nx + x]!;
      expect(calibOn).toBe(calib * calib);
      expect(m.data.every((v) => v === 0 || v === 1)).toBe(true);
    }
  });

  it('are bit-identical for the same seed and differ for another', () => {
    const a = makeMask({ kind: 'poisson', accel: 6, calib: 20, seed: 9 }, 128, 96);
    const b = makeMask({ kind: 'poisson', accel: 6, calib: 20, seed: 9 }, 128, 96);
    const c = makeMask({ kind: 'poisson', accel: 6, calib: 20, seed: 10 }, 128, 96);
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(c.data.buffer))).toBe(false);
  });

  it('keep every pair of samples outside the calibration square at least the smaller disc radius apart', () => {
    const ny = 218, nx = 180, calib = 20;
    const res = poissonMask(ny, nx, 8, calib, 4);
    const g = poissonGeometry(ny, nx, calib);
    const law = densityLaw(res.t);
    const inCal = (y: number, x: number): boolean => y >= g.cy0 && y < g.cy0 + calib && x >= g.cx0 && x < g.cx0 + calib;
    let pairs = 0;
    let adjacent = 0;
    let violations = 0;
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const p = y * nx + x;
        if (!res.mask[p] || inCal(y, x)) continue;
        const [ry, rx] = discRadius(g, p, law);
        for (let yy = Math.max(0, y - 8); yy <= Math.min(ny - 1, y + 8); yy++) {
          for (let xx = Math.max(0, x - 8); xx <= Math.min(nx - 1, x + 8); xx++) {
            const q = yy * nx + xx;
            if (q <= p || !res.mask[q] || inCal(yy, xx)) continue;
            const [qy, qx] = discRadius(g, q, law);
            const dy = yy - y, dx = xx - x;
            // The later of the two was checked against its own disc, so the
            // pair respects at least the smaller of the two discs.
            const eMax = Math.max((dy / ry) ** 2 + (dx / rx) ** 2, (dy / qy) ** 2 + (dx / qx) ** 2);
            if (eMax < 1) violations++;
            pairs++;
            if (Math.abs(dy) === 1 && dx === 0) adjacent++;
          }
        }
      }
    }
    expect(pairs).toBeGreaterThan(1000);
    expect(violations).toBe(0);
    // Outside the centre the disc is taller than one row (the x radius may
    // clamp to 1 on this 218x180 grid), so no two samples sit one row apart.
    expect(adjacent).toBe(0);
  });

  it('is denser near the centre than at the edge', () => {
    const ny = 256, nx = 256;
    const m = makeMask({ kind: 'poisson', accel: 8, calib: 16, seed: 1 }, ny, nx);
    let inner = 0, innerN = 0, outer = 0, outerN = 0;
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const r = Math.hypot(y - ny / 2, x - nx / 2) / (ny / 2);
        if (r > 0.15 && r < 0.35) { inner += m.data[y * nx + x]!; innerN++; }
        if (r > 0.7 && r < 0.95) { outer += m.data[y * nx + x]!; outerN++; }
      }
    }
    expect(inner / innerN).toBeGreaterThan(2 * (outer / outerN));
  });

  it('reach low accelerations through a dense core (2x within 5%)', () => {
    const m = makeMask({ kind: 'poisson', accel: 2, calib: 24, seed: 1 }, 160, 160);
    expect(Math.abs(m.accel / 2 - 1)).toBeLessThan(0.05);
  });

  it('run 256x256 at 4x quickly', () => {
    makeMask({ kind: 'poisson', accel: 4, calib: 24, seed: 100 }, 64, 64); // warm the JIT
    const t0 = performance.now();
    makeMask({ kind: 'poisson', accel: 4, calib: 24, seed: 100 }, 256, 256);
    // Typically ~0.2-0.4 s; the bound leaves room for a loaded CI machine.
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
