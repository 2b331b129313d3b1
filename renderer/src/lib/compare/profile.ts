/**
 * Line profiles: values along a segment, sampled bilinearly so a line at any
 * angle gives a smooth curve, one sample per image pixel of length.
 */

/** Bilinear value at continuous pixel coordinates (pixel centres at i + 0.5); NaN outside. */
export function bilinear(data: Float32Array, width: number, height: number, x: number, y: number): number {
  const fx = x - 0.5;
  const fy = y - 0.5;
  if (fx < -0.5 || fy < -0.5 || fx > width - 0.5 || fy > height - 0.5) return Number.NaN;
  // Clamp to the outer pixel centres so the half-pixel border reads the edge value.
  const cx = Math.min(Math.max(fx, 0), width - 1);
  const cy = Math.min(Math.max(fy, 0), height - 1);
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(x0 + 1, width - 1);
  const y1 = Math.min(y0 + 1, height - 1);
  const tx = cx - x0;
  const ty = cy - y0;
  const at = (xx: number, yy: number): number => data[yy * width + xx] ?? Number.NaN;
  const top = at(x0, y0) * (1 - tx) + at(x1, y0) * tx;
  const bottom = at(x0, y1) * (1 - tx) + at(x1, y1) * tx;
  return top * (1 - ty) + bottom * ty;
}

export interface Line {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Number of samples for a line: one per pixel of length, at least two. */
export function sampleCount(line: Line): number {
  return Math.max(2, Math.ceil(Math.hypot(line.x1 - line.x0, line.y1 - line.y0)) + 1);
}

/** Values at `n` evenly spaced points from (x0, y0) to (x1, y1), ends included. */
export function lineProfile(data: Float32Array, width: number, height: number, line: Line, n = sampleCount(line)): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = n === 1 ? 0 : i / (n - 1);
    out[i] = bilinear(data, width, height, line.x0 + (line.x1 - line.x0) * t, line.y0 + (line.y1 - line.y0) * t);
  }
  return out;
}

/** One viewport's profile, as the plot takes it. */
export interface ProfileSeries {
  key: string;
  label: string;
  colour: string;
  values: Float64Array;
}
