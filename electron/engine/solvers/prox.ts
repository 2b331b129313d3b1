/**
 * Proximal maps and regulariser values on interleaved complex arrays. Complex
 * values are shrunk by magnitude (phase kept), as BART's soft-thresholding.
 */

/** In place: v <- v · max(0, 1 - t/|v|) per complex entry (prox of t·||v||_1). */
export function softThreshold(v: Float32Array, t: number): Float32Array {
  for (let i = 0; i < v.length; i += 2) {
    const m = Math.sqrt(v[i]! * v[i]! + v[i + 1]! * v[i + 1]!);
    const s = m > t ? 1 - t / m : 0;
    v[i]! *= s;
    v[i + 1]! *= s;
  }
  return v;
}

/** sum |v_i| over complex entries. */
export function l1Norm(v: Float32Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i += 2) s += Math.sqrt(v[i]! * v[i]! + v[i + 1]! * v[i + 1]!);
  return s;
}

/**
 * Gradients [2][plane] (finite-diff layout): isotropic groups both components
 * of a pixel, anisotropic treats each entry alone.
 */
export function tvNorm(g: Float32Array, isotropic: boolean): number {
  if (!isotropic) return l1Norm(g);
  const plane = g.length / 4;
  let s = 0;
  for (let p = 0; p < plane; p++) {
    const a = 2 * p, b = 2 * (plane + p);
    s += Math.sqrt(g[a]! ** 2 + g[a + 1]! ** 2 + g[b]! ** 2 + g[b + 1]! ** 2);
  }
  return s;
}

/** In place prox of t·TV-norm on gradients (group soft-threshold when isotropic). */
export function tvShrink(g: Float32Array, t: number, isotropic: boolean): Float32Array {
  if (!isotropic) return softThreshold(g, t);
  const plane = g.length / 4;
  for (let p = 0; p < plane; p++) {
    const a = 2 * p, b = 2 * (plane + p);
    const m = Math.sqrt(g[a]! ** 2 + g[a + 1]! ** 2 + g[b]! ** 2 + g[b + 1]! ** 2);
    const s = m > t ? 1 - t / m : 0;
    g[a]! *= s; g[a + 1]! *= s; g[b]! *= s; g[b + 1]! *= s;
  }
  return g;
}

/** In place projection onto the dual ball {|g| <= r} (the conjugate of r·TV-norm). */
export function tvProject(g: Float32Array, r: number, isotropic: boolean): Float32Array {
  if (!isotropic) {
    for (let i = 0; i < g.length; i += 2) {
      const m = Math.sqrt(g[i]! * g[i]! + g[i + 1]! * g[i + 1]!);
      if (m > r) { g[i]! *= r / m; g[i + 1]! *= r / m; }
    }
    return g;
  }
  const plane = g.length / 4;
  for (let p = 0; p < plane; p++) {
    const a = 2 * p, b = 2 * (plane + p);
    const m = Math.sqrt(g[a]! ** 2 + g[a + 1]! ** 2 + g[b]! ** 2 + g[b + 1]! ** 2);
    if (m > r) { const s = r / m; g[a]! *= s; g[a + 1]! *= s; g[b]! *= s; g[b + 1]! *= s; }
  }
  return g;
}
