/** `recon-studio batch`: many inputs x methods x accelerations, exported in several formats. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { COLORMAPS, type Colormap } from '../engine/export/display';
import { DEFAULT_TEMPLATE, FORMATS, parseShard, validateTemplate, type Shard } from '../engine/jobs/batch-plan';
import { runBatch } from '../engine/jobs/batch';
import { methods } from '../engine/recon';
import { numberFlag, parse, UsageError } from './args';
import type { CliIo } from './io';
import { ACQUISITION_OPTIONS, CS_OPTIONS, reconSpecFromArgs } from './recon';
import { resolveInput } from './samples';

export const BATCH_HELP = `usage: recon-studio batch --input DIR|FILE [--input ...] --out DIR [options]

Reconstructs every input with every method at every acceleration and exports
the results. Each job goes to its own folder (--template), written to a hidden
staging folder and renamed into place when complete; a rerun skips finished
jobs (recorded with file hashes in OUT/.recon-batch/).

  --input P               a scan file or DICOM folder; repeatable. A folder that holds
                          scan files (*.nii, *.nii.gz, *.cfl, *.h5) and no DICOM uses each of them
  --methods A,B           ${Object.keys(methods).join(', ')} (default zero-filled)
  --accel R1,R2           accelerations (default 4)
  --format F1,F2          ${FORMATS.join(', ')} (default png16,metrics)
  --out DIR               output folder (created; existing job folders are kept)
  --template T            job folder template (default ${DEFAULT_TEMPLATE});
                          fields {patient} {study} {series} {input} {method} {accel};
                          must contain {method}, {accel} and {input} or {series}
  --shard i/n             run only jobs i, i+n, i+2n... of the sorted job list
  --anonymize             PS3.15 Basic Profile subset on DICOM output; pseudonymous folder names
  --overwrite             replace job folders that exist (never the inputs)
  --colormap grey|viridis png8/montage colormap (default grey)
  --window C,W            png8 window centre,width (default 0..99.5th percentile)
  --no-labels             png8 without burned-in labels
  --slices A:B, --mask, --center-fraction, --calib, --seed, --coils, --snr, --no-phase,
  --combine, --reg, --lambda, --solver, --iters, --wavelet, --tv, --lr
                          as for recon; the CS flags apply to the cs jobs only
  --quiet                 no progress on stderr

Prints a JSON summary on stdout. Exit codes: 0 every job written or already done,
2 bad argument or input (nothing run), 3 some jobs failed (the others are written;
see "jobs" in the summary; rerun to retry), 130 cancelled (finished jobs kept,
nothing half-written), 1 internal error.`;

const OPTIONS = {
  input: { type: 'string', multiple: true },
  methods: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  template: { type: 'string' },
  shard: { type: 'string' },
  anonymize: { type: 'boolean' },
  overwrite: { type: 'boolean' },
  colormap: { type: 'string' },
  window: { type: 'string' },
  'no-labels': { type: 'boolean' },
  slices: { type: 'string' },
  ...ACQUISITION_OPTIONS,
  ...CS_OPTIONS,
  combine: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const SCAN_FILE = /\.(nii|nii\.gz|cfl|h5)$/i;

/** A folder of scan files (not DICOM) expands to its files; anything else is one input. */
function expandInputs(raw: string[]): string[] {
  const out: string[] = [];
  for (const r of raw) {
    const p = resolveInput(r);
    if (!existsSync(p)) throw new UsageError(`--input: "${r}" does not exist`);
    if (statSync(p).isDirectory()) {
      const names = readdirSync(p).sort();
      const scans = names.filter((n) => SCAN_FILE.test(n));
      if (scans.length && !names.some((n) => /\.dcm$/i.test(n) || n === 'DICOMDIR')) {
        out.push(...scans.map((n) => join(p, n)));
        continue;
      }
    }
    out.push(p);
  }
  return out;
}

function list(flag: string, raw: string | boolean | undefined, fallback: string): string[] {
  const v = raw === undefined ? fallback : raw;
  if (typeof v !== 'string') throw new UsageError(`--${flag} needs a comma-separated list`);
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (!items.length) throw new UsageError(`--${flag} is empty`);
  return items;
}

