/**
 * Speed of guided diffusion reconstruction on one 256x256 slice (issue 8:
 * at most 10 s at K = 20 on this CPU), with our CS run on the same k-space as
 * the anchor measured in the same run.
 *
 *   npx tsx bench/diffusion/run.ts [--model NAME] [--models-dir DIR] [--steps 10,20]
 *       [--guidance none|cfg|gfcg] [--samples N] [--repeats N] [--json FILE]
 *
 * Data: the middle axial slice of Colin27 (ch2.nii.gz through the engine's
 * loader), zero-padded / cropped to 256x256, single coil, equispaced-fraction
 * 4x centre 0.08 (acquire.simulate, seed 7, smooth phase, noiseless).
 * The method runs exactly as the app calls it (methods.diffusion,
 * onnxruntime-node, provider cpu, session cached after a warm-up run).
 * Printed: seconds per slice (median of --repeats), ms per DDIM step (from the
 * method's history), SSIM/PSNR against the reference, and the ratio to CS
 * (L1-wavelet FISTA, 50 iterations, λ 0.01) timed in the same run.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { rtensor } from '../../electron/engine/array';
import { simulate } from '../../electron/engine/acquire';
import { loadVolume } from '../../electron/engine/io';
import { clearSessionCache, modelsRoot } from '../../electron/engine/learned';
import { sliceMetrics } from '../../electron/engine/metrics';
import { installNative } from '../../electron/engine/native';
import { methods, reconCs, type ReconInput, type ReconResult } from '../../electron/engine/recon';

const N = 256;
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const MODEL = flag('--model') ?? 'diffusion';
const ROOT = modelsRoot(flag('--models-dir'));
const STEPS = (flag('--steps') ?? '10,20').split(',').map(Number);
const GUIDANCE = flag('--guidance') ?? 'none';
const SAMPLES = Number(flag('--samples') ?? 1);
const REPEATS = Number(flag('--repeats') ?? 3);

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

async function slice(): Promise<ReconInput> {
  const vol = await loadVolume('/usr/share/mricron/templates/ch2.nii.gz');
  if (vol.kind !== 'image') throw new Error('ch2.nii.gz did not load as an image');
  const [s, ny, nx] = vol.image.shape as [number, number, number];
  const z = Math.floor(s / 2);
  const img = rtensor([1, N, N]);
  let max = 0;
  for (let y = 0; y < N; y++)
    for (let x = 0; x < N; x++) {
      const sy = y - Math.floor((N - ny) / 2), sx = x - Math.floor((N - nx) / 2);
      const v = sy >= 0 && sy < ny && sx >= 0 && sx < nx ? vol.image.data[z * ny * nx + sy * nx + sx]! : 0;
      img.data[y * N + x] = v;
      max = Math.max(max, v);
    }
  for (let i = 0; i < img.data.length; i++) img.data[i]! /= max;
  const sim = simulate(img, { mask: { kind: 'equispaced-fraction', accel: 4, centerFraction: 0.08, seed: 7 }, coils: 1, seed: 7 });
  return { kspace: sim.kspace, mask: sim.mask, reference: img };
}

async function timed(run: () => Promise<ReconResult>): Promise<{ ms: number; r: ReconResult }> {
  const t = performance.now();
  const r = await run();
  return { ms: performance.now() - t, r };
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, MODEL, 'manifest.json'))) {
    console.error(`bench/diffusion: no model "${MODEL}" under ${ROOT} (export one with models/export_diffusion.py, or pass --model/--models-dir)`);
    process.exit(2);
  }
  const native = installNative();
  const input = await slice();
  const ref = input.reference!;
  const metric = (r: ReconResult) => sliceMetrics(ref.data, r.image.data, 1, N, N).volume;
  const cs = [];
  for (let i = 0; i < REPEATS; i++) cs.push(await timed(() => reconCs(input, { iters: 50, lambda: 0.01 })));
  const csMs = median(cs.map((c) => c.ms));
  const csM = metric(cs[0]!.r);
  const rows: Array<Record<string, number | string>> = [];
  const opts = { model: MODEL, modelsDir: ROOT, provider: 'cpu', guidance: GUIDANCE, samples: SAMPLES };
  await methods.diffusion!.run(input, { ...opts, steps: 5 }); // warm-up: session creation
  for (const K of STEPS) {
    const runs = [];
    for (let i = 0; i < REPEATS; i++) runs.push(await timed(() => methods.diffusion!.run(input, { ...opts, steps: K })));
    const ms = median(runs.map((r) => r.ms));
    const h = runs[0]!.r.history;
    const perStep = h.length > 1 ? (h.at(-1)!.elapsedMs - h[0]!.elapsedMs) / (h.length - 1) : NaN;
    const m = metric(runs[0]!.r);
    rows.push({ K, seconds: ms / 1000, msPerStep: perStep, ssim: m.ssim, psnr: m.psnr, ratioToCs: ms / csMs, schedule: String(runs[0]!.r.options.scheduleSource) });
  }
  const load = loadavg()[0]!.toFixed(2);
  console.log(`\nDiffusion reconstruction, ${MODEL}, one ${N}x${N} Colin27 slice, single coil, equispaced-fraction 4x, guidance ${GUIDANCE}, ${SAMPLES} sample(s), CPU (${cpus().length} cores, load ${load}; native addon ${native.loaded ? 'on' : 'off'})`);
  console.log(`anchor: CS wavelet FISTA 50 iterations ${(csMs / 1000).toFixed(2)} s, SSIM ${csM.ssim.toFixed(4)}, PSNR ${csM.psnr.toFixed(2)} dB\n`);
  console.log('| K | schedule | s per slice | ms per step | SSIM | PSNR (dB) | × CS time |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.K} | ${r.schedule} | ${(r.seconds as number).toFixed(2)} | ${(r.msPerStep as number).toFixed(0)} | ${(r.ssim as number).toFixed(4)} | ${(r.psnr as number).toFixed(2)} | ${(r.ratioToCs as number).toFixed(2)} |`);
  const out = flag('--json');
  if (out) writeFileSync(out, JSON.stringify({ model: MODEL, guidance: GUIDANCE, samples: SAMPLES, load, cs: { seconds: csMs / 1000, ...csM }, rows }, null, 1) + '\n');
  await clearSessionCache();
}

main().catch((e) => {
  console.error(`bench/diffusion: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  process.exit(1);
});
