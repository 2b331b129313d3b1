/** `recon-studio recon`: load, undersample (or use the file's sampling), reconstruct, measure, write. */
import { existsSync } from 'node:fs';
import { writeReconOutputs } from '../engine/export';
import type { AcquisitionSpec, ReconJobSpec } from '../engine/jobs/recon-job';
import { executeReconJob, prepareReconJob } from '../engine/jobs/recon-job';
import { OPTIMIZERS } from '../engine/optim';
import { methods } from '../engine/recon';
import { preferredModel } from '../engine/learned/manifest';
import type { MaskSpec } from '../engine/sampling';
import { numberFlag, parse, UsageError } from './args';
import type { CliIo } from './io';
import { resolveInput } from './samples';

export const RECON_HELP = `usage: recon-studio recon <input> --out DIR [options]

Image input (NIfTI, DICOM, BART image, "sample") is undersampled by the
acquisition simulator; k-space input (BART .cfl) is reconstructed from its own
sampling (unsampled entries exactly zero) unless --mask FILE is given.

Sampling (image input):
  --mask KIND|FILE        equispaced (default) | random | equispaced-fraction | poisson,
                          or a mask file (k-space input). As in fastMRI, equispaced puts
                          outer lines every R (total below R once the centre is added);
                          equispaced-fraction adjusts the spacing so the total is R
  --accel R               acceleration, > 1 (default 4)
  --center-fraction F     fully sampled centre for 1D masks (default 0.32/R: 4x->0.08, 8x->0.04)
  --calib N               calibration square for poisson (default 24)
  --seed S                seed for mask, phase, coils and noise (default 1)
  --coils N               simulated coils, 1 = single coil (default 1)
  --snr X                 image-domain SNR (default inf = noiseless)
  --no-phase              do not add the smooth synthetic phase
Reconstruction:
  --method NAME           ${Object.keys(methods).join(', ')} (default zero-filled)
  --combine MODE          multi-coil: auto | rss | sense (default auto)
Learned methods (cirim, rim, unet, diffusion):
  --model NAME            model folder under resources/models (default per method)
  --provider LIST         ONNX Runtime providers to try, e.g. cuda,cpu (falls back to CPU)
CIRIM and RIM:
  --refine N              data-consistency refinement: at most N CGLS iterations on the
                          measured k-space from the model's output, stopped at the noise
                          level (discrepancy principle; default 0 = off)
  --noise-std S           k-space noise SD per real/imaginary component for --refine
                          and for CIRIM's noise-aware data-consistency step (models with
                          one between cascades) (0 = noiseless; default: known for
                          simulated acquisitions, else required by --refine)
Diffusion (--method diffusion; guided DDIM with data consistency at every step):
  --steps K               DDIM steps, 5..100 (default 20; the model's searched schedule when it has one)
  --guidance none|cfg|gfcg  classifier-free or gradient-free classifier guidance (default none)
  --guidance-scale W      CFG weight / GFCG maximum scale (default 2)
  --class NAME|auto       class to condition on (default auto: the classifier's reading)
  --samples N             samples averaged; N >= 2 also writes the per-pixel SD map (default 1)
  --sample-seed S         seed of the sampling noise; sample i uses S+i (default: --seed
                          when given, else 0)
  --eta X                 DDIM stochasticity 0..1 (default 0)
  --dc hard|soft          data consistency (soft: noise-aware; default hard)
  --noise SIGMA           soft: k-space noise SD in scaled units (default: estimated)
  --schedule searched|uniform   timestep schedule (default searched)
  --cg-iters N            multi-coil consistency CG iterations per step (default 5)
  --start F               start at F·T from the noised start image, uniform steps (default 1: pure noise)
  --init zero-filled|cs   start image for --start < 1 (cs: L1-wavelet FISTA first; default zero-filled)
  --init-lambda L         --init cs: λ of that CS run (default 0.005)
  --init-iters N          --init cs: its FISTA iterations (default 30)
Compressed sensing (--method cs; BART pics-like, data scaled as BART so λ carries over):
  --reg wavelet|tv        regulariser (default wavelet: L1 of db4 wavelets)
  --lambda L              regularisation weight, as bart pics -r (default 0.01)
  --solver NAME           auto | fista | admm | pdhg | cg, or an optimizer:
                          ${Object.keys(OPTIMIZERS).join(' | ')} (default auto:
                          fista for wavelet, admm for tv)
  --iters N               iterations per slice (default 50; ADMM: total inner CG
                          iterations, as bart pics -i)
  --wavelet haar|db4      wavelet family (default db4)
  --tv anisotropic|isotropic
  --lr X                  optimizer learning rate (default 1/L, or 0.01 for adaptive ones)
  --sens FILE|espirit|walsh|none
                          coil maps [coil][y][x] (k-space input), or how to estimate
                          them from the calibration region when the input has none
                          (multi-coil k-space default: espirit, as BART's ecalib)
  --reference FILE        ground-truth image for metrics (k-space input)
Input and output:
  --slices A:B            half-open slice range, e.g. 40:60 (default all)
  --volume T              4D input: which volume (default 0)
  --kind image|kspace     how to read a BART file
  --out DIR               output folder (must be new or empty)
  --overwrite             replace an existing output folder
  --json                  print a JSON summary on stdout
  --quiet                 no progress on stderr

Writes 16-bit PNGs (images/<method>/, reference/), metrics.json, metrics.csv and
provenance.json. Exit codes: 0 ok, 2 bad argument or input, 130 cancelled, 1 internal error.`;

