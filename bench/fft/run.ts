/**
 * Benchmark: the engine's TypeScript 2D centred FFT (fft2c) against FFTW, the
 * anchor, measured in the same run on the same machine.
 *
 *   npx tsx bench/fft/run.ts [--seconds=S] [n ...]      (sizes default 256 320)
 *
 * With the optional addon built (node native/build.mjs) it also times fft2c
 * on the native backend (FFTW inside, plus the centring and scaling passes),
 * so the table shows TS, native and plain FFTW from one run; without the
 * addon the native columns say why they are empty (RECON_NATIVE=0 forces that).
 *
 * Compiles bench/fft/fftw-bench.c into a fresh directory under os.tmpdir()
 * (nothing is written into the repository), then for each n times an n x n
 * complex forward FFT: FFTW single and double precision (FFTW_MEASURE, one
 * thread), then fft2c with a preallocated output. Each timing is the median of
 * ~20 batches spread over S seconds (default 1), so a busy machine skews it
 * less. Prints a table and, as the last line, `RESULT {json}` for CI logs.
 * Exit status 2 with a one-line apt-get hint when cc or FFTW is missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng } from '../../electron/engine/array';
import { fft2c } from '../../electron/engine/fft';
import { installNative, openNative, uninstallNative } from '../../electron/engine/native';

interface Timing { usPerFft: number; usMin: number; reps: number }

interface Row {
  n: number;
  ts_us: number;
  native_us: number | null;
  fftw3f_us: number;
  fftw3_us: number;
  ratio_ts_fftw3f: number;
  ratio_ts_fftw3: number;
  ratio_native_fftw3f: number | null;
  ratio_ts_native: number | null;
  ts_min_us: number;
  fftw3f_min_us: number;
  fftw3_min_us: number;
}

/** Thrown instead of exiting, so the temporary directory is still removed. */
class BenchError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

function fail(code: number, message: string): never {
  throw new BenchError(code, message);
}

function parseArgs(argv: string[]): { sizes: number[]; seconds: number } {
  let seconds = 1;
  const sizes: number[] = [];
  for (const a of argv) {
    if (a.startsWith('--seconds=')) {
      seconds = Number(a.slice('--seconds='.length));
      if (!(seconds > 0 && seconds <= 60)) fail(1, `fft bench: --seconds must be in (0, 60], got '${a}'`);
    } else if (/^\d+$/.test(a) && Number(a) >= 1 && Number(a) <= 4096) {
      sizes.push(Number(a));
    } else {
      fail(1, `fft bench: unexpected argument '${a}' (usage: run.ts [--seconds=S] [n ...], 1 <= n <= 4096)`);
    }
  }
  return { sizes: sizes.length > 0 ? sizes : [256, 320], seconds };
}

function compileHarness(dir: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const source = resolve(here, 'fftw-bench.c');
  const exe = join(dir, 'fftw-bench');
  const cc = spawnSync('cc', ['-O2', '-o', exe, source, '-lfftw3f', '-lfftw3', '-lm'], { encoding: 'utf8' });
  if (cc.error && (cc.error as NodeJS.ErrnoException).code === 'ENOENT') {
    fail(2, 'fft bench: no C compiler (cc) found; install with: sudo apt-get install build-essential libfftw3-dev');
  }
  if (cc.status !== 0) {
    const err = `${cc.stderr ?? ''}${cc.error ? String(cc.error) : ''}`;
    if (/fftw3\.h|-lfftw3|lfftw3f/.test(err)) {
      fail(2, 'fft bench: FFTW headers or libraries (fftw3.h, libfftw3f, libfftw3) not found; install with: sudo apt-get install libfftw3-dev');
    }
    fail(1, `fft bench: compiling ${source} failed:\n${err}`);
  }
  return exe;
}

function runFftw(exe: string, n: number, seconds: number): Map<string, Timing> {
  const r = spawnSync(exe, ['-t', seconds.toFixed(3), String(n)], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) fail(1, `fft bench: ${exe} failed for n=${n}: ${r.stderr || r.error || `status ${r.status}`}`);
  const out = new Map<string, Timing>();
  for (const line of r.stdout.split('\n')) {
    if (!line.trim()) continue;
    const j = JSON.parse(line) as { lib: string; n: number; us_per_fft: number; us_min: number; reps: number };
    out.set(j.lib, { usPerFft: j.us_per_fft, usMin: j.us_min, reps: j.reps });
  }
  if (!out.has('fftw3f') || !out.has('fftw3')) fail(1, `fft bench: harness output incomplete for n=${n}:\n${r.stdout}`);
  return out;
}

