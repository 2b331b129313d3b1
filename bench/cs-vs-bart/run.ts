/**
 * Compressed sensing, ours vs BART `pics` on the same data, masks, coil maps
 * and iteration counts. Run: npx tsx bench/cs-vs-bart/run.ts [--quick] [--iters N]
 *
 * Datasets: `bart phantom -x 256 -s 8 -k` and a Colin27 slice (zero-padded to
 * 256x256, 8 simulated coils by acquire.simulate, written as .cfl), each
 * undersampled by `bart poisson` near 4x and 8x. Flags: --quick (phantom 4x,
 * two λ), --iters N (default 50), --only wavelet|tv, --json FILE (all rows),
 * --lambdas a,b,c (the sweep; default 0.001,0.002,0.003,0.004,0.005,0.007,0.01,0.02,0.03),
 * --data phantom|colin, --accel 4x|8x, --levels L (our wavelet levels). Coil maps: `bart ecalib -m1`
 * on the undersampled data, used by both. Reference: the fully sampled data
 * SENSE-combined with those maps. NRMSE: `bart nrmse -s` (complex scale fit)
 * for both. Timing: BART wall time of the `pics` process with
 * OMP_NUM_THREADS=1 (our engine is single-threaded), ours in-process around
 * reconCs. λ sweep: each tool at each λ; the table compares each at its best λ,
 * and ours at BART's best λ. "median ratio" is the median over the sweep of
 * ours/BART wall time at the same λ (less noisy than the one best-λ pair).
 *
 * Same problem for both: `-l1 -r λ` is L1-wavelet (FISTA, db4/"dau2", random
 * shifts); `-R T:3:0:λ` is TV over x and y with joint thresholding of the two
 * gradient components (BART's prox_thresh over the gradient dimension), i.e.
 * isotropic TV, so ours runs tv: 'isotropic'. BART solves TV with ADMM and
 * reads -i as a budget of CG iterations (iter/admm.c); so does reconCs for ADMM.
 *
 * Native addon: when built (node native/build.mjs) "ours" runs with it and,
 * for reference, "ours-ts" repeats each run on the TypeScript kernels in the
 * same process (--no-ts skips that; RECON_NATIVE=0 makes "ours" TypeScript).
 * The table then shows both time ratios against the same BART run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rtensor } from '../../electron/engine/array';
import { simulate } from '../../electron/engine/acquire';
import { bartToKSpace, loadVolume, readCfl, writeCflBytes } from '../../electron/engine/io';
import { installNative, uninstallNative } from '../../electron/engine/native';
import { reconCs, type CsOptions } from '../../electron/engine/recon/cs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const itersAt = args.indexOf('--iters');
const ITERS = itersAt >= 0 ? Number(args[itersAt + 1]) : 50;
const lambdasAt = args.indexOf('--lambdas');
// Steps of about 1.5-2x around both tools' optima (0.002-0.02 on these data): a factor-3 grid could
// land one tool on its optimum and the other off it, which reads as a quality gap that is not one.
const LAMBDAS = lambdasAt >= 0 ? (args[lambdasAt + 1] ?? '').split(',').map(Number) : quick ? [0.005, 0.01] : [0.001, 0.002, 0.003, 0.004, 0.005, 0.007, 0.01, 0.02, 0.03];
if (LAMBDAS.length === 0 || LAMBDAS.some((l) => !(l > 0))) throw new Error('--lambdas needs positive numbers separated by commas, e.g. 0.002,0.005');
const onlyAt = args.indexOf('--only');
const REGS = (onlyAt >= 0 ? [args[onlyAt + 1]] : ['wavelet', 'tv']) as Array<'wavelet' | 'tv'>;
const levelsAt = args.indexOf('--levels');
const ENV = { ...process.env, OMP_NUM_THREADS: '1' };
const native = installNative();
const WITH_TS = native.loaded && !args.includes('--no-ts');

const dir = mkdtempSync(join(tmpdir(), 'cs-vs-bart-'));
const p = (n: string) => join(dir, n);

function bart(...argv: string[]): number {
  const t = performance.now();
  execFileSync('bart', argv, { cwd: dir, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  return performance.now() - t;
}
function readC(name: string) {
  return readCfl(readFileSync(p(`${name}.hdr`), 'utf8'), new Uint8Array(readFileSync(p(`${name}.cfl`))), name);
}
function writeC(name: string, dims: number[], data: Float32Array): void {
  const { hdr, cfl } = writeCflBytes(dims, data);
  writeFileSync(p(`${name}.hdr`), hdr);
  writeFileSync(p(`${name}.cfl`), cfl);
}
function nrmse(ref: string, x: string): number {
  // bart nrmse -s prints "Scaled by: ..." first; the value is the last line.
  return Number(execFileSync('bart', ['nrmse', '-s', ref, x], { cwd: dir, env: ENV, encoding: 'utf8' }).trim().split('\n').pop());
}

/** Colin27 axial slice, zero-padded to 256x256, as 8-coil fully sampled k-space .cfl. */
async function writeColin(name: string): Promise<void> {
  const vol = await loadVolume('/usr/share/mricron/templates/ch2.nii.gz');
  if (vol.kind !== 'image') throw new Error('ch2.nii.gz did not load as an image');
  const [slices, ny, nx] = vol.image.shape as [number, number, number];
  const n = 256, s = Math.floor(slices / 2), oy = (n - ny) >> 1, ox = (n - nx) >> 1;
  const img = rtensor([1, n, n]);
  for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) img.data[(y + oy) * n + x + ox] = vol.image.data[s * ny * nx + y * nx + x]! / 255;
  const full = { shape: [n, n] as [number, number], data: new Float32Array(n * n).fill(1) };
  const sim = simulate(img, { seed: 7, coils: 8, snr: 60, mask: full as never });
  writeC(name, [n, n, 1, 8], sim.kspace.data);
}

