/**
 * The workspace service behind electron/contracts/workspace.ts: the datasets
 * the user opened (kept in memory), the job queue, results, convergence
 * histories and previews. Transport-free: index.ts feeds it validated calls
 * and forwards its events to every connected client.
 *
 * Index conventions the renderer relies on:
 *  - dataset slices are 0-based indices into the dataset's volume;
 *  - a job reconstructs the half-open range job.slices = [a, b) of its dataset,
 *    and `slice({kind:'result'})`, preview events and metrics.perSlice[].slice
 *    all use DATASET indices (a <= index < b), so synced viewports can use one
 *    index for the reference and every result.
 */
import { mkdtemp, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, sep } from 'node:path';
import type {
  Acquisition, AcquisitionPreview, DatasetInfo, HistoryRow, ImageRef, JobInfo, MethodInfo, OpenResult, OptionField,
  OptionValues, SliceImage, WorkspaceEvent, WorkspaceMethod, CallParams, CallResult,
} from '../contracts/workspace';
import type { ImageVolume, RTensor, Volume } from '../engine/array';
import { simulate } from '../engine/acquire';
import { fft2cBatch } from '../engine/fft';
import { listDicomSeries, loadVolume } from '../engine/io';
import { walkFiles } from '../engine/io/dicom-scan';
import { installedModels, modelChoiceHint, modelsRoot } from '../engine/learned/manifest';
import { methods, type HistoryEntry, type OptionFieldSpec, type ReconMethod } from '../engine/recon';
import { learnedOptionFields } from '../engine/recon/describe';
import { executeReconJob, prepareLoadedJob, type ReconJobSpec } from '../engine/jobs/recon-job';
import { subGeometry } from '../engine/export/job-export';
import { encodeNifti } from '../engine/export/nifti-writer';
import { sanitizeComponent } from '../engine/jobs/batch-plan';
import { JobQueue, type QueuedJob } from '../engine/jobs/queue';
import { makeMask, maskFromData, maskFromKSpace, type Mask, type MaskSpec } from '../engine/sampling';
import { ENGINE_VERSION } from '../engine/version';

/** A job's σ map, or an error saying why it has none. */
function uncertaintyOf(job: QueuedJob<JobSpec, JobOutput>): NonNullable<JobOutput['uncertainty']> {
  const u = job.result?.uncertainty;
  if (!u) throw new RangeError(`job ${job.id} (${job.spec.label}) has no uncertainty map${job.result ? ': only sampling methods with 2 or more samples draw one' : ` yet (${job.state})`}`);
  return u;
}

export type WorkspaceListener = (event: WorkspaceEvent) => void;

interface Dataset {
  info: DatasetInfo;
  volume: Volume;
  /** What viewports show: [slice][y][x] (k-space: its reference, else the RSS of the zero-filled data). */
  display: RTensor;
  range: [number, number];
  /** The file's own sampling (k-space datasets). */
  fileMask?: Mask;
}

interface JobSpec {
  datasetId: string;
  acquisition: Acquisition;
  slices: [number, number];
  method: string;
  options: OptionValues;
  label: string;
}

interface JobOutput {
  image: RTensor;
  range: [number, number];
  /** Per-pixel SD over samples (sampling methods with samples > 1) and its display range. */
  uncertainty?: { image: RTensor; range: [number, number] };
  metrics?: JobInfo['metrics'];
  provenance: Record<string, unknown>;
  notes: string[];
  accel: number;
}

/** Per-job bookkeeping beside the queue's own state. */
interface JobExtras {
  history: HistoryRow[];
  pendingHistory: HistoryRow[];
  previews: Map<number, { image: Float32Array; ny: number; nx: number }>;
  lastProgressAt: number;
  progressTimer?: ReturnType<typeof setTimeout>;
  lastPreviewAt: number;
  previewTimer?: ReturnType<typeof setTimeout>;
  pendingPreview?: number;
  accel?: number;
}

const PROGRESS_INTERVAL_MS = 100; // <= 10 progress events per second per job
const PREVIEW_INTERVAL_MS = 250; // <= 4 previews per second per job
const HISTORY_INTERVAL_MS = 200;
const MAX_META = 40;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function rangeOf(data: Float32Array): [number, number] {
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min)) return [0, 0];
  return [min, max];
}

/** Root-sum-of-squares magnitude of the inverse FFT of every slice ([slice][coil][ky][kx] -> [slice][y][x]). */
function rssImage(kspace: Float32Array, slices: number, coils: number, ny: number, nx: number): Float32Array {
  const plane = ny * nx;
  const out = new Float32Array(slices * plane);
  const work = new Float32Array(2 * coils * plane);
  for (let s = 0; s < slices; s++) {
    fft2cBatch(kspace.subarray(2 * s * coils * plane, 2 * (s + 1) * coils * plane), coils, ny, nx, true, work);
    for (let p = 0; p < plane; p++) {
      let acc = 0;
      for (let c = 0; c < coils; c++) acc += work[2 * (c * plane + p)]! ** 2 + work[2 * (c * plane + p) + 1]! ** 2;
      out[s * plane + p] = Math.sqrt(acc);
    }
  }
  return out;
}

