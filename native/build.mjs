#!/usr/bin/env node
// Builds the optional addon native/build/recon_native.node with gcc directly
// (no node-gyp, no network): Node-API headers from the system's Node
// (/usr/include/node, or $NODE_API_INCLUDE), FFTW 3 single precision.
// Node-API is ABI-stable, so the same file loads in Node and in Electron.
//
//   node native/build.mjs            build (prints one line; exit 0 even when skipped)
//   node native/build.mjs --strict   exit 1 when it cannot build (for CI that requires it)
//
// Without a compiler, the headers or FFTW it prints why and exits 0: the app
// and the tests then run on the TypeScript kernels.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const strict = process.argv.includes('--strict');
const source = join(here, 'src', 'recon_native.c');
const outDir = join(here, 'build');
const target = join(outDir, 'recon_native.node');

function skip(reason) {
  console.log(`native: not built (${reason}); the engine uses its TypeScript kernels`);
  process.exit(strict ? 1 : 0);
}

if (process.platform === 'win32') skip('the gcc build script supports Linux and macOS only');
const cc = process.env.CC || 'gcc';
const includeCandidates = [
  process.env.NODE_API_INCLUDE,
  // The headers-only npm package (a devDependency): present after npm ci on any machine.
  join(here, '..', 'node_modules', 'node-api-headers', 'include'),
  join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
const include = includeCandidates.find((d) => d && existsSync(join(d, 'node_api.h')));
if (!include) skip('node_api.h not found; set NODE_API_INCLUDE or install the Node.js headers (Debian: libnode-dev)');

mkdirSync(outDir, { recursive: true });
const tmp = `${target}.${process.pid}.tmp`;
const args = [
  '-O3', '-std=c11', '-D_GNU_SOURCE', '-shared', '-fPIC', '-fvisibility=hidden', '-Wall', '-Wextra', '-Wno-unused-parameter',
  `-I${include}`, source, '-o', tmp, '-lfftw3f', '-lm', '-lpthread',
];
// Node resolves napi_* symbols in the host process at load time.
if (process.platform === 'darwin') args.push('-undefined', 'dynamic_lookup');
const r = spawnSync(cc, args, { encoding: 'utf8' });
if (r.error && r.error.code === 'ENOENT') skip(`no C compiler "${cc}"; install gcc (Debian: build-essential)`);
if (r.status !== 0) {
  const err = `${r.stderr || ''}${r.error ? String(r.error) : ''}`;
  if (/fftw3\.h|lfftw3f/.test(err)) skip('FFTW 3 single precision not found; install it (Debian: libfftw3-dev)');
  if (strict) console.error(err);
  skip(`${cc} failed: ${err.trim().split('\n')[0]}`);
}
if (r.stderr.trim()) process.stderr.write(r.stderr);
// Atomic replace: a running process keeps its mapped copy.
renameSync(tmp, target);
console.log(`native: built ${target}`);
