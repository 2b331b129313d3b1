/** Optimizers and learning-rate schedules for smooth (or smoothed) objectives. */
export type { Optimizer, OptimizerFactory } from './optimizers';
export { OPTIMIZERS, makeOptimizer, gd, nesterov, adam, adabelief, adamp, diffgrad, gradientNoise, mirrorDescent } from './optimizers';
export type { Schedule, RefineOptions } from './schedules';
export { SCHEDULES, refinedSchedule, medianFilter, getSchedule, constant, cosine, linearDecay } from './schedules';
