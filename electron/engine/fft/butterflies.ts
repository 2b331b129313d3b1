/**
 * One Stockham autosort stage per radix, on "vector" interleaved complex data.
 *
 * Layout: B signals of length n stored element-major, interleaved re/im:
 * element k of signal b at [2(kB + b), 2(kB + b) + 1] of a Float64Array. Each
 * butterfly is applied to B neighbouring values with the same twiddle, so
 * twiddle loads stay out of the innermost loop and a 2D column pass works on
 * a cache-sized block of columns at once. With B = 1 it is a plain 1D FFT.
 *
 * A stage with radix p combines, for every j < l and k < m (l*m*p = n), the p
 * inputs x[(j + l q) m + k] (twiddled by w_{mp}^{kq}) into the outputs
 * y[j m p + k + m s] = sum_q w_p^{sq} (...). Starting from m = 1 and ending at
 * l = 1 the result comes out in natural order, with no bit reversal.
 *
 * Twiddle tables (tw) hold, for each k, the p-1 factors w_{mp}^{kq}
 * (q = 1..p-1) as re,im pairs. k = 0 has unit twiddles and radix 2 and 4 give
 * it a multiply-free branch, which covers the whole first stage.
 *
 * Why radix 4 is the largest: in V8 every typed-array access costs a bounds
 * check, and radix-8/16 butterflies keep more values live than there are
 * registers, so the spills cost more stores than the saved passes (measured).
 */

export type Buf = Float64Array;

export function radix2(x: Buf, y: Buf, m: number, l: number, B: number, tw: Buf): void {
  const sIn = 2 * l * m * B, sOut = 2 * m * B, B2 = 2 * B;
  for (let j = 0; j < l; j++) {
    for (let k = 0; k < m; k++) {
      const i0 = 2 * (j * m + k) * B, i1 = i0 + sIn;
      const o0 = 2 * (j * m * 2 + k) * B, o1 = o0 + sOut;
      const wr = tw[2 * k]!, wi = tw[2 * k + 1]!;
      for (let b = 0; b < B2; b += 2) {
        const ar = x[i0 + b]!, ai = x[i0 + b + 1]!;
        const ur = x[i1 + b]!, ui = x[i1 + b + 1]!;
        const br = ur * wr - ui * wi, bi = ur * wi + ui * wr;
        y[o0 + b] = ar + br; y[o0 + b + 1] = ai + bi;
        y[o1 + b] = ar - br; y[o1 + b + 1] = ai - bi;
      }
    }
  }
}

