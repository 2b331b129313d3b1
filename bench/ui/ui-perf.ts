/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * UI speed measurements in Chromium, shared by the benchmark (bench/ui/run.ts)
 * and its shortened CI guard (tests/e2e/perf.e2e.test.ts).
 *
 * Everything timed runs inside the page, driven per animation frame, so the
 * figures are the renderer's own and not Playwright round trips (the DOM lib
 * reference above types those page.evaluate callbacks).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { ImageVolume } from '../../electron/engine/array';
import { encodeNifti } from '../../electron/engine/export/nifti-writer';
import { loadVolume } from '../../electron/engine/io/load';

/** Colin27 (Debian mricron-data): real anatomy for the synthetic long series. */
export const CH2 = '/usr/share/mricron/templates/ch2.nii.gz';

export const tid = (id: string): string => `[data-testid="${id}"]`;

/**
 * Writes `slices` coronal planes of Colin27 (181x181, centred in size x size)
 * as an int16 NIfTI in `dir`; returns its path. Planes beyond the head's 217
 * repeat from the start, so any count works.
 */
export async function writeLongSeries(dir: string, slices: number, size = 256): Promise<string> {
  const head = (await loadVolume(CH2)) as ImageVolume;
  const [nz, ny, nx] = head.image.shape as [number, number, number];
  const src = head.image.data;
  const out = new Float32Array(slices * size * size);
  const oy = Math.floor((size - nz) / 2);
  const ox = Math.floor((size - nx) / 2);
  const first = Math.max(0, Math.floor((ny - slices) / 2));
  for (let k = 0; k < slices; k++) {
    const y = (first + k) % ny;
    for (let z = 0; z < nz; z++) {
      // Coronal plane: rows are z (flipped so the head is upright), columns x.
      const row = (nz - 1 - z + oy) * size + ox;
      const base = z * ny * nx + y * nx;
      for (let x = 0; x < nx; x++) out[k * size * size + row + x] = src[base + x]!;
    }
  }
  const bytes = encodeNifti({ shape: [slices, size, size], data: out }, { spacing: [1, 1, 1] }, { datatype: 'int16' });
  const path = join(dir, `colin27-coronal-${slices}.nii`);
  writeFileSync(path, bytes);
  return path;
}

/** Installed before the app's scripts: long tasks from the very start, kept for the measurements. */
export const PERF_INIT_SCRIPT = `
// tsx (esbuild keepNames) wraps functions passed to page.evaluate in __name(); give the page a no-op one.
globalThis.__name ??= (fn) => fn;
(() => {
  const tasks = [];
  window.__benchLongTasks = tasks;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) tasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) {
    window.__benchLongTasksError = String(e);
  }
})();
`;

// ---------------------------------------------------------------------------
// (a) Scrolling with synced viewports.

export interface ScrollResult {
  /** Slice steps completed (every viewport showing the new slice). */
  steps: number;
  /** Animation frames elapsed during the run. */
  frames: number;
  elapsedMs: number;
  /** Completed steps per second: each counted when all viewports show it. */
  fps: number;
  /** Frames in which the app drew (window.__reconPerf.frames delta). */
  drawFrames: number;
  /** Longest draw (ms) in those frames. */
  maxDrawMs: number;
  viewports: number;
  /** The slice readouts when it stopped (tells a stall from the end of the series). */
  lastReadouts: string[];
  /** Draw frames seen at the last completed step vs at the end. */
  stalledAt?: { waitingFor: number | null; drawFramesAtStep: number; drawFrames: number };
}

/**
 * Scrolls `steps` slices, one wheel notch on the first viewport per step, the
 * next notch only once every viewport's slice readout shows the previous
 * target and the app has drawn since (so a step counts only when all of them
 * show it). Returns when done or after `timeoutMs`.
 */
