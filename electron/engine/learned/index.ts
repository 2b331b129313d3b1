export * from './manifest';
export * from './npy';
export * from './session';
export * from './golden';
export * from './dft-matrix';
export * from './cascade-model';
export * from './image-model';
