/**
 * Speed of the learned reconstructions on one 256x256 slice, against our CS
 * run of the same quality, measured in the same run.
 *
 *   npx tsx bench/learned/run.ts [--model NAME] [--models-dir DIR] [--repeats N]
 *       [--coils 1,8] [--rim NAME] [--unet NAME] [--lambda L] [--snr S] [--refine N] [--quick] [--json FILE]
 *
 * --refine N adds, for every coil count above one, a CIRIM row with the engine's
 * data-consistency refinement (at most N CGLS iterations, discrepancy stop at the
 * simulator's noise level); its last "per cascade" entry is the refinement's time.
 *
 * Data: the middle axial slice of Colin27 (/usr/share/mricron/templates/ch2.nii.gz
 * through the engine's loader), divided by its 99.5th percentile as
 * models/recon_models/data.py does, zero-padded / centre-cropped to 256x256,
 * simulated by acquire.simulate (seed 7, smooth phase, birdcage coils; noiseless
 * as training and models/evaluate.py, --snr S adds noise) with the models' mask,
 * equispaced-fraction 4x, centre 0.08 (exactly 4x; plain "equispaced" would give
 * 3.2x at 256 rows). Multi-coil runs use the simulator's coil maps.
 *
 * Learned methods run through the engine's own recon methods (methods.cirim,
 * .rim, .unet: onnxruntime-node, provider cpu) exactly as the app calls them,
 * session cached after the warm-up. Per-cascade times are the differences of
 * the elapsedMs the method records in its history, one row per cascade.
 *
 * Anchor: recon cs (L1-wavelet, FISTA, λ = 0.01 as models/evaluate.py) on the
 * same k-space: iteration counts 5, 10, 20, ... 200 are tried in turn until the
 * SSIM reaches the learned model's; that count is timed (median of N after the
 * ladder's own runs warmed it up) and "× CS same SSIM" is learned / CS. If CS
 * never reaches it the ratio is to the 200-iteration run and the table says so.
 * The zero-filled time is printed beside. Timings are medians of N repeats
 * after one warm-up; the machine's load average is printed because a shared
 * machine skews absolute times far more than the ratio.
 *
 * The native addon is installed when built (as the app does); the table says which.
 * Exit status 2 when the model folder is missing (the trained model is exported later).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { RTensor } from '../../electron/engine/array';
import { simulate } from '../../electron/engine/acquire';
import { clearSessionCache, loadModel, modelsRoot } from '../../electron/engine/learned';
import { sliceMetrics } from '../../electron/engine/metrics';
import { installNative } from '../../electron/engine/native';
import { methods, reconCs, reconZeroFilled, type ReconInput, type ReconResult } from '../../electron/engine/recon';
import { maskTensor } from '../../electron/engine/sampling';
import { colinSlice, median, parseFlags } from './common';

const N = 256;
const CS_LADDER = [5, 10, 20, 30, 50, 75, 100, 150, 200];

const { flag, fail, has } = parseFlags('bench/learned', ['--model', '--models-dir', '--repeats', '--coils', '--rim', '--unet', '--lambda', '--snr', '--refine', '--json'], ['--quick']);
const quick = has('--quick');
const MODEL = flag('--model') ?? 'cirim';
const ROOT = modelsRoot(flag('--models-dir'));
const REPEATS = Number(flag('--repeats') ?? (quick ? 3 : 5));
const COILS = (flag('--coils') ?? (quick ? '1' : '1,8')).split(',').map(Number);
const LAMBDA = Number(flag('--lambda') ?? 0.01);
const SNR = flag('--snr') === undefined ? undefined : Number(flag('--snr'));
const JSON_OUT = flag('--json');
const REFINE = Number(flag('--refine') ?? 0);
if (!Number.isInteger(REFINE) || REFINE < 0) fail(`--refine must be an integer >= 0, got ${flag('--refine')}`);
if (!Number.isInteger(REPEATS) || REPEATS < 1) fail(`--repeats must be a positive integer, got ${flag('--repeats')}`);
if (COILS.some((c) => !Number.isInteger(c) || c < 1 || c > 32)) fail(`--coils must list coil counts 1..32 separated by commas, e.g. 1,8`);
if (!(LAMBDA > 0)) fail(`--lambda must be positive, got ${flag('--lambda')}`);
if (SNR !== undefined && !(SNR > 0)) fail(`--snr must be positive, got ${flag('--snr')}`);

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

interface Quality { ssim: number; psnr: number }
const quality = (ref: RTensor, r: ReconResult): Quality => {
  const m = sliceMetrics(ref.data, r.image.data, 1, N, N).volume;
  return { ssim: m.ssim, psnr: m.psnr };
};

/** Median wall time of `repeats` runs (after the caller's warm-up) and the last result. */
async function timed(run: () => Promise<ReconResult>, repeats: number): Promise<{ ms: number; all: number[]; result: ReconResult }> {
  const all: number[] = [];
  let result!: ReconResult;
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    result = await run();
    all.push(performance.now() - t);
  }
  return { ms: median(all), all, result };
}

