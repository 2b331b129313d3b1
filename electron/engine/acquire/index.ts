/**
 * Acquisition simulator: turns a magnitude image into seeded, noisy,
 * undersampled multi-coil k-space with its ground truth. See simulate.ts for
 * the SNR definition.
 */
export { simulate, noiseSigmaForSnr, MAX_COILS, DEFAULT_MAX_PHASE } from './simulate';
export type { SimulateOptions, SimulatedScan } from './simulate';
export { birdcageSens } from './coils';
export { smoothPhase } from './phase';
