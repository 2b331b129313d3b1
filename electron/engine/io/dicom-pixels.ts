/**
 * Pixel Data to rescaled float32 frames, for native and encapsulated syntaxes.
 *
 * Compressed frames are first decoded (dicom-codecs.ts) to the bytes a native
 * little-endian file would hold, so masking, sign, colour and rescale have one
 * path. Values outside [HighBit - BitsStored + 1, HighBit] may carry overlays
 * and are masked off; signed values are sign-extended from BitsStored.
 *
 * Colour (SamplesPerPixel 3) becomes luminance Y = 0.299 R + 0.587 G + 0.114 B
 * (ITU-R BT.601, the Y of YBR_FULL): the app shows and reconstructs magnitude
 * images, and a luminance view of a secondary capture is more useful than a
 * refusal. Native YBR_FULL keeps its Y sample. YBR_FULL_422 outside JPEG and
 * PALETTE COLOR are refused by name.
 */
import type { DataSet } from 'dicom-parser';
import { decodeSamples, type SampleType } from './binary';
import { codecFor, decodeFrame, type FrameSpec } from './dicom-codecs';
import { group } from './dicom-header';
import { transferSyntaxName } from './dicom-names';
import { checkLength, ReaderError } from './errors';

export interface PixelSource {
  name: string;
  ds: DataSet;
  syntax: string;
  littleEndian: boolean;
  rows: number;
  cols: number;
  frames: number;
}

interface Layout {
  spp: number;
  allocated: number;
  stored: number;
  high: number;
  signed: boolean;
  planar: boolean;
  /** Which sample(s) make the grey value: 'mono', 'rgb' (luminance) or 'y' (first sample). */
  colour: 'mono' | 'rgb' | 'y';
}

function layoutOf(f: PixelSource, compressed: boolean): Layout {
  const { ds, name } = f;
  const spp = ds.uint16('x00280002') ?? 1;
  const photometric = (ds.string('x00280004') ?? 'MONOCHROME2').toUpperCase();
  const allocated = ds.uint16('x00280100') ?? 0;
  if (![1, 8, 16, 32].includes(allocated) || (allocated === 1 && (compressed || spp !== 1))) {
    throw new ReaderError(name, `unsupported BitsAllocated ${allocated} (1, 8, 16 and 32 are read)`);
  }
  const stored = ds.uint16('x00280101') ?? allocated;
  const high = ds.uint16('x00280102') ?? stored - 1;
  const signed = (ds.uint16('x00280103') ?? 0) === 1;
  if (stored < 1 || stored > allocated || high < stored - 1 || high >= allocated) {
    throw new ReaderError(name, `inconsistent BitsAllocated ${allocated} / BitsStored ${stored} / HighBit ${high}`);
  }
  let colour: Layout['colour'] = 'mono';
  if (spp === 3) {
    const native = !compressed || codecFor(f.syntax) === 'rle';
    if (photometric === 'RGB' || (!native && /^YBR_(FULL|FULL_422|RCT|ICT)$/.test(photometric))) colour = 'rgb';
    else if (native && photometric === 'YBR_FULL') colour = 'y';
    else throw new ReaderError(name, `colour encoding ${photometric} with ${f.syntax} is not supported (RGB and YBR_FULL are read as luminance)`);
  } else if (spp !== 1 || !photometric.startsWith('MONOCHROME')) {
    throw new ReaderError(name, `PhotometricInterpretation ${photometric} with SamplesPerPixel ${spp} is not supported (greyscale and RGB are read)`);
  }
  const planar = spp === 3 && !compressed && (ds.uint16('x00280006') ?? 0) === 1;
  // Decoders put the value in the low bits; native and RLE data keep the stated HighBit.
  const keepHigh = !compressed || codecFor(f.syntax) === 'rle';
  return { spp, allocated, stored, high: keepHigh ? high : stored - 1, signed, planar, colour };
}

