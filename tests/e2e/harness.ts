/**
 * End-to-end harness: the real browser-mode server (electron/server) with the
 * real compute host run under tsx, and Debian's Chromium driven by
 * playwright-core. No mocks: what a lab user gets from `npm run serve`.
 *
 * One `App` per test file. Only one App runs at a time across vitest's
 * worker processes (a lock directory), because each spawns a compute host and
 * a browser and the figures of perf.e2e.test.ts must not be taken while
 * app.e2e.test.ts saturates the same two cores.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import sharp from 'sharp';
import { it } from 'vitest';
import { startServer, type RunningServer } from '../../electron/server/server';

export const ROOT = resolve(__dirname, '../..');
export const RENDERER_DIR = join(ROOT, 'out/renderer');
export const SCREENSHOT_DIR = join(ROOT, 'tests/e2e/screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const LOCK_DIR = join(ROOT, 'node_modules/.cache/recon-e2e');

/** Shorthand for a data-testid selector (the conventions of issue 6). */
export const tid = (id: string): string => `[data-testid="${id}"]`;

// ---------------------------------------------------------------------------
// Cross-process locks (mkdir is atomic). A lock left by a killed run is taken
// over once its owner pid is gone.

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function acquireLock(name: string, timeoutMs: number): Promise<() => void> {
  mkdirSync(LOCK_DIR, { recursive: true });
  const dir = join(LOCK_DIR, `${name}.lock`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'pid'), String(process.pid));
      return () => rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    } catch {
      // Created but pid not yet written: give the owner a moment.
    }
    if (Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`e2e: timed out waiting for the "${name}" lock (${dir}); held by pid ${owner}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Builds the renderer once when out/renderer/index.html is missing (or when
 * E2E_REBUILD=1). The build lock keeps parallel test files from racing.
 */
export async function ensureRendererBuilt(): Promise<void> {
  const index = join(RENDERER_DIR, 'index.html');
  if (existsSync(index) && process.env.E2E_REBUILD !== '1') return;
  const release = await acquireLock('build', 300_000);
  try {
    // Another file may have built it while we waited.
    const fresh = existsSync(index) && (process.env.E2E_REBUILD !== '1' || Date.now() - statSync(index).mtimeMs < 300_000);
    if (!fresh) execFileSync('npx', ['electron-vite', 'build'], { cwd: ROOT, stdio: 'inherit' });
  } finally {
    release();
  }
  if (!existsSync(index)) throw new Error(`e2e: ${index} is missing after \`npx electron-vite build\``);
}

// ---------------------------------------------------------------------------

export interface App {
  server: RunningServer;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors (a test fails on any; see assertNoPageErrors). */
  pageErrors: string[];
  /** console.error lines, reported but not fatal (e.g. a refused socket in a negative test). */
  consoleErrors: string[];
  /** Saves tests/e2e/screenshots/<name>.png (the page, or one element). */
  screenshot(name: string, target?: Locator): Promise<void>;
  /** Saves a page screenshot of a failure under node_modules/.cache/recon-e2e/failures/ (never fails itself). */
  failureShot(name: string): Promise<void>;
  /** Throws listing the uncaught page errors seen since the last call. */
  assertNoPageErrors(): void;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Log server/host lines (default: only when E2E_VERBOSE=1). */
  verbose?: boolean;
  /** How long to wait for another test file's App to finish. */
  lockTimeoutMs?: number;
}

