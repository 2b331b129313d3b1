/**
 * Binary WebSocket framing for workspace messages (browser mode).
 *
 * A message may carry ArrayBuffers anywhere (slices, uploads, previews). JSON
 * cannot hold them, and base64 would cost a third more bytes and a copy on
 * each side, so one frame carries the JSON skeleton and the raw bytes:
 *
 *   [4 bytes magic "RSW1"][u32 LE header length][header: UTF-8 JSON]
 *   [zero padding to a multiple of 8][buffer 0][pad][buffer 1][pad]...
 *
 * The header is { m: message, b: [[offset, length], ...] } where every
 * ArrayBuffer inside `m` was replaced by { "$buf": index } and offsets count
 * from the start of the frame. Each buffer starts on an 8-byte boundary, and
 * decoding returns fresh ArrayBuffers (copies), so a decoded buffer is always
 * usable as a Float32Array or Float64Array whatever the source frame's offset.
 *
 * Uses only what both Node and browsers have (no Buffer, no DOM), so the
 * server and the renderer share it.
 */

const MAGIC = [0x52, 0x53, 0x57, 0x31]; // "RSW1"
const PREFIX = 8; // magic + header length
const ALIGN = 8;
/** Deeper than any workspace message; stops a hostile frame from recursing without end. */
const MAX_DEPTH = 32;

// TextEncoder/TextDecoder are globals in Node and browsers; the contracts
// project compiles without DOM or Node types, so they are typed here.
interface Utf8 {
  TextEncoder: new () => { encode(text: string): Uint8Array };
  TextDecoder: new (label: string, options: { fatal: boolean }) => { decode(bytes: Uint8Array): string };
}
const { TextEncoder, TextDecoder } = globalThis as unknown as Utf8;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Thrown for a frame that is truncated, corrupt or not a wire frame at all. */
export class WireError extends Error {
  override name = 'WireError';
}

const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

const isPlaceholder = (v: object): boolean => Object.hasOwn(v, '$buf');

/** The message with each ArrayBuffer swapped for a placeholder; `buffers` collects them in order. */
function strip(value: unknown, buffers: ArrayBuffer[], depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) throw new WireError('message nested too deeply to encode');
  if (value instanceof ArrayBuffer) {
    buffers.push(value);
    return { $buf: buffers.length - 1 };
  }
  // A typed array would become {"0":..,"1":..} in JSON: refuse rather than bloat silently.
  if (ArrayBuffer.isView(value)) throw new WireError('send typed arrays as their ArrayBuffer, not as views');
  if (Array.isArray(value)) return value.map((v) => strip(v, buffers, depth + 1));
  if (isPlaceholder(value)) throw new WireError('a message may not contain a "$buf" key of its own');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = strip(v, buffers, depth + 1);
  return out;
}

/** Packs a message (with any ArrayBuffers inside it) into one binary frame. */
export function encodeFrame(message: unknown): Uint8Array<ArrayBuffer> {
  const buffers: ArrayBuffer[] = [];
  const skeleton = strip(message, buffers, 0);
  // First pass with placeholder offsets to learn the header size, then the
  // real offsets. Offsets only grow the header by digits, so iterate until stable.
  let ranges: [number, number][] = buffers.map((b) => [0, b.byteLength]);
  let header = encoder.encode(JSON.stringify({ m: skeleton, b: ranges }));
  for (;;) {
    let at = align(PREFIX + header.byteLength);
    const next: [number, number][] = buffers.map((b) => {
      const range: [number, number] = [at, b.byteLength];
      at = align(at + b.byteLength);
      return range;
    });
    const h = encoder.encode(JSON.stringify({ m: skeleton, b: next }));
    ranges = next;
    if (h.byteLength === header.byteLength) {
      header = h;
      break;
    }
    header = h;
  }
  const last = ranges[ranges.length - 1];
  const total = last ? last[0] + last[1] : PREFIX + header.byteLength;
  const frame = new Uint8Array(total);
  frame.set(MAGIC, 0);
  new DataView(frame.buffer).setUint32(4, header.byteLength, true);
  frame.set(header, PREFIX);
  buffers.forEach((b, i) => frame.set(new Uint8Array(b), (ranges[i] as [number, number])[0]));
  return frame;
}

function restore(value: unknown, buffers: ArrayBuffer[], used: boolean[], depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) throw new WireError('frame header nested too deeply');
  if (Array.isArray(value)) return value.map((v) => restore(v, buffers, used, depth + 1));
  if (isPlaceholder(value)) {
    const index = (value as { $buf: unknown }).$buf;
    if (typeof index !== 'number' || !Number.isInteger(index) || Object.keys(value).length !== 1 || buffers[index] === undefined) {
      throw new WireError('frame header refers to a buffer that is not in the frame');
    }
    if (used[index]) throw new WireError(`frame header uses buffer ${index} twice`);
    used[index] = true;
    return buffers[index];
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = restore(v, buffers, used, depth + 1);
  return out;
}

/**
 * Unpacks a frame made by encodeFrame. Accepts an ArrayBuffer or any byte
 * view (Node's ws hands out Buffers at arbitrary offsets). Throws WireError
 * naming the problem for anything that is not a well-formed frame.
 */
export function decodeFrame(data: ArrayBuffer | Uint8Array): unknown {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.byteLength < PREFIX) throw new WireError(`truncated frame: ${bytes.byteLength} bytes is shorter than the ${PREFIX}-byte prefix`);
  if (MAGIC.some((m, i) => bytes[i] !== m)) throw new WireError('not a Recon Studio wire frame (bad magic bytes)');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (PREFIX + headerLength > bytes.byteLength) {
    throw new WireError(`truncated frame: header says ${headerLength} bytes, only ${bytes.byteLength - PREFIX} follow`);
  }
  let header: unknown;
  try {
    header = JSON.parse(decoder.decode(bytes.subarray(PREFIX, PREFIX + headerLength)));
  } catch (err) {
    throw new WireError(`corrupt frame header: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (header === null || typeof header !== 'object' || !('m' in header) || !('b' in header) || !Array.isArray(header.b)) {
    throw new WireError('corrupt frame header: expected {m, b}');
  }
  const start = PREFIX + headerLength;
  const buffers = header.b.map((range: unknown, i: number) => {
    if (!Array.isArray(range) || range.length !== 2 || !range.every((n) => Number.isSafeInteger(n) && n >= 0)) {
      throw new WireError(`corrupt frame header: buffer ${i} has no valid [offset, length]`);
    }
    const [offset, length] = range as [number, number];
    if (offset < start || offset + length > bytes.byteLength) {
      throw new WireError(`truncated frame: buffer ${i} needs bytes ${offset}..${offset + length}, frame has ${bytes.byteLength}`);
    }
    // A fresh, zero-offset copy: aligned for any typed array. (Not bytes.slice():
    // on a Node Buffer that is a view into a shared pool, not a copy.)
    const copy = new Uint8Array(length);
    copy.set(bytes.subarray(offset, offset + length));
    return copy.buffer;
  });
  return restore(header.m, buffers, [], 0);
}
