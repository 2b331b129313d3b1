import { fork, type ChildProcess } from 'node:child_process';
import { constants as osConstants, getPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ComputeResponseSchema, type ComputeResponse } from '../contracts';
import { ENGINE_VERSION } from '../engine/version';

const entry = fileURLToPath(new URL('./index.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Starts the host the way plain Node (CLI, browser mode) does: child_process.fork, TS via tsx. */
function startHost(): ChildProcess {
  return fork(entry, [], { cwd: repoRoot, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
}

function nextMessage(child: ChildProcess): Promise<ComputeResponse> {
  return new Promise((resolve, reject) => {
    child.once('message', (raw) => resolve(ComputeResponseSchema.parse(raw)));
    child.once('exit', (code) => reject(new Error(`compute host exited early with code ${code}`)));
  });
}

function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

let child: ChildProcess | undefined;
afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill();
  child = undefined;
});

describe('compute host under child_process.fork', () => {
  it('answers a ping with a pong carrying the engine version, then exits cleanly when the parent lets go', async () => {
    child = startHost();
    const reply = nextMessage(child);
    child.send({ type: 'ping', id: 41 });
    expect(await reply).toEqual({ type: 'pong', id: 41, engineVersion: ENGINE_VERSION });

    const exited = exitCode(child);
    child.disconnect();
    expect(await exited).toBe(0);
  });

  it('reports a malformed request instead of crashing, and keeps serving', async () => {
    child = startHost();
    const error = nextMessage(child);
    child.send({ type: 'ping', id: 'seven' });
    const reply = await error;
    expect(reply.type).toBe('error');

    const pong = nextMessage(child);
    child.send({ type: 'ping', id: 8 });
    expect(await pong).toMatchObject({ type: 'pong', id: 8 });
  });

  it('exits with code 0 when asked to shut down', async () => {
    child = startHost();
    const exited = exitCode(child);
    child.send({ type: 'shutdown' });
    expect(await exited).toBe(0);
  });

  it('runs below normal priority so the window keeps a core while it computes', async () => {
    child = startHost();
    const pong = nextMessage(child);
    child.send({ type: 'ping', id: 9 });
    await pong; // past start-up, where the priority is set
    expect(getPriority(child.pid!)).toBeGreaterThanOrEqual(osConstants.priority.PRIORITY_BELOW_NORMAL);
  });
});
