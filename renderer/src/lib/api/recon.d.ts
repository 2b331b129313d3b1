import type { ReconApi } from '@contracts';

declare global {
  interface Window {
    /** Exposed by electron/preload; absent in a plain browser. Use src/lib/api, not this. */
    readonly recon?: ReconApi;
  }
}

export {};
