/**
 * Runs one broken input through a reader and classifies the outcome:
 *   volume   a Volume whose arrays match their declared shapes (and are finite)
 *   rejected a ReaderError (the io module's typed error; subclasses count)
 *   crash    anything else thrown, an invalid Volume, over the time limit, or
 *            over the allocation limit.
 *
 * Limits (the contract the fuzz test enforces):
 * - time: CASE_TIME_LIMIT_MS per case, measured; a watchdog thread kills the
 *   process (naming the case) if a synchronous parser never returns.
 * - memory: MAX_VOXELS (io/errors.ts) caps any declared array; on top, the
 *   ArrayBuffer bytes a case leaves allocated may not exceed
 *   allocLimit(input bytes) = ALLOC_FLOOR + ALLOC_FACTOR * input. Uncompressed
 *   formats need ~4-12 output bytes per input byte, so 16x is generous; the
 *   floor leaves room for small compressed files (RLE/JPEG) and codec heaps.
 *   A header claiming 2^40 voxels must therefore be refused before allocating.
 */
import { Worker } from 'node:worker_threads';
import type { Volume } from '../../array';
import { ReaderError } from '../errors';

export const CASE_TIME_LIMIT_MS = 2000;
export const ALLOC_FACTOR = 16;
export const ALLOC_FLOOR = 64 * 2 ** 20;
export const allocLimit = (inputBytes: number): number => ALLOC_FLOOR + ALLOC_FACTOR * inputBytes;

export interface Crash {
  reader: string;
  label: string;
  problem: string;
}

const numel = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);
const goodShape = (shape: readonly number[], rank: number): boolean =>
  shape.length === rank && shape.every((d) => Number.isInteger(d) && d > 0);

function checkArray(what: string, t: { shape: readonly number[]; data: unknown } | undefined, rank: number, perElem: 1 | 2): string | null {
  if (!t) return `${what} missing`;
  if (!goodShape(t.shape, rank)) return `${what} shape [${t.shape.join(',')}] is not ${rank} positive integers`;
  if (!(t.data instanceof Float32Array)) return `${what} data is not a Float32Array`;
  if (t.data.length !== perElem * numel(t.shape)) return `${what} data length ${t.data.length} != ${perElem} x [${t.shape.join('x')}]`;
  for (let i = 0; i < t.data.length; i++) if (!Number.isFinite(t.data[i]!)) return `${what} has a non-finite value at ${i}`;
  return null;
}

/** Why a returned Volume is invalid, or null when it is fine. */
export function checkVolume(v: Volume): string | null {
  const problems: (string | null)[] = [];
  if (v.kind === 'image') {
    problems.push(checkArray('image', v.image, 3, 1));
    if (v.complex) {
      problems.push(checkArray('complex', v.complex, 3, 2));
      if (v.complex.shape.join() !== v.image.shape.join()) problems.push('complex and image shapes differ');
    }
  } else if (v.kind === 'kspace') {
    problems.push(checkArray('kspace', v.kspace, 4, 2));
    const [, , ny, nx] = v.kspace.shape;
    if (v.mask) {
      problems.push(checkArray('mask', v.mask, 2, 1));
      if (v.mask.shape.join() !== [ny, nx].join()) problems.push(`mask shape [${v.mask.shape.join('x')}] != [ky,kx] [${ny}x${nx}]`);
    }
    if (v.sens) problems.push(checkArray('sens', v.sens, 4, 2));
    if (v.reference) problems.push(checkArray('reference', v.reference, 3, 1));
  } else {
    problems.push(`unknown kind ${(v as { kind: unknown }).kind}`);
  }
  const sp = v.geometry?.spacing;
  if (!sp || sp.length !== 3 || !sp.every((s) => Number.isFinite(s) && s > 0)) problems.push(`bad spacing [${sp?.join(',')}]`);
  const a = v.geometry?.affine;
  if (a && (a.length !== 16 || !a.every(Number.isFinite))) problems.push('affine is not 16 finite numbers');
  return problems.find((p) => p !== null) ?? null;
}

const errorName = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : `non-Error thrown: ${String(e)}`).slice(0, 300);

/** Kills the process, naming the case, when one case runs far past the limit (a hang a timer cannot interrupt). */
class Watchdog {
  private readonly shared = new SharedArrayBuffer(16 + 512);
  private readonly clock = new Float64Array(this.shared, 0, 2);
  private readonly text = new Uint8Array(this.shared, 16, 512);
  private readonly worker: Worker;

