/**
 * Sequential-DCT JPEG decoder (ITU T.81 processes 1, 2 and 4: SOF0/SOF1,
 * Huffman coded, 8- or 12-bit samples), greyscale only. It exists for DICOM
 * transfer syntax 1.2.840.10008.1.2.4.51 (JPEG Extended, 12-bit), which no
 * npm package decodes; 8-bit baseline stays with libjpeg-turbo.
 *
 * The inverse DCT is the accurate integer ("islow") one that libjpeg, gdcm and
 * dcmtk use by default, written here from the published algorithm (Loeffler,
 * Ligtenberg & Moschytz factorisation, 13-bit constants, columns then rows),
 * so output matches those decoders sample for sample.
 *
 * Corrupt input fails with an Error (callers wrap it): every read is bounds
 * checked, the declared size is checked against the caller's before any
 * allocation, and a scan that runs out of entropy-coded data stops with an
 * error instead of inventing zeros the way libjpeg does.
 */

export interface JpegImage {
  width: number;
  height: number;
  /** Sample precision in bits (8 or 12). */
  precision: number;
  /** width*height samples, row-major, in [0, 2^precision - 1]. */
  data: Uint16Array;
}

/** What the caller expects; a codestream declaring anything else is refused before allocating. */
export interface JpegExpect {
  rows: number;
  cols: number;
}

const SOF_NAMES: Record<number, string> = {
  0xc2: 'SOF2 (progressive DCT, Huffman)',
  0xc3: 'SOF3 (lossless, Huffman)',
  0xc5: 'SOF5 (differential sequential DCT)',
  0xc6: 'SOF6 (differential progressive DCT)',
  0xc7: 'SOF7 (differential lossless)',
  0xc9: 'SOF9 (extended sequential DCT, arithmetic)',
  0xca: 'SOF10 (progressive DCT, arithmetic)',
  0xcb: 'SOF11 (lossless, arithmetic)',
  0xcd: 'SOF13 (differential sequential DCT, arithmetic)',
  0xce: 'SOF14 (differential progressive DCT, arithmetic)',
  0xcf: 'SOF15 (differential lossless, arithmetic)',
  0xf7: 'SOF55 (JPEG-LS)',
};

