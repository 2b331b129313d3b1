/**
 * The acquisition panel's form logic: what the user typed -> an Acquisition
 * the protocol accepts, or the problem per field in words. The protocol's own
 * schema decides the ranges, so the panel cannot drift from the host.
 */
import { AcquisitionSchema, type Acquisition, type MaskKind } from '@contracts';

export type SimulateAcquisition = Extract<Acquisition, { mode: 'simulate' }>;

/** Text of each numeric field; snr '' means noiseless. */
export interface AcqDrafts {
  mask: MaskKind;
  accel: string;
  centerFraction: string;
  calib: string;
  seed: string;
  coils: string;
  snr: string;
}

export const MASK_CHOICES: { value: MaskKind; label: string; lines: boolean }[] = [
  { value: 'equispaced-fraction', label: 'Equispaced lines (fastMRI)', lines: true },
  { value: 'equispaced', label: 'Equispaced lines', lines: true },
  { value: 'random', label: 'Random lines', lines: true },
  { value: 'poisson', label: 'Poisson disc (2D)', lines: false },
];

export function isLineMask(mask: MaskKind): boolean {
  return MASK_CHOICES.find((c) => c.value === mask)?.lines ?? true;
}

export function draftsFrom(a: SimulateAcquisition): AcqDrafts {
  return {
    mask: a.mask,
    accel: String(a.accel),
    centerFraction: String(a.centerFraction),
    calib: String(a.calib),
    seed: String(a.seed),
    coils: String(a.coils),
    snr: a.snr === null ? '' : String(a.snr),
  };
}

type NumKey = Exclude<keyof AcqDrafts, 'mask'>;

/** Parses the drafts; a field hidden for the chosen mask keeps a valid fallback so it never blocks. */
export function parseAcquisition(d: AcqDrafts, fallback: SimulateAcquisition): { value: SimulateAcquisition } | { errors: Partial<Record<NumKey, string>> } {
  const errors: Partial<Record<NumKey, string>> = {};
  const num = (key: NumKey, integer: boolean): number => {
    const text = d[key].trim();
    const v = Number(text);
    if (text === '' || !Number.isFinite(v)) errors[key] = text === '' ? 'a value is required' : `"${text}" is not a number`;
    else if (integer && !Number.isInteger(v)) errors[key] = 'must be a whole number';
    return v;
  };
  const lines = isLineMask(d.mask);
  const candidate = {
    mode: 'simulate' as const,
    mask: d.mask,
    accel: num('accel', false),
    centerFraction: lines ? num('centerFraction', false) : fallback.centerFraction,
    calib: lines ? fallback.calib : num('calib', true),
    seed: num('seed', true),
    coils: num('coils', true),
    snr: d.snr.trim() === '' ? null : num('snr', false),
  };
  const parsed = AcquisitionSchema.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path[0];
      if (typeof key === 'string' && key in d && key !== 'mask' && !errors[key as NumKey]) errors[key as NumKey] = rangeMessage(key as NumKey, issue.message);
    }
  }
  if (Object.keys(errors).length > 0 || !parsed.success) return { errors };
  return { value: parsed.data as SimulateAcquisition };
}

/** zod's generic "Too small: expected number to be >=1" reads badly in a panel; say the range instead. */
function rangeMessage(key: NumKey, message: string): string {
  const ranges: Record<NumKey, string> = {
    accel: 'acceleration must be above 1 and at most 64',
    centerFraction: 'centre fraction must be in [0, 1)',
    calib: 'calibration must be 0 to 512',
    seed: `seed must be 0 to ${2 ** 31 - 1}`,
    coils: 'coils must be 1 to 32',
    snr: 'SNR must be positive (empty = noiseless)',
  };
  return message.includes('Too') || message.includes('Invalid') ? ranges[key] : message;
}