/** Compressed bytes of each frame, following the Basic Offset Table when there is one. */
function encapsulatedFrames(f: PixelSource): Uint8Array[] {
  const el = f.ds.elements.x7fe00010!;
  const frags = el.fragments ?? [];
  const bytes = f.ds.byteArray;
  if (frags.length === 0) throw new ReaderError(f.name, 'encapsulated Pixel Data has no fragments');
  for (const fr of frags) checkLength(f.name, bytes.length, fr.position, fr.length, 'Pixel Data fragment');
  const join = (list: typeof frags): Uint8Array => {
    if (list.length === 1) return bytes.subarray(list[0]!.position, list[0]!.position + list[0]!.length);
    const out = new Uint8Array(list.reduce((s, x) => s + x.length, 0));
    let o = 0;
    for (const x of list) {
      out.set(bytes.subarray(x.position, x.position + x.length), o);
      o += x.length;
    }
    return out;
  };
  if (f.frames === 1) return [join(frags)];
  // Every frame starts a fragment, so a header claiming more frames than fragments lies.
  if (f.frames > frags.length) throw new ReaderError(f.name, `NumberOfFrames ${f.frames} but Pixel Data has only ${frags.length} fragments`);
  const bot = el.basicOffsetTable ?? [];
  if (bot.length === f.frames) {
    // One pass: fragment j belongs to the last frame whose offset is <= its own.
    const out: Uint8Array[] = [];
    let j = 0;
    for (let i = 0; i < bot.length; i++) {
      const end = i + 1 < bot.length ? bot[i + 1]! : Infinity;
      if (end < bot[i]!) throw new ReaderError(f.name, 'Basic Offset Table is not increasing');
      const start = j;
      while (j < frags.length && frags[j]!.offset < end) j++;
      if (j === start) throw new ReaderError(f.name, `Basic Offset Table entry ${i} points at no fragment`);
      out.push(join(frags.slice(start, j)));
    }
    return out;
  }
  if (frags.length === f.frames) return frags.map((x) => join([x]));
  // JPEG family without an offset table: each frame starts with an SOI marker.
  const starts = frags.flatMap((x, i) => (bytes[x.position] === 0xff && bytes[x.position + 1] === 0xd8 ? [i] : []));
  if (codecFor(f.syntax) !== 'rle' && codecFor(f.syntax) !== 'j2k' && starts.length === f.frames) {
    return starts.map((s, i) => join(frags.slice(s, starts[i + 1] ?? frags.length)));
  }
  throw new ReaderError(f.name, `cannot split ${frags.length} Pixel Data fragments into ${f.frames} frames (no usable Basic Offset Table)`);
}

/** Grey values of `count` pixels from native little/big-endian bytes at `offset`. */
function toGrey(bytes: Uint8Array, offset: number, count: number, le: boolean, L: Layout, out: Float32Array<ArrayBuffer>, at: number): void {
  const { spp, allocated, stored, high, signed } = L;
  const nb = allocated / 8;
  const total = count * spp;
  if (spp === 1 && stored === allocated) {
    decodeSamples(bytes, offset, total, `${signed ? 'int' : 'uint'}${allocated}` as SampleType, le, out.subarray(at, at + count));
    return;
  }
  // Colour keeps float64 samples so 32-bit values survive the luminance sum exactly.
  const samples: Float32Array | Float64Array = spp === 1 ? out.subarray(at, at + count) : new Float64Array(total);
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, total * nb);
  const shift = 2 ** (high + 1 - stored);
  const range = 2 ** stored;
  const half = range / 2;
  if (nb <= 2) {
    // 8/16-bit: integer shifts; (v << k) >> k sign-extends from BitsStored.
    const low = high + 1 - stored;
    const mask = (1 << stored) - 1;
    const k = 32 - stored;
    const raw16 = nb === 2 && le && (bytes.byteOffset + offset) % 2 === 0 ? new Uint16Array(bytes.buffer, bytes.byteOffset + offset, total) : undefined;
    for (let i = 0; i < total; i++) {
      const raw = raw16 ? raw16[i]! : nb === 1 ? dv.getUint8(i) : dv.getUint16(2 * i, le);
      const v = (raw >> low) & mask;
      samples[i] = signed ? (v << k) >> k : v;
    }
  } else {
    for (let i = 0; i < total; i++) {
      let v = Math.floor(dv.getUint32(4 * i, le) / shift) % range;
      if (signed && v >= half) v -= range;
      samples[i] = v;
    }
  }
  if (spp === 1) return;
  // Interleaved: sample s of pixel p at 3p+s; planar: at s*count+p.
  const idx = L.planar ? (p: number, s: number) => s * count + p : (p: number, s: number) => 3 * p + s;
  for (let p = 0; p < count; p++) {
    out[at + p] =
      L.colour === 'y' ? samples[idx(p, 0)]! : 0.299 * samples[idx(p, 0)]! + 0.587 * samples[idx(p, 1)]! + 0.114 * samples[idx(p, 2)]!;
  }
}

/**
 * Cheap checks that the Pixel Data holds what the header claims (native:
 * byte count; encapsulated: fragments inside the file, at least one per
 * frame), so callers can run them on every file before allocating a volume.
 */
