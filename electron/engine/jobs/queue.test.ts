import { describe, expect, it } from 'vitest';
import { JobQueue, type QueueEvent, type QueuedJob } from './queue';
import { reconCs } from '../recon';
import { simulate } from '../acquire';
import { rtensor } from '../array';

/** A real small CS problem: a 32x32 disc undersampled 3x. */
function smallInput() {
  const image = rtensor([1, 32, 32]);
  for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) image.data[y * 32 + x] = (y - 16) ** 2 + (x - 15) ** 2 < 100 ? 1 : 0.2;
  const scan = simulate(image, { seed: 1, coils: 1, mask: { kind: 'equispaced-fraction', accel: 3, centerFraction: 0.1, seed: 1 } });
  return { kspace: scan.kspace, mask: { shape: scan.mask.shape, data: scan.mask.data }, reference: scan.reference };
}

type Spec = { iters: number };
function makeQueue() {
  const events: [QueueEvent, string, string][] = [];
  const input = smallInput();
  const queue = new JobQueue<Spec, number>(
    async (spec, ctx) => {
      const r = await reconCs(input, { iters: spec.iters, every: 1 }, { signal: ctx.signal, onProgress: (p) => ctx.progress(p.fraction, p.message) });
      return r.history.length;
    },
    (event, job: QueuedJob<Spec, number>) => events.push([event, job.id, job.state]),
  );
  return { queue, events };
}

describe('JobQueue', () => {
  it('runs jobs one at a time in order, with progress and an ETA', async () => {
    const { queue, events } = makeQueue();
    const a = queue.add({ iters: 20 });
    const b = queue.add({ iters: 5 });
    expect(a.state).toBe('queued');
    await queue.idle();
    expect(queue.get(a.id)).toMatchObject({ state: 'done', result: 20, fraction: 1 });
    expect(queue.get(b.id)).toMatchObject({ state: 'done', result: 5 });
    const starts = events.filter((e) => e[0] === 'started').map((e) => e[1]);
    expect(starts).toEqual([a.id, b.id]);
    // b never started before a finished
    const aDone = events.findIndex((e) => e[0] === 'finished' && e[1] === a.id);
    const bStart = events.findIndex((e) => e[0] === 'started' && e[1] === b.id);
    expect(aDone).toBeLessThan(bStart);
    expect(events.some((e) => e[0] === 'progress' && e[1] === a.id)).toBe(true);
  });

  it('cancels a running job through its signal and a queued one before it starts; retry queues the spec again', async () => {
    const { queue } = makeQueue();
    const long = queue.add({ iters: 100000 });
    const next = queue.add({ iters: 3 });
    const dropped = queue.add({ iters: 3 });
    while (queue.get(long.id)!.state !== 'running' || queue.get(long.id)!.fraction === 0) await new Promise((r) => setTimeout(r, 5));
    expect(queue.get(long.id)!.etaMs ?? 0).toBeGreaterThanOrEqual(0);
    expect(queue.cancel(dropped.id)).toBe(true);
    expect(queue.cancel(long.id)).toBe(true);
    await queue.idle();
    expect(queue.get(long.id)!.state).toBe('cancelled');
    expect(queue.get(dropped.id)!.state).toBe('cancelled');
    expect(queue.get(dropped.id)!.startedAt).toBeUndefined();
    expect(queue.get(next.id)!.state).toBe('done');
    const again = queue.retry(dropped.id);
    expect(again.id).not.toBe(dropped.id);
    expect(again.retryOf).toBe(dropped.id);
    await queue.idle();
    expect(queue.get(again.id)).toMatchObject({ state: 'done', result: 3 });
    expect(queue.cancel(again.id)).toBe(false);
  });

  it('records a failure in words and keeps running the next job', async () => {
    const { queue } = makeQueue();
    const bad = queue.add({ iters: 0 });
    const good = queue.add({ iters: 2 });
    await queue.idle();
    expect(queue.get(bad.id)!.state).toBe('failed');
    expect(queue.get(bad.id)!.error).toMatch(/iters must be a positive integer/);
    expect(queue.get(good.id)!.state).toBe('done');
    expect(queue.remove(bad.id)).toBe(true);
    expect(queue.get(bad.id)).toBeUndefined();
  });
});
