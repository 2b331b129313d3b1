/**
 * Decoders for encapsulated (compressed) Pixel Data. Every decoder turns one
 * frame's compressed bytes into the bytes an uncompressed little-endian file
 * would hold for that frame (samples interleaved, PlanarConfiguration 0), so
 * dicom-pixels.ts has one path for masking, sign, rescale and colour.
 *
 *   RLE Lossless           written here (PS3.5 Annex G)
 *   JPEG baseline (8-bit)  @cornerstonejs/codec-libjpeg-turbo-8bit (WASM)
 *   JPEG extended (12-bit) written here (jpeg-extended.ts; greyscale)
 *   JPEG lossless          jpeg-lossless-decoder-js (pure JS)
 *   JPEG-LS                @cornerstonejs/codec-charls (WASM)
 *   JPEG 2000              @cornerstonejs/codec-openjpeg (WASM)
 *
 * The WASM modules are Emscripten factories: instantiating one costs ~80 ms,
 * so `loadDicomCodecs()` does it once and caches the result. Decoding itself
 * is synchronous, which keeps the parsers `(bytes) => Volume`: callers await
 * loadDicomCodecs() (load.ts does) before parsing compressed files.
 * 12-bit JPEG Extended has no maintained npm decoder, hence jpeg-extended.ts:
 * any 'jpeg' frame whose SOF declares a precision other than 8 goes there.
 */
import { ReaderError } from './errors';
import { decodeJpegExtended } from './jpeg-extended';

export type CodecKind = 'rle' | 'jpeg' | 'jpeg-lossless' | 'jpeg-ls' | 'j2k';

const CODEC_OF: Record<string, CodecKind> = {
  '1.2.840.10008.1.2.5': 'rle',
  '1.2.840.10008.1.2.4.50': 'jpeg',
  '1.2.840.10008.1.2.4.51': 'jpeg',
  '1.2.840.10008.1.2.4.57': 'jpeg-lossless',
  '1.2.840.10008.1.2.4.70': 'jpeg-lossless',
  '1.2.840.10008.1.2.4.80': 'jpeg-ls',
  '1.2.840.10008.1.2.4.81': 'jpeg-ls',
  '1.2.840.10008.1.2.4.90': 'j2k',
  '1.2.840.10008.1.2.4.91': 'j2k',
};

export function codecFor(syntax: string): CodecKind | undefined {
  return CODEC_OF[syntax];
}

/** What the dataset says a frame holds; decoded output is checked against it. */
export interface FrameSpec {
  rows: number;
  cols: number;
  samples: number;
  /** Bytes per sample in the output (BitsAllocated / 8). */
  bytes: 1 | 2 | 4;
  file: string;
}

interface EmDecoder {
  getEncodedBuffer(n: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned?: boolean };
  delete(): void;
}
type EmModule = Record<string, new () => EmDecoder>;
interface LosslessDecoder {
  decode(buffer: ArrayBuffer, offset: number, length: number, numBytes?: number): { buffer: ArrayBuffer; byteLength: number };
}
interface Loaded {
  charls?: EmModule;
  openjpeg?: EmModule;
  turbo?: EmModule;
  lossless?: new () => LosslessDecoder;
}
const loaded: Loaded = {};
let loading: Promise<void> | undefined;

// A variable specifier keeps bundlers and tsc from resolving these untyped CJS packages statically.
async function importModule(spec: string): Promise<unknown> {
  const m = (await import(/* @vite-ignore */ spec)) as { default?: unknown };
  return m.default ?? m;
}
async function emscripten(spec: string): Promise<EmModule> {
  const factory = (await importModule(spec)) as (opts: object) => Promise<EmModule>;
  // The decoders log progress to stdout; errors come back as exceptions anyway.
  const quiet = (): void => undefined;
  return factory({ print: quiet, printErr: quiet });
}

/** Instantiates every codec once; later calls return the same promise. */
export function loadDicomCodecs(): Promise<void> {
  loading ??= (async () => {
    const [charls, openjpeg, turbo, lossless] = await Promise.all([
      emscripten('@cornerstonejs/codec-charls/decodewasmjs'),
      emscripten('@cornerstonejs/codec-openjpeg/decodewasmjs'),
      emscripten('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs'),
      importModule('jpeg-lossless-decoder-js') as Promise<{ Decoder: new () => LosslessDecoder }>,
    ]);
    Object.assign(loaded, { charls, openjpeg, turbo, lossless: lossless.Decoder });
  })();
  return loading;
}

