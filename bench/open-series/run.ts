/**
 * Benchmark: open a 200-file single-frame 256x256 uint16 DICOM series (MR
 * Image Storage, explicit VR little endian) with loadVolume(folder) into a
 * sorted volume.
 *
 *   npx tsx bench/open-series/run.ts [--runs=N] [--keep]
 *
 * The slices are real anatomy: 200 coronal planes of the Colin27 head
 * (/usr/share/mricron/templates/ch2.nii.gz, Debian mricron-data), 181x181
 * padded to 256x256 and scaled to 12 bits, written in shuffled file order
 * with ImagePositionPatient/InstanceNumber telling the true order. Each run
 * checks the volume came back sorted (slice k equals source plane k).
 *
 * Prints seconds and files/s per run, and peak memory during the load against
 * the pixel data as float32 (200*256*256*4 bytes): RSS high-water (sampled
 * every millisecond by a worker thread, so synchronous parsing is covered)
 * minus RSS before the load, and the main isolate's ArrayBuffer high-water.
 * Targets: <= 1 s and <= 2x. The last line is `RESULT {json}`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { createRng, type ImageVolume } from '../../electron/engine/array';
import { mrSlice } from '../../electron/engine/io/fuzz/dicom-writer';
import { loadVolume } from '../../electron/engine/io/load';

const CH2 = '/usr/share/mricron/templates/ch2.nii.gz';
const FILES = 200;
const N = 256;
const PIXEL_BYTES = FILES * N * N * 4;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** 200 coronal planes of Colin27, padded to 256x256, as uint16 (value * 16). */
async function realPlanes(): Promise<Uint16Array[]> {
  const head = (await loadVolume(CH2)) as ImageVolume;
  const [nz, ny, nx] = head.image.shape as [number, number, number];
  const y0 = (ny - FILES) >> 1;
  const oz = (N - nz) >> 1, ox = (N - nx) >> 1;
  const planes: Uint16Array[] = [];
  for (let k = 0; k < FILES; k++) {
    const p = new Uint16Array(N * N);
    const y = y0 + k;
    // Superior at the top: plane row r is z = nz - 1 - r.
    for (let r = 0; r < nz; r++) {
      for (let x = 0; x < nx; x++) p[(r + oz) * N + x + ox] = Math.round(head.image.data[((nz - 1 - r) * ny + y) * nx + x]! * 16);
    }
    planes.push(p);
  }
  return planes;
}

function writeSeries(dir: string, planes: Uint16Array[]): number {
  const rng = createRng(27, 'open-series');
  const names = planes.map((_, k) => k);
  for (let i = names.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [names[i], names[j]] = [names[j]!, names[i]!];
  }
  let bytes = 0;
  planes.forEach((pixels, k) => {
    const file = mrSlice({
      rows: N,
      cols: N,
      pixels,
      // Coronal: rows run left->right (+x), columns head->foot (-z); slices step +y (posterior, LPS).
      orientation: [1, 0, 0, 0, 0, -1],
      position: [-128, -100 + k, 128],
      instance: k + 1,
      seriesUID: '1.2.826.0.1.3680043.10.1999.27.1',
      studyUID: '1.2.826.0.1.3680043.10.1999.27',
      frameOfReferenceUID: '1.2.826.0.1.3680043.10.1999.27.2',
    });
    bytes += file.length;
    // No extension, shuffled names: discovery must read content, sorting must use geometry.
    writeFileSync(join(dir, `IM${String(names[k]).padStart(4, '0')}`), file);
  });
  return bytes;
}

/** RSS high-water from a worker thread (the main thread is busy parsing). */
function rssSampler(): { reset(): void; peak(): number; stop(): Promise<number> } {
  const shared = new SharedArrayBuffer(16);
  const cell = new Float64Array(shared);
  const w = new Worker(
    `const { workerData } = require('node:worker_threads');
     const cell = new Float64Array(workerData);
     const tick = () => { const r = process.memoryUsage.rss(); if (r > cell[0]) cell[0] = r; };
     setInterval(tick, 1);`,
    { eval: true, workerData: shared },
  );
  return {
    reset: () => void (cell[0] = process.memoryUsage.rss()),
    peak: () => cell[0]!,
    stop: () => w.terminate(),
  };
}