export async function measureScroll(page: Page, steps: number, direction: 1 | -1 = 1, timeoutMs = 60_000): Promise<ScrollResult> {
  return page.evaluate(
    ({ steps, direction, timeoutMs }) =>
      new Promise<ScrollResult>((resolve, reject) => {
        const vps = [...document.querySelectorAll('[data-testid="viewport"]')];
        if (vps.length === 0) return reject(new Error('no viewports'));
        const num = (el: Element | null): number => {
          const m = /-?\d+/.exec(el?.textContent ?? '');
          return m ? Number(m[0]) : NaN;
        };
        const readouts = vps.map((v) => v.querySelector('[data-testid="viewport-slice"]'));
        const slices = (): number[] => readouts.map(num);
        // The readout changes at once; the pixels when the slice arrives. Where the
        // viewer says which slice its image is of (data-shown-slice, 0-based; -1 = no
        // image, e.g. outside a result's range), a step counts only once every
        // viewport's image is of the new slice, not when only the readouts are.
        const pixelsAt = (index: number): boolean =>
          vps.every((v) => {
            const a = v.getAttribute('data-shown-slice');
            return a === null || a === '-1' || Number(a) === index;
          });
        const canvas = vps[0]!.querySelector('[data-testid="viewport-canvas"]') ?? vps[0]!;
        const perf = (): { frames: number; lastDrawMs: number } => (window as any).__reconPerf ?? { frames: 0, lastDrawMs: 0 };
        const r = canvas.getBoundingClientRect();
        const wheel = (): void => {
          canvas.dispatchEvent(
            new WheelEvent('wheel', { deltaY: 100 * direction, deltaMode: 0, bubbles: true, cancelable: true, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 }),
          );
        };
        const start = slices();
        if (start.some((s) => !Number.isFinite(s))) return reject(new Error(`slice readouts not numeric: ${readouts.map((e) => e?.textContent).join(' | ')}`));
        let target = start[0]!;
        let done = 0;
        let frames = 0;
        let drawFramesAtStep = perf().frames;
        const drawFrames0 = perf().frames;
        let maxDraw = 0;
        let stalled = 0;
        const t0 = performance.now();
        wheel();
        let waitingFor: number | null = null;
        // The check runs just after each frame (a message posted from the
        // frame's rAF callback is handled once all of that frame's callbacks,
        // the app's draw included, have run): a step the app drew in frame N
        // is counted in frame N, and the next notch goes in before frame N+1.
        const after = new MessageChannel();
        const tick = (): void => {
          frames++;
          after.port2.postMessage(null);
        };
        after.port1.onmessage = (): void => {
          const p = perf();
          maxDraw = Math.max(maxDraw, p.lastDrawMs || 0);
          const now = slices();
          if (waitingFor === null) {
            // First frame after the notch: learn where the first viewport went.
            if (now[0] !== target) waitingFor = now[0]!;
          }
          if (waitingFor !== null && now.every((s) => s === waitingFor) && pixelsAt(waitingFor - 1) && p.frames > drawFramesAtStep) {
            done++;
            target = waitingFor;
            waitingFor = null;
            stalled = 0;
            drawFramesAtStep = p.frames;
            if (done >= steps) return finish();
            wheel();
          } else if (++stalled > 180) {
            return finish(); // ~3 s without progress: end of the series, or the viewer stopped following
          }
          if (performance.now() - t0 > timeoutMs) return finish();
          requestAnimationFrame(tick);
        };
        const finish = (): void => {
          after.port1.close();
          const elapsed = performance.now() - t0;
          resolve({
            steps: done,
            frames,
            elapsedMs: elapsed,
            fps: done / (elapsed / 1000),
            drawFrames: perf().frames - drawFrames0,
            maxDrawMs: maxDraw,
            viewports: vps.length,
            lastReadouts: readouts.map((e) => (e?.textContent ?? '').trim()),
            ...(done < steps ? { stalledAt: { waitingFor, drawFramesAtStep, drawFrames: perf().frames } } : {}),
          });
        };
        requestAnimationFrame(tick);
      }),
    { steps, direction, timeoutMs },
  );
}

// ---------------------------------------------------------------------------
// (b) Window/level drag.

export interface DragResult {
  button: string;
  moves: number;
  /** rAF intervals during the drag (ms): p50, p95, max. */
  frameP50: number;
  frameP95: number;
  frameMax: number;
  /** The app's own draw times during the drag (ms): p95, max (window.__reconPerf.lastDrawMs of each frame that drew). */
  drawP95: number;
  drawMax: number;
  drawFrames: number;
  wlBefore: string;
  wlAfter: string;
}

const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/**
 * Drags across the first viewport with `button`, `moves` pointer moves, while
 * an in-page rAF loop records frame intervals; the W/L readout must change or
 * the result says which button did nothing.
 */
