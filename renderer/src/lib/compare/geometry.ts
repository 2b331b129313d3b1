/**
 * Where an image sits in a viewport. A view is a zoom relative to "fit" and
 * the image point shown at the viewport's centre, in normalised image
 * coordinates (0..1 on each axis). Both are independent of the canvas size,
 * so synced viewports of different sizes show the same region.
 */

export interface View {
  /** 1 = the whole image fits; 2 = twice as large. */
  zoom: number;
  /** Image point at the viewport centre, normalised (0.5, 0.5 = the image centre). */
  cx: number;
  cy: number;
}

export const FIT_VIEW: View = { zoom: 1, cx: 0.5, cy: 0.5 };
export const MIN_ZOOM = 0.25;
export const MAX_ZOOM = 32;

export interface ImageSize {
  width: number;
  height: number;
  /** Physical pixel size [dy, dx] (mm); absent = square pixels. */
  spacing?: readonly [number, number] | undefined;
}

/** CSS pixels per image pixel along x and y, for a canvas of cw × ch CSS pixels. */
export function pixelScale(img: ImageSize, cw: number, ch: number, zoom: number): [number, number] {
  const [dy, dx] = img.spacing && img.spacing[0] > 0 && img.spacing[1] > 0 ? img.spacing : [1, 1];
  // Aspect: a pixel is dx wide and dy tall; normalise so the smaller side is 1.
  const m = Math.min(dx, dy);
  const ax = dx / m;
  const ay = dy / m;
  const fit = Math.min(cw / (img.width * ax), ch / (img.height * ay));
  const s = (Number.isFinite(fit) && fit > 0 ? fit : 1) * zoom;
  return [s * ax, s * ay];
}

/** The image rectangle on screen: [left, top, width, height] in CSS pixels. */
export function imageRect(img: ImageSize, cw: number, ch: number, v: View): [number, number, number, number] {
  const [kx, ky] = pixelScale(img, cw, ch, v.zoom);
  const w = img.width * kx;
  const h = img.height * ky;
  return [cw / 2 - v.cx * w, ch / 2 - v.cy * h, w, h];
}

/** Image pixel coordinates (continuous; pixel centres at i + 0.5) under a screen point. */
export function screenToImage(img: ImageSize, cw: number, ch: number, v: View, x: number, y: number): [number, number] {
  const [left, top, w, h] = imageRect(img, cw, ch, v);
  return [((x - left) / w) * img.width, ((y - top) / h) * img.height];
}

export function imageToScreen(img: ImageSize, cw: number, ch: number, v: View, ix: number, iy: number): [number, number] {
  const [left, top, w, h] = imageRect(img, cw, ch, v);
  return [left + (ix / img.width) * w, top + (iy / img.height) * h];
}

export function clampZoom(z: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z));
}

/** Normalised image units per CSS pixel along x and y at this view. */
function unitsPerPixel(img: ImageSize, v: View, cw: number, ch: number): [number, number] {
  const [kx, ky] = pixelScale(img, cw, ch, v.zoom);
  return [1 / (img.width * kx), 1 / (img.height * ky)];
}

/**
 * Zooms by `factor` keeping the image point under the cursor (x, y) where it
 * is: that point's offset from the canvas centre, in image units, shrinks by
 * the zoom ratio, and the centre takes up the difference.
 */
export function zoomAbout(img: ImageSize, v: View, factor: number, x: number, y: number, cw: number, ch: number): View {
  const zoom = clampZoom(v.zoom * factor);
  const f = zoom / v.zoom;
  if (f === 1) return v;
  const [ux, uy] = unitsPerPixel(img, v, cw, ch);
  const ox = (x - cw / 2) * ux;
  const oy = (y - ch / 2) * uy;
  return { zoom, cx: v.cx + ox - ox / f, cy: v.cy + oy - oy / f };
}

/** Moves the view by a screen drag of (dx, dy) CSS pixels (the image follows the pointer). */
export function panBy(img: ImageSize, v: View, dx: number, dy: number, cw: number, ch: number): View {
  const [ux, uy] = unitsPerPixel(img, v, cw, ch);
  return { zoom: v.zoom, cx: v.cx - dx * ux, cy: v.cy - dy * uy };
}