export function radix4(x: Buf, y: Buf, m: number, l: number, B: number, tw: Buf): void {
  const sIn = 2 * l * m * B, sOut = 2 * m * B, B2 = 2 * B;
  for (let j = 0; j < l; j++) {
    for (let k = 0; k < m; k++) {
      const i0 = 2 * (j * m + k) * B, i1 = i0 + sIn, i2 = i1 + sIn, i3 = i2 + sIn;
      const o0 = 2 * (j * m * 4 + k) * B, o1 = o0 + sOut, o2 = o1 + sOut, o3 = o2 + sOut;
      if (k === 0) {
        for (let b = 0; b < B2; b += 2) {
          const a0r = x[i0 + b]!, a0i = x[i0 + b + 1]!;
          const a1r = x[i1 + b]!, a1i = x[i1 + b + 1]!;
          const a2r = x[i2 + b]!, a2i = x[i2 + b + 1]!;
          const a3r = x[i3 + b]!, a3i = x[i3 + b + 1]!;
          const t0r = a0r + a2r, t0i = a0i + a2i, t1r = a0r - a2r, t1i = a0i - a2i;
          const t2r = a1r + a3r, t2i = a1i + a3i, t3r = a1r - a3r, t3i = a1i - a3i;
          y[o0 + b] = t0r + t2r; y[o0 + b + 1] = t0i + t2i;
          y[o1 + b] = t1r + t3i; y[o1 + b + 1] = t1i - t3r;
          y[o2 + b] = t0r - t2r; y[o2 + b + 1] = t0i - t2i;
          y[o3 + b] = t1r - t3i; y[o3 + b + 1] = t1i + t3r;
        }
      } else {
        const t = 6 * k;
        const w1r = tw[t]!, w1i = tw[t + 1]!, w2r = tw[t + 2]!, w2i = tw[t + 3]!, w3r = tw[t + 4]!, w3i = tw[t + 5]!;
        for (let b = 0; b < B2; b += 2) {
          const a0r = x[i0 + b]!, a0i = x[i0 + b + 1]!;
          const u1r = x[i1 + b]!, u1i = x[i1 + b + 1]!;
          const u2r = x[i2 + b]!, u2i = x[i2 + b + 1]!;
          const u3r = x[i3 + b]!, u3i = x[i3 + b + 1]!;
          const a1r = u1r * w1r - u1i * w1i, a1i = u1r * w1i + u1i * w1r;
          const a2r = u2r * w2r - u2i * w2i, a2i = u2r * w2i + u2i * w2r;
          const a3r = u3r * w3r - u3i * w3i, a3i = u3r * w3i + u3i * w3r;
          const t0r = a0r + a2r, t0i = a0i + a2i, t1r = a0r - a2r, t1i = a0i - a2i;
          const t2r = a1r + a3r, t2i = a1i + a3i, t3r = a1r - a3r, t3i = a1i - a3i;
          y[o0 + b] = t0r + t2r; y[o0 + b + 1] = t0i + t2i;
          y[o1 + b] = t1r + t3i; y[o1 + b + 1] = t1i - t3r;
          y[o2 + b] = t0r - t2r; y[o2 + b + 1] = t0i - t2i;
          y[o3 + b] = t1r - t3i; y[o3 + b + 1] = t1i + t3r;
        }
      }
    }
  }
}

const S3 = Math.sqrt(3) / 2;

export function radix3(x: Buf, y: Buf, m: number, l: number, B: number, tw: Buf): void {
  const sIn = 2 * l * m * B, sOut = 2 * m * B, B2 = 2 * B;
  for (let j = 0; j < l; j++) {
    for (let k = 0; k < m; k++) {
      const i0 = 2 * (j * m + k) * B, i1 = i0 + sIn, i2 = i1 + sIn;
      const o0 = 2 * (j * m * 3 + k) * B, o1 = o0 + sOut, o2 = o1 + sOut;
      const t = 4 * k;
      const w1r = tw[t]!, w1i = tw[t + 1]!, w2r = tw[t + 2]!, w2i = tw[t + 3]!;
      for (let b = 0; b < B2; b += 2) {
        const a0r = x[i0 + b]!, a0i = x[i0 + b + 1]!;
        const u1r = x[i1 + b]!, u1i = x[i1 + b + 1]!;
        const u2r = x[i2 + b]!, u2i = x[i2 + b + 1]!;
        const a1r = u1r * w1r - u1i * w1i, a1i = u1r * w1i + u1i * w1r;
        const a2r = u2r * w2r - u2i * w2i, a2i = u2r * w2i + u2i * w2r;
        const sr = a1r + a2r, si = a1i + a2i;
        const mr = a0r - 0.5 * sr, mi = a0i - 0.5 * si;
        const dr = S3 * (a1r - a2r), di = S3 * (a1i - a2i);
        y[o0 + b] = a0r + sr; y[o0 + b + 1] = a0i + si;
        y[o1 + b] = mr + di; y[o1 + b + 1] = mi - dr;
        y[o2 + b] = mr - di; y[o2 + b + 1] = mi + dr;
      }
    }
  }
}

const C51 = Math.cos((2 * Math.PI) / 5);
const C52 = Math.cos((4 * Math.PI) / 5);
const S51 = Math.sin((2 * Math.PI) / 5);
const S52 = Math.sin((4 * Math.PI) / 5);

