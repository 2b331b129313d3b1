/**
 * A small dependency-free SVG line-chart writer for convergence curves: one
 * or more panels side by side, linear or log-10 y axis, ticks, titles and one
 * shared legend. Colours are the Okabe–Ito palette (safe for the common
 * colour-vision deficiencies); series past the eighth also get a dash pattern
 * so no two lines look alike. svgToPng rasterises with sharp (librsvg), so no
 * browser is involved; text uses DejaVu Sans (Debian fonts-dejavu-core).
 */
import sharp from 'sharp';

export interface Series {
  name: string;
  x: number[];
  y: number[];
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  logY?: boolean;
  series: Series[];
}

export interface ChartOptions {
  title?: string;
  subtitle?: string;
  panelWidth?: number;
  panelHeight?: number;
}

// Okabe–Ito, with its yellow (#F0E442, too faint on white) replaced by Paul Tol's olive.
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#000000', '#999933'];
const DASHES = ['', '6 3', '2 2', '8 3 2 3'];
const FONT = "DejaVu Sans, Verdana, sans-serif";

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Round numbers (1, 2, 5 x 10^k) covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** Log-axis ticks: powers of ten, plus 2x and 5x when the range spans less than two decades. */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const mult = b - a <= 2 ? [1, 2, 5] : [1];
  const out: number[] = [];
  for (let k = a; k <= b; k++) for (const m of mult) {
    const v = m * 10 ** k;
    if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
  }
  return out.length >= 2 ? out : [lo, hi];
}

export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    const [m, e] = v.toExponential(1).split('e');
    return `${m!.replace(/\.0$/, '')}e${Number(e)}`;
  }
  return String(Number(v.toPrecision(4)));
}

function extent(values: number[], log: boolean): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return log ? [1, 10] : [0, 1];
  if (lo === hi) return log ? [lo / 2, hi * 2] : [lo - (Math.abs(lo) || 1) * 0.5, hi + (Math.abs(hi) || 1) * 0.5];
  return [lo, hi];
}

/**
 * Earlier series are drawn wider, so a later series lying exactly on top of
 * one (two optimizers that agree) leaves the first one's colour as a visible rim.
 * Legend lines keep at least 2.5 px so every colour reads.
 */
function strokeWidth(k: number, count: number): number {
  return count <= 1 ? 2 : 1.5 + (2.5 * (count - 1 - k)) / (count - 1);
}

