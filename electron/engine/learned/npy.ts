/**
 * Minimal reader for NumPy .npy files (format 1.0-3.0, C order, little endian),
 * the format the Python side writes golden tensors in.
 */
export interface NpyArray {
  shape: number[];
  dtype: 'float32' | 'float64' | 'int64' | 'int32' | 'bool';
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;
}

const DESCR: Record<string, NpyArray['dtype']> = { '<f4': 'float32', '<f8': 'float64', '<i8': 'int64', '<i4': 'int32', '|b1': 'bool' };

export function readNpy(bytes: Uint8Array, name = 'array'): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((m, i) => bytes[i] !== m)) throw new RangeError(`${name}: not a .npy file (bad magic)`);
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder('latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new RangeError(`${name}: unreadable .npy header ${header.trim()}`);
  if (fortran === 'True') throw new RangeError(`${name}: Fortran-order .npy is not supported; save with np.ascontiguousarray`);
  const dtype = DESCR[descr];
  if (!dtype) throw new RangeError(`${name}: unsupported .npy dtype ${descr} (expected one of ${Object.keys(DESCR).join(', ')})`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLen;
  const width = { float32: 4, float64: 8, int64: 8, int32: 4, bool: 1 }[dtype];
  if (bytes.length - offset < count * width) throw new RangeError(`${name}: .npy holds ${bytes.length - offset} data bytes, shape [${shape.join(', ')}] needs ${count * width}`);
  // Copy (Node's Buffer.slice would share the pool) so the typed array is aligned and exact.
  const buf = new Uint8Array(bytes.subarray(offset, offset + count * width)).buffer;
  const data =
    dtype === 'float32' ? new Float32Array(buf)
    : dtype === 'float64' ? new Float64Array(buf)
    : dtype === 'int64' ? new BigInt64Array(buf)
    : dtype === 'int32' ? new Int32Array(buf)
    : new Uint8Array(buf);
  return { shape, dtype, data };
}
