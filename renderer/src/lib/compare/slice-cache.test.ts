import { describe, expect, it } from 'vitest';
import type { ImageRef, SliceImage } from '@contracts';
import { prefetchOrder, SliceCache } from './slice-cache';

const ds: ImageRef = { kind: 'dataset', datasetId: 'd1' };
const job: ImageRef = { kind: 'result', jobId: 'j1' };

function image(values: number, fill = 0): SliceImage {
  return { width: values, height: 1, data: new Float32Array(values).fill(fill).buffer, min: 0, max: 1 };
}

/** A fetcher that records calls and resolves when told. */
function deferredFetcher(bytesPerSlice = 16) {
  const calls: string[] = [];
  const pending: (() => void)[] = [];
  const fetcher = (ref: ImageRef, index: number): Promise<SliceImage> => {
    calls.push(`${ref.kind}#${index}`);
    return new Promise((resolve) => pending.push(() => resolve(image(bytesPerSlice / 4, index))));
  };
  const flush = async (): Promise<void> => {
    while (pending.length) pending.shift()?.();
    await new Promise((r) => setTimeout(r, 0));
  };
  return { calls, fetcher, flush };
}

describe('slice cache', () => {
  it('shares one request between two askers and then answers from memory', async () => {
    const f = deferredFetcher();
    const c = new SliceCache(f.fetcher);
    const a = c.get(ds, 3);
    const b = c.get(ds, 3);
    await f.flush();
    expect(await a).toBe(await b);
    expect(f.calls).toEqual(['dataset#3']);
    expect(c.peek(ds, 3)).toBe(await a);
    await c.get(ds, 3);
    expect(f.calls).toHaveLength(1);
  });

  it('evicts the least recently used when over its byte budget', async () => {
    const f = deferredFetcher(16);
    const c = new SliceCache(f.fetcher, 48);
    for (const i of [0, 1, 2]) {
      const p = c.get(ds, i);
      await f.flush();
      await p;
    }
    c.peek(ds, 0); // touch 0: now 1 is the oldest
    const p = c.get(ds, 3);
    await f.flush();
    await p;
    expect(c.bytes).toBe(48);
    expect(c.has(ds, 1)).toBe(false);
    expect(c.has(ds, 0)).toBe(true);
    expect(c.has(ds, 3)).toBe(true);
  });

  it('never stores fresh (running job) slices', async () => {
    const f = deferredFetcher();
    const c = new SliceCache(f.fetcher);
    const p = c.get(job, 0, true);
    await f.flush();
    await p;
    expect(c.has(job, 0)).toBe(false);
  });

  it('drops a job and does not store answers that crossed the invalidation', async () => {
    const f = deferredFetcher();
    const c = new SliceCache(f.fetcher);
    let p = c.get(job, 0);
    await f.flush();
    await p;
    p = c.get(job, 1);
    c.invalidateJob('j1');
    await f.flush();
    await p;
    expect(c.has(job, 0)).toBe(false);
    expect(c.has(job, 1)).toBe(false);
    expect(c.bytes).toBe(0);
  });

  it("keeps other images' answers that crossed one job's invalidation", async () => {
    const f = deferredFetcher();
    const c = new SliceCache(f.fetcher);
    const p = c.get(ds, 4);
    c.invalidateJob('j1');
    await f.flush();
    await p;
    expect(c.has(ds, 4)).toBe(true);
  });

  it('prefetches ahead in the scroll direction, latest request wins', async () => {
    expect(prefetchOrder(10, 1, 3, 100)).toEqual([11, 12, 13, 9, 8]);
    expect(prefetchOrder(1, -1, 3, 100)).toEqual([0, 2, 3]);
    const f = deferredFetcher();
    const c = new SliceCache(f.fetcher, 1 << 20, 2);
    c.prefetch([5, 6, 7, 8].map((index) => ({ ref: ds, index })));
    expect(f.calls).toEqual(['dataset#5', 'dataset#6']);
    // The user scrolled on: the old queue (7, 8) is replaced.
    c.prefetch([20, 21].map((index) => ({ ref: ds, index })));
    await f.flush();
    await f.flush();
    expect(f.calls).toEqual(['dataset#5', 'dataset#6', 'dataset#20', 'dataset#21']);
    expect(c.size).toBe(4);
  });
});

describe('slice cache background fill', () => {
  it('serves prefetches before warm entries and never more than two warm at once', async () => {
    const f = deferredFetcher();
    const c = new SliceCache(f.fetcher, 1 << 20, 4);
    c.warm([0, 1, 2, 3].map((index) => ({ ref: ds, index })));
    expect(f.calls).toEqual(['dataset#0', 'dataset#1']);
    c.prefetch([10, 11].map((index) => ({ ref: ds, index })));
    expect(f.calls).toEqual(['dataset#0', 'dataset#1', 'dataset#10', 'dataset#11']);
    await f.flush();
    await f.flush();
    expect(f.calls.slice(4)).toEqual(['dataset#2', 'dataset#3']);
  });
});
