/**
 * Opens a diffusion prior (models/export_diffusion.py; contract in
 * models/recon_models/diffusion.py): the ε-prediction denoiser and, when the
 * manifest names one, its classifier, through the learned/ session cache
 * (providers tried in order, CPU fallback with a note). Batches are padded
 * (centred, zeros) to the manifest's padMultiple by the caller.
 */
import { z } from 'zod';
import { loadModel, ManifestError, type LoadedManifest } from '../../learned/manifest';
import { getSession, ort, type SessionOptions } from '../../learned/session';
import { validateSchedule } from './schedule';

const diffusionFields = z.looseObject({
  padMultiple: z.number().int().positive().default(8),
  diffusion: z.looseObject({
    T: z.number().int().positive(),
    alphasCumprod: z.array(z.number().gt(0).lte(1)),
    prediction: z.literal('eps').default('eps'),
  }),
  classes: z.array(z.string()).min(1),
  nullClass: z.number().int().nonnegative(),
  classifier: z.string().optional(),
  schedules: z.record(z.string(), z.array(z.number().int())).optional(),
});

export interface DiffusionModel {
  loaded: LoadedManifest;
  T: number;
  abar: Float64Array;
  classes: string[];
  nullClass: number;
  padMultiple: number;
  /** Searched schedules by step count (validated). */
  schedules: Map<number, number[]>;
  provider: string;
  notes: string[];
  /** ε for a batch of n padded complex images [n][py][px] (interleaved), one call. */
  eps(x: Float32Array, n: number, py: number, px: number, t: number, classes: number[]): Promise<Float32Array>;
  classifier?: { loaded: LoadedManifest; logits(x: Float32Array, n: number, py: number, px: number): Promise<Float32Array> };
}

export interface OpenDiffusionOptions extends SessionOptions {
  modelsDir?: string;
}

export async function openDiffusionModel(name: string, opts: OpenDiffusionOptions = {}): Promise<DiffusionModel> {
  const loaded = loadModel(name, opts.modelsDir);
  const where = loaded.manifestPath;
  const man = loaded.manifest;
  if (man.architecture !== 'diffusion') {
    throw new ManifestError(`${where}: model ${man.name} is ${man.architecture ? `a ${man.architecture} model` : 'of no declared architecture'}, not a diffusion prior (use the matching --method)`);
  }
  const parsed = diffusionFields.safeParse(man);
  if (!parsed.success) throw new ManifestError(`${where}: invalid diffusion manifest — ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const d = parsed.data;
  if (d.diffusion.alphasCumprod.length !== d.diffusion.T) throw new ManifestError(`${where}: diffusion.alphasCumprod has ${d.diffusion.alphasCumprod.length} entries, T is ${d.diffusion.T}`);
  if (d.nullClass !== d.classes.length) throw new ManifestError(`${where}: nullClass must be ${d.classes.length} (the number of classes), got ${d.nullClass}`);
  const names = man.inputs.map((i) => i.name).join(',');
  if (names !== 'x,t,y' || man.outputs[0]?.name !== 'eps') throw new ManifestError(`${where}: a diffusion denoiser takes inputs x, t, y and returns eps, got (${names}) -> ${man.outputs[0]?.name}`);
  const schedules = new Map<number, number[]>();
  for (const [k, ts] of Object.entries(d.schedules ?? {})) {
    const K = Number(k);
    const valid = validateSchedule(ts, d.diffusion.T, `${where} schedules["${k}"]`);
    if (valid.length !== K) throw new ManifestError(`${where}: schedules["${k}"] has ${valid.length} timesteps`);
    schedules.set(K, valid);
  }
  const s = await getSession(loaded.modelPath, loaded.sha256, opts);
  const model: DiffusionModel = {
    loaded, T: d.diffusion.T, abar: Float64Array.from(d.diffusion.alphasCumprod), classes: d.classes, nullClass: d.nullClass,
    padMultiple: d.padMultiple, schedules, provider: s.provider, notes: [...s.notes],
    async eps(x, n, py, px, t, classes) {
      const out = await s.session.run({
        x: new ort.Tensor('float32', x, [n, 1, py, px, 2]),
        t: new ort.Tensor('float32', new Float32Array(n).fill(t), [n]),
        y: new ort.Tensor('int64', BigInt64Array.from(classes.map((c) => BigInt(c))), [n]),
      });
      const e = out.eps;
      if (!e || e.data.length !== x.length) throw new Error(`diffusion: model ${man.name} returned ${e ? e.data.length : 'no'} values for eps, expected ${x.length}`);
      return e.data as Float32Array;
    },
  };
  if (d.classifier) {
    const cl = loadModel(d.classifier, opts.modelsDir);
    if (cl.manifest.architecture !== 'diffusion-classifier') throw new ManifestError(`${cl.manifestPath}: classifier ${d.classifier} is not a diffusion-classifier model`);
    // Guidance indexes the classifier's logits by the denoiser's class numbers: the two lists must agree.
    const clClasses = (cl.manifest as { classes?: unknown }).classes;
    if (clClasses !== undefined && JSON.stringify(clClasses) !== JSON.stringify(d.classes)) {
      throw new ManifestError(`${cl.manifestPath}: classifier classes ${JSON.stringify(clClasses)} differ from the denoiser's ${JSON.stringify(d.classes)} (${where})`);
    }
    if (cl.manifest.inputs[0]?.name !== 'x' || cl.manifest.outputs[0]?.name !== 'logits') throw new ManifestError(`${cl.manifestPath}: a diffusion classifier takes input x and returns logits`);
    const cs = await getSession(cl.modelPath, cl.sha256, opts);
    model.notes.push(...cs.notes);
    model.classifier = {
      loaded: cl,
      async logits(x, n, py, px) {
        const out = await cs.session.run({ x: new ort.Tensor('float32', x, [n, 1, py, px, 2]) });
        const l = out.logits;
        if (!l || l.data.length !== n * d.classes.length) throw new Error(`diffusion: classifier ${d.classifier} returned ${l ? l.data.length : 'no'} logits, expected ${n * d.classes.length}`);
        return l.data as Float32Array;
      },
    };
  }
  return model;
}
