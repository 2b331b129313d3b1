/**
 * Batch planning: inputs x methods x accelerations -> a sorted, deterministic
 * job list; shards take every n-th job so array jobs (Slurm, Kubernetes)
 * split the work with no overlap and no gap. Output folders come from a
 * template whose fields are sanitised, so no value can escape the output
 * folder or carry characters a filesystem refuses.
 */
import { basename } from 'node:path';

export const FORMATS = ['png16', 'tiff16', 'tiff32', 'png8', 'dicom', 'nifti', 'montage', 'metrics'] as const;
export type ExportFormat = (typeof FORMATS)[number];

export const DEFAULT_TEMPLATE = '{patient}/{series}/{method}/x{accel}';
const FIELDS = ['patient', 'series', 'input', 'method', 'accel', 'study'] as const;
export type TemplateField = (typeof FIELDS)[number];

export interface BatchJob {
  /** Stable identity: input|method|accel (sorted on this). */
  key: string;
  input: string;
  /** Sanitised, disambiguated input name for {input}. */
  inputName: string;
  method: string;
  accel: number;
}

export interface Shard {
  index: number;
  count: number;
}

export function parseShard(raw: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(raw.trim());
  if (!m) throw new RangeError(`--shard must look like i/n (e.g. 0/4), got "${raw}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new RangeError(`--shard ${raw}: need 0 <= i < n`);
  return { index, count };
}

/** Keeps letters, digits, dot, dash, underscore; no leading dot (no "..", no hidden files); at most 80 chars. */
export function sanitizeComponent(value: string): string {
  const s = value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // drop accents, keep the letters
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .replace(/_+$/, '')
    .slice(0, 80);
  return s || '_';
}

export function validateTemplate(template: string): void {
  if (template.startsWith('/') || template.includes('\\') || /^[A-Za-z]:/.test(template)) throw new RangeError(`--template "${template}": must be a relative path with "/" separators`);
  for (const seg of template.split('/')) {
    if (seg === '' || seg === '.' || seg === '..') throw new RangeError(`--template "${template}": empty, "." or ".." path segment`);
  }
  for (const m of template.matchAll(/\{([^}]*)\}/g)) {
    if (!(FIELDS as readonly string[]).includes(m[1]!)) throw new RangeError(`--template: unknown field {${m[1]}} (fields: ${FIELDS.map((f) => `{${f}}`).join(' ')})`);
  }
  if (/[{}]/.test(template.replace(/\{[a-z]+\}/g, ''))) throw new RangeError(`--template "${template}": unbalanced braces`);
  // Jobs differ by method and accel, so both must be in the path or folders collide.
  for (const need of ['method', 'accel'] as const) {
    if (!template.includes(`{${need}}`)) throw new RangeError(`--template "${template}": must contain {${need}} so every job gets its own folder`);
  }
  if (!/\{(input|series)\}/.test(template)) throw new RangeError(`--template "${template}": must contain {input} or {series} so inputs do not collide`);
}

export function renderTemplate(template: string, values: Record<TemplateField, string>): string {
  return template
    .split('/')
    .map((seg) => sanitizeComponent(seg.replace(/\{([a-z]+)\}/g, (_, f: TemplateField) => values[f] ?? '')))
    .join('/');
}

export function accelLabel(accel: number): string {
  return String(accel).replace('.', 'p');
}

export function planBatch(inputs: string[], methods: string[], accels: number[], shard?: Shard): { all: BatchJob[]; mine: BatchJob[] } {
  const uniqueInputs = [...new Set(inputs)].sort();
  // Two inputs with one basename (a/scan.nii, b/scan.nii) get -2, -3... in sorted order: deterministic across shards.
  const names = new Map<string, string>();
  const used = new Map<string, number>();
  for (const inp of uniqueInputs) {
    const base = sanitizeComponent(basename(inp).replace(/\.(nii\.gz|nii|cfl|hdr|h5|dcm)$/i, ''));
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    names.set(inp, n === 1 ? base : `${base}-${n}`);
  }
  const all: BatchJob[] = [];
  for (const input of uniqueInputs) {
    for (const method of [...new Set(methods)].sort()) {
      for (const accel of [...new Set(accels)].sort((a, b) => a - b)) {
        all.push({ key: `${input}|${method}|${accel}`, input, inputName: names.get(input)!, method, accel });
      }
    }
  }
  const mine = shard ? all.filter((_, i) => i % shard.count === shard.index) : all;
  return { all, mine };
}
