/**
 * The metrics table's rows: one per finished job, for the current slice or
 * the whole volume, with the best value of each column marked and a stable
 * sort. Pure so the rules are tested without a component.
 */
import type { JobInfo } from '@contracts';

export type MetricsScope = 'slice' | 'mean';
export type MetricsColumn = 'label' | 'accel' | 'psnr' | 'ssim' | 'nmse';

export interface MetricsRow {
  jobId: string;
  label: string;
  method: string;
  accel: number | null;
  psnr: number | null;
  ssim: number | null;
  nmse: number | null;
}

/** Which way is better, per numeric column. */
export const BETTER: Record<'psnr' | 'ssim' | 'nmse', 'high' | 'low'> = { psnr: 'high', ssim: 'high', nmse: 'low' };

export function metricsRows(jobs: readonly JobInfo[], scope: MetricsScope, slice: number): MetricsRow[] {
  const rows: MetricsRow[] = [];
  for (const j of jobs) {
    if (!j.metrics) continue;
    const m = scope === 'mean' ? j.metrics.volume : j.metrics.perSlice.find((s) => s.slice === slice);
    rows.push({
      jobId: j.id,
      label: j.label,
      method: j.method,
      accel: j.accel ?? (j.acquisition.mode === 'simulate' ? j.acquisition.accel : null),
      psnr: m?.psnr ?? null,
      ssim: m?.ssim ?? null,
      nmse: m?.nmse ?? null,
    });
  }
  return rows;
}

/** Job id holding the best value of each metric column (ties: the first). */
export function bestOf(rows: readonly MetricsRow[]): Record<'psnr' | 'ssim' | 'nmse', string | null> {
  const out: Record<'psnr' | 'ssim' | 'nmse', string | null> = { psnr: null, ssim: null, nmse: null };
  for (const col of ['psnr', 'ssim', 'nmse'] as const) {
    let best: number | null = null;
    for (const r of rows) {
      const v = r[col];
      if (v === null || !Number.isFinite(v)) continue;
      if (best === null || (BETTER[col] === 'high' ? v > best : v < best)) {
        best = v;
        out[col] = r.jobId;
      }
    }
  }
  // One row is not "best" of anything.
  if (rows.length < 2) return { psnr: null, ssim: null, nmse: null };
  return out;
}

/** Sorted copy; missing values last whatever the direction. */
export function sortRows(rows: readonly MetricsRow[], col: MetricsColumn, dir: 1 | -1): MetricsRow[] {
  return [...rows].sort((a, b) => {
    const x = a[col];
    const y = b[col];
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    if (typeof x === 'string' || typeof y === 'string') return String(x).localeCompare(String(y)) * dir;
    return (x - y) * dir;
  });
}
