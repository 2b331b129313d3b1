/**
 * Writes one reconstruction job in the requested formats into a staged
 * folder (atomic.ts), and returns what it wrote with SHA-256 hashes so a
 * batch manifest can tell later whether the job is done and intact.
 *   png16/slice_NNN.png   16-bit original values (pixel = value * scale)
 *   tiff16/slice_NNN.tif  same values as TIFF; tiff32/ float32 values as they are
 *   png8/slice_NNN.png    as displayed: window/level, colormap, optional labels
 *   dicom/IM00001.dcm...  derived MR series (dicom-writer.ts)
 *   volume.nii.gz         NIfTI-1 float32 with the source affine
 *   metrics.json/.csv     when the job has a reference
 *   provenance.json       always
 */
import type { Geometry, RTensor } from '../array';
import { displayFlipY } from '../array';
import type { ReconJobResult } from '../jobs/recon-job';
import { centerCrop } from '../jobs/recon-job';
import { sha256Hex } from '../jobs/provenance';
import type { StagedDir } from './atomic';
import { encodeDicomFiles } from './dicom-files';
import { encodeDisplayPng, type Colormap, type Window } from './display';
import type { MontageTile } from './montage';
import { encodeNifti } from './nifti-writer';
import { encodePng, flipRows, insertPngText, toUint16 } from './png';
import { metricsCsv } from './report';
import { encodeTiff } from './tiff';
import type { UidMap } from './uid';

export interface JobExportOptions {
  formats: ReadonlySet<string>;
  colormap?: Colormap;
  window?: Window;
  labels?: boolean;
  anonymize?: { uids: UidMap; pseudonym: string };
  /** UIDs for a synthetic study (non-DICOM input), shared by all jobs of one input. */
  studyUid?: string;
  frameOfReferenceUid?: string;
  seriesNumber?: number;
  /** Slices to keep for a montage (display orientation), at most this many. */
  montageSlices?: number;
}

export interface WrittenFile {
  path: string;
  sha256: string;
  bytes: number;
}

export interface JobExport {
  files: WrittenFile[];
  scale: number;
  images: number;
  tiles: MontageTile[];
}

/** Geometry of a slab [first, first+n) cropped to (ny, nx) about the centre. */
export function subGeometry(g: Geometry, first: number, fullNy: number, fullNx: number, ny: number, nx: number): Geometry {
  if (!g.affine || g.affine.length !== 16) return g;
  const a = g.affine.slice();
  const y0 = (fullNy - ny) >> 1;
  const x0 = (fullNx - nx) >> 1;
  for (let r = 0; r < 3; r++) a[4 * r + 3] = a[4 * r + 3]! + a[4 * r]! * x0 + a[4 * r + 1]! * y0 + a[4 * r + 2]! * first;
  return { ...g, affine: a };
}

