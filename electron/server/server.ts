/**
 * Browser mode: the built renderer over HTTP and the workspace protocol over
 * a WebSocket, relayed to one compute host. Bound to loopback by default;
 * every request needs the per-run token (in the URL once, then a cookie).
 *
 * Each WebSocket message is one wire.ts frame holding a ClientMessage (to the
 * server) or a HostMessage (to the tab), ArrayBuffers included.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ClientMessageSchema, decodeFrame, encodeFrame, type HostMessage } from '../contracts';
import { contentTypeFor } from '../main/security';
import {
  allowedHost,
  allowedOrigin,
  contentSecurityPolicy,
  cookieName,
  hostPort,
  readCookie,
  resolveAsset,
  tokenMatches,
} from './http-guard';
import { startRelay, type Peer } from './relay';

export interface ServerOptions {
  /** Interface to bind; loopback unless the user asks otherwise. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Defaults to 32 random bytes in hex. */
  token?: string;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** The compute host's entry (out/main/compute.js, or electron/compute/index.ts with tsx). */
  computeEntry: string;
  computeExecArgv?: string[];
  log?(line: string): void;
}

export interface RunningServer {
  /** http://host:port/?token=... — what the user opens. */
  url: string;
  origin: string;
  token: string;
  port: number;
  /** The compute host's process id right now (undefined while it restarts). */
  hostPid(): number | undefined;
  close(): Promise<void>;
}

/** Whole uploads travel in frames; the renderer batches under ~256 MiB, this is the hard ceiling. */
export const MAX_FRAME_BYTES = 1024 ** 3;

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(32).toString('hex');
  const log = options.log ?? ((line: string) => console.error(line));
  let port = 0; // known once listening
  let csp = '';

  const baseHeaders = (): Record<string, string> => ({
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  });

  function refuse(res: ServerResponse, status: number, text: string): void {
    res.writeHead(status, { ...baseHeaders(), 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`${text}\n`);
  }

  /** The token from ?token= or the cookie; `fromQuery` says whether to set the cookie. */
  function authenticate(req: IncomingMessage, url: URL): { ok: boolean; fromQuery: boolean } {
    const query = url.searchParams.get('token');
    if (query !== null) return { ok: tokenMatches(query, token), fromQuery: true };
    return { ok: tokenMatches(readCookie(req.headers.cookie, cookieName(port)), token), fromQuery: false };
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHost(req.headers.host, host, port)) {
      return refuse(res, 421, `This server only answers to ${hostPort(host, port)} (Host header ${JSON.stringify(req.headers.host ?? '')}).`);
    }
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const auth = authenticate(req, url);
    if (!auth.ok) {
      return refuse(res, 403, 'Forbidden: open the URL printed by `npm run serve`, including its ?token=.');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Method not allowed.');
    const file = resolveAsset(options.rendererDir, url.pathname);
    const info = file ? await stat(file).catch(() => null) : null;
    if (!file || !info?.isFile()) return refuse(res, 404, 'Not found.');
    const headers: Record<string, string | string[]> = {
      ...baseHeaders(),
      'Content-Type': contentTypeFor(file),
      'Content-Length': String(info.size),
    };
    if (auth.fromQuery) {
      // Lets the page's own asset and socket requests in without the token in every URL.
      headers['Set-Cookie'] = `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  }

  const http = createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      log(`recon-studio serve: ${req.method} ${req.url}: ${String(err)}`);
      if (!res.headersSent) refuse(res, 500, 'Internal error.');
      else res.destroy();
    });
  });

  // --- WebSocket: /ws, token and origin checked before the upgrade completes.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const peers = new Map<WebSocket, Peer>();

  function sendTo(ws: WebSocket, frame: Uint8Array): void {
    if (ws.readyState === ws.OPEN) ws.send(frame, { binary: true });
  }

  const relay = startRelay({
    entry: options.computeEntry,
    ...(options.computeExecArgv ? { execArgv: options.computeExecArgv } : {}),
    log,
    broadcast(message: HostMessage) {
      if (peers.size === 0) return;
      const frame = safeEncode(message);
      if (frame) for (const ws of peers.keys()) sendTo(ws, frame);
    },
  });

  function safeEncode(message: HostMessage): Uint8Array | null {
    try {
      return encodeFrame(message);
    } catch (err) {
      log(`recon-studio serve: could not encode a host message: ${String(err)}`);
      return null;
    }
  }

  function rejectUpgrade(socket: Duplex, status: number, reason: string): void {
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${reason}\n`);
  }

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    if (url.pathname !== '/ws') return rejectUpgrade(socket, 404, 'Not Found');
    if (!allowedHost(req.headers.host, host, port)) return rejectUpgrade(socket, 421, 'Misdirected Request');
    if (!allowedOrigin(req.headers.origin, req.headers.host)) return rejectUpgrade(socket, 403, 'Forbidden origin');
    if (!authenticate(req, url).ok) return rejectUpgrade(socket, 403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws));
  });

  function onSocket(ws: WebSocket): void {
    const peer: Peer = {
      send(message) {
        const frame = safeEncode(message);
        if (frame) sendTo(ws, frame);
      },
    };
    peers.set(ws, peer);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      let raw: unknown;
      try {
        if (!isBinary) throw new Error('text frames are not part of the protocol');
        raw = decodeFrame(Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? data : new Uint8Array(data));
      } catch (err) {
        // A client that sends garbage is broken or hostile: say why and hang up.
        log(`recon-studio serve: closed a socket after a bad frame: ${err instanceof Error ? err.message : String(err)}`);
        ws.close(1007, 'invalid frame');
        return;
      }
      const parsed = ClientMessageSchema.safeParse(raw);
      if (!parsed.success) {
        const id = (raw as { id?: unknown } | null)?.id;
        if (Number.isSafeInteger(id) && (id as number) >= 0) {
          peer.send({ kind: 'error', id: id as number, message: `malformed call: ${parsed.error.issues[0]?.message ?? 'invalid'}` });
        } else {
          ws.close(1007, 'invalid message');
        }
        return;
      }
      relay.call(peer, parsed.data);
    });
    ws.on('close', () => {
      peers.delete(ws);
      relay.drop(peer);
    });
    ws.on('error', (err) => log(`recon-studio serve: socket error: ${err.message}`));
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => {
      http.off('error', reject);
      resolve();
    });
  }).catch(async (err: unknown) => {
    await relay.close();
    throw err;
  });
  port = (http.address() as AddressInfo).port;
  csp = contentSecurityPolicy(host, port);
  const origin = `http://${hostPort(host, port)}`;

  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    port,
    hostPid: () => relay.hostPid(),
    async close() {
      for (const ws of peers.keys()) ws.terminate();
      wss.close();
      http.closeAllConnections();
      await Promise.all([new Promise<void>((resolve) => http.close(() => resolve())), relay.close()]);
    },
  };
}