/** Area-average downsampling by an integer factor so that the larger side fits maxSize. */
function downsample(data: Float32Array, h: number, w: number, maxSize: number): { data: Float32Array; h: number; w: number; f: number } {
  const f = Math.ceil(Math.max(h, w) / maxSize);
  if (f <= 1) return { data, h, w, f: 1 };
  const oh = Math.ceil(h / f), ow = Math.ceil(w / f);
  const out = new Float32Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let acc = 0, n = 0;
      for (let yy = y * f; yy < Math.min(h, (y + 1) * f); yy++) {
        for (let xx = x * f; xx < Math.min(w, (x + 1) * f); xx++) { acc += data[yy * w + xx]!; n++; }
      }
      out[y * ow + x] = acc / n;
    }
  }
  return { data: out, h: oh, w: ow, f };
}

function maskSpecOf(acq: Extract<Acquisition, { mode: 'simulate' }>): MaskSpec {
  return acq.mask === 'poisson'
    ? { kind: 'poisson', accel: acq.accel, calib: acq.calib, seed: acq.seed }
    : { kind: acq.mask, accel: acq.accel, centerFraction: acq.centerFraction, seed: acq.seed };
}

/** Keeps only finite optional fields, so the rows pass the contract's `finite` checks. */
function historyRow(e: HistoryEntry): HistoryRow {
  const row: HistoryRow = { slice: e.slice, iteration: e.iteration, elapsedMs: Number.isFinite(e.elapsedMs) ? e.elapsedMs : 0 };
  for (const k of ['objective', 'residual', 'stepSize', 'psnr', 'ssim'] as const) {
    const v = e[k];
    if (typeof v === 'number' && Number.isFinite(v)) row[k] = v;
  }
  return row;
}

/** PSNR of identical images is +Infinity; the contract carries finite numbers only. */
const finiteOr = (v: number, fallback: number) => (Number.isFinite(v) ? v : fallback);

function displayMeta(volume: Volume): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(volume.meta)) {
    if (Object.keys(meta).length >= MAX_META) break;
    if (v === undefined || v === '') continue;
    if (typeof v === 'number' && !Number.isFinite(v)) continue;
    meta[k] = String(v).slice(0, 200);
  }
  return meta;
}

/** Unknown options, wrong types and out-of-range values, in words. */
export function validateOptions(method: string, fields: OptionField[], values: OptionValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const f = fields.find((x) => x.key === key);
    if (!f) throw new RangeError(`${method}: unknown option "${key}" (known: ${fields.map((x) => x.key).join(', ') || 'none'})`);
    const what = `${method}: option "${key}" (${f.label})`;
    switch (f.type) {
      case 'number':
      case 'integer':
        if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`${what} must be a number, got ${JSON.stringify(value)}`);
        if (f.type === 'integer' && !Number.isInteger(value)) throw new RangeError(`${what} must be a whole number, got ${value}`);
        if (f.min !== undefined && value < f.min) throw new RangeError(`${what} must be at least ${f.min}, got ${value}`);
        if (f.max !== undefined && value > f.max) throw new RangeError(`${what} must be at most ${f.max}, got ${value}`);
        break;
      case 'boolean':
        if (typeof value !== 'boolean') throw new RangeError(`${what} must be true or false, got ${JSON.stringify(value)}`);
        break;
      case 'enum':
        if (!f.choices.some((c) => c.value === value)) throw new RangeError(`${what} must be one of ${f.choices.map((c) => c.value || '(default)').join(', ')}, got ${JSON.stringify(value)}`);
        break;
    }
    // An empty enum value means "the method's default" (e.g. learned providers).
    if (value !== '') out[key] = value;
  }
  return out;
}

/** Short human label, e.g. "CS · wavelet λ=0.01 · FISTA". */
function jobLabel(m: MethodInfo, opts: Record<string, unknown>): string {
  if (m.id === 'cs') {
    const reg = String(opts.reg ?? 'wavelet');
    const solver = String(opts.solver ?? 'auto');
    const solverName = solver === 'auto' ? (reg === 'wavelet' ? 'FISTA' : 'ADMM') : solver === 'pdhg' ? 'primal-dual' : ['fista', 'ista', 'admm', 'cg'].includes(solver) ? solver.toUpperCase() : solver;
    const lam = opts.lambda ?? 0.01;
    return `CS · ${reg === 'tv' ? 'TV' : 'wavelet'} λ=${lam} · ${solverName}${opts.iters !== undefined ? ` · ${opts.iters} it` : ''}`;
  }
  const extras = Object.entries(opts).map(([k, v]) => `${k}=${String(v)}`);
  return [m.label, ...extras].join(' · ');
}

