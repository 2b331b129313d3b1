/**
 * One DICOM file's bytes to a parsed dataset plus the few attributes that
 * decide grouping (series, size, orientation, echo, ImageType, mosaic).
 *
 * Accepted: Part 10 files ('DICM' at byte 128) in any native, deflated or
 * encapsulated syntax, and bare datasets without preamble or meta header when
 * they start with a group 0x0008 element (implicit or explicit VR little
 * endian, as some old archives hold). `headerOnly` stops at Pixel Data so a
 * folder of thousands of files can be grouped before any pixel is read.
 */
import * as dicomParserNs from 'dicom-parser';
import type { DataSet } from 'dicom-parser';
import { inflateRawSync } from 'node:zlib';
import { codecFor } from './dicom-codecs';
import { mosaicOf, type Mosaic } from './dicom-mosaic';
import { DEFLATED_SYNTAX, NATIVE_SYNTAXES, transferSyntaxName } from './dicom-names';
import { checkDims, ReaderError } from './errors';

type Parser = typeof dicomParserNs;
// The package is a UMD bundle: under Node's ESM loader it arrives as `default`.
export const dicomParser: Parser = (dicomParserNs as unknown as { default?: Parser }).default ?? dicomParserNs;

export interface DicomFile {
  name: string;
  bytes: Uint8Array;
}

/** A deflated dataset may not inflate past this (a zip bomb is refused, not allocated). */
const MAX_INFLATED = 512 * 1024 * 1024;

/** True when the Part 10 marker 'DICM' sits at byte 128. */
export function isDicom(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

const VRS = new Set('AE AS AT CS DA DS DT FL FD IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '));

/**
 * Transfer syntax of a bare dataset (no preamble): the first element must be
 * (0008,xxxx) with a small element number and a plausible length, so random
 * files are not mistaken for DICOM.
 */
export function bareDatasetSyntax(bytes: Uint8Array): string | undefined {
  if (bytes.length < 16 || bytes[0] !== 0x08 || bytes[1] !== 0x00 || bytes[3] !== 0x00) return undefined;
  const vr = String.fromCharCode(bytes[4]!, bytes[5]!);
  if (VRS.has(vr)) return '1.2.840.10008.1.2.1';
  const len = bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24);
  return len >= 0 && len < 1024 && len % 2 === 0 ? '1.2.840.10008.1.2' : undefined;
}

/** True for a Part 10 file or a bare dataset this reader can parse. */
export function looksLikeDicom(bytes: Uint8Array): boolean {
  return isDicom(bytes) || bareDatasetSyntax(bytes) !== undefined;
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e && 'exception' in e) return String((e as { exception: unknown }).exception);
  return String(e);
}

function inflater(file: string) {
  return (bytes: Uint8Array, position: number): Uint8Array => {
    let inflated: Buffer;
    try {
      inflated = inflateRawSync(bytes.subarray(position), { maxOutputLength: MAX_INFLATED });
    } catch (e) {
      throw new ReaderError(file, `corrupt deflated dataset: ${errorText(e)}`);
    }
    const out = new Uint8Array(position + inflated.length);
    out.set(bytes.subarray(0, position));
    out.set(inflated, position);
    return out;
  };
}

export interface Parsed {
  ds: DataSet;
  syntax: string;
  littleEndian: boolean;
  /** False when parsing stopped early (header only, or a truncated file). */
  complete: boolean;
}

export function parseDataset(f: DicomFile, headerOnly: boolean): Parsed {
  const bare = isDicom(f.bytes) ? undefined : bareDatasetSyntax(f.bytes);
  if (!isDicom(f.bytes) && !bare) throw new ReaderError(f.name, "not a DICOM file (no 'DICM' marker at byte 128)");
  let syntax: string | undefined = bare;
  if (!bare) {
    try {
      syntax = dicomParser.readPart10Header(f.bytes).string('x00020010');
    } catch (e) {
      throw new ReaderError(f.name, `cannot read the DICOM file meta header: ${errorText(e)}`);
    }
  }
  if (!syntax) throw new ReaderError(f.name, 'DICOM file meta header has no Transfer Syntax UID (0002,0010)');
  syntax = syntax.replace(/\0/g, '').trim();
  const native = NATIVE_SYNTAXES[syntax];
  if (!native && !codecFor(syntax)) {
    throw new ReaderError(f.name, `unsupported transfer syntax ${syntax} (${transferSyntaxName(syntax)}) in ${f.name}`);
  }
  const opts = {
    ...(headerOnly ? { untilTag: 'x7fe00010' } : {}),
    ...(bare ? { TransferSyntaxUID: bare } : {}),
    ...(syntax === DEFLATED_SYNTAX ? { inflater: inflater(f.name) } : {}),
  };
  let ds: DataSet;
  let complete = !headerOnly;
  try {
    ds = dicomParser.parseDicom(f.bytes, opts as Parameters<Parser['parseDicom']>[1]);
  } catch (e) {
    if (e instanceof ReaderError) throw e;
    // The parser keeps what it read; a complete header with cut-off Pixel Data
    // is reported later with byte counts, anything else here.
    const partial = (e as { dataSet?: DataSet }).dataSet;
    if (!partial?.elements.x7fe00010) {
      throw new ReaderError(f.name, `cannot parse DICOM data (truncated or corrupt file?): ${errorText(e)}`);
    }
    ds = partial;
    complete = false;
  }
  return { ds, syntax, littleEndian: native?.littleEndian ?? true, complete };
}

