/**
 * Registration of invoke handlers with the two checks every one of them needs:
 * the sender frame must be our renderer, and the arguments must match the
 * contract's schema. A handler only ever sees validated, typed arguments.
 */
import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { invokeContract, type InvokeArgs, type InvokeChannel, type InvokeResult } from '../contracts';

export type SenderCheck = (frameUrl: string) => boolean;

export function handleInvoke<C extends InvokeChannel>(
  channel: C,
  isTrustedSender: SenderCheck,
  handler: (...args: InvokeArgs<C>) => InvokeResult<C> | Promise<InvokeResult<C>>,
): void {
  const { args: argsSchema, result: resultSchema } = invokeContract[channel];
  ipcMain.handle(channel, async (event: IpcMainInvokeEvent, ...rawArgs: unknown[]) => {
    const url = event.senderFrame?.url ?? '';
    if (!isTrustedSender(url)) {
      console.warn(`recon-studio: refused ${channel} from untrusted frame ${JSON.stringify(url)}`);
      throw new Error(`${channel}: sender not allowed`);
    }
    const parsed = argsSchema.safeParse(rawArgs);
    if (!parsed.success) throw new Error(`${channel}: invalid request: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    // Validating our own answer too keeps main honest about the contract.
    return resultSchema.parse(await handler(...(parsed.data as InvokeArgs<C>)));
  });
}