export async function measureWindowLevelDrag(page: Page, button: 'left' | 'right' | 'middle', moves: number): Promise<DragResult> {
  const vp = page.locator(tid('viewport')).first();
  const canvas = vp.locator(tid('viewport-canvas'));
  const box = await canvas.boundingBox();
  if (!box) throw new Error('viewport canvas has no box');
  const wl = vp.locator(tid('viewport-wl'));
  const wlBefore = ((await wl.textContent()) ?? '').trim();
  // Each animation frame: its interval, and the app's draw time when it drew
  // (window.__reconPerf.frames moved; lastDrawMs is that frame's draw).
  await page.evaluate(() => {
    const w = window as any;
    const drag = { deltas: [] as number[], draws: [] as number[], running: true, frames0: w.__reconPerf?.frames ?? 0 };
    w.__benchDrag = drag;
    let last = performance.now();
    let seen = drag.frames0;
    const loop = (t: number): void => {
      if (!drag.running) return;
      drag.deltas.push(t - last);
      last = t;
      const p = w.__reconPerf;
      if (p && p.frames !== seen) {
        seen = p.frames;
        drag.draws.push(p.lastDrawMs);
      }
      requestAnimationFrame(loop);
    };
    requestAnimationFrame((t) => {
      last = t;
      requestAnimationFrame(loop);
    });
  });
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await page.mouse.move(cx, cy);
  await page.mouse.down({ button });
  // A figure-of-eight of W/L changes, one pointer move per step.
  for (let i = 0; i < moves; i++) {
    const a = (i / moves) * 2 * Math.PI;
    await page.mouse.move(cx + Math.sin(a) * box.width * 0.35, cy + Math.sin(2 * a) * box.height * 0.25);
  }
  await page.mouse.up({ button });
  // Two more frames so the last move's draw is recorded.
  const inPage = await page.evaluate(
    () =>
      new Promise<{ deltas: number[]; draws: number[]; drawFrames: number }>((resolve) => {
        const w = window as any;
        requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            w.__benchDrag.running = false;
            resolve({ deltas: w.__benchDrag.deltas.slice(1), draws: w.__benchDrag.draws, drawFrames: (w.__reconPerf?.frames ?? 0) - w.__benchDrag.frames0 });
          }),
        );
      }),
  );
  const wlAfter = ((await wl.textContent()) ?? '').trim();
  return {
    button,
    moves,
    frameP50: pct(inPage.deltas, 50),
    frameP95: pct(inPage.deltas, 95),
    frameMax: Math.max(0, ...inPage.deltas),
    drawP95: pct(inPage.draws, 95),
    drawMax: Math.max(0, ...inPage.draws),
    drawFrames: inPage.drawFrames,
    wlBefore,
    wlAfter,
  };
}

/** Tries right, then left, then middle button: the first whose drag changes the W/L readout. */
export async function findWindowLevelDrag(page: Page, moves: number): Promise<DragResult> {
  let last: DragResult | undefined;
  for (const b of ['right', 'left', 'middle'] as const) {
    last = await measureWindowLevelDrag(page, b, moves);
    if (last.wlBefore !== last.wlAfter) return last;
  }
  throw new Error(`no mouse drag changed the W/L readout (${JSON.stringify(last)})`);
}

// ---------------------------------------------------------------------------
// (c) Long tasks while a reconstruction runs.

export interface LongTaskResult {
  windowMs: number;
  count: number;
  longestMs: number;
  scrollSteps: number;
  observerError?: string;
}

/** Long tasks recorded (by PERF_INIT_SCRIPT) since `sinceMs` (page time). */
export async function longTasksSince(page: Page, sinceMs: number): Promise<{ count: number; longestMs: number; at: [number, number][]; error?: string }> {
  return page.evaluate((since) => {
    const w = window as any;
    const tasks = ((w.__benchLongTasks ?? []) as { start: number; duration: number }[]).filter((t) => t.start >= since);
    return {
      count: tasks.length,
      longestMs: Math.max(0, ...tasks.map((t) => t.duration)),
      // [ms after `since`, duration] of each, to tell start-up work from steady state.
      at: tasks.map((t) => [Math.round(t.start - since), Math.round(t.duration)] as [number, number]),
      ...(w.__benchLongTasksError ? { error: String(w.__benchLongTasksError) } : {}) };
  }, sinceMs);
}

export async function pageNow(page: Page): Promise<number> {
  return page.evaluate(() => performance.now());
}

// ---------------------------------------------------------------------------

export interface Target {
  name: string;
  value: number;
  unit: string;
  /** 'min': value must be >= bound; 'max': value must be <= bound. */
  kind: 'min' | 'max';
  bound: number;
}

export function pass(t: Target): boolean {
  return Number.isFinite(t.value) && (t.kind === 'min' ? t.value >= t.bound : t.value <= t.bound);
}

