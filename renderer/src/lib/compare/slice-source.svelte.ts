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
  /** The slice index `image` is of (-1: none), for readouts and tests that must know the pixels are current. */
  shownIndex = $state(-1);
  private ticket = 0;
  /** Ticket of the request whose image is on screen: an answer older than it never replaces it. */
  private shownTicket = 0;
  private shownKey = '';

  constructor(target: () => SourceTarget) {
    $effect(() => {
      const { ws, cache, ref, index } = target();
      if (!ref) {
        this.shownTicket = ++this.ticket; // answers still on their way are for nothing now
        this.set(null, 'idle');
        return;
      }
      const key = refKey(ref);
      if (key !== this.shownKey) {
        // Another image altogether: the old one must not linger under the new title.
        this.shownKey = key;
        this.image = null;
        this.shownIndex = -1;
        this.shownTicket = this.ticket; // and no answer asked for the old one may land here
      }
      let fresh = false;
      if (ref.kind !== 'dataset') {
        const job = ws.jobs[ref.jobId];
        const gap = resultGap(job, index);
        if (gap) {
          this.shownTicket = ++this.ticket;
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
        this.shownTicket = ++this.ticket;
        this.set(hit, 'ok', index);
        return;
      }
      const mine = ++this.ticket;
      if (this.status !== 'ok') this.status = 'loading';
      cache.get(ref, index, fresh).then(
        (img) => {
          // Latest wins, but not "only the latest": while the user scrolls
          // faster than slices arrive, each answer newer than the image on
          // screen is shown (the picture follows the scroll a slice or two
          // behind) instead of keeping one stale image until the scroll stops.
          if (mine <= this.shownTicket) return;
          this.shownTicket = mine;
          this.set(img, mine === this.ticket ? 'ok' : this.status, index);
        },
        (err: unknown) => {
          if (mine !== this.ticket) return;
          // A running job without a preview yet answers with an error: that is "wait", not a fault.
          if (fresh) this.set(this.image, this.image ? 'ok' : 'waiting', this.shownIndex);
          else {
            this.set(null, 'error');
            this.message = err instanceof Error ? err.message : String(err);
          }
        },
      );
    });
  }

  private set(img: SliceImage | null, status: SourceStatus, index = -1): void {
    this.image = img;
    this.shownIndex = img ? index : -1;
    this.status = status;
    if (status !== 'error') this.message = '';
  }
}
