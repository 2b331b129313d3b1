/**
 * Window/level and colour maps, shared by the WebGL shader (as uniforms) and
 * the Canvas2D fallback (as a 256-entry lookup table). Pure, so the mapping
 * is tested once and both renderers agree.
 */

/** Window width and level (centre), in image units. */
export interface WindowLevel {
  width: number;
  level: number;
}

/** gray: magnitudes; diverging: signed differences; sequential: non-negative spreads (the σ map). */
export type Colormap = 'gray' | 'diverging' | 'sequential';

export type PresetName = 'auto' | 'soft' | 'bright' | 'contrast';
export const PRESETS: readonly PresetName[] = ['auto', 'soft', 'bright', 'contrast'];

/** The smallest window we allow, as a fraction of the range: a zero width would divide by zero. */
const MIN_WIDTH_FRACTION = 1e-4;

/** [lo, hi] of a window: values at or below lo draw black, at or above hi white. */
export function windowBounds(wl: WindowLevel): [number, number] {
  const half = wl.width / 2;
  return [wl.level - half, wl.level + half];
}

/** Position of a value inside the window, clamped to [0, 1]; NaN maps to 0 (black). */
export function windowed(v: number, wl: WindowLevel): number {
  if (!Number.isFinite(v) || !(wl.width > 0)) return 0;
  const t = (v - (wl.level - wl.width / 2)) / wl.width;
  return t <= 0 ? 0 : t >= 1 ? 1 : t;
}

/**
 * Presets relative to the volume's range, so they mean the same on a
 * 0..1 NIfTI and a 0..4095 DICOM. "auto" shows the whole range; the others
 * narrow it the way a reader would for soft tissue, dark images, or edges.
 */
export function presetWindow(name: PresetName, min: number, max: number): WindowLevel {
  const range = max > min ? max - min : 1;
  switch (name) {
    case 'auto':
      return { width: range, level: min + range / 2 };
    case 'soft':
      return { width: range * 0.6, level: min + range * 0.4 };
    case 'bright':
      return { width: range * 0.5, level: min + range * 0.25 };
    case 'contrast':
      return { width: range * 0.3, level: min + range * 0.35 };
  }
}

/**
 * A right-drag: horizontal changes the width, vertical the level, both in
 * proportion to the volume range so one screen width sweeps the whole range.
 * Dragging up raises the level (brighter background, darker image) the way
 * radiology viewers do.
 */
export function dragWindow(start: WindowLevel, dx: number, dy: number, range: number, pixelsPerRange = 600): WindowLevel {
  const k = (range > 0 ? range : 1) / pixelsPerRange;
  const width = Math.max(start.width + dx * k, range * MIN_WIDTH_FRACTION);
  return { width, level: start.level - dy * k };
}

/** RGB (0..255) of the diverging blue–white–red map at t in [0, 1] (0.5 = white = no difference). */
export function divergingRgb(t: number): [number, number, number] {
  const c = t <= 0 ? 0 : t >= 1 ? 1 : t;
  // Two linear ramps through white: saturated ends, a neutral middle that reads as "equal".
  const blue: [number, number, number] = [33, 102, 172];
  const red: [number, number, number] = [178, 24, 43];
  const end = c < 0.5 ? blue : red;
  const a = c < 0.5 ? 1 - c / 0.5 : (c - 0.5) / 0.5;
  return [Math.round(255 + (end[0] - 255) * a), Math.round(255 + (end[1] - 255) * a), Math.round(255 + (end[2] - 255) * a)];
}

/**
 * Parameters of the sequential map: Green's cubehelix (a helix around the
 * grey diagonal of the RGB cube whose brightness rises linearly), chosen so
 * that CIE L* still rises at every one of the 256 steps after clamping to the
 * cube; the test checks that. The shader repeats this formula.
 */
export const SEQUENTIAL = { start: 0.5, rotations: -1.0, hue: 1.2 } as const;

