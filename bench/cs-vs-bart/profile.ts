/**
 * Per-iteration cost of our CS solvers on the bench data (bart phantom -x 256
 * -s 8 -k, bart poisson ~4x, ecalib -m1 maps), for profiling:
 *
 *   npx tsx bench/cs-vs-bart/profile.ts [--iters N] [--reg wavelet|tv] [--ts]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/cs-vs-bart/profile.ts
 *
 * Prints ms per iteration with the native addon (when built) and, unless
 * --native-only, with the TypeScript kernels, measured in the same run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bartToKSpace, readCfl } from '../../electron/engine/io';
import { installNative, uninstallNative } from '../../electron/engine/native';
import { reconCs } from '../../electron/engine/recon/cs';

const args = process.argv.slice(2);
const at = (f: string) => { const i = args.indexOf(f); return i >= 0 ? args[i + 1] : undefined; };
const ITERS = Number(at('--iters') ?? 20);
const REGS = (at('--reg') ? [at('--reg')] : ['wavelet', 'tv']) as Array<'wavelet' | 'tv'>;
const dir = mkdtempSync(join(tmpdir(), 'cs-profile-'));
const bart = (...a: string[]) => execFileSync('bart', a, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OMP_NUM_THREADS: '1' } });
const readC = (n: string) => readCfl(readFileSync(join(dir, `${n}.hdr`), 'utf8'), new Uint8Array(readFileSync(join(dir, `${n}.cfl`))), n);

async function main(): Promise<void> {
  bart('phantom', '-x', '256', '-s', '8', '-k', 'phantom');
  bart('poisson', '-Y', '256', '-Z', '256', '-y', '2', '-z', '2', '-C', '20', '-s', '1', 'pmask');
  bart('reshape', '7', '256', '256', '1', 'pmask', 'mask');
  bart('fmac', 'phantom', 'mask', 'ku');
  bart('ecalib', '-m1', 'ku', 'sens');
  const ku = readC('ku'), sens = readC('sens'), maskC = readC('mask');
  const n = 256, mask = new Float32Array(n * n);
  for (let i = 0; i < n * n; i++) mask[i] = maskC.data[2 * i] !== 0 ? 1 : 0;
  const input = { kspace: bartToKSpace(ku.dims, ku.data, 'ku'), mask: { shape: [n, n], data: mask }, sens: { shape: [1, 8, n, n], data: sens.data.slice() } };
  const modes = args.includes('--ts') ? ['ts'] : args.includes('--native-only') ? ['native'] : ['native', 'ts'];
  for (const mode of modes) {
    if (mode === 'native') { if (!installNative().loaded) continue; } else uninstallNative();
    for (const reg of REGS) {
      await reconCs(input, { reg, lambda: 0.01, iters: 2 }); // warm-up: plans, JIT
      const t = performance.now();
      await reconCs(input, { reg, lambda: 0.01, iters: ITERS });
      console.log(`${mode} ${reg}: ${((performance.now() - t) / ITERS).toFixed(1)} ms/iteration (${ITERS} iterations)`);
    }
  }
}

main().catch((e) => { console.error(e); process.exitCode = 1; }).finally(() => rmSync(dir, { recursive: true, force: true }));