  constructor(killAfterMs: number) {
    const code = `
      const { workerData } = require('node:worker_threads');
      const fs = require('node:fs');
      const clock = new Float64Array(workerData.shared, 0, 2);
      const text = new Uint8Array(workerData.shared, 16, 512);
      setInterval(() => {
        if (clock[1] === 1 && Date.now() - clock[0] > ${killAfterMs}) {
          const label = Buffer.from(text).toString('utf8').replace(/\\0.*$/s, '');
          fs.writeSync(2, '\\nFUZZ WATCHDOG: case hung for more than ${killAfterMs} ms: ' + label + '\\n');
          process.kill(process.pid, 'SIGKILL');
        }
      }, 200);`;
    this.worker = new Worker(code, { eval: true, workerData: { shared: this.shared } });
    this.worker.unref();
  }

  start(label: string): void {
    this.text.fill(0);
    this.text.set(new TextEncoder().encode(label.slice(0, 500)));
    this.clock[0] = Date.now();
    this.clock[1] = 1;
  }

  stop(): void {
    this.clock[1] = 0;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

export class FuzzRunner {
  readonly crashes: Crash[] = [];
  readonly counts = new Map<string, { cases: number; volumes: number; rejected: number }>();
  slowest = { ms: 0, label: '' };
  private readonly watchdog = new Watchdog(15_000);

  private count(reader: string): { cases: number; volumes: number; rejected: number } {
    let c = this.counts.get(reader);
    if (!c) this.counts.set(reader, (c = { cases: 0, volumes: 0, rejected: 0 }));
    return c;
  }

  private finish(reader: string, label: string, inputBytes: number, t0: number, ab0: number, rss0: number, result: { v?: Volume; e?: unknown }): void {
    const ms = performance.now() - t0;
    const grown = process.memoryUsage().arrayBuffers - ab0;
    // WASM heaps (h5wasm, codecs) are not ArrayBuffers V8 counts; RSS sees them.
    const rssGrown = process.memoryUsage.rss() - rss0;
    const c = this.count(reader);
    c.cases++;
    if (ms > this.slowest.ms) this.slowest = { ms, label: `${reader} ${label}` };
    const crash = (problem: string): void => void this.crashes.push({ reader, label, problem });
    if (ms > CASE_TIME_LIMIT_MS) crash(`took ${ms.toFixed(0)} ms (limit ${CASE_TIME_LIMIT_MS})`);
    if (grown > allocLimit(inputBytes)) crash(`left ${(grown / 2 ** 20).toFixed(1)} MiB of ArrayBuffers for a ${inputBytes}-byte input`);
    if (rssGrown > allocLimit(inputBytes)) crash(`grew the process by ${(rssGrown / 2 ** 20).toFixed(1)} MiB (RSS) for a ${inputBytes}-byte input`);
    if (result.v) {
      const bad = checkVolume(result.v);
      if (bad) crash(`invalid volume: ${bad}`);
      else c.volumes++;
    } else if (result.e instanceof ReaderError) {
      c.rejected++;
    } else {
      crash(errorName(result.e));
    }
  }

  /** A synchronous parser call (the pure readers). */
  run(reader: string, label: string, inputBytes: number, fn: () => Volume): void {
    const ab0 = process.memoryUsage().arrayBuffers;
    const rss0 = process.memoryUsage.rss();
    this.watchdog.start(`${reader} ${label}`);
    const t0 = performance.now();
    let result: { v?: Volume; e?: unknown };
    try {
      result = { v: fn() };
    } catch (e) {
      result = { e };
    }
    this.watchdog.stop();
    this.finish(reader, label, inputBytes, t0, ab0, rss0, result);
  }

  /** An async call (loadVolume on disk, or an async parser). */
  async runAsync(reader: string, label: string, inputBytes: number, fn: () => Promise<Volume>): Promise<void> {
    const ab0 = process.memoryUsage().arrayBuffers;
    const rss0 = process.memoryUsage.rss();
    this.watchdog.start(`${reader} ${label}`);
    const t0 = performance.now();
    let result: { v?: Volume; e?: unknown };
    // An async hang (a read blocked on a FIFO) leaves the event loop free: race it.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer after ${2 * CASE_TIME_LIMIT_MS} ms`)), 2 * CASE_TIME_LIMIT_MS);
    });
    try {
      result = { v: await Promise.race([fn(), hung]) };
    } catch (e) {
      result = { e };
    } finally {
      clearTimeout(timer);
    }
    this.watchdog.stop();
    this.finish(reader, label, inputBytes, t0, ab0, rss0, result);
  }

  total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c.cases;
    return n;
  }

  summary(): string {
    const rows = [...this.counts.entries()].map(([r, c]) => `${r}: ${c.cases} cases (${c.volumes} volumes, ${c.rejected} ReaderErrors)`);
    return [
      `fuzz corpus: ${this.total()} cases; crashes: ${this.crashes.length}; slowest ${this.slowest.ms.toFixed(1)} ms (${this.slowest.label})`,
      ...rows,
      ...this.crashes.slice(0, 30).map((c) => `CRASH ${c.reader} ${c.label}: ${c.problem}`),
    ].join('\n');
  }

  close(): Promise<void> {
    return this.watchdog.close();
  }
}