interface CsStep { iters: number; ssim: number; psnr: number; ms: number }

/** Walks the CS iteration ladder (cached per coil setting) until SSIM reaches target. */
async function csMatch(input: ReconInput, ref: RTensor, ladder: CsStep[], target: number): Promise<{ step: CsStep; reached: boolean }> {
  for (const iters of CS_LADDER) {
    let step = ladder.find((l) => l.iters === iters);
    if (!step) {
      const t = performance.now();
      const r = await reconCs(input, { reg: 'wavelet', solver: 'fista', lambda: LAMBDA, iters });
      step = { iters, ...quality(ref, r), ms: performance.now() - t };
      ladder.push(step);
      console.error(`  cs ${iters} it: SSIM ${step.ssim.toFixed(4)} PSNR ${step.psnr.toFixed(2)} ${step.ms.toFixed(0)} ms`);
    }
    if (step.ssim >= target) return { step, reached: true };
  }
  return { step: ladder.find((l) => l.iters === CS_LADDER.at(-1))!, reached: false };
}

interface Row {
  coils: number; method: string; model: string; sha256: string; ssim: number; psnr: number;
  coldMs: number; ms: number; runsMs: number[]; cpuMs: number; cascadeMs: number[]; overheadMs: number;
  csIters: number; csReached: boolean; csSsim: number; csMs: number; zeroFilledMs: number; zeroFilledSsim: number; ratio: number;
}

