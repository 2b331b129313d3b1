/**
 * Grouping parsed files into series, and one series into an image volume.
 *
 * Files group by SeriesInstanceUID, then split where image size, orientation
 * (cosines differing by more than 1e-3), echo (EchoNumbers, else EchoTime) or
 * ImageType differ: a localizer with three planes becomes three series,
 * magnitude and phase two, and slices of one stack with rounding noise in
 * their cosines stay together. A split series' id is "<uid>#<k>".
 */
import type { SeriesSummary } from './dicom-types';
import type { FileInfo } from './dicom-header';
import { dsString } from './dicom-header';

export interface SeriesGroup {
  summary: SeriesSummary;
  files: FileInfo[];
}

export const sameOrientation = (a: number[] | undefined, b: number[] | undefined): boolean =>
  a === undefined || b === undefined ? a === b : a.every((v, i) => Math.abs(v - b[i]!) <= 1e-3);

export function orientationLabel(iop: number[] | undefined): SeriesSummary['orientation'] {
  if (!iop) return 'unknown';
  const n = [iop[1]! * iop[5]! - iop[2]! * iop[4]!, iop[2]! * iop[3]! - iop[0]! * iop[5]!, iop[0]! * iop[4]! - iop[1]! * iop[3]!].map(Math.abs);
  const m = Math.max(...n);
  const plane = n[2] === m ? 'axial' : n[0] === m ? 'sagittal' : 'coronal';
  return m > 0.95 ? plane : `oblique ${plane}`;
}

/** Size of one slice: a mosaic's tile, else the stored image. */
const sliceSize = (f: FileInfo): [number, number] => (f.mosaic ? [f.mosaic.tileRows, f.mosaic.tileCols] : [f.rows, f.cols]);
const sliceCount = (f: FileInfo): number => f.frames * (f.mosaic?.count ?? 1);

export function groupSeries(images: FileInfo[]): SeriesGroup[] {
  const groups: { uid: string; files: FileInfo[] }[] = [];
  for (const f of images) {
    const [r, c] = sliceSize(f);
    const g = groups.find((x) => {
      const h = x.files[0]!;
      const [hr, hc] = sliceSize(h);
      return x.uid === f.series && hr === r && hc === c && h.echo === f.echo && h.imageType === f.imageType && sameOrientation(h.iop, f.iop);
    });
    if (g) g.files.push(f);
    else groups.push({ uid: f.series, files: [f] });
  }
  mergeProjections(groups);
  const perUid = new Map<string, number>();
  for (const g of groups) perUid.set(g.uid, (perUid.get(g.uid) ?? 0) + 1);
  const seen = new Map<string, number>();
  return groups.map((g) => {
    const first = g.files[0]!;
    const k = (seen.get(g.uid) ?? 0) + 1;
    seen.set(g.uid, k);
    const split = perUid.get(g.uid)! > 1;
    const [rows, cols] = sliceSize(first);
    const notes: string[] = [];
    if (split) notes.push(`SeriesInstanceUID ${g.uid || '(none)'} split into ${perUid.get(g.uid)} by size, orientation, echo or ImageType`);
    const mixedOrientation = g.files.some((f) => !sameOrientation(f.iop, first.iop));
    if (mixedOrientation) notes.push('orientation differs from image to image (projections?); kept as one stack');
    if (first.mosaic) notes.push(`Siemens mosaic: ${first.mosaic.count} slices of ${rows}x${cols} per image`);
    return {
      files: g.files,
      summary: {
        id: split ? `${g.uid}#${k}` : g.uid,
        seriesInstanceUID: g.uid,
        description: dsString(first.ds, 'x0008103e'),
        seriesNumber: first.ds.intString('x00200011'),
        modality: dsString(first.ds, 'x00080060'),
        rows,
        cols,
        slices: g.files.reduce((s, f) => s + sliceCount(f), 0),
        orientation: orientationLabel(first.iop),
        echo: first.echo,
        imageType: first.imageType || undefined,
        transferSyntaxUID: first.syntax,
        ...(mixedOrientation ? { mixedOrientation } : {}),
        files: g.files.map((f) => f.name),
        notes,
      },
    };
  });
}

/**
 * A UID whose orientation split leaves more than three single-image groups
 * that agree on everything but orientation is a projection or radial series
 * (MIPs at many angles), not several stacks: it goes back together, ordered
 * by InstanceNumber, rather than becoming a thumbnail per image.
 */
function mergeProjections(groups: { uid: string; files: FileInfo[] }[]): void {
  const byUid = new Map<string, { uid: string; files: FileInfo[] }[]>();
  for (const g of groups) byUid.set(g.uid, [...(byUid.get(g.uid) ?? []), g]);
  for (const list of byUid.values()) {
    const singles = list.filter((g) => g.files.length === 1);
    if (singles.length <= 3) continue;
    const h = singles[0]!.files[0]!;
    const alike = singles.filter((g) => {
      const f = g.files[0]!;
      return f.rows === h.rows && f.cols === h.cols && f.echo === h.echo && f.imageType === h.imageType && !f.mosaic;
    });
    if (alike.length <= 3) continue;
    alike[0]!.files = alike.flatMap((g) => g.files);
    for (const g of alike.slice(1)) groups.splice(groups.indexOf(g), 1);
  }
}

/** Default choice: the series with the most slices (ties: the first found); stacks of mixed orientation only when nothing else exists. */
export function largestSeries(groups: SeriesGroup[]): SeriesGroup | undefined {
  const rank = (g: SeriesGroup): number => g.summary.slices - (g.summary.mixedOrientation ? 1e9 : 0);
  return groups.reduce<SeriesGroup | undefined>((best, g) => (!best || rank(g) > rank(best) ? g : best), undefined);
}

/** Finds a series by id, or by SeriesInstanceUID when that is unambiguous. */
export function findSeries(groups: SeriesGroup[], id: string): SeriesGroup | undefined {
  const exact = groups.find((g) => g.summary.id === id);
  if (exact) return exact;
  const byUid = groups.filter((g) => g.summary.seriesInstanceUID === id);
  return byUid.length >= 1 ? largestSeries(byUid) : undefined;
}
