import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { latestRunner } from './latest';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** A promise resolved by hand, to control the order answers arrive in. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('latestRunner', () => {
  it('debounces: only the last request within the delay runs', async () => {
    const got: number[] = [];
    const started: number[] = [];
    const r = latestRunner<number>(120, (v) => got.push(v), () => {});
    for (const n of [1, 2, 3]) r.schedule(async () => (started.push(n), n));
    await vi.advanceTimersByTimeAsync(119);
    expect(started).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toEqual([3]);
    expect(got).toEqual([3]);
  });

  it('drops a stale answer that arrives after a newer one', async () => {
    const got: string[] = [];
    const r = latestRunner<string>(10, (v) => got.push(v), () => {});
    const slow = deferred<string>();
    r.schedule(() => slow.promise);
    await vi.advanceTimersByTimeAsync(10); // slow is in flight
    r.schedule(async () => 'fresh');
    await vi.advanceTimersByTimeAsync(10);
    slow.resolve('stale');
    await vi.advanceTimersByTimeAsync(0);
    expect(got).toEqual(['fresh']);
  });

  it('reports only the latest failure, and nothing after cancel', async () => {
    const errors: unknown[] = [];
    const got: number[] = [];
    const r = latestRunner<number>(5, (v) => got.push(v), (e) => errors.push(e));
    r.schedule(async () => {
      throw new Error('boom');
    });
    await vi.advanceTimersByTimeAsync(5);
    expect(errors).toHaveLength(1);
    r.schedule(async () => 7);
    r.cancel();
    await vi.advanceTimersByTimeAsync(50);
    expect(got).toEqual([]);
  });
});
