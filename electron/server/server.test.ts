/**
 * Browser mode against real processes: the server in this process, the real
 * compute host forked through tsx, the built renderer (run `npx electron-vite
 * build` once so out/renderer exists), sockets from the `ws` client.
 */
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeFrame, encodeFrame, type HostMessage } from '../contracts';
import { cookieName } from './http-guard';
import { startServer, type RunningServer } from './server';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const rendererDir = fileURLToPath(new URL('../../out/renderer', import.meta.url));
const computeEntry = fileURLToPath(new URL('../compute/index.ts', import.meta.url));

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw GET (fetch would normalise the path and forbid a forged Host header). */
function get(server: RunningServer, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: { host: `127.0.0.1:${server.port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a socket; resolves when open, rejects with the HTTP status when the upgrade is refused. */
function openSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Collects every decoded message a socket receives. */
function inbox(ws: WebSocket): HostMessage[] {
  const messages: HostMessage[] = [];
  ws.on('message', (data: Buffer) => messages.push(decodeFrame(data) as HostMessage));
  return messages;
}

async function waitFor<T>(find: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

let server: RunningServer;
let wsUrl: string;

beforeAll(async () => {
  if (!existsSync(`${rendererDir}/index.html`)) throw new Error('out/renderer is missing: run `npx electron-vite build` first');
  process.chdir(repoRoot);
  server = await startServer({ rendererDir, computeEntry, computeExecArgv: ['--import', 'tsx'], log: () => {} });
  wsUrl = `ws://127.0.0.1:${server.port}/ws`;
});

afterAll(async () => {
  await server?.close();
});

describe('browser-mode HTTP', () => {
  it('prints a loopback URL with a 64-hex-digit token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a request without the token, or with a wrong one, in one line', async () => {
    for (const path of ['/', '/index.html', '/?token=nope', `/?token=${server.token.slice(1)}`]) {
      const res = await get(server, path);
      expect(res.status, path).toBe(403);
      expect(res.body.trim().split('\n')).toHaveLength(1);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('serves index.html with the token, sets a strict cookie, and serves assets with that cookie alone', async () => {
    const res = await get(server, `/?token=${server.token}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<div id="app">');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
    expect(csp).toContain("frame-ancestors 'none'");
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toContain(`${cookieName(server.port)}=${server.token}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);

    const script = /src="\.?\/?(assets\/[^"]+\.js)"/.exec(res.body)?.[1];
    expect(script).toBeDefined();
    const asset = await get(server, `/${script}`, { cookie: `${cookieName(server.port)}=${server.token}` });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/^text\/javascript/);
    // The same asset without the cookie is refused.
    expect((await get(server, `/${script}`)).status).toBe(403);
  });

  it('never lists a directory or leaves the renderer folder', async () => {
    const cookie = { cookie: `${cookieName(server.port)}=${server.token}` };
    expect((await get(server, '/assets', cookie)).status).toBe(404);
    for (const path of ['/../main/compute.js', '/%2e%2e/main/compute.js', '/assets/..%2f..%2fmain%2fcompute.js', '/..%5cmain%5ccompute.js', '/index.html%00']) {
      const res = await get(server, path, cookie);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.body).not.toContain('compute host');
    }
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const res = await get(server, `/?token=${server.token}`, { host: `evil.example:${server.port}` });
    expect(res.status).toBe(421);
  });
});

