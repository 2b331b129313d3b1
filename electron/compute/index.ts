/**
 * The compute host: a separate process that owns the engine, the job queue
 * and the ONNX sessions, so that a crash or a long computation never takes
 * the window down with it.
 *
 * It runs under Electron's utilityProcess (messages through process.parentPort)
 * and under plain Node's child_process.fork (process.send / 'message'), which
 * is how the CLI, browser mode and the tests start it. It imports nothing from
 * Electron for that reason.
 *
 * Two kinds of traffic share the parent channel:
 *  - supervision (contracts ComputeRequest): ping -> pong, shutdown;
 *  - the workspace protocol (contracts/workspace.ts). Under Electron, main
 *    hands over one MessagePort per client with {type:'connect'}; the port
 *    then carries {kind:'call'} messages and gets results and events back,
 *    ArrayBuffers transferred. Under fork (serialization 'advanced', so
 *    ArrayBuffers survive), {kind:'call'} messages arrive on the process
 *    channel itself and answers go back with process.send.
 * Every workspace event goes to every connected client.
 */
import '../engine/native-startup'; // native FFT/wavelet/SENSE kernels when built (RECON_NATIVE=0: off)
import { constants as osConstants, setPriority } from 'node:os';
import { ComputeRequestSchema, type ComputeResponse } from '../contracts';
import { ClientMessageSchema, collectBuffers, parseCall, type HostMessage } from '../contracts/workspace';
import { ENGINE_VERSION } from '../engine/version';
import { Workspace } from './workspace';

/** The part of Electron's MessagePortMain used here (typed locally: no Electron import). */
interface PortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  on(event: 'close', listener: () => void): void;
  postMessage(message: unknown, transfer?: unknown[]): void;
  start(): void;
}

/** The part of Electron's `process.parentPort` used here. */
interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown; ports?: PortLike[] }) => void): void;
  postMessage(message: unknown): void;
}

interface Link {
  send(message: ComputeResponse): void;
  onMessage(handler: (message: unknown, ports: PortLike[]) => void): void;
}

/** One workspace client: how to send it a host message. */
type Client = (message: HostMessage, transfer: boolean) => void;

const workspace = new Workspace();
const clients = new Set<Client>();
workspace.on((event) => {
  // Events go to several clients: never transfer (a transferred buffer would be detached for the next one).
  for (const c of clients) c({ kind: 'event', event }, false);
});

function callId(raw: unknown): number {
  const id = typeof raw === 'object' && raw !== null && 'id' in raw ? (raw as { id: unknown }).id : undefined;
  return Number.isInteger(id) && (id as number) >= 0 ? (id as number) : 0;
}

/** Runs one workspace call and answers it; never throws (a bad call must not stop the host). */
async function handleCall(raw: unknown, reply: Client): Promise<void> {
  const envelope = ClientMessageSchema.safeParse(raw);
  if (!envelope.success) {
    reply({ kind: 'error', id: callId(raw), message: `compute host: malformed call: ${envelope.error.issues[0]?.message ?? 'invalid'}` }, false);
    return;
  }
  const parsed = parseCall(envelope.data);
  if ('error' in parsed) {
    reply({ kind: 'error', id: envelope.data.id, message: parsed.error }, false);
    return;
  }
  try {
    const result = await workspace.call(parsed.method, parsed.params as never);
    reply({ kind: 'result', id: envelope.data.id, result }, true);
  } catch (e) {
    const message = (e instanceof Error ? e.message : String(e)) || `${parsed.method} failed`;
    reply({ kind: 'error', id: envelope.data.id, message }, false);
  }
}

function connectPort(port: PortLike): void {
  const client: Client = (message, transfer) => {
    try {
      port.postMessage(message, transfer ? collectBuffers(message) : []);
    } catch {
      clients.delete(client);
    }
  };
  clients.add(client);
  port.on('message', (event) => void handleCall(event.data, client));
  port.on('close', () => clients.delete(client));
  port.start();
}

function connectToParent(): Link | null {
  const parentPort = (process as { parentPort?: ParentPortLike }).parentPort;
  if (parentPort) {
    // Electron ends a utility process together with its parent, so there is no
    // disconnect to listen for here.
    return {
      send: (message) => parentPort.postMessage(message),
      onMessage: (handler) => parentPort.on('message', (event) => handler(event.data, event.ports ?? [])),
    };
  }
  if (process.send && process.connected) {
    // The IPC channel closes when the parent exits or calls disconnect(): leave
    // then instead of lingering as an orphan.
    process.on('disconnect', () => process.exit(0));
    // The parent process is a workspace client too (browser-mode server, tests).
    clients.add((message) => {
      if (process.connected) process.send?.(message);
    });
    return {
      send: (message) => void process.send?.(message),
      onMessage: (handler) => process.on('message', (m) => handler(m, [])),
    };
  }
  return null;
}

const parentClient: Client = (message) => {
  if (process.send && process.connected) process.send(message);
};

function handle(raw: unknown, ports: PortLike[], link: Link): void {
  if (typeof raw === 'object' && raw !== null && (raw as { kind?: unknown }).kind === 'call') {
    void handleCall(raw, parentClient);
    return;
  }
  if (typeof raw === 'object' && raw !== null && (raw as { type?: unknown }).type === 'connect') {
    const port = ports[0];
    if (port) connectPort(port);
    else link.send({ type: 'error', message: 'compute host: connect without a MessagePort' });
    return;
  }
  const parsed = ComputeRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const id = typeof raw === 'object' && raw !== null && 'id' in raw ? raw.id : undefined;
    link.send({
      type: 'error',
      ...(Number.isInteger(id) && (id as number) >= 0 ? { id: id as number } : {}),
      message: `compute host: malformed request: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    });
    return;
  }
  const request = parsed.data;
  switch (request.type) {
    case 'ping':
      link.send({ type: 'pong', id: request.id, engineVersion: ENGINE_VERSION });
      return;
    case 'shutdown':
      process.exit(0);
  }
}

// A bug in one job must not take every open dataset with it: report and keep serving.
process.on('unhandledRejection', (e) => {
  for (const c of clients) c({ kind: 'event', event: { type: 'notice', level: 'error', message: `compute host: ${e instanceof Error ? e.message : String(e)}` } }, false);
});

/**
 * Reconstructions are background work: below-normal priority lets the window
 * (renderer, compositor, GPU process) take a core whenever it needs one, so a
 * CS run on a 2-core laptop does not stall scrolling. Threads started later
 * (onnxruntime's pool) inherit it. RECON_COMPUTE_NICE=0 keeps normal priority.
 */
function lowerPriority(): void {
  const raw = process.env.RECON_COMPUTE_NICE;
  const nice = raw === undefined ? osConstants.priority.PRIORITY_BELOW_NORMAL : Number(raw);
  if (!Number.isInteger(nice) || nice < 0 || nice > 19) return;
  try {
    setPriority(nice);
  } catch {
    // Not permitted here (some sandboxes): run at normal priority.
  }
}
lowerPriority();

const link = connectToParent();
if (!link) {
  console.error('recon-studio compute host: no parent process to talk to; it is started by the app, not by hand.');
  process.exit(2);
}
link.onMessage((message, ports) => handle(message, ports, link));