const str = (ds: DataSet | undefined, tag: string): string | undefined => {
  try {
    return ds?.string(tag)?.trim() || undefined;
  } catch {
    return undefined;
  }
};
export { str as dsString };

export interface FileInfo extends Parsed {
  name: string;
  bytes: Uint8Array;
  sop?: string;
  isImage: boolean;
  series: string;
  rows: number;
  cols: number;
  frames: number;
  instance?: number;
  /** ImageOrientationPatient (top level or first frame's functional group). */
  iop?: number[];
  echo?: string;
  imageType: string;
  mosaic?: Mosaic;
}

/** The first n numbers of a DS/IS multi-value, or undefined when fewer or not numeric (split here: the library throws on short values). */
export function floats(ds: DataSet | undefined, tag: string, n: number): number[] | undefined {
  if (!ds?.elements[tag]) return undefined;
  const parts = (str(ds, tag) ?? '').split('\\');
  if (parts.length < n) return undefined;
  const out = parts.slice(0, n).map((p) => (p.trim() === '' ? NaN : Number(p)));
  return out.every(Number.isFinite) ? out : undefined;
}

/** First item of a functional-group sequence for a frame: per-frame group first, then shared. */
export function group(ds: DataSet, frame: number, seqTag: string): DataSet | undefined {
  const perFrame = ds.elements.x52009230?.items?.[frame]?.dataSet;
  const own = perFrame?.elements[seqTag]?.items?.[0]?.dataSet;
  if (own) return own;
  return ds.elements.x52009229?.items?.[0]?.dataSet?.elements[seqTag]?.items?.[0]?.dataSet;
}

/** Attribute from a frame's functional groups (enhanced multi-frame), else the top level. */
export function frameFloats(ds: DataSet, frame: number, seqTag: string, tag: string, n: number): number[] | undefined {
  return floats(group(ds, frame, seqTag), tag, n) ?? floats(ds, tag, n);
}



/** Parses a file and extracts what grouping needs; absurd dimensions are refused before any pixel is touched. */
export function describeFile(f: DicomFile, headerOnly: boolean): FileInfo {
  const p = parseDataset(f, headerOnly);
  const { ds } = p;
  const sop = str(ds, 'x00080016') ?? str(ds, 'x00020002');
  const base = { ...p, name: f.name, bytes: f.bytes, sop, series: str(ds, 'x0020000e') ?? '', imageType: str(ds, 'x00080008') ?? '' };
  if (!ds.elements.x7fe00010) return { ...base, isImage: false, rows: 0, cols: 0, frames: 0 };
  const rows = ds.uint16('x00280010') ?? 0;
  const cols = ds.uint16('x00280011') ?? 0;
  const frames = ds.intString('x00280008') ?? 1;
  checkDims(f.name, [frames, rows, cols], 'dimensions (NumberOfFrames, Rows, Columns)');
  const echoTag = frameFloats(ds, 0, 'x00189114', 'x00189082', 1)?.[0] ?? floats(ds, 'x00180081', 1)?.[0];
  return {
    ...base,
    isImage: true,
    rows,
    cols,
    frames,
    instance: floats(ds, 'x00200013', 1)?.[0],
    iop: frameFloats(ds, 0, 'x00209116', 'x00200037', 6),
    echo: str(ds, 'x00180086') ?? (echoTag !== undefined ? String(echoTag) : undefined),
    mosaic: mosaicOf(ds, f.name, rows, cols),
  };
}
