/**
 * The method panel's logic, kept out of the component so it can be tested:
 * a method's option schema (MethodInfo.options) becomes a form of drafts
 * (what the user typed, strings for numbers so a half-typed "1e-" can be
 * flagged instead of silently coerced), and drafts become OptionValues.
 */
import type { MethodInfo, OptionField, OptionValues } from '@contracts';

/** What an input holds: text for numeric fields, the value itself otherwise. */
export type Draft = string | boolean;
export type Drafts = Record<string, Draft>;

/** Formats a number for a text field without float noise (0.1 + 0.2 → "0.3"). */
export function formatNumber(v: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  // 12 significant digits drop the last-bit noise of decimal arithmetic.
  const clean = Number(v.toPrecision(12));
  if (abs < 1e-3 || abs >= 1e6) return clean.toExponential().replace('e+', 'e');
  return String(clean);
}

function toDraft(field: OptionField, value: unknown): Draft {
  switch (field.type) {
    case 'boolean':
      return typeof value === 'boolean' ? value : field.default;
    case 'enum':
      return typeof value === 'string' && field.choices.some((c) => c.value === value) ? value : field.default;
    default:
      return typeof value === 'number' ? formatNumber(value) : formatNumber(field.default);
  }
}

export function defaultDrafts(method: MethodInfo): Drafts {
  return Object.fromEntries(method.options.map((f) => [f.key, toDraft(f, f.default)]));
}

/** Fills the preset's values over the current drafts; options the preset does not name keep their value. */
export function applyPreset(method: MethodInfo, drafts: Drafts, presetId: string): Drafts {
  const preset = method.presets.find((p) => p.id === presetId);
  if (!preset) return drafts;
  const next = { ...drafts };
  for (const field of method.options) {
    if (Object.hasOwn(preset.values, field.key)) next[field.key] = toDraft(field, preset.values[field.key]);
  }
  return next;
}

/** Parses one draft; returns the value or the problem in words. */
export function parseDraft(field: OptionField, draft: Draft | undefined): { value: string | number | boolean } | { error: string } {
  switch (field.type) {
    case 'boolean':
      return { value: typeof draft === 'boolean' ? draft : field.default };
    case 'enum': {
      const v = typeof draft === 'string' ? draft : field.default;
      return field.choices.some((c) => c.value === v) ? { value: v } : { error: `choose one of ${field.choices.map((c) => c.label).join(', ')}` };
    }
    case 'number':
    case 'integer': {
      const text = typeof draft === 'string' ? draft.trim() : '';
      if (text === '') return { error: 'a value is required' };
      const v = Number(text);
      if (!Number.isFinite(v)) return { error: `"${text}" is not a number` };
      if (field.type === 'integer' && !Number.isInteger(v)) return { error: 'must be a whole number' };
      if (field.min !== undefined && v < field.min) return { error: `must be at least ${formatNumber(field.min)}` };
      if (field.max !== undefined && v > field.max) return { error: `must be at most ${formatNumber(field.max)}` };
      return { value: v };
    }
  }
}

/**
 * Whether a field is shown given the current drafts. Compared against the
 * parsed value of the controlling field, so visibleWhen {values: [3]} matches
 * the text "3" of an integer field.
 */
export function isVisible(method: MethodInfo, field: OptionField, drafts: Drafts): boolean {
  const cond = field.visibleWhen;
  if (!cond) return true;
  const controller = method.options.find((f) => f.key === cond.key);
  if (!controller) return true; // a schema naming an unknown key: show rather than hide silently
  if (!isVisible(method, controller, drafts)) return false;
  const parsed = parseDraft(controller, drafts[cond.key]);
  return 'value' in parsed && cond.values.includes(parsed.value);
}

/** Problems of the visible fields, by key; empty when the form can be submitted. */
export function validate(method: MethodInfo, drafts: Drafts): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const field of method.options) {
    if (!isVisible(method, field, drafts)) continue;
    const parsed = parseDraft(field, drafts[field.key]);
    if ('error' in parsed) errors[field.key] = parsed.error;
  }
  return errors;
}

/**
 * The values sent with a job. Hidden fields are sent too (at their default
 * when what they hold is invalid), so the job's provenance lists every option.
 */
export function toValues(method: MethodInfo, drafts: Drafts): OptionValues {
  const values: OptionValues = {};
  for (const field of method.options) {
    const parsed = parseDraft(field, drafts[field.key]);
    values[field.key] = 'value' in parsed ? parsed.value : field.default;
  }
  return values;
}

/** Steps a log-scale number by a factor of ten, staying inside its bounds. */
export function stepLog(field: OptionField, draft: Draft | undefined, direction: 1 | -1): string {
  if (field.type !== 'number') return typeof draft === 'string' ? draft : '';
  const parsed = parseDraft(field, draft);
  let v = 'value' in parsed && typeof parsed.value === 'number' && parsed.value > 0 ? parsed.value : field.default;
  v = v * 10 ** direction;
  if (field.min !== undefined) v = Math.max(field.min, v);
  if (field.max !== undefined) v = Math.min(field.max, v);
  return formatNumber(v);
}
