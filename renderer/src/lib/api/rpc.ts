/**
 * The call/answer bookkeeping both transports share: call ids, the pending
 * map, per-call time limits, queueing while disconnected, connection state
 * and event fan-out. A transport only moves envelopes: it calls attach() with
 * a send function once connected, receive() for each host message, and
 * detach() when the link goes.
 */
import {
  workspaceCalls,
  type CallParams,
  type CallResult,
  type ClientMessage,
  type WorkspaceEvent,
  type WorkspaceMethod,
} from '@contracts';
import type { ConnectionState } from './client';

/** Most calls answer in well under a second; a slow disk or a big volume gets a minute. */
const DEFAULT_TIMEOUT_MS = 60_000;
/** Calls that read or stage whole scans: bounded only so a lost answer cannot hang the UI forever. */
const LONG_TIMEOUT_MS = 30 * 60_000;
const LONG_CALLS: ReadonlySet<string> = new Set(['open', 'upload', 'submit']);

export function timeoutFor(method: string): number {
  return LONG_CALLS.has(method) ? LONG_TIMEOUT_MS : DEFAULT_TIMEOUT_MS;
}

interface Pending {
  method: string;
  resolve(result: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
  /** Sent over the current link (and so lost with it), or still queued. */
  sent: boolean;
}

export interface RpcOptions {
  /** Check results against the contract and warn on a mismatch (development builds). */
  validateResults?: boolean;
}

export class RpcCore {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private queue: ClientMessage[] = [];
  private link: ((message: ClientMessage) => void) | null = null;
  private readonly eventHandlers = new Set<(event: WorkspaceEvent) => void>();
  private readonly stateHandlers = new Set<(state: ConnectionState) => void>();
  private current: ConnectionState = 'connecting';

  constructor(private readonly options: RpcOptions = {}) {}

  get state(): ConnectionState {
    return this.current;
  }

  call<M extends WorkspaceMethod>(method: M, params: CallParams<M>): Promise<CallResult<M>> {
    return new Promise<CallResult<M>>((resolve, reject) => {
      const id = this.nextId++;
      const limit = timeoutFor(method);
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.queue = this.queue.filter((m) => m.id !== id);
        reject(new Error(`${method}: no answer from the compute host within ${Math.round(limit / 1000)} s`));
      }, limit);
      this.pending.set(id, { method, resolve: resolve as (r: unknown) => void, reject, timer, sent: false });
      const message: ClientMessage = { kind: 'call', id, method, params };
      if (this.link) this.transmit(message);
      else this.queue.push(message); // sent when the link (re)opens
    });
  }

  onEvent(handler: (event: WorkspaceEvent) => void): () => void {
    this.eventHandlers.add(handler);
    return () => this.eventHandlers.delete(handler);
  }

  /** The handler hears the current state at once, then every change. */
  onState(handler: (state: ConnectionState) => void): () => void {
    this.stateHandlers.add(handler);
    handler(this.current);
    return () => this.stateHandlers.delete(handler);
  }

  /** The transport is connected: flush what waited and report 'open'. */
  attach(send: (message: ClientMessage) => void): void {
    this.link = send;
    const waiting = this.queue;
    this.queue = [];
    for (const message of waiting) this.transmit(message);
    this.setState('open');
  }

  /**
   * The link is gone. Calls already sent over it can never be answered, so
   * they fail now; calls not sent yet wait for the next link.
   */
  detach(reason: string, next: ConnectionState = 'closed'): void {
    this.link = null;
    for (const [id, p] of this.pending) {
      if (!p.sent) continue;
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(new Error(`${p.method}: ${reason}`));
    }
    this.setState(next);
  }

  /** Fails everything and stops for good. */
  close(reason: string): void {
    this.link = null;
    this.queue = [];
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(`${p.method}: ${reason}`));
    }
    this.pending.clear();
    this.setState('closed');
  }

  /** One message from the host, as the transport received it. */
  receive(raw: unknown): void {
    if (raw === null || typeof raw !== 'object') return;
    const message = raw as { kind?: unknown; id?: unknown; result?: unknown; message?: unknown; event?: unknown };
    if (message.kind === 'event') {
      if (message.event === null || typeof message.event !== 'object') return;
      for (const handler of this.eventHandlers) {
        try {
          handler(message.event as WorkspaceEvent);
        } catch (err) {
          console.error('recon-studio: an event handler failed:', err);
        }
      }
      return;
    }
    if (typeof message.id !== 'number') return;
    const p = this.pending.get(message.id);
    if (!p) return; // timed out already
    this.pending.delete(message.id);
    clearTimeout(p.timer);
    if (message.kind === 'result') {
      if (this.options.validateResults) this.check(p.method, message.result);
      p.resolve(message.result);
    } else {
      p.reject(new Error(typeof message.message === 'string' && message.message ? message.message : `${p.method} failed`));
    }
  }

  private transmit(message: ClientMessage): void {
    const p = this.pending.get(message.id);
    if (!p || !this.link) return;
    p.sent = true;
    try {
      this.link(message);
    } catch (err) {
      // e.g. a message the transport cannot carry: fail that call, not the link.
      this.pending.delete(message.id);
      clearTimeout(p.timer);
      p.reject(new Error(`${p.method}: could not send: ${err instanceof Error ? err.message : String(err)}`));
    }
  }

  private check(method: string, result: unknown): void {
    if (!Object.hasOwn(workspaceCalls, method)) return;
    const parsed = workspaceCalls[method as WorkspaceMethod].result.safeParse(result);
    if (!parsed.success) console.warn(`recon-studio: ${method} answered outside the contract`, parsed.error);
  }

  private setState(state: ConnectionState): void {
    if (state === this.current) return;
    this.current = state;
    for (const handler of this.stateHandlers) handler(state);
  }
}
