/**
 * Minimal PNG encoder for greyscale images (8- or 16-bit) with text chunks.
 * Written here rather than pulled in because 16-bit greyscale with tEXt is a
 * few dozen lines and must be exact: samples are big-endian per the PNG spec,
 * every row has filter byte 0 (None) and the IDAT stream is zlib (RFC 1950).
 */
import { deflateSync } from 'node:zlib';

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array, crc = 0xffffffff): number {
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return crc;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  const crc = crc32(data, crc32(Buffer.from(type, 'latin1'))) ^ 0xffffffff;
  out.writeUInt32BE(crc >>> 0, 8 + data.length);
  return out;
}

/** tEXt: keyword (1-79 Latin-1 chars), NUL, text. Non-Latin-1 text is escaped as \uXXXX. */
function textChunk(keyword: string, text: string): Buffer {
  if (!/^[\x20-\x7e]{1,79}$/.test(keyword) || keyword !== keyword.trim()) throw new RangeError(`invalid PNG text keyword "${keyword}"`);
  const safe = text.replace(/[^\x0a\x20-\x7e\xa0-\xff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return chunk('tEXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(safe, 'latin1')]));
}

export interface PngImage {
  width: number;
  height: number;
  /** Row-major greyscale samples: Uint16Array for 16-bit, Uint8Array for 8-bit. */
  pixels: Uint16Array | Uint8Array;
  text?: Record<string, string>;
}

export function encodePng({ width, height, pixels, text = {} }: PngImage): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`PNG size must be positive integers, got ${width}x${height}`);
  }
  if (pixels.length !== width * height) throw new RangeError(`PNG needs ${width * height} samples, got ${pixels.length}`);
  const depth = pixels instanceof Uint16Array ? 16 : 8;
  const bpp = depth / 8;
  const raw = Buffer.alloc(height * (1 + width * bpp));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * bpp);
    raw[row] = 0;
    for (let x = 0; x < width; x++) {
      const v = pixels[y * width + x]!;
      if (depth === 16) raw.writeUInt16BE(v, row + 1 + 2 * x);
      else raw[row + 1 + x] = v;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = 0; // greyscale
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering (all rows use filter 0)
  ihdr[12] = 0; // no interlace
  const texts = Object.entries(text).map(([k, v]) => textChunk(k, v));
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    ...texts,
    chunk('IDAT', deflateSync(raw, { level: 6 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/**
 * Float image -> 16-bit "original values": v * scale, rounded and clipped to
 * [0, 65535]. The scale is recorded by the caller so values can be mapped back.
 */
export function toUint16(image: Float32Array, scale: number): Uint16Array {
  const out = new Uint16Array(image.length);
  for (let i = 0; i < image.length; i++) {
    const v = Math.round(image[i]! * scale);
    out[i] = v < 0 || Number.isNaN(v) ? 0 : v > 65535 ? 65535 : v;
  }
  return out;
}

/** Flip rows in place order (returns a copy) for display orientation. */
export function flipRows<T extends Uint16Array | Uint8Array | Float32Array>(pixels: T, width: number, height: number): T {
  const out = pixels.slice() as T;
  for (let y = 0; y < height; y++) out.set(pixels.subarray((height - 1 - y) * width, (height - y) * width), y * width);
  return out;
}

/**
 * Adds tEXt chunks to an existing PNG (e.g. one sharp encoded), right after
 * IHDR, so colour exports carry the same provenance as the 16-bit ones.
 */
export function insertPngText(png: Uint8Array, text: Record<string, string>): Buffer {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (!buf.subarray(0, 8).equals(Buffer.from(SIGNATURE)) || buf.toString('latin1', 12, 16) !== 'IHDR') throw new RangeError('not a PNG (no signature/IHDR)');
  const ihdrEnd = 8 + 12 + buf.readUInt32BE(8);
  const texts = Object.entries(text).map(([k, v]) => textChunk(k, v));
  return Buffer.concat([buf.subarray(0, ihdrEnd), ...texts, buf.subarray(ihdrEnd)]);
}
