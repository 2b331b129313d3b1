/**
 * One realistic session in browser mode, end to end: real server, real compute
 * host and engine, Debian's Chromium, a real DICOM series from a Debian package.
 *
 * The steps share one page on purpose (a user's session): each `it` builds on
 * the previous one, so they run in order, and a failure skips the rest (their
 * state would be missing; the failure is what matters). A failing step saves
 * a screenshot under node_modules/.cache/recon-e2e/failures/.
 *
 * Screenshots land in tests/e2e/screenshots/ (01..06); the README shows one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { firstNumber, pixelDifference, pixelStats, setValue, startApp, StopWaiting, storySteps, tid, waitFor, type App } from './harness';
import type { Locator, Page } from 'playwright-core';

/** Siemens ASL mosaic: 20 slices of 72x72 (DATA.md, dicom3tools). */
const SERIES = '/usr/share/doc/dicom3tools/examples/0051.dcm';
const SERIES_SLICES = 20;
/** Source of the truncated NIfTI in the bad-file step. */
const CH2 = '/usr/share/mricron/templates/ch2.nii.gz';

const STEP = 180_000;

let app: App;
let page: Page;
/** One step of the session; skipped when an earlier step failed (its state is missing); E2E_CONTINUE=1 runs them all. */
const step = storySteps(() => app, STEP);

const byTid = (id: string): Locator => page.locator(tid(id));

async function jobIds(): Promise<string[]> {
  return byTid('job-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-job-id') ?? ''));
}

function job(id: string): Locator {
  return page.locator(`${tid('job-item')}[data-job-id="${id}"]`);
}

async function jobState(id: string): Promise<string | null> {
  return job(id).getAttribute('data-state');
}

/** Waits for a job to reach `state`; fails at once (with its error text) if it ends otherwise. */
async function waitJob(id: string, state: 'done' | 'cancelled' | 'running', timeoutMs = 150_000): Promise<void> {
  await waitFor(`job ${id} to be ${state}`, async () => {
    const s = await jobState(id);
    if (s === state) return true;
    const terminal = ['done', 'failed', 'cancelled'];
    if (s && terminal.includes(s) && s !== state) {
      const err = (await job(id).locator(tid('job-error')).textContent().catch(() => null)) ?? '';
      throw new StopWaiting(`job ${id} ended ${s}, expected ${state}${err ? `: ${err}` : ''}`);
    }
    return undefined;
  }, timeoutMs);
}

/** Submits the checked methods and returns the new job ids, in list order. */
async function submit(expected: number): Promise<string[]> {
  const before = new Set(await jobIds());
  await byTid('submit-jobs').click();
  return waitFor(`${expected} new job(s) in the queue`, async () => {
    const fresh = (await jobIds()).filter((j) => j && !before.has(j));
    return fresh.length >= expected ? fresh : undefined;
  }, 30_000);
}

/** The viewport showing `ref` (dataset:<id> or result:<jobId>). */
function viewport(ref: string): Locator {
  return page.locator(`${tid('viewport')}[data-ref="${ref}"]`);
}

async function sliceOf(vp: Locator): Promise<number | undefined> {
  return firstNumber(await vp.locator(tid('viewport-slice')).textContent());
}

/** The PSNR cell of a metrics row, located by the table's header text. */
async function psnrOf(jobId: string): Promise<number> {
  const table = byTid('metrics-table');
  const headers = await table.locator('thead th, [role="columnheader"]').allTextContents();
  const col = headers.findIndex((h) => /psnr/i.test(h));
  expect(col, `metrics-table has a PSNR column (headers: ${JSON.stringify(headers)})`).toBeGreaterThanOrEqual(0);
  const row = table.locator(`${tid('metrics-row')}[data-job-id="${jobId}"]`);
  const cells = await row.locator('td, th, [role="cell"], [role="gridcell"]').allTextContents();
  const v = firstNumber(cells[col]);
  if (v === undefined || !Number.isFinite(v)) throw new Error(`no PSNR number for job ${jobId} (row cells: ${JSON.stringify(cells)})`);
  return v;
}

