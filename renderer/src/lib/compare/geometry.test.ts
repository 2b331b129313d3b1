import { describe, expect, it } from 'vitest';
import { FIT_VIEW, imageRect, imageToScreen, panBy, pixelScale, screenToImage, zoomAbout } from './geometry';

const img = { width: 200, height: 100 };

describe('viewport geometry', () => {
  it('fits the image and centres it', () => {
    expect(imageRect(img, 400, 400, FIT_VIEW)).toEqual([0, 100, 400, 200]);
  });

  it('honours anisotropic pixel spacing', () => {
    const [kx, ky] = pixelScale({ width: 100, height: 100, spacing: [2, 1] }, 400, 400, 1);
    expect(ky / kx).toBeCloseTo(2);
  });

  it('screen and image coordinates round-trip', () => {
    const v = { zoom: 2.5, cx: 0.3, cy: 0.7 };
    const [ix, iy] = screenToImage(img, 640, 480, v, 123, 321);
    const [x, y] = imageToScreen(img, 640, 480, v, ix, iy);
    expect(x).toBeCloseTo(123);
    expect(y).toBeCloseTo(321);
  });

  it('zooming keeps the image point under the cursor fixed', () => {
    const cursor: [number, number] = [90, 310];
    const before = screenToImage(img, 640, 480, FIT_VIEW, ...cursor);
    const v = zoomAbout(img, FIT_VIEW, 3, cursor[0], cursor[1], 640, 480);
    expect(v.zoom).toBe(3);
    const after = screenToImage(img, 640, 480, v, ...cursor);
    expect(after[0]).toBeCloseTo(before[0]);
    expect(after[1]).toBeCloseTo(before[1]);
  });

  it('zoom is clamped', () => {
    expect(zoomAbout(img, FIT_VIEW, 1e6, 0, 0, 100, 100).zoom).toBe(32);
  });

  it('panning moves the image with the pointer', () => {
    const v = panBy(img, FIT_VIEW, 40, 0, 400, 400);
    const [x] = imageToScreen(img, 400, 400, v, 100, 50);
    expect(x).toBeCloseTo(240);
  });
});
