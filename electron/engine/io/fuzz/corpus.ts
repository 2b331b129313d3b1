/**
 * The in-memory broken-input corpus: for each seed, truncations at evenly
 * spread and field-boundary offsets, then random mutants (format-aware field
 * overwrites, generic flips/splices/interesting integers, sometimes stacked).
 * Same seed number, same corpus.
 */
import { createRng, type Rng } from '../../array';
import type { CflSeed, DicomSeed, NiftiSeed } from './seeds';
import {
  cflHeader,
  dicomField,
  flipBytes,
  genericMutation,
  NIFTI1_FIELDS,
  NIFTI2_FIELDS,
  niftiField,
  splice,
  truncate,
  writeInteresting,
  type Mutant,
} from './mutate';

/** Truncation points: `n` spread over the file plus each hot offset and its neighbours. */
export function truncations(bytes: Uint8Array, n: number, hot: readonly number[]): Mutant[] {
  const at = new Set<number>([0, 1, bytes.length - 1]);
  for (let i = 0; i < n; i++) at.add(Math.floor((i * bytes.length) / n));
  for (const h of hot) for (const d of [-1, 0, 1, 2]) if (h + d >= 0 && h + d < bytes.length) at.add(h + d);
  return [...at].sort((a, b) => a - b).map((a) => ({ label: `truncate@${a}`, bytes: truncate(bytes, a) }));
}

/** Applies 1-3 mutations drawn by `one`, labels joined. */
function stacked(bytes: Uint8Array, rng: Rng, one: (b: Uint8Array) => Mutant): Mutant {
  const depth = rng.next() < 0.75 ? 1 : 2 + rng.int(2);
  let cur: Mutant = { label: '', bytes };
  for (let i = 0; i < depth; i++) {
    const m = one(cur.bytes);
    cur = { label: cur.label ? `${cur.label} + ${m.label}` : m.label, bytes: m.bytes };
  }
  return cur;
}

export function* niftiCorpus(seeds: NiftiSeed[], perSeed: number, seed = 1): Generator<Mutant> {
  for (const s of seeds) {
    const rng = createRng(seed, `nifti/${s.name}`);
    const hot = s.version === 1 ? NIFTI1_FIELDS : NIFTI2_FIELDS;
    const base = truncations(s.bytes, 48, [...hot, s.version === 1 ? 348 : 540, s.version === 1 ? 352 : 544]);
    for (const m of base) yield { label: `${s.name} ${m.label}`, bytes: m.bytes };
    for (let i = 0; i < Math.max(perSeed - base.length, perSeed >> 1); i++) {
      const m = stacked(s.bytes, rng, (b) => (rng.next() < 0.5 ? niftiField(b, rng, s.version, s.le) : genericMutation(b, rng, hot)));
      yield { label: `${s.name}#${i} ${m.label}`, bytes: m.bytes };
    }
  }
}

export function* dicomCorpus(seeds: DicomSeed[], perSeed: number, seed = 1): Generator<Mutant> {
  for (const s of seeds) {
    const rng = createRng(seed, `dicom/${s.name}`);
    const hot = [128, 132, ...s.map.hot.map((h) => h.at)];
    const base = truncations(s.bytes, 40, hot);
    for (const m of base) yield { label: `${s.name} ${m.label}`, bytes: m.bytes };
    for (let i = 0; i < Math.max(perSeed - base.length, perSeed >> 1); i++) {
      const m = stacked(s.bytes, rng, (b) => (rng.next() < 0.55 ? dicomField(b, s.map, rng) : genericMutation(b, rng, hot)));
      yield { label: `${s.name}#${i} ${m.label}`, bytes: m.bytes };
    }
  }
}

export interface CflMutant {
  label: string;
  hdr: string;
  cfl: Uint8Array;
}

export function* cflCorpus(seeds: CflSeed[], perSeed: number, seed = 1): Generator<CflMutant> {
  for (const s of seeds) {
    const rng = createRng(seed, `cfl/${s.name}`);
    for (const m of truncations(s.cfl, 30, [0, 4, 8])) yield { label: `${s.name} ${m.label}`, hdr: s.hdr, cfl: m.bytes };
    for (let i = 0; i < perSeed - 33; i++) {
      const r = rng.int(5);
      if (r <= 1) {
        yield { label: `${s.name}#${i} header`, hdr: cflHeader(rng, s.dims), cfl: s.cfl };
      } else if (r === 2) {
        // Bit flips in float data make NaN/Inf; interesting ints make huge or denormal values.
        const b = rng.next() < 0.5 ? flipBytes(s.cfl, rng) : writeInteresting(s.cfl, rng, undefined, 4);
        yield { label: `${s.name}#${i} data`, hdr: s.hdr, cfl: b };
      } else if (r === 3) {
        yield { label: `${s.name}#${i} splice`, hdr: s.hdr, cfl: splice(s.cfl, rng) };
      } else {
        // Garbage in the header text itself.
        const h = new TextEncoder().encode(s.hdr);
        const g = genericMutation(h, rng);
        yield { label: `${s.name}#${i} hdr-bytes ${g.label}`, hdr: new TextDecoder().decode(g.bytes), cfl: s.cfl };
      }
    }
  }
}
