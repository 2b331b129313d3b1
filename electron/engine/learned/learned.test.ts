import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkGolden } from './golden';
import { listModelDirs, loadManifest, loadModel, ManifestError, modelChoiceHint, sha256File } from './manifest';
import { readNpy } from './npy';
import { clearSessionCache, getSession, providerOrder, providerPrecheck, sessionCacheSize, sharedLibraryFindable } from './session';
import { havePythonOnnx, makeTinyModel } from './tiny-model.fixture';

const python = havePythonOnnx();
let root = '';
let dir = '';

beforeAll(() => {
  if (!python) return;
  root = makeTinyModel('tiny-matmul');
  dir = join(root, 'tiny-matmul');
});
afterAll(() => clearSessionCache());

describe.skipIf(!python)('learned: manifests', () => {
  it('loads, validates and hashes a model folder', () => {
    const m = loadModel('tiny-matmul', root);
    expect(m.manifest.inputs.map((i) => i.name)).toEqual(['x', 's']);
    expect(m.manifest.inputs[0]!.shape).toEqual(['n', 4]);
    expect(m.manifest.golden.rtol).toBe(1e-4);
    expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.sha256).toBe(sha256File(join(dir, 'model.onnx')));
  });

  it('rehashes a model file replaced in place, even with the same size and a restored mtime', () => {
    const copy = join(mkdtempSync(join(tmpdir(), 'recon-rehash-')), 'tiny-matmul');
    cpSync(dir, copy, { recursive: true });
    const file = join(copy, 'model.onnx');
    const stamp = new Date('2026-01-01T00:00:00Z'); // whole seconds: utimes keeps them exactly
    utimesSync(file, stamp, stamp);
    const first = loadManifest(copy).sha256;
    expect(loadManifest(copy).sha256).toBe(first);
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(file, bytes);
    utimesSync(file, stamp, stamp);
    expect(statSync(file, { bigint: true }).mtimeNs).toBe(BigInt(stamp.getTime()) * 1_000_000n);
    const second = loadManifest(copy).sha256;
    expect(second).not.toBe(first);
    expect(second).toBe(sha256File(file));
  });

  it('names the file and the field when a manifest is wrong', () => {
    const bad = mkdtempSync(join(tmpdir(), 'recon-bad-'));
    copyFileSync(join(dir, 'model.onnx'), join(bad, 'model.onnx'));
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    writeFileSync(join(bad, 'manifest.json'), JSON.stringify({ ...m, opset: 'thirteen' }));
    expect(() => loadManifest(bad)).toThrow(ManifestError);
    expect(() => loadManifest(bad)).toThrow(/manifest\.json: invalid manifest — opset/);
    writeFileSync(join(bad, 'manifest.json'), JSON.stringify(m));
    expect(() => loadManifest(bad)).toThrow(/golden file golden-x\.npy is missing/);
    writeFileSync(join(bad, 'manifest.json'), '{ not json');
    expect(() => loadManifest(bad)).toThrow(/not valid JSON/);
    expect(() => loadModel('../etc', root)).toThrow(/may only use/);
  });

  it('describes a model choice by its unrolling and held-out SSIM range, or as a smoke model', () => {
    const fast = loadModel('cirim-fast').manifest;
    const rows = (fast.metrics as { heldout: { rows: { ssim: number }[] } }).heldout.rows;
    const lo = Math.min(...rows.map((r) => r.ssim)), hi = Math.max(...rows.map((r) => r.ssim));
    expect(modelChoiceHint(fast)).toBe(`2 cascades × 8 steps + CG data consistency, held-out SSIM ${lo.toFixed(2)}–${hi.toFixed(2)}`);
    expect(modelChoiceHint(loadModel('cirim-smoke').manifest)).toMatch(/^\d+ cascades? × \d+ steps, smoke model, no measured quality$/);
    expect(modelChoiceHint({ ...fast, cascadeDc: undefined } as typeof fast)).toMatch(/^2 cascades × 8 steps, held-out/);
    expect(modelChoiceHint({ ...fast, cascades: undefined, metrics: { other: 1 } } as typeof fast)).toBe('');
  });

  it('reads .npy written by numpy', () => {
    const a = readNpy(readFileSync(join(dir, 'golden-x.npy')));
    expect(a.shape).toEqual([5, 4]);
    expect(a.dtype).toBe('float32');
    expect(a.data.length).toBe(20);
    expect(() => readNpy(new Uint8Array(20))).toThrow(/bad magic/);
  });
});

