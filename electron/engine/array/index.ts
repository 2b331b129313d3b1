export * from './layout';
export * from './complex';
export * from './random';
export * from './scan';
export * from './orientation';
