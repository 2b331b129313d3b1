import { describe, expect, it } from 'vitest';
import { parseShard, planBatch, renderTemplate, sanitizeComponent, validateTemplate, DEFAULT_TEMPLATE } from './batch-plan';

describe('batch planning', () => {
  const inputs = ['/d/b/scan.nii.gz', '/d/a/scan.nii.gz', '/d/c.nii', '/d/a/scan.nii.gz'];
  const methods = ['cs', 'zero-filled', 'cs'];
  const accels = [8, 4, 6];

  it('the job list is sorted, de-duplicated and the same whatever the argument order', () => {
    const a = planBatch(inputs, methods, accels).all.map((j) => j.key);
    const b = planBatch([...inputs].reverse(), [...methods].reverse(), [...accels].reverse()).all.map((j) => j.key);
    expect(a).toEqual(b);
    expect(a).toHaveLength(3 * 2 * 3);
    expect(new Set(a).size).toBe(a.length);
  });

  it('shards 0..n-1 together cover every job exactly once, for several n', () => {
    for (const n of [1, 2, 3, 5, 7, 18, 25]) {
      const all = planBatch(inputs, methods, accels).all.map((j) => j.key);
      const seen: string[] = [];
      for (let i = 0; i < n; i++) seen.push(...planBatch(inputs, methods, accels, { index: i, count: n }).mine.map((j) => j.key));
      expect(seen.sort()).toEqual([...all].sort());
    }
  });

  it('inputs sharing a file name get distinct, deterministic names', () => {
    const names = [...new Set(planBatch(inputs, ['cs'], [4]).all.map((j) => `${j.input}=${j.inputName}`))];
    expect(names).toEqual(['/d/a/scan.nii.gz=scan', '/d/b/scan.nii.gz=scan-2', '/d/c.nii=c']);
  });

  it('parses i/n and refuses bad shards', () => {
    expect(parseShard('2/5')).toEqual({ index: 2, count: 5 });
    for (const bad of ['5/5', '1/0', 'a/b', '-1/3', '1']) expect(() => parseShard(bad)).toThrow(/shard/);
  });
});

describe('output templates', () => {
  it('field values cannot escape the output folder or carry illegal characters', () => {
    const dir = renderTemplate(DEFAULT_TEMPLATE, { patient: '../../etc', study: '', series: 'T1 <ax>: "a|b"?*', input: 'x', method: 'cs', accel: '4' });
    expect(dir).toBe('etc/T1_ax_a_b/cs/x4');
    expect(sanitizeComponent('..')).toBe('_');
    expect(sanitizeComponent('.hidden')).toBe('hidden');
    expect(sanitizeComponent('a/b\\c\0d')).toBe('a_b_c_d');
    expect(sanitizeComponent('Ünïcödé name')).toBe('Unicode_name');
    expect(sanitizeComponent('x'.repeat(300))).toHaveLength(80);
  });

  it('refuses templates that escape, are absolute, use unknown fields or would collide', () => {
    expect(() => validateTemplate(DEFAULT_TEMPLATE)).not.toThrow();
    expect(() => validateTemplate('{input}/{method}_{accel}')).not.toThrow();
    expect(() => validateTemplate('../{input}/{method}/{accel}')).toThrow(/"\.\."/);
    expect(() => validateTemplate('/abs/{input}/{method}/{accel}')).toThrow(/relative/);
    expect(() => validateTemplate('{input}/{methd}/{accel}')).toThrow(/unknown field \{methd\}/);
    expect(() => validateTemplate('{input}/{method}')).toThrow(/\{accel\}/);
    expect(() => validateTemplate('{patient}/{method}/{accel}')).toThrow(/\{input\} or \{series\}/);
    expect(() => validateTemplate('{input}/{method}/{accel')).toThrow(/brace/);
  });
});