describe.skipIf(!python)('learned: sessions and execution providers', () => {
  it('orders providers CUDA, WebGPU, CPU by default and always ends with CPU', () => {
    const saved = process.env.RECON_ORT_PROVIDERS;
    delete process.env.RECON_ORT_PROVIDERS;
    expect(providerOrder()).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(providerOrder({ providers: ['cuda'] })).toEqual(['cuda', 'cpu']);
    process.env.RECON_ORT_PROVIDERS = 'webgpu, CPU';
    expect(providerOrder()).toEqual(['webgpu', 'cpu']);
    if (saved === undefined) delete process.env.RECON_ORT_PROVIDERS;
    else process.env.RECON_ORT_PROVIDERS = saved;
  });

  it('falls back to CPU with a visible note when CUDA is forced but cannot load', async () => {
    const m = loadManifest(dir);
    const s = await getSession(m.modelPath, m.sha256, { providers: ['cuda', 'cpu'] });
    // This machine has no CUDA build of onnxruntime; where one exists the session is simply on CUDA.
    if (s.provider === 'cpu') {
      expect(s.notes).toHaveLength(1);
      expect(s.notes[0]).toMatch(/^CUDA execution provider unavailable: .+; using CPU$/);
    } else {
      expect(s.provider).toBe('cuda');
    }
    expect(s.session.inputNames).toEqual(['x', 's']);
  });

  it('tries every default provider with nothing but notes: stderr stays clean (no ORT or Dawn log lines)', () => {
    // A child process, because ORT's environment logger is created once per process.
    const script = join(mkdtempSync(join(tmpdir(), 'recon-ep-')), 'load.ts');
    writeFileSync(script, [
      `import { getSession } from ${JSON.stringify(join(__dirname, 'session.ts'))};`,
      `import { loadManifest } from ${JSON.stringify(join(__dirname, 'manifest.ts'))};`,
      `const m = loadManifest(${JSON.stringify(dir)});`,
      `getSession(m.modelPath, m.sha256, { providers: ['cuda', 'webgpu', 'cpu'] }).then((s) => console.log(JSON.stringify({ provider: s.provider, notes: s.notes })));`,
    ].join('\n'));
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', env: { ...process.env, RECON_ORT_PROVIDERS: '' } });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    if (out.provider === 'cpu') {
      expect(r.stderr).toBe('');
      expect(out.notes).toHaveLength(2);
      expect(out.notes[0]).toMatch(/^CUDA execution provider unavailable: .+; using CPU$/);
      if (/Failed to load shared library/.test(out.notes[0])) expect(out.notes[0]).toMatch(/README "GPU inference"/);
      expect(out.notes[1]).toMatch(/^WebGPU execution provider unavailable: .+; using CPU$/);
    } else {
      expect(['cuda', 'webgpu']).toContain(out.provider); // a machine with a GPU build: nothing to fall back from
    }
  });

  it('skips an unknown provider name with a note instead of crashing', async () => {
    const m = loadManifest(dir);
    const s = await getSession(m.modelPath, m.sha256, { providers: ['bogus-ep'] });
    expect(s.provider).toBe('cpu');
    expect(s.notes.join('\n')).toMatch(/bogus-ep execution provider unavailable: .*; using CPU/);
  });

  it('caches by path, hash and provider order', async () => {
    const m = loadManifest(dir);
    const a = await getSession(m.modelPath, m.sha256, { providers: ['cpu'] });
    const b = await getSession(m.modelPath, m.sha256, { providers: ['cpu'] });
    const c = await getSession(m.modelPath, 'f'.repeat(64), { providers: ['cpu'] });
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(sessionCacheSize()).toBeGreaterThanOrEqual(2);
    await clearSessionCache();
    expect(sessionCacheSize()).toBe(0);
  });
});

