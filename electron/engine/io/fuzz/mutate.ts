/**
 * Deterministic mutators for the broken-input corpus. Every mutant is a pure
 * function of (seed bytes, Rng), so a failing case is reproduced from its
 * label alone ("nifti:int16-le#123 flip").
 *
 * Generic mutators (truncate, flip, splice, interesting integers) find the
 * shallow bugs; the format-aware ones aim at the fields readers trust:
 * NIfTI dim[]/datatype/vox_offset, DICOM Rows/Columns/NumberOfFrames/Bits*
 * and element lengths, BART header sizes.
 */
import type { Rng } from '../../array';

export interface Mutant {
  label: string;
  bytes: Uint8Array;
}

/** Values that sit on the edges integer parsers get wrong. */
const INTERESTING = [0, 1, -1, 2, 3, 7, 8, 15, 16, 255, 256, 0x7f, 0x80, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

const pick = <T>(rng: Rng, list: readonly T[]): T => list[rng.int(list.length)]!;

export function truncate(bytes: Uint8Array, at: number): Uint8Array {
  return bytes.slice(0, Math.max(0, Math.min(bytes.length, at)));
}

/** 1..8 random bytes replaced (random value or a single flipped bit). */
export function flipBytes(bytes: Uint8Array, rng: Rng): Uint8Array {
  const out = bytes.slice();
  if (out.length === 0) return out;
  const n = 1 + rng.int(8);
  for (let i = 0; i < n; i++) {
    const at = rng.int(out.length);
    out[at] = rng.next() < 0.5 ? rng.int(256) : out[at]! ^ (1 << rng.int(8));
  }
  return out;
}

/** Writes an interesting 16- or 32-bit integer at `at` (random when absent), either byte order. */
export function writeInteresting(bytes: Uint8Array, rng: Rng, at?: number, size?: 2 | 4): Uint8Array {
  const out = bytes.slice();
  const s = size ?? (rng.next() < 0.5 ? 2 : 4);
  if (out.length < s) return out;
  const pos = at ?? rng.int(out.length - s + 1);
  if (pos < 0 || pos + s > out.length) return out;
  const dv = new DataView(out.buffer);
  const v = pick(rng, INTERESTING);
  const le = rng.next() < 0.7;
  if (s === 2) dv.setUint16(pos, v & 0xffff, le);
  else dv.setUint32(pos, v >>> 0, le);
  return out;
}

/** Delete, duplicate or insert garbage at a random place. */
export function splice(bytes: Uint8Array, rng: Rng): Uint8Array {
  const at = rng.int(bytes.length + 1);
  const len = 1 + rng.int(Math.max(1, Math.min(512, bytes.length >> 2)));
  const op = rng.int(3);
  if (op === 0) return concat(bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + len)));
  if (op === 1) return concat(bytes.subarray(0, at + len), bytes.subarray(at));
  const junk = new Uint8Array(len);
  for (let i = 0; i < len; i++) junk[i] = rng.int(256);
  return concat(bytes.subarray(0, at), junk, bytes.subarray(at));
}

