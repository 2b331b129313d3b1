import type { AppInfo } from './schemas';

/** The property of `window` under which the preload exposes the API. */
export const API_GLOBAL = 'recon' as const;

/**
 * What `window.recon` implements: the renderer's only view of the system.
 * Domain methods only; the transport (Electron IPC, or a WebSocket in browser
 * mode) stays behind it.
 */
export interface ReconApi {
  /** Application, engine and runtime versions. */
  info(): Promise<AppInfo>;
}
