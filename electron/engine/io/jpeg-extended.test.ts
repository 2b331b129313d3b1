/**
 * The 12-bit JPEG decoder against independent decoders: gdcm (through
 * pydicom, recorded in fixtures/dicom/expected.json by make-expected.py) for
 * pydicom's 12-bit JPEG Extended files, and libjpeg-turbo for 8-bit baseline
 * JPEGs that sharp (libvips) encodes here. Restart intervals, 16-bit DQT,
 * clamping and cropping use small streams written by a DC-only encoder below,
 * whose output values are exact by construction.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createRng, type ImageVolume } from '../array';
import { decodeJpegExtended } from './jpeg-extended';
import { loadVolume } from './load';

const PYDICOM = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const expected = JSON.parse(readFileSync(join(__dirname, 'fixtures/dicom/expected.json'), 'utf8')) as {
  files: Record<string, { sha256: string; mean: number; min: number; max: number }>;
};

/** The first fragment of the first frame: pydicom's 12-bit files hold one frame in one fragment. */
function firstFragment(file: string): Uint8Array {
  const b = new Uint8Array(readFileSync(file));
  for (let i = b.length - 4; i > 0; i--) {
    // The Basic Offset Table item (FFFE,E000) then the first fragment item, after (7FE0,0010) OB undefined length.
    if (b[i] === 0xe0 && b[i + 1] === 0x7f && b[i + 2] === 0x10 && b[i + 3] === 0x00) {
      let p = i + 12; // tag, VR OB, 2 reserved, length FFFFFFFF
      const dv = new DataView(b.buffer, b.byteOffset);
      p += 8 + dv.getUint32(p + 4, true); // skip the offset table
      return b.subarray(p + 8, p + 8 + dv.getUint32(p + 4, true));
    }
  }
  throw new Error(`no encapsulated Pixel Data in ${file}`);
}

/** Writes bits MSB first with JPEG byte stuffing. */
class BitWriter {
  bytes: number[] = [];
  private acc = 0;
  private n = 0;
  put(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.n === 8) this.flushByte();
    }
  }
  private flushByte(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0);
    this.acc = 0;
    this.n = 0;
  }
  /** Pads with 1-bits to a byte boundary, as encoders do before a marker. */
  align(): void {
    while (this.n !== 0) this.put(1, 1);
  }
}

interface DcOnly {
  width: number;
  height: number;
  /** One value per 8x8 block (row-major over blocks), the block's constant sample value. */
  blocks: number[];
  restart?: number;
  precision?: number;
  q0?: number;
  /** Code counts for the DC table (16 entries); default: 16 codes of 5 bits for categories 0..15. */
  dcCounts?: number[];
  sof?: number;
  components?: number;
}

const seg = (marker: number, body: number[]): number[] => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];

