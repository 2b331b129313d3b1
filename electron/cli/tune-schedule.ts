/**
 * `recon-studio tune-schedule`: searches a K-step DDIM timestep schedule for a
 * diffusion prior (recon/diffusion/schedule-search.ts, after AutoDiffusion, Li
 * et al. ICCV 2023). Fitness of a schedule = mean SSIM over validation slices
 * of the data-consistent diffusion reconstruction (recon/diffusion/sampler.ts
 * reconstructWithSchedule), PSNR breaking ties; both are printed.
 *
 * Validation data: --val FILE, else a few central axial slices of Colin27
 * (ch2.nii.gz), one of the prior's *training* volumes. The held-out subject
 * (itk-kmeans-t1, the KmeansTest_T1 files, and whatever the manifest's
 * training.split lists under "val") is refused: it is kept for the final
 * evaluation, and tuning on it would leak. Searching on training slices can
 * favour them slightly; pass --val with other data when that matters.
 *
 * --write-manifest stores the best schedule as manifest "schedules"[K] of the
 * model folder (temp file + rename, every other field kept), which the
 * sampler's default `--schedule searched` then uses.
 */
import { existsSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { ctensor, rtensor, type RTensor } from '../engine/array';
import { loadVolume } from '../engine/io';
import { prepareLoadedJob, type AcquisitionSpec } from '../engine/jobs/recon-job';
import { psnr, ssim2d } from '../engine/metrics';
import type { ReconInput } from '../engine/recon';
import { openModelFor, reconstructWithSchedule } from '../engine/recon/diffusion/sampler';
import { MAX_STEPS, MIN_STEPS, uniformSchedule, validateSchedule } from '../engine/recon/diffusion/schedule';
import { searchSchedule, type ScheduleSearchResult } from '../engine/recon/diffusion/schedule-search';
import type { MaskSpec } from '../engine/sampling';
import { ENGINE_VERSION } from '../engine/version';
import { numberFlag, parse, UsageError } from './args';
import type { CliIo } from './io';

export const DEFAULT_VAL = '/usr/share/mricron/templates/ch2.nii.gz';
/** The held-out subject of the diffusion priors (models/ training split "val"). */
const HELD_OUT = /kmeanstest_t1/i;
const MASKS = ['equispaced', 'random', 'equispaced-fraction', 'poisson'] as const;

export const TUNE_HELP = `usage: recon-studio tune-schedule --model NAME|DIR --steps K [options]

Searches which K timesteps a diffusion prior's DDIM sampler should visit
(evolutionary search: uniform, quadratic and random schedules, elitism,
mutation, crossover; every schedule scored once). Score = mean SSIM of the
data-consistent reconstruction on validation slices (PSNR breaks ties).

  --model NAME|DIR        diffusion model: a folder under resources/models, or its path
  --steps K               schedule length, ${MIN_STEPS}..${MAX_STEPS}
  --population P          schedules per generation (default 8)
  --generations G         generations after the first (default 4)
  --seed S                search seed (default 0)
  --val FILE              validation image volume (default ${DEFAULT_VAL},
                          a training volume; the held-out subject itk-kmeans-t1 is refused)
  --val-slices N          slices of it, spread over its central half (default 3)
  --accel R               acceleration (default 4)
  --mask KIND             equispaced-fraction (default) | equispaced | random | poisson
                          (acquisition seed 1, single coil, synthetic phase: recon's defaults)
  --sample-seed S         seed of the sampling noise (default 0)
  --provider LIST         ONNX Runtime providers to try, e.g. cuda,cpu
  --out FILE              write the search (best, uniform, history) as JSON
  --overwrite             replace an existing --out file
  --write-manifest        store the best schedule as the model manifest's schedules[K]
  --json                  print a JSON summary on stdout
  --quiet                 no progress on stderr
Exit codes: 0 ok, 2 bad argument or input, 130 cancelled, 1 internal error.`;

const OPTIONS = {
  model: { type: 'string' },
  steps: { type: 'string' },
  population: { type: 'string' },
  generations: { type: 'string' },
  seed: { type: 'string' },
  val: { type: 'string' },
  'val-slices': { type: 'string' },
  accel: { type: 'string' },
  mask: { type: 'string' },
  'sample-seed': { type: 'string' },
  provider: { type: 'string' },
  out: { type: 'string' },
  overwrite: { type: 'boolean' },
  'write-manifest': { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface TuneArgs {
  /** Model folder name and the root it lives in (undefined: the default models root). */
  model: string;
  modelsDir?: string;
  steps: number;
  population: number;
  generations: number;
  seed: number;
  val: string;
  valSlices: number;
  accel: number;
  mask: (typeof MASKS)[number];
  sampleSeed: number;
  provider?: string;
  out?: string;
  overwrite: boolean;
  writeManifest: boolean;
  json: boolean;
  quiet: boolean;
}

/** Flags to a checked TuneArgs (pure apart from looking at the paths named); UsageError naming the flag. */
export function parseTuneArgs(argv: string[]): TuneArgs | 'help' {
  const { values, positionals } = parse(argv, OPTIONS);
  if (values.help) return 'help';
  if (positionals.length) throw new UsageError(`tune-schedule takes no positional arguments (got "${positionals[0]}"; the model is --model)`);
  const model = values.model;
  if (typeof model !== 'string' || model === '') throw new UsageError('--model NAME|DIR is required (a diffusion model folder)');
  const steps = numberFlag('steps', values.steps, { integer: true, min: MIN_STEPS, max: MAX_STEPS });
  if (steps === undefined) throw new UsageError(`--steps K is required (${MIN_STEPS}..${MAX_STEPS})`);
  const population = numberFlag('population', values.population, { integer: true, min: 2, max: 1000 }) ?? 8;
  const generations = numberFlag('generations', values.generations, { integer: true, min: 0, max: 10000 }) ?? 4;
  const seed = numberFlag('seed', values.seed, { integer: true, min: 0 }) ?? 0;
  const sampleSeed = numberFlag('sample-seed', values['sample-seed'], { integer: true, min: 0 }) ?? 0;
  const valSlices = numberFlag('val-slices', values['val-slices'], { integer: true, min: 1, max: 64 }) ?? 3;
  const accel = numberFlag('accel', values.accel, { gt: 1 }) ?? 4;
  if (!Number.isFinite(accel)) throw new UsageError('--accel must be finite');
  const mask = (values.mask ?? 'equispaced-fraction') as TuneArgs['mask'];
  if (!MASKS.includes(mask)) throw new UsageError(`--mask must be one of ${MASKS.join(', ')}, got "${String(values.mask)}"`);
  const val = typeof values.val === 'string' ? values.val : DEFAULT_VAL;
  if (!existsSync(val)) throw new UsageError(`--val: "${val}" does not exist${values.val === undefined ? ' (install mricron-data, or pass --val FILE)' : ''}`);
  if (HELD_OUT.test(basename(val))) throw new UsageError(`--val: ${val} is the held-out subject (itk-kmeans-t1), kept for the final evaluation; tune on other data`);
  const out = values.out;
  if (out !== undefined && (typeof out !== 'string' || out === '')) throw new UsageError('--out needs a file name');
  if (typeof out === 'string' && existsSync(out) && !values.overwrite) throw new UsageError(`--out: ${out} already exists (add --overwrite to replace it)`);
  const provider = typeof values.provider === 'string' && values.provider ? values.provider : undefined;
  // A path (has a separator, or is a folder here) names the model folder itself.
  const isPath = model.includes('/') || (existsSync(model) && statSync(model).isDirectory());
  const where = isPath ? { model: basename(resolve(model)), modelsDir: dirname(resolve(model)) } : { model };
  if (isPath && !existsSync(resolve(model, 'manifest.json'))) throw new UsageError(`--model: ${model} has no manifest.json`);
  return {
    ...where, steps, population, generations, seed, val, valSlices, accel, mask, sampleSeed,
    ...(provider ? { provider } : {}), ...(typeof out === 'string' ? { out } : {}),
    overwrite: Boolean(values.overwrite), writeManifest: Boolean(values['write-manifest']), json: Boolean(values.json), quiet: Boolean(values.quiet),
  };
}

/** Writes text to path through a temporary file in the same folder and a rename (never half a file). */
export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    if (existsSync(tmp)) unlinkSync(tmp);
    throw e;
  }
}

/**
 * Sets manifest "schedules"[K] = timesteps in a diffusion model's manifest.json,
 * keeping every other field; refuses a K or schedule the sampler could not use.
 */
export function writeManifestSchedule(manifestPath: string, K: number, timesteps: readonly number[]): void {
  const man = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown> & { diffusion?: { T?: unknown }; schedules?: Record<string, number[]> };
  const T = man.diffusion?.T;
  if (man.architecture !== 'diffusion' || typeof T !== 'number' || !Number.isInteger(T)) throw new UsageError(`${manifestPath}: not a diffusion model manifest (needs architecture "diffusion" and diffusion.T)`);
  if (!Number.isInteger(K) || K < MIN_STEPS || K > Math.min(MAX_STEPS, T)) throw new UsageError(`${manifestPath}: schedule length K must be an integer in ${MIN_STEPS}..${Math.min(MAX_STEPS, T)}, got ${K}`);
  if (timesteps.length !== K) throw new UsageError(`${manifestPath}: schedules["${K}"] would hold ${timesteps.length} timesteps`);
  try {
    validateSchedule([...timesteps], T, `schedules["${K}"]`);
  } catch (e) {
    throw new UsageError(`${manifestPath}: ${(e as Error).message}`);
  }
  man.schedules = { ...(man.schedules ?? {}), [String(K)]: [...timesteps] };
  writeAtomic(manifestPath, JSON.stringify(man, null, 2) + '\n');
}

/** Validation k-space: N slices spread over the central half of the volume, each undersampled alike. */
export async function loadValidation(path: string, n: number, accel: number, maskKind: TuneArgs['mask'], heldOut: string[] = []): Promise<{ input: ReconInput; slices: number[] }> {
  const real = realpathSync(path);
  if (heldOut.some((h) => existsSync(h) && realpathSync(h) === real)) throw new UsageError(`--val: ${path} is listed as held-out ("val") data in the model's training split; tune on other data`);
  const volume = await loadVolume(path);
  if (volume.kind !== 'image') throw new UsageError(`--val: ${path} holds k-space; give an image volume (its slices are the ground truth)`);
  const total = volume.image.shape[0]!;
  if (n > total) throw new UsageError(`--val-slices: ${path} has only ${total} slices`);
  const lo = Math.floor(total / 4), hi = Math.max(lo + 1, Math.ceil((3 * total) / 4));
  const picked = [...new Set(Array.from({ length: n }, (_, i) => Math.min(total - 1, lo + Math.floor(((i + 0.5) * (hi - lo)) / n))))];
  if (picked.length < n) throw new UsageError(`--val-slices: ${path} has too few central slices for ${n}`);
  const mask: MaskSpec = maskKind === 'poisson' ? { kind: 'poisson', accel, calib: 24, seed: 1 } : { kind: maskKind, accel, centerFraction: Math.min(1, 0.32 / accel), seed: 1 };
  const acquisition: AcquisitionSpec = { mask, coils: 1, seed: 1, phase: true };
  const parts: ReconInput[] = [];
  for (const s of picked) {
    const job = await prepareLoadedJob({ input: path, method: 'zero-filled', acquisition, slices: [s, s + 1] }, volume);
    if (!job.input.reference) throw new Error(`${path}: slice ${s} has no reference image`);
    parts.push(job.input);
  }
  const [, coils, ny, nx] = parts[0]!.kspace.shape as [number, number, number, number];
  const kspace = ctensor([parts.length, coils, ny, nx]);
  const reference = rtensor([parts.length, ny, nx]);
  parts.forEach((p, i) => {
    kspace.data.set(p.kspace.data, i * 2 * coils * ny * nx);
    reference.data.set(p.reference!.data, i * ny * nx);
  });
  return { input: { kspace, mask: parts[0]!.mask, reference }, slices: picked };
}

export interface Score {
  ssim: number;
  psnr: number;
}

/** Mean per-slice SSIM and PSNR (data range and peak = each reference slice's maximum, as the sampler's history). */
export function scoreImage(reference: RTensor, image: RTensor): Score {
  const [slices, ny, nx] = reference.shape as [number, number, number];
  let ssim = 0, p = 0;
  for (let s = 0; s < slices; s++) {
    const ref = reference.data.subarray(s * ny * nx, (s + 1) * ny * nx);
    const img = image.data.subarray(s * ny * nx, (s + 1) * ny * nx);
    const dr = ref.reduce((a, b) => Math.max(a, b), 0);
    ssim += ssim2d(ref, img, ny, nx, dr);
    p += psnr(ref, img);
  }
  return { ssim: ssim / slices, psnr: p / slices };
}

/** SSIM first; PSNR (dB, capped at 100) x 1e-9 only separates SSIMs equal to ~1e-7. */
export const fitnessOf = (s: Score): number => s.ssim + 1e-9 * Math.min(100, s.psnr);

function heldOutVolumes(manifest: Record<string, unknown>): string[] {
  const split = (manifest.training as { split?: { val?: unknown; volumes?: Record<string, unknown> } } | undefined)?.split;
  const val = Array.isArray(split?.val) ? (split.val as unknown[]) : [];
  return val.flatMap((name) => (Array.isArray(split?.volumes?.[String(name)]) ? (split!.volumes![String(name)] as unknown[]).filter((v): v is string => typeof v === 'string') : []));
}

export async function tuneScheduleCommand(argv: string[], io: CliIo): Promise<number> {
  const a = parseTuneArgs(argv);
  if (a === 'help') {
    io.out(TUNE_HELP);
    return 0;
  }
  const t0 = Date.now();
  const model = await openModelFor({ model: a.model, ...(a.modelsDir ? { modelsDir: a.modelsDir } : {}), ...(a.provider ? { provider: a.provider } : {}) });
  if (a.steps > model.T) throw new UsageError(`--steps ${a.steps} is more than the model's T = ${model.T}`);
  const manifestPath = model.loaded.manifestPath;
  const { input, slices } = await loadValidation(a.val, a.valSlices, a.accel, a.mask, heldOutVolumes(model.loaded.manifest as unknown as Record<string, unknown>));
  const scores = new Map<string, Score>();
  const diffOpts = { model: a.model, ...(a.modelsDir ? { modelsDir: a.modelsDir } : {}), seed: a.sampleSeed, guidance: 'none' as const, dc: 'hard' as const, eta: 0 };
  const evaluate = async (ts: readonly number[]): Promise<Score> => {
    const image = await reconstructWithSchedule(model, input, [...ts], diffOpts, io.signal);
    const s = scoreImage(input.reference!, image);
    scores.set(ts.join(','), s);
    return s;
  };
  const log = (line: string) => {
    if (!a.quiet) io.err(`recon-studio: ${line}`);
  };
  log(`tuning ${a.steps}-step schedules for ${model.loaded.manifest.name} on ${a.val} slices ${slices.join(', ')} (${a.mask} ${a.accel}x), population ${a.population}, ${a.generations} generation(s)`);
  const result: ScheduleSearchResult = await searchSchedule(async (ts) => fitnessOf(await evaluate(ts)), {
    T: model.T, K: a.steps, seed: a.seed, population: a.population, generations: a.generations,
    ...(io.signal ? { signal: io.signal } : {}),
    onProgress: (p) => {
      const s = scores.get(p.candidate.join(','))!;
      log(`gen ${p.generation} eval ${p.evaluations}/${p.budget}: SSIM ${s.ssim.toFixed(4)} PSNR ${s.psnr.toFixed(2)} dB [${p.candidate.join(' ')}]`);
    },
  });
  const best = scores.get(result.best.join(','))!;
  const uniform = scores.get(result.uniform.join(','))!;
  const searched = model.schedules.get(a.steps);
  const summary = {
    model: model.loaded.manifest.name, manifest: manifestPath, T: model.T, steps: a.steps, seed: a.seed, population: a.population, generations: a.generations,
    validation: { input: a.val, slices, mask: a.mask, accel: a.accel, sampleSeed: a.sampleSeed, coils: 1, acquisitionSeed: 1 },
    fitness: 'mean SSIM over validation slices; PSNR breaks ties',
    best: { timesteps: result.best, ...best },
    uniform: { timesteps: uniformSchedule(model.T, a.steps), ...uniform },
    ...(searched ? { previous: { timesteps: searched } } : {}),
    evaluations: result.evaluations, cacheHits: result.cacheHits, history: result.history,
    seconds: (Date.now() - t0) / 1000, engineVersion: ENGINE_VERSION,
    wroteManifest: a.writeManifest,
  };
  if (a.out) writeAtomic(a.out, JSON.stringify({ ...summary, evaluated: result.evaluated.map((e) => ({ timesteps: e.schedule, ...scores.get(e.schedule.join(','))! })) }, null, 2) + '\n');
  if (a.writeManifest) writeManifestSchedule(manifestPath, a.steps, result.best);
  if (a.json) {
    io.out(JSON.stringify(summary, null, 2));
    return 0;
  }
  io.out(`${a.steps}-step schedule for ${summary.model}: ${result.evaluations} evaluations (${result.cacheHits} cache hits) in ${summary.seconds.toFixed(1)} s`);
  io.out(`  schedule   SSIM     PSNR (dB)  timesteps`);
  io.out(`  searched   ${best.ssim.toFixed(4)}   ${best.psnr.toFixed(2).padStart(6)}     ${result.best.join(' ')}`);
  io.out(`  uniform    ${uniform.ssim.toFixed(4)}   ${uniform.psnr.toFixed(2).padStart(6)}     ${result.uniform.join(' ')}`);
  io.out(`  difference ${(best.ssim - uniform.ssim >= 0 ? '+' : '') + (best.ssim - uniform.ssim).toFixed(4)}  ${(best.psnr - uniform.psnr >= 0 ? '+' : '') + (best.psnr - uniform.psnr).toFixed(2)}`);
  if (a.out) io.out(`wrote ${a.out}`);
  if (a.writeManifest) io.out(`wrote schedules["${a.steps}"] to ${manifestPath}`);
  return 0;
}
