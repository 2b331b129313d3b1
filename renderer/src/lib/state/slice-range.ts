/**
 * The slice range a new selection starts with. Reconstructing a whole
 * 200-slice series with CS takes minutes, so a fresh selection proposes a
 * small window around the middle slice (where the anatomy usually is) and the
 * user widens it on purpose.
 */

/** Half-open range [start, end) of at most 2*halfWidth+1 slices centred on the middle slice. */
export function defaultSliceRange(slices: number, halfWidth = 2): [number, number] {
  if (!Number.isFinite(slices) || slices < 1) return [0, 1];
  const n = Math.floor(slices);
  const mid = Math.floor(n / 2);
  return [Math.max(0, mid - halfWidth), Math.min(n, mid + halfWidth + 1)];
}

/**
 * Clamps a user-edited range to the dataset: integers, start in [0, slices-1],
 * end in [start+1, slices]. Keeps the range non-empty whatever was typed.
 */
export function clampSliceRange(start: number, end: number, slices: number): [number, number] {
  const n = Math.max(1, Math.floor(slices));
  const s = Math.min(n - 1, Math.max(0, Math.floor(Number.isFinite(start) ? start : 0)));
  const e = Math.min(n, Math.max(s + 1, Math.floor(Number.isFinite(end) ? end : s + 1)));
  return [s, e];
}

/** The slice an acquisition preview shows for a range: its middle one. */
export function middleOfRange([start, end]: [number, number]): number {
  return Math.max(start, Math.floor((start + end - 1) / 2));
}