/** Records every job-item state / progress change into window.__e2eJobLog (brief states are not missed by polling). */
async function watchJobs(): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __e2eJobLog?: { id: string; state: string | null; value: number | null; t: number }[] };
    if (w.__e2eJobLog) return;
    const log: { id: string; state: string | null; value: number | null; t: number }[] = [];
    w.__e2eJobLog = log;
    const record = (): void => {
      for (const el of document.querySelectorAll('[data-testid="job-item"]')) {
        const id = el.getAttribute('data-job-id') ?? '';
        const state = el.getAttribute('data-state');
        const bar = el.querySelector('[data-testid="job-progress"]');
        const raw = bar?.getAttribute('aria-valuenow');
        const value = raw == null ? null : Number(raw);
        const last = [...log].reverse().find((r) => r.id === id);
        if (!last || last.state !== state || last.value !== value) log.push({ id, state, value, t: performance.now() });
      }
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'aria-valuenow'] });
    record();
  });
}

async function jobLog(id: string): Promise<{ state: string | null; value: number | null }[]> {
  return page.evaluate((jid) => {
    const w = window as unknown as { __e2eJobLog?: { id: string; state: string | null; value: number | null }[] };
    return (w.__e2eJobLog ?? []).filter((r) => r.id === jid);
  }, id);
}

