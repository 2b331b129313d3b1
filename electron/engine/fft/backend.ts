/**
 * Optional fast path for the batched 2D transforms. The engine imports no
 * node:* here, so it cannot load the native addon itself: a Node-side loader
 * (electron/engine/native.ts, called at start-up by the CLI and the compute
 * host) installs one with setFftBackend. Without one, or after
 * setFftBackend(null), everything runs on the TypeScript plans, which remain
 * the reference the backend is parity-tested against.
 */

export interface FftBackend {
  readonly name: string;
  /**
   * Exactly fft2cBatch's semantics: centred orthonormal 2D FFT (inverse: its
   * adjoint) of `batch` consecutive [ny][nx] interleaved complex planes of x,
   * written to out (which may be x; lengths already checked).
   */
  fft2cBatch(x: Float32Array, out: Float32Array, batch: number, ny: number, nx: number, inverse: boolean): void;
}

let current: FftBackend | null = null;

/** Installs (or with null removes) the 2D FFT backend; returns the previous one. */
export function setFftBackend(backend: FftBackend | null): FftBackend | null {
  const previous = current;
  current = backend;
  return previous;
}

/** The installed backend, or null when the TypeScript plans are used. */
export function getFftBackend(): FftBackend | null {
  return current;
}
