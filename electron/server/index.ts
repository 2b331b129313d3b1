/**
 * `npm run serve`: browser mode from the built app (out/main/server.js next
 * to out/main/compute.js and out/renderer). Prints one line with the URL and
 * its token; Ctrl+C stops the server and the compute host.
 *
 *   node out/main/server.js [--host 127.0.0.1] [--port 5178]
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isLoopback } from './http-guard';
import { startServer } from './server';

const DEFAULT_PORT = 5178;

function fail(message: string): never {
  console.error(`recon-studio serve: ${message}`);
  process.exit(1);
}

async function main(): Promise<void> {
  let values: { host?: string; port?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { host: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (err) {
    fail(`${err instanceof Error ? err.message : String(err)} (try --help)`);
  }
  if (values.help) {
    console.log('Usage: npm run serve -- [--host 127.0.0.1] [--port 5178]   (--port 0 picks a free port)');
    return;
  }
  const host = values.host ?? '127.0.0.1';
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be an integer in 0..65535, got ${JSON.stringify(values.port)}`);

  // Built layout: this file is out/main/server.js.
  const rendererDir = path.join(__dirname, '../renderer');
  const computeEntry = path.join(__dirname, 'compute.js');
  if (!existsSync(path.join(rendererDir, 'index.html')) || !existsSync(computeEntry)) {
    fail(`no built app at ${path.dirname(rendererDir)}: run npm run build first`);
  }
  if (!isLoopback(host)) {
    console.error(
      `recon-studio serve: WARNING: listening on ${host}, not loopback. Anyone who can reach it and sees the URL's token ` +
        'can read and process files as you; traffic is not encrypted. Prefer an SSH tunnel to 127.0.0.1.',
    );
  }

  const server = await startServer({ host, port, rendererDir, computeEntry }).catch((err: unknown) => {
    const code = (err as { code?: string }).code;
    if (code === 'EADDRINUSE') fail(`port ${port} on ${host} is busy; pick another with --port (0 = any free port)`);
    if (code === 'EADDRNOTAVAIL') fail(`cannot listen on ${host}: no such address on this machine`);
    throw err;
  });
  console.log(`Recon Studio is serving at ${server.url}`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err)));
