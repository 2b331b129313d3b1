/**
 * Preload (sandboxed, so bundled to one CommonJS file with zod inlined):
 * exposes exactly one object, window.recon, implementing the contract's
 * ReconApi. Never ipcRenderer itself: the renderer gets domain methods whose
 * answers are validated here before it sees them.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { z } from 'zod';
import {
  API_GLOBAL,
  Channels,
  invokeContract,
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

const api: ReconApi = Object.freeze({
  info: () => invoke(Channels.appInfo),
});

contextBridge.exposeInMainWorld(API_GLOBAL, api);