/** RGB (0..255) of the sequential dark-to-bright map at t in [0, 1] (0 = black, 1 = white). */
export function sequentialRgb(t: number): [number, number, number] {
  const c = t <= 0 ? 0 : t >= 1 ? 1 : t;
  const phi = 2 * Math.PI * (SEQUENTIAL.start / 3 + SEQUENTIAL.rotations * c);
  // Colour amplitude vanishes at both ends, so the ramp starts black and ends white.
  const a = (SEQUENTIAL.hue * c * (1 - c)) / 2;
  const cos = Math.cos(phi);
  const sin = Math.sin(phi);
  const ch = (v: number): number => Math.round(255 * (v <= 0 ? 0 : v >= 1 ? 1 : v));
  return [ch(c + a * (-0.14861 * cos + 1.78277 * sin)), ch(c + a * (-0.29227 * cos - 0.90649 * sin)), ch(c + a * 1.97294 * cos)];
}

/** CSS linear-gradient stops of the sequential map, for its colour bar. */
export function sequentialGradient(stops = 9): string {
  const parts: string[] = [];
  for (let i = 0; i < stops; i++) parts.push(`rgb(${sequentialRgb(i / (stops - 1)).join(' ')})`);
  return `linear-gradient(90deg, ${parts.join(', ')})`;
}

/**
 * The σ map's window: 0 up to a high quantile of the finite values (a few
 * hot pixels at edges would otherwise squeeze the rest into black), never
 * above `cap` (the volume's maximum) and never zero wide.
 */
export function robustWindow(data: Float32Array, quantile = 0.995, cap = Number.POSITIVE_INFINITY): WindowLevel {
  const finite: number[] = [];
  for (let i = 0; i < data.length; i++) {
    const v = data[i] ?? Number.NaN;
    if (Number.isFinite(v)) finite.push(v);
  }
  finite.sort((x, y) => x - y);
  const q = finite.length ? (finite[Math.min(finite.length - 1, Math.floor(quantile * (finite.length - 1)))] ?? 0) : 0;
  let hi = Math.min(q, cap);
  if (!(hi > 0)) hi = cap > 0 && Number.isFinite(cap) ? cap : 1;
  return { width: hi, level: hi / 2 };
}

/** 256 RGBA entries of a colour map, packed as little-endian uint32 for fast writes into ImageData. */
export function colormapLut(map: Colormap): Uint32Array {
  const lut = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const [r, g, b] = map === 'gray' ? [i, i, i] : map === 'diverging' ? divergingRgb(i / 255) : sequentialRgb(i / 255);
    lut[i] = (255 << 24) | (b << 16) | (g << 8) | r;
  }
  return lut;
}

/** Writes windowed, colour-mapped pixels (the Canvas2D path). `out` views an ImageData buffer. */
export function applyWindow(data: Float32Array, wl: WindowLevel, lut: Uint32Array, out: Uint32Array): void {
  const lo = wl.level - wl.width / 2;
  // 256 bins over the window (the top value lands in the last bin, not one short of it).
  const scale = wl.width > 0 ? 256 / wl.width : 0;
  const black = lut[0] ?? 0xff000000;
  const n = Math.min(data.length, out.length);
  for (let i = 0; i < n; i++) {
    const v = data[i] ?? Number.NaN;
    if (!(v === v)) {
      out[i] = black;
      continue;
    }
    let k = (v - lo) * scale;
    k = k < 0 ? 0 : k > 255 ? 255 : k;
    out[i] = lut[k | 0] ?? black;
  }
}

/** Pixel-wise a − b (the difference map), NaN where either is missing. */
export function difference(a: Float32Array, b: Float32Array): Float32Array {
  const n = Math.min(a.length, b.length);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (a[i] ?? Number.NaN) - (b[i] ?? Number.NaN);
  return out;
}

/** The window of a symmetric difference scale ±k·range: level 0, width 2·k·range. */
export function symmetricWindow(k: number, range: number): WindowLevel {
  const half = Math.max(k * (range > 0 ? range : 1), 1e-12);
  return { width: 2 * half, level: 0 };
}

/** Short numbers for readouts: 1234, 56.7, 0.0123, 1.2e-5. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1000) return v.toFixed(0);
  if (a >= 1) return Number(v.toPrecision(4)).toString();
  if (a >= 1e-3) return Number(v.toPrecision(3)).toString();
  return v.toExponential(1);
}