export function codecsLoaded(): boolean {
  return loaded.charls !== undefined;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Decodes one compressed frame to native little-endian interleaved bytes of exactly rows*cols*samples*bytes. */
export function decodeFrame(kind: CodecKind, data: Uint8Array, spec: FrameSpec): Uint8Array {
  if (kind === 'rle') return decodeRle(data, spec);
  if (!codecsLoaded()) {
    throw new ReaderError(spec.file, `the ${kind} decoder is not loaded (await loadDicomCodecs() before parsing compressed DICOM)`);
  }
  try {
    const precision = checkCodestream(kind, data, spec);
    if (kind === 'jpeg' && precision !== undefined && precision !== 8) return decodeExtended(data, spec);
    if (kind === 'jpeg-lossless') return decodeLossless(data, spec);
    const mod = kind === 'jpeg-ls' ? loaded.charls! : kind === 'j2k' ? loaded.openjpeg! : loaded.turbo!;
    const ctor = kind === 'jpeg-ls' ? 'JpegLSDecoder' : kind === 'j2k' ? 'J2KDecoder' : 'JPEGDecoder';
    return decodeEmscripten(new mod[ctor]!(), data, spec, kind);
  } catch (e) {
    if (e instanceof ReaderError) throw e;
    throw new ReaderError(spec.file, `corrupt ${kind} frame: ${errorText(e)}`);
  }
}

/**
 * Reads the frame size a JPEG-family or JPEG 2000 codestream declares and
 * refuses a mismatch with the header before any decoder allocates for it.
 * Returns the SOF's sample precision (undefined when no SOF was found), so
 * 12-bit JPEG can go to jpeg-extended.ts: libjpeg-turbo here is 8-bit only.
 */
function checkCodestream(kind: CodecKind, data: Uint8Array, spec: FrameSpec): number | undefined {
  const u16 = (i: number): number => (data[i]! << 8) | data[i + 1]!;
  const mismatch = (w: number, h: number): never => {
    throw new ReaderError(spec.file, `${kind} codestream declares ${w}x${h} pixels, but the header says ${spec.cols}x${spec.rows}`);
  };
  if (kind === 'j2k') {
    // Raw codestream: SOC FF4F then SIZ FF51 (Lsiz, Rsiz, Xsiz, Ysiz, XOsiz, YOsiz).
    if (data.length < 24 || u16(0) !== 0xff4f || u16(2) !== 0xff51) return undefined; // JP2-boxed: leave it to the decoder
    const dv = new DataView(data.buffer, data.byteOffset, data.length);
    const w = dv.getUint32(8) - dv.getUint32(16);
    const h = dv.getUint32(12) - dv.getUint32(20);
    if (w !== spec.cols || h !== spec.rows) mismatch(w, h);
    return undefined;
  }
  if (data.length < 4 || u16(0) !== 0xffd8) throw new ReaderError(spec.file, `${kind} frame does not start with a JPEG SOI marker`);
  for (let i = 2; i + 9 < data.length; ) {
    if (data[i] !== 0xff) return undefined;
    const marker = data[i + 1]!;
    if (marker === 0xff) {
      i++;
      continue;
    }
    const isSof = (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xf7;
    if (isSof) {
      const precision = data[i + 4]!;
      const h = u16(i + 5);
      const w = u16(i + 7);
      if (w !== spec.cols || (h !== spec.rows && h !== 0)) mismatch(w, h);
      return precision;
    }
    i += 2 + u16(i + 2);
  }
  return undefined;
}

/** 12-bit (or 8-bit SOF1 routed here) greyscale JPEG to little-endian samples of spec.bytes each. */
function decodeExtended(data: Uint8Array, spec: FrameSpec): Uint8Array {
  if (spec.samples !== 1) throw new ReaderError(spec.file, `JPEG Extended with ${spec.samples} samples per pixel is not supported (greyscale only)`);
  const img = decodeJpegExtended(data, { rows: spec.rows, cols: spec.cols });
  const n = spec.rows * spec.cols;
  const out = new Uint8Array(n * spec.bytes);
  for (let i = 0; i < n; i++) {
    const v = img.data[i]!;
    out[i * spec.bytes] = v & 0xff;
    if (spec.bytes > 1) out[i * spec.bytes + 1] = v >> 8;
  }
  return out;
}

function checkOutput(got: { width: number; height: number; components: number }, spec: FrameSpec, kind: string): void {
  if (got.width !== spec.cols || got.height !== spec.rows || got.components !== spec.samples) {
    throw new ReaderError(
      spec.file,
      `${kind} frame is ${got.width}x${got.height} with ${got.components} components, but the header says ${spec.cols}x${spec.rows} with ${spec.samples}`,
    );
  }
}

function decodeEmscripten(dec: EmDecoder, data: Uint8Array, spec: FrameSpec, kind: string): Uint8Array {
  try {
    dec.getEncodedBuffer(data.length).set(data);
    dec.decode();
    const info = dec.getFrameInfo();
    checkOutput({ width: info.width, height: info.height, components: info.componentCount }, spec, kind);
    const decoded = dec.getDecodedBuffer();
    const have = info.bitsPerSample > 8 ? 2 : 1;
    const n = spec.rows * spec.cols * spec.samples;
    if (decoded.length < n * have) throw new ReaderError(spec.file, `${kind} decoder returned ${decoded.length} bytes, expected ${n * have}`);
    return widen(decoded, n, have, spec.bytes);
  } finally {
    dec.delete();
  }
}

/** Copies out of WASM memory, widening 1-byte samples when the dataset allocates more. */
function widen(src: Uint8Array, n: number, have: number, want: number): Uint8Array {
  if (have === want) return src.slice(0, n * want);
  const out = new Uint8Array(n * want);
  if (have === 1) for (let i = 0; i < n; i++) out[i * want] = src[i]!;
  else for (let i = 0; i < n; i++) for (let b = 0; b < Math.min(have, want); b++) out[i * want + b] = src[i * have + b]!;
  return out;
}

function decodeLossless(data: Uint8Array, spec: FrameSpec): Uint8Array {
  const dec = new loaded.lossless!();
  const copy = data.slice();
  const out = dec.decode(copy.buffer, 0, copy.length, spec.bytes === 1 ? 1 : 2);
  const have = out.byteLength / (spec.rows * spec.cols * spec.samples);
  if (have !== 1 && have !== 2) {
    throw new ReaderError(spec.file, `JPEG lossless frame decoded to ${out.byteLength} bytes, expected ${spec.rows * spec.cols * spec.samples * spec.bytes}`);
  }
  return widen(new Uint8Array(out.buffer, 0, out.byteLength), spec.rows * spec.cols * spec.samples, have, spec.bytes);
}

/**
 * RLE Lossless: a 64-byte header of up to 15 segment offsets; one segment per
 * byte of each sample, most significant byte first, sample planes in order.
 */
function decodeRle(data: Uint8Array, spec: FrameSpec): Uint8Array {
  const fail = (why: string): never => {
    throw new ReaderError(spec.file, `corrupt RLE frame: ${why}`);
  };
  if (data.length < 64) fail(`${data.length} bytes is shorter than the 64-byte RLE header`);
  const dv = new DataView(data.buffer, data.byteOffset, data.length);
  const count = dv.getUint32(0, true);
  const want = spec.samples * spec.bytes;
  if (count !== want) fail(`${count} segments, expected ${want} (${spec.samples} samples x ${spec.bytes} bytes)`);
  const plane = spec.rows * spec.cols;
  const out = new Uint8Array(plane * want);
  for (let s = 0; s < count; s++) {
    const start = dv.getUint32(4 + 4 * s, true);
    const end = s + 1 < count ? dv.getUint32(8 + 4 * s, true) : data.length;
    if (start < 64 || end > data.length || end < start) fail(`segment ${s + 1} offsets ${start}..${end} outside the ${data.length}-byte frame`);
    const sample = Math.floor(s / spec.bytes);
    const byte = spec.bytes - 1 - (s % spec.bytes); // MSB segment first -> little-endian position
    const stride = want;
    let o = sample * spec.bytes + byte;
    let written = 0;
    for (let i = start; i < end && written < plane; ) {
      const h = data[i++]!;
      if (h < 128) {
        const n = Math.min(h + 1, plane - written, end - i);
        for (let k = 0; k < n; k++, o += stride) out[o] = data[i + k]!;
        i += h + 1;
        written += n;
      } else if (h > 128) {
        if (i >= end) break;
        const v = data[i++]!;
        const n = Math.min(257 - h, plane - written);
        for (let k = 0; k < n; k++, o += stride) out[o] = v;
        written += n;
      }
    }
    if (written < plane) fail(`segment ${s + 1} decodes to ${written} of ${plane} pixels`);
  }
  return out;
}
