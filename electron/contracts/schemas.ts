/**
 * Zod schemas for everything that crosses a process boundary. Main validates
 * what the renderer sends, the preload validates what main answers, and the
 * compute host validates what main asks of it: no side trusts the other's bytes.
 *
 * Objects are strict so an unexpected field is an error, not a silent leak.
 */
import { z } from 'zod';
import { Channels, type Channel } from './channels';

const nonEmpty = z.string().min(1);

export const AppInfoSchema = z.strictObject({
  name: nonEmpty,
  version: nonEmpty,
  engineVersion: nonEmpty,
  platform: nonEmpty,
  arch: nonEmpty,
  versions: z.strictObject({
    // Absent under plain Node (browser mode, CLI); present under Electron.
    electron: nonEmpty.optional(),
    node: nonEmpty,
    chrome: nonEmpty.optional(),
  }),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

/**
 * Each invoke channel's arguments (as the tuple that follows the channel name
 * in `ipcRenderer.invoke`) and its result. Tuples are exact: extra arguments
 * are rejected.
 */
export const invokeContract = {
  [Channels.appInfo]: { args: z.tuple([]), result: AppInfoSchema },
  [Channels.dialogOpen]: {
    args: z.tuple([z.strictObject({ directory: z.boolean() })]),
    result: z.array(z.string().min(1)),
  },
} as const satisfies Record<Channel, { args: z.ZodTuple; result: z.ZodType }>;

export type InvokeChannel = keyof typeof invokeContract;
export type InvokeArgs<C extends InvokeChannel> = z.infer<(typeof invokeContract)[C]['args']>;
export type InvokeResult<C extends InvokeChannel> = z.infer<(typeof invokeContract)[C]['result']>;

// ---------------------------------------------------------------------------
// Main <-> compute host messages (Electron utilityProcess or child_process.fork).

const requestId = z.number().int().nonnegative();

export const ComputeRequestSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ping'), id: requestId }),
  // Asks the host to finish and exit; the parent going away means the same.
  z.strictObject({ type: z.literal('shutdown') }),
]);
export type ComputeRequest = z.infer<typeof ComputeRequestSchema>;

export const ComputeResponseSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('pong'), id: requestId, engineVersion: nonEmpty }),
  // id is absent when the request was too malformed to carry one.
  z.strictObject({ type: z.literal('error'), id: requestId.optional(), message: nonEmpty }),
]);
export type ComputeResponse = z.infer<typeof ComputeResponseSchema>;
