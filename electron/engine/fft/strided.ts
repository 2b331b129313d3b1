/**
 * Moving blocks of signals between the caller's interleaved Float32Array and
 * the plans' element-major float64 scratch (see butterflies.ts).
 *
 * Element e of signal b of a block lives at
 *   base + 2 * (map[e] * es + b * bs)        (re; im at +1)
 * in the Float32Array: es is the element stride and bs the signal stride, in
 * complex units, and map applies ifftshift on the way in and fftshift on the
 * way out (the same permutation serves both, see centered.ts). Conjugation
 * (imSign / imScale) turns the forward plans into inverse transforms.
 *
 * first4/last4 fold this copy into a radix-4 first/last stage, so a typical
 * pass touches the float32 data once each way and never copies it separately:
 * in V8 the loads and stores, each with a bounds check, are most of the cost.
 */
import type { Buf } from './butterflies';

export interface BlockIO {
  src: Float32Array;
  srcBase: number;
  dst: Float32Array;
  dstBase: number;
  /** Element stride and signal stride, in complex elements. */
  es: number;
  bs: number;
  map: Int32Array;
  /** +1, or -1 to conjugate the input. */
  imSign: number;
  /** Real and imaginary output factors (scale, and -scale to conjugate). */
  scale: number;
  imScale: number;
}

export function gather(io: BlockIO, x: Buf, n: number, B: number): void {
  const { src, srcBase, es, map, imSign } = io;
  const bs2 = 2 * io.bs;
  for (let e = 0; e < n; e++) {
    const off = srcBase + 2 * map[e]! * es;
    const t = 2 * e * B;
    for (let b = 0, s = off; b < 2 * B; b += 2, s += bs2) {
      x[t + b] = src[s]!;
      x[t + b + 1] = imSign * src[s + 1]!;
    }
  }
}

export function scatter(io: BlockIO, x: Buf, n: number, B: number): void {
  const { dst, dstBase, es, map, scale, imScale } = io;
  const bs2 = 2 * io.bs;
  for (let e = 0; e < n; e++) {
    const off = dstBase + 2 * map[e]! * es;
    const t = 2 * e * B;
    for (let b = 0, d = off; b < 2 * B; b += 2, d += bs2) {
      dst[d] = x[t + b]! * scale;
      dst[d + 1] = x[t + b + 1]! * imScale;
    }
  }
}

/** Gather fused with a first radix-4 stage (m = 1, so no twiddles); n = 4l. */
export function first4(io: BlockIO, y: Buf, l: number, B: number): void {
  const { src, srcBase, es, map, imSign } = io;
  const bs2 = 2 * io.bs, sOut = 2 * B;
  for (let j = 0; j < l; j++) {
    const s0 = srcBase + 2 * map[j]! * es;
    const s1 = srcBase + 2 * map[j + l]! * es;
    const s2 = srcBase + 2 * map[j + 2 * l]! * es;
    const s3 = srcBase + 2 * map[j + 3 * l]! * es;
    const o0 = 8 * j * B, o1 = o0 + sOut, o2 = o1 + sOut, o3 = o2 + sOut;
    for (let b = 0, s = 0; b < 2 * B; b += 2, s += bs2) {
      const a0r = src[s0 + s]!, a0i = imSign * src[s0 + s + 1]!;
      const a1r = src[s1 + s]!, a1i = imSign * src[s1 + s + 1]!;
      const a2r = src[s2 + s]!, a2i = imSign * src[s2 + s + 1]!;
      const a3r = src[s3 + s]!, a3i = imSign * src[s3 + s + 1]!;
      const t0r = a0r + a2r, t0i = a0i + a2i, t1r = a0r - a2r, t1i = a0i - a2i;
      const t2r = a1r + a3r, t2i = a1i + a3i, t3r = a1r - a3r, t3i = a1i - a3i;
      y[o0 + b] = t0r + t2r; y[o0 + b + 1] = t0i + t2i;
      y[o1 + b] = t1r + t3i; y[o1 + b + 1] = t1i - t3r;
      y[o2 + b] = t0r - t2r; y[o2 + b + 1] = t0i - t2i;
      y[o3 + b] = t1r - t3i; y[o3 + b + 1] = t1i + t3r;
    }
  }
}

/** Scatter fused with a last radix-4 stage (l = 1); n = 4m, tw as for radix4. */
export function last4(io: BlockIO, x: Buf, m: number, B: number, tw: Buf): void {
  const { dst, dstBase, es, map, scale, imScale } = io;
  const bs2 = 2 * io.bs, sIn = 2 * m * B;
  for (let k = 0; k < m; k++) {
    const i0 = 2 * k * B, i1 = i0 + sIn, i2 = i1 + sIn, i3 = i2 + sIn;
    const d0 = dstBase + 2 * map[k]! * es;
    const d1 = dstBase + 2 * map[k + m]! * es;
    const d2 = dstBase + 2 * map[k + 2 * m]! * es;
    const d3 = dstBase + 2 * map[k + 3 * m]! * es;
    const t = 6 * k;
    const w1r = tw[t]!, w1i = tw[t + 1]!, w2r = tw[t + 2]!, w2i = tw[t + 3]!, w3r = tw[t + 4]!, w3i = tw[t + 5]!;
    for (let b = 0, d = 0; b < 2 * B; b += 2, d += bs2) {
      const a0r = x[i0 + b]!, a0i = x[i0 + b + 1]!;
      const u1r = x[i1 + b]!, u1i = x[i1 + b + 1]!;
      const u2r = x[i2 + b]!, u2i = x[i2 + b + 1]!;
      const u3r = x[i3 + b]!, u3i = x[i3 + b + 1]!;
      const a1r = u1r * w1r - u1i * w1i, a1i = u1r * w1i + u1i * w1r;
      const a2r = u2r * w2r - u2i * w2i, a2i = u2r * w2i + u2i * w2r;
      const a3r = u3r * w3r - u3i * w3i, a3i = u3r * w3i + u3i * w3r;
      const t0r = a0r + a2r, t0i = a0i + a2i, t1r = a0r - a2r, t1i = a0i - a2i;
      const t2r = a1r + a3r, t2i = a1i + a3i, t3r = a1r - a3r, t3i = a1i - a3i;
      dst[d0 + d] = (t0r + t2r) * scale; dst[d0 + d + 1] = (t0i + t2i) * imScale;
      dst[d1 + d] = (t1r + t3i) * scale; dst[d1 + d + 1] = (t1i - t3r) * imScale;
      dst[d2 + d] = (t0r - t2r) * scale; dst[d2 + d + 1] = (t0i - t2i) * imScale;
      dst[d3 + d] = (t1r - t3i) * scale; dst[d3 + d + 1] = (t1i + t3r) * imScale;
    }
  }
}
