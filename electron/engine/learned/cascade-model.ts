/**
 * An unrolled model exported one cascade per ONNX call (CIRIM, RIM): the
 * manifest's `cirim` block says which declared input plays which role, so the
 * engine can feed the current estimate, the measured k-space, the mask, coil
 * maps, DFT matrices and recurrent state, and carry the estimate and state from
 * one call to the next. Progress, previews and cancellation then happen
 * between cascades, in recon/cirim.
 *
 * Complex tensors use the "real-imag-last" layout (a trailing axis of 2), which
 * is exactly the engine's interleaved Float32Array, so no copies are needed.
 */
import { z } from 'zod';
import { loadModel, ManifestError, type LoadedManifest, type TensorSpec } from './manifest';
import { getSession, ort, type SessionOptions } from './session';

const complexRef = z.union([z.string(), z.object({ re: z.string(), im: z.string() })]);

export const cascadeSpecSchema = z.looseObject({
  cascades: z.number().int().positive(),
  timeSteps: z.number().int().positive().optional(),
  /**
   * What one ONNX call runs. cascade: a whole cascade, the graph computing the
   * data term from k-space, mask, coil maps and DFT-matrix inputs.
   * time-step: one recurrent step, fed the log-likelihood gradient
   * A^H(A x − y) that the engine computes with its FFT (native when built);
   * the engine calls it timeSteps times per cascade.
   */
  unit: z.enum(['cascade', 'time-step']).default('cascade'),
  /**
   * Estimate fed to the first cascade. cg-sense: initIters conjugate-gradient
   * iterations on (A^H A + initLambda I) x = A^H y from 0 when there are several
   * coils (single coil: A^H y itself, the zero-filled SENSE estimate).
   */
  init: z.enum(['zero-filled-sense', 'zeros', 'cg-sense']).default('zero-filled-sense'),
  initIters: z.number().int().min(1).max(200).optional(),
  /** Tikhonov weight of the cg-sense start in the model's scaled units (0: unregularised). */
  initLambda: z.number().min(0).max(10).default(0),
  /**
   * Proximal data consistency after every cascade (time-step unit): iterations
   * conjugate-gradient steps on (A^H A + mu[c] I) x = A^H y + mu[c] x_c from x_c,
   * the cascade's output, stopping once the residual is 1e-6 of the right-hand side (models/recon_models/cirim.py prox_dc).
   */
  cascadeDc: z.object({ iterations: z.number().int().min(1).max(100), mu: z.array(z.number().positive().finite()), noiseGain: z.number().nonnegative().finite().optional() }).optional(),
  inputs: z.object({
    estimate: z.string(),
    /** unit time-step: the log-likelihood gradient at the estimate. */
    gradient: z.string().optional(),
    /** unit cascade: the data the graph's own data term needs. */
    kspace: z.string().optional(),
    mask: z.string().optional(),
    sens: z.string().optional(),
    dftH: complexRef.optional(),
    dftW: complexRef.optional(),
    dftHInverse: complexRef.optional(),
    dftWInverse: complexRef.optional(),
    /** int64 scalar or [1]: which cascade's weights to use, when one graph holds them all. */
    cascade: z.string().optional(),
  }),
  outputs: z.object({ estimate: z.string() }),
  /** Recurrent state carried between cascades (zeros before the first). */
  state: z.array(z.object({ input: z.string(), output: z.string() })).default([]),
});
export type CascadeSpec = z.infer<typeof cascadeSpecSchema>;

/**
 * none; max-abs-zero-filled: s = max |A^H y|; bart-scale: s = bartScale(|RSS of
 * ifft2c(y)|) as in recon/cs. k-space is divided by s, the output multiplied.
 */
export const NORMALISATIONS = ['none', 'max-abs-zero-filled', 'bart-scale'] as const;
export type Normalisation = (typeof NORMALISATIONS)[number];

/**
 * models/export_onnx.py writes no explicit role block: it declares
 * architecture "cirim" with inputs eta, hidden, kspace, mask, sens, fh, fw,
 * cascade and outputs eta_out, hidden_out (unit time-step: eta, grad, one state
 * per layer hidden0, hidden1, ..., cascade -> eta_out, hidden0_out, ...; exports
 * before that carried one joint `hidden`). Map those names to roles here.
 */
function conventionalState(declared: Set<string>, inputs: readonly { name: string }[]): { input: string; output: string }[] {
  return inputs.map((t) => t.name).filter((n) => /^hidden\d*$/.test(n) && declared.has(`${n}_out`)).map((n) => ({ input: n, output: `${n}_out` }));
}

