/**
 * Coil-sensitivity estimation from the fully sampled k-space centre
 * (ESPIRiT by default, Walsh as the cheap alternative). Maps are unit-norm
 * over coils where they are defined, zero elsewhere, with BART's phase
 * convention (see espirit.ts), laid out [coil][y][x] per slice like every
 * other coil map in the engine (array/layout.ts).
 */
import type { CTensor } from '../../array';
import { espirit, type EspiritOptions, type SensitivityEstimate } from './espirit';
import { walsh, type WalshOptions } from './walsh';

export { espirit, espiritDefaults, type EspiritOptions, type SensitivityEstimate } from './espirit';
export { walsh, walshDefaults, type WalshOptions } from './walsh';
export { findCalibRegion, sampledPattern, type CalibRegion } from './calib-region';
export { hermitianProjector, symmetricEig } from './hermitian-eig';

export type SensMethod = 'espirit' | 'walsh';

export interface SensOptions extends Partial<EspiritOptions>, Partial<Pick<WalshOptions, 'window'>> {
  method?: SensMethod;
}

function run(kspace: Float32Array, coils: number, ny: number, nx: number, opts: SensOptions): SensitivityEstimate {
  const { method = 'espirit', window, ...esp } = opts;
  if (method === 'walsh') return walsh(kspace, coils, ny, nx, { ...(esp.calib !== undefined ? { calib: esp.calib } : {}), ...(window !== undefined ? { window } : {}) });
  if (method !== 'espirit') throw new RangeError(`unknown coil-sensitivity method "${String(method)}" (espirit or walsh)`);
  return espirit(kspace, coils, ny, nx, esp);
}

/** Maps [coil][y][x] for one slice of k-space [coil][ky][kx] (interleaved complex, unsampled = 0). */
export function estimateSensitivities(kspace: Float32Array, coils: number, ny: number, nx: number, opts: SensOptions = {}): Float32Array {
  return run(kspace, coils, ny, nx, opts).maps;
}

/** Maps [slice][coil][y][x] for k-space [slice][coil][ky][kx], one slice at a time. */
export function estimateSensitivitiesVolume(
  kspace: CTensor,
  opts: SensOptions = {},
  onSlice?: (slice: number, estimate: SensitivityEstimate) => void,
): CTensor {
  const [slices, coils, ny, nx] = kspace.shape;
  if (kspace.shape.length !== 4 || !slices || !coils || !ny || !nx) throw new RangeError(`k-space must be [slice][coil][ky][kx], got [${kspace.shape.join('x')}]`);
  const per = 2 * coils * ny * nx;
  const out = new Float32Array(slices * per);
  for (let s = 0; s < slices; s++) {
    const est = run(kspace.data.subarray(s * per, (s + 1) * per), coils, ny, nx, opts);
    out.set(est.maps, s * per);
    onSlice?.(s, est);
  }
  return { shape: [slices, coils, ny, nx], data: out };
}
