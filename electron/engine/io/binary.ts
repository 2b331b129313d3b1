/**
 * Decoding packed samples (any endianness, any alignment) into float32. The
 * fast path views the bytes as a typed array when the alignment and byte order
 * allow it; otherwise a DataView reads each sample.
 */
export type SampleType = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

export const SAMPLE_BYTES: Record<SampleType, number> = {
  uint8: 1,
  int8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  float64: 8,
};

export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type TypedCtor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => ArrayLike<number>;
const VIEW: Record<SampleType, TypedCtor> = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
};

/** Reads `count` samples starting at byte `offset` into `out` (allocated when absent). */
export function decodeSamples(
  bytes: Uint8Array,
  offset: number,
  count: number,
  type: SampleType,
  littleEndian: boolean,
  out = new Float32Array(count),
): Float32Array {
  const size = SAMPLE_BYTES[type];
  const start = bytes.byteOffset + offset;
  if ((size === 1 || littleEndian === HOST_LITTLE_ENDIAN) && start % size === 0) {
    out.set(new VIEW[type](bytes.buffer, start, count) as unknown as ArrayLike<number>);
    return out;
  }
  const dv = new DataView(bytes.buffer, start, count * size);
  const le = littleEndian;
  switch (type) {
    case 'uint8':
    case 'int8':
      break; // always served by the fast path
    case 'int16':
      for (let i = 0; i < count; i++) out[i] = dv.getInt16(2 * i, le);
      break;
    case 'uint16':
      for (let i = 0; i < count; i++) out[i] = dv.getUint16(2 * i, le);
      break;
    case 'int32':
      for (let i = 0; i < count; i++) out[i] = dv.getInt32(4 * i, le);
      break;
    case 'uint32':
      for (let i = 0; i < count; i++) out[i] = dv.getUint32(4 * i, le);
      break;
    case 'float32':
      for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, le);
      break;
    case 'float64':
      for (let i = 0; i < count; i++) out[i] = dv.getFloat64(8 * i, le);
      break;
  }
  return out;
}
