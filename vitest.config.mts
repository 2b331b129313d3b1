import { defineConfig } from 'vitest/config';
import { resolve } from 'node:path';

export default defineConfig({
  resolve: { alias: { '@contracts': resolve(__dirname, 'electron/contracts') } },
  test: {
    // Engine, CLI, host and server in plain Node; renderer logic (pure TS);
    // end-to-end tests drive Debian's Chromium against browser mode.
    include: ['electron/**/*.test.ts', 'models/**/*.test.ts', 'renderer/src/**/*.test.ts', 'tests/e2e/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
