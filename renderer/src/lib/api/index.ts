/**
 * The only code in the renderer that touches window.recon. Components import
 * from here, so the transport (Electron's preload today, a WebSocket in
 * browser mode later) can change without touching them.
 */
import type { AppInfo, ReconApi } from '@contracts';

export type { AppInfo };

/** What the renderer is connected to: the desktop app, or nothing (a plain browser preview). */
export type Connection = { kind: 'desktop'; info: AppInfo } | { kind: 'preview' };

function bridge(): ReconApi | undefined {
  return typeof window === 'undefined' ? undefined : window.recon;
}

/** True when running inside the desktop app (the preload exposed window.recon). */
export function isDesktop(): boolean {
  return bridge() !== undefined;
}

/** Application and engine versions, or `preview` when no backend is attached. */
export async function loadConnection(): Promise<Connection> {
  const api = bridge();
  if (!api) return { kind: 'preview' };
  return { kind: 'desktop', info: await api.info() };
}
