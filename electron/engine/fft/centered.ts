/**
 * Centred orthonormal FFTs on interleaved complex Float32Arrays:
 *   fftc(x) = fftshift(FFT(ifftshift(x))) / sqrt(n),  ifftc its inverse (and adjoint).
 *
 * Every transform is a sequence of axis passes. A pass moves blocks of B
 * signals into float64 scratch and back (strided.ts), applying ifftshift by
 * the gather index, fftshift by the scatter index, the scale, and conjugation
 * for the inverse (conj(F(conj(x))) = n F^-1(x), so plans only run forward).
 * The shifts, scaling and float32<->float64 conversion thus cost nothing
 * beyond copies the pass makes anyway.
 *
 * `out` may be x itself: each block is read completely before it is written
 * back to the same places. Partially overlapping views are not supported.
 */
import { getFftBackend } from './backend';
import { getPlan } from './plan';
import type { BlockIO } from './strided';

/**
 * Signals per block: rows are transposed into scratch up to 8 at a time,
 * columns are taken up to 32 neighbours at a time (256 contiguous bytes of
 * float32 per row read). Both are capped so the two float64 ping-pong
 * buffers (32 bytes per point and signal) stay within 512 KiB (one L2).
 * Measured on 256x256 and 320x320; within noise of 16/64.
 */
function blockSize(n: number, most: number): number {
  return Math.max(1, Math.min(most, Math.floor(16384 / n)));
}

const shiftMaps = new Map<number, Int32Array>();

/**
 * map[k] = (k + floor(n/2)) mod n. ifftshift reads input element map[k] into
 * position k, and fftshift writes result k to map[k]: one map serves both,
 * for odd n as well as even.
 */
function shiftMap(n: number): Int32Array {
  let map = shiftMaps.get(n);
  if (map === undefined) {
    map = new Int32Array(n);
    const h = n >> 1;
    for (let k = 0; k < n; k++) map[k] = (k + h) % n;
    shiftMaps.set(n, map);
  }
  return map;
}

const EMPTY = new Float32Array(0);

/**
 * Reused for every block (no allocation per call); transforms never nest.
 * scale/imScale start as non-integers so V8 gives those fields a double
 * representation from the outset: a later Smi -> double change would swap the
 * object's hidden class and deoptimise every kernel that reads it.
 */
const io: BlockIO = {
  src: EMPTY, srcBase: 0, dst: EMPTY, dstBase: 0,
  es: 1, bs: 1, map: new Int32Array(0), imSign: 1, scale: 0.5, imScale: 0.5,
};

/**
 * Transform axis 1 of a row-major complex tensor [outer][n][inner] that starts
 * at float index `offset` of src, into the same place in dst. conjIn/conjOut
 * conjugate on the way in/out; outputs are scaled.
 */
function axisPass(
  src: Float32Array, dst: Float32Array, offset: number, outer: number, n: number, inner: number,
  conjIn: boolean, conjOut: boolean, scale: number,
): void {
  const plan = getPlan(n);
  io.src = src;
  io.dst = dst;
  io.map = shiftMap(n);
  io.imSign = conjIn ? -1 : 1;
  io.scale = scale;
  io.imScale = conjOut ? -scale : scale;
  if (inner === 1) {
    // Contiguous signals: a block is B consecutive rows.
    io.es = 1;
    io.bs = n;
    const block = blockSize(n, 8);
    for (let r0 = 0; r0 < outer; r0 += block) {
      const B = Math.min(block, outer - r0);
      io.srcBase = io.dstBase = offset + 2 * r0 * n;
      plan.transformBlock(io, B);
    }
  } else {
    // Strided signals: a block is B neighbouring columns of one [n][inner] slab.
    io.es = inner;
    io.bs = 1;
    const block = blockSize(n, 32);
    for (let o = 0; o < outer; o++) {
      for (let c0 = 0; c0 < inner; c0 += block) {
        const B = Math.min(block, inner - c0);
        io.srcBase = io.dstBase = offset + 2 * (o * n * inner + c0);
        plan.transformBlock(io, B);
      }
    }
  }
  // Drop references so the module does not keep caller arrays alive.
  io.src = io.dst = EMPTY;
}

function checkDim(what: string, d: number): void {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`${what}: invalid dimension ${d}`);
}

