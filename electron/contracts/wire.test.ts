import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, WireError } from './wire';

// ASCII only: the contracts project compiles without DOM or Node types (no TextEncoder).
const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const fromAscii = (bytes: Uint8Array): string => String.fromCharCode(...bytes);

function floats(values: number[]): ArrayBuffer {
  return new Float32Array(values).buffer;
}

describe('wire frames', () => {
  it('round-trips a message with buffers nested in objects and arrays', () => {
    const message = {
      kind: 'call',
      id: 7,
      method: 'upload',
      params: {
        files: [
          { name: 'a.dcm', data: new Uint8Array([1, 2, 3]).buffer },
          { name: 'ünïcode/β.nii', data: floats([0.5, -1, 3.25]) },
        ],
        nested: { deeper: [[floats([42])]] },
        nothing: null,
        flag: true,
      },
    };
    const out = decodeFrame(encodeFrame(message)) as typeof message;
    expect(out.kind).toBe('call');
    expect(out.params.files[0]?.name).toBe('a.dcm');
    expect([...new Uint8Array(out.params.files[0]!.data)]).toEqual([1, 2, 3]);
    expect(out.params.files[1]?.name).toBe('ünïcode/β.nii');
    expect([...new Float32Array(out.params.files[1]!.data)]).toEqual([0.5, -1, 3.25]);
    expect([...new Float32Array(out.params.nested.deeper[0]![0]!)]).toEqual([42]);
    expect(out.params.nothing).toBeNull();
    expect(out.params.flag).toBe(true);
  });

  it('places every buffer on an 8-byte boundary and decodes to zero-offset ArrayBuffers', () => {
    // Odd sizes force padding between buffers.
    const message = { a: new Uint8Array(3).fill(9).buffer, b: floats([1, 2, 3]), c: new Uint8Array(5).buffer, d: floats([7]) };
    const frame = encodeFrame(message);
    const headerLength = new DataView(frame.buffer).getUint32(4, true);
    const header = JSON.parse(fromAscii(frame.subarray(8, 8 + headerLength))) as { b: [number, number][] };
    expect(header.b).toHaveLength(4);
    for (const [offset] of header.b) expect(offset % 8).toBe(0);

    // Decode from a view at an odd offset inside a larger buffer, as Node's ws may hand over.
    const host = new Uint8Array(frame.byteLength + 3);
    host.set(frame, 3);
    const out = decodeFrame(host.subarray(3)) as Record<string, ArrayBuffer>;
    expect(out.b).toBeInstanceOf(ArrayBuffer);
    expect([...new Float32Array(out.b!)]).toEqual([1, 2, 3]);
    expect([...new Float32Array(out.d!)]).toEqual([7]);
    expect([...new Uint8Array(out.a!)]).toEqual([9, 9, 9]);
  });

  it('copies buffers out even when the input view\'s slice() does not copy (Node Buffers)', () => {
    // Node's Buffer.slice returns a view into a shared pool; mimic it without Node types.
    class PoolView extends Uint8Array {
      override slice(start?: number, end?: number): Uint8Array<ArrayBuffer> {
        return this.subarray(start, end) as Uint8Array<ArrayBuffer>;
      }
    }
    const frame = encodeFrame({ data: floats([1, 2]) });
    const pool = new PoolView(frame.byteLength + 16);
    pool.set(frame, 16);
    const out = decodeFrame(pool.subarray(16)) as { data: ArrayBuffer };
    expect(out.data.byteLength).toBe(8);
    expect([...new Float32Array(out.data)]).toEqual([1, 2]);
  });

  it('keeps empty buffers', () => {
    const out = decodeFrame(encodeFrame({ x: new ArrayBuffer(0), y: [new ArrayBuffer(0), floats([1])] })) as {
      x: ArrayBuffer;
      y: ArrayBuffer[];
    };
    expect(out.x).toBeInstanceOf(ArrayBuffer);
    expect(out.x.byteLength).toBe(0);
    expect(out.y[0]?.byteLength).toBe(0);
    expect(new Float32Array(out.y[1]!)[0]).toBe(1);
  });

  it('carries a message without buffers', () => {
    const message = { kind: 'event', event: { type: 'notice', level: 'info', message: 'hello' } };
    expect(decodeFrame(encodeFrame(message))).toEqual(message);
    expect(decodeFrame(encodeFrame(null))).toBeNull();
  });

  it('refuses typed-array views and placeholder look-alikes instead of mangling them', () => {
    expect(() => encodeFrame({ data: new Float32Array(2) })).toThrow(/ArrayBuffer/);
    expect(() => encodeFrame({ x: { $buf: 0 } })).toThrow(WireError);
  });

  it.each([
    ['an empty frame', new Uint8Array(0), /truncated frame/],
    ['a short prefix', new Uint8Array([0x52, 0x53, 0x57]), /truncated frame/],
    ['garbage bytes', ascii('{"kind":"call","id":1}'), /bad magic/],
  ])('rejects %s with a clear error', (_label, bytes, pattern) => {
    expect(() => decodeFrame(bytes)).toThrow(WireError);
    expect(() => decodeFrame(bytes)).toThrow(pattern);
  });

  it('rejects a frame cut short in the header or in a buffer', () => {
    const frame = encodeFrame({ data: floats([1, 2, 3, 4]) });
    expect(() => decodeFrame(frame.subarray(0, 12))).toThrow(/header says/);
    expect(() => decodeFrame(frame.subarray(0, frame.byteLength - 1))).toThrow(/buffer 0 needs bytes/);
  });

  it('rejects a corrupt header and a placeholder pointing nowhere', () => {
    const frame = encodeFrame({ data: floats([1]) });
    const broken = frame.slice();
    broken[9] = 0x7b; // '{' inside the JSON: no longer parses
    broken[10] = 0x7b;
    expect(() => decodeFrame(broken)).toThrow(/corrupt frame header/);

    const text = ascii(JSON.stringify({ m: { $buf: 3 }, b: [] }));
    const forged = new Uint8Array(8 + text.byteLength);
    forged.set([0x52, 0x53, 0x57, 0x31]);
    new DataView(forged.buffer).setUint32(4, text.byteLength, true);
    forged.set(text, 8);
    expect(() => decodeFrame(forged)).toThrow(/refers to a buffer that is not in the frame/);
  });
});
