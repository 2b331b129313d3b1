/**
 * Convergence curves in uPlot's aligned-columns shape: one x column of
 * iterations, one y column per job, null where a job has no row.
 */
import type { HistoryRow } from '@contracts';

export type ConvergenceMetric = 'objective' | 'psnr';

/**
 * The rows to plot of one job: those of `slice` when the job has any there,
 * otherwise those of the last slice it reported (a job still on its first slice).
 */
export function rowsForSlice(rows: readonly HistoryRow[], slice: number): HistoryRow[] {
  const here = rows.filter((r) => r.slice === slice);
  if (here.length > 0) return here;
  const last = rows.at(-1);
  return last ? rows.filter((r) => r.slice === last.slice) : [];
}

/** [iterations, ...one column per job]; non-positive objectives become null (log axis). */
export function alignSeries(perJob: readonly (readonly HistoryRow[])[], metric: ConvergenceMetric): (number | null)[][] {
  const its = new Set<number>();
  for (const rows of perJob) for (const r of rows) its.add(r.iteration);
  const xs = [...its].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const cols = perJob.map((rows) => {
    const ys: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    for (const r of rows) {
      const v = metric === 'objective' ? r.objective : r.psnr;
      const i = at.get(r.iteration);
      if (i === undefined || v === undefined || !Number.isFinite(v)) continue;
      ys[i] = metric === 'objective' && v <= 0 ? null : v;
    }
    return ys;
  });
  return [xs, ...cols];
}