export async function exportJob(job: ReconJobResult, staged: StagedDir, opts: JobExportOptions): Promise<JobExport> {
  const files: WrittenFile[] = [];
  const put = (rel: string, data: Uint8Array | string) => {
    staged.write(rel, data);
    const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    files.push({ path: rel, sha256: sha256Hex(typeof data === 'string' ? data : data), bytes });
  };
  const ref = job.reference ?? job.input.reference;
  const full = job.result.image;
  const img: RTensor = ref ? centerCrop(full, ref.shape[1]!, ref.shape[2]!) : full;
  const [slices, ny, nx] = img.shape as [number, number, number];
  const geometry = subGeometry(job.volume.geometry, job.slices[0], full.shape[1]!, full.shape[2]!, ny, nx);
  let peak = 0;
  for (let i = 0; i < img.data.length; i++) if (img.data[i]! > peak) peak = img.data[i]!;
  const scale = peak > 0 ? 65535 / peak : 1;
  const flip = displayFlipY(job.volume.geometry);
  const { createdAt: _drop, ...stable } = job.provenance;
  // Anonymised exports must not carry the source path (it often holds a name or ID).
  const provenance = opts.anonymize ? { ...job.provenance, input: { ...job.provenance.input, path: '(removed by anonymisation)' } } : job.provenance;
  if (opts.anonymize) stable.input = provenance.input;
  const provJson = JSON.stringify(stable);
  const f = opts.formats;
  const per = (s: number) => img.data.subarray(s * ny * nx, (s + 1) * ny * nx);
  const metricOf = (slice: number) => job.metrics?.perSlice.find((m) => m.slice === slice);
  const name = (slice: number) => `slice_${String(slice).padStart(3, '0')}`;
  const tiles: MontageTile[] = [];
  const montageEvery = Math.max(1, Math.ceil(slices / (opts.montageSlices ?? 4)));
  for (let s = 0; s < slices; s++) {
    const slice = job.slices[0] + s;
    const plane = per(s);
    const disp = flip ? flipRows(plane, nx, ny) : plane;
    const desc = `${job.result.method} reconstruction, slice ${slice}; research use only, not for diagnosis`;
    if (f.has('png16') || f.has('tiff16')) {
      const px = toUint16(disp, scale);
      const text = { Software: `Recon Studio ${job.provenance.engineVersion}`, Description: `${desc}; pixel = value * scale`, 'Recon-Scale': String(scale), 'Recon-Flip-Rows': String(flip), 'Recon-Provenance': provJson };
      if (f.has('png16')) put(`png16/${name(slice)}.png`, encodePng({ width: nx, height: ny, pixels: px, text }));
      if (f.has('tiff16')) put(`tiff16/${name(slice)}.tif`, encodeTiff({ width: nx, height: ny, pixels: px, description: `${desc}; pixel = value * ${scale}; provenance ${provJson}`, software: `Recon Studio ${job.provenance.engineVersion}` }));
    }
    if (f.has('tiff32')) put(`tiff32/${name(slice)}.tif`, encodeTiff({ width: nx, height: ny, pixels: disp.slice(), description: `${desc}; provenance ${provJson}`, software: `Recon Studio ${job.provenance.engineVersion}` }));
    if (f.has('png8')) {
      const m = metricOf(slice);
      const labels = opts.labels ? [`${job.result.method}  x${job.mask.accel.toFixed(2)}  slice ${slice}`, ...(m ? [`PSNR ${m.psnr.toFixed(2)} dB  SSIM ${m.ssim.toFixed(4)}`] : [])] : undefined;
      const png = await encodeDisplayPng(disp.slice(), nx, ny, { ...(opts.window ? { window: opts.window } : {}), colormap: opts.colormap ?? 'grey', ...(labels ? { labels } : {}) });
      put(`png8/${name(slice)}.png`, insertPngText(png, { Software: `Recon Studio ${job.provenance.engineVersion}`, Description: `${desc}; as displayed (8-bit)`, 'Recon-Provenance': provJson }));
    }
    if (f.has('montage') && s % montageEvery === 0 && tiles.length < (opts.montageSlices ?? 4)) {
      const m = metricOf(slice);
      tiles.push({ method: job.result.method, slice, width: nx, height: ny, pixels: disp.slice(), ...(m ? { metrics: { psnr: m.psnr, ssim: m.ssim } } : {}) });
    }
  }
  if (f.has('dicom')) {
    for (const d of encodeDicomFiles(job, img, geometry, provJson, opts)) put(`dicom/${d.name}`, d.bytes);
  }
  if (f.has('nifti')) put('volume.nii.gz', encodeNifti(img, geometry, { description: `Recon Studio ${job.result.method}` }));
  // Sampling methods: the per-pixel SD over samples travels with every export, as float32 NIfTI (its own units = image units).
  const unc = job.result.uncertainty;
  if (unc) put('uncertainty.nii.gz', encodeNifti(ref ? centerCrop(unc, ref.shape[1]!, ref.shape[2]!) : unc, geometry, { description: `Recon Studio ${job.result.method} SD map` }));
  // Metrics go with every job that has a reference (they are small and make the folder self-describing).
  if (job.metrics) {
    put('metrics.json', JSON.stringify({ method: job.result.method, acceleration: job.mask.accel, ...job.metrics }, null, 2) + '\n');
    put('metrics.csv', metricsCsv(job.metrics.perSlice.map((r) => ({ method: job.result.method, ...r }))));
  }
  put('provenance.json', JSON.stringify({ ...provenance, output: { scale, flipRows: flip, formats: [...f].sort() } }, null, 2) + '\n');
  return { files, scale, images: slices, tiles };
}
