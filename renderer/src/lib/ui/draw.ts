/**
 * Turning the engine's images into canvas pixels. Thumbnails and acquisition
 * previews only: the comparison workspace (lib/viewer) has its own renderer.
 */
import type { ByteImage, SliceImage } from '@contracts';

/** Grey RGBA pixels of a float image windowed linearly from lo (black) to hi (white). */
export function floatToRgba(data: Float32Array, lo: number, hi: number): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(data.length * 4);
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] ?? 0;
    // NaN (a masked pixel) draws black rather than poisoning the canvas.
    const g = Number.isFinite(v) ? (v - lo) * scale : 0;
    const j = i * 4;
    out[j] = out[j + 1] = out[j + 2] = g;
    out[j + 3] = 255;
  }
  return out;
}

/** Draws a slice with its volume min/max as the window; resizes the canvas to the image. */
export function drawSlice(canvas: HTMLCanvasElement, img: SliceImage): void {
  const data = new Float32Array(img.data);
  if (data.length < img.width * img.height) return; // a truncated buffer: draw nothing rather than garbage
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.putImageData(new ImageData(floatToRgba(data, img.min, img.max), img.width, img.height), 0, 0);
}

/** Draws a 0/1 (or 0..255) mask: sampled points in the accent colour on black. */
export function drawMask(canvas: HTMLCanvasElement, img: ByteImage, rgb: [number, number, number] = [95, 179, 173]): void {
  const bytes = new Uint8Array(img.data);
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const max = bytes.reduce((m, v) => (v > m ? v : m), 0) || 1;
  const out = new Uint8ClampedArray(img.width * img.height * 4);
  for (let i = 0; i < img.width * img.height; i++) {
    const a = (bytes[i] ?? 0) / max;
    out[i * 4] = rgb[0] * a;
    out[i * 4 + 1] = rgb[1] * a;
    out[i * 4 + 2] = rgb[2] * a;
    out[i * 4 + 3] = 255;
  }
  ctx.putImageData(new ImageData(out, img.width, img.height), 0, 0);
}
