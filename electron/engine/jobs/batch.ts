/**
 * Batch run: plan (batch-plan.ts) -> for each of this shard's jobs, prepare,
 * reconstruct, export into a staged folder, rename it into place and record
 * it in the manifest (.recon-batch/done/<hash>.json, with file hashes). A rerun
 * skips a job whose record and files are intact; an existing folder without
 * a record is never replaced unless overwrite is set. A cancel or crash leaves
 * only finished jobs and, at worst, hidden staging folders that the next run
 * removes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { StagedDir, writeFileAtomic } from '../export/atomic';
import { exportJob, type JobExport } from '../export/job-export';
import { encodeMontage, type MontageTile } from '../export/montage';
import type { Colormap, Window } from '../export/display';
import { UidMap } from '../export/uid';
import { ReconCancelled } from '../recon';
import { accelLabel, planBatch, renderTemplate, type BatchJob, type Shard } from './batch-plan';
import { executeReconJob, prepareReconJob, type ReconJobSpec } from './recon-job';
import { sha256Hex } from './provenance';

export interface BatchSpec {
  inputs: string[];
  methods: string[];
  accels: number[];
  formats: string[];
  out: string;
  template: string;
  /** Builds the recon spec of one job (mask, seed, options: the CLI's flags). */
  makeSpec: (job: BatchJob) => ReconJobSpec;
  shard?: Shard;
  overwrite?: boolean;
  anonymize?: boolean;
  colormap?: Colormap;
  window?: Window;
  labels?: boolean;
}

export type JobStatus = 'written' | 'skipped' | 'failed';

export interface JobOutcome {
  key: string;
  status: JobStatus;
  dir?: string;
  files?: number;
  images?: number;
  seconds?: number;
  error?: string;
  psnr?: number;
  ssim?: number;
}

export interface BatchSummary {
  out: string;
  shard: Shard;
  planned: number;
  jobs: JobOutcome[];
  written: number;
  skipped: number;
  failed: number;
  images: number;
  files: string[];
  seconds: number;
  cancelled: boolean;
}

export interface BatchProgress {
  done: number;
  total: number;
  key: string;
  status: JobStatus | 'running';
  message?: string;
}

const MANIFEST = '.recon-batch';

function keyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 24);
}

