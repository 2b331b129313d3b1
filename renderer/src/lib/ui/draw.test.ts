import { describe, expect, it } from 'vitest';
import { floatToRgba } from './draw';

describe('floatToRgba', () => {
  it('windows linearly and clamps outside the window', () => {
    const px = floatToRgba(new Float32Array([-1, 0, 5, 10, 20, Number.NaN]), 0, 10);
    const grey = [0, 1, 2, 3, 4, 5].map((i) => px[i * 4]);
    expect(grey).toEqual([0, 0, 128, 255, 255, 0]);
    expect(px[3]).toBe(255);
    expect(px[9]).toBe(px[8]); // grey: r = g = b
  });
  it('draws a flat image black instead of dividing by zero', () => {
    expect(Array.from(floatToRgba(new Float32Array([3, 3]), 3, 3)).filter((_, i) => i % 4 === 0)).toEqual([0, 0]);
  });
});
