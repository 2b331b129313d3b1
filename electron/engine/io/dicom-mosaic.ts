/**
 * Siemens mosaic: one stored image holding N slices as tiles of a square grid
 * (ceil(sqrt(N)) tiles a side). N comes from NumberOfImagesInMosaic
 * (0019,100A) or the CSA image header (0029,1010); the slice direction from
 * the CSA SliceNormalVector when present, else row x column cosine.
 *
 * ImagePositionPatient of a mosaic is the corner of the whole grid, not of a
 * tile; the first slice's corner lies half the unused grid further along the
 * row and column directions (the correction dcm2niix and nibabel apply):
 *   p0 = IPP + rowCos * dx * (Columns - tileCols) / 2 + colCos * dy * (Rows - tileRows) / 2
 * and slice k sits at p0 + k * spacing * normal.
 */
import type { DataSet } from 'dicom-parser';
import { ReaderError } from './errors';

export type Vec3 = [number, number, number];

export interface Mosaic {
  count: number;
  tileRows: number;
  tileCols: number;
  perSide: number;
  /** Slice direction from the CSA header, in LPS. */
  normal?: Vec3;
}

/** Values of one element of a CSA header (SV10 "CSA2" or the older CSA1 layout); undefined when absent or unreadable. */
export function csaValues(bytes: Uint8Array, name: string): string[] | undefined {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = (o: number, n: number): string => {
    let s = '';
    for (let i = o; i < o + n && i < bytes.length && bytes[i] !== 0; i++) s += String.fromCharCode(bytes[i]!);
    return s;
  };
  let p = text(0, 4) === 'SV10' ? 8 : 0;
  if (p + 8 > bytes.length) return undefined;
  const ntags = dv.getUint32(p, true);
  p += 8;
  if (ntags < 1 || ntags > 1000) return undefined;
  for (let t = 0; t < ntags; t++) {
    if (p + 84 > bytes.length) return undefined;
    const tagName = text(p, 64);
    const nitems = dv.getInt32(p + 76, true);
    p += 84;
    if (nitems < 0 || nitems > 1000) return undefined;
    const values: string[] = [];
    for (let i = 0; i < nitems; i++) {
      if (p + 16 > bytes.length) return undefined;
      const len = dv.getInt32(p, true);
      p += 16;
      if (len < 0 || p + len > bytes.length) return undefined;
      if (len > 0) values.push(text(p, len).trim());
      p += Math.ceil(len / 4) * 4;
    }
    if (tagName === name) return values;
  }
  return undefined;
}

function elementBytes(ds: DataSet, tag: string): Uint8Array | undefined {
  const el = ds.elements[tag];
  if (!el || el.length <= 0 || el.dataOffset + el.length > ds.byteArray.length) return undefined;
  return ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
}

/** Mosaic layout of a Siemens file, or undefined when it is not a mosaic. */
export function mosaicOf(ds: DataSet, file: string, rows: number, cols: number): Mosaic | undefined {
  const imageType = (ds.string('x00080008') ?? '').toUpperCase().split('\\');
  if (!imageType.includes('MOSAIC')) return undefined;
  const csa = elementBytes(ds, 'x00291010');
  let count: number | undefined;
  const direct = ds.elements.x0019100a;
  if (direct && direct.length === 2) count = ds.uint16('x0019100a');
  if (!count && csa) count = Number(csaValues(csa, 'NumberOfImagesInMosaic')?.[0]);
  if (!count || !Number.isInteger(count) || count < 1) {
    throw new ReaderError(file, 'Siemens MOSAIC image without NumberOfImagesInMosaic (0019,100A or CSA header): cannot split it into slices');
  }
  const perSide = Math.ceil(Math.sqrt(count));
  if (rows % perSide !== 0 || cols % perSide !== 0) {
    throw new ReaderError(file, `mosaic of ${rows}x${cols} cannot hold ${count} tiles in a ${perSide}x${perSide} grid`);
  }
  let normal: Vec3 | undefined;
  const nv = csa ? csaValues(csa, 'SliceNormalVector')?.map(Number) : undefined;
  if (nv && nv.length === 3 && nv.every(Number.isFinite) && Math.hypot(...nv) > 0.5) normal = nv as Vec3;
  return { count, tileRows: rows / perSide, tileCols: cols / perSide, perSide, normal };
}

/** Splits mosaic frames [frame][rows][cols] into slices [frame*count][tileRows][tileCols]. */
export function splitMosaic(px: Float32Array, frames: number, rows: number, cols: number, m: Mosaic): Float32Array {
  const tile = m.tileRows * m.tileCols;
  const out = new Float32Array(frames * m.count * tile);
  for (let f = 0; f < frames; f++) {
    for (let k = 0; k < m.count; k++) {
      const r0 = Math.floor(k / m.perSide) * m.tileRows;
      const c0 = (k % m.perSide) * m.tileCols;
      const dst = (f * m.count + k) * tile;
      for (let y = 0; y < m.tileRows; y++) {
        const src = f * rows * cols + (r0 + y) * cols + c0;
        out.set(px.subarray(src, src + m.tileCols), dst + y * m.tileCols);
      }
    }
  }
  return out;
}

/** Corner positions (LPS) of the mosaic's slices. */
export function mosaicPositions(ipp: Vec3, iop: number[], dy: number, dx: number, rows: number, cols: number, m: Mosaic, spacing: number): Vec3[] {
  const rowCos = iop.slice(0, 3);
  const colCos = iop.slice(3, 6);
  const n = m.normal ?? [
    rowCos[1]! * colCos[2]! - rowCos[2]! * colCos[1]!,
    rowCos[2]! * colCos[0]! - rowCos[0]! * colCos[2]!,
    rowCos[0]! * colCos[1]! - rowCos[1]! * colCos[0]!,
  ];
  const p0 = [0, 1, 2].map((i) => ipp[i]! + rowCos[i]! * dx * ((cols - m.tileCols) / 2) + colCos[i]! * dy * ((rows - m.tileRows) / 2));
  return Array.from({ length: m.count }, (_, k) => [0, 1, 2].map((i) => p0[i]! + k * spacing * n[i]!) as Vec3);
}
