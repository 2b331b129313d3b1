export type { IterativeSolver, SmoothObjective, StepInfo } from './types';
export * from './prox';
export * from './power';
export * from './cg';
export * from './fista';
export * from './admm';
export * from './pdhg';
export * from './run';
export * from './smoothed';
