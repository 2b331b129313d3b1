/**
 * Seeded undersampling masks ([ky][kx] of 0/1, array/layout.ts). Every sampler
 * draws from createRng(spec.seed, 'mask'); Math.random is never used, so the
 * same spec and matrix always give the same bytes.
 */
import { createRng } from '../array';
import type { RTensor } from '../array';
import { lineMask } from './line-masks';
import { poissonMask } from './poisson';
import type { Mask, MaskSpec } from './types';
import { achievedAccel, validateMaskSpec } from './types';

export type { DataMaskSpec, LineMaskSpec, Mask, MaskSpec, PoissonMaskSpec } from './types';
export { achievedAccel, isMask, validateMaskSpec } from './types';
export { maskFromData, maskFromKSpace } from './from-data';

/** Build the mask for `spec` on an ny x nx grid (ny = phase-encode rows). */
export function makeMask(spec: MaskSpec, ny: number, nx: number): Mask {
  validateMaskSpec(spec, ny, nx);
  const data = new Float32Array(ny * nx);
  if (spec.kind === 'poisson') {
    const res = poissonMask(ny, nx, spec.accel, spec.calib, spec.seed);
    for (let i = 0; i < data.length; i++) data[i] = res.mask[i]!;
    return { shape: [ny, nx], data, spec: { ...spec }, accel: res.accel };
  }
  const { rows, center } = lineMask(spec, ny, createRng(spec.seed, 'mask'));
  for (let y = 0; y < ny; y++) if (rows[y]! !== 0) data.fill(1, y * nx, (y + 1) * nx);
  const mask: Mask = { shape: [ny, nx], data, spec: { ...spec }, accel: achievedAccel(data) };
  if (center[1] > center[0]) mask.centerLines = center;
  return mask;
}

/** The mask as the RTensor [ky][kx] that ReconInput and KSpaceVolume carry (shares data). */
export function maskTensor(mask: Mask): RTensor {
  return { shape: [...mask.shape], data: mask.data };
}
