import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClientMessage } from '@contracts';
import { RpcCore, timeoutFor } from './rpc';

afterEach(() => {
  vi.useRealTimers();
});

describe('RpcCore', () => {
  it('queues calls until a link opens, then matches answers to calls by id', async () => {
    const core = new RpcCore();
    const sent: ClientMessage[] = [];
    const a = core.call('datasets', {});
    const b = core.call('jobs', {});
    expect(sent).toHaveLength(0);
    core.attach((m) => sent.push(m));
    expect(sent.map((m) => m.method)).toEqual(['datasets', 'jobs']);
    // Answers may come back in any order.
    core.receive({ kind: 'result', id: sent[1]!.id, result: ['jobs'] });
    core.receive({ kind: 'error', id: sent[0]!.id, message: 'datasets: the disk is gone' });
    await expect(b).resolves.toEqual(['jobs']);
    await expect(a).rejects.toThrow('datasets: the disk is gone');
  });

  it('fails calls sent over a lost link, keeps unsent ones for the next link, and reports the states', async () => {
    const core = new RpcCore();
    const states: string[] = [];
    core.onState((s) => states.push(s));
    core.attach(() => {});
    const lost = core.call('jobs', {});
    core.detach('the connection was lost');
    await expect(lost).rejects.toThrow('jobs: the connection was lost');
    const later = core.call('datasets', {});
    const sent: ClientMessage[] = [];
    core.attach((m) => sent.push(m));
    core.receive({ kind: 'result', id: sent[0]!.id, result: [] });
    await expect(later).resolves.toEqual([]);
    expect(states).toEqual(['connecting', 'open', 'closed', 'open']);
  });

  it('gives up on a call after its time limit, generously for uploads and jobs', async () => {
    vi.useFakeTimers();
    expect(timeoutFor('upload')).toBeGreaterThanOrEqual(10 * 60_000);
    expect(timeoutFor('submit')).toBe(timeoutFor('upload'));
    const core = new RpcCore();
    core.attach(() => {});
    const slow = core.call('slice', { ref: { kind: 'dataset', datasetId: 'd' }, index: 0 });
    const upload = core.call('upload', { files: [{ name: 'a', data: new ArrayBuffer(1) }] });
    vi.advanceTimersByTime(timeoutFor('slice') + 1);
    await expect(slow).rejects.toThrow(/slice: no answer/);
    let settled = false;
    upload.catch(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    core.close('stopped');
    await expect(upload).rejects.toThrow('upload: stopped');
  });

  it('delivers events to every subscriber and survives a throwing one', () => {
    const core = new RpcCore();
    const seen: string[] = [];
    core.onEvent(() => {
      throw new Error('a buggy panel');
    });
    const off = core.onEvent((e) => seen.push(e.type));
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    core.receive({ kind: 'event', event: { type: 'notice', level: 'info', message: 'x' } });
    off();
    core.receive({ kind: 'event', event: { type: 'notice', level: 'info', message: 'y' } });
    expect(seen).toEqual(['notice']);
    expect(error).toHaveBeenCalledTimes(2);
    error.mockRestore();
  });
});
