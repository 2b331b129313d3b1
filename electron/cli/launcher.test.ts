import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('bin/recon-studio.mjs in a source checkout', () => {
  // The in-memory runner bypasses the launcher; learned methods load
  // onnxruntime with a dynamic import(), which only works when the launcher
  // registers tsx for ESM as well as CommonJS.
  it('runs a learned method (dynamic imports) end to end on the shipped sample', () => {
    const out = mkdtempSync(join(tmpdir(), 'recon-launcher-'));
    try {
      const r = spawnSync(
        process.execPath,
        ['bin/recon-studio.mjs', 'recon', 'resources/samples/t1-brain-itk.nii.gz', '--method', 'unet', '--slices', '3:4', '--accel', '4', '--out', join(out, 'r'), '--quiet'],
        { cwd: root, encoding: 'utf8', timeout: 120_000 },
      );
      expect(r.stderr).not.toMatch(/Cannot find module/);
      expect(r.status).toBe(0);
      const metrics = JSON.parse(readFileSync(join(out, 'r', 'metrics.json'), 'utf8')) as { volume?: { psnr?: number } };
      expect(metrics.volume?.psnr).toBeGreaterThan(10);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