function prepareOut(what: string, x: Float32Array, len: number, out: Float32Array | undefined): Float32Array {
  if (x.length !== len) throw new RangeError(`${what}: input has length ${x.length}, expected ${len}`);
  if (out === undefined) return new Float32Array(len);
  if (out.length !== len) throw new RangeError(`${what}: out has length ${out.length}, expected ${len}`);
  return out;
}

/** 1D centred orthonormal forward FFT of n interleaved complex values. */
export function fftc(x: Float32Array, n: number, out?: Float32Array): Float32Array {
  checkDim('fftc', n);
  const o = prepareOut('fftc', x, 2 * n, out);
  axisPass(x, o, 0, 1, n, 1, false, false, 1 / Math.sqrt(n));
  return o;
}

/** 1D centred orthonormal inverse FFT (the adjoint of fftc). */
export function ifftc(x: Float32Array, n: number, out?: Float32Array): Float32Array {
  checkDim('ifftc', n);
  const o = prepareOut('ifftc', x, 2 * n, out);
  axisPass(x, o, 0, 1, n, 1, true, true, 1 / Math.sqrt(n));
  return o;
}

function planes2(x: Float32Array, o: Float32Array, batch: number, ny: number, nx: number, inverse: boolean): void {
  // 2D transforms go to the native backend when one is installed (backend.ts).
  const backend = getFftBackend();
  if (backend !== null) {
    backend.fft2cBatch(x, o, batch, ny, nx, inverse);
    return;
  }
  const scale = 1 / Math.sqrt(ny * nx);
  const size = 2 * ny * nx;
  // Plane by plane, so each plane is still in cache when its columns are done.
  // Rows run unscaled in the conjugated domain; the columns finish both.
  for (let p = 0; p < batch; p++) {
    axisPass(x, o, p * size, ny, nx, 1, inverse, false, 1);
    axisPass(o, o, p * size, 1, ny, nx, false, inverse, scale);
  }
}

/** 2D centred orthonormal forward FFT of a row-major [ny][nx] complex plane. */
export function fft2c(x: Float32Array, ny: number, nx: number, out?: Float32Array): Float32Array {
  checkDim('fft2c', ny);
  checkDim('fft2c', nx);
  const o = prepareOut('fft2c', x, 2 * ny * nx, out);
  planes2(x, o, 1, ny, nx, false);
  return o;
}

/** 2D centred orthonormal inverse FFT (the adjoint of fft2c). */
export function ifft2c(x: Float32Array, ny: number, nx: number, out?: Float32Array): Float32Array {
  checkDim('ifft2c', ny);
  checkDim('ifft2c', nx);
  const o = prepareOut('ifft2c', x, 2 * ny * nx, out);
  planes2(x, o, 1, ny, nx, true);
  return o;
}

/** fft2c (inverse = false) or ifft2c over `batch` consecutive [ny][nx] planes, e.g. [coil][ky][kx]. */
export function fft2cBatch(
  x: Float32Array, batch: number, ny: number, nx: number, inverse: boolean, out?: Float32Array,
): Float32Array {
  checkDim('fft2cBatch', batch);
  checkDim('fft2cBatch', ny);
  checkDim('fft2cBatch', nx);
  const o = prepareOut('fft2cBatch', x, 2 * batch * ny * nx, out);
  planes2(x, o, batch, ny, nx, inverse);
  return o;
}

/**
 * Centred orthonormal FFT (inverse = false) or its inverse along one axis of
 * a row-major complex tensor of the given shape. A negative axis counts from
 * the end (-1 is the last axis).
 */
export function fftcAxis(
  x: Float32Array, shape: readonly number[], axis: number, inverse: boolean, out?: Float32Array,
): Float32Array {
  if (shape.length === 0) throw new RangeError('fftcAxis: shape must have at least one dimension');
  for (const d of shape) checkDim('fftcAxis', d);
  const ax = axis < 0 ? axis + shape.length : axis;
  if (!Number.isInteger(ax) || ax < 0 || ax >= shape.length) {
    throw new RangeError(`fftcAxis: axis ${axis} out of range for shape [${shape.join('x')}]`);
  }
  let outer = 1, inner = 1;
  for (let i = 0; i < ax; i++) outer *= shape[i]!;
  for (let i = ax + 1; i < shape.length; i++) inner *= shape[i]!;
  const n = shape[ax]!;
  const o = prepareOut('fftcAxis', x, 2 * outer * n * inner, out);
  axisPass(x, o, 0, outer, n, inner, inverse, inverse, 1 / Math.sqrt(n));
  return o;
}
