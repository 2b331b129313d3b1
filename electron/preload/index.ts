/**
 * Preload (sandboxed, so bundled to one CommonJS file with zod inlined):
 * exposes exactly one object, window.recon, implementing the contract's
 * ReconApi. Never ipcRenderer itself: the renderer gets domain methods whose
 * answers are validated here before it sees them.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { z } from 'zod';
import {
  API_GLOBAL,
  Channels,
  invokeContract,
  PORT_CHANNEL,
  PORT_MESSAGE,
  type InvokeArgs,
  type InvokeChannel,
  type InvokeResult,
  type ReconApi,
} from '../contracts';

// zod compiles fast validators with new Function(); the page's CSP forbids eval,
// so do not even probe for it here.
z.config({ jitless: true });

async function invoke<C extends InvokeChannel>(channel: C, ...args: InvokeArgs<C>): Promise<InvokeResult<C>> {
  const raw: unknown = await ipcRenderer.invoke(channel, ...args);
  const parsed = invokeContract[channel].result.safeParse(raw);
  if (!parsed.success) throw new Error(`${channel}: unexpected answer from the main process`);
  return parsed.data as InvokeResult<C>;
}

// The compute host's port: main sends a fresh one on every load and after a
// host restart. Ports cannot cross the context bridge, so it goes to the page
// with window.postMessage, but only once the page listens (requestPort);
// until then the latest one waits here (a port transferred is gone).
let waitingPort: MessagePort | null = null;
let pageListens = false;

function handOver(): void {
  if (!pageListens || !waitingPort) return;
  const port = waitingPort;
  waitingPort = null;
  window.postMessage({ type: PORT_MESSAGE }, window.location.origin, [port]);
}

ipcRenderer.on(PORT_CHANNEL, (event) => {
  const port = event.ports[0];
  if (!port) return;
  waitingPort?.close(); // superseded before the page took it
  waitingPort = port;
  handOver();
});

const api: ReconApi = Object.freeze({
  info: () => invoke(Channels.appInfo),
  chooseFiles: (options: { directory: boolean }) => invoke(Channels.dialogOpen, { directory: options.directory === true }),
  // Only a real File has a path; anything else from the page is refused by Electron.
  pathForFile: (file: unknown) => webUtils.getPathForFile(file as File),
  requestPort: () => {
    pageListens = true;
    handOver();
  },
});

contextBridge.exposeInMainWorld(API_GLOBAL, api);
