export * from './linop';
export * from './mri';
