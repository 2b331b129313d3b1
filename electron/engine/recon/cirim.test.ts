import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ctensor, rtensor } from '../array';
import { fft2cBatch } from '../fft';
import { centeredDftMatrix } from '../learned/dft-matrix';
import { readNpy } from '../learned/npy';
import { clearSessionCache } from '../learned/session';
import { DC_NOISE_GAIN, reconCirim, type CirimProgress } from './cirim';
import type { ReconInput } from './types';

const modelDir = join(__dirname, '../../../resources/models/cirim-smoke');
const shipped = existsSync(join(modelDir, 'manifest.json'));
afterAll(() => clearSessionCache());

/** Smooth complex object, equispaced 4x mask with a fully sampled centre. */
function scan(ny: number, nx: number, coils: number): ReconInput & { truth: Float32Array } {
  const img = new Float32Array(2 * ny * nx);
  for (let y = 0; y < ny; y++)
    for (let x = 0; x < nx; x++) {
      const r = Math.hypot((y - ny / 2) / (ny / 2.4), (x - nx / 2) / (nx / 2.6));
      img[2 * (y * nx + x)] = r < 1 ? 1 - 0.6 * r * r : 0;
    }
  const sens = new Float32Array(2 * coils * ny * nx);
  for (let p = 0; p < ny * nx; p++) {
    let ss = 0;
    const w = Array.from({ length: coils }, (_, c) => 1 + 0.5 * Math.cos((2 * Math.PI * c) / coils + (p % nx) / nx));
    for (const v of w) ss += v * v;
    w.forEach((v, c) => (sens[2 * (c * ny * nx + p)] = v / Math.sqrt(ss)));
  }
  const mask = new Float32Array(ny * nx);
  for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) if (x % 4 === 0 || Math.abs(x - nx / 2) < 2) mask[y * nx + x] = 1;
  const k = new Float32Array(2 * coils * ny * nx);
  for (let c = 0; c < coils; c++)
    for (let p = 0; p < ny * nx; p++) {
      const o = 2 * (c * ny * nx + p);
      k[o] = sens[o]! * img[2 * p]!;
      k[o + 1] = sens[o]! * img[2 * p + 1]!;
    }
  fft2cBatch(k, coils, ny, nx, false, k);
  for (let c = 0; c < coils; c++) for (let p = 0; p < ny * nx; p++) if (!mask[p]) k[2 * (c * ny * nx + p)] = k[2 * (c * ny * nx + p) + 1] = 0;
  const input: ReconInput & { truth: Float32Array } = { kspace: ctensor([1, coils, ny, nx], k), mask: rtensor([ny, nx], mask), truth: img };
  if (coils > 1) input.sens = ctensor([1, coils, ny, nx], sens);
  return input;
}

/**
 * A temp models root for variants of the cirim-smoke-step export: write(name, edit)
 * copies the model under `name` with its manifest changed by `edit` and returns
 * that manifest; rm() removes the root.
 */
function smokeStepVariants(prefix: string) {
  const root = mkdtempSync(join(tmpdir(), prefix));
  return {
    root,
    write(name: string, edit: (m: Record<string, unknown>) => void): Record<string, unknown> {
      cpSync(join(modelDir, '..', 'cirim-smoke-step'), join(root, name), { recursive: true });
      const man = JSON.parse(readFileSync(join(root, name, 'manifest.json'), 'utf8')) as Record<string, unknown>;
      edit(man);
      writeFileSync(join(root, name, 'manifest.json'), JSON.stringify(man));
      return man;
    },
    rm: () => rmSync(root, { recursive: true, force: true }),
  };
}

describe('CIRIM inputs match the exporter contract', () => {
  it.skipIf(!shipped)('engine DFT matrices equal the golden fh/fw bytes the model was exported with', () => {
    for (const f of ['input_fh.npy', 'input_fw.npy']) {
      const g = readNpy(readFileSync(join(modelDir, 'golden', f)));
      const m = centeredDftMatrix(g.shape[0]!);
      let err = 0;
      for (let i = 0; i < m.length; i++) err = Math.max(err, Math.abs(m[i]! - (g.data as Float32Array)[i]!));
      expect(err).toBeLessThan(1e-6);
    }
  });
});

