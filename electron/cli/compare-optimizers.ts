/**
 * `recon-studio compare-optimizers`: one slice, one smoothed CS objective
 * (optim/smoothed-cs.ts), every requested optimizer from the same start (the
 * zero-filled image), curves of objective / residual / PSNR / SSIM per
 * iteration written as JSON, CSV and a two-panel plot (SVG, and PNG drawn by
 * sharp/librsvg, no browser), plus each optimizer's final image.
 *
 * The objective and the data scaling are recon/cs.ts's (solvers/smoothed.ts,
 * bartScale: y / s with s BART's percentile rule on |A^H y|), so lambda means
 * here what it means for `recon --method cs` and `bart pics -r`. Images and
 * metrics are computed after undoing the scale.
 */
import { abs, displayFlipY } from '../engine/array';
import { encodePng, flipRows, StagedDir, toUint16 } from '../engine/export';
import { lineChartSvg, svgToPng, type Series } from '../engine/export/plot';
import { centerCrop, prepareReconJob } from '../engine/jobs/recon-job';
import { OPTIMIZERS, SCHEDULES } from '../engine/optim';
import { finiteDiffOp, senseOp, waveletOp } from '../engine/linop';
import { bartScale } from '../engine/recon/cs';
import { psnr } from '../engine/metrics';
import type { HistoryEntry } from '../engine/recon';
import { fistaSolver, powerMethod, runIterations, softThreshold } from '../engine/solvers';
import { smoothedObjective } from '../engine/solvers/smoothed';
import { firstOrderSolver, refinedRun } from '../engine/solvers/first-order';
import type { IterativeSolver } from '../engine/solvers/types';
import { ENGINE_VERSION } from '../engine/version';
import { numberFlag, parse, UsageError } from './args';
import type { CliIo } from './io';
import { ACQUISITION_OPTIONS, reconSpecFromArgs } from './recon';
import { resolveInput } from './samples';

const ALL = [...Object.keys(OPTIMIZERS), 'fista'];
const DEFAULT_LIST = ['gd', 'nesterov', 'adam', 'adabelief', 'adamp', 'diffgrad', 'gradient-noise', 'mirror-descent', 'fista'];
const ADAPTIVE = new Set(['adam', 'adabelief', 'adamp', 'diffgrad']);

export const COMPARE_HELP = `usage: recon-studio compare-optimizers <input> --out DIR [options]

Runs one slice through several optimizers on the same smoothed compressed-sensing
objective  1/2||Ax - y||^2 + lambda sum sqrt(|Rx|^2 + mu^2)  (R = db4 wavelets or
finite differences) from the zero-filled start, and writes curves.json,
curves.csv, convergence.svg, convergence.png and images/<optimizer>.png (16-bit).

  --optimizers LIST       comma-separated, from: ${ALL.join(', ')}
                          (default all; fista = proximal FISTA on the unsmoothed
                          L1-wavelet problem, --reg wavelet only)
  --iters N               iterations per optimizer (default 100)
  --lr X                  learning rate for every optimizer (default per family:
                          1/L for gd, nesterov, gradient-noise, mirror-descent;
                          0.01 for the Adam family, in units of the scaled image;
                          gradient-noise eta = 0.3 x mean square of the first gradient)
  --schedule NAME         constant (default) | cosine | linear-decay | refined
                          (refined: a first run with linear decay, then the
                          schedule of Defazio et al. from its gradient norms)
  --reg wavelet|tv        regulariser (default wavelet)
  --lambda L              regularisation weight on BART-scaled data, as recon --method cs
                          and bart pics -r (default 0.01)
  --mu M                  smoothing of |.| (default 0.01)
  --slice K               which slice of the input (default: the middle one)
  --mask/--accel/--center-fraction/--calib/--seed/--coils/--snr/--no-phase
                          acquisition, as for recon (default equispaced 4x, 1 coil)
  --out DIR, --overwrite, --json, --quiet   as for recon
Exit codes: 0 ok, 2 bad argument or input, 130 cancelled, 1 internal error.`;

