/**
 * The first-order optimizer family (optim/) as an IterativeSolver: each step()
 * evaluates the gradient at x, scales the base learning rate by the schedule
 * and lets the optimizer update x in place. The objective reported is f at the
 * NEW iterate (one extra value() per step, so curves show where each optimizer
 * actually is, not where it was).
 */
import { makeOptimizer, getSchedule, refinedSchedule, type Schedule } from '../optim';
import type { IterativeSolver, SmoothObjective, StepInfo } from './types';

export interface FirstOrderOptions {
  optimizer: string;
  /** Base learning rate (the schedule multiplies it). */
  lr: number;
  /** Name in SCHEDULES or a Schedule; default constant. 'refined' needs refinedRun. */
  schedule?: string | Schedule;
  /** Planned number of iterations (the schedule's horizon). */
  iters: number;
  params?: Record<string, number>;
  seed?: number;
}

export interface FirstOrderSolver extends IterativeSolver {
  /** Euclidean norm of the gradient used by each step so far (input to refinedSchedule). */
  readonly gradNorms: number[];
}

export function firstOrderSolver(objective: SmoothObjective, x0: Float32Array, opts: FirstOrderOptions): FirstOrderSolver {
  const n = objective.size;
  if (x0.length !== n) throw new RangeError(`firstOrderSolver: x0 has length ${x0.length}, objective expects ${n}`);
  if (!(Number.isFinite(opts.lr) && opts.lr > 0)) throw new RangeError(`firstOrderSolver: lr must be positive and finite, got ${opts.lr}`);
  if (!(Number.isInteger(opts.iters) && opts.iters >= 1)) throw new RangeError(`firstOrderSolver: iters must be a positive integer, got ${opts.iters}`);
  if (opts.schedule === 'refined') throw new RangeError(`firstOrderSolver: the refined schedule needs a first run's gradient norms; use refinedRun`);
  const schedule: Schedule = typeof opts.schedule === 'function' ? opts.schedule : getSchedule(opts.schedule ?? 'constant');
  const optimizer = makeOptimizer(opts.optimizer, n, opts.params, opts.seed ?? 0);
  const x = Float32Array.from(x0);
  const g = new Float32Array(n);
  const gradNorms: number[] = [];
  let iteration = 0;
  return {
    name: opts.optimizer,
    get x() {
      return x;
    },
    get iteration() {
      return iteration;
    },
    gradNorms,
    step(): StepInfo {
      const t = iteration + 1;
      objective.gradient(x, g);
      let gg = 0;
      for (let i = 0; i < n; i++) gg += g[i]! * g[i]!;
      gradNorms.push(Math.sqrt(gg));
      // Past the planned horizon the schedule holds its last value.
      const lr = opts.lr * schedule(Math.min(t, opts.iters), opts.iters);
      optimizer.step(x, g, lr, t);
      iteration = t;
      return {
        iteration: t,
        objective: objective.value(x),
        residual: objective.residual ? objective.residual(x) : NaN,
        stepSize: lr,
      };
    },
  };
}

/**
 * Refinement (Defazio et al., optim/schedules.ts): a first run with the given
 * schedule (default linear decay, the paper's starting point) records the
 * gradient norms; the returned solver starts again from x0 with the refined
 * schedule built from them. The first run's StepInfo rows are passed to
 * onFirstPass so callers can account for its cost.
 */
export function refinedRun(
  objective: SmoothObjective,
  x0: Float32Array,
  opts: Omit<FirstOrderOptions, 'schedule'> & { firstSchedule?: string | Schedule; tau?: number; power?: number },
  onFirstPass?: (info: StepInfo) => void,
): FirstOrderSolver {
  const { firstSchedule, tau, power, ...rest } = opts;
  const first = firstOrderSolver(objective, x0, { ...rest, schedule: firstSchedule ?? 'linear-decay' });
  for (let i = 0; i < opts.iters; i++) {
    const info = first.step();
    onFirstPass?.(info);
  }
  const schedule = refinedSchedule(
    first.gradNorms.map((v) => Math.max(v, 1e-30)),
    { ...(tau !== undefined ? { tau } : {}), ...(power !== undefined ? { power } : {}) },
  );
  const solver = firstOrderSolver(objective, x0, { ...rest, schedule });
  return Object.assign(solver, { name: `${opts.optimizer}+refined` }) as FirstOrderSolver;
}
