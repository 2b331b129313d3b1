/**
 * The one loop that drives every IterativeSolver (STYLE.md habit 3): history
 * rows, progress callback, early stop on relative change, best and last
 * iterate, cancellation between steps. Algorithms stay free of all of this.
 */
import { abs, norm2 } from '../array';
import { psnr, ssim2d } from '../metrics';
import type { HistoryEntry } from '../recon/types';
import { throwIfCancelled } from '../recon/types';
import type { IterativeSolver, StepInfo } from './types';

export interface RunReference {
  /** Ground-truth magnitude [ny][nx]. */
  magnitude: Float32Array;
  ny: number;
  nx: number;
  /** Maps the iterate to the magnitude compared with the reference (default |x|), e.g. undoing data scaling. */
  toMagnitude?: (x: Float32Array) => Float32Array;
}

export interface RunOptions {
  maxIters: number;
  /** Stop when ||x_k - x_{k-1}|| / ||x_k|| < tol (0 or absent: never). */
  tol?: number;
  signal?: AbortSignal;
  onIteration?: (entry: HistoryEntry, info: StepInfo) => void;
  /** When given, PSNR/SSIM are recorded and the best iterate is the one with the highest PSNR. */
  reference?: RunReference;
  /** Compute PSNR/SSIM every `every` iterations (and at the last); default 1. */
  every?: number;
  /** Written into each history row. */
  slice?: number;
  /** Yield to the event loop at least this often (ms) so an abort can arrive; default 50. */
  yieldMs?: number;
}

export interface RunResult {
  /** Best iterate: highest PSNR with a reference, else lowest objective (else the last). */
  best: Float32Array;
  bestIteration: number;
  last: Float32Array;
  iterations: number;
  history: HistoryEntry[];
  stopReason: 'max-iters' | 'tolerance';
}

export async function runIterations(solver: IterativeSolver, opts: RunOptions): Promise<RunResult> {
  if (!(Number.isInteger(opts.maxIters) && opts.maxIters >= 1)) throw new RangeError(`maxIters must be a positive integer, got ${opts.maxIters}`);
  const every = Math.max(1, Math.floor(opts.every ?? 1));
  const ref = opts.reference;
  const peak = ref ? ref.magnitude.reduce((m, v) => (v > m ? v : m), 0) : 0;
  const history: HistoryEntry[] = [];
  const prev = solver.x.slice();
  let best = solver.x.slice();
  let bestIteration = 0;
  let bestScore = Infinity; // lower is better (objective, or -PSNR)
  let stopReason: RunResult['stopReason'] = 'max-iters';
  const t0 = performance.now();
  let lastYield = t0;
  const yieldMs = opts.yieldMs ?? 50;
  for (let k = 1; k <= opts.maxIters; k++) {
    throwIfCancelled(opts.signal);
    const info = solver.step();
    const x = solver.x;
    const entry: HistoryEntry = { slice: opts.slice ?? 0, iteration: info.iteration, elapsedMs: performance.now() - t0 };
    if (Number.isFinite(info.objective)) entry.objective = info.objective;
    if (Number.isFinite(info.residual)) entry.residual = info.residual;
    if (Number.isFinite(info.stepSize)) entry.stepSize = info.stepSize;
    let diff = 0;
    for (let i = 0; i < x.length; i++) diff += (x[i]! - prev[i]!) ** 2;
    const rel = Math.sqrt(diff / Math.max(norm2(x), 1e-30));
    prev.set(x);
    const converged = opts.tol !== undefined && opts.tol > 0 && rel < opts.tol;
    const exhausted = solver.done === true;
    const lastOne = k === opts.maxIters || converged || exhausted;
    let score = Number.isFinite(info.objective) ? info.objective : NaN;
    if (ref && (k % every === 0 || lastOne)) {
      const mag = ref.toMagnitude ? ref.toMagnitude(x) : abs(x);
      entry.psnr = psnr(ref.magnitude, mag, peak);
      // SSIM's 7x7 window needs at least that much image; tiny test problems get PSNR only.
      if (ref.ny >= 7 && ref.nx >= 7 && peak > 0) entry.ssim = ssim2d(ref.magnitude, mag, ref.ny, ref.nx, peak);
      score = -entry.psnr;
    } else if (ref) score = NaN; // only compare iterates that were measured
    if (Number.isFinite(score) && score < bestScore) {
      bestScore = score;
      best = x.slice();
      bestIteration = info.iteration;
    } else if (!Number.isFinite(bestScore) && !ref) {
      best = x.slice();
      bestIteration = info.iteration;
    }
    history.push(entry);
    opts.onIteration?.(entry, info);
    if (converged) { stopReason = 'tolerance'; break; }
    if (exhausted) break;
    if (performance.now() - lastYield > yieldMs) {
      await new Promise<void>((r) => setTimeout(r, 0));
      lastYield = performance.now();
    }
  }
  throwIfCancelled(opts.signal);
  if (bestIteration === 0) { best = solver.x.slice(); bestIteration = solver.iteration; }
  return { best, bestIteration, last: solver.x.slice(), iterations: history.length, history, stopReason };
}
