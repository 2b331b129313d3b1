import { describe, expect, it } from 'vitest';
import { applyWindow, colormapLut, difference, divergingRgb, dragWindow, formatValue, presetWindow, symmetricWindow, windowBounds, windowed } from './window-level';

describe('window/level', () => {
  it('maps the window ends to 0 and 1 and clamps outside', () => {
    const wl = { width: 100, level: 50 };
    expect(windowBounds(wl)).toEqual([0, 100]);
    expect(windowed(0, wl)).toBe(0);
    expect(windowed(25, wl)).toBeCloseTo(0.25);
    expect(windowed(100, wl)).toBe(1);
    expect(windowed(-5, wl)).toBe(0);
    expect(windowed(500, wl)).toBe(1);
    expect(windowed(Number.NaN, wl)).toBe(0);
  });

  it('derives presets from the volume range, whatever its units', () => {
    expect(presetWindow('auto', 0, 4000)).toEqual({ width: 4000, level: 2000 });
    const soft = presetWindow('soft', 10, 20);
    expect(soft.width).toBeCloseTo(6);
    expect(soft.level).toBeCloseTo(14);
    // Narrower than auto: more contrast.
    expect(presetWindow('contrast', 0, 1).width).toBeLessThan(presetWindow('auto', 0, 1).width);
  });

  it('drags width horizontally and level vertically, never to a zero width', () => {
    const start = { width: 100, level: 50 };
    const w = dragWindow(start, 60, 0, 600);
    expect(w.width).toBeCloseTo(160);
    expect(w.level).toBe(50);
    const l = dragWindow(start, 0, -30, 600);
    expect(l.level).toBeCloseTo(80);
    expect(dragWindow(start, -10_000, 0, 600).width).toBeGreaterThan(0);
  });

  it('the Canvas2D path writes the same grey as the mapping', () => {
    const lut = colormapLut('gray');
    const out = new Uint32Array(4);
    applyWindow(new Float32Array([0, 50, 100, Number.NaN]), { width: 100, level: 50 }, lut, out);
    const grey = (v: number): number => (v >>> 0) & 0xff;
    expect(grey(out[0] ?? 0)).toBe(0);
    expect(grey(out[1] ?? 0)).toBe(128);
    expect(grey(out[2] ?? 0)).toBe(255);
    expect(out[3]).toBe(out[0]); // NaN draws black
    expect((out[2] ?? 0) >>> 24).toBe(255); // opaque
  });

  it('the diverging map is blue below, white at zero, red above', () => {
    const [r0, , b0] = divergingRgb(0);
    expect(b0).toBeGreaterThan(r0);
    expect(divergingRgb(0.5)).toEqual([255, 255, 255]);
    const [r1, , b1] = divergingRgb(1);
    expect(r1).toBeGreaterThan(b1);
  });

  it('differences and their symmetric scale', () => {
    const d = difference(new Float32Array([3, 1]), new Float32Array([1, 4]));
    expect(Array.from(d)).toEqual([2, -3]);
    const wl = symmetricWindow(0.1, 200);
    expect(windowBounds(wl)).toEqual([-20, 20]);
    expect(windowed(0, wl)).toBeCloseTo(0.5);
  });

  it('formats readouts briefly', () => {
    expect(formatValue(1234.4)).toBe('1234');
    expect(formatValue(0.012345)).toBe('0.0123');
    expect(formatValue(Number.NaN)).toBe('–');
  });
});
