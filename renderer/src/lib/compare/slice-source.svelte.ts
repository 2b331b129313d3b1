/**
 * The image a viewport shows for (ref, slice), kept up to date: from the
 * cache when it can, latest-wins when slices arrive out of order, the last
 * image kept on screen while the next loads (no black flash while
 * scrolling), and a running job's preview fetched fresh whenever the host
 * announces a new one. Create it during component initialisation (it owns
 * an $effect).
 */
import type { ImageRef, JobInfo, SliceImage } from '@contracts';
import { refKey } from '../state/viewports';
import type { Workspace } from '../state/workspace.svelte';
import type { SliceCache } from './slice-cache';

export type SourceStatus = 'idle' | 'loading' | 'ok' | 'outside' | 'waiting' | 'unavailable' | 'error';

export interface SourceTarget {
  ws: Workspace;
  cache: SliceCache;
  ref: ImageRef | null;
  index: number;
}

/** Why a result viewport has nothing to show for a slice, or null when it should ask the host. */
export function resultGap(job: JobInfo | undefined, index: number): SourceStatus | null {
  if (!job) return 'unavailable';
  if (index < job.slices[0] || index >= job.slices[1]) return 'outside';
  if (job.state === 'queued') return 'waiting';
  if (job.state === 'failed' || job.state === 'cancelled') return 'unavailable';
  return null;
}

export class SliceSource {
  image = $state.raw<SliceImage | null>(null);
  status = $state<SourceStatus>('idle');
  message = $state('');
  private ticket = 0;
  private shownKey = '';

  constructor(target: () => SourceTarget) {
    $effect(() => {
      const { ws, cache, ref, index } = target();
      if (!ref) {
        this.set(null, 'idle');
        return;
      }
      const key = refKey(ref);
      if (key !== this.shownKey) {
        // Another image altogether: the old one must not linger under the new title.
        this.shownKey = key;
        this.image = null;
      }
      let fresh = false;
      if (ref.kind !== 'dataset') {
        const job = ws.jobs[ref.jobId];
        const gap = resultGap(job, index);
        if (gap) {
          this.ticket++;
          this.set(null, gap);
          return;
        }
        if (job?.state === 'running') {
          fresh = true;
          // Re-run when the host announces a new preview of this job.
          void ws.previews[ref.jobId];
        }
      }
      const hit = fresh ? undefined : cache.peek(ref, index);
      if (hit) {
        this.ticket++;
        this.set(hit, 'ok');
        return;
      }
      const mine = ++this.ticket;
      if (this.status !== 'ok') this.status = 'loading';
      cache.get(ref, index, fresh).then(
        (img) => {
          if (mine === this.ticket) this.set(img, 'ok');
        },
        (err: unknown) => {
          if (mine !== this.ticket) return;
          // A running job without a preview yet answers with an error: that is "wait", not a fault.
          if (fresh) this.set(this.image, this.image ? 'ok' : 'waiting');
          else {
            this.set(null, 'error');
            this.message = err instanceof Error ? err.message : String(err);
          }
        },
      );
    });
  }

  private set(img: SliceImage | null, status: SourceStatus): void {
    this.image = img;
    this.status = status;
    if (status !== 'error') this.message = '';
  }
}