/** Flags that describe the simulated acquisition; shared by recon, batch and compare-optimizers. */
export const ACQUISITION_OPTIONS = {
  mask: { type: 'string' },
  accel: { type: 'string' },
  'center-fraction': { type: 'string' },
  calib: { type: 'string' },
  seed: { type: 'string' },
  coils: { type: 'string' },
  snr: { type: 'string' },
  'no-phase': { type: 'boolean' },
} as const;

/** Compressed-sensing method flags; shared by recon and batch. */
export const CS_OPTIONS = {
  reg: { type: 'string' },
  lambda: { type: 'string' },
  solver: { type: 'string' },
  iters: { type: 'string' },
  wavelet: { type: 'string' },
  tv: { type: 'string' },
  lr: { type: 'string' },
} as const;

/** Learned-method flags (cirim, rim, unet, diffusion) and diffusion's own. */
export const LEARNED_OPTIONS = {
  model: { type: 'string' },
  provider: { type: 'string' },
  steps: { type: 'string' },
  guidance: { type: 'string' },
  'guidance-scale': { type: 'string' },
  class: { type: 'string' },
  samples: { type: 'string' },
  'sample-seed': { type: 'string' },
  eta: { type: 'string' },
  dc: { type: 'string' },
  noise: { type: 'string' },
  schedule: { type: 'string' },
  'cg-iters': { type: 'string' },
  start: { type: 'string' },
  init: { type: 'string' },
  'init-lambda': { type: 'string' },
  'init-iters': { type: 'string' },
  refine: { type: 'string' },
  'noise-std': { type: 'string' },
} as const;

const LEARNED_METHODS = ['cirim', 'rim', 'unet', 'diffusion'];
const DIFFUSION_FLAGS = ['steps', 'guidance', 'guidance-scale', 'class', 'samples', 'sample-seed', 'eta', 'dc', 'noise', 'schedule', 'cg-iters', 'start', 'init', 'init-lambda', 'init-iters'] as const;

