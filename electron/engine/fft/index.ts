/**
 * Centred orthonormal FFTs for any length (pure TypeScript). fftc/fft2c and
 * friends are what the rest of the engine uses; getPlan is the lower level
 * (unnormalised, uncentred, interleaved float64) for kernels that need it.
 */
export { fftc, ifftc, fft2c, ifft2c, fft2cBatch, fftcAxis } from './centered';
export { getPlan, clearPlanCache, MAX_GENERIC_RADIX, MAX_FFT_LENGTH } from './plan';
export { factorize } from './mixed-radix';
export type { FftPlan, FftScratch } from './base';
