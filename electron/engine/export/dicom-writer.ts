/**
 * Derived DICOM series (MR Image Storage) written with dcmjs: one file per
 * slice, a new SeriesInstanceUID per (source series x method), a new
 * SOPInstanceUID per image, ImageType DERIVED\SECONDARY, patient and study
 * copied from the source (or synthetic for non-DICOM inputs), geometry and
 * FrameOfReferenceUID kept, SourceImageSequence pointing at the source images.
 * Pixels are unsigned 16-bit: stored = round(value * scale), and
 * RescaleSlope = 1/scale gives the original values back.
 */
import dcmjs from 'dcmjs';
import type { Geometry, Meta, RTensor } from '../array';
import { anonymizePatientStudy, BASIC_PROFILE, DEIDENTIFICATION_METHOD, type PatientStudy } from './anonymize';
import { toUint16 } from './png';
import { newUid, type UidMap } from './uid';

const MR_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.4';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const SYNTHETIC_PATIENT = 'RECON^STUDIO^SYNTHETIC';

export interface DicomSeriesInput {
  image: RTensor;
  geometry: Geometry;
  /** Source metadata (io/dicom-volume.ts keys); empty for NIfTI/cfl. */
  meta: Meta;
  method: string;
  /** Short method parameters for DerivationDescription (trimmed to 1024 chars). */
  parameters: string;
  /** Full provenance (JSON) for ImageComments (trimmed to its 10240-char VR limit). */
  provenance: string;
  /** First slice index of `image` in the source volume (for SourceImageSequence). */
  firstSlice: number;
  seriesNumber?: number;
  anonymize?: { uids: UidMap; pseudonym: string };
  /** Fixed UIDs for a study without DICOM metadata, so all methods of one input share one study. */
  studyUid?: string;
  frameOfReferenceUid?: string;
  seriesUid?: string;
}

export interface DicomSlice {
  name: string;
  bytes: Uint8Array;
  sopInstanceUid: string;
}

const str = (m: Meta, k: string): string => (typeof m[k] === 'string' ? (m[k] as string) : m[k] === undefined ? '' : String(m[k]));
const ds = (v: number): number => Number(v.toPrecision(10));

function patientStudy(inp: DicomSeriesInput): PatientStudy {
  const m = inp.meta;
  const fromDicom = Boolean(m.StudyInstanceUID);
  const sops = str(m, 'SOPInstanceUIDs').split('\\').filter(Boolean);
  const base: PatientStudy = fromDicom
    ? {
        PatientName: str(m, 'PatientName'),
        PatientID: str(m, 'PatientID'),
        PatientBirthDate: str(m, 'PatientBirthDate'),
        PatientSex: str(m, 'PatientSex'),
        StudyInstanceUID: str(m, 'StudyInstanceUID'),
        StudyDate: str(m, 'StudyDate'),
        StudyTime: str(m, 'StudyTime'),
        StudyID: str(m, 'StudyID'),
        StudyDescription: str(m, 'StudyDescription'),
        AccessionNumber: str(m, 'AccessionNumber'),
        ReferringPhysicianName: '',
        FrameOfReferenceUID: inp.geometry.frameOfReferenceUID ?? inp.frameOfReferenceUid ?? newUid(),
        SourceSOPInstanceUIDs: sops,
      }
    : {
        PatientName: SYNTHETIC_PATIENT,
        PatientID: 'SYNTHETIC',
        PatientBirthDate: '',
        PatientSex: '',
        StudyInstanceUID: inp.studyUid ?? newUid(),
        StudyDate: '',
        StudyTime: '',
        StudyID: '',
        StudyDescription: 'Recon Studio synthetic study (non-DICOM input)',
        AccessionNumber: '',
        ReferringPhysicianName: '',
        FrameOfReferenceUID: inp.geometry.frameOfReferenceUID ?? inp.frameOfReferenceUid ?? newUid(),
        SourceSOPInstanceUIDs: [],
      };
  return inp.anonymize ? anonymizePatientStudy(base, inp.anonymize.uids, inp.anonymize.pseudonym) : base;
}

/** The affine (RAS, x col, y row, slice) or a plain one from the spacing. */
function affineOf(g: Geometry): number[] {
  if (g.affine && g.affine.length === 16) return g.affine;
  const [ds_, dy, dx] = g.spacing;
  return [dx, 0, 0, 0, 0, dy, 0, 0, 0, 0, ds_, 0, 0, 0, 0, 1];
}

function unit(v: number[]): number[] {
  const n = Math.hypot(...v) || 1;
  return v.map((x) => ds(x / n));
}

function peak(t: RTensor): number {
  let m = 0;
  for (let i = 0; i < t.data.length; i++) if (t.data[i]! > m) m = t.data[i]!;
  return m;
}

function dateTime(d: Date): { date: string; time: string } {
  const iso = d.toISOString();
  return { date: iso.slice(0, 10).replace(/-/g, ''), time: iso.slice(11, 19).replace(/:/g, '') };
}

