/**
 * DICOM reading, pure over bytes: one file (`readDicom`), or the files of a
 * folder (`readDicomSeries`, `listDicomSeriesFromFiles`); dicom-scan.ts walks
 * the disk. The pieces:
 *
 *   dicom-header.ts  bytes -> dataset + grouping attributes (Part 10, bare, deflated)
 *   dicom-series.ts  grouping into series (UID, size, orientation, echo, ImageType)
 *   dicom-volume.ts  one series -> sorted volume with geometry and metadata
 *   dicom-pixels.ts  Pixel Data -> rescaled float32 (masking, sign, colour)
 *   dicom-codecs.ts  RLE, JPEG, JPEG lossless, JPEG-LS, JPEG 2000
 *   dicom-mosaic.ts  Siemens mosaic split and slice positions
 *
 * Compressed syntaxes other than RLE need `await loadDicomCodecs()` once
 * before parsing (load.ts does it); decoding is synchronous after that.
 */
import type { ImageVolume } from '../array';
import { describeFile, errorText, looksLikeDicom, type DicomFile, type FileInfo } from './dicom-header';
import { sopClassLabel } from './dicom-names';
import { findSeries, groupSeries, largestSeries, type SeriesGroup } from './dicom-series';
import type { DicomReadOptions, SeriesListing, SeriesSummary } from './dicom-types';
import { buildVolume } from './dicom-volume';
import { ReaderError } from './errors';

export { isDicom, looksLikeDicom, type DicomFile } from './dicom-header';
export { loadDicomCodecs } from './dicom-codecs';
export type { DicomReadOptions, NonImageObject, SeriesListing, SeriesSummary } from './dicom-types';

export interface Sorted {
  images: FileInfo[];
  listing: SeriesListing;
  groups: SeriesGroup[];
  dicomCount: number;
}

/** What reading one file's header gave: its description, or why it was skipped. */
export type HeaderResult = { info: FileInfo } | { skipped: string };

/**
 * Runs a parse step, turning anything the parser library or a codec throws
 * (strings, RangeErrors, WASM aborts) into a ReaderError about `file`.
 */
export function guarded<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ReaderError) throw e;
    throw new ReaderError(file, `corrupt DICOM data: ${errorText(e)}`);
  }
}

/** Describes one file, turning reader errors into a skip line (a folder keeps going). */
export function headerResult(f: DicomFile, headerOnly: boolean): HeaderResult {
  if (!looksLikeDicom(f.bytes)) return { skipped: `${f.name}: not DICOM` };
  try {
    return { info: guarded(f.name, () => describeFile(f, headerOnly)) };
  } catch (e) {
    if (!(e instanceof ReaderError)) throw e;
    return { skipped: e.message };
  }
}

/** Groups described files into series; non-images and skipped files are listed. */
export function sortHeaders(results: HeaderResult[]): Sorted {
  const listing: SeriesListing = { series: [], nonImages: [], skipped: [] };
  const images: FileInfo[] = [];
  let dicomCount = 0;
  for (const r of results) {
    if ('skipped' in r) {
      listing.skipped.push(r.skipped);
      if (!r.skipped.endsWith(': not DICOM')) dicomCount++;
      continue;
    }
    dicomCount++;
    if (r.info.isImage) images.push(r.info);
    else listing.nonImages.push({ file: r.info.name, sopClassUID: r.info.sop, label: sopClassLabel(r.info.sop) });
  }
  const groups = groupSeries(images);
  listing.series = groups.map((g) => g.summary);
  return { images, listing, groups, dicomCount };
}

function sortFiles(files: DicomFile[], headerOnly: boolean): Sorted {
  return sortHeaders(files.map((f) => headerResult(f, headerOnly)));
}

/**
 * Series, non-image objects and skipped files among the given files. Headers
 * only: the bytes may stop anywhere after the attributes before Pixel Data
 * (dicom-scan.ts passes the first 64 KiB, or the whole file when that cuts
 * the header).
 */
export function listDicomSeriesFromFiles(files: DicomFile[]): SeriesListing {
  return sortFiles(files, true).listing;
}

/** The series `opts.series` names (default: the largest) among listed series, or a ReaderError naming the choices. */
export function chooseSeries(listing: SeriesListing, label: string, opts: DicomReadOptions = {}): SeriesSummary {
  const groups = listing.series.map((summary) => ({ summary, files: [] }));
  const chosen = opts.series === undefined ? largestSeries(groups) : findSeries(groups, opts.series);
  if (!chosen) {
    if (groups.length === 0) throw new ReaderError(label, `no DICOM images (${listing.nonImages.length} non-image objects, ${listing.skipped.length} files skipped)`);
    throw new ReaderError(label, `no series ${opts.series}; found ${groups.map((g) => g.summary.id).join(', ')}`);
  }
  return chosen.summary;
}

/**
 * Reads one series among the files of a folder into an image volume; `label`
 * (the folder) names the source. Default: the series with the most slices;
 * the others, non-DICOM and non-image files are named in meta.notes.
 */
export function readDicomSeries(files: DicomFile[], label: string, opts: DicomReadOptions = {}, extraNotes: string[] = []): ImageVolume {
  const { listing, groups, dicomCount } = sortFiles(files, false);
  const notes = [...extraNotes, ...listing.skipped.map((s) => `skipped ${s}`)];
  for (const n of listing.nonImages) notes.push(`skipped ${n.file}: not an image (${n.label})`);
  if (groups.length === 0) {
    const firstNon = listing.nonImages[0];
    if (dicomCount === 0) throw new ReaderError(label, `no DICOM files found (${files.length} files checked for 'DICM' at byte 128)`);
    if (firstNon) {
      throw new ReaderError(label, `no DICOM images: none of the ${dicomCount} DICOM files has Pixel Data (e.g. ${firstNon.file}: ${firstNon.label})`);
    }
    throw new ReaderError(label, `no readable DICOM images among ${dicomCount} DICOM files (first problem: ${listing.skipped[0]})`);
  }
  const chosen = opts.series === undefined ? largestSeries(groups)! : findSeries(groups, opts.series);
  if (!chosen) {
    throw new ReaderError(label, `no series ${opts.series}; found ${groups.map((g) => g.summary.id).join(', ')}`);
  }
  for (const g of groups) {
    if (g === chosen) continue;
    const s = g.summary;
    notes.push(`ignored series ${s.id || '(no SeriesInstanceUID)'} (${s.files.length} files${s.description ? `, ${s.description}` : ''})`);
  }
  notes.push(...chosen.summary.notes);
  return guarded(label, () => buildVolume(chosen.files, label, { volume: opts.volume, notes, seriesId: chosen.summary.id }));
}

/** One DICOM file (single- or multi-frame, mosaic); anything but a readable image is an error. */
export function readDicom(bytes: Uint8Array, name: string, opts: Pick<DicomReadOptions, 'volume'> = {}): ImageVolume {
  if (!looksLikeDicom(bytes)) throw new ReaderError(name, "not a DICOM file (no 'DICM' marker at byte 128)");
  return guarded(name, () => {
    const info = describeFile({ name, bytes }, false);
    if (!info.isImage) throw new ReaderError(name, `not an image (no Pixel Data; ${sopClassLabel(info.sop)})`);
    const group = groupSeries([info])[0]!;
    return buildVolume([info], name, { volume: opts.volume, notes: [...group.summary.notes], seriesId: group.summary.id });
  });
}
