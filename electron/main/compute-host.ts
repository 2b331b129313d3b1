/**
 * Supervises the compute host (electron/compute, built to out/main/compute.js)
 * in an Electron utility process. If it dies, pending requests fail, a line is
 * logged and it is started again with a growing delay; the window never goes
 * down with it.
 *
 * Renderers talk to the host directly over MessagePorts that main brokers
 * (connect): the workspace envelopes never pass through main. A port given to
 * a host that dies dies with it, so after each restart the onRestart
 * listeners hand every window a fresh one.
 */
import { utilityProcess, type MessagePortMain, type UtilityProcess } from 'electron';
import { ComputeResponseSchema, type ComputeRequest } from '../contracts';

export interface ComputeHost {
  /** Round trip to the host; resolves with the engine version it runs. */
  ping(timeoutMs?: number): Promise<string>;
  /**
   * Gives the host one end of a MessageChannelMain; it speaks the workspace
   * protocol over it. Closed at once when no host is running (a restart is
   * under way and onRestart will ask for a fresh one).
   */
  connect(port: MessagePortMain): void;
  /** Called after the host has been started again following a crash. */
  onRestart(listener: () => void): void;
  /** Asks the host to exit and stops restarting it. */
  stop(): void;
}

interface Pending {
  resolve(engineVersion: string): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

const MAX_RESTART_DELAY_MS = 10_000;
/** A host that ran this long before dying gets a fresh back-off: the crashes are unrelated. */
const STABLE_AFTER_MS = 60_000;

export function startComputeHost(entry: string): ComputeHost {
  let child: UtilityProcess | null = null;
  let stopping = false;
  let crashes = 0;
  let startedAt = 0;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const restartListeners: (() => void)[] = [];

  function failPending(reason: string): void {
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      p.reject(new Error(reason));
      pending.delete(id);
    }
  }

  function onMessage(raw: unknown): void {
    const parsed = ComputeResponseSchema.safeParse(raw);
    if (!parsed.success) {
      console.warn('recon-studio: ignored a malformed message from the compute host');
      return;
    }
    const msg = parsed.data;
    const p = msg.id === undefined ? undefined : pending.get(msg.id);
    if (msg.type === 'error') console.warn(`recon-studio: ${msg.message}`);
    if (!p || msg.id === undefined) return;
    pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.type === 'pong') p.resolve(msg.engineVersion);
    else p.reject(new Error(msg.message));
  }

  function spawn(): void {
    startedAt = Date.now();
    const proc = utilityProcess.fork(entry, [], { serviceName: 'Recon Studio compute', stdio: 'inherit' });
    proc.on('message', onMessage);
    proc.once('exit', (code) => {
      if (child === proc) child = null;
      failPending(`compute host exited (code ${code})`);
      if (stopping) return;
      if (Date.now() - startedAt > STABLE_AFTER_MS) crashes = 0;
      const delay = Math.min(500 * 2 ** crashes, MAX_RESTART_DELAY_MS);
      crashes += 1;
      console.error(`recon-studio: compute host exited unexpectedly (code ${code}); restarting in ${delay} ms`);
      setTimeout(() => {
        if (stopping) return;
        spawn();
        for (const listener of restartListeners) listener();
      }, delay);
    });
    child = proc;
  }

  function send(message: ComputeRequest): boolean {
    if (!child) return false;
    child.postMessage(message);
    return true;
  }

  spawn();

  return {
    ping(timeoutMs = 5_000) {
      return new Promise<string>((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error('compute host did not answer in time'));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        if (!send({ type: 'ping', id })) {
          pending.delete(id);
          clearTimeout(timer);
          reject(new Error('compute host is not running'));
        }
      });
    },
    connect(port) {
      if (!child) {
        port.close();
        return;
      }
      child.postMessage({ type: 'connect' }, [port]);
    },
    onRestart(listener) {
      restartListeners.push(listener);
    },
    stop() {
      stopping = true;
      const proc = child;
      if (!proc) return;
      proc.postMessage({ type: 'shutdown' } satisfies ComputeRequest);
      // A host stuck in a long computation cannot read the request; do not wait on it.
      setTimeout(() => proc.kill(), 2_000).unref();
    },
  };
}
