/**
 * A tiny Part 10 writer (explicit VR little endian) for test seeds and the
 * open-series benchmark: MR Image Storage or Enhanced MR with uint16 pixels.
 * Not the export module's writer; it knows only the VRs the seeds need.
 */

export type Elem =
  | { tag: number; vr: 'UI' | 'CS' | 'DS' | 'IS' | 'LO' | 'PN' | 'DA' | 'TM' | 'SH'; value: string }
  | { tag: number; vr: 'US'; value: number }
  | { tag: number; vr: 'OW' | 'OB'; value: Uint8Array }
  | { tag: number; vr: 'SQ'; items: Elem[][] };

const LONG = new Set(['OW', 'OB', 'SQ', 'UN', 'UT']);

function valueBytes(e: Elem): Uint8Array {
  if (e.vr === 'US') return new Uint8Array(new Uint16Array([e.value]).buffer);
  if (e.vr === 'OW' || e.vr === 'OB') return e.value.length % 2 ? concat([e.value, new Uint8Array(1)]) : e.value;
  if (e.vr === 'SQ') {
    const parts: Uint8Array[] = [];
    for (const item of e.items) {
      const body = encodeElements(item);
      const head = new Uint8Array(8);
      const dv = new DataView(head.buffer);
      dv.setUint16(0, 0xfffe, true);
      dv.setUint16(2, 0xe000, true);
      dv.setUint32(4, body.length, true);
      parts.push(head, body);
    }
    return concat(parts);
  }
  // UIs pad with NUL, other strings with a space.
  let s = (e as { value: string }).value;
  if (s.length % 2) s += e.vr === 'UI' ? '\0' : ' ';
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function encodeElements(elems: Elem[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of [...elems].sort((a, b) => a.tag - b.tag)) {
    const v = valueBytes(e);
    const long = LONG.has(e.vr);
    const head = new Uint8Array(long ? 12 : 8);
    const dv = new DataView(head.buffer);
    dv.setUint16(0, e.tag >>> 16, true);
    dv.setUint16(2, e.tag & 0xffff, true);
    head[4] = e.vr.charCodeAt(0);
    head[5] = e.vr.charCodeAt(1);
    if (long) dv.setUint32(8, v.length, true);
    else dv.setUint16(6, v.length, true);
    parts.push(head, v);
  }
  return concat(parts);
}

/** Preamble, 'DICM', file meta group (with its group length) and the data set. */
export function writePart10(sopClass: string, sopInstance: string, dataset: Elem[]): Uint8Array {
  const meta = encodeElements([
    { tag: 0x00020001, vr: 'OB', value: new Uint8Array([0, 1]) },
    { tag: 0x00020002, vr: 'UI', value: sopClass },
    { tag: 0x00020003, vr: 'UI', value: sopInstance },
    { tag: 0x00020010, vr: 'UI', value: '1.2.840.10008.1.2.1' },
    { tag: 0x00020012, vr: 'UI', value: '1.2.826.0.1.3680043.10.1999.1' },
  ]);
  const groupLength = encodeElements([{ tag: 0x00020000, vr: 'US', value: 0 }]);
  // (0002,0000) is UL: rewrite the US placeholder as a 4-byte value.
  const gl = new Uint8Array(12);
  gl.set(groupLength.subarray(0, 4));
  gl[4] = 0x55; // 'U'
  gl[5] = 0x4c; // 'L'
  new DataView(gl.buffer).setUint16(6, 4, true);
  new DataView(gl.buffer).setUint32(8, meta.length, true);
  const pre = new Uint8Array(132);
  pre.set([0x44, 0x49, 0x43, 0x4d], 128);
  const body = encodeElements([
    { tag: 0x00080016, vr: 'UI', value: sopClass },
    { tag: 0x00080018, vr: 'UI', value: sopInstance },
    ...dataset,
  ]);
  return concat([pre, gl, meta, body]);
}

export const MR_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.4';
export const ENHANCED_MR_STORAGE = '1.2.840.10008.5.1.4.1.1.4.1';

const ds = (v: number): string => {
  const s = Number(v.toPrecision(10)).toString();
  return s.length <= 16 ? s : v.toExponential(8);
};

export interface SliceSpec {
  rows: number;
  cols: number;
  pixels: Uint16Array;
  /** ImagePositionPatient (LPS mm). */
  position: [number, number, number];
  instance: number;
  seriesUID: string;
  studyUID: string;
  frameOfReferenceUID: string;
  spacing?: [number, number];
  thickness?: number;
  /** ImageOrientationPatient row then column cosines (default axial). */
  orientation?: [number, number, number, number, number, number];
}

/** One axial single-frame MR Image Storage slice. */
export function mrSlice(s: SliceSpec): Uint8Array {
  const sop = `${s.seriesUID}.${s.instance}`;
  const [dy, dx] = s.spacing ?? [1, 1];
  return writePart10(MR_IMAGE_STORAGE, sop, [
    { tag: 0x00080060, vr: 'CS', value: 'MR' },
    { tag: 0x00100010, vr: 'PN', value: 'Colin27^Phantom' },
    { tag: 0x00100020, vr: 'LO', value: 'COLIN27' },
    { tag: 0x0008103e, vr: 'LO', value: 'bench series' },
    { tag: 0x00180050, vr: 'DS', value: ds(s.thickness ?? 1) },
    { tag: 0x0020000d, vr: 'UI', value: s.studyUID },
    { tag: 0x0020000e, vr: 'UI', value: s.seriesUID },
    { tag: 0x00200013, vr: 'IS', value: String(s.instance) },
    { tag: 0x00200032, vr: 'DS', value: s.position.map(ds).join('\\') },
    { tag: 0x00200037, vr: 'DS', value: (s.orientation ?? [1, 0, 0, 0, 1, 0]).map(ds).join('\\') },
    { tag: 0x00200052, vr: 'UI', value: s.frameOfReferenceUID },
    { tag: 0x00280002, vr: 'US', value: 1 },
    { tag: 0x00280004, vr: 'CS', value: 'MONOCHROME2' },
    { tag: 0x00280010, vr: 'US', value: s.rows },
    { tag: 0x00280011, vr: 'US', value: s.cols },
    { tag: 0x00280030, vr: 'DS', value: `${ds(dy)}\\${ds(dx)}` },
    { tag: 0x00280100, vr: 'US', value: 16 },
    { tag: 0x00280101, vr: 'US', value: 16 },
    { tag: 0x00280102, vr: 'US', value: 15 },
    { tag: 0x00280103, vr: 'US', value: 0 },
    { tag: 0x7fe00010, vr: 'OW', value: new Uint8Array(s.pixels.buffer, s.pixels.byteOffset, s.pixels.byteLength) },
  ]);
}

/** An Enhanced MR multi-frame file: per-frame positions in functional groups, shared orientation/spacing. */
export function enhancedMr(rows: number, cols: number, frames: Uint16Array[], uid: string): Uint8Array {
  const pixels = new Uint8Array(frames.length * rows * cols * 2);
  frames.forEach((f, i) => pixels.set(new Uint8Array(f.buffer, f.byteOffset, f.byteLength), i * rows * cols * 2));
  const perFrame = frames.map((_, i) => [
    { tag: 0x00209113, vr: 'SQ' as const, items: [[{ tag: 0x00200032, vr: 'DS' as const, value: `-16\\-16\\${ds(2 * i)}` }]] },
  ]);
  return writePart10(ENHANCED_MR_STORAGE, `${uid}.1`, [
    { tag: 0x00080060, vr: 'CS', value: 'MR' },
    { tag: 0x0020000e, vr: 'UI', value: uid },
    { tag: 0x00200013, vr: 'IS', value: '1' },
    { tag: 0x00280002, vr: 'US', value: 1 },
    { tag: 0x00280004, vr: 'CS', value: 'MONOCHROME2' },
    { tag: 0x00280008, vr: 'IS', value: String(frames.length) },
    { tag: 0x00280010, vr: 'US', value: rows },
    { tag: 0x00280011, vr: 'US', value: cols },
    { tag: 0x00280100, vr: 'US', value: 16 },
    { tag: 0x00280101, vr: 'US', value: 12 },
    { tag: 0x00280102, vr: 'US', value: 11 },
    { tag: 0x00280103, vr: 'US', value: 0 },
    {
      tag: 0x52009229,
      vr: 'SQ',
      items: [
        [
          { tag: 0x00209116, vr: 'SQ', items: [[{ tag: 0x00200037, vr: 'DS', value: '1\\0\\0\\0\\1\\0' }]] },
          { tag: 0x00289110, vr: 'SQ', items: [[{ tag: 0x00280030, vr: 'DS', value: '1\\1' }, { tag: 0x00180050, vr: 'DS', value: '2' }]] },
          { tag: 0x00289145, vr: 'SQ', items: [[{ tag: 0x00281052, vr: 'DS', value: '-10' }, { tag: 0x00281053, vr: 'DS', value: '2' }]] },
        ],
      ],
    },
    { tag: 0x52009230, vr: 'SQ', items: perFrame },
    { tag: 0x7fe00010, vr: 'OW', value: pixels },
  ]);
}
