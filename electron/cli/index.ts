/** Entry point of the recon-studio command (built to out/cli/index.js, or run through tsx). */
import { EXIT } from './args';
import { processIo } from './io';
import { main } from './main';

const controller = new AbortController();
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted) process.exit(EXIT.cancelled);
    interrupted = true;
    controller.abort();
  });
}

main(process.argv.slice(2), { ...processIo, signal: controller.signal }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`recon-studio: internal error: ${(e as Error)?.message ?? e}\n`);
    process.exitCode = EXIT.internal;
  },
);
