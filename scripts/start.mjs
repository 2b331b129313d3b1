#!/usr/bin/env node
// `npm start`: launch the desktop app, fetching Electron's binary on first run.
//
// package.json's allowScripts stops Electron's install script at `npm install`
// (it downloads from outside the npm registry), so the binary may be missing.
// Try the download once; if that fails, say so in one line and point at the
// CLI, which needs no Electron at all.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

/** Electron's package dir, or null when the npm package itself is missing. */
function electronDir() {
  try {
    return dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
}

/**
 * Mirrors how electron-vite finds Electron, without electron/index.js's throw:
 * ELECTRON_EXEC_PATH if set, else dist/<path.txt> in Electron's package.
 */
function binaryPresent(dir) {
  const override = process.env.ELECTRON_EXEC_PATH;
  if (override) return existsSync(override);
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return false;
  return existsSync(join(dir, 'dist', readFileSync(pathFile, 'utf8').trim()));
}

function fail() {
  console.error(
    'recon-studio: Electron\'s binary is not installed and could not be downloaded (no internet?). ' +
      'Run "npm start" on a machine with internet once, or use the command line: npm run cli -- --help',
  );
  process.exit(1);
}

const dir = electronDir();
if (!dir) fail();
if (!binaryPresent(dir)) {
  spawnSync(process.execPath, [join(dir, 'install.js')], {
    cwd: dir,
    stdio: 'ignore',
    timeout: 120_000,
    // The install script skips itself when this is set; here the download is the point.
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '' },
  });
  if (!binaryPresent(dir)) fail();
}

// electron-vite preview builds all three processes, then launches Electron on out/.
const cli = join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js');
const child = spawn(process.execPath, [cli, 'preview', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