/** Starts server, compute host and Chromium; `close()` undoes everything, even half-started. */
export async function startApp(options: StartOptions = {}): Promise<App> {
  await ensureRendererBuilt();
  const release = await acquireLock('session', options.lockTimeoutMs ?? 420_000);
  const verbose = options.verbose ?? process.env.E2E_VERBOSE === '1';
  const hostLog: string[] = [];
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  const closeAll = async (): Promise<void> => {
    // Each step on its own so one failure does not leak the rest.
    await browser?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    release();
  };
  try {
    server = await startServer({
      port: 0,
      rendererDir: RENDERER_DIR,
      computeEntry: join(ROOT, 'electron/compute/index.ts'),
      computeExecArgv: ['--import', 'tsx'],
      log: (line) => {
        hostLog.push(line);
        if (verbose) console.error(`[server] ${line}`);
      },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    const consoleErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(`${err.name}: ${err.message}\n${err.stack ?? ''}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
      if (verbose) console.error(`[page ${msg.type()}] ${msg.text()}`);
    });
    const srv = server;
    let reported = 0;
    return {
      server: srv,
      browser,
      context,
      page,
      pageErrors,
      consoleErrors,
      async screenshot(name, target) {
        mkdirSync(SCREENSHOT_DIR, { recursive: true });
        const path = join(SCREENSHOT_DIR, `${name}.png`);
        if (target) await target.screenshot({ path });
        else await page.screenshot({ path });
      },
      async failureShot(name) {
        const dir = join(LOCK_DIR, 'failures');
        mkdirSync(dir, { recursive: true });
        const path = join(dir, `${name.replace(/[^\w.-]+/g, '-').slice(0, 80)}.png`);
        await page.screenshot({ path }).then(
          () => console.error(`[e2e] failure screenshot: ${path}`),
          () => undefined,
        );
      },
      assertNoPageErrors() {
        // Each error fails the step that saw it, once.
        const fresh = pageErrors.slice(reported);
        reported = pageErrors.length;
        if (fresh.length > 0) throw new Error(`uncaught page error(s):\n${fresh.join('\n---\n')}`);
      },
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    if (hostLog.length) console.error(`[server log]\n${hostLog.join('\n')}`);
    throw err;
  }
}

// ---------------------------------------------------------------------------
// Pixels. Read back through a screenshot of the element, so the check sees what
// the user sees whether the element is a 2D canvas, WebGL or an <img>.

export interface PixelStats {
  width: number;
  height: number;
  /** Mean luminance 0..255. */
  mean: number;
  /** Standard deviation of luminance: ~0 for a flat (blank) picture. */
  std: number;
  /** Luminance per pixel (row-major), for comparing two captures. */
  luma: Uint8Array;
}

export async function pixelStats(target: Locator): Promise<PixelStats> {
  const png = await target.screenshot();
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const n = info.width * info.height;
  const luma = new Uint8Array(n);
  let sum = 0;
  let sum2 = 0;
  for (let i = 0; i < n; i++) {
    const o = i * info.channels;
    const y = Math.round(0.299 * data[o]! + 0.587 * data[o + 1]! + 0.114 * data[o + 2]!);
    luma[i] = y;
    sum += y;
    sum2 += y * y;
  }
  const mean = sum / n;
  return { width: info.width, height: info.height, mean, std: Math.sqrt(Math.max(0, sum2 / n - mean * mean)), luma };
}

/** Mean absolute luminance difference of two same-sized captures (Infinity if sizes differ). */
export function pixelDifference(a: PixelStats, b: PixelStats): number {
  if (a.width !== b.width || a.height !== b.height) return Infinity;
  let d = 0;
  for (let i = 0; i < a.luma.length; i++) d += Math.abs(a.luma[i]! - b.luma[i]!);
  return d / a.luma.length;
}

/** Thrown inside a waitFor poll to stop waiting at once (e.g. a job ended in the wrong state). */
export class StopWaiting extends Error {}

/** Polls `fn` until it returns a non-undefined value, or throws with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      if (err instanceof StopWaiting) throw err;
      lastErr = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${String(lastErr)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** First number in a text ("Slice 12 / 20" -> 12; "PSNR 31.4 dB" -> 31.4). */
export function firstNumber(text: string | null | undefined): number | undefined {
  const m = /-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/i.exec(text ?? '');
  return m ? Number(m[0]) : undefined;
}

/**
 * Steps of one sequential story: each step checks for page errors after it
 * runs; a failing step saves a screenshot (prefix + name), and the steps after
 * it are skipped (they build on it) unless E2E_CONTINUE=1.
 */
export function storySteps(getApp: () => App, defaultTimeout: number, prefix = ''): (name: string, fn: () => Promise<void>, timeout?: number) => void {
  let broken: string | undefined;
  return (name, fn, timeout = defaultTimeout) => {
    it(name, async (ctx) => {
      if (broken && process.env.E2E_CONTINUE !== '1') ctx.skip(`earlier step "${broken}" failed`);
      try {
        await fn();
        getApp().assertNoPageErrors();
      } catch (err) {
        broken = name;
        await getApp().failureShot(`${prefix}${name}`);
        throw err;
      }
    }, timeout);
  };
}

/** Types a value and fires both input and change (panels listen to one or the other). */
export async function setValue(target: Locator, value: string): Promise<void> {
  await target.fill(value);
  await target.dispatchEvent('change');
}
