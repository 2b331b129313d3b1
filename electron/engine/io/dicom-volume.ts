/**
 * One series (fully parsed files) to an image volume [slice][y][x].
 *
 * Slices are every frame of every file (every tile of a mosaic), ordered by
 * ImagePositionPatient projected on the slice normal (row x column cosine, or
 * the mosaic's CSA SliceNormalVector); without usable positions InstanceNumber
 * (then frame number) decides, else file order. When there are several
 * distinct positions and each occurs exactly T > 1 times the series is 4D
 * (fMRI, DWI, multi-phase): time point `volume` (default 0, by
 * InstanceNumber) is read and the rest noted. Other repeated positions are
 * kept and reported in meta.notes.
 *
 * Geometry: the affine maps (column, row, slice) to RAS+ mm (DICOM's LPS with
 * x and y negated, scan.ts's convention). meta.ImagePositionPatient holds the
 * per-slice positions in DICOM LPS mm as JSON [[x,y,z],...] in slice order;
 * meta.ImageOrientationPatient the six cosines as JSON.
 */
import type { ImageVolume, Meta } from '../array';
import { dsString, floats, frameFloats, group, type FileInfo } from './dicom-header';
import { sameOrientation } from './dicom-series';
import { mosaicPositions, splitMosaic, type Vec3 } from './dicom-mosaic';
import { checkPixelData, decodePixels } from './dicom-pixels';
import { ReaderError } from './errors';

interface Slice {
  file: FileInfo;
  /** Index of this slice among the file's decoded slices (frame, or frame * tiles + tile). */
  index: number;
  order: number;
  position?: Vec3;
}

const cross = (a: number[], b: number[]): Vec3 => [
  a[1]! * b[2]! - a[2]! * b[1]!,
  a[2]! * b[0]! - a[0]! * b[2]!,
  a[0]! * b[1]! - a[1]! * b[0]!,
];
const dot = (a: number[], b: number[]): number => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;

function spacingBetween(f: FileInfo): number | undefined {
  return frameFloats(f.ds, 0, 'x00289110', 'x00180088', 1)?.[0] ?? frameFloats(f.ds, 0, 'x00289110', 'x00180050', 1)?.[0];
}

/** Position of each decoded slice of a file, when the file states it. */
function slicePositions(f: FileInfo, normal: Vec3 | undefined): (Vec3 | undefined)[] {
  const top = floats(f.ds, 'x00200032', 3) as Vec3 | undefined;
  if (f.mosaic) {
    const ps = frameFloats(f.ds, 0, 'x00289110', 'x00280030', 2);
    const sp = spacingBetween(f);
    if (!top || !f.iop || !ps || !sp) return Array<undefined>(f.mosaic.count * f.frames).fill(undefined);
    const pos = mosaicPositions(top, f.iop, ps[0]!, ps[1]!, f.rows, f.cols, f.mosaic, sp);
    return Array.from({ length: f.frames }, () => pos).flat();
  }
  const out: (Vec3 | undefined)[] = [];
  const offsets = floats(f.ds, 'x3004000c', f.frames); // RT Dose GridFrameOffsetVector
  for (let fr = 0; fr < f.frames; fr++) {
    const own = floats(group(f.ds, fr, 'x00209113'), 'x00200032', 3);
    if (own) out.push(own as Vec3);
    else if (f.frames === 1 && top) out.push(top);
    else if (offsets && top && normal) out.push([0, 1, 2].map((i) => top[i]! + offsets[fr]! * normal[i]!) as Vec3);
    else out.push(undefined);
  }
  return out;
}

export interface BuildOptions {
  volume?: number;
  notes: string[];
  seriesId: string;
}