const OPTIONS = {
  optimizers: { type: 'string' },
  iters: { type: 'string' },
  lr: { type: 'string' },
  schedule: { type: 'string' },
  reg: { type: 'string' },
  lambda: { type: 'string' },
  mu: { type: 'string' },
  slice: { type: 'string' },
  ...ACQUISITION_OPTIONS,
  kind: { type: 'string' },
  out: { type: 'string' },
  overwrite: { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface CompareRun {
  optimizer: string;
  lr: number;
  schedule: string;
  seconds: number;
  final: { objective?: number; residual?: number; psnr?: number; ssim?: number };
  best: { iteration: number; psnr?: number };
  history: HistoryEntry[];
}

export async function compareOptimizersCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS);
  if (values.help) {
    io.out(COMPARE_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('compare-optimizers needs exactly one input file (see compare-optimizers --help)');
  const list = (typeof values.optimizers === 'string' ? values.optimizers : DEFAULT_LIST.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const o of list) if (!ALL.includes(o)) throw new UsageError(`--optimizers: unknown optimizer "${o}" (available: ${ALL.join(', ')})`);
  if (list.length === 0) throw new UsageError('--optimizers: the list is empty');
  if (new Set(list).size !== list.length) throw new UsageError('--optimizers: an optimizer is listed twice');
  const iters = numberFlag('iters', values.iters, { integer: true, min: 2, max: 100000 }) ?? 100;
  const lrFlag = numberFlag('lr', values.lr, { gt: 0 });
  if (lrFlag !== undefined && !Number.isFinite(lrFlag)) throw new UsageError('--lr must be finite');
  const schedule = typeof values.schedule === 'string' ? values.schedule : 'constant';
  if (schedule !== 'refined' && !SCHEDULES[schedule]) throw new UsageError(`--schedule must be one of ${[...Object.keys(SCHEDULES), 'refined'].join(', ')}, got "${schedule}"`);
  const reg = (values.reg ?? 'wavelet') as 'wavelet' | 'tv';
  if (reg !== 'wavelet' && reg !== 'tv') throw new UsageError(`--reg must be wavelet or tv, got "${String(values.reg)}"`);
  if (reg === 'tv' && list.includes('fista')) throw new UsageError('--optimizers: fista needs --reg wavelet (TV has no closed-form prox); leave it out for tv');
  const lambda = numberFlag('lambda', values.lambda, { min: 0 }) ?? 0.01;
  const mu = numberFlag('mu', values.mu, { gt: 0 }) ?? 0.01;
  if (!Number.isFinite(lambda) || !Number.isFinite(mu)) throw new UsageError('--lambda and --mu must be finite');
  const sliceArg = numberFlag('slice', values.slice, { integer: true, min: 0 });
  const quiet = Boolean(values.quiet);

  const input = resolveInput(positionals[0]!);
  // Only the acquisition flags go through recon's parser (its method flags mean something else here).
  const acqKeys = ['mask', 'accel', 'center-fraction', 'calib', 'seed', 'coils', 'snr', 'no-phase', 'kind', 'out'];
  const acqValues = Object.fromEntries(acqKeys.filter((key) => values[key] !== undefined).map((key) => [key, values[key]]));
  const { spec, out } = reconSpecFromArgs({ ...acqValues, method: 'zero-filled' }, input);
  const t0 = Date.now();
  // The middle slice needs the slice count, so without --slice the volume is loaded whole once.
  let job = await prepareReconJob(sliceArg === undefined ? spec : { ...spec, slices: [sliceArg, sliceArg + 1] });
  if (sliceArg === undefined) {
    const mid = Math.floor((job.slices[0] + job.slices[1]) / 2);
    job = await prepareReconJob({ ...spec, slices: [mid, mid + 1] });
  }
  const k = job.input.kspace;
  const [, coils, ny, nx] = k.shape as [number, number, number, number];
  let sens = job.input.sens?.data.subarray(0, 2 * coils * ny * nx);
  if (!sens) {
    if (coils > 1) throw new UsageError(`${input}: ${coils}-coil k-space without coil maps; give --sens or use single-coil data`);
    sens = new Float32Array(2 * ny * nx);
    for (let i = 0; i < sens.length; i += 2) sens[i] = 1;
  }
  const ref = job.reference ?? job.input.reference;
  const refShape = ref ? [ref.shape[1]!, ref.shape[2]!] as const : undefined;
  const refMag = ref?.data.subarray(0, ref.shape[1]! * ref.shape[2]!);

  const A = senseOp(sens, job.input.mask.data, coils, ny, nx);
  const R = reg === 'tv' ? finiteDiffOp(ny, nx, 'periodic') : waveletOp(ny, nx, { wavelet: 'db4' });
  const x0raw = A.adjoint(k.data.slice(0, 2 * coils * ny * nx));
  const scale = 1 / bartScale(abs(x0raw));
  const y = Float32Array.from(k.data.subarray(0, 2 * coils * ny * nx), (v) => v * scale);
  const x0 = Float32Array.from(x0raw, (v) => v * scale);
  // Isotropic TV (both differences of a pixel grouped) for the smoothed problem.
  const objective = smoothedObjective(A, y, R, { lambda, epsilon: mu, grouped: reg === 'tv' });
  const normA2 = powerMethod((v) => A.adjoint(A.apply(v)), objective.size, 20, 0);
  // ||W|| = 1, ||G||^2 <= 8 (periodic differences).
  const L = normA2 + (lambda * (reg === 'tv' ? 8 : 1)) / mu;
  const g0 = new Float32Array(objective.size);
  objective.gradient(x0, g0);
  const g0ms = g0.reduce((s, v) => s + v * v, 0) / g0.length;
  const toMagnitude = (x: Float32Array): Float32Array => {
    const m = abs(x);
    for (let i = 0; i < m.length; i++) m[i] = m[i]! / scale;
    return refShape ? centerCrop({ shape: [1, ny, nx], data: m }, refShape[0], refShape[1]).data : m;
  };
  const reference = refMag && refShape ? { magnitude: refMag, ny: refShape[0], nx: refShape[1], toMagnitude } : undefined;
  const seed = spec.acquisition?.seed ?? 1;

  const runs: CompareRun[] = [];
  const finals = new Map<string, Float32Array>();
  for (const name of list) {
    const lr = lrFlag ?? (name === 'fista' ? 1 / normA2 : ADAPTIVE.has(name) ? 0.01 : 1 / L);
    let solver: IterativeSolver;
    const tStart = performance.now();
    if (name === 'fista') {
      const W = R;
      const inner = fistaSolver(A, y, {
        x0,
        step: lr,
        prox: (v, t) => {
          const c = softThreshold(W.apply(v), lambda * t);
          v.set(W.adjoint(c));
        },
      });
      // Report the smoothed objective at FISTA's iterates so every curve measures the same f.
      solver = {
        name: 'fista',
        get x() { return inner.x; },
        get iteration() { return inner.iteration; },
        step() {
          const info = inner.step();
          return { ...info, objective: objective.value(inner.x), residual: objective.residual!(inner.x) };
        },
      };
    } else {
      // Gradient noise: the paper's eta (0.01 to 1) is for network weights; here it
      // is 0.3 (a value from the paper's grid) times the mean square of the first
      // gradient, so the first step's noise is ~0.45 of the gradient's RMS per
      // entry on every dataset, whatever its units.
      const params = name === 'gradient-noise' ? { eta: 0.3 * g0ms } : undefined;
      const opts = { optimizer: name, lr, iters, seed, ...(params ? { params } : {}) };
      solver = schedule === 'refined' ? refinedRun(objective, x0, opts) : firstOrderSolver(objective, x0, { ...opts, schedule });
    }
    const result = await runIterations(solver, { maxIters: iters, ...(reference ? { reference } : {}), ...(io.signal ? { signal: io.signal } : {}) });
    const seconds = (performance.now() - tStart) / 1000;
    const last = result.history[result.history.length - 1]!;
    const run: CompareRun = {
      optimizer: name,
      lr,
      schedule: name === 'fista' ? 'constant (1/||A||^2)' : schedule,
      seconds,
      final: { ...(last.objective !== undefined ? { objective: last.objective } : {}), ...(last.residual !== undefined ? { residual: last.residual } : {}), ...(last.psnr !== undefined ? { psnr: last.psnr, ssim: last.ssim! } : {}) },
      best: { iteration: result.bestIteration, ...(reference ? { psnr: Math.max(...result.history.map((h) => h.psnr ?? -Infinity)) } : {}) },
      history: result.history,
    };
    runs.push(run);
    finals.set(name, toMagnitude(result.last));
    if (!quiet) io.err(`recon-studio: ${name}: ${iters} iterations in ${seconds.toFixed(1)} s` + (last.psnr !== undefined ? `, PSNR ${last.psnr.toFixed(2)} dB` : ''));
  }

  const problem = {
    input,
    slice: job.slices[0],
    shape: [ny, nx],
    coils,
    acceleration: job.mask.accel,
    mask: job.mask.spec,
    reg,
    lambda,
    mu,
    dataScale: scale,
    lipschitz: L,
    normA2,
    iters,
    schedule,
    engineVersion: ENGINE_VERSION,
    ...(reference ? { zeroFilled: { psnr: psnr(reference.magnitude, toMagnitude(x0)) } } : {}),
  };
  const svg = lineChartSvg(
    [
      { title: 'Objective (smoothed)', xLabel: 'iteration', yLabel: 'f(x) - min f', logY: true, series: gapSeries(runs) },
      { title: 'PSNR vs reference', xLabel: 'iteration', yLabel: 'PSNR (dB)', series: runs.map((r) => ({ name: r.optimizer, x: r.history.map((h) => h.iteration), y: r.history.map((h) => h.psnr ?? NaN) })) },
    ],
    {
      title: `Optimizer comparison — ${reg === 'tv' ? 'TV' : 'L1-wavelet'}, λ=${lambda}, μ=${mu}, ${job.mask.accel.toFixed(2)}x, slice ${job.slices[0]}`,
      subtitle: `${input.split('/').pop()} · ${ny}x${nx}, ${coils} coil(s) · schedule ${schedule} · ${iters} iterations`,
    },
  );
  const png = await svgToPng(svg);
  const staged = new StagedDir(out, { overwrite: Boolean(values.overwrite) });
  try {
    staged.write('curves.json', JSON.stringify({ problem, runs }, null, 2) + '\n');
    staged.write('curves.csv', curvesCsv(runs));
    staged.write('convergence.svg', svg);
    staged.write('convergence.png', png);
    const peak = Math.max(...[refMag, ...finals.values()].map((a) => (a ? a.reduce((m, v) => (v > m ? v : m), 0) : 0)));
    const pxScale = peak > 0 ? 65535 / peak : 1;
    const [h, w] = refShape ?? [ny, nx];
    const flip = displayFlipY(job.volume.geometry);
    const write = (rel: string, img: Float32Array, what: string) => {
      let px = toUint16(img, pxScale);
      if (flip) px = flipRows(px, w, h);
      staged.write(rel, encodePng({ width: w, height: h, pixels: px, text: { Software: `Recon Studio ${ENGINE_VERSION}`, Description: `${what}; pixel = value * scale; research use only, not for diagnosis`, 'Recon-Scale': String(pxScale) } }));
    };
    write('images/zero-filled.png', toMagnitude(x0), 'zero-filled start');
    if (refMag) write('images/reference.png', refMag, 'reference');
    for (const [name, img] of finals) write(`images/${name}.png`, img, `${name}, last iterate after ${iters} iterations`);
    staged.commit();
  } catch (e) {
    staged.abort();
    throw e;
  }
  const summary = {
    out: staged.target,
    problem,
    seconds: (Date.now() - t0) / 1000,
    optimizers: runs.map((r) => ({ optimizer: r.optimizer, lr: r.lr, seconds: r.seconds, ...r.final, bestPsnr: r.best.psnr, bestIteration: r.best.iteration })),
  };
  if (values.json) io.out(JSON.stringify(summary, null, 2));
  else {
    io.out(`wrote ${staged.target} (${runs.length} optimizers, ${iters} iterations, ${job.mask.accel.toFixed(2)}x, slice ${job.slices[0]})`);
    for (const r of runs) io.out(`  ${r.optimizer.padEnd(15)} f ${fmt(r.final.objective)}  PSNR ${r.final.psnr?.toFixed(2) ?? '-'} dB  SSIM ${r.final.ssim?.toFixed(4) ?? '-'}  ${r.seconds.toFixed(1)} s`);
  }
  return 0;
}

function fmt(v: number | undefined): string {
  return v === undefined ? '-' : v.toExponential(4);
}

/**
 * Objective minus the lowest value any optimizer reached (less a hair, so the
 * best curve's last point stays on a log axis): a suboptimality gap shows the
 * differences that a raw objective, dominated by its constant part, hides.
 */
function gapSeries(runs: CompareRun[]): Series[] {
  const fmin = Math.min(...runs.flatMap((r) => r.history.map((h) => h.objective ?? Infinity)));
  const floor = Math.abs(fmin) * 1e-6 || 1e-12;
  return runs.map((r) => ({ name: r.optimizer, x: r.history.map((h) => h.iteration), y: r.history.map((h) => (h.objective === undefined ? NaN : h.objective - fmin + floor)) }));
}

export function curvesCsv(runs: CompareRun[]): string {
  const rows = ['optimizer,iteration,objective,residual,step_size,elapsed_ms,psnr,ssim'];
  const c = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '' : String(v));
  for (const r of runs) for (const h of r.history) {
    rows.push([r.optimizer, h.iteration, c(h.objective), c(h.residual), c(h.stepSize), h.elapsedMs.toFixed(2), c(h.psnr), c(h.ssim)].join(','));
  }
  return rows.join('\n') + '\n';
}
