/**
 * IPC channel names. Every channel is invoke-style (the renderer asks, main
 * answers once) and is named here exactly once, so a typo is a type error
 * rather than a request that silently never gets an answer.
 */
export const Channels = {
  /** Application, engine and runtime versions, for the about box and bug reports. */
  appInfo: 'app:info',
  /** The native open dialog (files or one folder); answers the chosen paths, [] when cancelled. */
  dialogOpen: 'dialog:open',
} as const;

/**
 * Main -> renderer push (not invoke): a MessagePort straight to the compute
 * host, sent on every page load and again after the host restarts. The
 * preload hands it to the page with window.postMessage (ports cannot cross
 * the context bridge).
 */
export const PORT_CHANNEL = 'recon:port' as const;
/** The window message type the preload uses to hand the port to the page. */
export const PORT_MESSAGE = 'recon:port' as const;

export type Channel = (typeof Channels)[keyof typeof Channels];