export function buildVolume(series: FileInfo[], label: string, opts: BuildOptions): ImageVolume {
  const notes = opts.notes;
  const first = series[0]!;
  const sliceRows = first.mosaic?.tileRows ?? first.rows;
  const sliceCols = first.mosaic?.tileCols ?? first.cols;
  for (const f of series) {
    if (f.rows !== first.rows || f.cols !== first.cols) {
      throw new ReaderError(f.name, `image size ${f.rows}x${f.cols} differs from ${first.rows}x${first.cols} in ${first.name} of the same series`);
    }
  }
  // Images at different orientations (projections) have no common slice axis: no positions, no affine.
  const mixed = series.some((f) => !sameOrientation(f.iop, first.iop));
  const iop = mixed ? undefined : first.iop;
  const normal = first.mosaic?.normal ?? (iop ? cross(iop.slice(0, 3), iop.slice(3, 6)) : undefined);
  let slices: Slice[] = [];
  for (const f of series) slicePositions(f, normal).forEach((position, index) => slices.push({ file: f, index, order: slices.length, position }));
  const byInstance = (a: Slice, b: Slice): number =>
    (a.file.instance ?? 0) - (b.file.instance ?? 0) || a.index - b.index || a.order - b.order;
  const proj = normal && slices.every((s) => s.position) ? slices.map((s) => dot(s.position!, normal)) : undefined;
  let sliceOrder: string;
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of proj ?? []) (lo = Math.min(lo, x)), (hi = Math.max(hi, x));
  if (proj && slices.length > 1 && hi - lo > 1e-6) {
    const key = (s: Slice): number => Math.round(dot(s.position!, normal!) * 1e4) / 1e4;
    const counts = new Map<number, number>();
    for (const s of slices) counts.set(key(s), (counts.get(key(s)) ?? 0) + 1);
    const mult = [...counts.values()];
    const t = mult[0]!;
    if (t > 1 && mult.every((m) => m === t)) {
      // 4D: split by time point (order of acquisition within each position).
      const v = opts.volume ?? 0;
      if (!Number.isInteger(v) || v < 0 || v >= t) throw new ReaderError(label, `volume ${v} out of range: the series has ${t} time points`);
      slices.sort(byInstance);
      const seen = new Map<number, number>();
      slices = slices.filter((s) => {
        const k = seen.get(key(s)) ?? 0;
        seen.set(key(s), k + 1);
        return k === v;
      });
      notes.push(`4D series: ${t} time points of ${counts.size} slices; time point ${v} read`);
    } else if (t > 1 || mult.some((m) => m > 1)) {
      const dups = [...counts.entries()].filter(([, m]) => m > 1);
      notes.push(`duplicate slice positions: ${dups.length} positions occur more than once (e.g. ${dups[0]![0]} mm along the normal, ${dups[0]![1]} times)`);
    }
    slices.sort((a, b) => dot(a.position!, normal!) - dot(b.position!, normal!) || byInstance(a, b));
    sliceOrder = 'ImagePositionPatient';
  } else if (series.every((f) => f.instance !== undefined)) {
    slices.sort(byInstance);
    sliceOrder = 'InstanceNumber';
    if (proj && slices.length > 1) notes.push('all slices share one position; ordered by InstanceNumber');
  } else {
    sliceOrder = 'file order';
  }

  const plane = sliceRows * sliceCols;
  // Every file's Pixel Data must hold what its header claims before the volume is allocated.
  const used = new Map<FileInfo, number>();
  for (const s of slices) used.set(s.file, (used.get(s.file) ?? 0) + 1);
  for (const f of used.keys()) checkPixelData(f);
  const image = new Float32Array(slices.length * plane);
  // Single-slice files decode straight into the volume; multi-slice files are
  // decoded once and released after their last slice (peak memory ~ the volume).
  const decoded = new Map<FileInfo, Float32Array>();
  slices.forEach((s, k) => {
    const dest = image.subarray(k * plane, (k + 1) * plane);
    if (s.file.frames === 1 && !s.file.mosaic) {
      decodePixels(s.file, dest);
      return;
    }
    let px = decoded.get(s.file);
    if (!px) {
      px = decodePixels(s.file);
      if (s.file.mosaic) px = splitMosaic(px, s.file.frames, s.file.rows, s.file.cols, s.file.mosaic);
      decoded.set(s.file, px);
    }
    dest.set(px.subarray(s.index * plane, (s.index + 1) * plane));
    const left = used.get(s.file)! - 1;
    used.set(s.file, left);
    if (left === 0) decoded.delete(s.file);
  });

  // Geometry. PixelSpacing is [between rows (y), between columns (x)].
  const positive = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v > 0;
  const rawPs = frameFloats(first.ds, 0, 'x00289110', 'x00280030', 2);
  const ps = rawPs && rawPs.every(positive) ? rawPs : undefined;
  if (!ps) notes.push(rawPs ? `PixelSpacing ${rawPs.join('\\')} is not positive; 1 mm assumed` : 'no PixelSpacing; 1 mm assumed');
  const [dy, dx] = ps ?? [1, 1];
  const rawThickness = spacingBetween(first);
  const thickness = positive(rawThickness) ? rawThickness : 1;
  const p0 = slices[0]!.position;
  const pn = slices[slices.length - 1]!.position;
  let step: Vec3 | undefined;
  if (sliceOrder === 'ImagePositionPatient' && p0 && pn) {
    step = [0, 1, 2].map((i) => (pn[i]! - p0[i]!) / (slices.length - 1)) as Vec3;
    const mean = Math.hypot(...step);
    const uneven = slices
      .slice(1)
      .some((s, k) => Math.abs(Math.hypot(...[0, 1, 2].map((i) => s.position![i]! - slices[k]!.position![i]!)) - mean) > 0.01 * mean);
    if (uneven) notes.push('slice spacing is not uniform; the affine uses the mean spacing');
  } else if (normal) {
    step = normal.map((v) => v * thickness) as Vec3;
  }
  // Corrupt positions (1e308, ...) can overflow: fall back rather than pass on Infinity.
  const stepSize = step ? Math.hypot(...step) : thickness;
  const sliceSpacing = positive(stepSize) ? stepSize : thickness;
  let affine: number[] | undefined;
  if (iop && step && p0) {
    const lps = [0, 1, 2].map((i) => [iop[i]! * dx!, iop[3 + i]! * dy!, step![i]!, p0[i]!]);
    const flip = [-1, -1, 1];
    affine = [...lps.flatMap((row, i) => row.map((v) => v * flip[i]! + 0)), 0, 0, 0, 1];
    if (!affine.every(Number.isFinite)) {
      affine = undefined;
      notes.push('ImagePositionPatient/ImageOrientationPatient overflow; no affine');
    }
  }

  const str = (tag: string): string | undefined => dsString(first.ds, tag);
  const sops: string[] = [];
  for (const s of slices) {
    const uid = dsString(s.file.ds, 'x00080018');
    if (uid && sops[sops.length - 1] !== uid) sops.push(uid);
  }
  const positions = slices.every((s) => s.position) ? JSON.stringify(slices.map((s) => s.position!.map((v) => Math.round(v * 1e4) / 1e4))) : undefined;
  const meta: Meta = {
    format: 'DICOM',
    PatientName: str('x00100010'),
    PatientID: str('x00100020'),
    PatientBirthDate: str('x00100030'),
    PatientSex: str('x00100040'),
    StudyInstanceUID: str('x0020000d'),
    StudyDescription: str('x00081030'),
    StudyDate: str('x00080020'),
    StudyTime: str('x00080030'),
    AccessionNumber: str('x00080050'),
    SeriesInstanceUID: first.series || undefined,
    SeriesNumber: first.ds.intString('x00200011'),
    SeriesDescription: str('x0008103e'),
    seriesId: opts.seriesId,
    Modality: str('x00080060'),
    Manufacturer: str('x00080070'),
    ImageType: first.imageType || undefined,
    EchoTime: str('x00180081'),
    RepetitionTime: str('x00180080'),
    MagneticFieldStrength: str('x00180087'),
    SOPClassUID: str('x00080016'),
    // DICOM's multi-value separator; one UID per file, in slice order.
    SOPInstanceUIDs: sops.join('\\') || undefined,
    TransferSyntaxUID: first.syntax,
    PhotometricInterpretation: str('x00280004'),
    ImageOrientationPatient: iop ? JSON.stringify(iop) : undefined,
    ImagePositionPatient: positions,
    SliceThickness: frameFloats(first.ds, 0, 'x00289110', 'x00180050', 1)?.[0],
    mosaic: first.mosaic ? `${first.mosaic.count} tiles of ${sliceRows}x${sliceCols}` : undefined,
    files: series.length,
    sliceOrder,
    notes: notes.length ? notes.join('; ') : undefined,
  };
  const frameOfReferenceUID = str('x00200052');
  return {
    kind: 'image',
    image: { shape: [slices.length, sliceRows, sliceCols], data: image },
    geometry: {
      spacing: [sliceSpacing, dy!, dx!],
      ...(affine ? { affine } : {}),
      ...(frameOfReferenceUID ? { frameOfReferenceUID } : {}),
    },
    meta,
    source: { path: label, format: 'dicom' },
  };
}
