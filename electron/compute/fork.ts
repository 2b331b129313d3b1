/**
 * Starts the compute host with child_process.fork and speaks the workspace
 * protocol to it over the IPC channel (serialization 'advanced', so the
 * ArrayBuffers inside messages survive). Used by tests and plain-Node servers.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { CallParams, CallResult, HostMessage, WorkspaceEvent, WorkspaceMethod } from '../contracts/workspace';

export interface ForkedHost {
  child: ChildProcess;
  call<M extends WorkspaceMethod>(method: M, params: CallParams<M>): Promise<CallResult<M>>;
  /** Sends a raw message (tests of malformed calls); resolves with the answer to `id`. */
  raw(message: { id: number } & Record<string, unknown>): Promise<HostMessage>;
  onEvent(listener: (event: WorkspaceEvent) => void): () => void;
  close(): Promise<void>;
}

export function forkComputeHost(opts: { entry: string; execArgv?: string[]; cwd?: string; env?: NodeJS.ProcessEnv }): ForkedHost {
  const child = fork(opts.entry, [], {
    serialization: 'advanced',
    execArgv: opts.execArgv ?? [],
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map<number, (m: HostMessage) => void>();
  const listeners = new Set<(event: WorkspaceEvent) => void>();
  let exited: Error | undefined;
  child.on('message', (raw) => {
    const m = raw as HostMessage;
    if (m && typeof m === 'object' && m.kind === 'event') for (const l of listeners) l(m.event);
    else if (m && (m.kind === 'result' || m.kind === 'error')) {
      const p = pending.get(m.id);
      pending.delete(m.id);
      p?.(m);
    }
  });
  child.on('exit', (code, signal) => {
    exited = new Error(`compute host exited (code ${code}, signal ${signal})`);
    for (const p of pending.values()) p({ kind: 'error', id: 0, message: exited.message });
    pending.clear();
  });
  const raw = (message: { id: number } & Record<string, unknown>) =>
    new Promise<HostMessage>((resolve) => {
      if (exited) return resolve({ kind: 'error', id: message.id, message: exited.message });
      pending.set(message.id, resolve);
      child.send(message);
    });
  return {
    child,
    raw,
    async call(method, params) {
      const id = nextId++;
      const m = await raw({ kind: 'call', id, method, params });
      if (m.kind === 'error') throw new Error(m.message);
      return (m as { result: unknown }).result as never;
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.disconnect();
        setTimeout(() => child.kill(), 2000).unref();
      });
    },
  };
}
