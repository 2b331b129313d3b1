/**
 * A minimal NIfTI-1 single-file (.nii) writer for float32 volumes, so a map
 * computed by the host (the σ map) leaves the app in a format every imaging
 * tool reads. Pure: bytes in, bytes out; the download lives in sigma-export.
 *
 * Layout: the 348-byte header, 4 zero extension bytes, then the voxels
 * little-endian from byte 352. Our slices are row-major [y][x], which is
 * NIfTI's order with i = x fastest, j = y, k = slice. Without a known
 * position in the scanner no qform/sform is written (code 0): readers then
 * place voxels by pixdim alone, which is all we know.
 */

export const NIFTI_HEADER_BYTES = 348;
export const NIFTI_VOX_OFFSET = 352;
export const NIFTI_FLOAT32 = 16;

export interface NiftiVolume {
  width: number;
  height: number;
  /** Number of slices. */
  depth: number;
  /** width * height * depth values, x fastest, then y, then slice. */
  data: Float32Array;
  /** In-plane pixel size in mm as [dy, dx] (the SliceImage order), when known. */
  spacing?: [number, number];
  /** Distance between slices in mm, when known. */
  sliceSpacing?: number;
  /** Up to 79 ASCII characters stored in the header's descrip field. */
  description?: string;
}

/** The .nii file's bytes: header, empty extension flag, float32 voxels. */
export function niftiFloat32(v: NiftiVolume): ArrayBuffer {
  const dims = [v.width, v.height, v.depth];
  for (const [name, n] of [['width', v.width], ['height', v.height], ['depth', v.depth]] as const) {
    if (!Number.isInteger(n) || n < 1 || n > 32767) throw new RangeError(`NIfTI ${name} must be an integer in 1..32767, got ${n}`);
  }
  const count = v.width * v.height * v.depth;
  if (v.data.length !== count) throw new RangeError(`NIfTI data holds ${v.data.length} values, ${v.width}×${v.height}×${v.depth} needs ${count}`);
  const spacing = v.spacing ?? [1, 1];
  if (!spacing.every((s) => Number.isFinite(s) && s > 0)) throw new RangeError(`NIfTI spacing must be positive, got ${spacing.join(', ')}`);

  const buf = new ArrayBuffer(NIFTI_VOX_OFFSET + count * 4);
  const h = new DataView(buf);
  const le = true;
  h.setInt32(0, NIFTI_HEADER_BYTES, le); // sizeof_hdr
  h.setUint8(38, 'r'.charCodeAt(0)); // regular
  h.setInt16(40, 3, le); // dim[0]: three dimensions
  dims.forEach((n, i) => h.setInt16(42 + 2 * i, n, le));
  for (let i = 3; i < 7; i++) h.setInt16(42 + 2 * i, 1, le); // unused dims are 1, not 0
  h.setInt16(70, NIFTI_FLOAT32, le); // datatype
  h.setInt16(72, 32, le); // bitpix
  // pixdim[0] is qfac (1 = right-handed); then dx, dy, dz.
  const pix = [1, spacing[1], spacing[0], v.sliceSpacing ?? 1, 1, 1, 1, 1];
  pix.forEach((p, i) => h.setFloat32(76 + 4 * i, p, le));
  h.setFloat32(108, NIFTI_VOX_OFFSET, le); // vox_offset
  h.setFloat32(112, 1, le); // scl_slope: values are stored as they are
  h.setFloat32(116, 0, le); // scl_inter
  h.setUint8(123, v.spacing ? 2 : 0); // xyzt_units: mm when the spacing is known
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < count; i++) {
    const x = v.data[i] ?? Number.NaN;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (hi >= lo) {
    h.setFloat32(124, hi, le); // cal_max
    h.setFloat32(128, lo, le); // cal_min
  }
  writeAscii(h, 148, 80, v.description ?? '');
  writeAscii(h, 344, 4, 'n+1'); // magic, NUL-terminated by the zeroed buffer
  // Bytes 348..351 stay 0: no header extensions.
  const out = new Float32Array(buf, NIFTI_VOX_OFFSET, count);
  if (littleEndianHost()) out.set(v.data);
  else for (let i = 0; i < count; i++) h.setFloat32(NIFTI_VOX_OFFSET + 4 * i, v.data[i] ?? Number.NaN, le);
  return buf;
}

function writeAscii(h: DataView, offset: number, size: number, text: string): void {
  // Leave room for the terminating NUL; anything outside printable ASCII becomes '?'.
  const n = Math.min(text.length, size - 1);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    h.setUint8(offset + i, c >= 32 && c < 127 ? c : 63);
  }
}

function littleEndianHost(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
