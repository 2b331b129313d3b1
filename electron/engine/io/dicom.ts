/**
 * Uncompressed single-series DICOM: one file, or the files of a folder.
 *
 * Parsing is pure: `readDicomSeries(files, label)` takes bytes (load.ts reads
 * the disk). Files without 'DICM' at byte 128 and DICOM objects without Pixel
 * Data are skipped with a note (meta.notes) when a folder is read; given alone
 * they are errors. When several SeriesInstanceUIDs are present the series with
 * the most slices is read and the others are named in the notes (grouping a
 * whole study into series is a later feature).
 *
 * Slices are every frame of every file of the series, ordered by
 * ImagePositionPatient projected on the slice normal (row cosine x column
 * cosine of ImageOrientationPatient); when positions are missing or all equal
 * InstanceNumber (then frame number) decides, else file order. The affine maps
 * (column, row, slice) to RAS+ mm: DICOM's LPS with x and y negated.
 */
import * as dicomParserNs from 'dicom-parser';
import type { DataSet } from 'dicom-parser';
import type { ImageVolume, Meta } from '../array';
import { decodeSamples, type SampleType } from './binary';
import { NATIVE_SYNTAXES, sopClassLabel, transferSyntaxName } from './dicom-names';
import { checkDims, checkLength, ReaderError } from './errors';

type Parser = typeof dicomParserNs;
// The package is a UMD bundle: under Node's ESM loader it arrives as `default`.
const dicomParser: Parser = (dicomParserNs as unknown as { default?: Parser }).default ?? dicomParserNs;

export interface DicomFile {
  name: string;
  bytes: Uint8Array;
}

type Vec3 = [number, number, number];

interface ImageFile {
  name: string;
  bytes: Uint8Array;
  ds: DataSet;
  littleEndian: boolean;
  syntax: string;
  rows: number;
  cols: number;
  frames: number;
  series: string;
  instance?: number;
}

/** True when the Part 10 marker 'DICM' sits at byte 128. */
export function isDicom(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e && 'exception' in e) return String((e as { exception: unknown }).exception);
  return String(e);
}

function floats(ds: DataSet | undefined, tag: string, n: number): number[] | undefined {
  if (!ds?.elements[tag]) return undefined;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = ds.floatString(tag, i);
    if (v === undefined || !Number.isFinite(v)) return undefined;
    out.push(v);
  }
  return out;
}

/** First item of a functional-group sequence for a frame: per-frame group first, then shared. */
function group(ds: DataSet, frame: number, seqTag: string): DataSet | undefined {
  const perFrame = ds.elements.x52009230?.items?.[frame]?.dataSet;
  const own = perFrame?.elements[seqTag]?.items?.[0]?.dataSet;
  if (own) return own;
  return ds.elements.x52009229?.items?.[0]?.dataSet?.elements[seqTag]?.items?.[0]?.dataSet;
}

/** Attribute from a frame's functional groups (enhanced multi-frame), else the top level. */
function frameFloats(ds: DataSet, frame: number, seqTag: string, tag: string, n: number): number[] | undefined {
  return floats(group(ds, frame, seqTag), tag, n) ?? floats(ds, tag, n);
}

function parseFile(f: DicomFile): { image?: ImageFile; sop?: string } {
  let syntax: string | undefined;
  try {
    syntax = dicomParser.readPart10Header(f.bytes).string('x00020010');
  } catch (e) {
    throw new ReaderError(f.name, `cannot read the DICOM file meta header: ${errorText(e)}`);
  }
  if (!syntax) throw new ReaderError(f.name, 'DICOM file meta header has no Transfer Syntax UID (0002,0010)');
  const native = NATIVE_SYNTAXES[syntax];
  if (!native) {
    throw new ReaderError(
      f.name,
      `unsupported transfer syntax ${syntax} (${transferSyntaxName(syntax)}); only uncompressed syntaxes are read for now, compressed transfer syntaxes come in a later release`,
    );
  }
  let ds: DataSet;
  try {
    ds = dicomParser.parseDicom(f.bytes);
  } catch (e) {
    // The parser keeps what it read; a complete header with cut-off Pixel Data
    // is reported below with byte counts, anything else here.
    const partial = (e as { dataSet?: DataSet }).dataSet;
    if (!partial?.elements.x7fe00010) {
      throw new ReaderError(f.name, `cannot parse DICOM data (truncated or corrupt file?): ${errorText(e)}`);
    }
    ds = partial;
  }
  const sop = ds.string('x00080016') ?? ds.string('x00020002');
  if (!ds.elements.x7fe00010) return { sop };
  const rows = ds.uint16('x00280010') ?? 0;
  const cols = ds.uint16('x00280011') ?? 0;
  const frames = ds.intString('x00280008') ?? 1;
  checkDims(f.name, [frames, rows, cols], 'dimensions (NumberOfFrames, Rows, Columns)');
  return {
    image: {
      name: f.name,
      bytes: f.bytes,
      ds,
      littleEndian: native.littleEndian,
      syntax,
      rows,
      cols,
      frames,
      series: ds.string('x0020000e') ?? '',
      instance: ds.intString('x00200013'),
    },
  };
}