/** Parity for the fixture and for every model shipped under resources/models. */
const shipped = listModelDirs(join(__dirname, '../../../resources/models'));

describe('learned: golden parity (1e-4 relative)', () => {
  it.skipIf(!python)('fixture model matches its golden output', async () => {
    const r = await checkGolden(dir, { providers: ['cpu'] });
    expect(r.provider).toBe('cpu');
    expect(r.outputs).toHaveLength(1);
    expect(r.outputs[0]!.shape).toEqual([5, 3]);
    expect(r.outputs[0]!.relErr).toBeLessThan(1e-4);
    expect(r.ok).toBe(true);
  });

  it.skipIf(!python)('a perturbed golden fails the check', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'recon-perturbed-'));
    for (const f of ['model.onnx', 'manifest.json', 'golden-x.npy', 'golden-s.npy', 'golden-y.npy']) copyFileSync(join(dir, f), join(copy, f));
    const y = readFileSync(join(copy, 'golden-y.npy'));
    y[y.length - 1]! ^= 0x01; // flip the lowest mantissa byte's bit of the top half of the last float
    y[y.length - 2]! ^= 0x40;
    writeFileSync(join(copy, 'golden-y.npy'), y);
    const r = await checkGolden(copy, { providers: ['cpu'] });
    expect(r.ok).toBe(false);
    expect(r.outputs[0]!.relErr).toBeGreaterThan(1e-4);
  });

  for (const d of shipped) {
    it(`shipped model ${d.split('/').pop()} matches its golden output`, async () => {
      const r = await checkGolden(d);
      expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
      for (const o of r.outputs) expect(o.relErr, `${o.name}: rel err ${o.relErr}`).toBeLessThanOrEqual(r.rtol);
      expect(r.ok).toBe(true);
    });
  }
});

describe('provider failure notes', () => {
  it('skip WebGPU on Linux without the Vulkan loader, before ORT (and Dawn) print anything', () => {
    expect(providerPrecheck('webgpu', 'linux', () => false)).toBe('no Vulkan loader (libvulkan.so.1) on this machine');
    expect(providerPrecheck('webgpu', 'linux', () => true)).toBeNull();
    expect(providerPrecheck('webgpu', 'win32', () => false)).toBeNull();
    expect(providerPrecheck('cuda', 'linux', () => false)).toBeNull();
    expect(providerPrecheck('cpu', 'linux', () => false)).toBeNull();
  });

  it('find a shared library through LD_LIBRARY_PATH or the ld.so cache', () => {
    const d = mkdtempSync(join(tmpdir(), 'recon-ld-'));
    writeFileSync(join(d, 'libfoo.so.1'), '');
    const cache = join(d, 'ld.so.cache');
    writeFileSync(cache, Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from('libbar.so.2\0/usr/lib/libbar.so.2\0')]));
    expect(sharedLibraryFindable('libfoo.so.1', { LD_LIBRARY_PATH: `/nonexistent:${d}` }, cache)).toBe(true);
    expect(sharedLibraryFindable('libbar.so.2', {}, cache)).toBe(true);
    expect(sharedLibraryFindable('libbaz.so.3', { LD_LIBRARY_PATH: d }, cache)).toBe(false);
    expect(sharedLibraryFindable('libbaz.so.3', {}, join(d, 'missing-cache'))).toBe(true); // unknown: let ORT try
  });

  it('keep the reason of an ORT assertion, not its source location and condition', async () => {
    const { providerFailureReason } = await import('./session');
    const webgpu = new Error('/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\n');
    expect(providerFailureReason(webgpu)).toBe('Failed to get a WebGPU adapter: No supported adapters');
    expect(providerFailureReason(new Error('OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library'))).toBe('OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library');
    expect(providerFailureReason(new Error('/src/x.cc:12 something else\nmore'))).toBe('something else');
    expect(providerFailureReason('x'.repeat(400))).toHaveLength(300);
  });
});