/** Options of the learned methods from flags; refused (not ignored) for methods they do not apply to. */
export function learnedOptionsFromArgs(values: Record<string, string | boolean | undefined>, method: string): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const flag of ['model', 'provider'] as const) {
    const v = values[flag];
    if (v === undefined) continue;
    if (!LEARNED_METHODS.includes(method)) throw new UsageError(`--${flag} applies to the learned methods (${LEARNED_METHODS.join(', ')}) only (method is ${method})`);
    if (typeof v !== 'string' || v === '') throw new UsageError(`--${flag} needs a value`);
    o[flag] = v;
  }
  for (const flag of ['refine', 'noise-std'] as const) {
    if (values[flag] !== undefined && method !== 'cirim' && method !== 'rim') throw new UsageError(`--${flag} applies to --method cirim and rim only (method is ${method})`);
  }
  const refine = numberFlag('refine', values.refine, { integer: true, min: 0, max: 500 });
  if (refine !== undefined) o.refine = refine;
  const noiseStd = numberFlag('noise-std', values['noise-std'], { min: 0 });
  if (noiseStd !== undefined) o.noiseStd = noiseStd;
  const given = DIFFUSION_FLAGS.filter((f) => values[f] !== undefined);
  if (method !== 'diffusion') {
    if (given.length) throw new UsageError(`--${given[0]} applies to --method diffusion only (method is ${method})`);
    return o;
  }
  const pick = (flag: (typeof DIFFUSION_FLAGS)[number], key: string, allowed: readonly string[]) => {
    const v = values[flag];
    if (v === undefined) return;
    if (typeof v !== 'string' || !allowed.includes(v)) throw new UsageError(`--${flag} must be ${allowed.join(', ')}, got "${String(v)}"`);
    o[key] = v;
  };
  pick('guidance', 'guidance', ['none', 'cfg', 'gfcg']);
  pick('dc', 'dc', ['hard', 'soft']);
  pick('schedule', 'schedule', ['searched', 'uniform']);
  pick('init', 'init', ['zero-filled', 'cs']);
  if (values.class !== undefined) {
    if (typeof values.class !== 'string' || values.class === '') throw new UsageError('--class needs a class name or auto');
    o.class = values.class;
  }
  const num = (flag: (typeof DIFFUSION_FLAGS)[number] | 'seed', key: string, check: Parameters<typeof numberFlag>[2]) => {
    const v = numberFlag(flag, values[flag], check);
    if (v !== undefined) o[key] = v;
  };
  num('steps', 'steps', { integer: true, min: 5, max: 100 });
  num('guidance-scale', 'guidanceScale', { min: 0 });
  num('samples', 'samples', { integer: true, min: 1, max: 64 });
  num('sample-seed', 'seed', { integer: true, min: 0 });
  // The job's --seed (mask, phase, coils, noise) also seeds the sampling noise unless --sample-seed says otherwise.
  if (o.seed === undefined) num('seed', 'seed', { integer: true, min: 0 });
  num('eta', 'eta', { min: 0, max: 1 });
  num('noise', 'noise', { min: 0 });
  num('cg-iters', 'cgIters', { integer: true, min: 1, max: 1000 });
  num('start', 'start', { gt: 0, max: 1 });
  num('init-lambda', 'initLambda', { min: 0 });
  num('init-iters', 'initIters', { integer: true, min: 1, max: 1000 });
  return o;
}

