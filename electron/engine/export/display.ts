/**
 * "As displayed" 8-bit export: window/level, a colormap (grey or viridis,
 * the perceptually uniform map from matplotlib, here as a 9-stop piecewise
 * linear approximation) and optional burned-in labels. Labels are an SVG
 * composited by sharp (librsvg with the system DejaVu font), so no browser.
 */
import sharp from 'sharp';

export type Colormap = 'grey' | 'viridis';
export const COLORMAPS: readonly Colormap[] = ['grey', 'viridis'];

const VIRIDIS: Array<[number, number, number]> = [
  [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
  [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
];

export interface Window {
  center: number;
  width: number;
}

/** Default window: 0 .. the 99.5th percentile, so a few hot pixels do not darken the image. */
export function autoWindow(pixels: Float32Array): Window {
  const v = Float32Array.from(pixels).sort();
  const hi = v[Math.min(v.length - 1, Math.floor(0.995 * (v.length - 1)))] ?? 1;
  const top = hi > 0 ? hi : 1;
  return { center: top / 2, width: top };
}

/** Window/level to 0..255 as DICOM PS3.3 C.11.2.1.2 (linear, with the 0.5 offset). */
export function applyWindow(pixels: Float32Array, w: Window): Uint8Array {
  const out = new Uint8Array(pixels.length);
  const width = Math.max(w.width, 1e-12);
  const lo = w.center - 0.5 - (width - 1) / 2;
  for (let i = 0; i < pixels.length; i++) {
    const t = (pixels[i]! - lo) / (width - 1 > 0 ? width - 1 : width);
    out[i] = t <= 0 || Number.isNaN(t) ? 0 : t >= 1 ? 255 : Math.round(t * 255);
  }
  return out;
}

export function colorize(grey: Uint8Array, map: Colormap): Uint8Array {
  const rgb = new Uint8Array(grey.length * 3);
  for (let i = 0; i < grey.length; i++) {
    const g = grey[i]!;
    if (map === 'grey') {
      rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = g;
      continue;
    }
    const f = (g / 255) * (VIRIDIS.length - 1);
    const k = Math.min(VIRIDIS.length - 2, Math.floor(f));
    const t = f - k;
    const a = VIRIDIS[k]!;
    const b = VIRIDIS[k + 1]!;
    for (let c = 0; c < 3; c++) rgb[3 * i + c] = Math.round(a[c]! + (b[c]! - a[c]!) * t);
  }
  return rgb;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** SVG of label lines in the top-left corner, white on a translucent black band. */
export function labelSvg(width: number, height: number, lines: string[]): Buffer {
  const size = Math.max(9, Math.min(16, Math.round(width / 28)));
  const band = lines.length * (size + 3) + 6;
  const text = lines
    .map((l, i) => `<text x="4" y="${4 + (i + 1) * (size + 3) - 3}" font-family="DejaVu Sans" font-size="${size}" fill="#fff">${escapeXml(l)}</text>`)
    .join('');
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect x="0" y="0" width="${width}" height="${Math.min(band, height)}" fill="#000" fill-opacity="0.55"/>${text}</svg>`,
  );
}

export interface DisplayPngOptions {
  window?: Window;
  colormap?: Colormap;
  labels?: string[];
  /** PNG text chunks are not written by sharp; provenance goes into EXIF-free metadata via a sidecar instead. */
}

/** 8-bit RGB PNG of one plane as displayed. */
export async function encodeDisplayPng(pixels: Float32Array, width: number, height: number, opts: DisplayPngOptions = {}): Promise<Buffer> {
  const grey = applyWindow(pixels, opts.window ?? autoWindow(pixels));
  const rgb = colorize(grey, opts.colormap ?? 'grey');
  let img = sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width, height, channels: 3 } });
  if (opts.labels?.length) img = img.composite([{ input: labelSvg(width, height, opts.labels), top: 0, left: 0 }]);
  return img.png({ compressionLevel: 6 }).toBuffer();
}
