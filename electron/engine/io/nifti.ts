/**
 * NIfTI-1 and NIfTI-2 single-file images (.nii; load.ts gunzips .nii.gz).
 *
 * NIfTI stores x (i) fastest, then y (j), then z (k): that byte order already is
 * our row-major [slice][y][x], so voxels are copied without a transpose, and
 * the NIfTI affine maps (i, j, k) = (x column, y row, slice) exactly as
 * Geometry.affine wants.
 *
 * Choices worth knowing:
 * - affine: sform when sform_code > 0, else qform (quaternion) when
 *   qform_code > 0, else NIfTI "method 1" diag(pixdim1..3) with no offset
 *   (nibabel instead returns an Analyze-style centred affine in that case).
 * - scl_slope / scl_inter apply to real data when the slope is finite and
 *   non-zero; the standard exempts complex data from scaling, so it is not
 *   scaled.
 * - 4D: one volume (opts.volume, default 0) is read; meta.nt gives the count.
 * - Float data often marks "outside the brain" with NaN; such voxels become 0
 *   and meta.nonFiniteVoxels counts them, rather than failing the load.
 */
import type { ImageVolume, Meta } from '../array';
import { abs } from '../array';
import { decodeSamples, SAMPLE_BYTES, type SampleType } from './binary';
import { checkDims, checkLength, ReaderError } from './errors';

export interface NiftiOptions {
  /** Which volume of a 4D file to read (default 0). */
  volume?: number;
}

interface Header {
  version: 1 | 2;
  littleEndian: boolean;
  dims: number[]; // dim[1..dim[0]]
  datatype: number;
  pixdim: number[]; // pixdim[0..7]
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  qformCode: number;
  sformCode: number;
  quatern: [number, number, number];
  qoffset: [number, number, number];
  srow: number[]; // 12 values, rows x, y, z
  descrip: string;
  xyztUnits: number;
}

const DATATYPES: Record<number, { name: string; sample?: SampleType; complex?: SampleType }> = {
  2: { name: 'uint8', sample: 'uint8' },
  4: { name: 'int16', sample: 'int16' },
  8: { name: 'int32', sample: 'int32' },
  16: { name: 'float32', sample: 'float32' },
  32: { name: 'complex64', complex: 'float32' },
  64: { name: 'float64', sample: 'float64' },
  256: { name: 'int8', sample: 'int8' },
  512: { name: 'uint16', sample: 'uint16' },
  768: { name: 'uint32', sample: 'uint32' },
  1792: { name: 'complex128', complex: 'float64' },
  // Known but not read:
  1: { name: 'binary (1 bit)' },
  128: { name: 'RGB24' },
  1024: { name: 'int64' },
  1280: { name: 'uint64' },
  1536: { name: 'float128' },
  2048: { name: 'complex256' },
  2304: { name: 'RGBA32' },
};

function text(bytes: Uint8Array, offset: number, length: number): string {
  let s = '';
  for (let i = offset; i < offset + length && bytes[i] !== 0; i++) s += String.fromCharCode(bytes[i]!);
  return s.trim();
}

/** vox_offset is a float in NIfTI-1: NaN would otherwise become offset 0 inside DataView. */
function voxOffset1(raw: number, file: string): number {
  if (!Number.isFinite(raw)) throw new ReaderError(file, `invalid vox_offset ${raw} (must be a finite byte offset)`);
  return Math.max(352, Math.floor(raw));
}

