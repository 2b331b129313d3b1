/**
 * NIfTI-1 single-file writer (.nii or .nii.gz): float32 values as they are,
 * or int16 with scl_slope; the source affine as both sform and qform (code 1,
 * scanner) so tools that read either agree. Our images are [slice][y][x] with
 * x fastest, which is NIfTI's own order (i fastest), so data is copied as is.
 */
import { gzipSync } from 'node:zlib';
import type { Geometry, RTensor } from '../array';

export interface NiftiWriteOptions {
  datatype?: 'float32' | 'int16';
  gzip?: boolean;
  description?: string;
}

function affineOf(g: Geometry): number[] {
  if (g.affine && g.affine.length === 16) return g.affine;
  const [dz, dy, dx] = g.spacing;
  return [dx, 0, 0, 0, 0, dy, 0, 0, 0, 0, dz, 0, 0, 0, 0, 1];
}

/** Quaternion of the rotation part (NIfTI-1 qform), with qfac for a left-handed frame. */
function quatern(a: number[]): { b: number; c: number; d: number; qfac: number; pix: [number, number, number] } {
  const col = (j: number) => [a[j]!, a[4 + j]!, a[8 + j]!];
  const pix = [0, 1, 2].map((j) => Math.hypot(...col(j))) as [number, number, number];
  const r = [0, 1, 2].map((j) => col(j).map((v) => v / (pix[j] || 1)));
  // r[j] is column j; R[i][j] = r[j][i]
  const R = (i: number, j: number) => r[j]![i]!;
  const det = R(0, 0) * (R(1, 1) * R(2, 2) - R(1, 2) * R(2, 1)) - R(0, 1) * (R(1, 0) * R(2, 2) - R(1, 2) * R(2, 0)) + R(0, 2) * (R(1, 0) * R(2, 1) - R(1, 1) * R(2, 0));
  const qfac = det < 0 ? -1 : 1;
  const M = (i: number, j: number) => (j === 2 ? qfac * R(i, j) : R(i, j));
  const t = M(0, 0) + M(1, 1) + M(2, 2) + 1;
  let qa: number, b: number, c: number, d: number;
  if (t > 0.5) {
    qa = 0.5 * Math.sqrt(t);
    b = (M(2, 1) - M(1, 2)) / (4 * qa);
    c = (M(0, 2) - M(2, 0)) / (4 * qa);
    d = (M(1, 0) - M(0, 1)) / (4 * qa);
  } else {
    const xd = 1 + M(0, 0) - (M(1, 1) + M(2, 2));
    const yd = 1 + M(1, 1) - (M(0, 0) + M(2, 2));
    const zd = 1 + M(2, 2) - (M(0, 0) + M(1, 1));
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (M(0, 1) + M(1, 0)) / (4 * b);
      d = (M(0, 2) + M(2, 0)) / (4 * b);
      qa = (M(2, 1) - M(1, 2)) / (4 * b);
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (M(0, 1) + M(1, 0)) / (4 * c);
      d = (M(1, 2) + M(2, 1)) / (4 * c);
      qa = (M(0, 2) - M(2, 0)) / (4 * c);
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (M(0, 2) + M(2, 0)) / (4 * d);
      c = (M(1, 2) + M(2, 1)) / (4 * d);
      qa = (M(1, 0) - M(0, 1)) / (4 * d);
    }
    if (qa < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return { b, c, d, qfac, pix };
}

export function encodeNifti(image: RTensor, geometry: Geometry, opts: NiftiWriteOptions = {}): Uint8Array {
  const [nz, ny, nx] = image.shape as [number, number, number];
  const int16 = opts.datatype === 'int16';
  const a = affineOf(geometry);
  const hdr = Buffer.alloc(352);
  hdr.writeInt32LE(348, 0);
  hdr.writeInt16LE(3, 40);
  hdr.writeInt16LE(nx, 42);
  hdr.writeInt16LE(ny, 44);
  hdr.writeInt16LE(nz, 46);
  for (let i = 4; i < 8; i++) hdr.writeInt16LE(1, 40 + 2 * i);
  hdr.writeInt16LE(int16 ? 4 : 16, 70);
  hdr.writeInt16LE(int16 ? 16 : 32, 72);
  const q = quatern(a);
  hdr.writeFloatLE(q.qfac, 76);
  hdr.writeFloatLE(q.pix[0], 80);
  hdr.writeFloatLE(q.pix[1], 84);
  hdr.writeFloatLE(q.pix[2], 88);
  hdr.writeFloatLE(352, 108);
  let slope = 1;
  let max = 0;
  for (let i = 0; i < image.data.length; i++) max = Math.max(max, Math.abs(image.data[i]!));
  if (int16) slope = max > 0 ? max / 32767 : 1;
  hdr.writeFloatLE(slope, 112);
  hdr.writeFloatLE(0, 116);
  hdr.writeUInt8(10, 123); // xyzt_units: mm, s
  hdr.writeFloatLE(max, 124);
  hdr.write((opts.description ?? 'Recon Studio').slice(0, 79), 148, 'latin1');
  hdr.writeInt16LE(1, 252); // qform_code scanner
  hdr.writeInt16LE(1, 254); // sform_code scanner
  hdr.writeFloatLE(q.b, 256);
  hdr.writeFloatLE(q.c, 260);
  hdr.writeFloatLE(q.d, 264);
  hdr.writeFloatLE(a[3]!, 268);
  hdr.writeFloatLE(a[7]!, 272);
  hdr.writeFloatLE(a[11]!, 276);
  for (let i = 0; i < 12; i++) hdr.writeFloatLE(a[i]!, 280 + 4 * i);
  hdr.write('n+1\0', 344, 'latin1');
  let body: Buffer;
  if (int16) {
    const v = new Int16Array(image.data.length);
    for (let i = 0; i < v.length; i++) v[i] = Math.max(-32768, Math.min(32767, Math.round(image.data[i]! / slope)));
    body = Buffer.from(v.buffer);
  } else {
    body = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  }
  const out = Buffer.concat([hdr, body]);
  return opts.gzip === false ? out : gzipSync(out, { level: 6 });
}
