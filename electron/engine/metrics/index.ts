/** Image-quality metrics with fastMRI's definitions (NMSE, PSNR, SSIM) and HFEN. */
export { nmse, psnr } from './errors';
export { ssim2d, ssimSlices, ssimVolume } from './ssim';
export { hfen, logKernel } from './hfen';
export { sliceMetrics } from './volume';
export type { SliceMetric, VolumeMetrics } from './volume';