/** Decoded, rescaled frames of one file: Float32Array of frames * rows * cols. */
function decodePixels(f: ImageFile): Float32Array {
  const { ds, name } = f;
  const spp = ds.uint16('x00280002') ?? 1;
  const photometric = ds.string('x00280004') ?? 'MONOCHROME2';
  if (spp !== 1 || !photometric.startsWith('MONOCHROME')) {
    throw new ReaderError(name, `colour images are not supported (PhotometricInterpretation ${photometric}, SamplesPerPixel ${spp})`);
  }
  const allocated = ds.uint16('x00280100') ?? 0;
  if (allocated !== 8 && allocated !== 16 && allocated !== 32) {
    throw new ReaderError(name, `unsupported BitsAllocated ${allocated} (8, 16 and 32 are read)`);
  }
  const stored = ds.uint16('x00280101') ?? allocated;
  const high = ds.uint16('x00280102') ?? stored - 1;
  const signed = (ds.uint16('x00280103') ?? 0) === 1;
  if (stored < 1 || stored > allocated || high < stored - 1 || high >= allocated) {
    throw new ReaderError(name, `inconsistent BitsAllocated ${allocated} / BitsStored ${stored} / HighBit ${high}`);
  }
  const el = ds.elements.x7fe00010!;
  if (el.encapsulatedPixelData) throw new ReaderError(name, 'encapsulated (compressed) Pixel Data is not supported yet');
  const n = f.frames * f.rows * f.cols;
  const need = (n * allocated) / 8;
  checkLength(name, f.bytes.length, el.dataOffset, need, `Pixel Data (${f.frames} x ${f.rows} x ${f.cols} x ${allocated / 8} bytes)`);
  if (el.length < need) {
    throw new ReaderError(name, `Pixel Data element holds ${el.length} bytes but Rows x Columns x Frames x BitsAllocated/8 = ${need}`);
  }
  let out: Float32Array;
  if (stored === allocated) {
    const type = `${signed ? 'int' : 'uint'}${allocated}` as SampleType;
    out = decodeSamples(f.bytes, el.dataOffset, n, type, f.littleEndian);
  } else {
    // Bits outside [HighBit - BitsStored + 1, HighBit] may carry overlays: mask them off.
    const dv = new DataView(f.bytes.buffer, f.bytes.byteOffset + el.dataOffset, need);
    const shift = 2 ** (high + 1 - stored);
    const range = 2 ** stored;
    const half = range / 2;
    out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const raw =
        allocated === 8 ? dv.getUint8(i) : allocated === 16 ? dv.getUint16(2 * i, f.littleEndian) : dv.getUint32(4 * i, f.littleEndian);
      let v = Math.floor(raw / shift) % range;
      if (signed && v >= half) v -= range;
      out[i] = v;
    }
  }
  const plane = f.rows * f.cols;
  for (let fr = 0; fr < f.frames; fr++) {
    const rescale = group(ds, fr, 'x00289145');
    const slope = rescale?.floatString('x00281053') ?? ds.floatString('x00281053') ?? ds.floatString('x3004000e') ?? 1;
    const inter = rescale?.floatString('x00281052') ?? ds.floatString('x00281052') ?? 0;
    if (slope === 1 && inter === 0) continue;
    for (let i = fr * plane; i < (fr + 1) * plane; i++) out[i] = out[i]! * slope + inter;
  }
  return out;
}

const cross = (a: number[], b: number[]): Vec3 => [
  a[1]! * b[2]! - a[2]! * b[1]!,
  a[2]! * b[0]! - a[0]! * b[2]!,
  a[0]! * b[1]! - a[1]! * b[0]!,
];
const dot = (a: number[], b: number[]): number => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;

