/**
 * The σ map end to end (issue 8): a real `diffusion` job with 2 samples on a
 * real DICOM series, its per-pixel SD map shown in a viewport with its own
 * colour bar, and saved as a float32 NIfTI whose size matches the volume.
 * Same harness and session style as app.e2e.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { firstNumber, pixelStats, setValue, startApp, StopWaiting, storySteps, tid, waitFor, type App } from './harness';

/** Siemens ASL mosaic: 20 slices of 72x72 (DATA.md, dicom3tools). */
const SERIES = '/usr/share/doc/dicom3tools/examples/0051.dcm';
/** A few slices keep the sampler quick; the export must still hold all of them. */
const SLICES: [number, number] = [9, 12];
const STEP = 240_000;

let app: App;
let page: Page;
const step = storySteps(() => app, STEP, 'uncertainty-');

const byTid = (id: string): Locator => page.locator(tid(id));

describe.sequential('σ map of a diffusion job (Chromium)', () => {
  let jobId = '';

  beforeAll(async () => {
    app = await startApp();
    page = app.page;
  }, 480_000);

  afterAll(async () => {
    await app?.close();
  }, 60_000);

  step('runs diffusion with 2 samples on a real series', async () => {
    await page.goto(app.server.url);
    await byTid('app').waitFor({ state: 'visible', timeout: 30_000 });
    expect(existsSync(SERIES), `${SERIES} (Debian dicom3tools) must be installed`).toBe(true);
    await byTid('open-input').setInputFiles([SERIES]);
    const item = byTid('series-item').first();
    await item.waitFor({ state: 'visible', timeout: 60_000 });
    await item.click();
    await expect.poll(() => item.getAttribute('aria-selected')).toBe('true');
    await byTid('acq-mode').selectOption('simulate');
    await setValue(byTid('acq-slice-start'), String(SLICES[0]));
    await setValue(byTid('acq-slice-end'), String(SLICES[1]));

    await byTid('method-toggle-diffusion').waitFor({ state: 'attached', timeout: 30_000 });
    for (const other of await page.locator('[data-testid^="method-toggle-"]:checked').all()) await other.uncheck();
    await byTid('method-toggle-diffusion').check();
    // The form offers 10 steps at the least (5 is for the CLI and engine tests).
    const model = byTid('opt-diffusion-model');
    if ((await model.count()) > 0) {
      await model.selectOption('diffusion-smoke');
      // The line under the model list says what the selected model is: here, one without measured quality.
      await expect.poll(() => byTid('opt-diffusion-model-hint').textContent()).toContain('smoke model, no measured quality');
    }
    await setValue(byTid('opt-diffusion-steps'), '10');
    await setValue(byTid('opt-diffusion-samples'), '2');

    const before = new Set(await byTid('job-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-job-id'))));
    await byTid('submit-jobs').click();
    jobId = await waitFor('the diffusion job in the queue', async () => {
      const ids = await byTid('job-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-job-id') ?? ''));
      return ids.find((id) => id && !before.has(id));
    }, 30_000);
    const job = page.locator(`${tid('job-item')}[data-job-id="${jobId}"]`);
    await waitFor(`job ${jobId} to finish`, async () => {
      const s = await job.getAttribute('data-state');
      if (s === 'done') return true;
      if (s === 'failed' || s === 'cancelled') {
        const err = (await job.locator(tid('job-error')).textContent().catch(() => null)) ?? '';
        throw new StopWaiting(`job ${jobId} ended ${s}: ${err}`);
      }
      return undefined;
    }, 200_000);
  });

  step('shows the σ map in a viewport with a σ colour bar, and not as a reconstruction', async () => {
    const job = page.locator(`${tid('job-item')}[data-job-id="${jobId}"]`);
    await job.locator(tid('job-sigma')).click();
    const vp = page.locator(`${tid('viewport')}[data-ref="uncertainty:${jobId}"]`);
    await vp.waitFor({ state: 'visible', timeout: 30_000 });
    const canvas = vp.locator(tid('viewport-canvas'));
    // Onto a reconstructed slice (the readout is 1-based): the wheel scrolls one slice a notch.
    await waitFor('a reconstructed slice on screen', async () => {
      const shown = firstNumber(await vp.locator(tid('viewport-slice')).textContent());
      if (shown === undefined) return undefined;
      if (shown - 1 >= SLICES[0] && shown - 1 < SLICES[1]) return true;
      await canvas.hover();
      await page.mouse.wheel(0, shown - 1 < SLICES[0] ? 120 : -120);
      return undefined;
    }, 20_000, 250);
    const stats = await waitFor('a non-blank σ map', async () => {
      const s = await pixelStats(canvas);
      return s.std > 3 ? s : undefined;
    }, 30_000);
    expect(stats.std).toBeGreaterThan(3);
    const bar = vp.locator(tid('sigma-colorbar'));
    await bar.waitFor({ state: 'visible' });
    expect((await bar.textContent()) ?? '').toMatch(/σ\s*0/);
    // The metrics table lists reconstructions only: the job once, no σ row.
    const rows = await page.locator(tid('metrics-row')).evaluateAll((els) => els.map((e) => e.getAttribute('data-job-id')));
    expect(rows.filter((r) => r === jobId).length).toBeLessThanOrEqual(1);
    expect(rows.some((r) => r?.startsWith('uncertainty'))).toBe(false);
  });

  step('saves the σ map as a float32 NIfTI of every reconstructed slice', async () => {
    const job = page.locator(`${tid('job-item')}[data-job-id="${jobId}"]`);
    const size = await page.locator(`${tid('viewport')}[data-ref="uncertainty:${jobId}"] ${tid('viewport-canvas')}`).getAttribute('data-image-size');
    const [w, h] = (size ?? '').split('x').map(Number);
    expect(w, `image size from data-image-size="${size}"`).toBeGreaterThan(0);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), job.locator(tid('save-sigma')).click()]);
    expect(download.suggestedFilename()).toMatch(/_sigma\.nii$/);
    const path = await download.path();
    const bytes = readFileSync(path);
    const slices = SLICES[1] - SLICES[0];
    expect(bytes.byteLength).toBe(352 + 4 * w! * h! * slices);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(view.getInt32(0, true)).toBe(348);
    expect(view.getInt16(70, true)).toBe(16);
    expect([1, 2, 3].map((i) => view.getInt16(40 + 2 * i, true))).toEqual([w, h, slices]);
    // Standard deviations: finite, not negative, not all zero.
    const v = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 352, bytes.byteOffset + bytes.byteLength));
    expect(v.every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
    expect(v.some((x) => x > 0)).toBe(true);
  });
});
