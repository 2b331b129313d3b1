export * from './linop';
export * from './mri';
export * from './wavelet';
export * from './finite-diff';
