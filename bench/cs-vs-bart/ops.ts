/**
 * Micro-timings of the operators one CS iteration is made of, on 8-coil
 * 256x256 (synthetic maps; the cost does not depend on the values), with the
 * native addon installed when built and, in the same run, without it:
 *
 *   npx tsx bench/cs-vs-bart/ops.ts [--reps N]
 */
import { createRng } from '../../electron/engine/array';
import { finiteDiffOp, senseOp, waveletOp } from '../../electron/engine/linop';
import { fft2cBatch } from '../../electron/engine/fft';
import { installNative, openNative, uninstallNative } from '../../electron/engine/native';
import { softThreshold } from '../../electron/engine/solvers/prox';

const args = process.argv.slice(2);
const repsAt = args.indexOf('--reps');
const REPS = repsAt >= 0 ? Number(args[repsAt + 1]) : 20;
const coils = 8, n = 256, plane = n * n;
const rng = createRng(3, 'bench-ops');
const rand = (len: number) => Float32Array.from({ length: len }, () => rng.normal());
const sens = rand(2 * coils * plane);
const mask = Float32Array.from({ length: plane }, () => (rng.next() < 0.25 ? 1 : 0));
const x = rand(2 * plane);
const k = rand(2 * coils * plane);

function time(label: string, f: () => unknown): number {
  for (let i = 0; i < 3; i++) f();
  const per: number[] = [];
  for (let i = 0; i < REPS; i++) { const t = performance.now(); f(); per.push(performance.now() - t); }
  per.sort((a, b) => a - b);
  const med = per[per.length >> 1]!;
  console.log(`  ${label.padEnd(34)} ${med.toFixed(2).padStart(8)} ms (median of ${REPS})`);
  return med;
}

for (const mode of ['native', 'ts']) {
  if (mode === 'native') { const s = installNative(); if (!s.loaded) { console.log(`native: skipped (${s.reason})`); continue; } } else uninstallNative();
  console.log(`${mode}:`);
  const A = senseOp(sens, mask, coils, n, n);
  const W = waveletOp(n, n, { wavelet: 'db4', levels: 5 });
  const G = finiteDiffOp(n, n, 'periodic');
  const buf = new Float32Array(k.length);
  time('fft2cBatch 8 planes', () => fft2cBatch(k, coils, n, n, false, buf));
  time('A.apply (S, F, M)', () => A.apply(x));
  time('A.adjoint (M, F^H, S^H)', () => A.adjoint(k));
  time('A^H A', () => A.adjoint(A.apply(x)));
  time('W.apply db4 L5', () => W.apply(x));
  time('W.adjoint db4 L5', () => W.adjoint(x));
  time('G^H G', () => G.adjoint(G.apply(x)));
  time('softThreshold image', () => softThreshold(x.slice(), 0.1));
  const addon = openNative().addon;
  if (mode === 'native' && addon) {
    // The fused SENSE kernels called directly (senseOp routes A, A^H and A^H A through them when installed).
    const img = new Float32Array(2 * plane), ks = new Float32Array(2 * coils * plane);
    time('fused senseForward', () => addon.senseForward(x, sens, mask, coils, n, n, ks));
    time('fused senseAdjoint', () => addon.senseAdjoint(k, sens, mask, coils, n, n, img));
    time('fused senseNormal (A^H A)', () => addon.senseNormal(x, sens, mask, coils, n, n, img));
  }
}