describe.skipIf(!shipped)('CIRIM through ONNX Runtime (cirim-smoke)', () => {
  it('single coil: one progress report with a preview per cascade, provenance recorded', async () => {
    const input = scan(24, 20, 1);
    const seen: CirimProgress[] = [];
    const r = await reconCirim(input, { provider: 'cpu' }, { onProgress: (p) => seen.push(p) });
    const K = r.options.cascades as number;
    expect(K).toBeGreaterThanOrEqual(1);
    expect(seen).toHaveLength(K);
    expect(seen.at(-1)!.fraction).toBe(1);
    expect(seen[0]!.preview!.shape).toEqual([1, 24, 20]);
    expect(r.image.shape).toEqual([1, 24, 20]);
    expect(r.image.data.every(Number.isFinite)).toBe(true);
    expect(Math.max(...r.image.data)).toBeGreaterThan(0);
    // The final preview is the returned image.
    const last = seen.at(-1)!.preview!.data;
    const top = Math.max(...r.image.data);
    expect(Math.max(...last.map((v, i) => Math.abs(v - r.image.data[i]!)))).toBeLessThan(1e-5 * top);
    expect(r.history.map((h) => h.iteration)).toEqual(Array.from({ length: K }, (_, i) => i + 1));
    expect(r.options.modelSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.options.provider).toBe('cpu');
    expect(r.options.normalisation).toBe('bart-scale');
    expect(r.notes[0]).toMatch(/^CIRIM model cirim-smoke/);
    expect(r.notes.join('\n')).toMatch(/no measured quality \(untrained\/smoke model\)/);
  });

  it('multi-coil with maps runs; without maps it is refused by name', async () => {
    const input = scan(24, 20, 4);
    const r = await reconCirim(input, { provider: 'cpu' });
    expect(r.image.data.every(Number.isFinite)).toBe(true);
    expect(r.notes.join('\n')).toMatch(/4 coils/);
    delete input.sens;
    await expect(reconCirim(input, { provider: 'cpu' })).rejects.toThrow(/needs coil sensitivity maps/);
  });

  it('falls back to CPU with a note when CUDA is asked for and absent', async () => {
    const r = await reconCirim(scan(24, 20, 1), { provider: 'cuda,cpu' });
    if (r.options.provider === 'cpu') expect(r.notes.join('\n')).toMatch(/CUDA execution provider unavailable: .*; using CPU/);
    else expect(r.options.provider).toBe('cuda');
  });

  it('stops between cascades when cancelled', async () => {
    const ac = new AbortController();
    let calls = 0;
    const run = reconCirim(scan(24, 20, 1), { provider: 'cpu' }, { signal: ac.signal, onProgress: () => { calls++; ac.abort(); } });
    await expect(run).rejects.toThrow(/cancelled/);
    expect(calls).toBe(1);
  });

  it('a time-step export of the same weights (engine FFT gradients, one call per step) gives the same image, 1 and 4 coils', async () => {
    const stepDir = join(modelDir, '..', 'cirim-smoke-step');
    expect(existsSync(join(stepDir, 'manifest.json')), 'cirim-smoke-step ships beside cirim-smoke (train.py --smoke writes both)').toBe(true);
    for (const coils of [1, 4]) {
      const input = scan(24, 20, coils);
      const a = await reconCirim(input, { provider: 'cpu' });
      const seen: CirimProgress[] = [];
      const b = await reconCirim(input, { model: 'cirim-smoke-step', provider: 'cpu' }, { onProgress: (p) => seen.push(p) });
      expect(b.options.unit).toBe('time-step');
      expect(a.options.unit).toBe('cascade');
      expect(b.notes[0]).toMatch(/× \d+ time steps, one call per step/);
      // Progress, preview and cancellation stay per cascade.
      expect(seen).toHaveLength(b.options.cascades as number);
      let err = 0, ref = 0;
      for (let i = 0; i < a.complex!.data.length; i++) { err += (a.complex!.data[i]! - b.complex!.data[i]!) ** 2; ref += a.complex!.data[i]! ** 2; }
      expect(ref).toBeGreaterThan(0);
      expect(Math.sqrt(err / ref)).toBeLessThan(1e-5);
    }
  });

  it('time-step states: one per layer (hidden0, hidden1, ... -> *_out) as exported now, or the joint `hidden` of earlier exports', async () => {
    const { openCascadeModel } = await import('../learned/cascade-model');
    const legacy = await openCascadeModel('cirim-smoke-step', { providers: ['cpu'] });
    expect(legacy.spec.state).toEqual([{ input: 'hidden', output: 'hidden_out' }]);
    const full = join(modelDir, '..', 'cirim', 'manifest.json');
    if (!existsSync(full)) return;
    const model = await openCascadeModel('cirim', { providers: ['cpu'] });
    const layers = (JSON.parse(readFileSync(full, 'utf8')) as { config: { convs: unknown[] } }).config.convs.length;
    expect(model.spec.state).toEqual(Array.from({ length: layers }, (_, i) => ({ input: `hidden${i}`, output: `hidden${i}_out` })));
  });

  it('a time-step manifest without its gradient input is refused by name', async () => {
    const { cpSync, mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const root = mkdtempSync(join(tmpdir(), 'cirim-step-'));
    try {
      cpSync(join(modelDir, '..', 'cirim-smoke-step'), join(root, 'broken'), { recursive: true });
      const man = JSON.parse(readFileSync(join(root, 'broken', 'manifest.json'), 'utf8'));
      man.cirim = { cascades: man.cascades, unit: 'time-step', inputs: { estimate: 'eta' }, outputs: { estimate: 'eta_out' } };
      writeFileSync(join(root, 'broken', 'manifest.json'), JSON.stringify(man));
      await expect(reconCirim(scan(24, 20, 1), { model: 'broken', modelsDir: root, provider: 'cpu' })).rejects.toThrow(/"time-step" model needs cirim.inputs.gradient, cirim.timeSteps/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a CG-SENSE first estimate (manifest init "cg-sense"): changes a multi-coil run, not a single-coil one, and needs initIters', async () => {
    const { cpSync, mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const root = mkdtempSync(join(tmpdir(), 'cirim-cg-'));
    const write = (name: string, edit: (m: Record<string, unknown>) => void) => {
      cpSync(join(modelDir, '..', 'cirim-smoke-step'), join(root, name), { recursive: true });
      const man = JSON.parse(readFileSync(join(root, name, 'manifest.json'), 'utf8'));
      edit(man);
      writeFileSync(join(root, name, 'manifest.json'), JSON.stringify(man));
    };
    try {
      write('cg', (m) => { m.init = 'cg-sense'; m.initIters = 8; });
      write('cg-no-iters', (m) => { m.init = 'cg-sense'; });
      write('cg-damped', (m) => { m.init = 'cg-sense'; m.initIters = 8; m.initLambda = 0.5; });
      write('cg-bad-lambda', (m) => { m.init = 'cg-sense'; m.initIters = 8; m.initLambda = -1; });
      const rel = (a: Float32Array, b: Float32Array) => {
        let e = 0, r = 0;
        for (let i = 0; i < a.length; i++) { e += (a[i]! - b[i]!) ** 2; r += a[i]! ** 2; }
        return Math.sqrt(e / r);
      };
      for (const coils of [1, 4]) {
        const input = scan(24, 20, coils);
        const plain = await reconCirim(input, { model: 'cirim-smoke-step', provider: 'cpu' });
        const cg = await reconCirim(input, { model: 'cg', modelsDir: root, provider: 'cpu' });
        const d = rel(plain.complex!.data, cg.complex!.data);
        if (coils === 1) {
          expect(d).toBeLessThan(1e-6);
          expect(cg.notes.join('\n')).toMatch(/first estimate: the zero-filled image/);
        } else {
          expect(d).toBeGreaterThan(1e-3);
          expect(cg.notes.join('\n')).toMatch(/first estimate: 8 CG-SENSE iterations \(as/);
          // The Tikhonov-damped start is a different (smaller-norm) estimate, and says so.
          const damped = await reconCirim(input, { model: 'cg-damped', modelsDir: root, provider: 'cpu' });
          expect(rel(cg.complex!.data, damped.complex!.data)).toBeGreaterThan(1e-3);
          expect(damped.notes.join('\n')).toMatch(/first estimate: 8 CG-SENSE iterations with Tikhonov weight 0\.5/);
        }
      }
      await expect(reconCirim(scan(24, 20, 4), { model: 'cg-no-iters', modelsDir: root, provider: 'cpu' })).rejects.toThrow(/init "cg-sense" needs initIters/);
      await expect(reconCirim(scan(24, 20, 4), { model: 'cg-bad-lambda', modelsDir: root, provider: 'cpu' })).rejects.toThrow(/initLambda/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('proximal data consistency between cascades (manifest cascadeDc): pulls each cascade onto the data as far as mu says, one mu per cascade', async () => {
    const variants = smokeStepVariants('cirim-dc-');
    const root = variants.root;
    const write = (name: string, dc: unknown) => variants.write(name, (m) => { m.cascadeDc = dc; }).cascades as number;
    try {
      const K = write('dc-tight', { iterations: 30, mu: [] });
      write('dc-tight', { iterations: 30, mu: Array(K).fill(1e-4) });
      write('dc-loose', { iterations: 30, mu: Array(K).fill(1e4) });
      write('dc-short', { iterations: 5, mu: [0.1] .concat(Array(K).fill(0.1)) });
      const input = scan(24, 20, 4);
      const plain = await reconCirim(input, { model: 'cirim-smoke-step', provider: 'cpu' });
      const tight = await reconCirim(input, { model: 'dc-tight', modelsDir: root, provider: 'cpu' });
      const loose = await reconCirim(input, { model: 'dc-loose', modelsDir: root, provider: 'cpu' });
      // mu -> 0: every cascade ends on the data (residual far below the model's own);
      // mu -> infinity: the step keeps the cascade's output, the run is the plain one.
      for (let i = 0; i < K; i++) expect(tight.history[i]!.residual!).toBeLessThan(0.05 * plain.history[i]!.residual!);
      let d = 0, n = 0;
      for (let i = 0; i < plain.complex!.data.length; i++) { d += (loose.complex!.data[i]! - plain.complex!.data[i]!) ** 2; n += plain.complex!.data[i]! ** 2; }
      expect(Math.sqrt(d / n)).toBeLessThan(1e-3);
      expect(tight.notes.join('\n')).toMatch(/after each cascade: 30 CG iterations of proximal data consistency, μ = 0\.000100/);
      await expect(reconCirim(input, { model: 'dc-short', modelsDir: root, provider: 'cpu' })).rejects.toThrow(new RegExp(`cascadeDc.mu has ${K + 1} value\\(s\\) for ${K} cascades`));
      // One coil without maps takes the closed form F^-1[(M y + mu F x) / (M² + mu)]; given the
      // map of ones it goes through CG. Converged, both are the same proximal point.
      write('dc-mid', { iterations: 30, mu: Array(K).fill(0.05) });
      const single = scan(24, 20, 1);
      const ones = ctensor([1, 1, 24, 20]);
      for (let p = 0; p < 24 * 20; p++) ones.data[2 * p] = 1;
      const viaCg = await reconCirim({ ...single, sens: ones }, { model: 'dc-mid', modelsDir: root, provider: 'cpu' });
      const closed = await reconCirim(single, { model: 'dc-mid', modelsDir: root, provider: 'cpu' });
      const undamped = await reconCirim(single, { model: 'cirim-smoke-step', provider: 'cpu' });
      const relTo = (a: Float32Array, b: Float32Array) => {
        let e = 0, m = 0;
        for (let i = 0; i < a.length; i++) { e += (a[i]! - b[i]!) ** 2; m += b[i]! ** 2; }
        return Math.sqrt(e / m);
      };
      expect(relTo(closed.complex!.data, viaCg.complex!.data)).toBeLessThan(1e-4);
      expect(relTo(undamped.complex!.data, viaCg.complex!.data)).toBeGreaterThan(1e-2);
    } finally {
      variants.rm();
    }
  });

  it('noise-aware data consistency: a known k-space noise SD raises each cascade\'s mu by dcNoiseGain (sigma / scale)^2', async () => {
    const variants = smokeStepVariants('cirim-dcn-');
    const root = variants.root;
    try {
      let learnedMu: number[] = [];
      variants.write('dcn', (m) => {
        learnedMu = Array.from({ length: m.cascades as number }, (_, i) => 0.001 * (i + 1));
        m.cascadeDc = { iterations: 20, mu: learnedMu };
      });
      const run = (input: ReconInput, o: Record<string, unknown> = {}) => reconCirim(input, { model: 'dcn', modelsDir: root, provider: 'cpu', ...o });
      const input = scan(24, 20, 4);
      const quiet = await run(input);
      expect(quiet.options.dcMu).toEqual([learnedMu]);
      expect(quiet.notes.join('\n')).not.toMatch(/noise-aware/);
      const sigma = 0.05;
      const noisy = await run({ ...input, noiseStd: sigma });
      const s = (noisy.options.scales as number[])[0]!;
      const want = learnedMu.map((m) => m + DC_NOISE_GAIN * (sigma / s) ** 2);
      (noisy.options.dcMu as number[][])[0]!.forEach((m, i) => expect(m).toBeCloseTo(want[i]!, 10));
      expect(noisy.notes.join('\n')).toMatch(new RegExp(`noise-aware data consistency: μ raised by ${DC_NOISE_GAIN} × \\(k-space noise SD 0\\.0500 / scale\\)²`));
      // A larger mu keeps more of each cascade's output: the image moves.
      let d = 0;
      for (let p = 0; p < quiet.image.data.length; p++) d = Math.max(d, Math.abs(noisy.image.data[p]! - quiet.image.data[p]!));
      expect(d).toBeGreaterThan(1e-4);
      // noiseStd 0 declares the data noiseless; gain 0 keeps the learned mu.
      expect((await run({ ...input, noiseStd: sigma }, { noiseStd: 0 })).options.dcMu).toEqual([learnedMu]);
      expect((await run({ ...input, noiseStd: sigma }, { dcNoiseGain: 0 })).options.dcMu).toEqual([learnedMu]);
      await expect(run(input, { dcNoiseGain: Number.NaN })).rejects.toThrow(/dcNoiseGain must be a finite number/);
      // A model trained with its own gain (manifest cascadeDc.noiseGain) uses it unless told otherwise.
      variants.write('dcn-own', (m) => { m.cascadeDc = { iterations: 20, mu: learnedMu, noiseGain: 50 }; });
      const own = await reconCirim({ ...input, noiseStd: sigma }, { model: 'dcn-own', modelsDir: root, provider: 'cpu' });
      expect(own.options.dcNoiseGain).toBe(50);
      (own.options.dcMu as number[][])[0]!.forEach((m, i) => expect(m).toBeCloseTo(learnedMu[i]! + 50 * (sigma / s) ** 2, 10));
      expect((await reconCirim({ ...input, noiseStd: sigma }, { model: 'dcn-own', modelsDir: root, provider: 'cpu', dcNoiseGain: 7 })).options.dcNoiseGain).toBe(7);
    } finally {
      variants.rm();
    }
  });

  it('data-consistency refinement: fits noiseless data after the cascades, leaves data within the noise level alone, needs a noise level', async () => {
    const input = scan(24, 20, 4);
    await expect(reconCirim(input, { provider: 'cpu', refine: 20 })).rejects.toThrow(/refine needs the k-space noise level/);
    await expect(reconCirim(input, { provider: 'cpu', refine: -1, noiseStd: 0 })).rejects.toThrow(/refine must be an integer/);
    const plain = await reconCirim(input, { provider: 'cpu' });
    const K = plain.options.cascades as number;
    const fitted = await reconCirim(input, { provider: 'cpu', refine: 20, noiseStd: 0 });
    expect(fitted.history.map((h) => h.iteration)).toEqual(Array.from({ length: K + 1 }, (_, i) => i + 1));
    expect(fitted.history[K]!.residual!).toBeLessThan(0.05 * fitted.history[K - 1]!.residual!);
    expect(fitted.options.refineIterations).toEqual([20]);
    expect(fitted.notes.join('\n')).toMatch(/data-consistency refinement: 20 CGLS iteration\(s\) .*noiseless data/);
    // The truth fits the data: moving onto it brings the image closer to the truth.
    const rel = (img: Float32Array) => {
      let e = 0, n = 0;
      for (let p = 0; p < img.length; p++) {
        const t = Math.hypot(input.truth[2 * p]!, input.truth[2 * p + 1]!);
        e += (img[p]! - t) ** 2;
        n += t * t;
      }
      return Math.sqrt(e / n);
    };
    expect(rel(fitted.image.data)).toBeLessThan(rel(plain.image.data));
    // A noise level far above the misfit (the input's own, as a simulated acquisition carries it): no iteration, same image.
    const noisy = { ...input, noiseStd: 1e3 };
    const held = await reconCirim(noisy, { provider: 'cpu', refine: 20, noiseStd: -1 });
    expect(held.options.refineIterations).toEqual([0]);
    expect(held.options.noiseStdUsed).toBe(1e3);
    expect(Array.from(held.image.data)).toEqual(Array.from(plain.image.data));
    // One coil: a projection, with a warning in the notes; none with several coils.
    expect(fitted.notes.join('\n')).not.toMatch(/single coil: the refinement/);
    const one = await reconCirim(scan(24, 20, 1), { provider: 'cpu', refine: 5, noiseStd: 0 });
    expect(one.notes.join('\n')).toMatch(/single coil: the refinement is a projection/);
  });

  it('names a missing model', async () => {
    await expect(reconCirim(scan(24, 20, 1), { model: 'no-such-model' })).rejects.toThrow(/no-such-model.*manifest not found/);
  });
});
