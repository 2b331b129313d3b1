export * from './types';
export * from './zero-filled';
export * from './cs';
export * from './cirim';
export * from './rim';
export * from './unet';
export * from './describe';
export * from './diffusion';
import { zeroFilled } from './zero-filled';
import { cs } from './cs';
import { cirim } from './cirim';
import { rim } from './rim';
import { unet } from './unet';
import { diffusion } from './diffusion';
import type { ReconMethod } from './types';

/** Every method the engine offers, by id. New methods register here. */
export const methods: Record<string, ReconMethod<object>> = {
  [zeroFilled.id]: zeroFilled as unknown as ReconMethod<object>,
  [cs.id]: cs as unknown as ReconMethod<object>,
  [cirim.id]: cirim as unknown as ReconMethod<object>,
  [rim.id]: rim as unknown as ReconMethod<object>,
  [unet.id]: unet as unknown as ReconMethod<object>,
  [diffusion.id]: diffusion as unknown as ReconMethod<object>,
};
