/**
 * The only code in the renderer that touches window.recon or the network.
 * Components call connect() once and use the WorkspaceClient it gives; the
 * transport (desktop MessagePort or browser-mode WebSocket) stays in here.
 */
import type { AppInfo, ReconApi } from '@contracts';
import type { WorkspaceClient } from './client';
import { connectDesktop } from './port-client';
import { connectBrowser } from './ws-client';

export type { AppInfo };
export type { ConnectionState, WorkspaceClient } from './client';
export { uploadFiles, uploadName } from './upload';

/** What the renderer is connected to: the desktop app, or nothing (a plain browser preview). */
export type Connection = { kind: 'desktop'; info: AppInfo } | { kind: 'preview' };

function bridge(): ReconApi | undefined {
  return typeof window === 'undefined' ? undefined : window.recon;
}

/** True when running inside the desktop app (the preload exposed window.recon). */
export function isDesktop(): boolean {
  return bridge() !== undefined;
}

/**
 * Connects to the compute host: over the preload's MessagePort in the
 * desktop app, over a WebSocket to the page's own server in browser mode.
 * Resolves once the link is open; calls made later during a reconnect wait
 * for it. Rejects with a message for the user when no link can be made.
 */
export function connect(): Promise<WorkspaceClient> {
  const api = bridge();
  const validate = import.meta.env.DEV;
  return api ? connectDesktop(api, validate) : connectBrowser(undefined, validate);
}

/** Application and engine versions, or `preview` when no backend is attached. */
export async function loadConnection(): Promise<Connection> {
  const api = bridge();
  if (!api) return { kind: 'preview' };
  return { kind: 'desktop', info: await api.info() };
}