/** A greyscale JPEG whose blocks carry only a DC term: with q0 = 8 each decodes to exactly its value. */
function dcOnlyJpeg(o: DcOnly): Uint8Array {
  const precision = o.precision ?? 12;
  const q0 = o.q0 ?? 8;
  const counts = o.dcCounts ?? [0, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  const nc = o.components ?? 1;
  const dqt = [0x10, ...Array.from({ length: 64 }, (_, k) => (k === 0 ? [q0 >> 8, q0 & 0xff] : [0, 1])).flat()]; // 16-bit table
  const comps = Array.from({ length: nc }, (_, c) => [c + 1, 0x22, 0]).flat(); // 2x2 sampling: ignored for one component
  const sof = [precision, o.height >> 8, o.height & 0xff, o.width >> 8, o.width & 0xff, nc, ...comps];
  const nv = counts.reduce((a, b) => a + b, 0);
  const dht = [0x00, ...counts, ...Array.from({ length: nv }, (_, k) => k & 0xff), 0x10, 1, ...Array<number>(15).fill(0), 0x00];
  const w = new BitWriter();
  let pred = 0;
  o.blocks.forEach((v, b) => {
    if (o.restart && b > 0 && b % o.restart === 0) {
      w.align();
      w.bytes.push(0xff, 0xd0 + ((b / o.restart - 1) & 7));
      pred = 0;
    }
    const dc = Math.round(((v - (1 << (precision - 1))) * 8) / q0);
    const diff = dc - pred;
    pred = dc;
    const t = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
    w.put(t, 5); // symbol t has code t in the 5-bit table
    if (t > 0) w.put(diff > 0 ? diff : diff + (1 << t) - 1, t);
    w.put(0, 1); // EOB
  });
  w.align();
  const dri = o.restart ? seg(0xdd, [o.restart >> 8, o.restart & 0xff]) : [];
  return new Uint8Array([
    0xff, 0xd8, ...seg(0xdb, dqt), ...seg(o.sof ?? 0xc1, sof), ...seg(0xc4, dht), ...dri,
    ...seg(0xda, [1, 1, 0x00, 0, 63, 0]), ...w.bytes, 0xff, 0xd9,
  ]);
}

describe('12-bit JPEG Extended against gdcm', () => {
  for (const name of ['JPGExtended.dcm', 'JPEG-lossy.dcm']) {
    it(`${name}: every sample equals gdcm's (SHA-256 of the volume)`, async () => {
      const e = expected.files[`pydicom/${name}`]!;
      const v = (await loadVolume(join(PYDICOM, name))) as ImageVolume;
      const d = v.image.data;
      expect(v.image.shape).toEqual([1, 1024, 256]);
      const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(e.sha256);
      let [min, max] = [Infinity, -Infinity];
      for (const x of d) (min = Math.min(min, x)), (max = Math.max(max, x));
      expect([min, max]).toEqual([e.min, e.max]);
    });
  }

  it('decodes the raw codestream at 12-bit precision', () => {
    const img = decodeJpegExtended(firstFragment(join(PYDICOM, 'JPGExtended.dcm')), { rows: 1024, cols: 256 });
    expect([img.width, img.height, img.precision]).toEqual([256, 1024, 12]);
    let s = 0;
    for (const x of img.data) s += x;
    expect(s / img.data.length).toBeCloseTo(expected.files['pydicom/JPGExtended.dcm']!.mean, 6);
  });
});

describe('8-bit baseline against libjpeg-turbo', () => {
  it('matches libjpeg-turbo on sharp-encoded greyscale JPEGs', async () => {
    const spec = '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs'; // untyped CJS: a variable keeps tsc from resolving it
    const factory = ((await import(/* @vite-ignore */ spec)) as { default: (o: object) => Promise<Record<string, new () => TurboDecoder>> }).default;
    const turbo = await factory({ print: () => undefined, printErr: () => undefined });
    const rng = createRng(7, 'jpeg-extended-8bit');
    for (const [width, height, quality] of [[83, 61, 90], [64, 40, 30], [17, 9, 100]] as const) {
      const raw = new Uint8Array(width * height);
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw[y * width + x] = Math.min(255, (x * 3 + y * 2 + rng.int(40)) & 0xff);
      const jpg = new Uint8Array(await sharp(raw, { raw: { width, height, channels: 1 } }).toColourspace('b-w').jpeg({ quality }).toBuffer());
      const dec = new turbo.JPEGDecoder!();
      dec.getEncodedBuffer(jpg.length).set(jpg);
      dec.decode();
      const ref = dec.getDecodedBuffer().slice(0, width * height);
      dec.delete();
      const mine = decodeJpegExtended(jpg, { rows: height, cols: width });
      expect(mine.precision).toBe(8);
      let maxDiff = 0;
      for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(mine.data[i]! - ref[i]!));
      expect(maxDiff, `${width}x${height} q${quality}`).toBe(0);
    }
  });
});
interface TurboDecoder {
  getEncodedBuffer(n: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  delete(): void;
}

describe('stream features', () => {
  it('restart intervals, 16-bit DQT, sampling factors, cropping and clamping', () => {
    // 37x21 -> 5x3 blocks; values include out-of-range ones that must clamp to [0, 4095].
    const blocks = [0, 4095, 2048, 100, 4000, 5000, -300, 1, 2, 3, 4094, 17, 2047, 2049, 3333];
    const jpg = dcOnlyJpeg({ width: 37, height: 21, blocks, restart: 2 });
    const img = decodeJpegExtended(jpg, { rows: 21, cols: 37 });
    for (let y = 0; y < 21; y++) {
      for (let x = 0; x < 37; x++) {
        const v = blocks[Math.floor(y / 8) * 5 + Math.floor(x / 8)]!;
        expect(img.data[y * 37 + x]).toBe(Math.min(4095, Math.max(0, v)));
      }
    }
  });

  it('restart markers cycle RST0..RST7 over many intervals', () => {
    const blocks = Array.from({ length: 40 * 3 }, (_, i) => (i * 97) % 4096);
    const img = decodeJpegExtended(dcOnlyJpeg({ width: 320, height: 24, blocks, restart: 1 }));
    for (let b = 0; b < blocks.length; b++) expect(img.data[Math.floor(b / 40) * 8 * 320 + (b % 40) * 8]).toBe(blocks[b]);
  });

  it('8-bit precision in SOF1 with the 2^7 level shift', () => {
    const img = decodeJpegExtended(dcOnlyJpeg({ width: 16, height: 8, blocks: [0, 255], precision: 8 }));
    expect([img.data[0], img.data[15]]).toEqual([0, 255]);
  });
});

describe('corrupt or unsupported input fails cleanly', () => {
  const frame = firstFragment(join(PYDICOM, 'JPGExtended.dcm'));
  const good = dcOnlyJpeg({ width: 37, height: 21, blocks: Array<number>(15).fill(1000), restart: 2 });

  it('a truncated scan', () => {
    expect(() => decodeJpegExtended(frame.subarray(0, frame.length >> 1))).toThrow(/block \d+ of 4096: scan is truncated/);
    expect(() => decodeJpegExtended(frame.subarray(0, 200))).toThrow(/truncated/);
  });
  it('a missing restart marker', () => {
    const i = good.findIndex((b, k) => b === 0xff && good[k + 1] === 0xd0);
    const bad = good.slice();
    bad[i + 1] = 0xd3;
    expect(() => decodeJpegExtended(bad)).toThrow(/expected restart marker RST0 at byte \d+, found FFD3/);
  });
  it('a Huffman table that overflows its code space', () => {
    const counts = [3, ...Array<number>(15).fill(0)]; // three 1-bit codes
    expect(() => decodeJpegExtended(dcOnlyJpeg({ width: 8, height: 8, blocks: [0], dcCounts: counts }))).toThrow(/bad Huffman table: 3 codes of length 1/);
  });
  it('a Huffman table that leaves bit patterns unmatched', () => {
    // Only a 2-bit code "00"; the encoder writes category 11 as 01011, whose prefixes match nothing.
    const counts = [0, 1, ...Array<number>(14).fill(0)];
    expect(() => decodeJpegExtended(dcOnlyJpeg({ width: 8, height: 8, blocks: [4095], dcCounts: counts }))).toThrow(/no Huffman code matches/);
  });
  it('absurd or mismatched dimensions, before allocating', () => {
    expect(() => decodeJpegExtended(dcOnlyJpeg({ width: 65535, height: 65535, blocks: [0] }))).toThrow(/65535x65535 exceeds/);
    expect(() => decodeJpegExtended(dcOnlyJpeg({ width: 9000, height: 9000, blocks: [0] }), { rows: 21, cols: 37 })).toThrow(
      /declares 9000x9000 pixels, but the header says 37x21/,
    );
    expect(() => decodeJpegExtended(dcOnlyJpeg({ width: 8, height: 0, blocks: [0] }))).toThrow(/zero or DNL/);
  });
  it('progressive, arithmetic, lossless and colour frames are refused by name', () => {
    expect(() => decodeJpegExtended(dcOnlyJpeg({ width: 8, height: 8, blocks: [0], sof: 0xc2 }))).toThrow(/SOF2 \(progressive DCT, Huffman\) is not supported/);
    expect(() => decodeJpegExtended(dcOnlyJpeg({ width: 8, height: 8, blocks: [0], sof: 0xc9 }))).toThrow(/SOF9 \(extended sequential DCT, arithmetic\)/);
    expect(() => decodeJpegExtended(dcOnlyJpeg({ width: 8, height: 8, blocks: [0], sof: 0xc3 }))).toThrow(/SOF3 \(lossless/);
    expect(() => decodeJpegExtended(dcOnlyJpeg({ width: 8, height: 8, blocks: [0], components: 3 }))).toThrow(/3-component JPEG is not supported/);
    expect(() => decodeJpegExtended(dcOnlyJpeg({ width: 8, height: 8, blocks: [0], precision: 16 }))).toThrow(/precision 16 is not 8 or 12/);
    expect(() => decodeJpegExtended(new Uint8Array([1, 2, 3, 4]))).toThrow(/no SOI/);
  });
  it('random byte corruption either decodes or throws an Error, quickly', () => {
    const rng = createRng(11, 'jpeg-extended-corrupt');
    const t0 = performance.now();
    let failed = 0;
    for (let n = 0; n < 160; n++) {
      const src = n % 2 ? frame : good;
      const size = n % 2 ? { rows: 1024, cols: 256 } : { rows: 21, cols: 37 };
      const bad = src.slice();
      for (let k = 0, m = 1 + rng.int(4); k < m; k++) bad[rng.int(bad.length)] = rng.int(256);
      try {
        const img = decodeJpegExtended(bad.subarray(0, n % 5 === 0 ? rng.int(bad.length) : bad.length), size);
        expect(img.data.length).toBe(img.width * img.height);
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        failed++;
      }
    }
    expect(failed).toBeGreaterThan(0);
    expect(performance.now() - t0).toBeLessThan(20_000);
  });
});