interface Run { seconds: number; filesPerSecond: number; rssRatio: number; arrayBufferRatio: number }

async function timedLoad(dir: string, planes: Uint16Array[], sampler: ReturnType<typeof rssSampler>): Promise<Run> {
  gc();
  await new Promise((r) => setTimeout(r, 20));
  const rss0 = process.memoryUsage.rss();
  const ab0 = process.memoryUsage().arrayBuffers;
  let abPeak = ab0;
  const abTimer = setInterval(() => (abPeak = Math.max(abPeak, process.memoryUsage().arrayBuffers)), 1);
  sampler.reset();
  const t0 = performance.now();
  const v = (await loadVolume(dir)) as ImageVolume;
  const seconds = (performance.now() - t0) / 1000;
  abPeak = Math.max(abPeak, process.memoryUsage().arrayBuffers);
  clearInterval(abTimer);
  await new Promise((r) => setTimeout(r, 5));
  const rssPeak = Math.max(sampler.peak(), process.memoryUsage.rss());
  // Sorted? Slice k of the volume must be source plane k.
  if (v.image.shape.join() !== [FILES, N, N].join()) throw new Error(`volume shape [${v.image.shape.join('x')}], expected [${FILES}x${N}x${N}]`);
  for (const k of [0, 1, 57, 100, FILES - 1]) {
    const src = planes[k]!;
    const got = v.image.data.subarray(k * N * N, (k + 1) * N * N);
    for (let i = 0; i < N * N; i += 97) {
      if (got[i] !== src[i]) throw new Error(`slice ${k} is not source plane ${k}: the volume is not sorted by position`);
    }
  }
  return {
    seconds,
    filesPerSecond: FILES / seconds,
    rssRatio: (rssPeak - rss0) / PIXEL_BYTES,
    arrayBufferRatio: (abPeak - ab0) / PIXEL_BYTES,
  };
}

async function main(): Promise<void> {
  const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'open-series-'));
  const sampler = rssSampler();
  try {
    const planes = await realPlanes();
    const written = writeSeries(dir, planes);
    console.log(`wrote ${FILES} files, ${(written / 2 ** 20).toFixed(1)} MiB, to ${dir}`);
    console.log(`pixel data as float32: ${(PIXEL_BYTES / 2 ** 20).toFixed(1)} MiB`);
    const results: Run[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await timedLoad(dir, planes, sampler);
      results.push(r);
      console.log(
        `run ${i + 1}: ${r.seconds.toFixed(3)} s, ${r.filesPerSecond.toFixed(0)} files/s, peak RSS +${r.rssRatio.toFixed(2)}x, peak ArrayBuffers +${r.arrayBufferRatio.toFixed(2)}x of the pixel data`,
      );
    }
    const first = results[0]!;
    const best = results.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const worstMem = Math.max(...results.map((r) => Math.max(r.rssRatio, r.arrayBufferRatio)));
    const ok = first.seconds <= 1 && worstMem <= 2;
    console.log(`target: <= 1 s (first run ${first.seconds.toFixed(3)} s), <= 2x memory (worst ${worstMem.toFixed(2)}x): ${ok ? 'met' : 'MISSED'}`);
    console.log(
      `RESULT ${JSON.stringify({
        files: FILES,
        first_s: +first.seconds.toFixed(3),
        best_s: +best.seconds.toFixed(3),
        files_per_s: +best.filesPerSecond.toFixed(0),
        peak_rss_ratio: +Math.max(...results.map((r) => r.rssRatio)).toFixed(2),
        peak_arraybuffer_ratio: +Math.max(...results.map((r) => r.arrayBufferRatio)).toFixed(2),
        target_met: ok,
      })}`,
    );
  } finally {
    await sampler.stop();
    if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
