/** Metric reports as CSV and JSON, one row per slice plus the volume summary. */
export interface SliceMetricRow {
  method: string;
  slice: number;
  nmse: number;
  psnr: number;
  ssim: number;
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(8) : String(v);
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function metricsCsv(rows: SliceMetricRow[]): string {
  const lines = ['method,slice,nmse,psnr,ssim'];
  for (const r of rows) lines.push([csvField(r.method), String(r.slice), fmt(r.nmse), fmt(r.psnr), fmt(r.ssim)].join(','));
  return lines.join('\n') + '\n';
}
