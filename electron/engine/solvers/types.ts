/**
 * The contract every iterative solver meets (STYLE.md habit 3): one iteration
 * per step(), state inspectable between steps, so progress events, previews,
 * early stopping and cancellation live in one runner rather than in each
 * algorithm.
 */
export interface StepInfo {
  /** 1-based index of the iteration just completed. */
  iteration: number;
  /** Objective value at the new iterate (NaN when the algorithm cannot evaluate it cheaply). */
  objective: number;
  /** Data-consistency residual ||A x - y|| / ||y|| at the new iterate (NaN if unknown). */
  residual: number;
  /** Step size (or learning rate) actually used. */
  stepSize: number;
}

export interface IterativeSolver {
  readonly name: string;
  /** The current iterate (complex interleaved image); do not modify. */
  readonly x: Float32Array;
  readonly iteration: number;
  /** True when the solver has spent its own budget (e.g. ADMM's CG budget): the runner stops there. */
  readonly done?: boolean;
  /** Advance by exactly one iteration. */
  step(): StepInfo;
}

/** A differentiable (or smoothed) objective for the first-order optimizer family. */
export interface SmoothObjective {
  /** Length of x (interleaved complex: 2 x number of pixels). */
  readonly size: number;
  value(x: Float32Array): number;
  /** Writes the gradient (Wirtinger, i.e. d/d conj(x) times 2, as real pairs) into g and returns value(x). */
  gradient(x: Float32Array, g: Float32Array): number;
  /** Relative data residual ||A x - y|| / ||y||, when the objective has a data term. */
  residual?(x: Float32Array): number;
}
