// The IPC contract shared by main, preload, compute, server and renderer.
// Imports nothing from Node or Electron so every one of them can use it.
export * from './channels';
export * from './schemas';
export * from './api';
export * from './workspace';
export * from './wire';