export function radix5(x: Buf, y: Buf, m: number, l: number, B: number, tw: Buf): void {
  const sIn = 2 * l * m * B, sOut = 2 * m * B, B2 = 2 * B;
  for (let j = 0; j < l; j++) {
    for (let k = 0; k < m; k++) {
      const i0 = 2 * (j * m + k) * B, i1 = i0 + sIn, i2 = i1 + sIn, i3 = i2 + sIn, i4 = i3 + sIn;
      const o0 = 2 * (j * m * 5 + k) * B, o1 = o0 + sOut, o2 = o1 + sOut, o3 = o2 + sOut, o4 = o3 + sOut;
      const t = 8 * k;
      const w1r = tw[t]!, w1i = tw[t + 1]!, w2r = tw[t + 2]!, w2i = tw[t + 3]!;
      const w3r = tw[t + 4]!, w3i = tw[t + 5]!, w4r = tw[t + 6]!, w4i = tw[t + 7]!;
      for (let b = 0; b < B2; b += 2) {
        const a0r = x[i0 + b]!, a0i = x[i0 + b + 1]!;
        const u1r = x[i1 + b]!, u1i = x[i1 + b + 1]!;
        const u2r = x[i2 + b]!, u2i = x[i2 + b + 1]!;
        const u3r = x[i3 + b]!, u3i = x[i3 + b + 1]!;
        const u4r = x[i4 + b]!, u4i = x[i4 + b + 1]!;
        const a1r = u1r * w1r - u1i * w1i, a1i = u1r * w1i + u1i * w1r;
        const a2r = u2r * w2r - u2i * w2i, a2i = u2r * w2i + u2i * w2r;
        const a3r = u3r * w3r - u3i * w3i, a3i = u3r * w3i + u3i * w3r;
        const a4r = u4r * w4r - u4i * w4i, a4i = u4r * w4i + u4i * w4r;
        const b1r = a1r + a4r, b1i = a1i + a4i, d1r = a1r - a4r, d1i = a1i - a4i;
        const b2r = a2r + a3r, b2i = a2i + a3i, d2r = a2r - a3r, d2i = a2i - a3i;
        const m1r = a0r + C51 * b1r + C52 * b2r, m1i = a0i + C51 * b1i + C52 * b2i;
        const m2r = a0r + C52 * b1r + C51 * b2r, m2i = a0i + C52 * b1i + C51 * b2i;
        const n1r = S51 * d1r + S52 * d2r, n1i = S51 * d1i + S52 * d2i;
        const n2r = S52 * d1r - S51 * d2r, n2i = S52 * d1i - S51 * d2i;
        // y_s = m - i n and y_{5-s} = m + i n
        y[o0 + b] = a0r + b1r + b2r; y[o0 + b + 1] = a0i + b1i + b2i;
        y[o1 + b] = m1r + n1i; y[o1 + b + 1] = m1i - n1r;
        y[o4 + b] = m1r - n1i; y[o4 + b + 1] = m1i + n1r;
        y[o2 + b] = m2r + n2i; y[o2 + b + 1] = m2i - n2r;
        y[o3 + b] = m2r - n2i; y[o3 + b + 1] = m2i + n2r;
      }
    }
  }
}

/**
 * Any odd radix p, as a direct DFT that pairs inputs q and p-q:
 *   y_s = a_0 + sum_q [cos(2 pi sq/p) (a_q + a_{p-q}) - i sin(2 pi sq/p) (a_q - a_{p-q})]
 * and y_{p-s} the same with +i, so the p^2 complex products shrink to about
 * p^2/2 real ones. Outputs are computed two s at a time so each load of a pair
 * sum/difference (a bounds-checked typed-array read) feeds four products.
 * Used for primes 7..47 (MAX_GENERIC_RADIX); larger ones go to Bluestein.
 */
export interface GenericTables {
  readonly p: number;
  readonly h: number; // (p - 1) / 2
  /** cos/sin(2 pi s q / p) at (s-1)*h + (q-1), for s, q = 1..h. */
  readonly cos: Buf;
  readonly sin: Buf;
  /** Per-butterfly scratch: for q = 1..h, [re, im] of a_q + a_{p-q}, then of a_q - a_{p-q}. */
  readonly t: Buf;
}