/** The first `n` bytes replaced by random garbage. */
export function garbageHeader(bytes: Uint8Array, rng: Rng, n: number): Uint8Array {
  const out = bytes.slice();
  for (let i = 0; i < Math.min(n, out.length); i++) out[i] = rng.int(256);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** One generic mutation, chosen by the rng; `hot` offsets (field positions) are favoured for truncation. */
export function genericMutation(bytes: Uint8Array, rng: Rng, hot: readonly number[] = []): Mutant {
  const r = rng.int(10);
  if (r < 2) {
    const at = hot.length && rng.next() < 0.4 ? pick(rng, hot) + rng.int(3) - 1 : rng.int(bytes.length + 1);
    return { label: `truncate@${at}`, bytes: truncate(bytes, at) };
  }
  if (r < 5) return { label: 'flip', bytes: flipBytes(bytes, rng) };
  if (r < 7) {
    const at = hot.length && rng.next() < 0.6 ? pick(rng, hot) : undefined;
    return { label: `int@${at ?? 'rand'}`, bytes: writeInteresting(bytes, rng, at) };
  }
  if (r < 9) return { label: 'splice', bytes: splice(bytes, rng) };
  return { label: 'garbage-header', bytes: garbageHeader(bytes, rng, 1 + rng.int(600)) };
}

// ---------------------------------------------------------------- NIfTI

/** Byte offsets of the NIfTI-1 fields readers trust (dim, datatype, bitpix, pixdim, vox_offset, scl, q/sform codes, quatern, srow). */
export const NIFTI1_FIELDS = [0, 40, 42, 44, 46, 48, 50, 52, 54, 70, 72, 76, 80, 84, 88, 108, 112, 116, 252, 254, 256, 268, 280, 296, 312, 344];
export const NIFTI2_FIELDS = [0, 4, 12, 14, 16, 24, 32, 40, 48, 56, 64, 72, 104, 112, 168, 176, 184, 344, 348, 352, 376, 400, 500];

/** Overwrites a NIfTI numeric field with an absurd value: huge/negative dims, NaN/Inf floats, bad datatypes. */
export function niftiField(bytes: Uint8Array, rng: Rng, version: 1 | 2, le: boolean): Mutant {
  // After a stacked truncation the header may be gone: nothing left to aim at.
  if (bytes.length < (version === 1 ? 348 : 540)) return genericMutation(bytes, rng);
  const out = bytes.slice();
  const dv = new DataView(out.buffer);
  if (version === 1) {
    const which = rng.int(6);
    if (which === 0) {
      const i = rng.int(8);
      const v = pick(rng, [0, -1, -32768, 32767, 8, 7, 1, 2, 3, 4, 5, 1000]);
      dv.setInt16(40 + 2 * i, v, le);
      return { label: `nifti1 dim[${i}]=${v}`, bytes: out };
    }
    if (which === 1) {
      const v = pick(rng, [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 768, 1024, 1792, 2048, 2304, 3, -1, 32767]);
      dv.setInt16(70, v, le);
      return { label: `nifti1 datatype=${v}`, bytes: out };
    }
    if (which === 2) {
      const v = pick(rng, [NaN, Infinity, -Infinity, -1e30, 1e30, 0, 348, 351, 2 ** 31, -352, 353]);
      dv.setFloat32(108, v, le);
      return { label: `nifti1 vox_offset=${v}`, bytes: out };
    }
    const at = pick(rng, [76, 80, 84, 88, 112, 116, 256, 260, 264, 268, 280, 284, 300, 312]);
    const v = pick(rng, [NaN, Infinity, -Infinity, 0, -1, 1e38, -1e38, 1e-38]);
    dv.setFloat32(at, v, le);
    if (which === 5) dv.setInt16(pick(rng, [252, 254]), pick(rng, [0, 1, 2, 3, 4, -1, 99]), le);
    return { label: `nifti1 float@${at}=${v}`, bytes: out };
  }
  const which = rng.int(4);
  if (which === 0) {
    const i = rng.int(8);
    const v = pick(rng, [0n, -1n, 2n ** 20n, 2n ** 40n, 2n ** 62n, -(2n ** 63n), 8n, 1n]);
    dv.setBigInt64(16 + 8 * i, v, le);
    return { label: `nifti2 dim[${i}]=${v}`, bytes: out };
  }
  if (which === 1) {
    const v = pick(rng, [0n, -1n, 2n ** 53n + 1n, 2n ** 62n, 544n, 543n, 2n ** 31n]);
    dv.setBigInt64(168, v, le);
    return { label: `nifti2 vox_offset=${v}`, bytes: out };
  }
  if (which === 2) {
    const v = pick(rng, [0, 2, 16, 32, 64, 1792, 2048, -1]);
    dv.setInt16(12, v, le);
    return { label: `nifti2 datatype=${v}`, bytes: out };
  }
  const at = pick(rng, [104, 112, 120, 128, 176, 184, 352, 376, 400, 432, 464]);
  const v = pick(rng, [NaN, Infinity, -Infinity, 0, 1e300, -1e300]);
  dv.setFloat64(at, v, le);
  return { label: `nifti2 float@${at}=${v}`, bytes: out };
}

// ---------------------------------------------------------------- DICOM

/** Tags whose values drive allocation and decoding. */
const DICOM_HOT_TAGS: [number, number][] = [
  [0x0028, 0x0010], // Rows
  [0x0028, 0x0011], // Columns
  [0x0028, 0x0008], // NumberOfFrames
  [0x0028, 0x0100], // BitsAllocated
  [0x0028, 0x0101], // BitsStored
  [0x0028, 0x0102], // HighBit
  [0x0028, 0x0103], // PixelRepresentation
  [0x0028, 0x0002], // SamplesPerPixel
  [0x0028, 0x0006], // PlanarConfiguration
  [0x0028, 0x1053], // RescaleSlope
  [0x0020, 0x0032], // ImagePositionPatient
  [0x0020, 0x0037], // ImageOrientationPatient
  [0x0028, 0x0030], // PixelSpacing
  [0x0002, 0x0010], // TransferSyntaxUID
  [0x7fe0, 0x0010], // PixelData
  [0xfffe, 0xe000], // Item (encapsulated fragments, sequence items)
  [0x0019, 0x100a], // Siemens NumberOfImagesInMosaic
  [0x5200, 0x9230], // PerFrameFunctionalGroupsSequence
  [0x0029, 0x1010], // Siemens CSA image header
  [0x0029, 0x1020], // Siemens CSA series header
];

/** Offsets inside Siemens CSA2 headers ("SV10") that parsers trust: tag count, vm, item count, item length. */
function csaHotOffsets(bytes: Uint8Array): { tag: string; at: number }[] {
  const out: { tag: string; at: number }[] = [];
  for (let i = 0; i + 4 <= bytes.length; i++) {
    if (bytes[i] === 0x53 && bytes[i + 1] === 0x56 && bytes[i + 2] === 0x31 && bytes[i + 3] === 0x30) {
      for (const [what, d] of [['n_tags', 8], ['vm', 80], ['n_items', 92], ['item_len', 100]] as const) out.push({ tag: `CSA ${what}`, at: i + d });
    }
  }
  return out;
}

/** Offsets where the tag (group, element) is encoded, in either byte order. */
export function findTag(bytes: Uint8Array, group: number, element: number): number[] {
  const out: number[] = [];
  const le = [group & 0xff, group >> 8, element & 0xff, element >> 8];
  const be = [group >> 8, group & 0xff, element >> 8, element & 0xff];
  for (let i = 0; i + 8 <= bytes.length; i++) {
    if (
      (bytes[i] === le[0] && bytes[i + 1] === le[1] && bytes[i + 2] === le[2] && bytes[i + 3] === le[3]) ||
      (bytes[i] === be[0] && bytes[i + 1] === be[1] && bytes[i + 2] === be[2] && bytes[i + 3] === be[3])
    ) {
      out.push(i);
    }
  }
  return out;
}

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'OD', 'OL', 'OV', 'SQ', 'UN', 'UT', 'UC', 'UR']);
const isUpper = (b: number | undefined): boolean => b !== undefined && b >= 0x41 && b <= 0x5a;