function conventionalSpec(loaded: LoadedManifest): unknown {
  const man = loaded.manifest as Record<string, unknown>;
  if (man.architecture !== 'cirim' && man.architecture !== 'rim') return undefined;
  const declared = new Set([...loaded.manifest.inputs, ...loaded.manifest.outputs].map((t) => t.name));
  const has = (n: string) => (declared.has(n) ? n : undefined);
  if (man.unit === 'time-step') {
    return {
      cascades: man.cascades,
      timeSteps: man.timeSteps,
      unit: 'time-step',
      init: man.init ?? 'zero-filled-sense',
      initIters: man.initIters,
      initLambda: man.initLambda ?? 0,
      cascadeDc: man.cascadeDc,
      inputs: { estimate: 'eta', gradient: 'grad', cascade: has('cascade') },
      outputs: { estimate: 'eta_out' },
      state: conventionalState(declared, loaded.manifest.inputs),
    };
  }
  return {
    cascades: man.cascades,
    timeSteps: man.timeSteps,
    init: man.init ?? 'zero-filled-sense',
    initIters: man.initIters,
    initLambda: man.initLambda ?? 0,
    inputs: { estimate: 'eta', kspace: 'kspace', mask: 'mask', sens: has('sens'), dftH: 'fh', dftW: 'fw', cascade: has('cascade') },
    outputs: { estimate: 'eta_out' },
    state: conventionalState(declared, loaded.manifest.inputs),
  };
}

const normSchema = z.union([
  z.enum(NORMALISATIONS),
  z.looseObject({ kind: z.enum(NORMALISATIONS) }),
]);

export interface CascadeModel {
  loaded: LoadedManifest;
  spec: CascadeSpec;
  normalisation: Normalisation;
  provider: string;
  notes: string[];
  session: ort.InferenceSession;
  specOf(name: string): TensorSpec;
}

export interface OpenOptions extends SessionOptions {
  modelsDir?: string;
}

