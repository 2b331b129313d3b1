/**
 * The MRI forward model's building blocks. Each acts on one slice; callers
 * loop over slices (layout.ts: k-space [slice][coil][ky][kx]).
 *   fourierOp  centered orthonormal 2D FFT over the last two axes
 *   maskOp     multiplication by a real 0/1 (or weight) mask, self-adjoint
 *   sensOp     image [y][x] -> coil images [coil][y][x] (S_c x); adjoint sums conj(S_c) y_c
 *   senseOp    mask · F · S, the multi-coil SENSE operator
 */
import type { Shape } from '../array';
import { formatShape, numel } from '../array';
import { fft2cBatch } from '../fft';
import type { LinOp } from './linop';
import { compose, linop } from './linop';

function planeDims(shape: Shape, what: string): { batch: number; ny: number; nx: number } {
  if (shape.length < 2) throw new RangeError(`${what}: shape ${formatShape(shape)} needs at least [ny][nx]`);
  const ny = shape[shape.length - 2]!;
  const nx = shape[shape.length - 1]!;
  return { batch: numel(shape) / (ny * nx), ny, nx };
}

/** Centered orthonormal 2D FFT over the last two axes of `shape`. */
export function fourierOp(shape: Shape): LinOp {
  const { batch, ny, nx } = planeDims(shape, 'fourierOp');
  return linop(
    'F',
    shape,
    shape,
    (x) => fft2cBatch(x, batch, ny, nx, false, new Float32Array(x.length)),
    (y) => fft2cBatch(y, batch, ny, nx, true, new Float32Array(y.length)),
  );
}

/**
 * Pointwise multiplication by a real [ny][nx] mask, broadcast over the leading
 * axes of `shape`. Unsampled entries become exactly zero (BART convention).
 */
export function maskOp(mask: Float32Array, shape: Shape): LinOp {
  const { batch, ny, nx } = planeDims(shape, 'maskOp');
  if (mask.length !== ny * nx) throw new RangeError(`maskOp: mask has ${mask.length} entries, expected ${ny}x${nx}`);
  const m = mask.slice();
  const apply = (x: Float32Array): Float32Array => {
    const out = new Float32Array(x.length);
    const plane = ny * nx;
    for (let b = 0; b < batch; b++) {
      const o = b * plane;
      for (let i = 0; i < plane; i++) {
        const w = m[i]!;
        if (w !== 0) {
          out[2 * (o + i)] = w * x[2 * (o + i)]!;
          out[2 * (o + i) + 1] = w * x[2 * (o + i) + 1]!;
        }
      }
    }
    return out;
  };
  return linop('M', shape, shape, apply, apply);
}

/** Coil sensitivities S [coil][y][x]: image [y][x] -> coil images [coil][y][x]. */
export function sensOp(sens: Float32Array, coils: number, ny: number, nx: number): LinOp {
  const plane = ny * nx;
  if (sens.length !== 2 * coils * plane) {
    throw new RangeError(`sensOp: maps have ${sens.length / 2} values, expected ${coils}x${ny}x${nx}`);
  }
  const s = sens.slice();
  return linop(
    'S',
    [ny, nx],
    [coils, ny, nx],
    (x) => {
      const out = new Float32Array(2 * coils * plane);
      for (let c = 0; c < coils; c++) {
        const o = 2 * c * plane;
        for (let i = 0; i < 2 * plane; i += 2) {
          const sr = s[o + i]!, si = s[o + i + 1]!, xr = x[i]!, xi = x[i + 1]!;
          out[o + i] = sr * xr - si * xi;
          out[o + i + 1] = sr * xi + si * xr;
        }
      }
      return out;
    },
    (y) => {
      const out = new Float32Array(2 * plane);
      for (let c = 0; c < coils; c++) {
        const o = 2 * c * plane;
        for (let i = 0; i < 2 * plane; i += 2) {
          const sr = s[o + i]!, si = s[o + i + 1]!, yr = y[o + i]!, yi = y[o + i + 1]!;
          out[i]! += sr * yr + si * yi;
          out[i + 1]! += sr * yi - si * yr;
        }
      }
      return out;
    },
  );
}

/**
 * Optional fused kernels for the SENSE model (native/, installed by
 * engine/native.ts): maps, FFT and mask in one pass per coil, and A^H A
 * without the k-space round trip through JavaScript. Same results as the
 * composed operators below (parity-tested in engine/native.test.ts).
 */
export interface SenseBackend {
  forward(x: Float32Array, sens: Float32Array, mask: Float32Array, coils: number, ny: number, nx: number, out: Float32Array): void;
  adjoint(k: Float32Array, sens: Float32Array, mask: Float32Array, coils: number, ny: number, nx: number, out: Float32Array): void;
  normal(x: Float32Array, sens: Float32Array, mask: Float32Array, coils: number, ny: number, nx: number, out: Float32Array): void;
}

let senseBackend: SenseBackend | null = null;

export function setSenseBackend(backend: SenseBackend | null): void {
  senseBackend = backend;
}

/**
 * SENSE forward model for one slice: M · F · S (image [y][x] -> k-space [coil][ky][kx]).
 * With a backend it also offers `normal` (A^H A), which CG and ADMM use when present.
 */
export function senseOp(sens: Float32Array, mask: Float32Array, coils: number, ny: number, nx: number): LinOp & { normal?: (x: Float32Array) => Float32Array } {
  const kshape = [coils, ny, nx];
  const A = compose(maskOp(mask, kshape), fourierOp(kshape), sensOp(sens, coils, ny, nx));
  const b = senseBackend;
  if (!b) return A;
  // Private copies: the kernels read them on every call and callers may reuse their buffers.
  const s = sens.slice();
  const m = mask.slice();
  const image = () => new Float32Array(2 * ny * nx);
  const op = linop(
    A.name,
    A.ishape,
    A.oshape,
    (x) => {
      const o = new Float32Array(2 * coils * ny * nx);
      b.forward(x, s, m, coils, ny, nx, o);
      return o;
    },
    (k) => {
      const o = image();
      b.adjoint(k, s, m, coils, ny, nx, o);
      return o;
    },
  );
  return {
    ...op,
    normal: (x: Float32Array) => {
      const o = image();
      b.normal(x, s, m, coils, ny, nx, o);
      return o;
    },
  };
}
