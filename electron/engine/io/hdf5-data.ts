/**
 * Raw access to HDF5 datasets through h5wasm: hyperslab reads straight from
 * the library's heap (h5wasm's own slice() turns complex compounds into
 * arrays of [re, im] pairs, ~100 bytes per value) and decoding of the few
 * element types fastMRI files use.
 */
import { ReaderError } from './errors';
import type { loadH5wasm } from './hdf5-module';

export type H5 = Awaited<ReturnType<typeof loadH5wasm>>;
export type H5File = InstanceType<H5['File']>;

export interface DatasetMeta {
  type: number;
  size: number;
  littleEndian: boolean;
  shape?: number[] | null;
  compound_type?: { members: { type: number; size: number; littleEndian: boolean; offset: number; name: string }[] };
  enum_type?: { type: number };
  signed?: boolean;
}

export const H5T_INTEGER = 0;
export const H5T_FLOAT = 1;
export const H5T_COMPOUND = 6;
export const H5T_ENUM = 8;

export function hostLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

/** Reads the hyperslab start..start+count (unit strides) of a root dataset as raw bytes. */
export function readRaw(h5: H5, f: H5File, name: string, elemSize: number, start: number[], count: number[]): Uint8Array {
  const M = h5.Module as unknown as {
    _malloc(n: number): number;
    _free(p: number): void;
    HEAPU8: Uint8Array;
    get_dataset_data(id: bigint, path: string, count: bigint[], offset: bigint[], strides: bigint[], ptr: bigint): number;
  };
  let n = elemSize;
  for (const c of count) n *= c;
  const ptr = M._malloc(Math.max(1, n));
  if (!ptr) throw new Error(`cannot allocate ${n} bytes in the HDF5 heap`);
  try {
    const rc = M.get_dataset_data(f.file_id, `/${name}`, count.map(BigInt), start.map(BigInt), count.map(() => 1n), BigInt(ptr));
    if (rc < 0) throw new Error(`reading ${name} failed`);
    // HEAPU8 may have been replaced if the heap grew during the read: look it up afresh.
    return M.HEAPU8.slice(ptr, ptr + n);
  } finally {
    M._free(ptr);
  }
}

/** Decodes n scalars of an integer/float/enum type from raw bytes to float64-representable numbers in a Float32Array. */
export function decodeReal(bytes: Uint8Array, m: { type: number; size: number; littleEndian: boolean; signed?: boolean }, n: number, what: string, file: string): Float32Array {
  const out = new Float32Array(n);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = m.littleEndian;
  const read = ((): ((o: number) => number) => {
    if (m.type === H5T_FLOAT && m.size === 4) return (o) => dv.getFloat32(o, le);
    if (m.type === H5T_FLOAT && m.size === 8) return (o) => dv.getFloat64(o, le);
    if (m.type === H5T_INTEGER || m.type === H5T_ENUM) {
      const s = m.signed;
      if (m.size === 1) return (o) => (s ? dv.getInt8(o) : dv.getUint8(o));
      if (m.size === 2) return (o) => (s ? dv.getInt16(o, le) : dv.getUint16(o, le));
      if (m.size === 4) return (o) => (s ? dv.getInt32(o, le) : dv.getUint32(o, le));
      if (m.size === 8) return (o) => Number(s ? dv.getBigInt64(o, le) : dv.getBigUint64(o, le));
    }
    throw new ReaderError(file, `${what} has an unsupported data type (HDF5 class ${m.type}, ${m.size} bytes); expected numbers`);
  })();
  if (m.type === H5T_FLOAT && m.size === 4 && le === hostLittleEndian()) {
    out.set(new Float32Array(bytes.buffer, bytes.byteOffset, n));
    return out;
  }
  for (let i = 0; i < n; i++) out[i] = read(i * m.size);
  return out;
}

/** Complex element layout of `kspace`: a compound of two floats (h5py's complex64/complex128). */
export function complexLayout(m: DatasetMeta, file: string): { size: number; re: number; im: number; fsize: number; le: boolean } {
  const members = m.compound_type?.members;
  const ok = m.type === H5T_COMPOUND && members?.length === 2 && members.every((x) => x.type === H5T_FLOAT && x.size === members[0]!.size && (x.size === 4 || x.size === 8));
  if (!ok || !members) {
    throw new ReaderError(file, `dataset 'kspace' is not complex (HDF5 class ${m.type}, ${m.size} bytes per value); fastMRI stores complex64`);
  }
  const re = members.find((x) => /^r/i.test(x.name)) ?? members[0]!;
  const im = members.find((x) => x !== re)!;
  return { size: m.size, re: re.offset, im: im.offset, fsize: re.size, le: re.littleEndian };
}

