/**
 * De-identification on export: a subset of the PS3.15 Annex E Basic
 * Application Level Confidentiality Profile applied to the small set of
 * attributes the derived-series writer copies from the source. Names, IDs,
 * dates, times and free-text descriptions are removed or replaced; UIDs go
 * through one UidMap so references inside the exported set stay consistent.
 */
import type { UidMap } from './uid';

/** PS3.16 CID 7050 code for the Basic Profile. */
export const BASIC_PROFILE = { CodeValue: '113100', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Basic Application Confidentiality Profile' };
/** LO is at most 64 characters per value, so the method is several values (VM 1-n). */
export const DEIDENTIFICATION_METHOD = ['Recon Studio PS3.15 E.1 Basic Profile subset', 'names IDs dates descriptions removed', 'UIDs remapped by keyed hash'];

export interface PatientStudy {
  PatientName: string;
  PatientID: string;
  PatientBirthDate: string;
  PatientSex: string;
  StudyInstanceUID: string;
  StudyDate: string;
  StudyTime: string;
  StudyID: string;
  StudyDescription: string;
  AccessionNumber: string;
  ReferringPhysicianName: string;
  FrameOfReferenceUID: string;
  SourceSOPInstanceUIDs: string[];
}

/**
 * `pseudonym` names the subject in the exported set (e.g. "ANON-<hash>"), so
 * several series of one patient still group together in a viewer.
 */
export function anonymizePatientStudy(p: PatientStudy, uids: UidMap, pseudonym: string): PatientStudy {
  return {
    PatientName: pseudonym,
    PatientID: pseudonym,
    PatientBirthDate: '',
    PatientSex: '',
    StudyInstanceUID: uids.map(p.StudyInstanceUID),
    StudyDate: '',
    StudyTime: '',
    StudyID: '',
    StudyDescription: '',
    AccessionNumber: '',
    ReferringPhysicianName: '',
    FrameOfReferenceUID: uids.map(p.FrameOfReferenceUID),
    SourceSOPInstanceUIDs: p.SourceSOPInstanceUIDs.map((u) => uids.map(u)),
  };
}
