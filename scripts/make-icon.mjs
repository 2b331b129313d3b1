#!/usr/bin/env node
// Draws the app icon (an Archimedean spiral k-space trajectory over a faint
// Cartesian sampling grid, on a near-black rounded square) and writes it as PNG
// with nothing but node:zlib, so the icon can be regenerated without an image
// editor or extra dependencies.
//
//   node scripts/make-icon.mjs   ->  resources/build/icon.png (512, packaging)
//                                    resources/icon.png       (256, window icon)
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const BG = [13, 14, 16];
const BG_EDGE = [28, 31, 35];
const GRID = [120, 126, 134];
const ACCENT = [95, 179, 173];

function render(size) {
  const s = size / 512; // all geometry is designed on a 512 canvas
  const rgba = new Float32Array(size * size * 4);
  const c = size / 2;

  // Rounded square with a soft radial lift toward the centre.
  const half = 236 * s;
  const radius = 104 * s;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const px = x + 0.5 - c;
      const py = y + 0.5 - c;
      const qx = Math.max(Math.abs(px) - (half - radius), 0);
      const qy = Math.max(Math.abs(py) - (half - radius), 0);
      const d = Math.hypot(qx, qy) - radius; // signed distance to the rounded square
      const alpha = Math.min(Math.max(0.5 - d, 0), 1);
      const t = Math.min(Math.hypot(px, py) / (half * 1.3), 1);
      const i = (y * size + x) * 4;
      for (let k = 0; k < 3; k++) rgba[i + k] = BG_EDGE[k] * (1 - t) * 0.55 + BG[k] * (1 - (1 - t) * 0.55);
      rgba[i + 3] = alpha;
    }
  }

  // Paints a colour with coverage `cov` over pixel (x, y), inside the square only.
  const paint = (x, y, colour, cov) => {
    if (x < 0 || y < 0 || x >= size || y >= size || cov <= 0) return;
    const i = (y * size + x) * 4;
    if (rgba[i + 3] === 0) return;
    for (let k = 0; k < 3; k++) rgba[i + k] = rgba[i + k] * (1 - cov) + colour[k] * cov;
  };

  // Faint Cartesian grid of k-space samples.
  const step = 32 * s;
  const dot = 2.2 * s;
  for (let gy = -6; gy <= 6; gy++) {
    for (let gx = -6; gx <= 6; gx++) {
      const cx = c + gx * step;
      const cy = c + gy * step;
      for (let y = Math.floor(cy - dot - 1); y <= cy + dot + 1; y++) {
        for (let x = Math.floor(cx - dot - 1); x <= cx + dot + 1; x++) {
          const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
          paint(x, y, GRID, 0.22 * Math.min(Math.max(dot + 0.5 - d, 0), 1));
        }
      }
    }
  }

  // The spiral as a polyline, anti-aliased by distance to each segment.
  const turns = 3.25;
  const rMax = 178 * s;
  const width = 15 * s;
  const cover = new Float32Array(size * size);
  const n = 1600;
  let prev = null;
  for (let j = 0; j <= n; j++) {
    const u = j / n;
    const theta = u * turns * 2 * Math.PI - Math.PI / 2;
    const r = u * rMax;
    const p = [c + r * Math.cos(theta), c + r * Math.sin(theta)];
    if (prev) {
      const [ax, ay] = prev;
      const [bx, by] = p;
      const w = width * (0.55 + 0.45 * u); // thinner at the centre, like a trajectory's slow start
      const x0 = Math.floor(Math.min(ax, bx) - w);
      const x1 = Math.ceil(Math.max(ax, bx) + w);
      const y0 = Math.floor(Math.min(ay, by) - w);
      const y1 = Math.ceil(Math.max(ay, by) + w);
      const vx = bx - ax;
      const vy = by - ay;
      const len2 = vx * vx + vy * vy || 1;
      for (let y = Math.max(y0, 0); y <= Math.min(y1, size - 1); y++) {
        for (let x = Math.max(x0, 0); x <= Math.min(x1, size - 1); x++) {
          const wx = x + 0.5 - ax;
          const wy = y + 0.5 - ay;
          const h = Math.min(Math.max((wx * vx + wy * vy) / len2, 0), 1);
          const d = Math.hypot(wx - vx * h, wy - vy * h);
          const cov = Math.min(Math.max(w / 2 + 0.5 - d, 0), 1);
          const idx = y * size + x;
          if (cov > cover[idx]) cover[idx] = cov;
        }
      }
    }
    prev = p;
  }
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) paint(x, y, ACCENT, cover[y * size + x]);

  // Bright centre: the k-space origin.
  const cr = 13 * s;
  for (let y = Math.floor(c - cr - 1); y <= c + cr + 1; y++) {
    for (let x = Math.floor(c - cr - 1); x <= c + cr + 1; x++) {
      const d = Math.hypot(x + 0.5 - c, y + 0.5 - c);
      paint(x, y, [226, 240, 238], Math.min(Math.max(cr + 0.5 - d, 0), 1));
    }
  }

  const bytes = Buffer.alloc(size * size * 4);
  for (let i = 0; i < rgba.length; i++) {
    const v = i % 4 === 3 ? rgba[i] * 255 : rgba[i];
    bytes[i] = Math.round(Math.min(Math.max(v, 0), 255));
  }
  return bytes;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  // Each scanline is prefixed by filter type 0 (none); zlib does the rest.
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

for (const [size, file] of [
  [512, 'resources/build/icon.png'],
  [256, 'resources/icon.png'],
]) {
  const out = join(root, file);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, encodePng(size, render(size)));
  console.log(`wrote ${file} (${size}x${size})`);
}
