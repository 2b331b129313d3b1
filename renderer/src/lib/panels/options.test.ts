import { describe, expect, it } from 'vitest';
import { MethodInfoSchema, type MethodInfo } from '@contracts';
import { applyPreset, defaultDrafts, formatNumber, isVisible, parseDraft, stepLog, toValues, validate } from './options';

// Parsed through the real schema so the fixture cannot drift from the protocol.
const cs: MethodInfo = MethodInfoSchema.parse({
  id: 'cs',
  label: 'Compressed sensing',
  description: 'L1-wavelet or TV',
  family: 'iterative',
  available: true,
  options: [
    { key: 'reg', label: 'Regulariser', type: 'enum', default: 'wavelet', choices: [{ value: 'wavelet', label: 'Wavelet' }, { value: 'tv', label: 'TV' }] },
    { key: 'lambda', label: 'λ', type: 'number', default: 0.01, min: 1e-6, max: 1, log: true },
    { key: 'iterations', label: 'Iterations', type: 'integer', default: 50, min: 1, max: 1000 },
    { key: 'tvIso', label: 'Isotropic TV', type: 'boolean', default: true, visibleWhen: { key: 'reg', values: ['tv'] } },
    { key: 'levels', label: 'Levels', type: 'integer', default: 4, min: 1, max: 8, advanced: true, visibleWhen: { key: 'reg', values: ['wavelet'] } },
  ],
  presets: [{ id: 'fast', label: 'Fast', values: { iterations: 10, lambda: 0.05 } }],
});

const field = (key: string) => {
  const f = cs.options.find((o) => o.key === key);
  if (!f) throw new Error(key);
  return f;
};

describe('method options', () => {
  it('starts from the schema defaults', () => {
    expect(defaultDrafts(cs)).toEqual({ reg: 'wavelet', lambda: '0.01', iterations: '50', tvIso: true, levels: '4' });
    expect(toValues(cs, defaultDrafts(cs))).toEqual({ reg: 'wavelet', lambda: 0.01, iterations: 50, tvIso: true, levels: 4 });
  });

  it('flags bad values in words', () => {
    expect(parseDraft(field('lambda'), '')).toEqual({ error: 'a value is required' });
    expect(parseDraft(field('lambda'), '1e-')).toEqual({ error: '"1e-" is not a number' });
    expect(parseDraft(field('lambda'), '2')).toEqual({ error: 'must be at most 1' });
    expect(parseDraft(field('iterations'), '2.5')).toEqual({ error: 'must be a whole number' });
    expect(parseDraft(field('iterations'), '0')).toEqual({ error: 'must be at least 1' });
    expect(parseDraft(field('lambda'), '1e-3')).toEqual({ value: 0.001 });
  });

  it('follows visibleWhen and validates only what is shown', () => {
    const d = { ...defaultDrafts(cs), levels: 'x' };
    expect(isVisible(cs, field('tvIso'), d)).toBe(false);
    expect(validate(cs, d)).toEqual({ levels: '"x" is not a number' });
    const tv = { ...d, reg: 'tv' };
    expect(isVisible(cs, field('tvIso'), tv)).toBe(true);
    expect(isVisible(cs, field('levels'), tv)).toBe(false);
    expect(validate(cs, tv)).toEqual({});
    // the hidden invalid field travels at its default
    expect(toValues(cs, tv).levels).toBe(4);
  });

  it('applies a preset over the current values', () => {
    const d = applyPreset(cs, { ...defaultDrafts(cs), reg: 'tv' }, 'fast');
    expect(d).toMatchObject({ reg: 'tv', iterations: '10', lambda: '0.05' });
    expect(applyPreset(cs, d, 'missing')).toBe(d);
  });

  it('steps log-scale numbers by decades within bounds', () => {
    expect(stepLog(field('lambda'), '0.01', 1)).toBe('0.1');
    expect(stepLog(field('lambda'), '0.5', 1)).toBe('1');
    expect(stepLog(field('lambda'), '1e-5', -1)).toBe('1e-6');
    expect(stepLog(field('lambda'), 'junk', -1)).toBe('0.001');
  });

  it('formats numbers without float noise', () => {
    expect(formatNumber(0.1 + 0.2)).toBe('0.3');
    expect(formatNumber(0.00005)).toBe('5e-5');
    expect(formatNumber(250)).toBe('250');
  });
});
