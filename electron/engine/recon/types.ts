/**
 * The shape every reconstruction method shares (STYLE.md habit 4):
 *   (data, options, {onProgress, signal}) => Promise<ReconResult>
 * A method never touches the file system or Electron; provenance beyond the
 * method and its options (input hash, mask hash, engine version) is added by
 * jobs/ which knows where the data came from.
 */
import type { CTensor, RTensor } from '../array';

/** Undersampled k-space ready to reconstruct, one or more slices. */
export interface ReconInput {
  /** [slice][coil][ky][kx], unsampled entries exactly zero. */
  kspace: CTensor;
  /** [ky][kx] 0/1 sampling pattern shared by all slices and coils. */
  mask: RTensor;
  /** Coil sensitivities [slice][coil][y][x] when known or estimated. */
  sens?: CTensor;
  /** Ground truth magnitude [slice][y][x] for metrics, when known. */
  reference?: RTensor;
  /**
   * k-space noise SD per real/imaginary component, in the k-space's units, when
   * known (the acquisition simulator sets it; 0 = noiseless). Noise-aware steps
   * (CIRIM's data-consistency refinement) read it.
   */
  noiseStd?: number;
}

export interface ReconProgress {
  /** 0..1 over the whole job. */
  fraction: number;
  message: string;
  slice?: number;
  iteration?: number;
}

export interface ReconContext {
  onProgress?: (p: ReconProgress) => void;
  signal?: AbortSignal;
  /** Convergence rows as the method records them (iterative methods). */
  onHistory?: (rows: HistoryEntry[]) => void;
  /**
   * An intermediate magnitude image [y][x] of slice `slice` (index within the
   * input) while it is being reconstructed. The array is the callee's to keep.
   */
  onPreview?: (slice: number, magnitude: Float32Array, ny: number, nx: number) => void;
}

/** One row of an iterative method's convergence history. */
export interface HistoryEntry {
  slice: number;
  iteration: number;
  objective?: number;
  residual?: number;
  stepSize?: number;
  elapsedMs: number;
  psnr?: number;
  ssim?: number;
}

export interface ReconResult {
  /** Magnitude image [slice][y][x]. */
  image: RTensor;
  /** Complex image [slice][y][x] when the method produces one (single coil, SENSE). */
  complex?: CTensor;
  /** Per-pixel standard deviation [slice][y][x] of the magnitude over samples (sampling methods with samples > 1). */
  uncertainty?: RTensor;
  history: HistoryEntry[];
  method: string;
  /** The options actually used, defaults filled in. */
  options: Record<string, unknown>;
  /** Notes for the user, e.g. which coil combination was chosen. */
  notes: string[];
}

/**
 * Self-description of a method's options, so a UI can build its form (the
 * compute host maps this 1:1 onto the workspace contract's MethodInfo; the
 * engine stays free of the contracts, so the shapes are declared here).
 */
export type OptionValue = number | string | boolean;
interface OptionFieldBase {
  key: string;
  label: string;
  help?: string;
  /** Shown (and used) only when option `key` has one of `values`. */
  visibleWhen?: { key: string; values: OptionValue[] };
  advanced?: boolean;
}
export type OptionFieldSpec =
  | (OptionFieldBase & { type: 'number'; default: number; min?: number; max?: number; step?: number; log?: boolean })
  | (OptionFieldBase & { type: 'integer'; default: number; min?: number; max?: number })
  | (OptionFieldBase & { type: 'boolean'; default: boolean })
  | (OptionFieldBase & { type: 'enum'; default: string; choices: { value: string; label: string; hint?: string }[] });
export interface MethodPreset {
  id: string;
  label: string;
  values: Record<string, OptionValue>;
}
export type MethodFamily = 'direct' | 'iterative' | 'learned' | 'sampling';

export interface ReconMethod<O extends object> {
  id: string;
  label: string;
  description: string;
  defaults: O;
  family?: MethodFamily;
  optionFields?: OptionFieldSpec[];
  presets?: MethodPreset[];
  run(input: ReconInput, options: Partial<O>, ctx?: ReconContext): Promise<ReconResult>;
}

export class ReconCancelled extends Error {
  constructor() {
    super('reconstruction cancelled');
    this.name = 'AbortError';
  }
}

export function throwIfCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new ReconCancelled();
}

/** Checks the input's shapes agree before any work starts, naming what is wrong. */
export function validateInput(input: ReconInput): { slices: number; coils: number; ny: number; nx: number } {
  const [slices, coils, ny, nx] = input.kspace.shape;
  if (input.kspace.shape.length !== 4 || !slices || !coils || !ny || !nx) {
    throw new RangeError(`k-space must be [slice][coil][ky][kx], got [${input.kspace.shape.join('x')}]`);
  }
  if (input.mask.shape[0] !== ny || input.mask.shape[1] !== nx) {
    throw new RangeError(`mask is [${input.mask.shape.join('x')}] but k-space planes are [${ny}x${nx}]`);
  }
  const s = input.sens?.shape;
  if (s && (s[0] !== slices || s[1] !== coils || s[2] !== ny || s[3] !== nx)) {
    throw new RangeError(`coil maps are [${s.join('x')}] but k-space is [${slices}x${coils}x${ny}x${nx}]`);
  }
  const r = input.reference?.shape;
  if (r && (r[0] !== slices || r[1] !== ny || r[2] !== nx)) {
    throw new RangeError(`reference is [${r.join('x')}] but k-space slices are [${slices}x${ny}x${nx}]`);
  }
  for (let i = 0; i < input.kspace.data.length; i++) {
    if (!Number.isFinite(input.kspace.data[i]!)) {
      throw new RangeError(`k-space contains NaN or Infinity (first at complex index ${i >> 1})`);
    }
  }
  return { slices, coils, ny, nx };
}

/** Options every ONNX-backed method shares (CIRIM, RIM, U-Net). */
export interface LearnedModelOptions {
  /** Folder name under resources/models. */
  model: string;
  /** Execution providers to try, comma separated (e.g. "cuda,cpu"); default CUDA, WebGPU, CPU or $RECON_ORT_PROVIDERS. */
  provider?: string;
  /** Models root, for tests and for users keeping models elsewhere; default resources/models. */
  modelsDir?: string;
}

/** Progress of a learned method, with the current estimate's magnitude [1][y][x]. */
export interface LearnedProgress extends ReconProgress {
  preview?: RTensor;
}

/** How a learned method's options open its model: provider order (a comma list) and models root. */
export function modelOpenOptions(opts: LearnedModelOptions): { providers?: string[]; modelsDir?: string } {
  const providers = opts.provider?.split(',').map((p) => p.trim().toLowerCase()).filter(Boolean);
  return { ...(providers?.length ? { providers } : {}), ...(opts.modelsDir ? { modelsDir: opts.modelsDir } : {}) };
}
