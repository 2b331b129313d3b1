/**
 * IPC channel names. Every channel is invoke-style (the renderer asks, main
 * answers once) and is named here exactly once, so a typo is a type error
 * rather than a request that silently never gets an answer.
 */
export const Channels = {
  /** Application, engine and runtime versions, for the about box and bug reports. */
  appInfo: 'app:info',
} as const;

export type Channel = (typeof Channels)[keyof typeof Channels];
