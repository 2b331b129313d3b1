#!/usr/bin/env node
// recon-studio launcher. In a source checkout it runs the TypeScript entry
// through tsx (so the command always matches the code); in a packaged app,
// where sources are absent, it runs the bundle built by `npm run build`.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'electron', 'cli', 'index.ts');
const built = join(root, 'out', 'main', 'cli.js');
const require = createRequire(import.meta.url);

if (existsSync(source)) {
  // Both loaders: the CLI is CommonJS, but methods load optional parts
  // (onnxruntime sessions, learned models) with dynamic import(), which goes
  // through the ESM loader.
  const { register } = await import('tsx/cjs/api');
  register();
  const esm = await import('tsx/esm/api');
  esm.register();
  require(source);
} else if (existsSync(built)) {
  require(built);
} else {
  process.stderr.write('recon-studio: neither the sources nor out/main/cli.js were found; run "npm run build" first\n');
  process.exitCode = 1;
}