export function genericTables(p: number): GenericTables {
  const h = (p - 1) >> 1;
  const cos = new Float64Array(h * h), sin = new Float64Array(h * h);
  for (let s = 1; s <= h; s++) {
    for (let q = 1; q <= h; q++) {
      const ang = (2 * Math.PI * ((s * q) % p)) / p;
      cos[(s - 1) * h + q - 1] = Math.cos(ang);
      sin[(s - 1) * h + q - 1] = Math.sin(ang);
    }
  }
  return { p, h, cos, sin, t: new Float64Array(4 * h) };
}

export function radixGeneric(x: Buf, y: Buf, m: number, l: number, B: number, tw: Buf, g: GenericTables): void {
  const { p, h, cos, sin, t } = g;
  const sIn = 2 * l * m * B, sOut = 2 * m * B, B2 = 2 * B;
  for (let j = 0; j < l; j++) {
    for (let k = 0; k < m; k++) {
      const i0 = 2 * (j * m + k) * B;
      const o0 = 2 * (j * m * p + k) * B;
      const tb = 2 * (p - 1) * k;
      for (let b = 0; b < B2; b += 2) {
        const a = i0 + b, o = o0 + b;
        const a0r = x[a]!, a0i = x[a + 1]!;
        let s0r = a0r, s0i = a0i;
        for (let q = 1; q <= h; q++) {
          const ia = a + q * sIn, ib = a + (p - q) * sIn;
          const ta = tb + 2 * q - 2, tn = tb + 2 * (p - q) - 2;
          const ur = x[ia]!, ui = x[ia + 1]!, vr = x[ib]!, vi = x[ib + 1]!;
          const war = tw[ta]!, wai = tw[ta + 1]!, wbr = tw[tn]!, wbi = tw[tn + 1]!;
          const pr = ur * war - ui * wai, pi = ur * wai + ui * war;
          const nr = vr * wbr - vi * wbi, ni = vr * wbi + vi * wbr;
          const e = 4 * (q - 1);
          t[e] = pr + nr; t[e + 1] = pi + ni; t[e + 2] = pr - nr; t[e + 3] = pi - ni;
          s0r += pr + nr; s0i += pi + ni;
        }
        y[o] = s0r; y[o + 1] = s0i;
        let s = 1;
        for (; s < h; s += 2) {
          let r1r = a0r, r1i = a0i, j1r = 0, j1i = 0, r2r = a0r, r2i = a0i, j2r = 0, j2i = 0;
          const c1 = (s - 1) * h, c2 = s * h;
          for (let q = 0, e = 0; q < h; q++, e += 4) {
            const br = t[e]!, bi = t[e + 1]!, dr = t[e + 2]!, di = t[e + 3]!;
            const ca = cos[c1 + q]!, sa = sin[c1 + q]!, cb = cos[c2 + q]!, sb = sin[c2 + q]!;
            r1r += ca * br; r1i += ca * bi; j1r += sa * dr; j1i += sa * di;
            r2r += cb * br; r2i += cb * bi; j2r += sb * dr; j2i += sb * di;
          }
          // y_s = R - i J and y_{p-s} = R + i J
          const u1 = o + s * sOut, v1 = o + (p - s) * sOut, u2 = u1 + sOut, v2 = v1 - sOut;
          y[u1] = r1r + j1i; y[u1 + 1] = r1i - j1r; y[v1] = r1r - j1i; y[v1 + 1] = r1i + j1r;
          y[u2] = r2r + j2i; y[u2 + 1] = r2i - j2r; y[v2] = r2r - j2i; y[v2 + 1] = r2i + j2r;
        }
        if (s === h) {
          let rr = a0r, ri = a0i, jr = 0, ji = 0;
          const c1 = (s - 1) * h;
          for (let q = 0, e = 0; q < h; q++, e += 4) {
            const ca = cos[c1 + q]!, sa = sin[c1 + q]!;
            rr += ca * t[e]!; ri += ca * t[e + 1]!; jr += sa * t[e + 2]!; ji += sa * t[e + 3]!;
          }
          const u1 = o + s * sOut, v1 = o + (p - s) * sOut;
          y[u1] = rr + ji; y[u1 + 1] = ri - jr; y[v1] = rr - ji; y[v1 + 1] = ri + jr;
        }
      }
    }
  }
}
