/** Small display formatters shared by the panels. */
import type { DatasetInfo } from '@contracts';

/** Milliseconds as m:ss (or h:mm:ss past an hour); "–" when unknown. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '–';
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${String(m).padStart(2, '0')}:${s}`;
}

/** "24 × 256 × 256 · 8 coils" (slices × height × width). */
export function formatDims(d: Pick<DatasetInfo, 'slices' | 'height' | 'width' | 'coils'>): string {
  const dims = `${d.slices} × ${d.height} × ${d.width}`;
  return d.coils > 1 ? `${dims} · ${d.coils} coils` : dims;
}

/** The kind badge: "image", "k-space", or "k-space · undersampled 4.1×". */
export function kindLabel(d: Pick<DatasetInfo, 'kind' | 'undersampled' | 'fileAccel'>): string {
  if (d.kind === 'image') return 'image';
  if (!d.undersampled) return 'k-space';
  return d.fileAccel !== undefined ? `k-space · undersampled ${d.fileAccel.toFixed(1)}×` : 'k-space · undersampled';
}

/** A metric with a fixed number of decimals, or "–". */
export function fmt(v: number | undefined, digits: number): string {
  return v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}
