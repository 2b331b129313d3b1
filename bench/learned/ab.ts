/**
 * Interleaved A/B timing of two exports of a learned model on the bench slice.
 *
 *   npx tsx bench/learned/ab.ts --a DIR[/NAME] --b DIR[/NAME] [--method cirim] [--coils 1,8]
 *       [--rounds 8] [--json FILE]
 *
 * DIR is a models root (a folder holding <NAME>/manifest.json); NAME defaults to
 * the method. Both run through the engine's own method (provider cpu) on the
 * slice and acquisition of bench/learned/run.ts (Colin27, 256x256, seed 7,
 * equispaced-fraction 4x, centre 0.08), alternating A, B, A, B ... so that
 * both see the same machine load; each side's session is warmed up first.
 * Prints the medians of wall and CPU time, B / A, and the largest magnitude
 * difference between the two images relative to A's maximum (0 when the two
 * files compute the same arithmetic).
 *
 * Why: on the shared 2-core machines separate runs of bench/learned drift by
 * 10-20% (1312 vs 1519 ms for the same file on two days), more than most
 * optimisations gain; interleaving measures the change instead of the drift.
 * Example: the joint-state export of CIRIM from git (`git archive <commit>
 * resources/models/cirim | tar -x -C /tmp/old`) against the current one.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { loadavg } from 'node:os';
import { simulate } from '../../electron/engine/acquire';
import { clearSessionCache } from '../../electron/engine/learned';
import { installNative } from '../../electron/engine/native';
import { methods, type ReconInput, type ReconResult } from '../../electron/engine/recon';
import { maskTensor } from '../../electron/engine/sampling';
import { colinSlice, median, parseFlags } from './common';

const N = 256;
const { flag, fail } = parseFlags('bench/learned/ab', ['--a', '--b', '--method', '--coils', '--rounds', '--json']);
const METHOD = flag('--method') ?? 'cirim';
if (!methods[METHOD]) fail(`--method ${METHOD}: no such method`);
const ROUNDS = Number(flag('--rounds') ?? 8);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) fail(`--rounds must be a positive integer, got ${flag('--rounds')}`);
const COILS = (flag('--coils') ?? '1,8').split(',').map(Number);
if (COILS.some((c) => !Number.isInteger(c) || c < 1 || c > 32)) fail('--coils must list coil counts 1..32 separated by commas');

/** DIR (a models root holding METHOD/) or DIR/NAME (a model folder). */
function side(key: '--a' | '--b'): { root: string; model: string; label: string } {
  const v = flag(key) ?? fail(`${key} DIR is required`);
  if (existsSync(join(v, METHOD, 'manifest.json'))) return { root: v, model: METHOD, label: join(v, METHOD) };
  if (existsSync(join(v, 'manifest.json'))) return { root: dirname(v), model: basename(v), label: v };
  return fail(`${key} ${v}: neither ${join(v, METHOD, 'manifest.json')} nor ${join(v, 'manifest.json')} exists`);
}
const A = side('--a'), B = side('--b');

async function main(): Promise<void> {
  const native = installNative();
  const img = await colinSlice(N);
  const rows = [];
  console.log(`A/B ${METHOD}: A = ${A.label}, B = ${B.label}; ${N}x${N} Colin27 slice, ${ROUNDS} interleaved rounds, native addon ${native.loaded ? 'on' : 'off'}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (const coils of COILS) {
    const sim = simulate(img, { seed: 7, coils, mask: { kind: 'equispaced-fraction', accel: 4, centerFraction: 0.08, seed: 7 } });
    const input: ReconInput = { kspace: sim.kspace, mask: maskTensor(sim.mask), ...(coils > 1 ? { sens: sim.sens } : {}) };
    const run = (s: typeof A) => methods[METHOD]!.run(input, { model: s.model, modelsDir: s.root, provider: 'cpu' });
    const first: Record<'a' | 'b', ReconResult> = { a: await run(A), b: await run(B) };
    const wall = { a: [] as number[], b: [] as number[] };
    const cpu = { a: [] as number[], b: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const k of r % 2 ? (['b', 'a'] as const) : (['a', 'b'] as const)) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await run(k === 'a' ? A : B);
        wall[k].push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu[k].push((c.user + c.system) / 1000);
      }
    }
    let diff = 0, peak = 0;
    for (let i = 0; i < first.a.image.data.length; i++) {
      diff = Math.max(diff, Math.abs(first.a.image.data[i]! - first.b.image.data[i]!));
      peak = Math.max(peak, Math.abs(first.a.image.data[i]!));
    }
    const row = {
      coils, aMs: median(wall.a), bMs: median(wall.b), aCpuMs: median(cpu.a), bCpuMs: median(cpu.b),
      ratio: median(wall.b) / median(wall.a), cpuRatio: median(cpu.b) / median(cpu.a), maxRelDiff: peak > 0 ? diff / peak : diff,
      aRuns: wall.a.map(Math.round), bRuns: wall.b.map(Math.round),
    };
    rows.push(row);
    console.log(`${coils} coil(s): A ${row.aMs.toFixed(0)} ms (CPU ${row.aCpuMs.toFixed(0)}), B ${row.bMs.toFixed(0)} ms (CPU ${row.bCpuMs.toFixed(0)}), B/A ${row.ratio.toFixed(3)} wall, ${row.cpuRatio.toFixed(3)} CPU; max |A-B| / max A ${row.maxRelDiff.toExponential(2)}`);
    clearSessionCache();
  }
  const out = flag('--json');
  if (out) writeFileSync(out, JSON.stringify({ method: METHOD, a: A.label, b: B.label, rounds: ROUNDS, size: N, rows }, null, 1) + '\n');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
