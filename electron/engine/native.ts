/**
 * Node-side loader of the optional native addon (native/, built by
 * `node native/build.mjs`). It is the one engine file outside io/, export/,
 * learned/ and jobs/ that touches node:*, and no engine module imports it:
 * entry points call installNative() once at start-up (the CLI, the compute
 * host, benchmarks), and the engine's fft and wavelet modules then route their
 * kernels through the backends it installs (fft/backend.ts, linop/wavelet.ts).
 *
 * RECON_NATIVE=0 disables it; RECON_NATIVE_PATH points at a specific .node
 * file. A missing or unloadable addon is not an error: the TypeScript kernels
 * run, and the returned status says why.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setFftBackend } from './fft/backend';
import { setWaveletBackend } from './linop/wavelet';
import { setSenseBackend } from './linop/mri';

/** What the addon exports (native/src/recon_native.c). */
export interface NativeAddon {
  fft2cBatch(x: Float32Array, out: Float32Array, batch: number, ny: number, nx: number, inverse: boolean): void;
  /** senseOp(sens, mask, coils, ny, nx) of linop/mri.ts fused per coil: apply, adjoint, and A^H A (out never aliases the input). */
  senseForward(x: Float32Array, sens: Float32Array, mask: Float32Array, coils: number, ny: number, nx: number, out: Float32Array): void;
  senseAdjoint(k: Float32Array, sens: Float32Array, mask: Float32Array, coils: number, ny: number, nx: number, out: Float32Array): void;
  senseNormal(x: Float32Array, sens: Float32Array, mask: Float32Array, coils: number, ny: number, nx: number, out: Float32Array): void;
  wavelet(c: Float32Array, py: number, px: number, levels: number, h: Float64Array, forward: boolean): void;
  info(): { fftw: string; planner: string };
}

export interface NativeStatus {
  loaded: boolean;
  /** The .node file loaded (or the last one tried). */
  path?: string;
  /** FFTW version and planner mode when loaded. */
  detail?: string;
  /** Why the TypeScript kernels are used instead, when not loaded. */
  reason?: string;
}

const FILE = join('native', 'build', 'recon_native.node');

function candidates(): string[] {
  const list = [
    process.env.RECON_NATIVE_PATH,
    resolve(process.cwd(), FILE),
    // Source checkout (electron/engine) and the built bundle (out/main) both sit two levels below the root.
    typeof __dirname === 'string' ? resolve(__dirname, '..', '..', FILE) : undefined,
    // Packaged app: the addon would be shipped beside the asar (not packaged yet).
    (process as { resourcesPath?: string }).resourcesPath ? join((process as { resourcesPath?: string }).resourcesPath!, 'native', 'recon_native.node') : undefined,
  ];
  return list.filter((p): p is string => !!p);
}

let cached: { addon: NativeAddon | null; status: NativeStatus } | undefined;

/** Loads the addon (once) without installing it; for parity tests and benchmarks. */
export function openNative(): { addon: NativeAddon | null; status: NativeStatus } {
  if (cached) return cached;
  if (process.env.RECON_NATIVE === '0') {
    cached = { addon: null, status: { loaded: false, reason: 'disabled by RECON_NATIVE=0' } };
    return cached;
  }
  const explicit = process.env.RECON_NATIVE_PATH;
  const path = explicit ?? candidates().find((p) => existsSync(p));
  if (!path) {
    cached = { addon: null, status: { loaded: false, reason: `${FILE} not built (run: node native/build.mjs)` } };
    return cached;
  }
  try {
    const mod = { exports: {} as NativeAddon };
    process.dlopen(mod, path);
    const addon = mod.exports;
    const info = addon.info();
    cached = { addon, status: { loaded: true, path, detail: `${info.fftw}, ${info.planner} plans` } };
  } catch (e) {
    cached = { addon: null, status: { loaded: false, path, reason: `could not load ${path}: ${(e as Error).message.split('\n')[0]}` } };
  }
  return cached;
}

/** Loads the addon if present and routes the engine's 2D FFTs and wavelets through it. */
export function installNative(): NativeStatus {
  const { addon, status } = openNative();
  if (addon) {
    setFftBackend({ name: 'native-fftw', fft2cBatch: (x, out, batch, ny, nx, inverse) => addon.fft2cBatch(x, out, batch, ny, nx, inverse) });
    setWaveletBackend({ name: 'native', transform: (c, py, px, levels, h, forward) => addon.wavelet(c, py, px, levels, h, forward) });
    // The SENSE model fused per coil (maps, FFT, mask in one pass, and A^H A without the k-space round trip through JS).
    setSenseBackend({
      forward: (x, s, m, c, ny, nx, o) => addon.senseForward(x, s, m, c, ny, nx, o),
      adjoint: (k, s, m, c, ny, nx, o) => addon.senseAdjoint(k, s, m, c, ny, nx, o),
      normal: (x, s, m, c, ny, nx, o) => addon.senseNormal(x, s, m, c, ny, nx, o),
    });
  }
  return status;
}

/** Back to the TypeScript kernels (benchmarks compare both in one run). */
export function uninstallNative(): void {
  setFftBackend(null);
  setWaveletBackend(null);
  setSenseBackend(null);
}
