/**
 * Writes one job's results as a folder a researcher can hand on:
 *   images/<method>/slice_NNN.png   16-bit original values (scale in the PNG text)
 *   reference/slice_NNN.png         the ground truth, same scale (when known)
 *   metrics.json, metrics.csv       per-slice and volume NMSE/PSNR/SSIM
 *   provenance.json                 method, options, seed, mask, input hash, version
 * Everything is staged and renamed into place at the end: a failure or a
 * cancel leaves no partial output folder.
 */
import type { RTensor } from '../array';
import { displayFlipY } from '../array';
import type { ReconJobResult } from '../jobs/recon-job';
import { centerCrop } from '../jobs/recon-job';
import { StagedDir } from './atomic';
import { encodePng, flipRows, toUint16 } from './png';
import { subGeometry } from './job-export';
import { encodeNifti } from './nifti-writer';
import { metricsCsv } from './report';

export interface WrittenOutputs {
  outDir: string;
  files: string[];
  scale: number;
}

function maxOf(t: RTensor | undefined): number {
  let m = 0;
  if (t) for (let i = 0; i < t.data.length; i++) if (t.data[i]! > m) m = t.data[i]!;
  return m;
}

export function writeReconOutputs(job: ReconJobResult, outDir: string, opts: { overwrite?: boolean } = {}): WrittenOutputs {
  const staged = new StagedDir(outDir, opts);
  const files: string[] = [];
  try {
    // A reference at the recon size (fastMRI) means the image is shown cropped to it, as fastMRI does.
    const ref = job.reference ?? job.input.reference;
    const img = ref ? centerCrop(job.result.image, ref.shape[1]!, ref.shape[2]!) : job.result.image;
    const [slices, ny, nx] = img.shape as [number, number, number];
    // One scale for reference and reconstruction so their pixel values compare directly.
    const peak = Math.max(maxOf(ref), maxOf(img));
    const scale = peak > 0 ? 65535 / peak : 1;
    const flip = displayFlipY(job.volume.geometry);
    const { createdAt: _ignored, ...stable } = job.provenance;
    // No timestamp inside the images: the same job spec gives the same PNG bytes.
    const text = (slice: number, what: string) => ({
      Software: `Recon Studio ${job.provenance.engineVersion}`,
      Description: `${what}, slice ${slice}; pixel = value * scale; research use only, not for diagnosis`,
      'Recon-Scale': String(scale),
      'Recon-Flip-Rows': String(flip),
      'Recon-Provenance': JSON.stringify(stable),
    });
    const writeVolume = (t: RTensor, dir: string, what: string) => {
      for (let s = 0; s < slices; s++) {
        const plane = t.data.subarray(s * ny * nx, (s + 1) * ny * nx);
        let px = toUint16(plane, scale);
        if (flip) px = flipRows(px, nx, ny);
        const slice = job.slices[0] + s;
        const rel = `${dir}/slice_${String(slice).padStart(3, '0')}.png`;
        staged.write(rel, encodePng({ width: nx, height: ny, pixels: px, text: text(slice, what) }));
        files.push(rel);
      }
    };
    writeVolume(img, `images/${job.result.method}`, `${job.result.method} reconstruction`);
    if (ref) writeVolume(ref, 'reference', 'reference');
    // Sampling methods: the per-pixel SD over samples, 16-bit with its own scale (written in each PNG), plus float32 NIfTI.
    const unc = job.result.uncertainty;
    if (unc) {
      const u = ref ? centerCrop(unc, ref.shape[1]!, ref.shape[2]!) : unc;
      const uPeak = maxOf(u);
      const uScale = uPeak > 0 ? 65535 / uPeak : 1;
      for (let s = 0; s < slices; s++) {
        let px = toUint16(u.data.subarray(s * ny * nx, (s + 1) * ny * nx), uScale);
        if (flip) px = flipRows(px, nx, ny);
        const slice = job.slices[0] + s;
        const rel = `uncertainty/${job.result.method}/slice_${String(slice).padStart(3, '0')}.png`;
        staged.write(rel, encodePng({ width: nx, height: ny, pixels: px, text: { ...text(slice, `${job.result.method} per-pixel SD over samples`), 'Recon-Scale': String(uScale) } }));
        files.push(rel);
      }
      const geometry = subGeometry(job.volume.geometry, job.slices[0], job.result.image.shape[1]!, job.result.image.shape[2]!, ny, nx);
      staged.write('uncertainty.nii.gz', encodeNifti(u, geometry, { description: `Recon Studio ${job.result.method} SD map` }));
      files.push('uncertainty.nii.gz');
    }
    if (job.metrics) {
      staged.write('metrics.json', JSON.stringify({ method: job.result.method, ...job.metrics }, null, 2) + '\n');
      staged.write('metrics.csv', metricsCsv(job.metrics.perSlice.map((r) => ({ method: job.result.method, ...r }))));
      files.push('metrics.json', 'metrics.csv');
    }
    staged.write('provenance.json', JSON.stringify({ ...job.provenance, output: { scale, flipRows: flip } }, null, 2) + '\n');
    files.push('provenance.json');
    staged.commit();
    return { outDir: staged.target, files, scale };
  } catch (e) {
    staged.abort();
    throw e;
  }
}
