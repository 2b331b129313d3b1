/**
 * Application state shared by the panels (left column) and the comparison
 * workspace. One instance, created in App.svelte once the client connects.
 * Fed by host events: components read it, actions go through the client.
 *
 * Ownership: panels (series browser, acquisition, methods, jobs) write
 * datasets / selection / acquisition / jobs; the viewer (lib/viewer) owns
 * slice, zoom, pan, window/level and reads the rest.
 */
import type {
  Acquisition,
  AppInfo,
  DatasetInfo,
  HistoryRow,
  JobInfo,
  JobRequest,
  MethodInfo,
  OpenResult,
  SliceImage,
  WorkspaceEvent,
} from '@contracts';
import type { ConnectionState, WorkspaceClient } from '../api/client';
import { uploadFiles } from '../api';
import { NOTICE_MS, pushNotice, type Notice } from './notices';
import { clampSliceRange, defaultSliceRange } from './slice-range';
import { addViewport, datasetViewport, resultViewport, sigmaViewport, withoutRefs, type ViewportSpec } from './viewports';
import { downloadBytes } from '../export/download';

export type { ViewportSpec };

export type { Notice };

/** Where a new session starts: fastMRI's 4x equispaced lines with 8% centre, one coil, no noise. */
export const SIMULATE_DEFAULT: Acquisition = { mode: 'simulate', mask: 'equispaced-fraction', accel: 4, centerFraction: 0.08, calib: 24, seed: 1, coils: 1, snr: null };

