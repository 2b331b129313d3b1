/**
 * Mixed-radix Stockham FFT for lengths whose prime factors are all small:
 * radix-4 stages for powers of two (a lone radix-2 if the exponent is odd),
 * radix 3 and 5, and a direct-DFT butterfly for other small odd primes.
 */
import type { Buf, GenericTables } from './butterflies';
import { genericTables, radix2, radix3, radix4, radix5, radixGeneric } from './butterflies';
import { BasePlan } from './base';
import type { FftPlan } from './base';
import type { BlockIO } from './strided';
import { first4, gather, last4, scatter } from './strided';

interface Stage {
  p: number;
  m: number;
  l: number;
  tw: Float64Array;
  g: GenericTables | null;
}

/**
 * Radices in stage order. Radix-4 stages go first and last where there are
 * two of them, so a pass can fold its float32 gather and scatter into them.
 */
export function factorize(n: number): number[] {
  let r = n;
  let fours = 0;
  while (r % 4 === 0) { fours++; r /= 4; }
  const middle: number[] = [];
  if (r % 2 === 0) { middle.push(2); r /= 2; }
  for (let p = 3; p * p <= r; p += 2) {
    while (r % p === 0) { middle.push(p); r /= p; }
  }
  if (r > 1) middle.push(r);
  if (fours === 0) return middle;
  return [4, ...middle, ...new Array<number>(fours - 1).fill(4)];
}

/** Twiddles w_{mp}^{kq} for k < m, q = 1..p-1; kq is reduced mod mp before cos/sin for accuracy. */
function twiddles(m: number, p: number): Float64Array {
  const N = m * p;
  const tw = new Float64Array(2 * (p - 1) * m);
  for (let k = 0; k < m; k++) {
    for (let q = 1; q < p; q++) {
      const ang = (-2 * Math.PI * ((k * q) % N)) / N;
      const t = 2 * ((p - 1) * k + q - 1);
      tw[t] = Math.cos(ang);
      tw[t + 1] = Math.sin(ang);
    }
  }
  return tw;
}

function runStage(s: Stage, x: Buf, y: Buf, B: number): void {
  switch (s.p) {
    case 4: radix4(x, y, s.m, s.l, B, s.tw); break;
    case 2: radix2(x, y, s.m, s.l, B, s.tw); break;
    case 3: radix3(x, y, s.m, s.l, B, s.tw); break;
    case 5: radix5(x, y, s.m, s.l, B, s.tw); break;
    default: radixGeneric(x, y, s.m, s.l, B, s.tw, s.g!);
  }
}

export class MixedRadixPlan extends BasePlan {
  readonly algorithm: FftPlan['algorithm'];
  readonly factors: readonly number[];
  private readonly stages: Stage[] = [];

  constructor(n: number) {
    super(n);
    this.factors = n === 1 ? [] : factorize(n);
    this.algorithm = n === 1 ? 'identity' : 'mixed-radix';
    let m = 1;
    for (const p of this.factors) {
      const g = p === 2 || p === 3 || p === 4 || p === 5 ? null : genericTables(p);
      this.stages.push({ p, m, l: n / (m * p), tw: twiddles(m, p), g });
      m *= p;
    }
  }

  exec(x: Buf, y: Buf, B: number): boolean {
    let inY = false;
    for (const s of this.stages) {
      if (inY) runStage(s, y, x, B);
      else runStage(s, x, y, B);
      inY = !inY;
    }
    return inY;
  }

  override transformBlock(io: BlockIO, B: number): void {
    const st = this.stages;
    const count = st.length;
    const { x, y } = this.scratch(B);
    // Fusing needs two distinct stages: the first reads float32, the last writes it.
    const fuseFirst = count >= 2 && st[0]!.p === 4;
    const fuseLast = count >= 2 && st[count - 1]!.p === 4;
    let cur = x, other = y;
    let s = 0;
    if (fuseFirst) {
      first4(io, y, st[0]!.l, B);
      cur = y; other = x; s = 1;
    } else {
      gather(io, x, this.n, B);
    }
    const end = fuseLast ? count - 1 : count;
    for (; s < end; s++) {
      runStage(st[s]!, cur, other, B);
      const t = cur; cur = other; other = t;
    }
    if (fuseLast) last4(io, cur, st[count - 1]!.m, B, st[count - 1]!.tw);
    else scatter(io, cur, this.n, B);
  }
}
