/**
 * One reconstruction job from a file on disk to a result with metrics and
 * provenance: load -> (simulate acquisition | use the file's own sampling)
 * -> recon/<method> -> metrics. The CLI, the compute host and batch export all
 * run jobs through here, so the same spec gives the same bytes everywhere.
 *
 * prepareReconJob does everything that can fail because of the INPUT (bad
 * file, mismatched shapes, absurd options) and throws JobInputError for it;
 * executeReconJob then only computes.
 */
import type { CTensor, KSpaceVolume, RTensor, Volume } from '../array';
import { numel } from '../array';
import { simulate } from '../acquire';
import { loadVolume } from '../io';
import { sliceMetrics } from '../metrics';
import type { ReconContext, ReconInput, ReconResult } from '../recon';
import { methods, validateInput } from '../recon';
import type { Mask, MaskSpec } from '../sampling';
import { makeMask, maskFromData, maskFromKSpace } from '../sampling';
import { estimateSensitivitiesVolume, type SensitivityEstimate } from '../recon/calib';
import type { Provenance } from './provenance';
import { makeProvenance, sha256Hex } from './provenance';

export interface AcquisitionSpec {
  mask: MaskSpec;
  /** 1 = single coil. */
  coils: number;
  /** Image-domain SNR; undefined or Infinity = noiseless. */
  snr?: number;
  /** Add a smooth synthetic phase (default true: real scans have phase). */
  phase?: boolean;
  seed: number;
}

export interface ReconJobSpec {
  input: string;
  /** Half-open slice range [start, end) of the input; default all. */
  slices?: [number, number];
  /** 4D inputs: which volume. */
  volumeIndex?: number;
  /** How to read an ambiguous file (BART .cfl): as k-space or as an image. */
  kind?: 'image' | 'kspace';
  /** For image input: how to simulate the acquisition. */
  acquisition?: AcquisitionSpec;
  /** For k-space input: override the file's own sampling with this mask file. */
  maskFile?: string;
  sensFile?: string;
  /**
   * Multi-coil k-space without coil maps (no sensFile, none in the file):
   * estimate them from the calibration region. Default 'espirit'; when the
   * default cannot run (calibration region too small) the job falls back to
   * no maps with a note, while an explicit choice fails. 'none' = no maps
   * (zero-filled then combines by RSS).
   */
  sensEstimate?: 'espirit' | 'walsh' | 'none';
  referenceFile?: string;
  method: string;
  options?: Record<string, unknown>;
}

export class JobInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobInputError';
  }
}

export interface PreparedJob {
  spec: ReconJobSpec;
  volume: Volume;
  slices: [number, number];
  input: ReconInput;
  mask: Mask;
  /**
   * Ground truth for the metrics. Usually input.reference; a fastMRI
   * reference is at the recon size (e.g. 320x320) while the k-space planes
   * keep the encoded size, so it stays out of input (whose shapes must agree)
   * and the image is centre-cropped to it for the metrics (computeMetrics).
   */
  reference?: RTensor;
  /** What preparation changed about the input, for the provenance. */
  notes: string[];
}

export interface SliceMetric {
  slice: number;
  nmse: number;
  psnr: number;
  ssim: number;
}

export interface JobMetrics {
  dataRange: number;
  perSlice: SliceMetric[];
  volume: { nmse: number; psnr: number; ssim: number };
}

export interface ReconJobResult extends PreparedJob {
  result: ReconResult;
  metrics?: JobMetrics;
  provenance: Provenance;
}

function takeSlices<T extends RTensor | CTensor>(t: T, [a, b]: [number, number], complex: boolean): T {
  const per = (complex ? 2 : 1) * numel(t.shape.slice(1));
  return { shape: [b - a, ...t.shape.slice(1)], data: t.data.slice(a * per, b * per) } as unknown as T;
}

/**
 * Companion files (maps, reference) cover either the whole input, or just the
 * slices the reader returned, or are one slice for all: pick the matching part.
 * A file of any other length is passed through and refused by validateInput.
 */