export async function batchCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS);
  if (values.help) {
    io.out(BATCH_HELP);
    return 0;
  }
  if (positionals.length) throw new UsageError(`batch takes inputs with --input, not "${positionals[0]}"`);
  const rawInputs = (values as Record<string, unknown>).input as string[] | undefined;
  if (!rawInputs?.length) throw new UsageError('--input is required (a file or folder; repeatable)');
  const out = values.out;
  if (typeof out !== 'string' || !out) throw new UsageError('--out DIR is required');
  const methodList = list('methods', values.methods, 'zero-filled');
  for (const m of methodList) if (!methods[m]) throw new UsageError(`--methods: unknown method "${m}" (available: ${Object.keys(methods).join(', ')})`);
  const accels = list('accel', values.accel, '4').map((a) => numberFlag('accel', a, { gt: 1 })!);
  const formats = list('format', values.format, 'png16,metrics');
  for (const f of formats) if (!(FORMATS as readonly string[]).includes(f)) throw new UsageError(`--format: unknown format "${f}" (available: ${FORMATS.join(', ')})`);
  const template = typeof values.template === 'string' ? values.template : DEFAULT_TEMPLATE;
  let shard: Shard | undefined;
  try {
    validateTemplate(template);
    if (typeof values.shard === 'string') shard = parseShard(values.shard);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const colormap = values.colormap ?? 'grey';
  if (typeof colormap !== 'string' || !(COLORMAPS as readonly string[]).includes(colormap)) throw new UsageError(`--colormap must be ${COLORMAPS.join(' or ')}, got "${String(colormap)}"`);
  let window: { center: number; width: number } | undefined;
  if (values.window !== undefined) {
    const [c, w] = String(values.window).split(',').map(Number);
    if (!Number.isFinite(c) || !Number.isFinite(w) || !(w! > 0)) throw new UsageError(`--window must be CENTRE,WIDTH with width > 0, got "${String(values.window)}"`);
    window = { center: c!, width: w! };
  }
  const inputs = expandInputs(rawInputs);
  // Validate the recon flags once (every job uses the same ones), with each method for the CS-only check.
  const csGiven = ['reg', 'lambda', 'solver', 'iters', 'wavelet', 'tv', 'lr'].some((f) => values[f] !== undefined);
  if (csGiven && !methodList.includes('cs')) throw new UsageError('CS flags (--lambda, --iters, ...) need cs in --methods');
  const specFor = (input: string, method: string, accel: number) => {
    const v: Record<string, string | boolean | undefined> = { ...values, method, accel: String(accel), out };
    if (method !== 'cs') for (const f of ['reg', 'lambda', 'solver', 'iters', 'wavelet', 'tv', 'lr']) delete v[f];
    delete v.input;
    return reconSpecFromArgs(v, input).spec;
  };
  for (const m of methodList) specFor(inputs[0]!, m, accels[0]!);
  const quiet = Boolean(values.quiet);
  const summary = await runBatch(
    {
      inputs,
      methods: methodList,
      accels,
      formats,
      out,
      template,
      makeSpec: (j) => specFor(j.input, j.method, j.accel),
      ...(shard ? { shard } : {}),
      overwrite: Boolean(values.overwrite),
      anonymize: Boolean(values.anonymize),
      colormap: colormap as Colormap,
      ...(window ? { window } : {}),
      labels: !values['no-labels'],
    },
    {
      ...(io.signal ? { signal: io.signal } : {}),
      onProgress: (p) => {
        if (quiet || p.status === 'running') return;
        io.err(`recon-studio: [${p.done}/${p.total}] ${p.status} ${p.key}${p.message ? `: ${p.message}` : ''}`);
      },
    },
  );
  io.out(JSON.stringify(summary, null, 2));
  if (summary.cancelled) {
    io.err('recon-studio: cancelled; finished jobs are kept, nothing half-written');
    return 130;
  }
  return summary.failed ? 3 : 0;
}
