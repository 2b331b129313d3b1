/**
 * RIM baseline (one recurrent inference machine with ConvGRU cells, Lonning
 * et al. 2019) run from a shipped ONNX model. Its exported contract is one
 * CIRIM cascade (models/recon_models/rim.py: estimate, hidden state, k-space,
 * mask, coil maps, DFT matrices -> estimate, state) with cascades = 1, so it
 * runs through CIRIM's cascade runner: same normalisation, same SENSE-combined
 * first estimate (coil maps from the input; one map of ones for single coil),
 * same provenance (model name, SHA-256, provider). Progress, the preview and
 * cancellation come once per slice, since the RIM is one call.
 */
import { reconCirim, type CirimOptions } from './cirim';
import { learnedOptionFields, refineOptionFields } from './describe';
import type { ReconContext, ReconInput, ReconMethod, ReconProgress, ReconResult } from './types';

/** The runner's options: model, providers, models root and the data-consistency refinement. */
export type RimOptions = CirimOptions;

export const rimDefaults: RimOptions = { model: 'rim-smoke', refine: 0 };

export async function reconRim(input: ReconInput, options: Partial<RimOptions> = {}, ctx: ReconContext = {}): Promise<ReconResult> {
  const opts: RimOptions = { ...rimDefaults, ...options };
  // Refuse a CIRIM (or any other) model by name before any compute: the runner would accept it.
  const { loadModel } = await import('../learned/manifest');
  const man = loadModel(opts.model, opts.modelsDir).manifest;
  if (man.architecture !== 'rim') {
    throw new RangeError(`rim: model ${opts.model} is ${man.architecture ? `a ${man.architecture} model` : 'of no declared architecture'}, not a RIM${man.architecture === 'cirim' ? ' (use --method cirim)' : ''}`);
  }
  const onProgress = ctx.onProgress;
  const r = await reconCirim(input, opts, {
    ...ctx,
    ...(onProgress
      ? { onProgress: (p: ReconProgress & { slice?: number }) => onProgress({ ...p, message: `RIM slice ${(p.slice ?? 0) + 1}/${input.kspace.shape[0]}` }) }
      : {}),
  }).catch((e: unknown) => {
    // Errors from the shared runner name "cirim"; the user asked for rim.
    if (e instanceof Error && e.message.startsWith('cirim: ')) e.message = `rim: ${e.message.slice(7)}`;
    throw e;
  });
  return {
    ...r,
    method: 'rim',
    // The runner words its first note for CIRIM; say RIM.
    notes: r.notes.map((n, i) => (i === 0 ? n.replace(/^CIRIM model/, 'RIM model').replace(/, 1 cascades on /, ', one call per slice on ') : n)),
  };
}

export const rim: ReconMethod<RimOptions> = {
  id: 'rim',
  label: 'RIM (learned baseline)',
  description: 'One recurrent inference machine (ConvGRU cells), run from a shipped ONNX model; the baseline CIRIM is measured against.',
  defaults: rimDefaults,
  family: 'learned',
  optionFields: [...learnedOptionFields('rim-smoke'), ...refineOptionFields],
  presets: [],
  run: reconRim,
};
