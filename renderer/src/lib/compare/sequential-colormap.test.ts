import { describe, expect, it } from 'vitest';
import { applyWindow, colormapLut, robustWindow, sequentialGradient, sequentialRgb } from './window-level';

/** CIE L* of an sRGB colour (D65), the lightness a reader perceives. */
function lightness([r, g, b]: [number, number, number]): number {
  const lin = (v: number): number => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const y = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  return y > 216 / 24389 ? 116 * Math.cbrt(y) - 16 : (y * 24389) / 27;
}

describe('sequential colour map', () => {
  it('runs from black to white', () => {
    expect(sequentialRgb(0)).toEqual([0, 0, 0]);
    expect(sequentialRgb(1)).toEqual([255, 255, 255]);
    expect(sequentialRgb(-3)).toEqual([0, 0, 0]);
    expect(sequentialRgb(7)).toEqual([255, 255, 255]);
  });

  it('gets strictly lighter at every one of its 256 steps', () => {
    let prev = -1;
    let smallest = Infinity;
    for (let i = 0; i < 256; i++) {
      const l = lightness(sequentialRgb(i / 255));
      smallest = Math.min(smallest, l - prev);
      prev = l;
    }
    expect(smallest).toBeGreaterThan(0);
    // And roughly evenly: lightness at the middle is near the middle.
    expect(lightness(sequentialRgb(0.5))).toBeGreaterThan(35);
    expect(lightness(sequentialRgb(0.5))).toBeLessThan(65);
  });

  it('is a colour map, not grey: the middle has hue', () => {
    const [r, g, b] = sequentialRgb(0.5);
    expect(Math.max(r, g, b) - Math.min(r, g, b)).toBeGreaterThan(40);
  });

  it('fills the lookup table the Canvas2D path uses', () => {
    const lut = colormapLut('sequential');
    const out = new Uint32Array(3);
    applyWindow(new Float32Array([0, 5, 10]), { width: 10, level: 5 }, lut, out);
    const rgb = (p: number): number[] => [p & 255, (p >>> 8) & 255, (p >>> 16) & 255];
    expect(rgb(out[0] ?? 0)).toEqual([0, 0, 0]);
    expect(rgb(out[2] ?? 0)).toEqual([255, 255, 255]);
    expect(rgb(out[1] ?? 0)).toEqual(sequentialRgb(128 / 255));
  });

  it('describes its colour bar as a CSS gradient from black to white', () => {
    const g = sequentialGradient(5);
    expect(g.startsWith('linear-gradient(90deg, rgb(0 0 0)')).toBe(true);
    expect(g.endsWith('rgb(255 255 255))')).toBe(true);
  });
});

describe('robustWindow', () => {
  it('spans 0 to a high quantile, so a few hot pixels do not squeeze the rest', () => {
    const data = new Float32Array(1000).map((_, i) => i / 1000);
    data[999] = 500;
    const wl = robustWindow(data, 0.99);
    expect(wl.level - wl.width / 2).toBe(0);
    expect(wl.width).toBeCloseTo(0.989, 3);
  });

  it('ignores NaN, respects the cap and is never zero wide', () => {
    expect(robustWindow(new Float32Array([NaN, 2, 4, NaN]), 1).width).toBe(4);
    expect(robustWindow(new Float32Array([1, 2, 30]), 1, 3).width).toBe(3);
    expect(robustWindow(new Float32Array([0, 0]), 0.99, 2).width).toBe(2);
    expect(robustWindow(new Float32Array([0, 0])).width).toBe(1);
  });
});