export async function openCascadeModel(name: string, opts: OpenOptions = {}): Promise<CascadeModel> {
  const loaded = loadModel(name, opts.modelsDir);
  const where = loaded.manifestPath;
  const man = loaded.manifest as Record<string, unknown>;
  const raw = man.cirim ?? conventionalSpec(loaded);
  const parsed = cascadeSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `cirim.${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ManifestError(`${where}: not a cascade model — ${issues}`);
  }
  const spec = parsed.data;
  const missing = spec.unit === 'time-step'
    ? [spec.inputs.gradient ? '' : 'inputs.gradient', spec.timeSteps ? '' : 'timeSteps']
    : [spec.inputs.kspace ? '' : 'inputs.kspace', spec.inputs.mask ? '' : 'inputs.mask', spec.inputs.dftH ? '' : 'inputs.dftH', spec.inputs.dftW ? '' : 'inputs.dftW'];
  const absent = missing.filter(Boolean);
  if (absent.length) throw new ManifestError(`${where}: not a cascade model — a "${spec.unit}" model needs cirim.${absent.join(', cirim.')}`);
  if (spec.cascadeDc && spec.cascadeDc.mu.length !== spec.cascades) {
    throw new ManifestError(`${where}: cascadeDc.mu has ${spec.cascadeDc.mu.length} value(s) for ${spec.cascades} cascades`);
  }
  if (spec.init === 'cg-sense' && !spec.initIters) throw new ManifestError(`${where}: init "cg-sense" needs initIters (the number of CG iterations)`);
  const n = normSchema.safeParse(loaded.manifest.normalisation ?? 'none');
  if (!n.success) throw new ManifestError(`${where}: normalisation must be one of ${NORMALISATIONS.join(', ')} (or {kind: ...}), got ${JSON.stringify(loaded.manifest.normalisation)}`);
  const normalisation = typeof n.data === 'string' ? n.data : n.data.kind;
  const specs = new Map([...loaded.manifest.inputs, ...loaded.manifest.outputs].map((s) => [s.name, s]));
  const specOf = (nm: string): TensorSpec => {
    const s = specs.get(nm);
    if (!s) throw new ManifestError(`${where}: cirim block names "${nm}", which is not a declared input or output`);
    return s;
  };
  // Check every binding up front so a bad manifest fails before any compute.
  const refs = [spec.inputs.estimate, spec.inputs.gradient, spec.inputs.kspace, spec.inputs.mask, spec.inputs.sens, spec.inputs.cascade, spec.outputs.estimate]
    .concat(...[spec.inputs.dftH, spec.inputs.dftW, spec.inputs.dftHInverse, spec.inputs.dftWInverse].map((r) => (r === undefined ? [] : typeof r === 'string' ? [r] : [r.re, r.im])))
    .concat(...spec.state.map((s) => [s.input, s.output]));
  for (const r of refs) if (r !== undefined) specOf(r);
  for (const nm of [spec.inputs.estimate, spec.inputs.gradient, spec.inputs.kspace, spec.inputs.sens, spec.outputs.estimate]) {
    if (nm !== undefined && specOf(nm).shape.at(-1) !== 2) throw new ManifestError(`${where}: complex tensor "${nm}" must end in an axis of 2 (real-imag-last layout)`);
  }
  const s = await getSession(loaded.modelPath, loaded.sha256, opts);
  return { loaded, spec, normalisation, provider: s.provider, notes: s.notes, session: s.session, specOf };
}

/** Sizes behind the symbolic dimensions a manifest may use. */
export interface DimBinding {
  coils: number;
  ny: number;
  nx: number;
}

const SYMBOLS: Record<string, keyof DimBinding | 'batch'> = {
  b: 'batch', batch: 'batch', n: 'batch',
  c: 'coils', coils: 'coils', nc: 'coils', coil: 'coils',
  h: 'ny', height: 'ny', ny: 'ny', y: 'ny',
  w: 'nx', width: 'nx', nx: 'nx', x: 'nx',
};

export function bindShape(spec: TensorSpec, dims: DimBinding, where: string): number[] {
  return spec.shape.map((d) => {
    if (typeof d === 'number') return d;
    const role = SYMBOLS[d.toLowerCase()];
    if (!role) throw new ManifestError(`${where}: input "${spec.name}" has symbolic dimension "${d}" the engine cannot bind (known: B, C, H, W)`);
    return role === 'batch' ? 1 : dims[role];
  });
}

/** A float32 tensor for a declared input, checking the element count matches its bound shape. */
export function feed(model: CascadeModel, name: string, data: Float32Array, dims: DimBinding): ort.Tensor {
  const spec = model.specOf(name);
  const shape = bindShape(spec, dims, model.loaded.manifestPath);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new ManifestError(`${model.loaded.manifestPath}: input "${name}" bound to [${shape.join('x')}] needs ${count} values, the engine built ${data.length}`);
  }
  return new ort.Tensor('float32', data, shape);
}

/** A zero-filled float32 tensor of the named input's or output's shape (recurrent states before the first call, output buffers). */
export function zerosFeed(model: CascadeModel, name: string, dims: DimBinding): ort.Tensor {
  const shape = bindShape(model.specOf(name), dims, model.loaded.manifestPath);
  return new ort.Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
}

/** The [ny][nx] mask laid out for a declared mask input of shape [..., H, W] or [..., H, W, k]. */
export function maskFeed(model: CascadeModel, mask: Float32Array, dims: DimBinding): ort.Tensor {
  const name = model.spec.inputs.mask;
  if (!name) throw new ManifestError(`${model.loaded.manifestPath}: the model declares no mask input`);
  const shape = bindShape(model.specOf(name), dims, model.loaded.manifestPath);
  const count = shape.reduce((a, b) => a * b, 1);
  const plane = dims.ny * dims.nx;
  // A trailing axis of 1 or 2 (complex-shaped mask) repeats each value; otherwise whole planes repeat.
  const inner = shape.at(-1) === dims.nx ? 1 : shape.at(-2) === dims.nx ? shape.at(-1)! : 0;
  if (!inner || count % (plane * inner) !== 0) {
    throw new ManifestError(`${model.loaded.manifestPath}: mask input "${name}" of shape [${shape.join('x')}] does not end in [H, W] or [H, W, k] for a ${dims.ny}x${dims.nx} mask`);
  }
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = mask[Math.floor(i / inner) % plane]!;
  return new ort.Tensor('float32', out, shape);
}

export function dftFeeds(model: CascadeModel, ref: string | { re: string; im: string }, m: Float32Array, dims: DimBinding, split: (z: Float32Array) => { re: Float32Array; im: Float32Array }): Record<string, ort.Tensor> {
  if (typeof ref === 'string') return { [ref]: feed(model, ref, m, dims) };
  const { re, im } = split(m);
  return { [ref.re]: feed(model, ref.re, re, dims), [ref.im]: feed(model, ref.im, im, dims) };
}


