/**
 * Baseline TIFF (little-endian) for one greyscale plane: uint16 or float32
 * (SampleFormat 3), uncompressed, one strip per ~64 KiB of rows, with
 * ImageDescription and Software carrying the provenance. Written here because
 * sharp cannot write float32 greyscale and the format is a few tags.
 */
export interface TiffImage {
  width: number;
  height: number;
  pixels: Uint16Array | Float32Array;
  description?: string;
  software?: string;
}

const SHORT = 3;
const LONG = 4;
const ASCII = 2;

export function encodeTiff({ width, height, pixels, description = '', software = 'Recon Studio' }: TiffImage): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) throw new RangeError(`TIFF size must be positive integers, got ${width}x${height}`);
  if (pixels.length !== width * height) throw new RangeError(`TIFF needs ${width * height} samples, got ${pixels.length}`);
  const float = pixels instanceof Float32Array;
  const bps = float ? 4 : 2;
  const rowBytes = width * bps;
  const rowsPerStrip = Math.max(1, Math.floor(65536 / rowBytes));
  const strips = Math.ceil(height / rowsPerStrip);
  // TIFF ASCII is 7-bit and NUL-terminated.
  const ascii = (s: string) => Buffer.from(s.replace(/[^\x20-\x7e\n]/g, '?') + '\0', 'latin1');
  const desc = ascii(description);
  const soft = ascii(software);
  const tags: Array<[number, number, number, number | Buffer]> = [];
  // [tag, type, count, value or bytes]
  const pixelBytes = height * rowBytes;
  // Layout: header(8) | pixels | strip offsets | strip counts | desc | soft | IFD
  let p = 8;
  const pixelAt = p;
  p += pixelBytes;
  const offsAt = p;
  p += 4 * strips;
  const countsAt = p;
  p += 4 * strips;
  const descAt = p;
  p += desc.length;
  const softAt = p;
  p += soft.length;
  p += p & 1; // IFD on a word boundary
  const ifdAt = p;
  tags.push([256, LONG, 1, width], [257, LONG, 1, height], [258, SHORT, 1, bps * 8], [259, SHORT, 1, 1], [262, SHORT, 1, 1]);
  tags.push([270, ASCII, desc.length, descAt]);
  tags.push([273, LONG, strips, strips === 1 ? pixelAt : offsAt], [277, SHORT, 1, 1], [278, LONG, 1, rowsPerStrip]);
  tags.push([279, LONG, strips, strips === 1 ? pixelBytes : countsAt], [284, SHORT, 1, 1], [305, ASCII, soft.length, softAt]);
  tags.push([339, SHORT, 1, float ? 3 : 1]);
  const total = ifdAt + 2 + tags.length * 12 + 4;
  const buf = Buffer.alloc(total);
  buf.write('II', 0, 'latin1');
  buf.writeUInt16LE(42, 2);
  buf.writeUInt32LE(ifdAt, 4);
  const view = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  // Host order is little-endian on every platform Electron ships for.
  view.copy(buf, pixelAt);
  for (let i = 0; i < strips; i++) {
    const rows = Math.min(rowsPerStrip, height - i * rowsPerStrip);
    buf.writeUInt32LE(pixelAt + i * rowsPerStrip * rowBytes, offsAt + 4 * i);
    buf.writeUInt32LE(rows * rowBytes, countsAt + 4 * i);
  }
  desc.copy(buf, descAt);
  soft.copy(buf, softAt);
  buf.writeUInt16LE(tags.length, ifdAt);
  tags.forEach(([tag, type, count, value], i) => {
    const e = ifdAt + 2 + 12 * i;
    buf.writeUInt16LE(tag, e);
    buf.writeUInt16LE(type, e + 2);
    buf.writeUInt32LE(count, e + 4);
    if (type === SHORT && count === 1) buf.writeUInt16LE(value as number, e + 8);
    else buf.writeUInt32LE(value as number, e + 8);
  });
  buf.writeUInt32LE(0, total - 4);
  return buf;
}