/** Where an element's length field sits, and its size, for explicit or implicit VR. */
function lengthField(bytes: Uint8Array, at: number): { pos: number; size: 2 | 4; vr?: string } {
  if (isUpper(bytes[at + 4]) && isUpper(bytes[at + 5])) {
    const vr = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!);
    return LONG_VRS.has(vr) ? { pos: at + 8, size: 4, vr } : { pos: at + 6, size: 2, vr };
  }
  return { pos: at + 4, size: 4 };
}

/** Precomputed tag positions of a DICOM seed, so thousands of mutants need one scan. */
export interface DicomMap {
  hot: { tag: string; at: number }[];
  /** Every plausible explicit-VR element start (for lying lengths). */
  elements: number[];
  /** Fields inside Siemens CSA headers. */
  csa: { tag: string; at: number }[];
}

export function mapDicom(bytes: Uint8Array): DicomMap {
  const hot: { tag: string; at: number }[] = [];
  for (const [g, e] of DICOM_HOT_TAGS) {
    for (const at of findTag(bytes, g, e)) hot.push({ tag: `(${g.toString(16).padStart(4, '0')},${e.toString(16).padStart(4, '0')})`, at });
  }
  const csa = csaHotOffsets(bytes);
  const elements: number[] = [];
  for (let i = 132; i + 8 <= bytes.length; i++) {
    if (isUpper(bytes[i + 4]) && isUpper(bytes[i + 5]) && (bytes[i + 1]! < 0x80 || bytes[i] === 0xe0)) elements.push(i);
    if (elements.length > 4000) break;
  }
  return { hot, elements, csa };
}