function parseHeader(bytes: Uint8Array, file: string): Header {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new ReaderError(file, 'gzip-compressed data: decompress it before parsing (loadVolume does this for .nii.gz)');
  }
  if (bytes.length < 348) {
    throw new ReaderError(file, `truncated file: a NIfTI header needs at least 348 bytes, the file has ${bytes.length}`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let littleEndian = true;
  let size = dv.getInt32(0, true);
  if (size !== 348 && size !== 540) {
    size = dv.getInt32(0, false);
    littleEndian = false;
  }
  if (size === 348) {
    const magic = text(bytes, 344, 4);
    if (magic === 'ni1') {
      throw new ReaderError(file, 'NIfTI-1 header/image pair (.hdr + .img) is not supported; convert it to a single .nii file');
    }
    if (magic !== 'n+1') {
      throw new ReaderError(file, `not a NIfTI-1 file (magic "${magic}" at byte 344; Analyze 7.5 is not supported)`);
    }
    const le = littleEndian;
    const ndim = dv.getInt16(40, le);
    if (ndim < 1 || ndim > 7) throw new ReaderError(file, `absurd dimensions: dim[0] = ${ndim}, must be 1..7`);
    const dims: number[] = [];
    for (let i = 1; i <= ndim; i++) dims.push(dv.getInt16(40 + 2 * i, le));
    const pixdim: number[] = [];
    for (let i = 0; i < 8; i++) pixdim.push(dv.getFloat32(76 + 4 * i, le));
    const srow: number[] = [];
    for (let i = 0; i < 12; i++) srow.push(dv.getFloat32(280 + 4 * i, le));
    return {
      version: 1,
      littleEndian,
      dims,
      datatype: dv.getInt16(70, le),
      pixdim,
      // A single-file NIfTI-1 puts data at >= 352; 0 appears in the wild.
      voxOffset: voxOffset1(dv.getFloat32(108, le), file),
      sclSlope: dv.getFloat32(112, le),
      sclInter: dv.getFloat32(116, le),
      qformCode: dv.getInt16(252, le),
      sformCode: dv.getInt16(254, le),
      quatern: [dv.getFloat32(256, le), dv.getFloat32(260, le), dv.getFloat32(264, le)],
      qoffset: [dv.getFloat32(268, le), dv.getFloat32(272, le), dv.getFloat32(276, le)],
      srow,
      descrip: text(bytes, 148, 80),
      xyztUnits: bytes[123]!,
    };
  }
  if (size === 540) {
    if (bytes.length < 540) {
      throw new ReaderError(file, `truncated file: a NIfTI-2 header needs 540 bytes, the file has ${bytes.length}`);
    }
    const magic = text(bytes, 4, 4);
    if (magic !== 'n+2') {
      throw new ReaderError(file, magic === 'ni2' ? 'NIfTI-2 header/image pair is not supported; use a single .nii file' : `not a NIfTI-2 file (magic "${magic}")`);
    }
    const le = littleEndian;
    const int64 = (o: number): number => Number(dv.getBigInt64(o, le));
    const ndim = int64(16);
    if (ndim < 1 || ndim > 7) throw new ReaderError(file, `absurd dimensions: dim[0] = ${ndim}, must be 1..7`);
    const dims: number[] = [];
    for (let i = 1; i <= ndim; i++) dims.push(int64(16 + 8 * i));
    const pixdim: number[] = [];
    for (let i = 0; i < 8; i++) pixdim.push(dv.getFloat64(104 + 8 * i, le));
    const srow: number[] = [];
    for (let i = 0; i < 12; i++) srow.push(dv.getFloat64(400 + 8 * i, le));
    return {
      version: 2,
      littleEndian,
      dims,
      datatype: dv.getInt16(12, le),
      pixdim,
      voxOffset: Math.max(544, int64(168)),
      sclSlope: dv.getFloat64(176, le),
      sclInter: dv.getFloat64(184, le),
      qformCode: dv.getInt32(344, le),
      sformCode: dv.getInt32(348, le),
      quatern: [dv.getFloat64(352, le), dv.getFloat64(360, le), dv.getFloat64(368, le)],
      qoffset: [dv.getFloat64(376, le), dv.getFloat64(384, le), dv.getFloat64(392, le)],
      srow,
      descrip: text(bytes, 240, 80),
      xyztUnits: dv.getInt32(500, le),
    };
  }
  throw new ReaderError(file, 'not a NIfTI file (sizeof_hdr is neither 348 nor 540 in either byte order)');
}

/** Quaternion + offsets + pixdim -> 4x4 row-major affine (NIfTI-1 standard, method 2). */
function qformAffine(h: Header): number[] {
  const [b, c, d] = h.quatern;
  // As nibabel: a = sqrt(max(0, 1 - |bcd|^2)). (nifti1_io instead zeroes a
  // below 1e-7 and renormalises b, c, d; the two differ by ~1e-5 at most.)
  const a = Math.sqrt(Math.max(0, 1 - (b * b + c * c + d * d)));
  const qfac = h.pixdim[0]! < 0 ? -1 : 1;
  const dx = h.pixdim[1]!, dy = h.pixdim[2]!, dz = h.pixdim[3]! * qfac;
  const r = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ];
  const out: number[] = [];
  for (let row = 0; row < 3; row++) {
    const rr = r[row]!;
    out.push(rr[0]! * dx, rr[1]! * dy, rr[2]! * dz, h.qoffset[row]!);
  }
  out.push(0, 0, 0, 1);
  return out;
}

/** |pixdim[i]| when it is a usable voxel size, else 1 (corrupt or unset). */
const voxelSize = (h: Header, i: number): number => {
  const v = Math.abs(h.pixdim[i] ?? 0);
  return Number.isFinite(v) && v > 0 ? v : 1;
};

/** sform, else qform, else pixdim; a form with NaN/Inf entries is skipped (and named) rather than passed on. */
function affineOf(h: Header): { affine: number[]; from: string } {
  const skipped: string[] = [];
  if (h.sformCode > 0) {
    const affine = [...h.srow, 0, 0, 0, 1];
    if (affine.every(Number.isFinite)) return { affine, from: 'sform' };
    skipped.push('sform');
  }
  if (h.qformCode > 0) {
    const affine = qformAffine(h);
    if (affine.every(Number.isFinite)) return { affine, from: skipped.length ? 'qform (sform not finite)' : 'qform' };
    skipped.push('qform');
  }
  const [dx, dy, dz] = [voxelSize(h, 1), voxelSize(h, 2), voxelSize(h, 3)];
  const from = skipped.length ? `pixdim (${skipped.join(' and ')} not finite)` : 'pixdim';
  return { affine: [dx, 0, 0, 0, 0, dy, 0, 0, 0, 0, dz, 0, 0, 0, 0, 1], from };
}

