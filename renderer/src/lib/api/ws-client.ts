/**
 * Browser-mode transport: a WebSocket to electron/server, one binary wire.ts
 * frame per envelope. The token comes from the page's ?token= (the server
 * also set an HttpOnly cookie that the browser sends with the upgrade, so a
 * reload without the query still works). A lost socket is reopened with a
 * growing delay; calls made meanwhile wait for it.
 */
import { decodeFrame, encodeFrame } from '@contracts';
import type { WorkspaceClient } from './client';
import { RpcCore } from './rpc';

const MIN_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

/** ws(s)://host/ws[?token=...] for the page at `location`. */
export function socketUrl(location: { protocol: string; host: string; search: string }): string {
  const token = new URLSearchParams(location.search).get('token');
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

export function connectBrowser(url = socketUrl(window.location), validateResults = false): Promise<WorkspaceClient> {
  const core = new RpcCore({ validateResults });
  let failures = 0;
  let everOpen = false;

  const client: WorkspaceClient = {
    mode: 'browser',
    call: (method, params) => core.call(method, params),
    onEvent: (handler) => core.onEvent(handler),
    onState: (handler) => core.onState(handler),
  };

  return new Promise<WorkspaceClient>((resolve, reject) => {
    function open(): void {
      const ws = new WebSocket(url);
      ws.binaryType = 'arraybuffer';
      let opened = false;

      ws.onopen = () => {
        opened = true;
        everOpen = true;
        failures = 0;
        core.attach((message) => ws.send(encodeFrame(message)));
        resolve(client);
      };
      // An error event carries no detail in browsers; the close event that follows decides.
      ws.onerror = () => {};
      ws.onmessage = (event: MessageEvent) => {
        if (!(event.data instanceof ArrayBuffer)) return; // the protocol is binary only
        let message: unknown;
        try {
          message = decodeFrame(event.data);
        } catch (err) {
          console.error('recon-studio: dropped a bad frame from the server:', err);
          return;
        }
        core.receive(message);
      };
      ws.onclose = (event: CloseEvent) => {
        if (!everOpen) {
          // Never reached: a wrong or missing token (403) looks the same from here.
          core.close('not connected');
          reject(
            new Error(
              `Could not connect to the Recon Studio server (${event.code || 'refused'}). ` +
                'Open the exact URL that `npm run serve` printed, including its ?token=.',
            ),
          );
          return;
        }
        if (opened) core.detach('the connection to the server was lost before the answer came');
        const delay = Math.min(MIN_RETRY_MS * 2 ** failures, MAX_RETRY_MS);
        failures += 1;
        setTimeout(open, delay);
      };
    }
    open();
  });
}
