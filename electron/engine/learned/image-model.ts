/**
 * An image-to-image model (architecture "unet", models/export_onnx.py): one
 * complex input (the SENSE-combined zero-filled image, scaled) and one complex
 * output of the same shape, both [B, 1, H, W, 2] in the real-imag-last layout,
 * with H and W multiples of the manifest's padMultiple. recon/unet prepares
 * the input, pads and crops, and applies the normalisation.
 */
import { loadModel, ManifestError, type LoadedManifest, type TensorSpec } from './manifest';
import { getSession, ort, type SessionOptions } from './session';
import { NORMALISATIONS, type Normalisation } from './cascade-model';

export interface ImageModel {
  loaded: LoadedManifest;
  input: TensorSpec;
  output: TensorSpec;
  padMultiple: number;
  normalisation: Normalisation;
  provider: string;
  notes: string[];
  session: ort.InferenceSession;
}

export interface OpenImageOptions extends SessionOptions {
  modelsDir?: string;
}

export async function openImageModel(name: string, opts: OpenImageOptions = {}): Promise<ImageModel> {
  const loaded = loadModel(name, opts.modelsDir);
  const where = loaded.manifestPath;
  const man = loaded.manifest;
  if (man.architecture !== 'unet') {
    throw new ManifestError(`${where}: model ${man.name} is ${man.architecture ? `a ${man.architecture} model` : 'of no declared architecture'}, not an image-to-image (unet) model`);
  }
  if (man.inputs.length !== 1 || man.outputs.length < 1) throw new ManifestError(`${where}: a unet model takes one input and returns one output, got ${man.inputs.length} inputs`);
  const input = man.inputs[0]!, output = man.outputs[0]!;
  for (const t of [input, output]) {
    if (t.shape.length !== 5 || t.shape.at(-1) !== 2 || t.dtype !== 'float32') {
      throw new ManifestError(`${where}: unet tensor "${t.name}" must be float32 [B, 1, H, W, 2] (real-imag-last), got ${t.dtype} [${t.shape.join(', ')}]`);
    }
  }
  const rawNorm = man.normalisation ?? 'none';
  const kind = typeof rawNorm === 'string' ? rawNorm : (rawNorm as { kind?: unknown }).kind;
  if (!(NORMALISATIONS as readonly unknown[]).includes(kind)) {
    throw new ManifestError(`${where}: normalisation must be one of ${NORMALISATIONS.join(', ')} (or {kind: ...}), got ${JSON.stringify(rawNorm)}`);
  }
  const s = await getSession(loaded.modelPath, loaded.sha256, opts);
  return { loaded, input, output, padMultiple: man.padMultiple ?? 1, normalisation: kind as Normalisation, provider: s.provider, notes: s.notes, session: s.session };
}

/** Smallest multiple of m that is >= n. */
export function padTo(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}