/** One key per output folder for consistent anonymisation across shards and reruns: created once, never replaced. */
function anonKey(out: string): Buffer {
  const path = join(out, MANIFEST, 'anon-key');
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    writeFileSync(tmp, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
    try {
      linkSync(tmp, path); // fails if another shard won the race; then its key is used
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  return Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
}

interface DoneRecord {
  key: string;
  dir: string;
  files: Array<{ path: string; sha256: string; bytes: number }>;
}

function intact(out: string, rec: DoneRecord): boolean {
  return rec.files.every((f) => {
    const p = join(out, rec.dir, f.path);
    return existsSync(p) && sha256Hex(readFileSync(p)) === f.sha256;
  });
}

/** Removes hidden staging folders left beside `target` by a killed run. */
function removeStale(target: string): void {
  const parent = dirname(target);
  if (!existsSync(parent)) return;
  const prefix = `.${basename(target)}.staging-`;
  for (const n of readdirSync(parent)) if (n.startsWith(prefix)) rmSync(join(parent, n), { recursive: true, force: true });
}

/** One CSV over all of this shard's jobs (input, method, accel, slice, metrics), read from each job's metrics.json. */
function writeMetricsTable(out: string, summary: BatchSummary, jobs: BatchJob[], shard: Shard): void {
  const rows = ['input,method,accel,slice,nmse,psnr,ssim'];
  const byKey = new Map(jobs.map((j) => [j.key, j]));
  for (const o of summary.jobs) {
    const j = byKey.get(o.key);
    const file = o.dir ? join(out, o.dir, 'metrics.json') : '';
    if (!j || !file || !existsSync(file)) continue;
    const m = JSON.parse(readFileSync(file, 'utf8')) as { acceleration?: number; perSlice?: Array<{ slice: number; nmse: number; psnr: number; ssim: number }> };
    for (const r of m.perSlice ?? []) rows.push([j.inputName, j.method, j.accel, r.slice, r.nmse, r.psnr, r.ssim].join(','));
  }
  if (rows.length > 1) writeFileAtomic(join(out, shard.count > 1 ? `metrics-shard${shard.index}of${shard.count}.csv` : 'metrics.csv'), rows.join('\n') + '\n', { overwrite: true });
}

export async function runBatch(spec: BatchSpec, ctx: { signal?: AbortSignal; onProgress?: (p: BatchProgress) => void } = {}): Promise<BatchSummary> {
  const t0 = Date.now();
  const out = resolve(spec.out);
  const shard = spec.shard ?? { index: 0, count: 1 };
  const { mine } = planBatch(spec.inputs, spec.methods, spec.accels, shard);
  const formats = new Set(spec.formats);
  const uids = new UidMap(anonKey(out));
  const summary: BatchSummary = { out, shard, planned: mine.length, jobs: [], written: 0, skipped: 0, failed: 0, images: 0, files: [], seconds: 0, cancelled: false };
  const dirs = new Map<string, string>();
  const montage = new Map<string, { tiles: MontageTile[]; dir: string }>();
  const progress = (key: string, status: BatchProgress['status'], message?: string) =>
    ctx.onProgress?.({ done: summary.jobs.length, total: mine.length, key, status, ...(message ? { message } : {}) });
  for (const job of mine) {
    if (ctx.signal?.aborted) {
      summary.cancelled = true;
      break;
    }
    const started = Date.now();
    const recordPath = join(out, MANIFEST, 'done', `${keyHash(job.key)}.json`);
    progress(job.key, 'running');
    try {
      if (existsSync(recordPath) && !spec.overwrite) {
        const rec = JSON.parse(readFileSync(recordPath, 'utf8')) as DoneRecord;
        if (rec.key === job.key && intact(out, rec)) {
          summary.jobs.push({ key: job.key, status: 'skipped', dir: rec.dir, files: rec.files.length });
          summary.skipped++;
          progress(job.key, 'skipped', 'already done');
          continue;
        }
      }
      const rspec = spec.makeSpec(job);
      const prepared = await prepareReconJob(rspec);
      if (prepared.volume.kind === 'kspace' && rspec.acquisition && !rspec.maskFile) {
        // k-space keeps its own sampling: one job per input and method, not one per acceleration.
        if (job.accel !== Math.min(...spec.accels)) {
          summary.jobs.push({ key: job.key, status: 'skipped', error: 'k-space input keeps its own sampling; one acceleration only' });
          summary.skipped++;
          continue;
        }
        delete rspec.acquisition;
      }
      const result = await executeReconJob(prepared, ctx.signal ? { signal: ctx.signal } : {});
      const meta = result.volume.meta;
      const pseudonym = `ANON-${uids.map(`patient:${meta.PatientID ?? job.input}`).slice(-10)}`;
      const fields = {
        patient: spec.anonymize ? pseudonym : String(meta.PatientID || meta.PatientName || job.inputName),
        study: spec.anonymize ? `ST${uids.map(`study:${meta.StudyInstanceUID ?? job.input}`).slice(-8)}` : String(meta.StudyDate || meta.StudyInstanceUID || job.inputName),
        series: spec.anonymize
          ? `SE${uids.map(`series:${meta.SeriesInstanceUID ?? job.input}`).slice(-8)}`
          : meta.SeriesInstanceUID
            ? `${meta.SeriesNumber ?? ''}_${meta.SeriesDescription ?? 'series'}`
            : job.inputName,
        input: job.inputName,
        method: job.method,
        accel: accelLabel(job.accel),
      };
      const dir = renderTemplate(spec.template, fields);
      const clash = dirs.get(dir);
      if (clash && clash !== job.key) throw new RangeError(`template "${spec.template}" gives "${dir}" for both ${clash} and ${job.key}; add {input} to the template`);
      dirs.set(dir, job.key);
      const target = join(out, dir);
      removeStale(target);
      const staged = new StagedDir(target, { overwrite: Boolean(spec.overwrite) });
      let exp: JobExport;
      try {
        exp = await exportJob(result, staged, {
          formats,
          labels: spec.labels ?? true,
          ...(spec.colormap ? { colormap: spec.colormap } : {}),
          ...(spec.window ? { window: spec.window } : {}),
          ...(spec.anonymize ? { anonymize: { uids, pseudonym } } : {}),
          studyUid: uids.map(`synthetic-study:${job.input}`),
          frameOfReferenceUid: uids.map(`synthetic-for:${job.input}`),
          seriesNumber: 9000 + spec.methods.slice().sort().indexOf(job.method) * 10 + spec.accels.slice().sort((a, b) => a - b).indexOf(job.accel),
        });
        if (ctx.signal?.aborted) throw new ReconCancelled();
        staged.commit();
      } catch (e) {
        staged.abort();
        throw e;
      }
      writeFileAtomic(recordPath, JSON.stringify({ key: job.key, dir, files: exp.files } satisfies DoneRecord) + '\n', { overwrite: true });
      if (exp.tiles.length) {
        const gkey = `${job.inputName}|${job.accel}`;
        const g = montage.get(gkey) ?? { tiles: [], dir: dirname(dirname(dir)) === '.' ? '' : dirname(dirname(dir)) };
        g.tiles.push(...exp.tiles);
        montage.set(gkey, g);
      }
      summary.jobs.push({
        key: job.key,
        status: 'written',
        dir,
        files: exp.files.length,
        images: exp.images,
        seconds: (Date.now() - started) / 1000,
        ...(result.metrics ? { psnr: result.metrics.volume.psnr, ssim: result.metrics.volume.ssim } : {}),
      });
      summary.written++;
      summary.images += exp.images;
      summary.files.push(...exp.files.map((f) => join(dir, f.path)));
      progress(job.key, 'written');
    } catch (e) {
      if (e instanceof ReconCancelled || (e as Error)?.name === 'AbortError') {
        summary.cancelled = true;
        break;
      }
      summary.jobs.push({ key: job.key, status: 'failed', error: e instanceof Error ? e.message : String(e) });
      summary.failed++;
      progress(job.key, 'failed', e instanceof Error ? e.message : String(e));
    }
  }
  if (!summary.cancelled) {
    writeMetricsTable(out, summary, mine, shard);
    for (const [gkey, g] of montage) {
      const [name, accel] = gkey.split('|') as [string, string];
      const rel = join(g.dir, `montage_${name}_x${accelLabel(Number(accel))}${shard.count > 1 ? `_shard${shard.index}of${shard.count}` : ''}.png`);
      writeFileAtomic(join(out, rel), await encodeMontage(g.tiles, spec.colormap ? { colormap: spec.colormap } : {}), { overwrite: true });
      summary.files.push(rel);
    }
  }
  summary.seconds = (Date.now() - t0) / 1000;
  const name = shard.count > 1 ? `summary-shard${shard.index}of${shard.count}.json` : 'summary.json';
  writeFileAtomic(join(out, MANIFEST, name), JSON.stringify(summary, null, 2) + '\n', { overwrite: true });
  return summary;
}
