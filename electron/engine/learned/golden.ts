/**
 * Golden parity: run a model's stored golden input through onnxruntime-node and
 * compare with the golden output the Python exporter computed in PyTorch. The
 * contract (issue 5) is agreement within 1e-4 relative, measured here as
 * max |ort - golden| / max |golden| per output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadManifest, type LoadedManifest } from './manifest';
import { readNpy, type NpyArray } from './npy';
import { getSession, ort, type SessionOptions } from './session';

export interface OutputParity {
  name: string;
  shape: number[];
  maxAbsErr: number;
  relErr: number;
  ok: boolean;
}

export interface GoldenReport {
  model: string;
  sha256: string;
  provider: string;
  notes: string[];
  rtol: number;
  outputs: OutputParity[];
  ok: boolean;
  ms: number;
}

export function npyToTensor(a: NpyArray): ort.Tensor {
  if (a.dtype === 'float64') return new ort.Tensor('float64', a.data as Float64Array, a.shape);
  if (a.dtype === 'int64') return new ort.Tensor('int64', a.data as BigInt64Array, a.shape);
  if (a.dtype === 'int32') return new ort.Tensor('int32', a.data as Int32Array, a.shape);
  if (a.dtype === 'bool') return new ort.Tensor('bool', a.data as Uint8Array, a.shape);
  return new ort.Tensor('float32', a.data as Float32Array, a.shape);
}

function toNumbers(d: ort.Tensor['data'] | NpyArray['data']): Float64Array {
  if (d instanceof BigInt64Array) return Float64Array.from(d, Number);
  return Float64Array.from(d as ArrayLike<number>);
}

export async function checkGolden(dirOrLoaded: string | LoadedManifest, opts: SessionOptions = {}): Promise<GoldenReport> {
  const m = typeof dirOrLoaded === 'string' ? loadManifest(dirOrLoaded) : dirOrLoaded;
  const read = (f: string) => readNpy(readFileSync(join(m.dir, f)), join(m.dir, f));
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, file] of Object.entries(m.manifest.golden.inputs)) feeds[name] = npyToTensor(read(file));
  const loaded = await getSession(m.modelPath, m.sha256, opts);
  const t0 = performance.now();
  const results = await loaded.session.run(feeds);
  const ms = performance.now() - t0;
  const rtol = m.manifest.golden.rtol;
  const outputs: OutputParity[] = [];
  for (const [name, file] of Object.entries(m.manifest.golden.outputs)) {
    const want = read(file);
    const got = results[name];
    if (!got) throw new Error(`${m.manifestPath}: model produced no output "${name}" (it has ${Object.keys(results).join(', ')})`);
    const same = got.dims.length === want.shape.length && got.dims.every((d, i) => d === want.shape[i]);
    if (!same) throw new Error(`${m.manifestPath}: output "${name}" is [${got.dims.join('x')}] but golden ${file} is [${want.shape.join('x')}]`);
    const a = toNumbers(got.data), b = toNumbers(want.data);
    let maxAbsErr = 0, scale = 0;
    for (let i = 0; i < b.length; i++) {
      maxAbsErr = Math.max(maxAbsErr, Math.abs(a[i]! - b[i]!));
      scale = Math.max(scale, Math.abs(b[i]!));
    }
    const relErr = maxAbsErr / Math.max(scale, 1e-30);
    outputs.push({ name, shape: [...got.dims], maxAbsErr, relErr, ok: Number.isFinite(relErr) && relErr <= rtol });
  }
  return { model: m.manifest.name, sha256: m.sha256, provider: loaded.provider, notes: loaded.notes, rtol, outputs, ok: outputs.every((o) => o.ok), ms };
}