async function main(): Promise<number> {
  const native = installNative();
  const learned: Array<[method: string, model: string, options?: Record<string, unknown>]> = [['cirim', MODEL]];
  if (REFINE > 0) learned.push(['cirim', MODEL, { refine: REFINE }]);
  const rim = flag('--rim') ?? 'rim', unet = flag('--unet') ?? 'unet';
  const notes: string[] = [];
  if (!existsSync(join(ROOT, MODEL, 'manifest.json'))) {
    console.error(`bench/learned: no model "${MODEL}" in ${ROOT} (no ${join(ROOT, MODEL, 'manifest.json')}).`);
    console.error(MODEL === 'cirim'
      ? '  The trained CIRIM is not exported yet. Export a checkpoint and point the bench at it, e.g.\n' +
        '    /usr/bin/python3 models/export_onnx.py --checkpoint models/runs/cirim-sc/last.pt --name cirim-bench --out-root /tmp/bench-models\n' +
        '    npx tsx bench/learned/run.ts --models-dir /tmp/bench-models --model cirim-bench'
      : '  Pass --models-dir DIR and/or --model NAME for an exported model folder.');
    return 2;
  }
  for (const [method, name, given] of [['rim', rim, flag('--rim')], ['unet', unet, flag('--unet')]] as const) {
    if (existsSync(join(ROOT, name, 'manifest.json'))) learned.push([method, name]);
    else if (given) throw new Error(`--${method} ${name}: no ${join(ROOT, name, 'manifest.json')}`);
    else notes.push(`${method}: no ${join(ROOT, name)}, skipped (--${method} NAME to bench one)`);
  }
  for (const [method, name] of learned) {
    const arch = (loadModel(name, ROOT).manifest as Record<string, unknown>).architecture;
    if (arch !== undefined && arch !== method) throw new Error(`${join(ROOT, name)} is a ${String(arch)} model, not ${method}`);
  }

  const img = await colinSlice(N);
  const rows: Row[] = [];
  const loadBefore = load();
  for (const coils of COILS) {
    const sim = simulate(img, { seed: 7, coils, ...(SNR ? { snr: SNR } : {}), mask: { kind: 'equispaced-fraction', accel: 4, centerFraction: 0.08, seed: 7 } });
    const input: ReconInput = { kspace: sim.kspace, mask: maskTensor(sim.mask), noiseStd: sim.noiseStd, ...(coils > 1 ? { sens: sim.sens } : {}) };
    const ref = sim.reference;
    console.error(`${coils} coil(s), mask ${sim.mask.accel.toFixed(2)}x, load ${load()}`);
    await reconZeroFilled(input);
    const zf = await timed(() => reconZeroFilled(input), REPEATS);
    const zfSsim = quality(ref, zf.result).ssim;
    const ladder: CsStep[] = [];
    for (const [method, name, extra] of learned) {
      if (extra?.refine && coils === 1) continue; // single coil: a projection that only costs SSIM (model card)
      const label = extra?.refine ? `${method}+refine${String(extra.refine)}` : method;
      const run = () => methods[method]!.run(input, { ...extra, model: name, modelsDir: ROOT, provider: 'cpu' });
      const t = performance.now();
      await run(); // warm-up: creates and caches the ONNX session
      const coldMs = performance.now() - t;
      const cascades: number[][] = [];
      const sums: number[] = [];
      const all: number[] = [];
      const cpu: number[] = [];
      let result!: ReconResult;
      for (let i = 0; i < REPEATS; i++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        result = await run();
        all.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000);
        const el = result.history.map((h) => h.elapsedMs);
        const per = el.map((e, k) => e - (k ? el[k - 1]! : 0));
        cascades.push(per);
        sums.push(per.reduce((a, b) => a + b, 0));
      }
      const ms = median(all);
      const q = quality(ref, result);
      const sha = String(result.options.modelSha256 ?? '');
      console.error(`  ${label} ${name}: ${ms.toFixed(0)} ms (runs ${all.map((a) => a.toFixed(0)).join(' ')}), SSIM ${q.ssim.toFixed(4)}`);
      const cs = await csMatch(input, ref, ladder, q.ssim);
      const csT = await timed(() => reconCs(input, { reg: 'wavelet', solver: 'fista', lambda: LAMBDA, iters: cs.step.iters }), REPEATS);
      const K = cascades[0]!.length;
      const cascadeMs = Array.from({ length: K }, (_, k) => median(cascades.map((c) => c[k] ?? 0)));
      rows.push({
        coils, method: label, model: name, sha256: sha, ...q, coldMs, ms, runsMs: all, cpuMs: median(cpu), cascadeMs,
        overheadMs: ms - median(sums), csIters: cs.step.iters, csReached: cs.reached, csSsim: cs.step.ssim, csMs: csT.ms,
        zeroFilledMs: zf.ms, zeroFilledSsim: zfSsim, ratio: ms / csT.ms,
      });
    }
    // Each coil count binds new input shapes; a fresh session keeps the next setting's timings clean.
    await clearSessionCache();
  }
  const loadAfter = load();

  console.log(`\nLearned reconstructions vs our CS of the same SSIM: Colin27 slice ${N}x${N}, equispaced-fraction 4x centre 0.08, ${SNR ? `SNR ${SNR}` : 'noiseless'}`);
  console.log(`CPU: ${cpus().length} x ${cpus()[0]?.model ?? '?'}; onnxruntime-node, provider cpu, session options as electron/engine/learned/session.ts`);
  console.log(`kernels: ${native.loaded ? `native addon (${native.detail})` : `TypeScript (${native.reason})`}; CS = wavelet FISTA λ=${LAMBDA}`);
  console.log(`load average (1/5/15 min) before ${loadBefore}, after ${loadAfter}; median of ${REPEATS} after 1 warm-up\n`);
  console.log('| coils | method | model (sha256) | SSIM | PSNR | ms | CPU ms | first run ms | per cascade ms | outside cascades ms | CS its | CS SSIM | CS ms | × CS same SSIM | zero-filled ms (SSIM) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    // Reached on the first rung: fewer iterations might do too, so the ratio is a lower bound on CS's advantage.
    const cs = !r.csReached ? `${r.csIters} (never reached)` : r.csIters === CS_LADDER[0] ? `≤ ${r.csIters}` : `${r.csIters}`;
    console.log(`| ${r.coils} | ${r.method} | ${r.model} (${r.sha256.slice(0, 12)}) | ${r.ssim.toFixed(4)} | ${r.psnr.toFixed(2)} | ${r.ms.toFixed(0)} | ${r.cpuMs.toFixed(0)} | ${r.coldMs.toFixed(0)} | ${r.cascadeMs.map((c) => c.toFixed(0)).join(' / ')} | ${r.overheadMs.toFixed(0)} | ${cs} | ${r.csSsim.toFixed(4)} | ${r.csMs.toFixed(0)} | ${r.ratio.toFixed(2)}${r.csReached ? '' : ' (vs 200 its)'} | ${r.zeroFilledMs.toFixed(1)} (${r.zeroFilledSsim.toFixed(4)}) |`);
  }
  for (const n of notes) console.log(`note: ${n}`);
  const target = rows.find((r) => r.method === 'cirim' && r.coils === 1);
  if (target) console.log(`\nissue target: CIRIM single-coil <= 300 ms; measured ${target.ms.toFixed(0)} ms (${target.ms <= 300 ? 'met' : `${(target.ms / 300).toFixed(1)}x over`})`);
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ size: N, snr: SNR ?? null, lambda: LAMBDA, repeats: REPEATS, native: native.loaded ? native.detail : null, loadBefore, loadAfter, rows }, null, 1));
  return 0;
}

main()
  .then((code) => { process.exitCode = code; })
  .catch((e) => { console.error(`bench/learned: ${e instanceof Error ? e.message : String(e)}`); process.exitCode = 1; });
