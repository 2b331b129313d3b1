/**
 * Application state shared by the panels (left column) and the comparison
 * workspace. One instance, created in App.svelte once the client connects.
 * Fed by host events: components read it, actions go through the client.
 *
 * Ownership: panels (series browser, acquisition, methods, jobs) write
 * datasets / selection / acquisition / jobs; the viewer (lib/viewer) owns
 * slice, zoom, pan, window/level and reads the rest.
 */
import type { Acquisition, DatasetInfo, HistoryRow, ImageRef, JobInfo, MethodInfo, SliceImage } from '@contracts';
import type { WorkspaceClient } from '../api/client';

export interface Notice {
  id: number;
  level: 'info' | 'warning' | 'error';
  message: string;
}

export interface ViewportSpec {
  /** Stable key for {#each}. */
  key: string;
  ref: ImageRef;
  title: string;
}

export class Workspace {
  datasets = $state<DatasetInfo[]>([]);
  selectedDatasetId = $state<string | null>(null);
  methods = $state<MethodInfo[]>([]);
  /** By id, in submission order (Object keys keep insertion order). */
  jobs = $state<Record<string, JobInfo>>({});
  /** Convergence history rows per job (appended from 'history' events). */
  history = $state<Record<string, HistoryRow[]>>({});
  /** Latest intermediate preview per running job (not deep-reactive: replaced whole). */
  previews = $state.raw<Record<string, { index: number; image: SliceImage }>>({});
  acquisition = $state<Acquisition>({ mode: 'simulate', mask: 'equispaced-fraction', accel: 4, centerFraction: 0.08, calib: 24, seed: 1, coils: 1, snr: null });
  /** Half-open slice range to reconstruct, of the selected dataset. */
  sliceRange = $state<[number, number]>([0, 1]);
  /** What the comparison workspace shows (1 to 6 viewports; the first is the reference when there is one). */
  viewports = $state<ViewportSpec[]>([]);
  notices = $state<Notice[]>([]);
  private nextNotice = 1;

  constructor(readonly client: WorkspaceClient) {}

  get selectedDataset(): DatasetInfo | undefined {
    return this.datasets.find((d) => d.id === this.selectedDatasetId);
  }

  notify(level: Notice['level'], message: string): void {
    const n = { id: this.nextNotice++, level, message };
    this.notices = [...this.notices, n].slice(-6);
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }
}
