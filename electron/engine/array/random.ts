/**
 * Seeded pseudo-random streams. Randomness is always an argument: masks, the
 * acquisition simulator and samplers take a seed and build one of these, so the
 * same job spec gives the same bytes. Nothing here touches Math.random.
 *
 * Generator: xoshiro128** (Blackman & Vigna), state seeded by splitmix32 from a
 * 32-bit hash of the seed and an optional stream label, so independent parts of
 * a pipeline ("mask", "noise", "phase") draw from decorrelated streams and
 * changing one never shifts another.
 */
export interface Rng {
  /** Uniform float64 in [0, 1). */
  next(): number;
  /** Uniform uint32. */
  nextU32(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box-Muller, float64). */
  normal(): number;
  /** An independent stream derived from this seed and a label. */
  fork(label: string): Rng;
}

function hashString(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) >>> 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export function createRng(seed: number, label = ''): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const seedKey = `${Math.trunc(seed)}`;
  const st = { s: hashString(label, hashString(seedKey)) };
  let a = splitmix32(st), b = splitmix32(st), c = splitmix32(st), d = splitmix32(st);
  if ((a | b | c | d) === 0) a = 1;
  let spare: number | null = null;

  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a; d ^= b; b ^= c; a ^= d;
    c = (c ^ t) >>> 0;
    d = rotl(d, 11);
    a >>>= 0; b >>>= 0;
    return result;
  };
  // 53-bit float from two draws so neighbouring values are not quantised to 2^-32.
  const next = (): number => ((nextU32() >>> 5) * 67108864 + (nextU32() >>> 6)) / 9007199254740992;

  return {
    next,
    nextU32,
    int(n: number): number {
      if (!Number.isInteger(n) || n <= 0) throw new RangeError(`int(n) needs a positive integer, got ${n}`);
      return Math.floor(next() * n);
    },
    normal(): number {
      if (spare !== null) {
        const v = spare;
        spare = null;
        return v;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    fork(sub: string): Rng {
      return createRng(seed, label ? `${label}/${sub}` : sub);
    },
  };
}