interface Row { data: string; reg: string; accel: number; tool: string; lambda: number; nrmse: number; ms: number }

async function main(): Promise<void> {
  const rows: Row[] = [];
  bart('phantom', '-x', '256', '-s', '8', '-k', 'phantom');
  await writeColin('colin');
  const dataAt = args.indexOf('--data'), accelAt = args.indexOf('--accel');
  const datasets = (quick ? ['phantom'] : ['phantom', 'colin']).filter((d) => dataAt < 0 || d === args[dataAt + 1]);
  const accels = ((quick ? [['4x', '2']] : [['4x', '2'], ['8x', '2.95']]) as Array<[string, string]>).filter(([l]) => accelAt < 0 || l === args[accelAt + 1]);
  for (const data of datasets) {
    for (const [label, acc] of accels) {
      bart('poisson', '-Y', '256', '-Z', '256', '-y', acc, '-z', acc, '-C', '20', '-s', '1', 'pmask');
      bart('reshape', '7', '256', '256', '1', 'pmask', 'mask');
      bart('fmac', data, 'mask', 'ku');
      bart('ecalib', '-m1', 'ku', 'sens');
      // Reference: fully sampled coil images combined with the same maps.
      bart('fft', '-iu', '3', data, 'coilimg');
      bart('fmac', '-C', '-s', '8', 'coilimg', 'sens', 'ref');
      const ku = readC('ku'), sens = readC('sens'), maskC = readC('mask');
      const n = 256;
      const mask = new Float32Array(n * n);
      for (let i = 0; i < n * n; i++) mask[i] = maskC.data[2 * i] !== 0 ? 1 : 0;
      const accel = (n * n) / mask.reduce((a, b) => a + b, 0);
      const input = {
        kspace: bartToKSpace(ku.dims, ku.data, 'ku'),
        mask: { shape: [n, n], data: mask },
        sens: { shape: [1, 8, n, n], data: sens.data.slice() },
      };
      for (const reg of REGS) {
        for (const lambda of LAMBDAS) {
          const ms = bart('pics', '-d0', '-i', String(ITERS), ...(reg === 'wavelet' ? ['-l1', '-r', String(lambda)] : ['-R', `T:3:0:${lambda}`]), 'ku', 'sens', 'bout');
          rows.push({ data, reg, accel, tool: 'bart', lambda, nrmse: nrmse('ref', 'bout'), ms });
          const opts: Partial<CsOptions> = { reg, lambda, iters: ITERS, ...(reg === 'tv' ? { tv: 'isotropic' as const } : {}), ...(levelsAt >= 0 ? { levels: Number(args[levelsAt + 1]) } : {}) };
          const variants: Array<[string, boolean]> = [['ours', native.loaded], ...(WITH_TS ? [['ours-ts', false] as [string, boolean]] : [])];
          for (const [tool, useNative] of variants) {
            if (useNative) installNative(); else uninstallNative();
            const t = performance.now();
            const res = await reconCs(input, opts);
            const ms = performance.now() - t;
            writeC('oout', [n, n], res.complex!.data);
            rows.push({ data, reg, accel, tool, lambda, nrmse: nrmse('ref', 'oout'), ms });
          }
          const last = rows.slice(-1 - variants.length);
          console.error(`${data} ${label} ${reg} λ=${lambda}: ` + last.map((r) => `${r.tool} ${r.nrmse.toFixed(4)} ${r.ms.toFixed(0)} ms`).join(' | '));
        }
      }
    }
  }
  console.log(`\nCS vs BART pics (${ITERS} iterations, ecalib -m1 maps for both, NRMSE = bart nrmse -s vs fully sampled SENSE combination)`);
  console.log(native.loaded ? `ours: native addon (${native.detail})${WITH_TS ? '; ours-ts: TypeScript kernels, same run' : ''}\n` : `ours: TypeScript kernels (native addon not used: ${native.reason})\n`);
  console.log(`| data | accel | reg | BART best λ | BART NRMSE | ours at BART's λ | rel. diff | ours best λ | ours NRMSE | rel. diff | BART ms | ours ms | time ours/BART | median ratio |${WITH_TS ? ' ours-ts NRMSE | ours-ts ms | time ours-ts/BART |' : ''}`);
  console.log(`|---|---|---|---|---|---|---|---|---|---|---|---|---|---|${WITH_TS ? '---|---|---|' : ''}`);
  const keys = [...new Set(rows.map((r) => `${r.data}|${r.accel}|${r.reg}`))];
  for (const k of keys) {
    const group = rows.filter((r) => `${r.data}|${r.accel}|${r.reg}` === k);
    const best = (tool: string) => group.filter((r) => r.tool === tool).reduce((a, b) => (b.nrmse < a.nrmse ? b : a));
    const b = best('bart'), o = best('ours');
    // The TypeScript run at the λ "ours" picked, so the two time ratios share one BART run.
    const ts = WITH_TS ? group.find((r) => r.tool === 'ours-ts' && r.lambda === o.lambda) : undefined;
    const tsCells = ts ? ` ${ts.nrmse.toFixed(4)} | ${ts.ms.toFixed(0)} | ${(ts.ms / b.ms).toFixed(2)} |` : '';
    const atB = group.find((r) => r.tool === 'ours' && r.lambda === b.lambda)!;
    const ratios = LAMBDAS.map((l) => group.find((r) => r.tool === 'ours' && r.lambda === l)!.ms / group.find((r) => r.tool === 'bart' && r.lambda === l)!.ms).sort((x, y) => x - y);
    const median = ratios.length % 2 ? ratios[ratios.length >> 1]! : (ratios[ratios.length / 2 - 1]! + ratios[ratios.length / 2]!) / 2;
    const rel = (v: number) => `${(((v - b.nrmse) / b.nrmse) * 100).toFixed(1)}%`;
    console.log(`| ${b.data} | ${b.accel.toFixed(2)} | ${b.reg} | ${b.lambda} | ${b.nrmse.toFixed(4)} | ${atB.nrmse.toFixed(4)} | ${rel(atB.nrmse)} | ${o.lambda} | ${o.nrmse.toFixed(4)} | ${rel(o.nrmse)} | ${b.ms.toFixed(0)} | ${o.ms.toFixed(0)} | ${(o.ms / b.ms).toFixed(2)} | ${median.toFixed(2)} |${tsCells}`);
  }
  console.log('\nλ sweep (NRMSE bart / ours):');
  for (const k of keys) {
    const group = rows.filter((r) => `${r.data}|${r.accel}|${r.reg}` === k);
    console.log(`  ${k}: ` + LAMBDAS.map((l) => `λ=${l} ${group.find((r) => r.tool === 'bart' && r.lambda === l)!.nrmse.toFixed(4)}/${group.find((r) => r.tool === 'ours' && r.lambda === l)!.nrmse.toFixed(4)}`).join('  '));
  }
  const jsonAt = args.indexOf('--json');
  if (jsonAt >= 0 && args[jsonAt + 1]) writeFileSync(args[jsonAt + 1]!, JSON.stringify({ iters: ITERS, native: native.loaded ? native.detail : null, rows }, null, 1));
}

main()
  .catch((e) => { console.error(e); process.exitCode = 1; })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
