/**
 * Slices fetched from the host, kept by bytes in least-recently-used order.
 *
 * - Two viewports asking for the same slice share one request (in-flight de-dup).
 * - Scrolling prefetches the next slices in the scroll direction; a new
 *   prefetch replaces the queue of the previous one (latest wins), so a fast
 *   scroll never waits behind slices it has already passed.
 * - A running job's image changes under the same (ref, index); the caller
 *   asks for those with `fresh` (never stored), and a job that finishes has
 *   its entries dropped (its previews may have been stored under its ref).
 */
import type { ImageRef, SliceImage } from '@contracts';
import { refKey } from '../state/viewports';

export type SliceFetcher = (ref: ImageRef, index: number) => Promise<SliceImage>;

export const DEFAULT_CACHE_BYTES = 512 * 1024 * 1024;
export const PREFETCH_RADIUS = 8;
const WARM_CONCURRENCY = 2;

interface Wanted {
  ref: ImageRef;
  index: number;
}

export function sliceKey(ref: ImageRef, index: number): string {
  return `${refKey(ref)}#${index}`;
}

/** Indices to prefetch around `center`: ahead in the scroll direction first, then a couple behind. */
export function prefetchOrder(center: number, direction: number, radius: number, count: number): number[] {
  const step = direction < 0 ? -1 : 1;
  const out: number[] = [];
  const push = (i: number): void => {
    if (i >= 0 && i < count && i !== center) out.push(i);
  };
  for (let d = 1; d <= radius; d++) push(center + step * d);
  // Behind: a user who overshoots scrolls back a slice or two.
  for (let d = 1; d <= Math.min(2, radius); d++) push(center - step * d);
  return out;
}

export class SliceCache {
  private entries = new Map<string, SliceImage>(); // Map order = recency (oldest first)
  private inflight = new Map<string, Promise<SliceImage>>();
  private queue: Wanted[] = [];
  /** Background fill (whole small volumes), served only when the prefetch queue is empty. */
  private warmQueue: Wanted[] = [];
  private prefetching = 0;
  private used = 0;

  constructor(
    private readonly fetcher: SliceFetcher,
    readonly maxBytes = DEFAULT_CACHE_BYTES,
    private readonly prefetchConcurrency = 4,
  ) {}

  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The slice if it is here (marks it recently used), without asking the host. */
  peek(ref: ImageRef, index: number): SliceImage | undefined {
    const key = sliceKey(ref, index);
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  has(ref: ImageRef, index: number): boolean {
    return this.entries.has(sliceKey(ref, index));
  }

  /**
   * The slice, from here or the host. `fresh` (a running job's preview) skips
   * the cache both ways: it is always asked for and never stored.
   */
  get(ref: ImageRef, index: number, fresh = false): Promise<SliceImage> {
    if (fresh) return this.fetcher(ref, index);
    const hit = this.peek(ref, index);
    if (hit) return Promise.resolve(hit);
    const key = sliceKey(ref, index);
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const p = this.fetcher(ref, index).then(
      (img) => {
        // An answer whose key was invalidated meanwhile (its entry is gone from
        // `inflight`) may be stale: hand it over, do not keep it. Only that
        // key's: a job finishing must not keep other images' answers out.
        if (this.inflight.get(key) === p) {
          this.inflight.delete(key);
          this.store(key, img);
        }
        return img;
      },
      (err: unknown) => {
        if (this.inflight.get(key) === p) this.inflight.delete(key);
        throw err;
      },
    );
    this.inflight.set(key, p);
    return p;
  }

  /**
   * Replaces the prefetch queue with these (ref, index) pairs, in order.
   * Already cached or in-flight slices are skipped; errors are ignored (the
   * viewport asks again and shows the error when the slice is on screen).
   */
  prefetch(wanted: Wanted[]): void {
    this.queue = wanted.filter((w) => !this.entries.has(sliceKey(w.ref, w.index)));
    this.pump();
  }

  /**
   * Adds slices to fetch in the background when nothing more urgent is
   * waiting, e.g. the whole reference volume once it is opened, so that a
   * later scroll is served from memory. At most two at a time: the host is
   * busy reconstructing too.
   */
  warm(wanted: Wanted[]): void {
    this.warmQueue.push(...wanted);
    this.pump();
  }

  /** Drops every entry whose key matches (e.g. one job's, when it finishes or is removed). */
  invalidate(match: (key: string) => boolean): void {
    for (const [key, img] of this.entries) {
      if (match(key)) {
        this.entries.delete(key);
        this.used -= img.data.byteLength;
      }
    }
    for (const key of this.inflight.keys()) if (match(key)) this.inflight.delete(key);
  }

  invalidateRef(ref: ImageRef): void {
    const prefix = `${refKey(ref)}#`;
    this.invalidate((k) => k.startsWith(prefix));
  }

  /** A job's result and uncertainty entries. */
  invalidateJob(jobId: string): void {
    this.invalidate((k) => k.startsWith(`result:${jobId}#`) || k.startsWith(`uncertainty:${jobId}#`));
  }

  clear(): void {
    this.invalidate(() => true);
    this.queue = [];
    this.warmQueue = [];
  }

  private store(key: string, img: SliceImage): void {
    const old = this.entries.get(key);
    if (old) {
      this.used -= old.data.byteLength;
      this.entries.delete(key);
    }
    const size = img.data.byteLength;
    if (size > this.maxBytes) return;
    this.entries.set(key, img);
    this.used += size;
    // Evict from the old end until it fits.
    for (const [k, v] of this.entries) {
      if (this.used <= this.maxBytes) break;
      this.entries.delete(k);
      this.used -= v.data.byteLength;
    }
  }

  private pump(): void {
    while (this.prefetching < this.prefetchConcurrency) {
      const urgent = this.queue.length > 0;
      if (!urgent && this.prefetching >= WARM_CONCURRENCY) return;
      const next = urgent ? this.queue.shift() : this.warmQueue.shift();
      if (!next) return;
      const key = sliceKey(next.ref, next.index);
      if (this.entries.has(key) || this.inflight.has(key)) continue;
      this.prefetching++;
      this.get(next.ref, next.index)
        .catch(() => undefined)
        .finally(() => {
          this.prefetching--;
          this.pump();
        });
    }
  }
}