/** Absurd value for a hot tag (binary or text), or a lying length on any element. */
export function dicomField(bytes: Uint8Array, map: DicomMap, rng: Rng): Mutant {
  const out = bytes.slice();
  const dv = new DataView(out.buffer);
  if (map.csa.length && rng.next() < 0.3) {
    const { tag, at } = pick(rng, map.csa);
    const v = pick(rng, [0, 1, 2, 128, 1000, 0xffff, 0x7fffffff, 0xffffffff, out.length]);
    if (at + 4 <= out.length) dv.setUint32(at, v >>> 0, true);
    return { label: `dicom ${tag}@${at}=${v}`, bytes: out };
  }
  if (map.hot.length && rng.next() < 0.65) {
    const { tag, at } = pick(rng, map.hot);
    const lf = lengthField(out, at);
    if (rng.next() < 0.3) {
      const v = pick(rng, [0, 1, 2, 3, 0xffff, 0xfffe, 0x7fffffff, 0xffffffff, out.length, out.length * 4]);
      if (lf.pos + lf.size <= out.length) {
        if (lf.size === 2) dv.setUint16(lf.pos, v & 0xffff, true);
        else dv.setUint32(lf.pos, v >>> 0, true);
      }
      return { label: `dicom ${tag} length=${v}`, bytes: out };
    }
    const vpos = lf.pos + lf.size;
    const vlen = lf.size === 2 && lf.pos + 2 <= out.length ? dv.getUint16(lf.pos, true) : 2;
    if (lf.vr === 'IS' || lf.vr === 'DS' || lf.vr === 'UI') {
      const s = pick(rng, ['0', '-1', '99999999', '1e308', 'NaN', '', '2147483648', '65535', '3.5', '1\\2', '\0\0']);
      for (let i = 0; i < vlen && vpos + i < out.length; i++) out[vpos + i] = i < s.length ? s.charCodeAt(i) : 0x20;
      return { label: `dicom ${tag}="${s}"`, bytes: out };
    }
    const v = pick(rng, [0, 1, 2, 3, 7, 9, 12, 17, 24, 31, 32, 33, 64, 0x7fff, 0x8000, 0xffff]);
    if (vpos + 2 <= out.length) dv.setUint16(vpos, v, rng.next() < 0.8);
    return { label: `dicom ${tag}=${v}`, bytes: out };
  }
  if (map.elements.length === 0) return genericMutation(bytes, rng);
  const at = pick(rng, map.elements);
  const lf = lengthField(out, at);
  const v = pick(rng, [0, 1, 3, 0xffff, 0x7fffffff, 0xfffffffe, 0xffffffff, out.length - at, out.length]);
  if (lf.pos + lf.size <= out.length) {
    if (lf.size === 2) dv.setUint16(lf.pos, v & 0xffff, true);
    else dv.setUint32(lf.pos, v >>> 0, true);
  }
  return { label: `dicom element@${at} length=${v}`, bytes: out };
}

// ---------------------------------------------------------------- BART

/** A broken BART header: absurd sizes, too many dims, text instead of numbers. */
export function cflHeader(rng: Rng, dims: readonly number[]): string {
  const d = [...dims];
  const r = rng.int(7);
  if (r === 0) d[rng.int(16)] = pick(rng, [0, -1, 2 ** 20, 2 ** 31, 2 ** 53, 1e21, 65536]);
  else if (r === 1) return `# Dimensions\n${d.join(' ')} ${d.join(' ')}\n`;
  else if (r === 2) return `# Dimensions\n${d.map((x) => (rng.next() < 0.2 ? 'x' : String(x))).join(' ')}\n`;
  else if (r === 3) return rng.next() < 0.5 ? '' : '# Dimensions\n';
  else if (r === 4) return `# Dimensions\n${'9'.repeat(1 + rng.int(400))} 1\n`;
  else if (r === 5) d[rng.int(4)]! *= 2;
  else return `#Dimension\n${d.join(' ')}\n`;
  return `# Dimensions\n${d.join(' ')} \n`;
}

// ---------------------------------------------------------------- HDF5

/** Offsets where `shape` is stored as consecutive little-endian uint64 (an HDF5 dataspace message). */
export function findDataspace(bytes: Uint8Array, shape: readonly number[]): number[] {
  const out: number[] = [];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i + 8 * shape.length <= bytes.length; i++) {
    if (shape.every((d, k) => dv.getUint32(i + 8 * k, true) === d && dv.getUint32(i + 8 * k + 4, true) === 0)) out.push(i);
  }
  return out;
}

/** An absurd extent written into one dimension of a dataspace (huge, zero, 2^64-1, or just off by one). */
export function hdf5Dims(bytes: Uint8Array, spaces: readonly { at: number; rank: number }[], rng: Rng): Mutant {
  const out = bytes.slice();
  if (spaces.length === 0) return genericMutation(bytes, rng);
  const { at, rank } = pick(rng, spaces);
  const k = rng.int(rank);
  const v = pick(rng, [0n, 1n, 3n, 2n ** 20n, 2n ** 32n, 2n ** 40n, 2n ** 63n, 2n ** 64n - 1n]);
  new DataView(out.buffer).setBigUint64(at + 8 * k, v, true);
  return { label: `hdf5 dataspace@${at} dim[${k}]=${v}`, bytes: out };
}