describe.sequential('Recon Studio in browser mode (Chromium)', () => {
  let datasetId = '';
  let zfJob = '';
  let csJob = '';

  beforeAll(async () => {
    app = await startApp();
    page = app.page;
  }, 480_000);

  afterEach(() => {
    if (app?.consoleErrors.length) console.warn(`[e2e] console errors so far:\n${app.consoleErrors.join('\n')}`);
  });

  afterAll(async () => {
    await app?.close();
  }, 60_000);

  step('refuses the page and the socket without the token', async () => {
    const { origin, url, port } = app.server;
    const bare = await fetch(`${origin}/`);
    expect(bare.status).toBe(403);
    const wrong = await fetch(`${origin}/?token=${'0'.repeat(64)}`);
    expect(wrong.status).toBe(403);
    // Positive control: the same request with the token is served (else the 403s prove nothing).
    const good = await fetch(url);
    expect(good.status).toBe(200);

    const upgrade = (path: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { origin });
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.on('error', (err) => reject(err));
      });
    expect(await upgrade('/ws')).toBe(403);
    expect(await upgrade(`/ws?token=${'0'.repeat(64)}`)).toBe(403);
    expect(await upgrade(`/ws?token=${app.server.token}`)).toBe(101);
  });

  step('opens with the token and shows the research notice', async () => {
    await page.goto(app.server.url);
    await byTid('app').waitFor({ state: 'visible', timeout: 30_000 });
    const notice = byTid('research-notice');
    await notice.waitFor({ state: 'visible' });
    expect((await notice.textContent()) ?? '').toMatch(/not for diagnos/i);
    // Connected to the host: the methods list arrives over the socket and builds the method panel.
    await byTid('method-toggle-cs').waitFor({ state: 'attached', timeout: 30_000 });
    await byTid('method-toggle-zero-filled').waitFor({ state: 'attached' });
  });

  step('opens a real DICOM series by upload; it shows with a thumbnail', async () => {
    expect(existsSync(SERIES), `${SERIES} (Debian dicom3tools) must be installed`).toBe(true);
    await byTid('open-input').setInputFiles([SERIES]);
    const item = byTid('series-item').first();
    await item.waitFor({ state: 'visible', timeout: 60_000 });
    datasetId = (await item.getAttribute('data-dataset-id')) ?? '';
    expect(datasetId).not.toBe('');
    expect((await item.textContent()) ?? '').toMatch(new RegExp(`${SERIES_SLICES}`));
    const thumb = item.locator(tid('series-thumb'));
    await thumb.waitFor({ state: 'visible' });
    // The thumbnail is drawn once its slice arrives: wait for real structure, not a flat fill.
    const stats = await waitFor('a non-blank thumbnail', async () => {
      const s = await pixelStats(thumb);
      return s.std > 8 ? s : undefined;
    }, 30_000);
    expect(stats.width).toBeGreaterThan(16);
    await app.screenshot('01-series-opened');
  });

  step('selects the series and simulates 4x equispaced-fraction sampling', async () => {
    const item = page.locator(`${tid('series-item')}[data-dataset-id="${datasetId}"]`);
    await item.click();
    await expect.poll(() => item.getAttribute('aria-selected')).toBe('true');

    await byTid('acq-mode').selectOption('simulate');
    await byTid('acq-mask').selectOption('equispaced-fraction');
    await setValue(byTid('acq-accel'), '4');
    await setValue(byTid('acq-center'), '0.08');
    await setValue(byTid('acq-slice-start'), '0');
    await setValue(byTid('acq-slice-end'), String(SERIES_SLICES));

    // The preview follows the edits (debounced): the achieved acceleration is about 4x.
    const achieved = await waitFor('the achieved acceleration', async () => {
      const v = firstNumber(await byTid('acq-achieved').textContent());
      return v !== undefined && Math.abs(v - 4) < 0.6 ? v : undefined;
    }, 30_000);
    expect(achieved).toBeGreaterThan(3.4);
    const mask = await pixelStats(byTid('acq-mask-preview'));
    expect(mask.std, 'mask preview drawn (sampled and skipped lines)').toBeGreaterThan(20);
    const kspace = await pixelStats(byTid('acq-kspace-preview'));
    expect(kspace.std, 'k-space preview drawn').toBeGreaterThan(5);
    await app.screenshot('02-acquisition-4x');
  });

  step('runs zero-filled and CS with live progress', async () => {
    await watchJobs();
    await byTid('method-toggle-zero-filled').check();
    await byTid('method-toggle-cs').check();
    // Enough iterations on 20 slices that progress is visible for a while, few enough to stay quick.
    await setValue(byTid('opt-cs-iters'), '150');
    const fresh = await submit(2);
    for (const id of fresh) {
      const text = (await job(id).textContent()) ?? '';
      if (/zero/i.test(text)) zfJob = id;
      else csJob = id;
    }
    expect(zfJob, 'a zero-filled job in the queue').not.toBe('');
    expect(csJob, 'a CS job in the queue').not.toBe('');

    await waitJob(csJob, 'running', 60_000);
    await app.screenshot('03-jobs-running');
    await waitJob(zfJob, 'done');
    await waitJob(csJob, 'done');

    const log = await jobLog(csJob);
    const states = log.map((r) => r.state);
    expect(states, 'the CS job was seen running').toContain('running');
    const values = log.map((r) => r.value).filter((v): v is number => v !== null && Number.isFinite(v));
    const during = log.filter((r) => r.state === 'running' && r.value !== null).map((r) => r.value!);
    // Progress moved while running: at least two distinct values strictly between start and end, increasing.
    expect(new Set(during).size, `CS progress values while running: ${JSON.stringify(during)}`).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < during.length; i++) expect(during[i]!).toBeGreaterThanOrEqual(during[i - 1]!);
    // The bar may leave the DOM on completion, so its last value can be short of 100; it got far along.
    expect(Math.max(...values)).toBeGreaterThanOrEqual(50);
  });

  step('compares reference and both results', async () => {
    await byTid('compare').waitFor({ state: 'visible' });
    // Show both results in the comparison (a no-op for one already shown).
    for (const id of [zfJob, csJob]) {
      if ((await viewport(`result:${id}`).count()) === 0) await job(id).locator(tid('job-show')).click();
    }
    if ((await byTid('layout-4').count()) > 0 && (await byTid('viewport').count()) < 3) await byTid('layout-4').click();
    for (const ref of [`dataset:${datasetId}`, `result:${zfJob}`, `result:${csJob}`]) {
      const vp = viewport(ref);
      await vp.first().waitFor({ state: 'visible', timeout: 30_000 });
      const canvas = vp.first().locator(tid('viewport-canvas'));
      await waitFor(`an image in viewport ${ref}`, async () => ((await pixelStats(canvas)).std > 8 ? true : undefined), 30_000);
    }
    await app.screenshot('04-compare', byTid('compare'));
  });

  step('metrics table: CS PSNR >= zero-filled PSNR', async () => {
    await byTid('metrics-table').waitFor({ state: 'visible' });
    await page.locator(`${tid('metrics-row')}[data-job-id="${csJob}"]`).waitFor({ timeout: 30_000 });
    await page.locator(`${tid('metrics-row')}[data-job-id="${zfJob}"]`).waitFor({ timeout: 30_000 });
    const zf = await psnrOf(zfJob);
    const cs = await psnrOf(csJob);
    expect(zf).toBeGreaterThan(5);
    expect(cs).toBeLessThan(200);
    expect(cs, `PSNR CS ${cs} vs zero-filled ${zf}`).toBeGreaterThanOrEqual(zf);
  });

  step('slice sync is per viewport and toggleable', async () => {
    const a = viewport(`dataset:${datasetId}`).first();
    const b = viewport(`result:${csJob}`).first();
    const c = viewport(`result:${zfJob}`).first();
    const syncB = b.locator(tid('sync-slice'));
    // Start synced everywhere.
    if ((await syncB.getAttribute('aria-pressed')) !== 'true') await syncB.click();
    const aCanvas = a.locator(tid('viewport-canvas'));
    const scrollA = async (steps: number): Promise<void> => {
      await aCanvas.hover();
      for (let i = 0; i < steps; i++) await page.mouse.wheel(0, 120);
    };
    const start = await sliceOf(a);
    expect(start, 'viewport-slice readout is a number').toBeDefined();
    // Synced: scrolling A moves B and C to the same slice.
    await scrollA(3);
    await expect.poll(() => sliceOf(a)).not.toBe(start);
    const moved = (await sliceOf(a))!;
    await expect.poll(() => sliceOf(b)).toBe(moved);
    await expect.poll(() => sliceOf(c)).toBe(moved);

    // B unsynced: it keeps its slice while A and C move.
    await syncB.click();
    await expect.poll(() => syncB.getAttribute('aria-pressed')).toBe('false');
    await scrollA(2);
    await expect.poll(() => sliceOf(a)).not.toBe(moved);
    const later = (await sliceOf(a))!;
    await expect.poll(() => sliceOf(c)).toBe(later);
    expect(await sliceOf(b)).toBe(moved);

    // Back on: B follows again.
    await syncB.click();
    await expect.poll(() => syncB.getAttribute('aria-pressed')).toBe('true');
    await scrollA(1);
    await expect.poll(async () => (await sliceOf(b)) === (await sliceOf(a))).toBe(true);
  });

  step('difference-map mode changes the pixels of a result viewport', async () => {
    const canvas = viewport(`result:${zfJob}`).first().locator(tid('viewport-canvas'));
    const before = await pixelStats(canvas);
    const diff = byTid('tool-diff');
    await diff.click();
    const after = await waitFor('the difference map to be drawn', async () => {
      const s = await pixelStats(canvas);
      return pixelDifference(before, s) > 2 ? s : undefined;
    }, 20_000);
    expect(after.std).toBeGreaterThan(1);
    await app.screenshot('05-difference-map', byTid('compare'));
    // Leave diff mode so later steps see images again.
    await diff.click();
    await waitFor('the images back', async () => (pixelDifference(before, await pixelStats(canvas)) < 2 ? true : undefined), 20_000);
  });

  step('cancels a long CS job; the app keeps working', async () => {
    await byTid('method-toggle-zero-filled').uncheck();
    await byTid('method-toggle-cs').check();
    await setValue(byTid('opt-cs-iters'), '2000');
    const [long] = await submit(1);
    await waitJob(long!, 'running', 60_000);
    await job(long!).locator(tid('job-cancel')).click();
    await waitJob(long!, 'cancelled', 30_000);

    // Another quick job completes after the cancel.
    await byTid('method-toggle-cs').uncheck();
    await byTid('method-toggle-zero-filled').check();
    const [quick] = await submit(1);
    await waitJob(quick!, 'done', 60_000);
  });

  step('a bad file gives an error naming it; the app stays usable', async () => {
    const count = await byTid('series-item').count();
    const truncated = readFileSync(CH2).subarray(0, 4096);
    await byTid('open-input').setInputFiles([
      { name: 'broken.dcm', mimeType: 'application/dicom', buffer: Buffer.from('DICM? no: this is not a DICOM file at all\n'.repeat(8)) },
      { name: 'truncated.nii.gz', mimeType: 'application/gzip', buffer: Buffer.from(truncated) },
    ]);
    const errors = page.locator(`${tid('notice')}[data-level="error"]`);
    await expect.poll(async () => (await errors.allTextContents()).join('\n'), { timeout: 60_000 }).toMatch(/broken\.dcm/);
    await expect.poll(async () => (await errors.allTextContents()).join('\n'), { timeout: 60_000 }).toMatch(/truncated\.nii\.gz/);
    await app.screenshot('06-bad-file');
    // Nothing opened, nothing lost, host still answering: re-select the series and get a fresh preview.
    expect(await byTid('series-item').count()).toBe(count);
    await page.locator(`${tid('series-item')}[data-dataset-id="${datasetId}"]`).click();
    await setValue(byTid('acq-accel'), '3');
    await waitFor('a new preview after the bad upload', async () => {
      const v = firstNumber(await byTid('acq-achieved').textContent());
      return v !== undefined && Math.abs(v - 3) < 0.6 ? true : undefined;
    }, 30_000);
  });
});