/** The installed models of a learned method, as model-option choices with their hints (broken folders are not offered). */
function learnedModels(method: string): { choices: { value: string; hint: string }[]; root: string } {
  const root = modelsRoot();
  const choices = installedModels(root).flatMap(({ name, loaded }) =>
    loaded && (loaded.manifest.architecture ?? (name.startsWith(method) ? method : undefined)) === method ? [{ value: name, hint: modelChoiceHint(loaded.manifest) }] : []);
  return { choices, root };
}

/** The contract's MethodInfo for an engine method (descriptor, or inferred from its defaults). */
function describeMethod(m: ReconMethod<object>): MethodInfo {
  const defaults = m.defaults as Record<string, unknown>;
  const isLearned = m.family === 'learned' || typeof defaults.model === 'string';
  let fields: OptionFieldSpec[] | undefined = m.optionFields;
  let available = true;
  let unavailableReason: string | undefined;
  if (isLearned) {
    const { choices, root } = learnedModels(m.id);
    const models = choices.map((c) => c.value);
    // A trained model (folder named after the method) is the default over the smoke one.
    const def = models.includes(m.id) ? m.id : String(defaults.model ?? models[0] ?? m.id);
    // The model list is what is installed; the method's own fields (diffusion: steps, guidance, ...) stay.
    const own = (m.optionFields ?? []).filter((f) => f.key !== 'model' && f.key !== 'provider');
    fields = [...learnedOptionFields(models.includes(def) ? def : models[0] ?? def, models.length ? choices : [def]), ...own];
    if (models.length === 0) {
      available = false;
      unavailableReason = `no ${m.id} model found under ${root} (a folder with manifest.json and its .onnx file)`;
    }
  }
  if (!fields) {
    // No descriptor: offer the plain numeric and boolean defaults, so a new method is still usable.
    fields = [];
    for (const [key, v] of Object.entries(defaults)) {
      if (typeof v === 'number' && Number.isFinite(v)) fields.push({ key, label: key, type: Number.isInteger(v) ? 'integer' : 'number', default: v });
      else if (typeof v === 'boolean') fields.push({ key, label: key, type: 'boolean', default: v });
    }
  }
  return {
    id: m.id,
    label: m.label,
    description: m.description,
    family: m.family ?? (isLearned ? 'learned' : 'direct'),
    options: fields as OptionField[],
    presets: m.presets ?? [],
    available,
    ...(unavailableReason ? { unavailableReason } : {}),
  };
}

