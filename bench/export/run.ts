/**
 * Export throughput: 200 real slices x 3 methods written as 16-bit PNG and as
 * a derived DICOM series, timing the export alone (the reconstructions run
 * first and are not counted). Prints slices/s per format.
 *
 *   npx tsx bench/export/run.ts [--input FILE] [--slices A:B] [--iters N]
 *
 * Default input: Colin27 at 0.5 mm (Debian mricron-data ch2better.nii.gz),
 * axial slices 58:258 (200 slices of 370x301).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StagedDir } from '../../electron/engine/export/atomic';
import { exportJob } from '../../electron/engine/export/job-export';
import { runReconJob } from '../../electron/engine/jobs/recon-job';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const input = arg('input', '/usr/share/mricron/templates/ch2better.nii.gz');
const [a, b] = arg('slices', '58:258').split(':').map(Number) as [number, number];
const iters = Number(arg('iters', '5'));
const methods: Array<{ label: string; method: string; options: Record<string, unknown> }> = [
  { label: 'zero-filled', method: 'zero-filled', options: {} },
  { label: 'cs-wavelet', method: 'cs', options: { reg: 'wavelet', solver: 'fista', iters, lambda: 0.005 } },
  { label: 'cs-tv', method: 'cs', options: { reg: 'tv', solver: 'pdhg', iters, lambda: 0.003 } },
];

async function main(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'bench-export-'));
  const rows: Array<{ format: string; slices: number; seconds: number; perSecond: number }> = [];
  try {
    const jobs = [];
    for (const m of methods) {
      const t = performance.now();
      jobs.push({
        label: m.label,
        job: await runReconJob({
          input,
          slices: [a, b],
          method: m.method,
          options: m.options,
          acquisition: { mask: { kind: 'equispaced-fraction', accel: 4, centerFraction: 0.08, seed: 1 }, coils: 1, seed: 1 },
        }),
      });
      process.stderr.write(`recon ${m.label}: ${((performance.now() - t) / 1000).toFixed(1)} s (not counted)\n`);
    }
    for (const format of ['png16', 'dicom']) {
      let seconds = 0;
      let slices = 0;
      for (const { label, job } of jobs) {
        const staged = new StagedDir(join(out, `${format}-${label}`));
        const t = performance.now();
        const r = await exportJob(job, staged, { formats: new Set([format]) });
        staged.commit();
        seconds += (performance.now() - t) / 1000;
        slices += r.images;
      }
      rows.push({ format, slices, seconds, perSecond: slices / seconds });
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  console.log(`export of ${b - a} slices x ${methods.length} methods from ${input}`);
  console.log('format   slices  seconds  slices/s');
  for (const r of rows) console.log(`${r.format.padEnd(8)} ${String(r.slices).padStart(6)} ${r.seconds.toFixed(2).padStart(8)} ${r.perSecond.toFixed(1).padStart(9)}`);
  console.log(`RESULT ${JSON.stringify({ bench: 'export', rows })}`);
}

main().catch((e: unknown) => {
  console.error(`bench/export: ${(e as Error).message}`);
  process.exitCode = 1;
});