/** Zigzag position k -> natural (row-major) index in the 8x8 block. */
const ZIGZAG = new Uint8Array([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57,
  50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

/** Canonical Huffman table (T.81 Annex C / F.2.2.3): per code length, the largest code and where its values start. */
interface Huffman {
  maxcode: Int32Array; // [17], -1 when no code of that length
  valptr: Int32Array; // [17] index into values of the first code of that length, minus that code
  values: Uint8Array;
}

function buildHuffman(counts: Uint8Array, values: Uint8Array): Huffman {
  const maxcode = new Int32Array(17).fill(-1);
  const valptr = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    const n = counts[len - 1]!;
    if (n > 0) {
      valptr[len] = k - code;
      code += n;
      k += n;
      // A length may not hold more codes than it has bit patterns.
      if (code > 1 << len) throw new Error(`bad Huffman table: ${n} codes of length ${len} overflow the code space`);
      maxcode[len] = code - 1;
    }
    code <<= 1;
  }
  return { maxcode, valptr, values };
}

/** 1-D 8-point islow IDCT constants: round(x * 2^13). */
const F0298 = 2446;
const F0390 = 3196;
const F0541 = 4433;
const F0765 = 6270;
const F0899 = 7373;
const F1175 = 9633;
const F1501 = 12299;
const F1847 = 15137;
const F1961 = 16069;
const F2053 = 16819;
const F2562 = 20995;
const F3072 = 25172;
const CONST_BITS = 13;

/**
 * One 8-point inverse DCT on src[o + s*i], i = 0..7, written to dst[d + t*i]
 * after an arithmetic right shift by `shift` with rounding. Doubles keep the
 * arithmetic exact where libjpeg's 12-bit build uses 64-bit longs.
 */
function idct1d(src: Float64Array, o: number, s: number, dst: Float64Array, d: number, t: number, shift: number): void {
  // Exact in doubles: a power-of-two scale, and every product stays far below 2^53.
  const inv = 2 ** -shift;
  const half = 2 ** (shift - 1);
  // All AC inputs zero (most columns and rows of a typical block): the output is the scaled DC term.
  if (src[o + s]! === 0 && src[o + 2 * s]! === 0 && src[o + 3 * s]! === 0 && src[o + 4 * s]! === 0 &&
      src[o + 5 * s]! === 0 && src[o + 6 * s]! === 0 && src[o + 7 * s]! === 0) {
    const v = Math.floor((src[o]! * 8192 + half) * inv);
    for (let i = 0; i < 8; i++) dst[d + t * i] = v;
    return;
  }
  // Even part: rotation of inputs 2 and 6 by sqrt(2)*c6, butterflies with 0 and 4.
  let z2 = src[o + 2 * s]!;
  let z3 = src[o + 6 * s]!;
  let z1 = (z2 + z3) * F0541;
  const t2 = z1 - z3 * F1847;
  const t3 = z1 + z2 * F0765;
  z2 = src[o]!;
  z3 = src[o + 4 * s]!;
  const t0 = (z2 + z3) * 8192;
  const t1 = (z2 - z3) * 8192;
  const t10 = t0 + t3;
  const t13 = t0 - t3;
  const t11 = t1 + t2;
  const t12 = t1 - t2;
  // Odd part: inputs 7, 5, 3, 1 through the shared-multiplier network.
  let o0 = src[o + 7 * s]!;
  let o1 = src[o + 5 * s]!;
  let o2 = src[o + 3 * s]!;
  let o3 = src[o + s]!;
  z1 = o0 + o3;
  z2 = o1 + o2;
  z3 = o0 + o2;
  let z4 = o1 + o3;
  const z5 = (z3 + z4) * F1175;
  o0 *= F0298;
  o1 *= F2053;
  o2 *= F3072;
  o3 *= F1501;
  z1 *= -F0899;
  z2 *= -F2562;
  z3 = z3 * -F1961 + z5;
  z4 = z4 * -F0390 + z5;
  o0 += z1 + z3;
  o1 += z2 + z4;
  o2 += z2 + z3;
  o3 += z1 + z4;
  dst[d] = Math.floor((t10 + o3 + half) * inv);
  dst[d + 7 * t] = Math.floor((t10 - o3 + half) * inv);
  dst[d + t] = Math.floor((t11 + o2 + half) * inv);
  dst[d + 6 * t] = Math.floor((t11 - o2 + half) * inv);
  dst[d + 2 * t] = Math.floor((t12 + o1 + half) * inv);
  dst[d + 5 * t] = Math.floor((t12 - o1 + half) * inv);
  dst[d + 3 * t] = Math.floor((t13 + o0 + half) * inv);
  dst[d + 4 * t] = Math.floor((t13 - o0 + half) * inv);
}

/** Columns then rows, as libjpeg does; pass-1 keeps 2 (8-bit) or 1 (12-bit) extra fraction bits. */
function idctBlock(coef: Float64Array, ws: Float64Array, out: Float64Array, precision: number): void {
  const pass1 = precision === 8 ? 2 : 1;
  for (let c = 0; c < 8; c++) idct1d(coef, c, 8, ws, c, 8, CONST_BITS - pass1);
  for (let r = 0; r < 8; r++) idct1d(ws, r * 8, 1, out, r * 8, 1, CONST_BITS + pass1 + 3);
}

/** Reads entropy-coded bits, unstuffing FF00 and stopping at any marker. */
class BitReader {
  private acc = 0;
  private n = 0;
  constructor(
    private readonly b: Uint8Array,
    public pos: number,
  ) {}
  bit(): number {
    if (this.n === 0) {
      const b = this.b;
      if (this.pos >= b.length) throw new Error('scan is truncated (entropy-coded data runs past the end of the frame)');
      const v = b[this.pos]!;
      if (v === 0xff) {
        const next = b[this.pos + 1];
        if (next !== 0x00) {
          throw new Error(
            next === undefined ? 'scan is truncated (ends inside a marker)' : `scan is truncated (marker FF${hex(next)} inside the entropy-coded data)`,
          );
        }
        this.pos += 2;
      } else this.pos++;
      this.acc = v;
      this.n = 8;
    }
    this.n--;
    return (this.acc >> this.n) & 1;
  }
  bits(count: number): number {
    let v = 0;
    for (let i = 0; i < count; i++) v = (v << 1) | this.bit();
    return v;
  }
  /** Discards the partial byte, then expects restart marker RSTn. */
  restart(expected: number): void {
    this.n = 0;
    const b = this.b;
    while (this.pos < b.length && b[this.pos] === 0xff && b[this.pos + 1] === 0xff) this.pos++; // fill bytes
    const m = b[this.pos + 1];
    if (b[this.pos] !== 0xff || m !== 0xd0 + expected) {
      throw new Error(`expected restart marker RST${expected} at byte ${this.pos}, found ${m === undefined ? 'end of data' : `${hex(b[this.pos]!)}${hex(m)}`}`);
    }
    this.pos += 2;
  }
}

function hex(v: number): string {
  return v.toString(16).toUpperCase().padStart(2, '0');
}

function decodeSymbol(r: BitReader, h: Huffman): number {
  let code = 0;
  for (let len = 1; len <= 16; len++) {
    code = (code << 1) | r.bit();
    if (code <= h.maxcode[len]!) return h.values[h.valptr[len]! + code]!;
  }
  throw new Error('corrupt entropy-coded data (no Huffman code matches 16 bits)');
}

/** T.81 F.2.2.1 EXTEND: an s-bit magnitude category to a signed value. */
function receiveExtend(r: BitReader, s: number): number {
  if (s === 0) return 0;
  const v = r.bits(s);
  return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
}

/** 2^28 samples (512 MiB as Uint16) bounds what a header-less caller can make us allocate. */
const MAX_PIXELS = 2 ** 28;

interface Component {
  id: number;
  tq: number;
}

/** Decodes one greyscale sequential-DCT JPEG (SOF0 or SOF1, Huffman, 8- or 12-bit). */
export function decodeJpegExtended(data: Uint8Array, expect?: JpegExpect): JpegImage {
  const len = data.length;
  const u8 = (i: number): number => {
    if (i >= len) throw new Error(`JPEG stream is truncated at byte ${i} of ${len}`);
    return data[i]!;
  };
  const u16 = (i: number): number => (u8(i) << 8) | u8(i + 1);
  if (len < 4 || data[0] !== 0xff || data[1] !== 0xd8) throw new Error('not a JPEG stream (no SOI marker)');

  const quant: (Int32Array | undefined)[] = [];
  const dc: (Huffman | undefined)[] = [];
  const ac: (Huffman | undefined)[] = [];
  let frame: { precision: number; width: number; height: number; comp: Component } | undefined;
  let restartInterval = 0;
  let i = 2;
  for (;;) {
    if (u8(i) !== 0xff) throw new Error(`expected a marker at byte ${i}, found ${hex(data[i]!)}`);
    const marker = u8(i + 1);
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xd9) throw new Error('JPEG stream ends (EOI) before any scan');
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2; // standalone markers carry no length
      continue;
    }
    const segLen = u16(i + 2);
    const start = i + 4;
    const end = i + 2 + segLen;
    if (segLen < 2 || end > len) throw new Error(`marker FF${hex(marker)} at byte ${i} declares ${segLen} bytes, past the end of the ${len}-byte stream`);
    if (marker === 0xdb) {
      for (let p = start; p < end; ) {
        const pq = u8(p) >> 4;
        const tq = u8(p) & 15;
        if (pq > 1 || tq > 3) throw new Error(`bad DQT table: precision ${pq}, index ${tq}`);
        if (p + 1 + 64 * (pq + 1) > end) throw new Error('DQT segment is shorter than its table');
        const q = new Int32Array(64);
        for (let k = 0; k < 64; k++) q[k] = pq ? u16(p + 1 + 2 * k) : u8(p + 1 + k);
        quant[tq] = q;
        p += 1 + 64 * (pq + 1);
      }
    } else if (marker === 0xc4) {
      for (let p = start; p < end; ) {
        const tc = u8(p) >> 4;
        const th = u8(p) & 15;
        if (tc > 1 || th > 3) throw new Error(`bad DHT table: class ${tc}, index ${th}`);
        if (p + 17 > end) throw new Error('DHT segment is shorter than its code counts');
        const counts = data.slice(p + 1, p + 17);
        let total = 0;
        for (const c of counts) total += c;
        if (total > 256 || p + 17 + total > end) throw new Error(`bad DHT table: ${total} values do not fit the segment`);
        const table = buildHuffman(counts, data.slice(p + 17, p + 17 + total));
        (tc === 0 ? dc : ac)[th] = table;
        p += 17 + total;
      }
    } else if (marker === 0xdd) {
      restartInterval = u16(start);
    } else if (marker === 0xc0 || marker === 0xc1) {
      if (frame) throw new Error('more than one SOF marker');
      const precision = u8(start);
      const height = u16(start + 1);
      const width = u16(start + 3);
      const nf = u8(start + 5);
      if (precision !== 8 && precision !== 12) throw new Error(`sample precision ${precision} is not 8 or 12 bits`);
      if (nf !== 1) throw new Error(`${nf}-component JPEG is not supported by the 12-bit decoder (greyscale only)`);
      if (width === 0 || height === 0) throw new Error(`frame size ${width}x${height} is not supported (zero or DNL-defined)`);
      if (width * height > MAX_PIXELS) throw new Error(`frame size ${width}x${height} exceeds the ${MAX_PIXELS}-pixel limit`);
      if (expect && (width !== expect.cols || height !== expect.rows)) {
        throw new Error(`codestream declares ${width}x${height} pixels, but the header says ${expect.cols}x${expect.rows}`);
      }
      const hv = u8(start + 7);
      if (hv >> 4 < 1 || hv >> 4 > 4 || (hv & 15) < 1 || (hv & 15) > 4) throw new Error(`bad sampling factors ${hv >> 4}x${hv & 15}`);
      frame = { precision, width, height, comp: { id: u8(start + 6), tq: u8(start + 8) & 3 } };
    } else if (SOF_NAMES[marker]) {
      throw new Error(`${SOF_NAMES[marker]} is not supported (sequential DCT with Huffman coding only)`);
    } else if (marker === 0xcc) {
      throw new Error('arithmetic coding (DAC marker) is not supported');
    } else if (marker === 0xda) {
      if (!frame) throw new Error('scan (SOS) before the frame header (SOF)');
      const ns = u8(start);
      if (ns !== 1 || u8(start + 1) !== frame.comp.id) throw new Error(`scan does not cover the single component (${ns} components)`);
      // Ss/Se/Ah/Al are fixed for sequential scans; like libjpeg, ignore bad values rather than refuse.
      const td = u8(start + 2) >> 4;
      const ta = u8(start + 2) & 15;
      const dct = dc[td];
      const act = ac[ta];
      const q = quant[frame.comp.tq];
      if (!dct || !act) throw new Error(`scan uses Huffman tables DC${td}/AC${ta}, which are not defined`);
      if (!q) throw new Error(`frame uses quantisation table ${frame.comp.tq}, which is not defined`);
      return decodeScan(data, end, frame, dct, act, q, restartInterval);
    }
    i = end;
  }
}

