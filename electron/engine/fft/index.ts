/**
 * Centred orthonormal FFTs for any length (pure TypeScript). fftc/fft2c and
 * friends are what the rest of the engine uses; getPlan is the lower level
 * (unnormalised, uncentred, interleaved float64) for kernels that need it.
 * fft2c, ifft2c and fft2cBatch run on the native backend (FFTW) when a
 * Node-side loader has installed one (setFftBackend; see backend.ts).
 */
export { fftc, ifftc, fft2c, ifft2c, fft2cBatch, fftcAxis } from './centered';
export { getPlan, clearPlanCache, MAX_GENERIC_RADIX, MAX_FFT_LENGTH } from './plan';
export { setFftBackend, getFftBackend } from './backend';
export type { FftBackend } from './backend';
export { factorize } from './mixed-radix';
export type { FftPlan, FftScratch } from './base';
