import type { AppInfo } from './schemas';

/** A DOM File, described structurally (contracts compile without the DOM library). */
export interface FileLike {
  readonly name: string;
  readonly size: number;
}

/** The property of `window` under which the preload exposes the API. */
export const API_GLOBAL = 'recon' as const;

/**
 * What `window.recon` implements: the renderer's only view of the system.
 * Domain methods only; the transport stays behind it.
 *
 * The workspace itself (datasets, jobs, slices) does not go through here: the
 * renderer talks to the compute host over a MessagePort, which the preload
 * forwards with window.postMessage({ type: 'recon:port' }, origin, [port])
 * after requestPort(), and again whenever the host restarts.
 */
export interface ReconApi {
  /** Application, engine and runtime versions. */
  info(): Promise<AppInfo>;
  /** The native open dialog; resolves with the chosen paths ([] when cancelled). */
  chooseFiles(options: { directory: boolean }): Promise<string[]>;
  /** The path on disk of a File from drag-and-drop or an <input type=file> ('' when it has none). */
  pathForFile(file: FileLike): string;
  /**
   * Says the page is listening for the port: the preload posts the current
   * one now (if any) and every later one as it arrives. Calling it again
   * re-posts nothing already handed over; ports can be transferred only once.
   */
  requestPort(): void;
}