describe('browser-mode WebSocket', () => {
  it('refuses an upgrade without the token, with a wrong token, or from a foreign origin', async () => {
    await expect(openSocket(wsUrl)).rejects.toThrow(/refused with 403/);
    await expect(openSocket(`${wsUrl}?token=x${server.token.slice(1)}`)).rejects.toThrow(/refused with 403/);
    await expect(openSocket(`${wsUrl}?token=${server.token}`, { origin: 'http://evil.example' })).rejects.toThrow(/refused with 403/);
    // The page's own origin with the cookie is what a browser sends: accepted.
    const ws = await openSocket(wsUrl, { origin: server.origin, cookie: `${cookieName(server.port)}=${server.token}` });
    ws.close();
  });

  it('relays an info call to the compute host and back (needs the host to answer `info`)', async () => {
    const ws = await openSocket(`${wsUrl}?token=${server.token}`);
    const got = inbox(ws);
    ws.send(encodeFrame({ kind: 'call', id: 5, method: 'info', params: {} }));
    const reply = await waitFor(() => got.find((m) => m.kind !== 'event' && m.id === 5), 'the info answer');
    expect(reply).toMatchObject({ kind: 'result', id: 5, result: { engineVersion: expect.any(String) } });
    ws.close();
  });

  it('routes answers to the right tab when two tabs use the same call ids', async () => {
    const a = await openSocket(`${wsUrl}?token=${server.token}`);
    const b = await openSocket(`${wsUrl}?token=${server.token}`);
    const gotA = inbox(a);
    const gotB = inbox(b);
    a.send(encodeFrame({ kind: 'call', id: 1, method: 'no-such-method-a', params: {} }));
    b.send(encodeFrame({ kind: 'call', id: 1, method: 'no-such-method-b', params: {} }));
    const ra = await waitFor(() => gotA.find((m) => m.kind === 'error'), 'tab A answer');
    const rb = await waitFor(() => gotB.find((m) => m.kind === 'error'), 'tab B answer');
    expect(ra).toMatchObject({ kind: 'error', id: 1, message: expect.stringContaining('no-such-method-a') });
    expect(rb).toMatchObject({ kind: 'error', id: 1, message: expect.stringContaining('no-such-method-b') });
    a.close();
    b.close();
  });

  it('answers a call the host rejects with an error envelope', async () => {
    const ws = await openSocket(`${wsUrl}?token=${server.token}`);
    const got = inbox(ws);
    ws.send(encodeFrame({ kind: 'call', id: 9, method: 'slice', params: { ref: { kind: 'dataset', datasetId: 'nope' }, index: -1 } }));
    const reply = await waitFor(() => got.find((m) => m.kind !== 'event' && m.id === 9), 'the error');
    expect(reply.kind).toBe('error');
    expect((reply as { message: string }).message.length).toBeGreaterThan(0);
    ws.close();
  });

  it('closes a socket that sends garbage and keeps serving others', async () => {
    const bad = await openSocket(`${wsUrl}?token=${server.token}`);
    const closed = new Promise<number>((resolve) => bad.once('close', (code) => resolve(code)));
    bad.send(Buffer.from('this is not a frame'));
    expect(await closed).toBe(1007);

    const text = await openSocket(`${wsUrl}?token=${server.token}`);
    const closedText = new Promise<number>((resolve) => text.once('close', (code) => resolve(code)));
    text.send('{"kind":"call","id":1,"method":"info","params":{}}');
    expect(await closedText).toBe(1007);

    // A well-formed frame holding a malformed call gets an error, not a hang-up.
    const ws = await openSocket(`${wsUrl}?token=${server.token}`);
    const got = inbox(ws);
    ws.send(encodeFrame({ kind: 'call', id: 3, method: 'info', params: {}, extra: true }));
    expect(await waitFor(() => got.find((m) => m.kind === 'error'), 'malformed-call error')).toMatchObject({ id: 3 });
    expect((await get(server, `/?token=${server.token}`)).status).toBe(200);
    ws.close();
  });

  it('tells every tab when the host dies, fails its pending calls, and restarts it', async () => {
    const ws = await openSocket(`${wsUrl}?token=${server.token}`);
    const got = inbox(ws);
    const pid = server.hostPid();
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGKILL');
    const notice = await waitFor(() => got.find((m) => m.kind === 'event' && m.event.type === 'notice'), 'the restart notice');
    expect(notice).toMatchObject({ event: { level: 'error', message: expect.stringMatching(/compute host stopped/) } });
    await waitFor(() => (server.hostPid() !== undefined && server.hostPid() !== pid ? true : undefined), 'a new host');
    ws.close();
  });
});
