/**
 * ONNX Runtime sessions, cached, on the best execution provider that loads.
 * onnxruntime-node does not fall back by itself: a session asked for CUDA on a
 * machine without CUDA throws. So each provider is tried alone, in order, and
 * every failure becomes a visible note instead of a crash; CPU always closes
 * the list because it is built into every onnxruntime-node binary.
 */
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import * as ort from 'onnxruntime-node';

// ORT's environment logger would print a failed provider's load error to stderr (a red
// "Failed to load library ..." per CLI run on every machine without CUDA) although the
// failure is caught and becomes a note. Errors still reach us as exceptions. Applied when
// the environment is created, i.e. before the first session.
ort.env.logLevel = 'fatal';

export const DEFAULT_PROVIDERS: readonly string[] = ['cuda', 'webgpu', 'cpu'];

const PROVIDER_LABEL: Record<string, string> = { cuda: 'CUDA', webgpu: 'WebGPU', cpu: 'CPU', dml: 'DirectML', coreml: 'CoreML' };
const label = (p: string) => PROVIDER_LABEL[p] ?? p;

export interface SessionOptions {
  /** Providers to try in order; else $RECON_ORT_PROVIDERS (comma separated); else DEFAULT_PROVIDERS. */
  providers?: readonly string[];
}

export interface LoadedSession {
  session: ort.InferenceSession;
  /** The provider the session runs on. */
  provider: string;
  /** One line per provider that failed to load, e.g. "CUDA execution provider unavailable: ...; using CPU". */
  notes: string[];
  key: string;
}

/** The provider order for a request: explicit list, then environment, then the default. */
export function providerOrder(opts: SessionOptions = {}): string[] {
  const env = process.env.RECON_ORT_PROVIDERS;
  const base = opts.providers?.length
    ? [...opts.providers]
    : env
      ? env.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)
      : [...DEFAULT_PROVIDERS];
  const order = base.filter((p, i) => base.indexOf(p) === i);
  if (!order.includes('cpu')) order.push('cpu');
  return order;
}

const cache = new Map<string, Promise<LoadedSession>>();

/**
 * ORT's own error messages run to several lines of C++ context, and an
 * assertion starts with its source location and condition
 * ("/onnxruntime_src/…/webgpu_context.cc:136 …<lambda()> cond was false. Failed
 * to get a WebGPU adapter: …"): keep the first line, minus that prefix.
 */
export function providerFailureReason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  let line = msg.split('\n')[0]!.trim();
  const located = /^\/\S+\.(?:cc|cpp|h):\d+\s/.test(line);
  if (located) {
    const cut = line.lastIndexOf(' was false. ');
    line = cut >= 0 ? line.slice(cut + ' was false. '.length) : line.replace(/^\/\S+\.(?:cc|cpp|h):\d+\s+/, '');
  }
  return line.slice(0, 300);
}
const reason = providerFailureReason;

/** Whether the dynamic loader can find `soname`: $LD_LIBRARY_PATH, then the ld.so cache (Linux only). */
export function sharedLibraryFindable(soname: string, env = process.env, cache = '/etc/ld.so.cache'): boolean {
  for (const dir of (env.LD_LIBRARY_PATH ?? '').split(delimiter).filter(Boolean)) {
    if (existsSync(join(dir, soname))) return true;
  }
  try {
    return readFileSync(cache).includes(soname);
  } catch {
    return true; // no cache to read (another libc): let ORT try
  }
}

/**
 * A reason to skip a provider without asking ORT, or null to try it. On Linux,
 * ORT's WebGPU provider (Dawn) needs the Vulkan loader; without it Dawn prints its
 * own warning to stderr before failing, so it is not tried.
 */
export function providerPrecheck(provider: string, platform: string = process.platform, findable = sharedLibraryFindable): string | null {
  if (provider === 'webgpu' && platform === 'linux' && !findable('libvulkan.so.1')) {
    return 'no Vulkan loader (libvulkan.so.1) on this machine';
  }
  return null;
}

/** ORT's reason plus what the user can do about it. */
function explain(provider: string, why: string): string {
  if (provider === 'cuda' && /Failed to load shared library/i.test(why)) {
    return `${why} (this onnxruntime-node is the CPU build; README "GPU inference" shows how to install the CUDA one)`;
  }
  return why;
}

async function create(modelPath: string, order: string[], key: string): Promise<LoadedSession> {
  const failures: { provider: string; reason: string }[] = [];
  for (const provider of order) {
    const skip = providerPrecheck(provider);
    if (skip) {
      failures.push({ provider, reason: skip });
      continue;
    }
    try {
      // Failed non-CPU attempts would otherwise print ORT's own error log; the note carries the reason.
      const session = await ort.InferenceSession.create(modelPath, {
        executionProviders: [provider],
        logSeverityLevel: provider === 'cpu' ? 2 : 4,
      });
      const notes = failures.map((f) => `${label(f.provider)} execution provider unavailable: ${f.reason}; using ${label(provider)}`);
      return { session, provider, notes, key };
    } catch (e) {
      failures.push({ provider, reason: explain(provider, reason(e)) });
    }
  }
  const detail = failures.map((f) => `${label(f.provider)}: ${f.reason}`).join('; ');
  throw new Error(`${modelPath}: no execution provider could load the model (${detail})`);
}

/**
 * A session for the model at modelPath whose bytes hash to sha256. The same
 * path, hash and provider order give the same session object; a different hash
 * (the file was replaced) gives a fresh one.
 */
export function getSession(modelPath: string, sha256: string, opts: SessionOptions = {}): Promise<LoadedSession> {
  const order = providerOrder(opts);
  const key = `${modelPath}#${sha256}#${order.join(',')}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = create(modelPath, order, key);
    cache.set(key, hit);
    // A failed load must not poison the cache: the next call tries again.
    hit.catch(() => cache.delete(key));
  }
  return hit;
}

export function sessionCacheSize(): number {
  return cache.size;
}

/** Releases every cached session (tests, or when models are replaced on disk). */
export async function clearSessionCache(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  await Promise.all(all.map((p) => p.then((s) => s.session.release()).catch(() => undefined)));
}

export { ort };
