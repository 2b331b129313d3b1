/**
 * Three builds, one per Electron process:
 *  - main: the app (electron/main), the compute host (electron/compute, which
 *    main starts as a utility process from out/main/compute.js) and the
 *    recon-studio command (electron/cli -> out/main/cli.js, for packaged apps)
 *    and browser mode (electron/server -> out/main/server.js, `npm run serve`);
 *  - preload: one self-contained CommonJS file, because a sandboxed preload
 *    cannot require anything but a few Electron built-ins (zod is inlined);
 *  - renderer: the Svelte UI from renderer/, served by main over app://recon/.
 */
import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';

const root = __dirname;
const contracts = resolve(root, 'electron/contracts');

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      // Runtime dependencies stay in node_modules (native ones cannot be bundled).
      externalizeDeps: true,
      rolldownOptions: {
        input: {
          index: resolve(root, 'electron/main/index.ts'),
          compute: resolve(root, 'electron/compute/index.ts'),
          // The recon-studio command, for packaged apps (a checkout runs it through tsx).
          cli: resolve(root, 'electron/cli/index.ts'),
          // Browser mode (`npm run serve`): serves out/renderer and relays to compute.js.
          server: resolve(root, 'electron/server/index.ts'),
        },
        output: { format: 'cjs', entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(root, 'electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].js', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    resolve: { alias: { '@contracts': contracts } },
    // Svelte 5 compiles TypeScript itself; no svelte.config.js or preprocessor needed.
    plugins: [svelte({ configFile: false })],
    build: {
      outDir: resolve(root, 'out/renderer'),
      rolldownOptions: { input: resolve(root, 'renderer/index.html') },
    },
  },
});
