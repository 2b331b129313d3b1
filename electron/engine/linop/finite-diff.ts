/**
 * Forward finite differences of a complex image, the G in total variation:
 *   G: image [ny][nx] -> gradients [2][ny][nx], component 0 = d/dy, 1 = d/dx,
 *   (Gx)[0][y][x] = x[y+1][x] - x[y][x].
 * Boundary 'periodic' wraps (BART's TV, circulant so diagonalised by the FFT);
 * 'neumann' sets the difference to zero on the last row/column (no jump across
 * the edge of the field of view). The adjoint is the exact transpose (minus
 * the backward-difference divergence), so both pass the adjoint test.
 * Anisotropic TV = sum of |G x| over both components, isotropic TV = sum over
 * pixels of sqrt(|Gx_y|^2 + |Gx_x|^2): see solvers/prox.ts.
 */
import type { LinOp } from './linop';
import { linop } from './linop';

export type DiffBoundary = 'periodic' | 'neumann';

/**
 * G^H G x in one pass (the negative Laplacian, 5-point stencil, same boundary):
 * per axis 2x[p] - x[next] - x[prev] (periodic), or the one-sided terms that
 * exist (neumann). ADMM's CG applies it once per inner iteration: one read of
 * x and no [2][ny][nx] temporary, instead of G then G^H.
 */
function gramian(x: Float32Array, ny: number, nx: number, periodic: boolean): Float32Array {
  const out = new Float32Array(2 * ny * nx);
  for (let y = 0; y < ny; y++) {
    const yn = y + 1 < ny ? y + 1 : periodic ? 0 : -1;
    const yp = y > 0 ? y - 1 : periodic ? ny - 1 : -1;
    for (let i = 0; i < nx; i++) {
      const xn = i + 1 < nx ? i + 1 : periodic ? 0 : -1;
      const xp = i > 0 ? i - 1 : periodic ? nx - 1 : -1;
      const k = 2 * (y * nx + i);
      const vr = x[k]!, vi = x[k + 1]!;
      let ar = 0, ai = 0;
      if (yn >= 0) { const j = 2 * (yn * nx + i); ar += vr - x[j]!; ai += vi - x[j + 1]!; }
      if (yp >= 0) { const j = 2 * (yp * nx + i); ar += vr - x[j]!; ai += vi - x[j + 1]!; }
      if (xn >= 0) { const j = 2 * (y * nx + xn); ar += vr - x[j]!; ai += vi - x[j + 1]!; }
      if (xp >= 0) { const j = 2 * (y * nx + xp); ar += vr - x[j]!; ai += vi - x[j + 1]!; }
      out[k] = ar; out[k + 1] = ai;
    }
  }
  return out;
}

/** G, with `normal` = G^H G fused (used by ADMM's inner CG when present). */
export function finiteDiffOp(ny: number, nx: number, boundary: DiffBoundary = 'periodic'): LinOp & { normal: (x: Float32Array) => Float32Array } {
  if (boundary !== 'periodic' && boundary !== 'neumann') throw new RangeError(`finiteDiffOp: boundary must be periodic or neumann, got ${String(boundary)}`);
  const plane = ny * nx;
  const periodic = boundary === 'periodic';
  const G = linop(
    `G(${boundary})`,
    [ny, nx],
    [2, ny, nx],
    (x) => {
      const out = new Float32Array(4 * plane);
      const o1 = 2 * plane;
      for (let y = 0; y < ny; y++) {
        const yn = y + 1 < ny ? y + 1 : periodic ? 0 : -1;
        for (let xx = 0; xx < nx; xx++) {
          const i = 2 * (y * nx + xx);
          const xr = x[i]!, xi = x[i + 1]!;
          if (yn >= 0) {
            const j = 2 * (yn * nx + xx);
            out[i] = x[j]! - xr;
            out[i + 1] = x[j + 1]! - xi;
          }
          const xn = xx + 1 < nx ? xx + 1 : periodic ? 0 : -1;
          if (xn >= 0) {
            const j = 2 * (y * nx + xn);
            out[o1 + i] = x[j]! - xr;
            out[o1 + i + 1] = x[j + 1]! - xi;
          }
        }
      }
      return out;
    },
    (g) => {
      const out = new Float32Array(2 * plane);
      const o1 = 2 * plane;
      for (let y = 0; y < ny; y++) {
        const yn = y + 1 < ny ? y + 1 : periodic ? 0 : -1;
        for (let xx = 0; xx < nx; xx++) {
          const i = 2 * (y * nx + xx);
          // Transpose of (x[next] - x[here]): -g at here, +g at next.
          if (yn >= 0) {
            const j = 2 * (yn * nx + xx);
            out[i]! -= g[i]!; out[i + 1]! -= g[i + 1]!;
            out[j]! += g[i]!; out[j + 1]! += g[i + 1]!;
          }
          const xn = xx + 1 < nx ? xx + 1 : periodic ? 0 : -1;
          if (xn >= 0) {
            const j = 2 * (y * nx + xn);
            out[i]! -= g[o1 + i]!; out[i + 1]! -= g[o1 + i + 1]!;
            out[j]! += g[o1 + i]!; out[j + 1]! += g[o1 + i + 1]!;
          }
        }
      }
      return out;
    },
  );
  return {
    ...G,
    normal: (x: Float32Array) => {
      if (x.length !== 2 * plane) throw new RangeError(`${G.name}^H·${G.name}: input has ${x.length / 2} complex values, expected ${ny}x${nx}`);
      return gramian(x, ny, nx, periodic);
    },
  };
}
