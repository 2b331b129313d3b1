import { describe, expect, it } from 'vitest';
import type { JobInfo } from '@contracts';
import { alignSeries, rowsForSlice } from './convergence';
import { gridShape } from './layout';
import { bestOf, metricsRows, sortRows } from './metrics';
import { shortcutFor } from './shortcuts';

function job(id: string, psnr: number, ssim: number, nmse: number): JobInfo {
  return {
    id,
    datasetId: 'd',
    method: id,
    label: id.toUpperCase(),
    options: {},
    acquisition: { mode: 'simulate', mask: 'random', accel: 4, centerFraction: 0.08, calib: 24, seed: 1, coils: 1, snr: null },
    slices: [4, 6],
    state: 'done',
    fraction: 1,
    message: '',
    queuedAt: 0,
    notes: [],
    metrics: { dataRange: 1, perSlice: [{ slice: 5, psnr: psnr + 1, ssim, nmse }], volume: { psnr, ssim, nmse } },
  };
}

describe('metrics table rows', () => {
  const jobs = [job('zf', 25, 0.7, 0.05), job('cs', 31, 0.9, 0.01), { ...job('q', 0, 0, 0), metrics: undefined }];

  it('lists finished jobs for the mean or one slice', () => {
    const mean = metricsRows(jobs, 'mean', 5);
    expect(mean.map((r) => r.jobId)).toEqual(['zf', 'cs']);
    expect(mean[1]?.psnr).toBe(31);
    expect(metricsRows(jobs, 'slice', 5)[1]?.psnr).toBe(32);
    expect(metricsRows(jobs, 'slice', 9)[0]?.psnr).toBeNull();
  });

  it('marks the best of each column in its own direction', () => {
    expect(bestOf(metricsRows(jobs, 'mean', 5))).toEqual({ psnr: 'cs', ssim: 'cs', nmse: 'cs' });
    expect(bestOf(metricsRows(jobs.slice(0, 1), 'mean', 5)).psnr).toBeNull();
  });

  it('sorts with missing values last', () => {
    const rows = metricsRows(jobs, 'mean', 5);
    expect(sortRows(rows, 'psnr', 1).map((r) => r.jobId)).toEqual(['zf', 'cs']);
    expect(sortRows(rows, 'label', 1).map((r) => r.jobId)).toEqual(['cs', 'zf']);
  });
});

describe('convergence series', () => {
  it('aligns jobs on iteration, nulls where missing or not plottable on a log axis', () => {
    const a = [
      { slice: 0, iteration: 0, objective: 10, elapsedMs: 1 },
      { slice: 0, iteration: 1, objective: 5, elapsedMs: 2 },
    ];
    const b = [{ slice: 0, iteration: 1, objective: 0, elapsedMs: 1, psnr: 30 }];
    expect(alignSeries([a, b], 'objective')).toEqual([
      [0, 1],
      [10, 5],
      [null, null],
    ]);
    expect(alignSeries([a, b], 'psnr')[2]).toEqual([null, 30]);
  });

  it('takes the slice on screen, or the last one reported', () => {
    const rows = [
      { slice: 3, iteration: 0, elapsedMs: 0 },
      { slice: 4, iteration: 0, elapsedMs: 0 },
    ];
    expect(rowsForSlice(rows, 3)).toHaveLength(1);
    expect(rowsForSlice(rows, 9)[0]?.slice).toBe(4);
  });
});

describe('layout and shortcuts', () => {
  it('grid shapes', () => {
    expect(gridShape(4)).toEqual({ cols: 2, rows: 2 });
    expect(gridShape(5)).toEqual({ cols: 3, rows: 2 });
  });

  const key = (key: string, extra: Partial<KeyboardEvent> = {}) =>
    shortcutFor({ key, code: '', ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...extra });

  it('maps keys and leaves the shell and forms theirs', () => {
    expect(key('ArrowDown')).toEqual({ kind: 'slice', delta: 1 });
    expect(key('3')).toEqual({ kind: 'layout', count: 3 });
    expect(key('!', { code: 'Digit1', shiftKey: true })).toEqual({ kind: 'preset', name: 'auto' });
    expect(key('o', { ctrlKey: true })).toBeNull();
    expect(key('Enter')).toBeNull();
    expect(key('f')).toEqual({ kind: 'tool', tool: 'flicker' });
  });
});