const SPACE_UNITS: Record<number, string> = { 1: 'm', 2: 'mm', 3: 'um' };

/** Parses one NIfTI-1/2 file (uncompressed bytes) into an image volume. */
export function readNifti(bytes: Uint8Array, name: string, opts: NiftiOptions = {}): ImageVolume {
  const h = parseHeader(bytes, name);
  const dims = h.dims;
  checkDims(name, dims);
  const [nx = 1, ny = 1, nz = 1, nt = 1] = dims;
  const extra = dims.slice(4).reduce((p, d) => p * d, 1);
  if (extra > 1) throw new ReaderError(name, `${dims.length}D data [${dims.join(', ')}] is not supported (at most 4D)`);
  const dt = DATATYPES[h.datatype];
  if (!dt || (!dt.sample && !dt.complex)) {
    throw new ReaderError(name, `unsupported datatype ${h.datatype} (${dt?.name ?? 'unknown'})`);
  }
  const volume = opts.volume ?? 0;
  if (!Number.isInteger(volume) || volume < 0 || volume >= nt) {
    throw new ReaderError(name, `volume index ${volume} is outside the ${nt} volume(s) in the file`);
  }
  const complex = dt.complex !== undefined;
  const sample = (dt.sample ?? dt.complex)!;
  const perVoxel = complex ? 2 : 1;
  const nvox = nx * ny * nz;
  const bytesPerVolume = nvox * perVoxel * SAMPLE_BYTES[sample];
  checkLength(name, bytes.length, h.voxOffset, bytesPerVolume * nt, `voxel data of [${dims.join('x')}] ${dt.name}`);
  const values = decodeSamples(bytes, h.voxOffset + volume * bytesPerVolume, nvox * perVoxel, sample, h.littleEndian);

  let nonFinite = 0;
  if (sample === 'float32' || sample === 'float64') {
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]!)) {
        values[i] = 0;
        nonFinite++;
      }
    }
  }
  const scaled = !complex && Number.isFinite(h.sclSlope) && h.sclSlope !== 0 && (h.sclSlope !== 1 || h.sclInter !== 0);
  if (scaled) {
    const inter = Number.isFinite(h.sclInter) ? h.sclInter : 0;
    for (let i = 0; i < values.length; i++) values[i] = values[i]! * h.sclSlope + inter;
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]!)) {
        throw new ReaderError(name, `scl_slope ${h.sclSlope} / scl_inter ${h.sclInter} scale voxel ${i} beyond the float32 range`);
      }
    }
  }

  const { affine, from } = affineOf(h);
  const meta: Meta = {
    format: `NIfTI-${h.version}`,
    datatype: dt.name,
    byteOrder: h.littleEndian ? 'little-endian' : 'big-endian',
    dims: dims.join('x'),
    nt,
    volume,
    affineSource: from,
    sformCode: h.sformCode,
    qformCode: h.qformCode,
    description: h.descrip || undefined,
    spaceUnits: SPACE_UNITS[h.xyztUnits & 7],
    sclSlope: scaled ? h.sclSlope : undefined,
    sclInter: scaled ? h.sclInter : undefined,
    nonFiniteVoxels: nonFinite || undefined,
  };
  const shape = [nz, ny, nx];
  return {
    kind: 'image',
    image: { shape, data: complex ? abs(values) : values },
    ...(complex ? { complex: { shape, data: values } } : {}),
    geometry: { spacing: [voxelSize(h, 3), voxelSize(h, 2), voxelSize(h, 1)], affine },
    meta,
    source: { path: name, format: 'nifti' },
  };
}

/**
 * Where the voxel data of a NIfTI file ends (vox_offset + all volumes), from
 * its header alone; undefined when the header is not a readable NIfTI header.
 * load.ts caps gzip output with it, so a small .nii.gz cannot inflate to
 * gigabytes its header never declared.
 */
export function niftiDataEnd(header: Uint8Array): number | undefined {
  try {
    const h = parseHeader(header, '');
    const dt = DATATYPES[h.datatype];
    const sample = dt?.sample ?? dt?.complex;
    if (!sample) return undefined;
    const voxels = checkDims('', h.dims);
    return h.voxOffset + voxels * SAMPLE_BYTES[sample] * (dt!.complex ? 2 : 1);
  } catch {
    return undefined;
  }
}

/** True when the bytes start like an uncompressed NIfTI-1 or NIfTI-2 file. */
export function looksLikeNifti(bytes: Uint8Array): boolean {
  if (bytes.length < 348) return false;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = [dv.getInt32(0, true), dv.getInt32(0, false)];
  if (size.includes(348)) return ['n+1', 'ni1'].includes(text(bytes, 344, 4));
  if (size.includes(540)) return ['n+2', 'ni2'].includes(text(bytes, 4, 4));
  return false;
}