export function writeDicomSeries(inp: DicomSeriesInput, now = new Date()): DicomSlice[] {
  const [slices, rows, cols] = inp.image.shape as [number, number, number];
  const ps = patientStudy(inp);
  const a = affineOf(inp.geometry);
  // RAS -> LPS: negate x and y.
  const lps = (v: number[]) => [-v[0]!, -v[1]!, v[2]!];
  const rowDir = unit(lps([a[0]!, a[4]!, a[8]!]));
  const colDir = unit(lps([a[1]!, a[5]!, a[9]!]));
  const dx = Math.hypot(a[0]!, a[4]!, a[8]!);
  const dy = Math.hypot(a[1]!, a[5]!, a[9]!);
  const dz = Math.hypot(a[2]!, a[6]!, a[10]!);
  const max = peak(inp.image);
  const scale = max > 0 ? 65535 / max : 1;
  const seriesUid = inp.seriesUid ?? newUid();
  const { date, time } = dateTime(now);
  // A synthetic study is dated by its creation, so viewers and DICOMDIR builders can list it.
  if (!inp.meta.StudyInstanceUID && !inp.anonymize) Object.assign(ps, { StudyDate: date, StudyTime: time, StudyID: 'RECON' });
  const sourceClass = str(inp.meta, 'SOPClassUID') || MR_IMAGE_STORAGE;
  const srcDescription = inp.anonymize ? '' : str(inp.meta, 'SeriesDescription');
  const description = `${srcDescription ? srcDescription + ' ' : ''}${inp.method} RESEARCH USE`.slice(-64);
  const out: DicomSlice[] = [];
  for (let s = 0; s < slices; s++) {
    const plane = inp.image.data.subarray(s * rows * cols, (s + 1) * rows * cols);
    const px = toUint16(plane, scale);
    const k = s;
    const ipp = lps([a[2]! * k + a[3]!, a[6]! * k + a[7]!, a[10]! * k + a[11]!]).map(ds);
    const sop = newUid();
    const srcSop = ps.SourceSOPInstanceUIDs[inp.firstSlice + s];
    const dataset: Record<string, unknown> = {
      SpecificCharacterSet: 'ISO_IR 100',
      // Value 3 (image flavour) is required by the MR Image module; OTHER is its defined catch-all.
      ImageType: ['DERIVED', 'SECONDARY', 'OTHER'],
      SOPClassUID: MR_IMAGE_STORAGE,
      SOPInstanceUID: sop,
      StudyDate: ps.StudyDate,
      SeriesDate: date,
      ContentDate: date,
      StudyTime: ps.StudyTime,
      SeriesTime: time,
      ContentTime: time,
      AccessionNumber: ps.AccessionNumber,
      Modality: 'MR',
      Laterality: '',
      PatientPosition: str(inp.meta, 'PatientPosition'),
      Manufacturer: 'Recon Studio',
      ReferringPhysicianName: ps.ReferringPhysicianName,
      StudyDescription: ps.StudyDescription,
      SeriesDescription: description,
      DerivationDescription: `${inp.method} ${inp.parameters}`.slice(0, 1024),
      PatientName: ps.PatientName,
      PatientID: ps.PatientID,
      PatientBirthDate: ps.PatientBirthDate,
      PatientSex: ps.PatientSex,
      ScanningSequence: 'RM',
      SequenceVariant: 'NONE',
      ScanOptions: '',
      MRAcquisitionType: '2D',
      SliceThickness: ds(dz),
      RepetitionTime: str(inp.meta, 'RepetitionTime'),
      EchoTime: str(inp.meta, 'EchoTime'),
      EchoTrainLength: '',
      SoftwareVersions: 'Recon Studio',
      StudyInstanceUID: ps.StudyInstanceUID,
      SeriesInstanceUID: seriesUid,
      StudyID: ps.StudyID,
      SeriesNumber: inp.seriesNumber ?? 9000,
      InstanceNumber: s + 1,
      ImagePositionPatient: ipp,
      ImageOrientationPatient: [...rowDir, ...colDir],
      FrameOfReferenceUID: ps.FrameOfReferenceUID,
      PositionReferenceIndicator: '',
      ImageComments: `Research use only, not for diagnosis. Provenance: ${inp.provenance}`.slice(0, 10240),
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: rows,
      Columns: cols,
      PixelSpacing: [ds(dy), ds(dx)],
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 0,
      WindowCenter: ds(max / 2),
      WindowWidth: ds(Math.max(max, 1e-6)),
      RescaleIntercept: 0,
      RescaleSlope: ds(1 / scale),
      PixelData: [px.buffer.slice(px.byteOffset, px.byteOffset + px.byteLength)],
      _vrMap: { PixelData: 'OW' },
    };
    if (srcSop) {
      dataset.SourceImageSequence = [{ ReferencedSOPClassUID: sourceClass, ReferencedSOPInstanceUID: srcSop }];
    }
    if (inp.anonymize) {
      dataset.PatientIdentityRemoved = 'YES';
      dataset.DeidentificationMethod = DEIDENTIFICATION_METHOD;
      dataset.DeidentificationMethodCodeSequence = [BASIC_PROFILE];
    }
    for (const [k2, v] of Object.entries(dataset)) if (v === undefined) delete dataset[k2];
    const meta = {
      FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
      MediaStorageSOPClassUID: MR_IMAGE_STORAGE,
      MediaStorageSOPInstanceUID: sop,
      TransferSyntaxUID: EXPLICIT_LE,
      ImplementationClassUID: '2.25.80302813137786398554742050926734630921',
      ImplementationVersionName: 'RECONSTUDIO',
    };
    const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
    dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
    out.push({ name: `IM${String(s + 1).padStart(5, '0')}.dcm`, bytes: new Uint8Array(dict.write()), sopInstanceUid: sop });
  }
  return out;
}