/** The words of whatever a rejected call threw. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class Workspace {
  connection = $state<ConnectionState>('connecting');
  info = $state<AppInfo | null>(null);
  datasets = $state<DatasetInfo[]>([]);
  selectedDatasetId = $state<string | null>(null);
  methods = $state<MethodInfo[]>([]);
  /** By id, in submission order (Object keys keep insertion order). */
  jobs = $state<Record<string, JobInfo>>({});
  /** Convergence history rows per job (appended from 'history' events). Not deep: arrays are replaced. */
  history = $state.raw<Record<string, HistoryRow[]>>({});
  /** Latest intermediate preview per running job (not deep-reactive: replaced whole). */
  previews = $state.raw<Record<string, { index: number; image: SliceImage }>>({});
  acquisition = $state<Acquisition>({ ...SIMULATE_DEFAULT });
  /** Set by the acquisition panel while a field holds an invalid value: submitting is blocked. */
  acquisitionInvalid = $state(false);
  /** Half-open slice range to reconstruct, of the selected dataset. */
  sliceRange = $state<[number, number]>([0, 1]);
  /** What the comparison workspace shows (1 to 6 viewports; the first is the reference when there is one). */
  viewports = $state<ViewportSpec[]>([]);
  notices = $state<Notice[]>([]);
  /** True once the first refresh has answered (empty lists before it mean "not yet", not "none"). */
  loaded = $state(false);
  /** Calls in flight that the user waits on (open, upload), for a busy indicator. */
  busy = $state(0);
  /** Job ids whose σ map is being written for saving (the button waits meanwhile). */
  savingSigma = $state<Record<string, true>>({});

  selectedDataset = $derived(this.datasets.find((d) => d.id === this.selectedDatasetId));
  jobList = $derived(Object.values(this.jobs));
  activeJobs = $derived(this.jobList.filter((j) => j.state === 'queued' || j.state === 'running').length);

  private nextNotice = 1;
  private lastSimulate: Acquisition = { ...SIMULATE_DEFAULT };
  private timers = new Map<number, ReturnType<typeof setTimeout>>();

  constructor(readonly client: WorkspaceClient) {}

  /**
   * Subscribes to the host's events and connection state and loads what the
   * host already has (a reloaded window finds its datasets and jobs again).
   * Returns the function that detaches.
   */
  attach(): () => void {
    const offEvent = this.client.onEvent((e) => this.onEvent(e));
    let everOpen = false;
    let lostNotice: number | null = null;
    const offState = this.client.onState((s) => {
      const was = this.connection;
      this.connection = s;
      if (was === 'open' && s !== 'open') {
        lostNotice = this.notify('error', 'Lost the connection to the compute host. Reconnecting; jobs keep running there.');
      }
      if (s === 'open') {
        // A reconnect: what happened meanwhile arrived as events nobody heard; ask again.
        if (everOpen) {
          if (lostNotice !== null) this.dismiss(lostNotice);
          lostNotice = null;
          this.notify('info', 'Reconnected to the compute host.');
          void this.refresh();
        }
        everOpen = true;
      }
    });
    void this.refresh();
    return () => {
      offEvent();
      offState();
      for (const t of this.timers.values()) clearTimeout(t);
      this.timers.clear();
    };
  }

  /** (Re)loads everything the host knows. Each part fails on its own with a notice. */
  async refresh(): Promise<void> {
    const c = this.client;
    const [info, methods, datasets, jobs] = await Promise.allSettled([
      c.call('info', {}),
      c.call('methods', {}),
      c.call('datasets', {}),
      c.call('jobs', {}),
    ]);
    if (info.status === 'fulfilled') this.info = info.value;
    else this.notify('error', `Could not read the engine version: ${errorText(info.reason)}`);
    if (methods.status === 'fulfilled') this.methods = methods.value;
    else this.notify('error', `Could not list the methods: ${errorText(methods.reason)}`);
    // Jobs before datasets: selecting a dataset puts its finished results into the comparison.
    if (jobs.status === 'fulfilled') this.jobs = Object.fromEntries(jobs.value.map((j) => [j.id, j]));
    else this.notify('error', `Could not list the jobs: ${errorText(jobs.reason)}`);
    if (datasets.status === 'fulfilled') this.setDatasets(datasets.value);
    else this.notify('error', `Could not list the open datasets: ${errorText(datasets.reason)}`);
    // The transport may have opened before attach() subscribed to its state; an answer proves it is open.
    const answered = [info, methods, datasets, jobs].some((r) => r.status === 'fulfilled');
    if (answered && this.connection === 'connecting') this.connection = 'open';
    this.loaded = true;
  }

  // -------------------------------------------------------------------------
  // Events.

  private onEvent(e: WorkspaceEvent): void {
    switch (e.type) {
      case 'job': {
        const before = this.jobs[e.job.id];
        this.jobs[e.job.id] = e.job;
        if (e.job.state === 'done' && before?.state !== 'done') this.onJobDone(e.job);
        if (e.job.state === 'failed' && before?.state !== 'failed') {
          this.notify('error', `${e.job.label} failed: ${e.job.error ?? 'no reason given'}`);
        }
        break;
      }
      case 'history': {
        const rows = this.history[e.jobId] ?? [];
        this.history = { ...this.history, [e.jobId]: [...rows, ...e.rows] };
        break;
      }
      case 'preview':
        this.previews = { ...this.previews, [e.jobId]: { index: e.index, image: e.image } };
        break;
      case 'job-removed':
        this.forgetJob(e.jobId);
        break;
      case 'datasets':
        this.setDatasets(e.datasets);
        break;
      case 'notice':
        this.notify(e.level, e.message);
        break;
    }
  }

  private onJobDone(job: JobInfo): void {
    // The preview has served its purpose; the viewer asks for the result itself.
    if (this.previews[job.id]) {
      const { [job.id]: _, ...rest } = this.previews;
      this.previews = rest;
    }
    // Automatic: only into free places, and only for what is on screen now.
    if (job.datasetId === this.selectedDatasetId) this.viewports = addViewport(this.viewports, resultViewport(job), false);
  }

  private forgetJob(jobId: string): void {
    delete this.jobs[jobId];
    const { [jobId]: _h, ...history } = this.history;
    const { [jobId]: _p, ...previews } = this.previews;
    this.history = history;
    this.previews = previews;
    this.viewports = withoutRefs(this.viewports, (r) => r.kind !== 'dataset' && r.jobId === jobId);
  }

  private setDatasets(list: DatasetInfo[]): void {
    this.datasets = list;
    const selected = this.selectedDatasetId;
    if (selected !== null && !list.some((d) => d.id === selected)) {
      this.viewports = [];
      this.selectedDatasetId = null;
      const first = list[0];
      if (first) this.select(first.id);
    } else if (selected === null && list[0]) {
      this.select(list[0].id);
    }
  }

  // -------------------------------------------------------------------------
  // Notices.

  /** Shows a notice; returns its id (for dismissing it when its cause is gone). */
  notify(level: Notice['level'], message: string): number {
    const n = { id: this.nextNotice++, level, message };
    this.notices = pushNotice(this.notices, n);
    const ms = NOTICE_MS[level];
    if (ms !== null) this.timers.set(n.id, setTimeout(() => this.dismiss(n.id), ms));
    return n.id;
  }

  dismiss(id: number): void {
    const t = this.timers.get(id);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(id);
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  // -------------------------------------------------------------------------
  // Datasets.

  /** Opens paths on the host's disk (desktop dialog, drop, or typed). */
  async open(paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    await this.loading(() => this.client.call('open', { paths }));
  }

  /** Sends dropped or chosen files' bytes to the host (browser mode). */
  async upload(files: File[]): Promise<void> {
    if (files.length === 0) return;
    await this.loading(() => uploadFiles(this.client, files));
  }

  private async loading(run: () => Promise<OpenResult>): Promise<void> {
    this.busy++;
    try {
      const result = await run();
      for (const err of result.errors) {
        // Name the file once: the host's message often starts with it already.
        const name = baseName(err.path);
        this.notify('error', err.message.includes(name) ? err.message : `${name}: ${err.message}`);
      }
      for (const note of result.notes) this.notify('info', note);
      if (result.datasets.length > 0) {
        // The host also pushes a 'datasets' event; merging here makes the new one selectable at once.
        const known = new Set(this.datasets.map((d) => d.id));
        this.datasets = [...this.datasets, ...result.datasets.filter((d) => !known.has(d.id))];
        const last = result.datasets.at(-1);
        if (last) this.select(last.id);
        const names = result.datasets.map((d) => d.name).join(', ');
        this.notify('info', `Opened ${names}`);
      } else if (result.errors.length === 0) {
        this.notify('warning', 'Nothing readable was found there.');
      }
    } catch (e) {
      this.notify('error', `Could not open: ${errorText(e)}`);
    } finally {
      this.busy--;
    }
  }

  async closeDataset(datasetId: string): Promise<void> {
    try {
      await this.client.call('closeDataset', { datasetId });
      this.setDatasets(this.datasets.filter((d) => d.id !== datasetId));
    } catch (e) {
      this.notify('error', `Could not close the dataset: ${errorText(e)}`);
    }
  }

  /**
   * Selects a dataset: a small default slice range around the middle (so a
   * CS run on a long series is not minutes long by accident), the file's own
   * sampling for undersampled k-space, and a comparison that starts with the
   * dataset as the reference plus its finished results.
   */
  select(datasetId: string): void {
    const d = this.datasets.find((x) => x.id === datasetId);
    if (!d || this.selectedDatasetId === datasetId) return;
    this.selectedDatasetId = datasetId;
    this.sliceRange = defaultSliceRange(d.slices);
    if (d.kind === 'kspace' && d.undersampled) {
      if (this.acquisition.mode === 'simulate') this.lastSimulate = { ...this.acquisition };
      this.acquisition = { mode: 'file' };
    } else if (this.acquisition.mode === 'file') {
      // Back to an image: the simulate settings the user had, not the factory ones.
      this.acquisition = { ...this.lastSimulate };
    }
    let vps = [datasetViewport(d)];
    for (const j of this.jobList) if (j.datasetId === d.id && j.state === 'done') vps = addViewport(vps, resultViewport(j), false);
    this.viewports = vps;
  }

  setSliceRange(start: number, end: number): void {
    const d = this.selectedDataset;
    if (d) this.sliceRange = clampSliceRange(start, end, d.slices);
  }

  // -------------------------------------------------------------------------
  // Jobs.

  /** Queues one job per request on the selected dataset with the current acquisition and slice range. */
  async submit(requests: JobRequest[]): Promise<string[]> {
    const d = this.selectedDataset;
    if (!d) {
      this.notify('warning', 'Open and select a dataset first.');
      return [];
    }
    if (this.acquisitionInvalid) {
      this.notify('warning', 'Fix the acquisition settings first.');
      return [];
    }
    if (requests.length === 0) {
      this.notify('warning', 'Tick at least one method.');
      return [];
    }
    try {
      const { jobIds } = await this.client.call('submit', {
        datasetId: d.id,
        acquisition: $state.snapshot(this.acquisition),
        slices: [...this.sliceRange],
        jobs: requests,
      });
      return jobIds;
    } catch (e) {
      this.notify('error', `Could not start the reconstruction: ${errorText(e)}`);
      return [];
    }
  }

  async cancel(jobId: string): Promise<void> {
    await this.act(() => this.client.call('cancel', { jobId }), 'cancel the job');
  }

  async retry(jobId: string): Promise<void> {
    await this.act(() => this.client.call('retry', { jobId }), 'retry the job');
  }

  async remove(jobId: string): Promise<void> {
    const ok = await this.act(() => this.client.call('removeJob', { jobId }), 'remove the job');
    if (ok) this.forgetJob(jobId);
  }

  /** Fetches a job's whole convergence history (jobs that ran before this window attached). */
  async loadHistory(jobId: string): Promise<HistoryRow[]> {
    try {
      const rows = await this.client.call('history', { jobId });
      this.history = { ...this.history, [jobId]: rows };
      return rows;
    } catch (e) {
      this.notify('error', `Could not load the convergence history: ${errorText(e)}`);
      return this.history[jobId] ?? [];
    }
  }

  private async act(run: () => Promise<unknown>, what: string): Promise<boolean> {
    try {
      await run();
      return true;
    } catch (e) {
      this.notify('error', `Could not ${what}: ${errorText(e)}`);
      return false;
    }
  }

  // -------------------------------------------------------------------------
  // Comparison viewports.

  /** Puts a job's result into the comparison (replacing the last result when all six are taken). */
  showInCompare(jobId: string): void {
    const job = this.jobs[jobId];
    if (!job) return;
    if (job.datasetId !== this.selectedDatasetId) this.select(job.datasetId);
    this.viewports = addViewport(this.viewports, resultViewport(job), true);
  }

  /** Puts a sampling job's σ map into the comparison, like showInCompare does its result. */
  showSigma(jobId: string): void {
    const job = this.jobs[jobId];
    if (!job?.uncertainty) return;
    if (job.datasetId !== this.selectedDatasetId) this.select(job.datasetId);
    this.viewports = addViewport(this.viewports, sigmaViewport(job), true);
  }

  /** Downloads a job's σ map, every reconstructed slice, as the float32 NIfTI the host writes (source affine kept). */
  async saveSigma(jobId: string): Promise<void> {
    const job = this.jobs[jobId];
    if (!job?.uncertainty || this.savingSigma[jobId]) return;
    this.savingSigma[jobId] = true;
    try {
      const file = await this.client.call('uncertaintyNifti', { jobId });
      downloadBytes(file.data, file.name);
    } catch (e) {
      this.notify('error', `Could not save the σ map of ${job.label}: ${errorText(e)}`);
    } finally {
      delete this.savingSigma[jobId];
    }
  }

  removeViewport(key: string): void {
    this.viewports = this.viewports.filter((v) => v.key !== key);
  }

  /** Puts another job into a viewport's place (the viewer's "replace" menu). */
  replaceViewport(key: string, jobId: string): void {
    const job = this.jobs[jobId];
    if (!job) return;
    const spec = resultViewport(job);
    if (this.viewports.some((v) => v.key === spec.key)) return;
    this.viewports = this.viewports.map((v) => (v.key === key ? spec : v));
  }
}

/** The last part of a path or upload name, for short messages. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts.at(-1) ?? path;
}
