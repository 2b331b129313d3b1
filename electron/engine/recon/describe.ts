/**
 * Option descriptors and presets of the built-in methods: what a UI needs to
 * generate each method's form (types, defaults, ranges, when a field matters).
 * Kept beside the methods, not in the UI, so a new method or option shows up
 * without a UI change. Ranges are "sane" bounds for interactive use; the
 * methods themselves still check their options.
 */
import { OPTIMIZERS, SCHEDULES } from '../optim';
import type { MethodPreset, OptionFieldSpec } from './types';

const FIRST_ORDER = Object.keys(OPTIMIZERS);
const choice = (value: string, label = value) => ({ value, label });

export const csOptionFields: OptionFieldSpec[] = [
  { key: 'reg', label: 'Regulariser', type: 'enum', default: 'wavelet', choices: [choice('wavelet', 'L1 wavelet'), choice('tv', 'Total variation')] },
  { key: 'lambda', label: 'λ', type: 'number', default: 0.01, min: 1e-6, max: 10, log: true, help: 'Regularisation weight on BART-scaled data (as bart pics -r).' },
  {
    key: 'solver', label: 'Solver', type: 'enum', default: 'auto',
    choices: [
      choice('auto', 'auto (wavelet: FISTA, TV: ADMM)'), choice('fista', 'FISTA'), choice('ista', 'ISTA'), choice('admm', 'ADMM'),
      choice('pdhg', 'primal-dual (TV)'), choice('cg', 'CG (Tikhonov)'),
      ...FIRST_ORDER.map((o) => choice(o, `${o} (smoothed)`)),
    ],
  },
  { key: 'iters', label: 'Iterations', type: 'integer', default: 50, min: 1, max: 2000, help: 'Per slice. ADMM reads it as BART pics -i does: a budget of inner CG iterations in total.' },
  { key: 'wavelet', label: 'Wavelet', type: 'enum', default: 'db4', choices: [choice('db4', 'Daubechies 4'), choice('haar', 'Haar')], visibleWhen: { key: 'reg', values: ['wavelet'] } },
  { key: 'levels', label: 'Levels', help: '0 = auto: down to a coarsest band of about 4 pixels (6 levels at 256)', type: 'integer', default: 0, min: 0, max: 8, visibleWhen: { key: 'reg', values: ['wavelet'] }, advanced: true },
  { key: 'tv', label: 'TV type', type: 'enum', default: 'anisotropic', choices: [choice('anisotropic'), choice('isotropic')], visibleWhen: { key: 'reg', values: ['tv'] } },
  { key: 'tol', label: 'Stop at relative change', type: 'number', default: 0, min: 0, max: 0.1, step: 1e-5, advanced: true, help: '0 = run all iterations.' },
  { key: 'rho', label: 'ADMM ρ', type: 'number', default: 0.5, min: 1e-4, max: 100, log: true, visibleWhen: { key: 'solver', values: ['admm', 'auto'] }, advanced: true },
  { key: 'innerIters', label: 'ADMM inner CG iterations', type: 'integer', default: 5, min: 1, max: 100, visibleWhen: { key: 'solver', values: ['admm', 'auto'] }, advanced: true },
  { key: 'lr', label: 'Learning rate', type: 'number', default: 0, min: 0, max: 10, step: 1e-4, visibleWhen: { key: 'solver', values: FIRST_ORDER }, help: '0 = default (1/L, or 0.01 for adaptive optimizers).' },
  { key: 'schedule', label: 'Schedule', type: 'enum', default: 'constant', choices: Object.keys(SCHEDULES).map((s) => choice(s)), visibleWhen: { key: 'solver', values: FIRST_ORDER } },
  { key: 'epsilon', label: 'Smoothing ε', type: 'number', default: 0.01, min: 1e-6, max: 1, log: true, visibleWhen: { key: 'solver', values: FIRST_ORDER }, advanced: true },
  { key: 'randshift', label: 'Random wavelet shifts', type: 'boolean', default: true, visibleWhen: { key: 'reg', values: ['wavelet'] }, advanced: true },
  { key: 'scaling', label: 'BART data scaling', type: 'boolean', default: true, advanced: true },
  { key: 'every', label: 'Metrics every N iterations', type: 'integer', default: 5, min: 1, max: 1000, advanced: true },
  { key: 'output', label: 'Output', type: 'enum', default: 'last', choices: [choice('last', 'last iterate'), choice('best', 'best PSNR (needs a reference)')], advanced: true },
  { key: 'seed', label: 'Seed', type: 'integer', default: 0, min: 0, max: 2 ** 31 - 1, advanced: true },
];

export const csPresets: MethodPreset[] = [
  { id: 'l1-wavelet-fista', label: 'L1-wavelet, FISTA (BART-like)', values: { reg: 'wavelet', lambda: 0.01, solver: 'fista', iters: 50, wavelet: 'db4' } },
  { id: 'tv-admm', label: 'TV, ADMM (BART-like)', values: { reg: 'tv', lambda: 0.005, solver: 'admm', iters: 50, tv: 'isotropic' } },
  { id: 'tv-pdhg', label: 'TV, primal-dual', values: { reg: 'tv', lambda: 0.005, solver: 'pdhg', iters: 100, tv: 'isotropic' } },
  { id: 'adam-wavelet', label: 'Adam on smoothed wavelet', values: { reg: 'wavelet', lambda: 0.01, solver: 'adam', iters: 100, lr: 0, epsilon: 0.01 } },
  { id: 'fast-preview', label: 'fast preview 10 it', values: { reg: 'wavelet', lambda: 0.01, solver: 'fista', iters: 10 } },
];

export const zeroFilledOptionFields: OptionFieldSpec[] = [
  {
    key: 'combine', label: 'Coil combination', type: 'enum', default: 'auto',
    choices: [choice('auto', 'auto (SENSE with maps, else RSS)'), choice('rss', 'root-sum-of-squares'), choice('sense', 'SENSE (needs maps)')],
  },
];

/** Recurrent learned methods (CIRIM, RIM): data-consistency refinement of the model's output. */
export const refineOptionFields: OptionFieldSpec[] = [
  {
    key: 'refine', label: 'Data-consistency refinement', type: 'integer', default: 0, min: 0, max: 500,
    help: 'At most N CGLS iterations fitting the measured k-space, stopped at the noise level. 0 = off; 400 suits several coils. Not for single coil (model card).',
  },
  {
    key: 'noiseStd', label: 'k-space noise SD', type: 'number', default: -1, min: -1, max: 1e6, step: 1e-6, advanced: true,
    help: 'For the refinement and CIRIM\'s noise-aware data consistency, per real/imaginary component. −1 = the data\'s own (simulated scans); 0 = noiseless.',
  },
];

/**
 * Learned methods: the model folder under resources/models (the host fills in
 * the available ones, each a folder name or { value: folder, hint } with the
 * line the form shows under the list while that model is selected).
 */
export function learnedOptionFields(defaultModel: string, models: (string | { value: string; hint: string })[] = [defaultModel]): OptionFieldSpec[] {
  const choices = (models.length ? models : [defaultModel]).map((m) => (typeof m === 'string' ? choice(m) : { ...choice(m.value), hint: m.hint }));
  return [
    { key: 'model', label: 'Model', type: 'enum', default: defaultModel, choices },
    { key: 'provider', label: 'Execution providers', type: 'enum', default: '', choices: [choice('', 'default'), choice('cpu', 'CPU'), choice('cuda,cpu', 'CUDA, else CPU')], advanced: true },
  ];
}