export function formatTargets(targets: Target[]): string {
  const rows = targets.map((t) => [t.name, `${t.value.toFixed(1)} ${t.unit}`, `${t.kind === 'min' ? '>=' : '<='} ${t.bound} ${t.unit}`, pass(t) ? 'PASS' : 'MISS']);
  const head = ['measure', 'value', 'target', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------
// Setting the stage: a long series in four synced viewports.

const firstNumber = (text: string | null): number | undefined => {
  const m = /-?\d+(?:\.\d+)?/.exec(text ?? '');
  return m ? Number(m[0]) : undefined;
};

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function setValue(page: Page, id: string, value: string): Promise<void> {
  const el = page.locator(tid(id));
  await el.fill(value);
  await el.dispatchEvent('change');
}

export interface Stage {
  datasetId: string;
  jobIds: string[];
  viewports: number;
}

/**
 * Opens `seriesPath` by upload, reconstructs it zero-filled at 2x, 4x and 8x
 * over all `slices`, and shows reference + the three results in layout 4,
 * every viewport synced. Returns once all four draw.
 */
export async function prepareFourViewports(page: Page, seriesPath: string, slices: number): Promise<Stage> {
  const items = page.locator(tid('series-item'));
  const before = await items.count();
  await page.locator(tid('open-input')).setInputFiles([seriesPath]);
  await until('the uploaded series in the list', async () => ((await items.count()) > before ? true : undefined), 120_000);
  const item = items.nth(before);
  const datasetId = (await item.getAttribute('data-dataset-id')) ?? '';
  await item.click();
  await page.locator(tid('acq-mode')).selectOption('simulate');
  await page.locator(tid('acq-mask')).selectOption('equispaced-fraction');
  await setValue(page, 'acq-center', '0.08');
  await setValue(page, 'acq-slice-start', '0');
  await setValue(page, 'acq-slice-end', String(slices));
  for (const id of ['cs', 'unet', 'rim', 'cirim']) {
    const t = page.locator(tid(`method-toggle-${id}`));
    if ((await t.count()) > 0 && (await t.isChecked())) await t.uncheck();
  }
  await page.locator(tid('method-toggle-zero-filled')).check();

  const ids = (): Promise<string[]> => page.locator(tid('job-item')).evaluateAll((els) => els.map((e) => e.getAttribute('data-job-id') ?? ''));
  const jobIds: string[] = [];
  for (const accel of ['2', '4', '8']) {
    await setValue(page, 'acq-accel', accel);
    await until(`the ${accel}x preview`, async () => {
      const v = firstNumber(await page.locator(tid('acq-achieved')).textContent());
      return v !== undefined && Math.abs(v - Number(accel)) < Number(accel) * 0.2 ? true : undefined;
    }, 30_000);
    const known = new Set(await ids());
    await page.locator(tid('submit-jobs')).click();
    const fresh = await until('the new job', async () => (await ids()).find((j) => j && !known.has(j) && !jobIds.includes(j)), 30_000);
    jobIds.push(fresh);
  }
  for (const id of jobIds) {
    const job = page.locator(`${tid('job-item')}[data-job-id="${id}"]`);
    await until(`job ${id} done`, async () => {
      const s = await job.getAttribute('data-state');
      if (s === 'failed' || s === 'cancelled') throw new Error(`job ${id} ${s}`);
      return s === 'done' ? true : undefined;
    }, 180_000);
  }
  const layout = page.locator(tid('layout-4'));
  if ((await layout.count()) > 0) await layout.click();
  for (const id of jobIds) {
    if ((await page.locator(`${tid('viewport')}[data-ref="result:${id}"]`).count()) === 0) {
      await page.locator(`${tid('job-item')}[data-job-id="${id}"] ${tid('job-show')}`).click();
    }
  }
  await until('4 viewports', async () => ((await page.locator(tid('viewport')).count()) >= 4 ? true : undefined), 30_000);
  // Every sync toggle on.
  for (const t of await page.locator(`${tid('viewport')} ${tid('sync-slice')}, ${tid('viewport')} ${tid('sync-wl')}`).all()) {
    if ((await t.getAttribute('aria-pressed')) === 'false') await t.click();
  }
  const viewports = await page.locator(tid('viewport')).count();
  // All readouts numeric and equal before measuring.
  await until('the viewports to agree on a slice', async () => {
    const s = await page.locator(`${tid('viewport')} ${tid('viewport-slice')}`).allTextContents();
    const n = s.map((x) => firstNumber(x));
    return n.length >= 4 && n.every((v) => v !== undefined && v === n[0]) ? true : undefined;
  }, 30_000);
  return { datasetId, jobIds, viewports };
}

/** Scrolls to the first slice (so a measured pass has the whole series ahead). */
export async function scrollToStart(page: Page, slices: number): Promise<void> {
  await measureScroll(page, slices, -1, 60_000);
}
