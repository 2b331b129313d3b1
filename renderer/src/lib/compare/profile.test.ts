import { describe, expect, it } from 'vitest';
import { bilinear, lineProfile, sampleCount } from './profile';

// 3 x 2 image: value = 10·x + y at pixel (x, y).
const data = new Float32Array([0, 10, 20, 1, 11, 21]);

describe('line profile', () => {
  it('reads pixel centres exactly and interpolates between them', () => {
    expect(bilinear(data, 3, 2, 0.5, 0.5)).toBe(0);
    expect(bilinear(data, 3, 2, 2.5, 1.5)).toBe(21);
    expect(bilinear(data, 3, 2, 1.0, 0.5)).toBeCloseTo(5);
    expect(bilinear(data, 3, 2, 1.5, 1.0)).toBeCloseTo(10.5);
  });

  it('is NaN outside the image', () => {
    expect(bilinear(data, 3, 2, -1, 0.5)).toBeNaN();
    expect(bilinear(data, 3, 2, 0.5, 5)).toBeNaN();
  });

  it('samples one point per pixel of length, ends included', () => {
    const line = { x0: 0.5, y0: 0.5, x1: 2.5, y1: 0.5 };
    expect(sampleCount(line)).toBe(3);
    expect(Array.from(lineProfile(data, 3, 2, line))).toEqual([0, 10, 20]);
  });
});