function elapsedUs(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e3;
}

/** Same protocol as the C harness: batches of ~seconds/20, median of batch means. */
function timeTs(n: number, seconds: number): Timing {
  const rng = createRng(1, 'bench/fft');
  const x = new Float32Array(2 * n * n);
  for (let i = 0; i < x.length; i++) x[i] = rng.next() - 0.5;
  const out = new Float32Array(x.length);
  for (let i = 0; i < 20; i++) fft2c(x, n, n, out); // warm-up: plans, scratch, JIT
  let batch = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < batch; r++) fft2c(x, n, n, out);
    if (elapsedUs(t0) >= (seconds * 1e6) / 20) break;
    batch *= 2;
  }
  const per: number[] = [];
  let reps = 0;
  const start = process.hrtime.bigint();
  while (elapsedUs(start) < seconds * 1e6 || per.length < 5) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < batch; r++) fft2c(x, n, n, out);
    per.push(elapsedUs(t0) / batch);
    reps += batch;
  }
  per.sort((a, b) => a - b);
  return { usPerFft: per[per.length >> 1]!, usMin: per[0]!, reps };
}

function main(): void {
  const { sizes, seconds } = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'recon-fft-bench-'));
  const rows: Row[] = [];
  try {
    const exe = compileHarness(dir);
    for (const n of sizes) {
      const fftw = runFftw(exe, n, seconds);
      uninstallNative();
      const ts = timeTs(n, seconds);
      let nat: Timing | null = null;
      if (installNative().loaded) {
        nat = timeTs(n, seconds);
        uninstallNative();
      }
      const f = fftw.get('fftw3f')!, d = fftw.get('fftw3')!;
      rows.push({
        n,
        ts_us: ts.usPerFft, native_us: nat ? nat.usPerFft : null, fftw3f_us: f.usPerFft, fftw3_us: d.usPerFft,
        ratio_ts_fftw3f: ts.usPerFft / f.usPerFft, ratio_ts_fftw3: ts.usPerFft / d.usPerFft,
        ratio_native_fftw3f: nat ? nat.usPerFft / f.usPerFft : null, ratio_ts_native: nat ? ts.usPerFft / nat.usPerFft : null,
        ts_min_us: ts.usMin, fftw3f_min_us: f.usMin, fftw3_min_us: d.usMin,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const header = ['size', 'TS us/FFT', 'native us', 'FFTW float us', 'FFTW double us', 'TS/FFTW-float', 'TS/FFTW-double', 'native/FFTW-float', 'TS/native'];
  const opt = (v: number | null, d: number): string => (v === null ? '-' : v.toFixed(d));
  const body = rows.map((r) => [
    `${r.n}x${r.n}`, r.ts_us.toFixed(1), opt(r.native_us, 1), r.fftw3f_us.toFixed(1), r.fftw3_us.toFixed(1),
    r.ratio_ts_fftw3f.toFixed(2), r.ratio_ts_fftw3.toFixed(2), opt(r.ratio_native_fftw3f, 2), opt(r.ratio_ts_native, 2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  const native = openNative().status;
  console.log('2D complex forward FFT, single thread; median of batch means (fft2c is centred + orthonormal, FFTW plain)');
  console.log(native.loaded ? `native backend: ${native.path} (${native.detail})` : `native backend: not used (${native.reason})`);
  console.log(fmt(header));
  for (const b of body) console.log(fmt(b));
  const round = (v: number): number => Math.round(v * 1000) / 1000;
  const result = {
    bench: 'fft2c-vs-fftw',
    node: process.version,
    seconds_per_case: seconds,
    native: native.loaded ? native.detail : null,
    rows: rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'n' || v === null ? v : round(v)]))),
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
}

try {
  main();
} catch (e) {
  if (!(e instanceof BenchError)) throw e;
  console.error(e.message);
  process.exitCode = e.code;
}