/** Position of each frame of a file, when the file states it. */
function framePositions(f: ImageFile, normal: Vec3 | undefined): (Vec3 | undefined)[] {
  const out: (Vec3 | undefined)[] = [];
  const offsets = floats(f.ds, 'x3004000c', f.frames); // RT Dose GridFrameOffsetVector
  const top = floats(f.ds, 'x00200032', 3);
  for (let fr = 0; fr < f.frames; fr++) {
    const own = floats(group(f.ds, fr, 'x00209113'), 'x00200032', 3);
    if (own) out.push(own as Vec3);
    else if (f.frames === 1 && top) out.push(top as Vec3);
    else if (offsets && top && normal) out.push([0, 1, 2].map((i) => top[i]! + offsets[fr]! * normal[i]!) as Vec3);
    else out.push(undefined);
  }
  return out;
}

interface Slice {
  file: ImageFile;
  frame: number;
  order: number;
  position?: Vec3;
}

/**
 * Reads the largest series among the files of a folder into one image volume;
 * `label` (the folder) names the source. Non-DICOM and non-image files are
 * skipped with a note.
 */
export function readDicomSeries(files: DicomFile[], label: string): ImageVolume {
  return readSeries(files, label, false);
}

/** One DICOM file (single- or multi-frame); anything but an uncompressed image is an error. */
export function readDicom(bytes: Uint8Array, name: string): ImageVolume {
  return readSeries([{ name, bytes }], name, true);
}

