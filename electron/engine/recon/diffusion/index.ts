/**
 * The `diffusion` reconstruction method: guided DDIM sampling with data
 * consistency (sampler.ts), from a shipped ONNX diffusion prior.
 */
import { learnedOptionFields } from '../describe';
import type { MethodPreset, OptionFieldSpec, ReconMethod } from '../types';
import { diffusionDefaults, reconDiffusion, type DiffusionOptions } from './sampler';

export * from './schedule';
export * from './guidance';
export * from './consistency';
export * from './sampler';

const choice = (value: string, label = value) => ({ value, label });

export const diffusionOptionFields: OptionFieldSpec[] = [
  ...learnedOptionFields('diffusion-smoke', ['diffusion-smoke']),
  // The UI offers 10..100; the engine and the CLI also take 5 (searched 5-step schedules, quick checks).
  { key: 'steps', label: 'Steps', help: 'DDIM steps; a searched schedule is used when the model ships one for this count', type: 'integer', default: 20, min: 10, max: 100 },
  { key: 'guidance', label: 'Guidance', type: 'enum', default: 'none', choices: [choice('none', 'none (unconditional)'), choice('cfg', 'classifier-free'), choice('gfcg', 'gradient-free classifier')] },
  { key: 'guidanceScale', label: 'Guidance scale', type: 'number', default: 2, min: 0, max: 10, step: 0.1, visibleWhen: { key: 'guidance', values: ['cfg', 'gfcg'] } },
  { key: 'class', label: 'Class', help: 'slice orientation the prior is conditioned on; auto = the classifier reads the zero-filled image', type: 'enum', default: 'auto', choices: [choice('auto'), choice('axial'), choice('coronal'), choice('sagittal')], visibleWhen: { key: 'guidance', values: ['cfg', 'gfcg'] } },
  { key: 'samples', label: 'Samples', help: 'averaged; 2 or more also give a per-pixel uncertainty (SD) map', type: 'integer', default: 1, min: 1, max: 16 },
  { key: 'seed', label: 'Seed', type: 'integer', default: 0, min: 0 },
  { key: 'start', label: 'Start (fraction of T)', help: '1 = from pure noise; below 1 starts from the start image diffused to that noise level (fewer steps needed)', type: 'number', default: 1, min: 0.01, max: 1, step: 0.01, advanced: true },
  { key: 'init', label: 'Start image', help: 'for a start below 1: the zero-filled image, or a compressed-sensing reconstruction that the prior then refines', type: 'enum', default: 'zero-filled', choices: [choice('zero-filled'), choice('cs', 'compressed sensing (L1-wavelet)')], advanced: true },
  { key: 'initLambda', label: 'Start CS λ', type: 'number', default: 0.005, min: 0, step: 0.001, visibleWhen: { key: 'init', values: ['cs'] }, advanced: true },
  { key: 'initIters', label: 'Start CS iterations', type: 'integer', default: 30, min: 1, max: 1000, visibleWhen: { key: 'init', values: ['cs'] }, advanced: true },
  { key: 'eta', label: 'η (stochasticity)', type: 'number', default: 0, min: 0, max: 1, step: 0.1, advanced: true },
  { key: 'dc', label: 'Data consistency', type: 'enum', default: 'hard', choices: [choice('hard', 'hard (noiseless data)'), choice('soft', 'soft (noise-aware)')], advanced: true },
  { key: 'noise', label: 'k-space noise σ', help: '0 = estimate from the outer k-space', type: 'number', default: 0, min: 0, visibleWhen: { key: 'dc', values: ['soft'] }, advanced: true },
  { key: 'schedule', label: 'Schedule', type: 'enum', default: 'searched', choices: [choice('searched', 'searched (model manifest)'), choice('uniform', 'uniform DDIM')], advanced: true },
  { key: 'cgIters', label: 'CG iterations (multi-coil)', type: 'integer', default: 5, min: 1, max: 50, advanced: true },
];

const presets: MethodPreset[] = [
  { id: 'fast', label: 'Fast (10 steps)', values: { steps: 10, samples: 1, guidance: 'none' } },
  { id: 'uncertainty', label: 'Uncertainty (4 samples, 20 steps)', values: { steps: 20, samples: 4, guidance: 'none' } },
  { id: 'guided', label: 'Classifier-free guided', values: { steps: 20, guidance: 'cfg', guidanceScale: 2 } },
];

export const diffusion: ReconMethod<DiffusionOptions> = {
  id: 'diffusion',
  label: 'Diffusion (guided DDIM)',
  description: 'Diffusion-prior sampling with data consistency at every step, classifier-free or gradient-free classifier guidance, and an uncertainty map from several samples.',
  defaults: diffusionDefaults,
  family: 'sampling',
  optionFields: diffusionOptionFields,
  presets,
  run: reconDiffusion,
};