function panelSvg(p: Panel, ox: number, oy: number, w: number, h: number, seriesIndex: Map<string, number>): string {
  const m = { left: 74, right: 16, top: 34, bottom: 48 };
  const pw = w - m.left - m.right;
  const ph = h - m.top - m.bottom;
  const log = Boolean(p.logY);
  const [x0, x1] = extent(p.series.flatMap((s) => s.x), false);
  let [y0, y1] = extent(p.series.flatMap((s) => s.y), log);
  let yt: number[];
  if (log) {
    // Whole decades when the data span two or more, so both ends carry a label.
    const q = Math.log10(y1) - Math.log10(y0) >= 2 ? 1 : 4;
    y0 = 10 ** (Math.floor(Math.log10(y0) * q) / q);
    y1 = 10 ** (Math.ceil(Math.log10(y1) * q) / q);
    yt = logTicks(y0, y1);
  } else {
    // Widen to the enclosing round numbers so the extreme values sit on or inside labelled ticks.
    const t = niceTicks(y0, y1);
    const step = t.length > 1 ? t[1]! - t[0]! : Math.abs(y0) || 1;
    y0 = Math.floor(y0 / step + 1e-9) * step;
    y1 = Math.ceil(y1 / step - 1e-9) * step;
    yt = niceTicks(y0, y1).filter((v) => v >= y0 - step * 1e-9 && v <= y1 + step * 1e-9);
  }
  const xt = niceTicks(x0, x1, 6).filter((v) => v >= x0 && v <= x1);
  const sx = (v: number) => ox + m.left + ((v - x0) / (x1 - x0 || 1)) * pw;
  const sy = (v: number) => {
    const f = log ? (Math.log10(v) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0)) : (v - y0) / (y1 - y0 || 1);
    return oy + m.top + (1 - f) * ph;
  };
  const parts: string[] = [];
  parts.push(`<rect x="${ox + m.left}" y="${oy + m.top}" width="${pw}" height="${ph}" fill="#ffffff" stroke="#444444" stroke-width="1"/>`);
  for (const v of yt) {
    const y = sy(v).toFixed(1);
    parts.push(`<line x1="${ox + m.left}" x2="${ox + m.left + pw}" y1="${y}" y2="${y}" stroke="#e3e3e3" stroke-width="1"/>`);
    parts.push(`<line x1="${ox + m.left - 5}" x2="${ox + m.left}" y1="${y}" y2="${y}" stroke="#444444"/>`);
    parts.push(`<text x="${ox + m.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="12">${escapeXml(formatTick(v))}</text>`);
  }
  for (const v of xt) {
    const x = sx(v).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${oy + m.top}" y2="${oy + m.top + ph}" stroke="#efefef" stroke-width="1"/>`);
    parts.push(`<line x1="${x}" x2="${x}" y1="${oy + m.top + ph}" y2="${oy + m.top + ph + 5}" stroke="#444444"/>`);
    parts.push(`<text x="${x}" y="${oy + m.top + ph + 19}" text-anchor="middle" font-size="12">${escapeXml(formatTick(v))}</text>`);
  }
  parts.push(`<text x="${ox + m.left + pw / 2}" y="${oy + 20}" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(p.title)}</text>`);
  parts.push(`<text x="${ox + m.left + pw / 2}" y="${oy + h - 10}" text-anchor="middle" font-size="13">${escapeXml(p.xLabel)}</text>`);
  const ly = oy + m.top + ph / 2;
  parts.push(`<text x="${ox + 16}" y="${ly}" text-anchor="middle" font-size="13" transform="rotate(-90 ${ox + 16} ${ly})">${escapeXml(p.yLabel + (log ? ' (log)' : ''))}</text>`);
  const clip = `clip${Math.round(ox)}_${Math.round(oy)}`;
  parts.push(`<clipPath id="${clip}"><rect x="${ox + m.left}" y="${oy + m.top}" width="${pw}" height="${ph}"/></clipPath>`);
  for (const s of p.series) {
    const k = seriesIndex.get(s.name) ?? 0;
    // Non-finite (or non-positive on a log axis) points break the line rather than drop to an edge.
    const runs: string[] = [];
    let cur: string[] = [];
    for (let i = 0; i < Math.min(s.x.length, s.y.length); i++) {
      const xv = s.x[i]!, yv = s.y[i]!;
      if (!Number.isFinite(xv) || !Number.isFinite(yv) || (log && yv <= 0)) {
        if (cur.length) runs.push(cur.join(' '));
        cur = [];
        continue;
      }
      cur.push(`${sx(xv).toFixed(1)},${sy(yv).toFixed(1)}`);
    }
    if (cur.length) runs.push(cur.join(' '));
    const dash = DASHES[Math.floor(k / PALETTE.length) % DASHES.length]!;
    for (const pts of runs) {
      parts.push(
        `<polyline points="${pts}" fill="none" stroke="${PALETTE[k % PALETTE.length]}" stroke-width="${strokeWidth(k, seriesIndex.size)}" stroke-linejoin="round"${dash ? ` stroke-dasharray="${dash}"` : ''} clip-path="url(#${clip})"/>`,
      );
    }
  }
  return parts.join('\n');
}

/** Panels side by side with one legend on the right. */
export function lineChartSvg(panels: Panel[], opts: ChartOptions = {}): string {
  if (panels.length === 0) throw new RangeError('lineChartSvg needs at least one panel');
  const pw = opts.panelWidth ?? 460;
  const ph = opts.panelHeight ?? 360;
  const names: string[] = [];
  for (const p of panels) for (const s of p.series) if (!names.includes(s.name)) names.push(s.name);
  const index = new Map(names.map((n, i) => [n, i]));
  const legendW = 40 + 8 * Math.max(8, ...names.map((n) => n.length));
  const top = opts.title ? (opts.subtitle ? 56 : 38) : 6;
  const width = pw * panels.length + legendW + 10;
  const height = top + ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}" fill="#222222">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
  ];
  if (opts.title) out.push(`<text x="${width / 2}" y="24" text-anchor="middle" font-size="17" font-weight="bold">${escapeXml(opts.title)}</text>`);
  if (opts.subtitle) out.push(`<text x="${width / 2}" y="44" text-anchor="middle" font-size="12" fill="#555555">${escapeXml(opts.subtitle)}</text>`);
  panels.forEach((p, i) => out.push(panelSvg(p, i * pw, top, pw, ph, index)));
  const lx = pw * panels.length + 6;
  names.forEach((n, k) => {
    const y = top + 44 + k * 22;
    const dash = DASHES[Math.floor(k / PALETTE.length) % DASHES.length]!;
    out.push(`<line x1="${lx}" x2="${lx + 26}" y1="${y}" y2="${y}" stroke="${PALETTE[k % PALETTE.length]}" stroke-width="${Math.max(2.5, strokeWidth(k, names.length))}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    out.push(`<text x="${lx + 32}" y="${y}" dominant-baseline="middle" font-size="13">${escapeXml(n)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

/** Rasterise an SVG to an 8-bit RGB PNG with sharp (librsvg); density 96 = 1 px per SVG unit. */
export async function svgToPng(svg: string, scale = 1.5): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density: 96 * scale }).flatten({ background: '#ffffff' }).png().toBuffer();
}
