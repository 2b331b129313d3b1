/** Adapter from a job result to the derived-series writer (keeps job-export.ts short). */
import type { Geometry, RTensor } from '../array';
import type { ReconJobResult } from '../jobs/recon-job';
import { writeDicomSeries, type DicomSlice } from './dicom-writer';
import type { JobExportOptions } from './job-export';

/** Method parameters as "k=v" pairs, for DerivationDescription (VR LO-like 1024-char limit). */
export function parameterSummary(job: ReconJobResult): string {
  const opts = Object.entries(job.result.options ?? {})
    .filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v))
    .map(([k, v]) => `${k}=${String(v)}`);
  return [`accel=${job.mask.accel.toFixed(2)}`, ...opts, `engine=${job.provenance.engineVersion}`].join(' ');
}

export function encodeDicomFiles(job: ReconJobResult, img: RTensor, geometry: Geometry, provJson: string, opts: JobExportOptions): DicomSlice[] {
  return writeDicomSeries({
    image: img,
    geometry,
    meta: job.volume.meta,
    method: job.result.method,
    parameters: parameterSummary(job),
    provenance: opts.anonymize ? JSON.stringify({ method: job.result.method, options: job.result.options, engineVersion: job.provenance.engineVersion }) : provJson,
    firstSlice: job.slices[0],
    ...(opts.anonymize ? { anonymize: opts.anonymize } : {}),
    ...(opts.studyUid ? { studyUid: opts.studyUid } : {}),
    ...(opts.frameOfReferenceUid ? { frameOfReferenceUid: opts.frameOfReferenceUid } : {}),
    ...(opts.seriesNumber !== undefined ? { seriesNumber: opts.seriesNumber } : {}),
  });
}
