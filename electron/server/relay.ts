/**
 * One compute host (child_process.fork) shared by every browser tab.
 *
 * Each tab numbers its calls from its own counter, so the relay gives every
 * call a host-wide id, remembers which socket and which id it came with, and
 * routes the answer back. Events belong to everyone and go to all sockets.
 * If the host dies, its pending calls fail with a message in words, every tab
 * gets a notice, and the host is started again with a growing delay.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { ClientMessage, HostMessage } from '../contracts';

/** What the relay needs of a connected tab (a WebSocket, wrapped by the server). */
export interface Peer {
  send(message: HostMessage): void;
}

export interface RelayOptions {
  entry: string;
  execArgv?: string[];
  /** Called for each message that must reach every peer (events). */
  broadcast(message: HostMessage): void;
  log?(line: string): void;
}

export interface Relay {
  /** Forwards a call from `peer`; the answer comes back through peer.send. */
  call(peer: Peer, message: ClientMessage): void;
  /** Forgets a peer that went away: its pending answers are dropped. */
  drop(peer: Peer): void;
  /** The running host's process id (tests kill it to check the restart). */
  hostPid(): number | undefined;
  /** Stops the host for good (no restart) and waits until it has exited. */
  close(): Promise<void>;
}

interface Pending {
  peer: Peer;
  id: number;
  method: string;
}

const MAX_RESTART_DELAY_MS = 10_000;
/** A host that ran this long before dying gets a fresh back-off: the crashes are unrelated. */
const STABLE_AFTER_MS = 60_000;

/** A host message worth routing: the right shape, whatever the payload (the host validated it). */
function isHostMessage(raw: unknown): raw is HostMessage {
  if (raw === null || typeof raw !== 'object' || !('kind' in raw)) return false;
  const m = raw as { kind: unknown; id?: unknown; event?: unknown };
  if (m.kind === 'event') return typeof m.event === 'object' && m.event !== null;
  return (m.kind === 'result' || m.kind === 'error') && Number.isSafeInteger(m.id);
}

export function startRelay(options: RelayOptions): Relay {
  const log = options.log ?? ((line: string) => console.error(line));
  let child: ChildProcess | null = null;
  let closing = false;
  let crashes = 0;
  let startedAt = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  let nextId = 1;
  const pending = new Map<number, Pending>();

  function onMessage(raw: unknown): void {
    if (!isHostMessage(raw)) {
      log('recon-studio serve: ignored a malformed message from the compute host');
      return;
    }
    if (raw.kind === 'event') {
      options.broadcast(raw);
      return;
    }
    const p = pending.get(raw.id);
    if (!p) return; // its tab has gone
    pending.delete(raw.id);
    p.peer.send({ ...raw, id: p.id });
  }

  function spawn(): void {
    startedAt = Date.now();
    const proc = fork(options.entry, [], {
      serialization: 'advanced',
      execArgv: options.execArgv ?? [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child = proc;
    proc.on('message', onMessage);
    // A failed send (host gone mid-write) surfaces here; 'exit' does the clean-up.
    proc.on('error', (err) => log(`recon-studio serve: compute host: ${err.message}`));
    proc.once('exit', (code, signal) => {
      if (child === proc) child = null;
      const how = signal ? `signal ${signal}` : `code ${code}`;
      for (const [gid, p] of pending) {
        p.peer.send({ kind: 'error', id: p.id, message: `${p.method}: the compute host stopped (${how}) before answering` });
        pending.delete(gid);
      }
      if (closing) return;
      if (Date.now() - startedAt > STABLE_AFTER_MS) crashes = 0;
      const delay = Math.min(500 * 2 ** crashes, MAX_RESTART_DELAY_MS);
      crashes += 1;
      log(`recon-studio serve: compute host exited unexpectedly (${how}); restarting in ${delay} ms`);
      options.broadcast({
        kind: 'event',
        event: {
          type: 'notice',
          level: 'error',
          message: `The compute host stopped (${how}); restarting it. Running jobs were lost; retry them when it is back.`,
        },
      });
      restartTimer = setTimeout(() => {
        if (!closing) spawn();
      }, delay);
    });
  }

  spawn();

  return {
    call(peer, message) {
      const proc = child;
      if (!proc || !proc.connected) {
        peer.send({ kind: 'error', id: message.id, message: `${message.method}: the compute host is restarting; try again in a moment` });
        return;
      }
      const gid = nextId++;
      pending.set(gid, { peer, id: message.id, method: message.method });
      proc.send({ kind: 'call', id: gid, method: message.method, params: message.params });
    },
    hostPid: () => child?.pid,
    drop(peer) {
      for (const [gid, p] of pending) if (p.peer === peer) pending.delete(gid);
    },
    close() {
      closing = true;
      clearTimeout(restartTimer);
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        // Letting go of the IPC channel asks the host to leave; a host stuck in
        // a long computation cannot notice, so it is killed after a grace period.
        if (proc.connected) proc.disconnect();
        setTimeout(() => proc.kill('SIGKILL'), 2_000).unref();
      });
    },
  };
}