export function checkPixelData(f: PixelSource): void {
  const el = f.ds.elements.x7fe00010;
  if (!el) throw new ReaderError(f.name, 'no Pixel Data');
  const compressed = Boolean(el.encapsulatedPixelData);
  const L = layoutOf(f, compressed);
  const bytes = f.ds.byteArray;
  const plane = f.rows * f.cols;
  if (compressed) {
    const frags = el.fragments ?? [];
    if (frags.length === 0) throw new ReaderError(f.name, 'encapsulated Pixel Data has no fragments');
    for (const fr of frags) checkLength(f.name, bytes.length, fr.position, fr.length, 'Pixel Data fragment');
    if (f.frames > frags.length) throw new ReaderError(f.name, `NumberOfFrames ${f.frames} but Pixel Data has only ${frags.length} fragments`);
    return;
  }
  const need = L.allocated === 1 ? Math.ceil((f.frames * plane) / 8) : (f.frames * plane * L.spp * L.allocated) / 8;
  checkLength(f.name, bytes.length, el.dataOffset, need, `Pixel Data (${f.frames} x ${f.rows} x ${f.cols} x ${L.allocated === 1 ? '1 bit' : `${(L.spp * L.allocated) / 8} bytes`})`);
  if (el.length < need) {
    throw new ReaderError(f.name, `Pixel Data element holds ${el.length} bytes but Rows x Columns x Frames x BitsAllocated/8 = ${need}`);
  }
}

/**
 * Decoded, rescaled frames of one file: Float32Array of frames * rows * cols,
 * written into `into` when given (a view of the caller's volume, saving a copy).
 */
export function decodePixels(f: PixelSource, into?: Float32Array<ArrayBuffer>): Float32Array {
  const { ds, name } = f;
  const el = ds.elements.x7fe00010;
  if (!el) throw new ReaderError(name, 'no Pixel Data');
  const compressed = Boolean(el.encapsulatedPixelData);
  const kind = codecFor(f.syntax);
  if (compressed && !kind) {
    throw new ReaderError(name, `unsupported transfer syntax ${f.syntax} (${transferSyntaxName(f.syntax)}) in ${name}`);
  }
  if (!compressed && kind) throw new ReaderError(name, `transfer syntax ${f.syntax} is compressed but Pixel Data is not encapsulated`);
  const L = layoutOf(f, compressed);
  const plane = f.rows * f.cols;
  const bytes = ds.byteArray;
  // Lengths are checked before the output is allocated, so a header cannot make us allocate what the file does not hold.
  const frames = compressed ? encapsulatedFrames(f) : [];
  if (!compressed && L.allocated === 1) checkLength(name, bytes.length, el.dataOffset, Math.ceil((f.frames * plane) / 8), `Pixel Data (${f.frames} x ${f.rows} x ${f.cols} bits)`);
  if (!compressed && L.allocated > 1) {
    checkLength(name, bytes.length, el.dataOffset, (f.frames * plane * L.spp * L.allocated) / 8, `Pixel Data (${f.frames} x ${f.rows} x ${f.cols} x ${(L.spp * L.allocated) / 8} bytes)`);
  }
  if (into && into.length !== f.frames * plane) throw new RangeError(`decodePixels: output holds ${into.length} values, ${name} has ${f.frames * plane}`);
  const out = into ?? new Float32Array(f.frames * plane);
  if (compressed) {
    const spec: FrameSpec = { rows: f.rows, cols: f.cols, samples: L.spp, bytes: (L.allocated / 8) as 1 | 2 | 4, file: name };
    frames.forEach((data, k) => toGrey(decodeFrame(kind!, data, spec), 0, plane, true, L, out, k * plane));
  } else if (L.allocated === 1) {
    const need = Math.ceil((f.frames * plane) / 8);
    checkLength(name, bytes.length, el.dataOffset, need, `Pixel Data (${f.frames} x ${f.rows} x ${f.cols} bits)`);
    for (let i = 0; i < f.frames * plane; i++) out[i] = (bytes[el.dataOffset + (i >> 3)]! >> (i & 7)) & 1;
  } else {
    const frameBytes = (plane * L.spp * L.allocated) / 8;
    const need = f.frames * frameBytes;
    checkLength(name, bytes.length, el.dataOffset, need, `Pixel Data (${f.frames} x ${f.rows} x ${f.cols} x ${(L.spp * L.allocated) / 8} bytes)`);
    if (el.length < need) {
      throw new ReaderError(name, `Pixel Data element holds ${el.length} bytes but Rows x Columns x Frames x BitsAllocated/8 = ${need}`);
    }
    for (let k = 0; k < f.frames; k++) toGrey(bytes, el.dataOffset + k * frameBytes, plane, f.littleEndian, L, out, k * plane);
  }
  for (let fr = 0; fr < f.frames; fr++) {
    const rescale = group(ds, fr, 'x00289145');
    const slope = rescale?.floatString('x00281053') ?? ds.floatString('x00281053') ?? ds.floatString('x3004000e') ?? 1;
    const inter = rescale?.floatString('x00281052') ?? ds.floatString('x00281052') ?? 0;
    if (!Number.isFinite(slope) || !Number.isFinite(inter)) throw new ReaderError(name, `non-numeric RescaleSlope/Intercept`);
    if (slope === 1 && inter === 0) continue;
    for (let i = fr * plane; i < (fr + 1) * plane; i++) out[i] = out[i]! * slope + inter;
  }
  return out;
}
