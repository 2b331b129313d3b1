/**
 * The renderer's browser-mode client (renderer/src/lib/api) against the real
 * server and the real compute host. Node 20 has no WebSocket global, so the
 * `ws` package's client (same event API) stands in for the browser's.
 *
 * Excluded from electron/server/tsconfig.json: it imports renderer code, which
 * is DOM-typed and checked by svelte-check; vitest runs it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectBrowser, socketUrl } from '../../renderer/src/lib/api/ws-client';
import { planBatches, uploadFiles } from '../../renderer/src/lib/api/upload';
import type { ConnectionState } from '../../renderer/src/lib/api/client';
import { startServer, type RunningServer } from './server';

const rendererDir = fileURLToPath(new URL('../../out/renderer', import.meta.url));
const computeEntry = fileURLToPath(new URL('../compute/index.ts', import.meta.url));

let server: RunningServer;

beforeAll(async () => {
  if (!existsSync(`${rendererDir}/index.html`)) throw new Error('out/renderer is missing: run `npx electron-vite build` first');
  (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
  server = await startServer({ rendererDir, computeEntry, computeExecArgv: ['--import', 'tsx'], log: () => {} });
});

afterAll(async () => {
  await server?.close();
});

describe('renderer WebSocket client', () => {
  it('builds the socket URL from the page location, token included', () => {
    expect(socketUrl({ protocol: 'http:', host: '127.0.0.1:5178', search: '?token=abc' })).toBe('ws://127.0.0.1:5178/ws?token=abc');
    expect(socketUrl({ protocol: 'https:', host: 'lab:1', search: '' })).toBe('wss://lab:1/ws');
  });

  it('refuses to connect without the token, with words for the user', async () => {
    await expect(connectBrowser(`ws://127.0.0.1:${server.port}/ws`)).rejects.toThrow(/including its \?token=/);
  });

  it('connects, reports the state, and turns a host error into an Error with its message', async () => {
    const client = await connectBrowser(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
    const states: ConnectionState[] = [];
    client.onState((s) => states.push(s));
    expect(states).toEqual(['open']);
    expect(client.mode).toBe('browser');
    // @ts-expect-error: a method outside the contract, as a buggy caller might send.
    await expect(client.call('no-such-method', {})).rejects.toThrow(/no-such-method/);
  });

  it('round-trips info through server and host (needs the host to answer `info`)', async () => {
    const client = await connectBrowser(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
    const info = await client.call('info', {});
    expect(info.engineVersion.length).toBeGreaterThan(0);
  });

  it('uploads a bad file and gets its error in words (needs the host to answer `upload`)', async () => {
    const client = await connectBrowser(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
    const bad = new File([new Uint8Array([1, 2, 3, 4, 5])], 'not-a-scan.dcm');
    const result = await uploadFiles(client, [bad]);
    expect(result.datasets).toHaveLength(0);
    expect(result.errors[0]?.path).toContain('not-a-scan.dcm');
    expect(result.errors[0]?.message.length).toBeGreaterThan(0);
  });
});

describe('upload batching', () => {
  it('keeps each batch under the limit and gives an oversized file its own', () => {
    const sizes = [100, 100, 100, 500, 10, 10].map((size) => ({ size }));
    expect(planBatches(sizes, 250).map((b) => b.map((f) => f.size))).toEqual([[100, 100], [100], [500], [10, 10]]);
    expect(planBatches([], 250)).toEqual([]);
    expect(planBatches(sizes, 10_000, 2).map((b) => b.length)).toEqual([2, 2, 2]);
  });
});
