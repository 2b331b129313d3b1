export * from './types';
export * from './zero-filled';
import { zeroFilled } from './zero-filled';
import type { ReconMethod } from './types';

/** Every method the engine offers, by id. New methods register here. */
export const methods: Record<string, ReconMethod<object>> = {
  [zeroFilled.id]: zeroFilled as unknown as ReconMethod<object>,
};