const OPTIONS = {
  ...ACQUISITION_OPTIONS,
  ...CS_OPTIONS,
  ...LEARNED_OPTIONS,
  method: { type: 'string' },
  combine: { type: 'string' },
  sens: { type: 'string' },
  reference: { type: 'string' },
  slices: { type: 'string' },
  volume: { type: 'string' },
  kind: { type: 'string' },
  out: { type: 'string' },
  overwrite: { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const MASK_KINDS = ['equispaced', 'random', 'equispaced-fraction', 'poisson'] as const;

function parseSlices(raw: string | boolean | undefined): [number, number] | undefined {
  if (raw === undefined) return undefined;
  const m = typeof raw === 'string' ? /^(\d+)(?::(\d+))?$/.exec(raw.trim()) : null;
  if (!m) throw new UsageError(`--slices must look like 40:60 or 50, got "${String(raw)}"`);
  const a = Number(m[1]);
  const b = m[2] === undefined ? a + 1 : Number(m[2]);
  if (a >= b) throw new UsageError(`--slices ${raw} is empty (start must be below end)`);
  return [a, b];
}

const CS_FLAGS = ['reg', 'lambda', 'solver', 'iters', 'wavelet', 'tv', 'lr'] as const;

/** The cs method's options from flags; the flags are refused for other methods rather than ignored. */
function csOptionsFromArgs(values: Record<string, string | boolean | undefined>, method: string): Record<string, unknown> {
  const given = CS_FLAGS.filter((f) => values[f] !== undefined);
  if (method !== 'cs') {
    if (given.length) throw new UsageError(`--${given[0]} applies to --method cs only (method is ${method})`);
    return {};
  }
  const o: Record<string, unknown> = {};
  const choice = (flag: 'reg' | 'wavelet' | 'tv', allowed: readonly string[]) => {
    const v = values[flag];
    if (v === undefined) return;
    if (typeof v !== 'string' || !allowed.includes(v)) throw new UsageError(`--${flag} must be ${allowed.join(' or ')}, got "${String(v)}"`);
    o[flag] = v;
  };
  choice('reg', ['wavelet', 'tv']);
  choice('wavelet', ['haar', 'db4']);
  choice('tv', ['anisotropic', 'isotropic']);
  const lambda = numberFlag('lambda', values.lambda, { min: 0 });
  if (lambda !== undefined) o.lambda = lambda;
  const iters = numberFlag('iters', values.iters, { integer: true, min: 1, max: 100000 });
  if (iters !== undefined) o.iters = iters;
  const lr = numberFlag('lr', values.lr, { gt: 0 });
  if (lr !== undefined) o.lr = lr;
  if (values.solver !== undefined) {
    const known = ['auto', 'fista', 'ista', 'admm', 'pdhg', 'cg', ...Object.keys(OPTIMIZERS)];
    if (typeof values.solver !== 'string' || !known.includes(values.solver)) throw new UsageError(`--solver: unknown solver "${String(values.solver)}" (available: ${known.join(', ')})`);
    o.solver = values.solver;
  }
  return o;
}

/** Turns flags into a job spec; every check that needs no file happens here. */
export function reconSpecFromArgs(values: Record<string, string | boolean | undefined>, input: string): { spec: ReconJobSpec; out: string } {
  const out = values.out;
  if (typeof out !== 'string' || out === '') throw new UsageError('--out DIR is required');
  const method = typeof values.method === 'string' ? values.method : 'zero-filled';
  if (!methods[method]) throw new UsageError(`--method: unknown method "${method}" (available: ${Object.keys(methods).join(', ')})`);
  const accel = numberFlag('accel', values.accel, { gt: 1 }) ?? 4;
  if (!Number.isFinite(accel)) throw new UsageError('--accel must be finite');
  const seed = numberFlag('seed', values.seed, { integer: true, min: 0 }) ?? 1;
  const coils = numberFlag('coils', values.coils, { integer: true, min: 1, max: 64 }) ?? 1;
  const snr = numberFlag('snr', values.snr, { gt: 0 });
  const centerFraction = numberFlag('center-fraction', values['center-fraction'], { gt: 0, max: 1 }) ?? Math.min(1, 0.32 / accel);
  const calib = numberFlag('calib', values.calib, { integer: true, min: 1 }) ?? 24;
  const volumeIndex = numberFlag('volume', values.volume, { integer: true, min: 0 });
  const combine = values.combine ?? 'auto';
  if (combine !== 'auto' && combine !== 'rss' && combine !== 'sense') throw new UsageError(`--combine must be auto, rss or sense, got "${String(combine)}"`);
  const kind = values.kind;
  if (kind !== undefined && kind !== 'image' && kind !== 'kspace') throw new UsageError(`--kind must be image or kspace, got "${String(kind)}"`);

  const maskArg = typeof values.mask === 'string' ? values.mask : 'equispaced';
  const learned = learnedOptionsFromArgs(values, method);
  // Without --model a learned method uses the trained model when installed (resources/models/<method>), else its smoke default.
  if (LEARNED_METHODS.includes(method) && learned.model === undefined) {
    const fallback = String((methods[method]!.defaults as { model?: string }).model ?? method);
    learned.model = preferredModel(method, fallback);
  }
  const spec: ReconJobSpec = { input, method, options: { combine, ...csOptionsFromArgs(values, method), ...learned } };
  const slices = parseSlices(values.slices);
  if (slices) spec.slices = slices;
  if (volumeIndex !== undefined) spec.volumeIndex = volumeIndex;
  if (kind) spec.kind = kind;
  if ((MASK_KINDS as readonly string[]).includes(maskArg)) {
    const mask: MaskSpec =
      maskArg === 'poisson'
        ? { kind: 'poisson', accel, calib, seed }
        : { kind: maskArg as 'equispaced' | 'random' | 'equispaced-fraction', accel, centerFraction, seed };
    const acquisition: AcquisitionSpec = { mask, coils, seed, phase: !values['no-phase'] };
    if (snr !== undefined) acquisition.snr = snr;
    spec.acquisition = acquisition;
  } else {
    if (!existsSync(maskArg)) throw new UsageError(`--mask: "${maskArg}" is neither a mask kind (${MASK_KINDS.join(', ')}) nor an existing file`);
    spec.maskFile = maskArg;
  }
  const SENS_ESTIMATES = ['espirit', 'walsh', 'none'] as const;
  if (typeof values.sens === 'string' && (SENS_ESTIMATES as readonly string[]).includes(values.sens) && !existsSync(values.sens)) {
    spec.sensEstimate = values.sens as (typeof SENS_ESTIMATES)[number];
  }
  for (const [flag, key] of [['sens', 'sensFile'], ['reference', 'referenceFile']] as const) {
    const v = values[flag];
    if (v === undefined || (flag === 'sens' && spec.sensEstimate)) continue;
    if (typeof v !== 'string' || !existsSync(v)) throw new UsageError(`--${flag}: file "${String(v)}" does not exist`);
    spec[key] = v;
  }
  return { spec, out };
}

export async function reconCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS);
  if (values.help) {
    io.out(RECON_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('recon needs exactly one input file or folder (see recon --help)');
  const { spec, out } = reconSpecFromArgs(values, resolveInput(positionals[0]!));
  const quiet = Boolean(values.quiet);
  const t0 = Date.now();
  const job = await prepareReconJob(spec);
  if (job.volume.kind === 'kspace' && spec.acquisition && !spec.maskFile) {
    // k-space input keeps its own sampling; the simulated-acquisition flags do not apply.
    delete spec.acquisition;
  }
  const requested = spec.acquisition?.mask.accel;
  if (!quiet && requested && Math.abs(job.mask.accel - requested) / requested > 0.05) {
    io.err(
      `recon-studio: note: the ${spec.acquisition!.mask.kind} mask achieves ${job.mask.accel.toFixed(2)}x in total` +
        (spec.acquisition!.mask.kind === 'equispaced'
          ? ` (fastMRI's EquiSpacedMaskFunc: outer lines every ${requested}, plus the centre); use --mask equispaced-fraction to hit ${requested}x in total`
          : ''),
    );
  }
  let lastShown = -1;
  const result = await executeReconJob(job, {
    ...(io.signal ? { signal: io.signal } : {}),
    onProgress: (p) => {
      const pct = Math.floor(p.fraction * 100);
      if (!quiet && (pct >= lastShown + 10 || p.fraction === 1)) {
        lastShown = pct;
        io.err(`recon-studio: ${p.message} (${pct}%)`);
      }
    },
  });
  const written = writeReconOutputs(result, out, { overwrite: Boolean(values.overwrite) });
  const summary = {
    out: written.outDir,
    files: written.files.length,
    method: result.result.method,
    acceleration: result.mask.accel,
    slices: result.slices,
    seconds: (Date.now() - t0) / 1000,
    ...(result.metrics ? { metrics: result.metrics.volume } : {}),
  };
  if (values.json) io.out(JSON.stringify(summary, null, 2));
  else {
    const m = result.metrics?.volume;
    io.out(
      `wrote ${written.files.length} files to ${written.outDir} (${result.result.method}, ${result.mask.accel.toFixed(2)}x)` +
        (m ? `\n  PSNR ${m.psnr.toFixed(2)} dB  SSIM ${m.ssim.toFixed(4)}  NMSE ${m.nmse.toExponential(3)}` : ''),
    );
  }
  return 0;
}
