/**
 * The compute host: a separate process that will own the engine, the job
 * queue and the ONNX sessions, so that a crash or a long computation never
 * takes the window down with it.
 *
 * It runs under Electron's utilityProcess (messages through process.parentPort)
 * and under plain Node's child_process.fork (process.send / 'message'), which
 * is how the CLI, browser mode and the tests start it. It imports nothing from
 * Electron for that reason.
 *
 * For now it only answers pings; the engine's job protocol comes later.
 */
import { ComputeRequestSchema, type ComputeResponse } from '../contracts';
import { ENGINE_VERSION } from '../engine/version';

/** The part of Electron's `process.parentPort` used here (typed locally: no Electron import). */
interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

interface Link {
  send(message: ComputeResponse): void;
  onMessage(handler: (message: unknown) => void): void;
}

function connectToParent(): Link | null {
  const parentPort = (process as { parentPort?: ParentPortLike }).parentPort;
  if (parentPort) {
    // Electron ends a utility process together with its parent, so there is no
    // disconnect to listen for here.
    return {
      send: (message) => parentPort.postMessage(message),
      onMessage: (handler) => parentPort.on('message', (event) => handler(event.data)),
    };
  }
  if (process.send && process.connected) {
    // The IPC channel closes when the parent exits or calls disconnect(): leave
    // then instead of lingering as an orphan.
    process.on('disconnect', () => process.exit(0));
    return {
      send: (message) => void process.send?.(message),
      onMessage: (handler) => process.on('message', handler),
    };
  }
  return null;
}

function handle(raw: unknown, link: Link): void {
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

const link = connectToParent();
if (!link) {
  console.error('recon-studio compute host: no parent process to talk to; it is started by the app, not by hand.');
  process.exit(2);
}
link.onMessage((message) => handle(message, link));