function readSeries(files: DicomFile[], label: string, single: boolean): ImageVolume {
  const notes: string[] = [];
  const images: ImageFile[] = [];
  const nonImages: { name: string; sop?: string }[] = [];
  let dicomCount = 0;
  for (const f of files) {
    if (!isDicom(f.bytes)) {
      if (single) throw new ReaderError(f.name, "not a DICOM file (no 'DICM' marker at byte 128)");
      notes.push(`skipped ${f.name}: not DICOM`);
      continue;
    }
    dicomCount++;
    const { image, sop } = parseFile(f);
    if (image) images.push(image);
    else {
      nonImages.push({ name: f.name, sop });
      if (!single) notes.push(`skipped ${f.name}: not an image (${sopClassLabel(sop)})`);
    }
  }
  if (images.length === 0) {
    const first = nonImages[0];
    if (single && first) throw new ReaderError(first.name, `not an image (no Pixel Data; ${sopClassLabel(first.sop)})`);
    if (dicomCount === 0) throw new ReaderError(label, `no DICOM files found (${files.length} files checked for 'DICM' at byte 128)`);
    throw new ReaderError(label, `no DICOM images: none of the ${dicomCount} DICOM files has Pixel Data (e.g. ${first!.name}: ${sopClassLabel(first!.sop)})`);
  }

  const bySeries = new Map<string, ImageFile[]>();
  for (const im of images) bySeries.set(im.series, [...(bySeries.get(im.series) ?? []), im]);
  const frameCount = (list: ImageFile[]): number => list.reduce((s, f) => s + f.frames, 0);
  const ranked = [...bySeries.entries()].sort((a, b) => frameCount(b[1]) - frameCount(a[1]));
  const [seriesUID, series] = ranked[0]!;
  for (const [uid, list] of ranked.slice(1)) {
    notes.push(`ignored series ${uid || '(no SeriesInstanceUID)'} (${list.length} files${list[0]!.ds.string('x0008103e') ? `, ${list[0]!.ds.string('x0008103e')}` : ''})`);
  }
  const first = series[0]!;
  for (const f of series) {
    if (f.rows !== first.rows || f.cols !== first.cols) {
      throw new ReaderError(f.name, `image size ${f.rows}x${f.cols} differs from ${first.rows}x${first.cols} in ${first.name} of the same series`);
    }
  }

  const iop = frameFloats(first.ds, 0, 'x00209116', 'x00200037', 6);
  const normal = iop ? cross(iop.slice(0, 3), iop.slice(3, 6)) : undefined;
  const slices: Slice[] = [];
  for (const f of series) framePositions(f, normal).forEach((position, frame) => slices.push({ file: f, frame, order: slices.length, position }));
  const byInstance = (a: Slice, b: Slice): number =>
    (a.file.instance ?? 0) - (b.file.instance ?? 0) || a.frame - b.frame || a.order - b.order;
  const proj = normal && slices.every((s) => s.position) ? slices.map((s) => dot(s.position!, normal)) : undefined;
  let sliceOrder: string;
  if (proj && slices.length > 1 && Math.max(...proj) - Math.min(...proj) > 1e-6) {
    slices.sort((a, b) => dot(a.position!, normal!) - dot(b.position!, normal!) || byInstance(a, b));
    sliceOrder = 'ImagePositionPatient';
  } else if (series.every((f) => f.instance !== undefined)) {
    slices.sort(byInstance);
    sliceOrder = 'InstanceNumber';
    if (proj && slices.length > 1) notes.push('all slices share one position; ordered by InstanceNumber');
  } else {
    sliceOrder = 'file order';
  }

  const plane = first.rows * first.cols;
  const image = new Float32Array(slices.length * plane);
  const decoded = new Map<ImageFile, Float32Array>();
  slices.forEach((s, k) => {
    let px = decoded.get(s.file);
    if (!px) decoded.set(s.file, (px = decodePixels(s.file)));
    image.set(px.subarray(s.frame * plane, (s.frame + 1) * plane), k * plane);
  });

  // Geometry. PixelSpacing is [between rows (y), between columns (x)].
  const ps = frameFloats(first.ds, 0, 'x00289110', 'x00280030', 2);
  if (!ps) notes.push('no PixelSpacing; 1 mm assumed');
  const [dy, dx] = ps ?? [1, 1];
  const thickness =
    frameFloats(first.ds, 0, 'x00289110', 'x00180088', 1)?.[0] ?? frameFloats(first.ds, 0, 'x00289110', 'x00180050', 1)?.[0] ?? 1;
  const p0 = slices[0]!.position;
  const pn = slices[slices.length - 1]!.position;
  let step: Vec3 | undefined;
  if (sliceOrder === 'ImagePositionPatient' && p0 && pn) {
    step = [0, 1, 2].map((i) => (pn[i]! - p0[i]!) / (slices.length - 1)) as Vec3;
    const mean = Math.hypot(...step);
    const uneven = slices.slice(1).some((s, k) => Math.abs(Math.hypot(...[0, 1, 2].map((i) => s.position![i]! - slices[k]!.position![i]!)) - mean) > 0.01 * mean);
    if (uneven) notes.push('slice spacing is not uniform; the affine uses the mean spacing');
  } else if (normal) {
    step = normal.map((v) => v * thickness) as Vec3;
  }
  const sliceSpacing = step ? Math.hypot(...step) : thickness;
  let affine: number[] | undefined;
  if (iop && step && p0) {
    const lps = [0, 1, 2].map((i) => [iop[i]! * dx!, iop[3 + i]! * dy!, step![i]!, p0[i]!]);
    const flip = [-1, -1, 1];
    affine = [...lps.flatMap((row, i) => row.map((v) => v * flip[i]! + 0)), 0, 0, 0, 1];
  }

  const str = (tag: string): string | undefined => first.ds.string(tag) || undefined;
  const sops: string[] = [];
  for (const s of slices) {
    const uid = s.file.ds.string('x00080018');
    if (uid && sops[sops.length - 1] !== uid) sops.push(uid);
  }
  const meta: Meta = {
    format: 'DICOM',
    PatientName: str('x00100010'),
    PatientID: str('x00100020'),
    StudyInstanceUID: str('x0020000d'),
    SeriesInstanceUID: seriesUID || undefined,
    SeriesDescription: str('x0008103e'),
    Modality: str('x00080060'),
    StudyDate: str('x00080020'),
    SOPClassUID: str('x00080016'),
    // DICOM's multi-value separator; one UID per file, in slice order.
    SOPInstanceUIDs: sops.join('\\') || undefined,
    TransferSyntaxUID: first.syntax,
    PhotometricInterpretation: str('x00280004'),
    files: series.length,
    sliceOrder,
    notes: notes.length ? notes.join('; ') : undefined,
  };
  return {
    kind: 'image',
    image: { shape: [slices.length, first.rows, first.cols], data: image },
    geometry: {
      spacing: [sliceSpacing, dy!, dx!],
      ...(affine ? { affine } : {}),
      ...(str('x00200052') ? { frameOfReferenceUID: str('x00200052') } : {}),
    },
    meta,
    source: { path: label, format: 'dicom' },
  };
}