function decodeScan(
  data: Uint8Array,
  pos: number,
  frame: { precision: number; width: number; height: number },
  dcTable: Huffman,
  acTable: Huffman,
  q: Int32Array,
  restartInterval: number,
): JpegImage {
  const { precision, width, height } = frame;
  const bw = Math.ceil(width / 8);
  const bh = Math.ceil(height / 8);
  const total = bw * bh;
  const out = new Uint16Array(width * height);
  const coef = new Float64Array(64);
  const ws = new Float64Array(64);
  const px = new Float64Array(64);
  const center = 1 << (precision - 1);
  const max = (1 << precision) - 1;
  const r = new BitReader(data, pos);
  let pred = 0;
  let rst = 0;
  for (let b = 0; b < total; b++) {
    if (restartInterval > 0 && b > 0 && b % restartInterval === 0) {
      r.restart(rst);
      rst = (rst + 1) & 7;
      pred = 0;
    }
    try {
      coef.fill(0);
      const t = decodeSymbol(r, dcTable);
      if (t > 16) throw new Error(`DC difference category ${t} is out of range`);
      pred += receiveExtend(r, t);
      coef[0] = pred * q[0]!;
      for (let k = 1; k < 64; ) {
        const rs = decodeSymbol(r, acTable);
        const s = rs & 15;
        const run = rs >> 4;
        if (s === 0) {
          if (run !== 15) break; // end of block
          k += 16;
          continue;
        }
        k += run;
        if (k > 63) throw new Error('AC coefficient index past 63');
        coef[ZIGZAG[k]!] = receiveExtend(r, s) * q[k]!;
        k++;
      }
    } catch (e) {
      throw new Error(`block ${b + 1} of ${total}: ${e instanceof Error ? e.message : String(e)}`);
    }
    idctBlock(coef, ws, px, precision);
    const y0 = Math.floor(b / bw) * 8;
    const x0 = (b % bw) * 8;
    for (let y = 0; y < 8 && y0 + y < height; y++) {
      const row = (y0 + y) * width;
      for (let x = 0; x < 8 && x0 + x < width; x++) {
        const v = px[y * 8 + x]! + center;
        out[row + x0 + x] = v < 0 ? 0 : v > max ? max : v;
      }
    }
  }
  return { width, height, precision, data: out };
}
