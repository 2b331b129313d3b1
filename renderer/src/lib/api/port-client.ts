/**
 * Desktop transport: a MessagePort straight to the compute host. Main makes a
 * channel on every page load and after every host restart; the preload hands
 * the page its end with window.postMessage({ type: 'recon:port' }) once we
 * call window.recon.requestPort(). A new port replaces the old one.
 *
 * ArrayBuffers in a call's params are transferred, not copied: the caller's
 * buffers are detached afterwards (uploads do not need them again).
 */
import { collectBuffers, PORT_MESSAGE, type ReconApi } from '@contracts';
import type { WorkspaceClient } from './client';
import { RpcCore } from './rpc';

/** How long to wait for main's first port before telling the user something is wrong. */
const FIRST_PORT_TIMEOUT_MS = 20_000;

export function connectDesktop(api: ReconApi, validateResults = false): Promise<WorkspaceClient> {
  const core = new RpcCore({ validateResults });
  let port: MessagePort | null = null;

  function adopt(next: MessagePort): void {
    if (port) {
      port.close();
      // The old host (or page load) is gone; what was sent over it is lost.
      core.detach('the compute host restarted before answering');
    }
    port = next;
    next.onmessage = (event: MessageEvent) => core.receive(event.data);
    // Chromium fires 'close' when the other end goes (the host died). Main
    // will send a fresh port once the host is back.
    next.addEventListener('close', () => {
      if (port !== next) return;
      port = null;
      core.detach('the compute host stopped before answering');
    });
    next.start();
    core.attach((message) => next.postMessage(message, collectBuffers(message)));
  }

  window.addEventListener('message', (event: MessageEvent) => {
    // Only the preload (same window, same origin) hands out ports; an iframe cannot.
    if (event.source !== window || event.origin !== window.location.origin) return;
    if ((event.data as { type?: unknown } | null)?.type !== PORT_MESSAGE) return;
    const next = event.ports[0];
    if (next) adopt(next);
  });

  const client: WorkspaceClient = {
    mode: 'desktop',
    call: (method, params) => core.call(method, params),
    onEvent: (handler) => core.onEvent(handler),
    onState: (handler) => core.onState(handler),
    chooseFiles: (options) => api.chooseFiles(options),
    pathsForFiles: (files) => files.map((f) => api.pathForFile(f)),
  };

  return new Promise<WorkspaceClient>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('The compute host did not connect. Restart Recon Studio; if it persists, see the log.'));
    }, FIRST_PORT_TIMEOUT_MS);
    const off = core.onState((state) => {
      if (state !== 'open') return;
      clearTimeout(timer);
      queueMicrotask(() => off());
      resolve(client);
    });
    api.requestPort();
  });
}
