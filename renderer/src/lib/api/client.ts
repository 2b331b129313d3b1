/**
 * The renderer's one handle on the engine. Implemented over a MessagePort
 * (desktop: brokered by main, straight to the compute host) or a WebSocket
 * (browser mode, electron/server). Components never see the transport.
 */
import type { CallParams, CallResult, WorkspaceEvent, WorkspaceMethod } from '@contracts';

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface WorkspaceClient {
  readonly mode: 'desktop' | 'browser';
  call<M extends WorkspaceMethod>(method: M, params: CallParams<M>): Promise<CallResult<M>>;
  /** Every event the host pushes; returns an unsubscribe function. */
  onEvent(handler: (event: WorkspaceEvent) => void): () => void;
  onState(handler: (state: ConnectionState) => void): () => void;
  /** Desktop only: the native open dialog; resolves with the chosen paths ([] when cancelled). */
  chooseFiles?(options: { directory: boolean }): Promise<string[]>;
  /** Desktop only: host paths of dropped File objects (Electron's webUtils). */
  pathsForFiles?(files: File[]): string[];
}
