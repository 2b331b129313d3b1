/**
 * resources/models/<name>/manifest.json: what a shipped ONNX model expects and
 * where it came from. The loader validates the file with zod (errors name the
 * file and the field) and hashes the model so every recon can record exactly
 * which weights produced it (ARCHITECTURE.md, provenance).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';

/** A dimension is a fixed size or a symbolic name (e.g. "H", "batch"). */
const dimSchema = z.union([z.number().int().nonnegative(), z.string().min(1)]);

export const tensorSpecSchema = z.looseObject({
  name: z.string().min(1),
  shape: z.array(dimSchema),
  dtype: z.enum(['float32', 'float64', 'float16', 'int64', 'int32', 'bool']),
  /** How complex values are stored, e.g. "real-imag-last" (trailing axis of 2); absent = real. */
  complex: z.string().optional(),
  description: z.string().optional(),
});

/** Architectures the engine knows how to drive; extend as models are added. */
export const ARCHITECTURES = ['cirim', 'rim', 'unet', 'diffusion', 'diffusion-classifier'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

export const manifestSchema = z.looseObject({
  name: z.string().min(1),
  version: z.union([z.string(), z.number()]).transform(String),
  description: z.string().optional(),
  /**
   * Which network the graph is (models/export_onnx.py): 'cirim' and 'rim' run
   * one cascade per call (learned/cascade-model), 'unet' is image to image
   * (learned/image-model). Absent for generic models.
   */
  architecture: z.enum(ARCHITECTURES).optional(),
  /** Image models: H and W must be multiples of this (the engine zero-pads, centred, and crops back). */
  padMultiple: z.number().int().positive().optional(),
  /** Model file beside the manifest. */
  file: z.string().min(1).default('model.onnx'),
  opset: z.number().int().positive(),
  inputs: z.array(tensorSpecSchema).min(1),
  outputs: z.array(tensorSpecSchema).min(1),
  /** Model-wide description of the complex layout, when all tensors share one. */
  complexLayout: z.unknown().optional(),
  /** How inputs are scaled before the model and outputs unscaled after it. */
  normalisation: z.unknown().optional(),
  training: z.unknown().optional(),
  metrics: z.unknown().optional(),
  golden: z.looseObject({
    /** Input name -> .npy file beside the manifest. */
    inputs: z.record(z.string(), z.string()),
    /** Output name -> .npy file beside the manifest. */
    outputs: z.record(z.string(), z.string()),
    /** Max |ort - golden| / max |golden| allowed per output; the issue's contract is 1e-4. */
    rtol: z.number().positive().default(1e-4),
  }),
});

export type TensorSpec = z.infer<typeof tensorSpecSchema>;
export type Manifest = z.infer<typeof manifestSchema>;

export interface LoadedManifest {
  manifest: Manifest;
  /** Folder holding manifest.json. */
  dir: string;
  manifestPath: string;
  modelPath: string;
  /** Hex SHA-256 of the model file's bytes. */
  sha256: string;
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * Model hashes by path, valid while the file's identity and change time are the
 * same. The app lists every installed model (manifest and hash) whenever it asks
 * for its methods, at start-up included; rehashing megabytes of ONNX each time
 * bought nothing. ctime moves on every write, rename or copy over the file and no
 * ordinary tool can set it back, so a replaced model is always rehashed.
 */
const hashMemo = new Map<string, { stamp: string; sha256: string }>();

function modelHash(path: string): string {
  const st = statSync(path, { bigint: true });
  const stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  const hit = hashMemo.get(path);
  if (hit?.stamp === stamp) return hit.sha256;
  const sha256 = sha256File(path);
  hashMemo.set(path, { stamp, sha256 });
  return sha256;
}

/** Reads, validates and hashes one model folder (or a manifest.json path). */
export function loadManifest(dirOrFile: string): LoadedManifest {
  const manifestPath = dirOrFile.endsWith('.json') ? resolve(dirOrFile) : resolve(dirOrFile, 'manifest.json');
  const dir = dirname(manifestPath);
  if (!existsSync(manifestPath)) throw new ManifestError(`${manifestPath}: model manifest not found`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (e) {
    throw new ManifestError(`${manifestPath}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ManifestError(`${manifestPath}: invalid manifest — ${issues}`);
  }
  const manifest = parsed.data;
  const names = (specs: TensorSpec[]) => specs.map((s) => s.name);
  for (const [kind, specs, golden] of [
    ['input', manifest.inputs, manifest.golden.inputs],
    ['output', manifest.outputs, manifest.golden.outputs],
  ] as const) {
    const dup = names(specs).find((n, i, all) => all.indexOf(n) !== i);
    if (dup) throw new ManifestError(`${manifestPath}: ${kind} "${dup}" is declared twice`);
    for (const n of Object.keys(golden)) {
      if (!names(specs).includes(n)) throw new ManifestError(`${manifestPath}: golden.${kind}s names "${n}", which is not a declared ${kind}`);
    }
    if (kind === 'input') {
      const missing = names(specs).filter((n) => !(n in golden));
      if (missing.length) throw new ManifestError(`${manifestPath}: golden.inputs lacks ${missing.join(', ')}`);
    }
    for (const f of Object.values(golden)) {
      if (!existsSync(join(dir, f))) throw new ManifestError(`${manifestPath}: golden file ${f} is missing from ${dir}`);
    }
  }
  const modelPath = join(dir, manifest.file);
  if (!existsSync(modelPath)) throw new ManifestError(`${manifestPath}: model file ${manifest.file} is missing from ${dir}`);
  return { manifest, dir, manifestPath, modelPath, sha256: modelHash(modelPath) };
}

/**
 * Where shipped models live: an explicit folder, else $RECON_MODELS_DIR, else
 * resources/models under the working directory or above this source file.
 */
export function modelsRoot(explicit?: string): string {
  const candidates = [
    explicit,
    process.env.RECON_MODELS_DIR,
    resolve(process.cwd(), 'resources/models'),
    // __dirname exists under CommonJS and vitest; an ESM bundle relies on the entries above.
    typeof __dirname === 'string' ? resolve(__dirname, '../../../resources/models') : undefined,
  ].filter((c): c is string => !!c);
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}

/** Folders under root that hold a manifest.json, sorted by name ([] when root cannot be read). */
export function listModelDirs(root: string): string[] {
  try {
    if (!existsSync(root)) return [];
    return readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'manifest.json')))
      .map((d) => join(root, d.name))
      .sort();
  } catch {
    return [];
  }
}

export interface InstalledModel {
  /** Folder name: what `--model` and the app's model option take. */
  name: string;
  dir: string;
  /** The validated, hashed manifest, or why it did not load. */
  loaded?: LoadedManifest;
  error?: string;
}

/** Every model folder under root, loaded; a broken one carries its error instead (the app skips it, the CLI names it). */
export function installedModels(root: string): InstalledModel[] {
  return listModelDirs(root).map((dir) => {
    try {
      return { name: basename(dir), dir, loaded: loadManifest(dir) };
    } catch (e) {
      return { name: basename(dir), dir, error: e instanceof Error ? e.message : String(e) };
    }
  });
}

/** Resolves a model by name (folder under the models root) and loads its manifest. */
export function loadModel(name: string, root?: string): LoadedManifest {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new ManifestError(`model name "${name}" may only use letters, digits, '.', '_' and '-'`);
  return loadManifest(join(modelsRoot(root), name));
}

/**
 * The model a learned method uses when none is named: the trained one
 * (`<method>` folder, e.g. resources/models/cirim) when installed, else the
 * method's own default (its smoke model). Returns the default unchanged when
 * the trained folder is absent or broken.
 */
export function preferredModel(method: string, fallback: string, root?: string): string {
  try {
    loadModel(method, root);
    return method;
  } catch {
    return fallback;
  }
}

/**
 * The line the app's method form shows under the model list for one installed
 * model: what tells two models of one method apart (cascades × time steps where
 * the manifest says, and the range of SSIM over its held-out table, or that it
 * is a smoke model without measured quality). Folder names alone made `cirim`
 * and `cirim-fast` look alike though one is 3x faster and the other better.
 */
export function modelChoiceHint(manifest: Manifest): string {
  const parts: string[] = [];
  const m = manifest as { cascades?: unknown; timeSteps?: unknown; cascadeDc?: unknown };
  if (typeof m.cascades === 'number' && typeof m.timeSteps === 'number') {
    parts.push(`${m.cascades} cascade${m.cascades === 1 ? '' : 's'} × ${m.timeSteps} steps${m.cascadeDc ? ' + CG data consistency' : ''}`);
  }
  // export_onnx.py / export_diffusion.py write a training note starting "SMOKE MODEL" for the CI models.
  const note = (manifest.training as { note?: unknown } | undefined)?.note;
  if (manifest.metrics == null || (typeof note === 'string' && /^smoke model/i.test(note))) {
    parts.push('smoke model, no measured quality');
  } else {
    const heldout = (manifest.metrics as { heldout?: { rows?: unknown; whole?: { accuracy?: unknown } } }).heldout;
    const rows = heldout?.rows;
    const ssim = Array.isArray(rows) ? rows.map((r) => (r as { ssim?: unknown }).ssim).filter((v): v is number => typeof v === 'number' && Number.isFinite(v)) : [];
    if (ssim.length) {
      const lo = Math.min(...ssim).toFixed(2), hi = Math.max(...ssim).toFixed(2);
      parts.push(`held-out SSIM ${lo === hi ? lo : `${lo}–${hi}`}`);
    }
    const acc = heldout?.whole?.accuracy; // the orientation classifier (models/train_diffusion.py evaluate_classifier)
    if (typeof acc === 'number' && Number.isFinite(acc)) parts.push(`held-out orientation accuracy ${acc.toFixed(2)}`);
  }
  return parts.join(', ');
}