function alignSlices<T extends RTensor | CTensor>(
  t: T,
  local: [number, number],
  whole: { range: [number, number]; total: number },
  held: number,
  complex: boolean,
): T {
  const n = t.shape[0]!;
  if (n === whole.total) return takeSlices(t, whole.range, complex);
  if (n === held) return takeSlices(t, local, complex);
  return t;
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export async function prepareReconJob(spec: ReconJobSpec): Promise<PreparedJob> {
  if (!methods[spec.method]) {
    throw new JobInputError(`unknown method "${spec.method}" (available: ${Object.keys(methods).join(', ')})`);
  }
  // Reader errors already name the file; pass them through unchanged.
  // Readers that can read part of a file (HDF5) get the slice range and say
  // in meta.sliceStart/sliceTotal which slices they returned.
  const volume = await loadVolume(spec.input, {
    ...(spec.kind ? { kind: spec.kind } : {}),
    ...(spec.volumeIndex !== undefined ? { volume: spec.volumeIndex } : {}),
    ...(spec.slices ? { slices: spec.slices } : {}),
  });
  return prepareLoadedJob(spec, volume);
}

/**
 * prepareReconJob on a volume already in memory (the compute host keeps the
 * datasets it opened): spec.input only names the data in messages and the
 * provenance. A volume read partially (HDF5 meta.sliceStart) is handled the same.
 */
export async function prepareLoadedJob(spec: ReconJobSpec, volume: Volume): Promise<PreparedJob> {
  if (!methods[spec.method]) {
    throw new JobInputError(`unknown method "${spec.method}" (available: ${Object.keys(methods).join(', ')})`);
  }
  const held = volume.kind === 'image' ? volume.image.shape[0]! : volume.kspace.shape[0]!;
  const start = typeof volume.meta.sliceStart === 'number' ? volume.meta.sliceStart : 0;
  const total = typeof volume.meta.sliceTotal === 'number' ? volume.meta.sliceTotal : held;
  const slices = spec.slices ?? [0, total];
  if (!(slices[0] >= 0 && slices[1] <= total && slices[0] < slices[1])) {
    throw new JobInputError(`${spec.input}: slices ${slices[0]}:${slices[1]} are outside its ${total} slices (0:${total})`);
  }
  const local: [number, number] = [slices[0] - start, slices[1] - start];
  if (local[0] < 0 || local[1] > held) throw new JobInputError(`${spec.input}: the reader returned slices ${start}:${start + held}, not ${slices[0]}:${slices[1]}`);
  try {
    if (volume.kind === 'image') return { ...prepareFromImage(spec, volume, local), slices };
    return { ...(await prepareFromKSpace(spec, volume, local, { range: slices, total })), slices };
  } catch (e) {
    if (e instanceof JobInputError) throw e;
    if (e instanceof RangeError || e instanceof TypeError) throw new JobInputError(`${spec.input}: ${describe(e)}`);
    throw e;
  }
}

function prepareFromImage(spec: ReconJobSpec, volume: Extract<Volume, { kind: 'image' }>, slices: [number, number]): PreparedJob {
  if (!spec.acquisition) throw new JobInputError(`${spec.input}: is an image; an acquisition (mask, acceleration) is needed to undersample it`);
  const image = takeSlices(volume.image, slices, false);
  // The simulator takes a magnitude; signed inputs (scaled DICOM, resampled
  // NIfTI) are used as |value|, which is what a magnitude scan would show.
  let negatives = 0;
  for (let i = 0; i < image.data.length; i++) {
    if (image.data[i]! < 0) {
      image.data[i] = -image.data[i]!;
      negatives++;
    }
  }
  const acq = spec.acquisition;
  const scan = simulate(image, {
    seed: acq.seed,
    coils: acq.coils,
    ...(acq.snr !== undefined && Number.isFinite(acq.snr) ? { snr: acq.snr } : {}),
    phase: { enabled: acq.phase ?? true },
    mask: acq.mask,
  });
  const input: ReconInput = {
    kspace: scan.kspace,
    mask: { shape: scan.mask.shape, data: scan.mask.data },
    reference: scan.reference,
    noiseStd: scan.noiseStd,
  };
  if (acq.coils > 1) input.sens = scan.sens;
  const notes = negatives ? [`${negatives} negative input values used as magnitudes`] : [];
  return { spec, volume, slices, input, mask: scan.mask, notes };
}

async function prepareFromKSpace(spec: ReconJobSpec, volume: KSpaceVolume, slices: [number, number], whole: { range: [number, number]; total: number }): Promise<PreparedJob> {
  const kspace = takeSlices(volume.kspace, slices, true);
  const [, coils, ny, nx] = kspace.shape as [number, number, number, number];
  let mask: Mask;
  if (spec.maskFile) {
    const mv = await loadVolume(spec.maskFile, { kind: 'image' });
    const m = mv.kind === 'image' ? mv.image : undefined;
    if (!m || m.shape[m.shape.length - 2] !== ny || m.shape[m.shape.length - 1] !== nx) {
      throw new JobInputError(`${spec.maskFile}: mask must be ${ny}x${nx} to match the k-space`);
    }
    mask = maskFromData(Float32Array.from(m.data.subarray(0, ny * nx), (v) => (v > 0 ? 1 : 0)), ny, nx);
  } else if (volume.mask) {
    mask = maskFromData(volume.mask.data, ny, nx);
  } else {
    // Unsampled = exactly zero (BART's convention): recover the pattern from the data.
    mask = maskFromKSpace(kspace.data.subarray(0, 2 * coils * ny * nx), coils, ny, nx);
  }
  const input: ReconInput = { kspace, mask: { shape: mask.shape, data: mask.data } };
  const notes: string[] = [];
  if (spec.sensFile) {
    const sv = await loadVolume(spec.sensFile, { kind: 'kspace' });
    if (sv.kind !== 'kspace') throw new JobInputError(`${spec.sensFile}: coil maps must be complex [slice][coil][y][x] data`);
    input.sens = alignSlices(sv.kspace, slices, whole, volume.kspace.shape[0]!, true);
  } else if (volume.sens) {
    input.sens = takeSlices(volume.sens, slices, true);
  }
  if (spec.referenceFile) {
    const rv = await loadVolume(spec.referenceFile, { kind: 'image' });
    if (rv.kind !== 'image') throw new JobInputError(`${spec.referenceFile}: reference must be an image`);
    input.reference = alignSlices(rv.image, slices, whole, volume.kspace.shape[0]!, false);
  } else if (volume.reference) {
    input.reference = takeSlices(volume.reference, slices, false);
  }
  let reference = input.reference;
  const r = input.reference?.shape;
  if (r && r.length === 3 && (r[1] !== ny || r[2] !== nx) && r[1] === volume.meta.cropY && r[2] === volume.meta.cropX) {
    // The reader declared this crop (fastMRI: reference at the recon size):
    // metrics only, after a centre crop. Any other size mismatch is refused below.
    reference = input.reference;
    delete input.reference;
    notes.push(`reference is ${r[1]}x${r[2]}; images are centre-cropped from ${ny}x${nx} to it for the metrics (fastMRI convention)`);
  }
  if (!input.sens && coils > 1 && spec.sensEstimate !== 'none') {
    const method = spec.sensEstimate ?? 'espirit';
    let first: SensitivityEstimate | undefined;
    try {
      input.sens = estimateSensitivitiesVolume(kspace, { method }, (s, est) => {
        if (s === 0) first = est;
      });
      const reg = first?.region;
      notes.push(`coil maps estimated by ${method === 'espirit' ? `ESPIRiT (rank ${first?.rank})` : 'Walsh'} from the ${reg?.ny}x${reg?.nx} calibration region`);
    } catch (e) {
      if (spec.sensEstimate || !(e instanceof RangeError)) throw e;
      notes.push(`no coil maps: ${describe(e)}`);
    }
  }
  try {
    validateInput(input);
  } catch (e) {
    throw new JobInputError(`${spec.input}: ${describe(e)}`);
  }
  return { spec, volume, slices, input, mask, ...(reference ? { reference } : {}), notes };
}

/**
 * Centre crop of [slice][y][x] to [slice][ny][nx], starting at
 * floor((n - crop) / 2) per axis: fastMRI's center_crop, so a reconstruction
 * at the encoded size compares with a reference at the recon size.
 */
export function centerCrop(image: RTensor, ny: number, nx: number): RTensor {
  const [slices, h, w] = image.shape as [number, number, number];
  if (h === ny && w === nx) return image;
  if (ny > h || nx > w) throw new RangeError(`cannot centre-crop ${h}x${w} images to ${ny}x${nx}`);
  const y0 = (h - ny) >> 1;
  const x0 = (w - nx) >> 1;
  const out = new Float32Array(slices * ny * nx);
  for (let s = 0; s < slices; s++) {
    for (let y = 0; y < ny; y++) {
      const from = (s * h + y0 + y) * w + x0;
      out.set(image.data.subarray(from, from + nx), (s * ny + y) * nx);
    }
  }
  return { shape: [slices, ny, nx], data: out };
}

export function computeMetrics(reference: RTensor, image: RTensor, firstSlice: number): JobMetrics {
  const [slices, ny, nx] = reference.shape as [number, number, number];
  // A smaller reference (fastMRI: recon size) is compared with the centre of the image.
  const m = sliceMetrics(reference.data, centerCrop(image, ny, nx).data, slices, ny, nx);
  return {
    dataRange: m.maxval,
    perSlice: m.slices.map((s, i) => ({ slice: firstSlice + i, nmse: s.nmse, psnr: s.psnr, ssim: s.ssim })),
    volume: { nmse: m.volume.nmse, psnr: m.volume.psnr, ssim: m.volume.ssim },
  };
}

export async function executeReconJob(job: PreparedJob, ctx: ReconContext = {}): Promise<ReconJobResult> {
  const method = methods[job.spec.method]!;
  const result = await method.run(job.input, job.spec.options ?? {}, ctx);
  const reference = job.reference ?? job.input.reference;
  const metrics = reference ? computeMetrics(reference, result.image, job.slices[0]) : undefined;
  const acq = job.volume.kind === 'image' ? job.spec.acquisition : undefined;
  const provenance = makeProvenance({
    method: result.method,
    options: result.options,
    ...(acq ? { seed: acq.seed, acquisition: { ...acq } } : {}),
    input: { path: job.spec.input, format: job.volume.source.format, sha256: job.volume.source.sha256, slices: job.slices },
    mask: { spec: job.mask.spec, acceleration: job.mask.accel, shape: job.mask.shape, sha256: sha256Hex(job.mask.data) },
    notes: [...job.notes, ...result.notes],
  });
  return { ...job, result, ...(metrics ? { metrics } : {}), provenance };
}

export async function runReconJob(spec: ReconJobSpec, ctx: ReconContext = {}): Promise<ReconJobResult> {
  return executeReconJob(await prepareReconJob(spec), ctx);
}
