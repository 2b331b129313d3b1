/**
 * models/evaluate.py's bridge to the engine: reconstructs held-out cases with
 * an exported ONNX model through the engine's own recon method (the path the
 * app ships), so ONNX folders are measured exactly as users would run them.
 *
 *   npx tsx models/eval_engine.ts jobs.json
 *
 * jobs.json: [{ "method": "cirim"|"rim"|"unet"|"diffusion", "options"?: {...}, "model": NAME, "modelsDir": DIR, "dir": CASE_DIR, "out": FILE }]
 * CASE_DIR holds kspace.npy [S, C, H, W, 2] float32 (raw, masked), mask.npy
 * [H, W] float32, for C > 1 sens.npy [S, C, H, W, 2], and optionally noise.json
 * {"noiseStd": k-space noise SD per real/imaginary component}. Writes the
 * magnitude [S, H, W] float32 as .npy to FILE and prints one JSON line per job.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ctensor, rtensor } from '../electron/engine/array';
import { clearSessionCache, readNpy } from '../electron/engine/learned';
import { methods, type ReconInput } from '../electron/engine/recon';

interface Job {
  method: string;
  model: string;
  modelsDir: string;
  dir: string;
  out: string;
  /** Extra method options (e.g. diffusion steps). */
  options?: Record<string, unknown>;
}

function writeNpy(path: string, data: Float32Array, shape: number[]): void {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n'; // total header a multiple of 64 bytes
  const head = new Uint8Array(10 + header.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(head.buffer).setUint16(8, header.length, true);
  head.set(new TextEncoder().encode(header), 10);
  writeFileSync(path, Buffer.concat([head, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)]));
}

const load = (f: string) => readNpy(readFileSync(f), f);

async function run(job: Job): Promise<void> {
  const method = methods[job.method];
  if (!method) throw new Error(`unknown method ${job.method}`);
  const k = load(join(job.dir, 'kspace.npy'));
  const m = load(join(job.dir, 'mask.npy'));
  const [slices, coils, ny, nx] = k.shape as [number, number, number, number];
  const input: ReconInput = { kspace: ctensor([slices, coils, ny, nx], k.data as Float32Array), mask: rtensor([ny, nx], m.data as Float32Array) };
  if (coils > 1) input.sens = ctensor([slices, coils, ny, nx], load(join(job.dir, 'sens.npy')).data as Float32Array);
  // The simulated acquisition's k-space noise SD (per real/imaginary component), as the engine's simulator would pass it.
  if (existsSync(join(job.dir, 'noise.json'))) input.noiseStd = (JSON.parse(readFileSync(join(job.dir, 'noise.json'), 'utf8')) as { noiseStd: number }).noiseStd;
  const t0 = performance.now();
  const r = await method.run(input, { ...job.options, model: job.model, modelsDir: job.modelsDir, provider: 'cpu' });
  const ms = performance.now() - t0;
  writeNpy(job.out, r.image.data, [slices, ny, nx]);
  console.log(JSON.stringify({ method: job.method, model: job.model, sha256: r.options.modelSha256, slices, msPerSlice: ms / slices, out: job.out }));
}

async function main(): Promise<void> {
  const jobs = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Job[];
  for (const j of jobs) await run(j);
  await clearSessionCache();
}

main().catch((e) => {
  console.error(`eval_engine: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