export class Workspace {
  private readonly datasets = new Map<string, Dataset>();
  private readonly extras = new Map<string, JobExtras>();
  private readonly queue: JobQueue<JobSpec, JobOutput>;
  private readonly listeners = new Set<WorkspaceListener>();
  private datasetCounter = 0;
  private methodCache: MethodInfo[] | undefined;
  private historyTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    this.queue = new JobQueue<JobSpec, JobOutput>(
      (spec, ctx, job) => this.runJob(spec, ctx.signal, (f, m) => ctx.progress(f, m), job),
      (event, job) => this.onQueueEvent(event, job),
    );
  }

  on(listener: WorkspaceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: WorkspaceEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A broken client must not stop the others (or the job).
      }
    }
  }

  /** Runs one validated call (params already parsed by the contract's schema). */
  async call<M extends WorkspaceMethod>(method: M, params: CallParams<M>): Promise<CallResult<M>> {
    return (await this.dispatch(method, params)) as CallResult<M>;
  }

  private async dispatch(method: WorkspaceMethod, params: unknown): Promise<unknown> {
    // The params were validated against this method's schema by parseCall.
    const p = <M extends WorkspaceMethod>(_m: M) => params as CallParams<M>;
    switch (method) {
      case 'info':
        return {
          name: 'Recon Studio',
          version: process.env.RECON_APP_VERSION || ENGINE_VERSION,
          engineVersion: ENGINE_VERSION,
          platform: process.platform,
          arch: process.arch,
          versions: {
            node: process.versions.node,
            ...(process.versions.electron ? { electron: process.versions.electron } : {}),
            ...(process.versions.chrome ? { chrome: process.versions.chrome } : {}),
          },
        };
      case 'methods':
        return this.methods();
      case 'open':
        return this.open(p('open').paths);
      case 'upload':
        return this.upload(p('upload').files);
      case 'datasets':
        return this.datasetList();
      case 'closeDataset':
        return { closed: this.closeDataset(p('closeDataset').datasetId) };
      case 'slice':
        {
        const q = p('slice');
        return this.slice(q.ref, q.index, q.maxSize);
      }
      case 'previewAcquisition':
        {
        const q = p('previewAcquisition');
        return this.previewAcquisition(q.datasetId, q.acquisition, q.index);
      }
      case 'submit':
        return this.submit(p('submit'));
      case 'jobs':
        return this.queue.list().map((j) => this.jobInfo(j));
      case 'cancel':
        return { cancelled: this.queue.cancel(p('cancel').jobId) };
      case 'retry': {
        const { jobId } = p('retry');
        if (!this.queue.get(jobId)) throw new RangeError(`no job "${jobId}"`);
        return { jobId: this.queue.retry(jobId).id };
      }
      case 'removeJob':
        return { removed: this.queue.remove(p('removeJob').jobId) };
      case 'history': {
        const { jobId } = p('history');
        const x = this.extras.get(jobId);
        if (!x) throw new RangeError(`no job "${jobId}"`);
        return [...x.history, ...x.pendingHistory];
      }
      case 'uncertaintyNifti':
        return this.uncertaintyNifti(p('uncertaintyNifti').jobId);
    }
  }

  /** The σ map of a sampling job through the engine's NIfTI writer, with the source volume's affine for its slices. */
  uncertaintyNifti(jobId: string): { name: string; data: ArrayBuffer } {
    const job = this.queue.get(jobId);
    if (!job) throw new RangeError(`no job "${jobId}"`);
    const u = uncertaintyOf(job);
    const d = this.datasets.get(job.spec.datasetId);
    if (!d) throw new RangeError(`job ${job.id}: its dataset was closed, so the map cannot be placed in space`);
    const [, h, w] = u.image.shape as [number, number, number];
    const geometry = subGeometry(d.volume.geometry, job.spec.slices[0], h, w, h, w);
    const bytes = encodeNifti(u.image, geometry, { gzip: false, description: `Recon Studio ${job.spec.label} SD map`.slice(0, 79) });
    return { name: `${sanitizeComponent(job.spec.label)}_sigma.nii`, data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer };
  }

  methods(): MethodInfo[] {
    this.methodCache ??= Object.values(methods).map(describeMethod);
    return this.methodCache;
  }

  datasetList(): DatasetInfo[] {
    return [...this.datasets.values()].map((d) => d.info);
  }

  // -------------------------------------------------------------------------
  // Datasets.

  private addDataset(volume: Volume, path: string, name: string, notes: string[]): DatasetInfo {
    const id = `ds-${++this.datasetCounter}`;
    let display: RTensor;
    let coils = 1, undersampled = false, fileAccel: number | undefined, fileMask: Mask | undefined;
    const allNotes = [...notes];
    if (volume.kind === 'image') {
      display = volume.image;
    } else {
      const [slices, c, ny, nx] = volume.kspace.shape as [number, number, number, number];
      coils = c;
      fileMask = volume.mask ? maskFromData(volume.mask.data, ny, nx) : maskFromKSpace(volume.kspace.data.subarray(0, 2 * c * ny * nx), c, ny, nx);
      undersampled = fileMask.accel > 1.01;
      if (undersampled) fileAccel = fileMask.accel;
      if (volume.reference) {
        display = volume.reference;
      } else {
        display = { shape: [slices, ny, nx], data: rssImage(volume.kspace.data, slices, c, ny, nx) };
        allNotes.push(undersampled ? 'shown: root-sum-of-squares of the zero-filled k-space (no reference in the file)' : 'shown: root-sum-of-squares of the coil images');
      }
    }
    const [slices, height, width] = display.shape as [number, number, number];
    const sp = volume.geometry.spacing;
    const spacing: [number, number] | undefined = sp && Number.isFinite(sp[1]) && Number.isFinite(sp[2]) && sp[1] > 0 && sp[2] > 0 ? [sp[1], sp[2]] : undefined;
    const info: DatasetInfo = {
      id, name, path, format: volume.source.format, kind: volume.kind, slices, height, width, coils, undersampled,
      ...(fileAccel !== undefined ? { fileAccel } : {}),
      hasReference: volume.kind === 'image' || !!volume.reference,
      ...(spacing ? { spacing } : {}),
      meta: displayMeta(volume),
      notes: allNotes.slice(0, 50),
    };
    this.datasets.set(id, { info, volume, display, range: rangeOf(display.data), ...(fileMask ? { fileMask } : {}) });
    return info;
  }

  private nameOf(volume: Volume, path: string): string {
    const m = volume.meta;
    const desc = m.seriesDescription ?? m.SeriesDescription ?? m.description;
    const base = basename(path);
    return desc !== undefined && String(desc).trim() ? `${String(desc).trim()}` : base;
  }

  /**
   * Opens each path; `shown` maps a path on disk to what the user knows it
   * as (uploads: the uploaded name, not the staging folder).
   */
  async open(paths: string[], shown: (p: string) => string = (p) => p): Promise<OpenResult> {
    const result: OpenResult = { datasets: [], errors: [], notes: [] };
    const fail = (path: string, e: unknown) => {
      let text = message(e);
      // Reader messages start with the path on disk; show the user's name for it instead.
      if (text.startsWith(path)) text = shown(path) + text.slice(path.length);
      else text = text.split(path).join(shown(path));
      result.errors.push({ path: shown(path), message: text || 'could not be read' });
    };
    const openFile = async (file: string) => {
      try {
        const v = await loadVolume(file);
        result.datasets.push(this.addDataset(v, shown(file), this.nameOf(v, file), []));
      } catch (e) {
        fail(file, e);
      }
    };
    for (const path of paths) {
      let isDir = false;
      try {
        isDir = (await stat(path)).isDirectory();
      } catch (e) {
        fail(path, new Error(`${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : message(e)}`));
        continue;
      }
      if (!isDir) {
        await openFile(path);
        continue;
      }
      try {
        const listing = await listDicomSeries(path);
        for (const s of listing.series) {
          try {
            const v = await loadVolume(path, { series: s.id });
            const notes = [`series ${s.seriesNumber ?? ''} ${s.description ?? ''}`.trim(), `${s.slices} slices, ${s.orientation}`];
            result.datasets.push(this.addDataset(v, shown(path), s.description || this.nameOf(v, path), notes));
          } catch (e) {
            fail(path, e);
          }
        }
        if (listing.series.length === 0) {
          // No DICOM series: open every other file on its own (NIfTI, BART, HDF5 dropped as a folder).
          const files = (await walkFiles(path)).filter((f) => !(f.endsWith('.hdr') && existsSync(f.slice(0, -4) + '.cfl')));
          if (files.length === 0) fail(path, new Error(`${path}: empty folder`));
          for (const f of files) await openFile(f);
        } else {
          for (const s of listing.skipped.slice(0, 20)) result.notes.push(`skipped ${s.split(path + sep).join('')}`);
          for (const n of listing.nonImages.slice(0, 20)) result.notes.push(`skipped ${basename(n.file)}: not an image (${n.label})`);
        }
      } catch (e) {
        fail(path, e);
      }
    }
    if (result.datasets.length) this.emit({ type: 'datasets', datasets: this.datasetList() });
    return result;
  }

  /** Stages uploaded bytes in a private temp folder, opens them, removes the folder (volumes live in memory). */
  async upload(files: { name: string; data: ArrayBuffer }[]): Promise<OpenResult> {
    const dir = await mkdtemp(join(tmpdir(), 'recon-upload-'));
    try {
      const written: string[] = [];
      const names = new Map<string, string>();
      for (const f of files) {
        // Keep relative subfolders (a dropped DICOM folder) but never leave the staging folder.
        const parts = f.name.split(/[\\/]+/).filter((p) => p && p !== '.' && p !== '..').map((p) => p.replace(/[\0:]/g, '_'));
        const rel = parts.join('/') || 'file';
        let target = join(dir, ...rel.split('/'));
        for (let k = 2; names.has(target); k++) target = join(dir, ...rel.split('/')) + `-${k}`;
        names.set(target, rel);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, new Uint8Array(f.data));
        written.push(target);
      }
      const shown = (p: string) => {
        if (p === dir) return files.length === 1 ? names.get(written[0]!)! : 'uploaded files';
        return names.get(p) ?? (p.startsWith(dir + sep) ? p.slice(dir.length + 1) : p);
      };
      return await this.open(written.length === 1 ? written : [dir], shown);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  closeDataset(id: string): boolean {
    const ok = this.datasets.delete(id);
    if (this.fullCache?.key.startsWith(`${id}/`)) this.fullCache = undefined;
    if (ok) this.emit({ type: 'datasets', datasets: this.datasetList() });
    return ok;
  }

  private dataset(id: string): Dataset {
    const d = this.datasets.get(id);
    if (!d) throw new RangeError(`no dataset "${id}" (it was closed, or never opened)`);
    return d;
  }

  // -------------------------------------------------------------------------
  // Images.

  private sliceImage(data: Float32Array, h: number, w: number, range: [number, number], maxSize: number | undefined, spacing?: [number, number]): SliceImage {
    // Always a fresh buffer: it may be transferred (detached) on a MessagePort.
    const d = maxSize ? downsample(data, h, w, maxSize) : { data, h, w, f: 1 };
    const out = d.data === data ? data.slice() : d.data;
    return {
      width: d.w, height: d.h, data: out.buffer as ArrayBuffer, min: range[0], max: range[1],
      ...(spacing ? { spacing: [spacing[0] * d.f, spacing[1] * d.f] as [number, number] } : {}),
    };
  }

  slice(ref: ImageRef, index: number, maxSize?: number): SliceImage {
    if (ref.kind === 'dataset') {
      const d = this.dataset(ref.datasetId);
      const [n, h, w] = d.display.shape as [number, number, number];
      if (index >= n) throw new RangeError(`${d.info.name}: slice ${index} is outside its ${n} slices (0..${n - 1})`);
      return this.sliceImage(d.display.data.subarray(index * h * w, (index + 1) * h * w), h, w, d.range, maxSize, d.info.spacing);
    }
    const job = this.queue.get(ref.jobId);
    if (!job) throw new RangeError(`no job "${ref.jobId}"`);
    const [a, b] = job.spec.slices;
    if (index < a || index >= b) throw new RangeError(`job ${job.id} reconstructed dataset slices ${a}..${b - 1}; slice ${index} is outside them`);
    const spacing = this.datasets.get(job.spec.datasetId)?.info.spacing;
    if (ref.kind === 'uncertainty') {
      const u = uncertaintyOf(job);
      const [, h, w] = u.image.shape as [number, number, number];
      return this.sliceImage(u.image.data.subarray((index - a) * h * w, (index - a + 1) * h * w), h, w, u.range, maxSize, spacing);
    }
    if (job.result) {
      const [, h, w] = job.result.image.shape as [number, number, number];
      return this.sliceImage(job.result.image.data.subarray((index - a) * h * w, (index - a + 1) * h * w), h, w, job.result.range, maxSize, spacing);
    }
    const p = this.extras.get(job.id)?.previews.get(index);
    if (!p) throw new RangeError(`job ${job.id} has no image of slice ${index} yet (${job.state})`);
    return this.sliceImage(p.image, p.ny, p.nx, rangeOf(p.image), maxSize, spacing);
  }

  previewAcquisition(datasetId: string, acq: Acquisition, index: number): AcquisitionPreview {
    const d = this.dataset(datasetId);
    const notes: string[] = [];
    let kspace: Float32Array, coils: number, mask: Mask, ny: number, nx: number;
    if (acq.mode === 'file') {
      if (d.volume.kind !== 'kspace' || !d.fileMask) throw new RangeError(`${d.info.name}: is an image; "the file's own undersampling" needs k-space input`);
      [, coils, ny, nx] = d.volume.kspace.shape as [number, number, number, number];
      const n = d.volume.kspace.shape[0]!;
      if (index >= n) throw new RangeError(`${d.info.name}: slice ${index} is outside its ${n} slices`);
      mask = d.fileMask;
      kspace = d.volume.kspace.data.subarray(2 * index * coils * ny * nx, 2 * (index + 1) * coils * ny * nx);
      if (!d.info.undersampled) notes.push('the file is fully sampled');
    } else {
      const [n, h, w] = d.display.shape as [number, number, number];
      if (index >= n) throw new RangeError(`${d.info.name}: slice ${index} is outside its ${n} slices`);
      ny = h; nx = w; coils = acq.coils;
      mask = this.cachedMask(maskSpecOf(acq), ny, nx);
      kspace = this.fullySampled(d, index, acq);
    }
    const plane = ny * nx;
    const maskBytes = new Uint8Array(plane);
    let sampled = 0;
    for (let p = 0; p < plane; p++) if (mask.data[p]! > 0) { maskBytes[p] = 255; sampled++; }
    // Undersampled k-space as acquired (file data: apply its mask explicitly).
    const k = new Float32Array(2 * coils * plane);
    for (let c = 0; c < coils; c++) for (let p = 0; p < plane; p++) {
      const m = mask.data[p]!, i = 2 * (c * plane + p);
      k[i] = m * kspace[i]!; k[i + 1] = m * kspace[i + 1]!;
    }
    const logk = new Float32Array(plane);
    let kmax = 0;
    for (let p = 0; p < plane; p++) {
      let acc = 0;
      for (let c = 0; c < coils; c++) acc += k[2 * (c * plane + p)]! ** 2 + k[2 * (c * plane + p) + 1]! ** 2;
      const v = Math.log1p(Math.sqrt(acc));
      logk[p] = v;
      if (v > kmax) kmax = v;
    }
    if (kmax > 0) for (let p = 0; p < plane; p++) logk[p]! /= kmax;
    const zf = rssImage(k, 1, coils, ny, nx);
    return {
      mask: { width: nx, height: ny, data: maskBytes.buffer as ArrayBuffer },
      kspace: { width: nx, height: ny, data: logk.buffer as ArrayBuffer, min: 0, max: 1 },
      zeroFilled: { width: nx, height: ny, data: zf.buffer as ArrayBuffer, ...(() => { const [min, max] = rangeOf(zf); return { min, max }; })() },
      accel: mask.accel,
      sampledFraction: sampled / plane,
      notes,
    };
  }

  /**
   * The UI calls previewAcquisition while sliders move: masks (Poisson-disc
   * generation takes a while) are kept by spec, and the fully sampled
   * simulated k-space of the last slice asked for is kept, so a new mask only
   * costs the masking and one inverse FFT. (Noise is drawn on the full grid
   * here, in the job only on the sampled entries: same statistics, other draws.)
   */
  private readonly maskCache = new Map<string, Mask>();
  private fullCache: { key: string; kspace: Float32Array } | undefined;

  private cachedMask(spec: MaskSpec, ny: number, nx: number): Mask {
    const key = `${JSON.stringify(spec)}@${ny}x${nx}`;
    let m = this.maskCache.get(key);
    if (!m) {
      m = makeMask(spec, ny, nx);
      if (this.maskCache.size >= 32) this.maskCache.delete(this.maskCache.keys().next().value!);
      this.maskCache.set(key, m);
    }
    return m;
  }

  private fullySampled(d: Dataset, index: number, acq: Extract<Acquisition, { mode: 'simulate' }>): Float32Array {
    const key = `${d.info.id}/${index}/${acq.coils}/${acq.seed}/${acq.snr}`;
    if (this.fullCache?.key === key) return this.fullCache.kspace;
    const [, ny, nx] = d.display.shape as [number, number, number];
    const img = Float32Array.from(d.display.data.subarray(index * ny * nx, (index + 1) * ny * nx), Math.abs);
    const all: Mask = { shape: [ny, nx], data: new Float32Array(ny * nx).fill(1), spec: { kind: 'data', accel: 1 }, accel: 1 };
    const scan = simulate({ shape: [1, ny, nx], data: img }, { seed: acq.seed, coils: acq.coils, mask: all, ...(acq.snr !== null ? { snr: acq.snr } : {}) });
    this.fullCache = { key, kspace: scan.kspace.data };
    return scan.kspace.data;
  }

  // -------------------------------------------------------------------------
  // Jobs.

  submit(p: CallParams<'submit'>): { jobIds: string[] } {
    const d = this.dataset(p.datasetId);
    const [a, b] = p.slices;
    if (!(a < b && b <= d.info.slices)) throw new RangeError(`slices ${a}..${b - 1} are not a range inside ${d.info.name}'s ${d.info.slices} slices (0..${d.info.slices - 1})`);
    if (p.acquisition.mode === 'file' && !(d.volume.kind === 'kspace' && d.info.undersampled)) {
      throw new RangeError(`${d.info.name}: "the file's own undersampling" needs undersampled k-space input; this dataset is ${d.volume.kind === 'kspace' ? 'fully sampled k-space' : 'an image'}: simulate an acquisition instead`);
    }
    if (p.acquisition.mode === 'file' && d.volume.kind === 'kspace' && d.display.shape[0] !== d.volume.kspace.shape[0]) {
      throw new RangeError(`${d.info.name}: reference and k-space slice counts differ`);
    }
    const infos = this.methods();
    // Validate every request before queuing any, so a typo queues nothing.
    const specs = p.jobs.map((req) => {
      const m = infos.find((x) => x.id === req.method);
      if (!m) throw new RangeError(`unknown method "${req.method}" (available: ${infos.map((x) => x.id).join(', ')})`);
      if (!m.available) throw new RangeError(`${m.label} cannot run here: ${m.unavailableReason ?? 'unavailable'}`);
      const options = validateOptions(m.id, m.options, req.options);
      return { datasetId: d.info.id, acquisition: p.acquisition, slices: [a, b] as [number, number], method: m.id, options: options as OptionValues, label: jobLabel(m, options) };
    });
    return { jobIds: specs.map((s) => this.queue.add(s).id) };
  }

  private jobInfo(job: QueuedJob<JobSpec, JobOutput>): JobInfo {
    const x = this.extras.get(job.id);
    const r = job.result;
    const accel = r?.accel ?? x?.accel;
    return {
      id: job.id, datasetId: job.spec.datasetId, method: job.spec.method, label: job.spec.label, options: job.spec.options,
      acquisition: job.spec.acquisition, slices: job.spec.slices, state: job.state, fraction: job.fraction, message: job.message,
      ...(job.etaMs !== undefined && Number.isFinite(job.etaMs) ? { etaMs: job.etaMs } : {}),
      queuedAt: job.queuedAt,
      ...(job.startedAt !== undefined ? { startedAt: job.startedAt } : {}),
      ...(job.finishedAt !== undefined ? { finishedAt: job.finishedAt } : {}),
      ...(job.error !== undefined ? { error: job.error } : {}),
      ...(r?.metrics ? { metrics: r.metrics } : {}),
      notes: r?.notes ?? [],
      ...(r ? { provenance: r.provenance } : {}),
      ...(job.retryOf ? { retryOf: job.retryOf } : {}),
      ...(accel !== undefined ? { accel } : {}),
      ...(r?.uncertainty ? { uncertainty: true } : {}),
    };
  }

  private onQueueEvent(event: string, job: QueuedJob<JobSpec, JobOutput>): void {
    if (event === 'queued') {
      this.extras.set(job.id, { history: [], pendingHistory: [], previews: new Map(), lastProgressAt: 0, lastPreviewAt: 0 });
    }
    const x = this.extras.get(job.id);
    if (event === 'removed') {
      if (x) { clearTimeout(x.progressTimer); clearTimeout(x.previewTimer); }
      this.extras.delete(job.id);
      this.emit({ type: 'job-removed', jobId: job.id });
      return;
    }
    if (!x) return;
    if (event === 'progress') {
      // Throttled, with a trailing event so the last progress is never lost.
      const wait = x.lastProgressAt + PROGRESS_INTERVAL_MS - Date.now();
      if (wait > 0) {
        x.progressTimer ??= setTimeout(() => {
          x.progressTimer = undefined;
          if (job.state !== 'running') return;
          x.lastProgressAt = Date.now();
          this.emit({ type: 'job', job: this.jobInfo(job) });
        }, wait);
        return;
      }
      x.lastProgressAt = Date.now();
    } else {
      clearTimeout(x.progressTimer);
      x.progressTimer = undefined;
    }
    if (event === 'finished') {
      this.flushHistory();
      this.flushPreview(job.id);
      // Latest previews only matter while running; the result replaces them.
      if (job.state === 'done') x.previews.clear();
    }
    this.emit({ type: 'job', job: this.jobInfo(job) });
  }

  private pushHistory(jobId: string, rows: HistoryEntry[]): void {
    const x = this.extras.get(jobId);
    if (!x) return;
    x.pendingHistory.push(...rows.map(historyRow));
    this.historyTimer ??= setTimeout(() => this.flushHistory(), HISTORY_INTERVAL_MS);
  }

  private flushHistory(): void {
    clearTimeout(this.historyTimer);
    this.historyTimer = undefined;
    for (const [jobId, x] of this.extras) {
      if (!x.pendingHistory.length) continue;
      const rows = x.pendingHistory;
      x.pendingHistory = [];
      x.history.push(...rows);
      this.emit({ type: 'history', jobId, rows });
    }
  }

  private pushPreview(jobId: string, index: number, image: Float32Array, ny: number, nx: number): void {
    const x = this.extras.get(jobId);
    if (!x) return;
    x.previews.set(index, { image, ny, nx });
    x.pendingPreview = index;
    const wait = x.lastPreviewAt + PREVIEW_INTERVAL_MS - Date.now();
    if (wait <= 0) this.flushPreview(jobId);
    else x.previewTimer ??= setTimeout(() => this.flushPreview(jobId), wait);
  }

  private flushPreview(jobId: string): void {
    const x = this.extras.get(jobId);
    if (!x) return;
    clearTimeout(x.previewTimer);
    x.previewTimer = undefined;
    const index = x.pendingPreview;
    if (index === undefined) return;
    x.pendingPreview = undefined;
    const p = x.previews.get(index);
    if (!p) return;
    x.lastPreviewAt = Date.now();
    const spacing = this.datasets.get(this.queue.get(jobId)?.spec.datasetId ?? '')?.info.spacing;
    this.emit({ type: 'preview', jobId, index, image: this.sliceImage(p.image, p.ny, p.nx, rangeOf(p.image), undefined, spacing) });
  }

  /** The image a simulated acquisition starts from (k-space datasets: their display image). */
  private simulationVolume(d: Dataset): Volume {
    if (d.volume.kind === 'image') return d.volume;
    const v: ImageVolume = { kind: 'image', image: d.display, geometry: d.volume.geometry, meta: d.volume.meta, source: d.volume.source };
    return v;
  }

  private async runJob(spec: JobSpec, signal: AbortSignal, progress: (f: number, m?: string) => void, job: QueuedJob<JobSpec, JobOutput>): Promise<JobOutput> {
    const d = this.dataset(spec.datasetId);
    const acq = spec.acquisition;
    const rspec: ReconJobSpec = {
      input: d.info.path,
      slices: spec.slices,
      method: spec.method,
      options: spec.options,
      ...(acq.mode === 'simulate'
        ? { acquisition: { mask: maskSpecOf(acq), coils: acq.coils, seed: acq.seed, ...(acq.snr !== null ? { snr: acq.snr } : {}) } }
        : {}),
    };
    progress(0, acq.mode === 'simulate' ? 'simulating the acquisition' : 'preparing the k-space');
    const prepared = await prepareLoadedJob(rspec, acq.mode === 'simulate' ? this.simulationVolume(d) : d.volume);
    const x = this.extras.get(job.id);
    if (x) x.accel = prepared.mask.accel;
    const done = await executeReconJob(prepared, {
      signal,
      onProgress: (p) => progress(p.fraction, p.message),
      onHistory: (rows) => this.pushHistory(job.id, rows),
      onPreview: (s, m, ny, nx) => this.pushPreview(job.id, spec.slices[0] + s, m, ny, nx),
    });
    const m = done.metrics;
    const unc = done.result.uncertainty;
    return {
      image: done.result.image,
      range: rangeOf(done.result.image.data),
      ...(unc ? { uncertainty: { image: unc, range: rangeOf(unc.data) } } : {}),
      ...(m ? {
        metrics: {
          dataRange: finiteOr(m.dataRange, 0),
          perSlice: m.perSlice.map((s) => ({ slice: s.slice, nmse: finiteOr(s.nmse, 0), psnr: finiteOr(s.psnr, 999), ssim: finiteOr(s.ssim, 0) })),
          volume: { nmse: finiteOr(m.volume.nmse, 0), psnr: finiteOr(m.volume.psnr, 999), ssim: finiteOr(m.volume.ssim, 0) },
        },
      } : {}),
      // Plain JSON (no class instances, no typed arrays) so it clones and validates anywhere.
      provenance: JSON.parse(JSON.stringify(done.provenance)) as Record<string, unknown>,
      notes: [...prepared.notes, ...done.result.notes],
      accel: prepared.mask.accel,
    };
  }

  /** Resolves when no job is queued or running (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue.idle();
  }
}
