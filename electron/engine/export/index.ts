export * from './atomic';
export * from './png';
export * from './report';
export * from './recon-outputs';
