/**
 * Comparison montage: a grid with one row per method and one column per
 * slice, each tile windowed with one shared window (so methods compare
 * fairly) and labelled with method, slice and, when known, PSNR/SSIM.
 */
import sharp, { type OverlayOptions } from 'sharp';
import { applyWindow, autoWindow, colorize, labelSvg, type Colormap } from './display';

export interface MontageTile {
  method: string;
  slice: number;
  width: number;
  height: number;
  /** Plane in display orientation. */
  pixels: Float32Array;
  metrics?: { psnr: number; ssim: number };
}

export async function encodeMontage(tiles: MontageTile[], opts: { colormap?: Colormap; gap?: number } = {}): Promise<Buffer> {
  if (tiles.length === 0) throw new RangeError('montage needs at least one tile');
  const methods = [...new Set(tiles.map((t) => t.method))];
  const slices = [...new Set(tiles.map((t) => t.slice))].sort((a, b) => a - b);
  const tw = Math.max(...tiles.map((t) => t.width));
  const th = Math.max(...tiles.map((t) => t.height));
  const gap = opts.gap ?? 4;
  // One window for all tiles: from the first method's planes (typically the baseline).
  const all = new Float32Array(tiles.reduce((n, t) => n + t.pixels.length, 0));
  let off = 0;
  for (const t of tiles) {
    all.set(t.pixels, off);
    off += t.pixels.length;
  }
  const win = autoWindow(all);
  const W = slices.length * tw + (slices.length + 1) * gap;
  const H = methods.length * th + (methods.length + 1) * gap;
  const layers: OverlayOptions[] = [];
  for (const t of tiles) {
    const rgb = colorize(applyWindow(t.pixels, win), opts.colormap ?? 'grey');
    const label = [`${t.method}  slice ${t.slice}`];
    if (t.metrics) label.push(`PSNR ${t.metrics.psnr.toFixed(2)} dB  SSIM ${t.metrics.ssim.toFixed(3)}`);
    const tile = await sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width: t.width, height: t.height, channels: 3 } })
      .composite([{ input: labelSvg(t.width, t.height, label), top: 0, left: 0 }])
      .png()
      .toBuffer();
    const r = methods.indexOf(t.method);
    const c = slices.indexOf(t.slice);
    layers.push({ input: tile, left: gap + c * (tw + gap), top: gap + r * (th + gap) });
  }
  return sharp({ create: { width: W, height: H, channels: 3, background: { r: 24, g: 24, b: 24 } } })
    .composite(layers)
    .png({ compressionLevel: 6 })
    .toBuffer();
}
