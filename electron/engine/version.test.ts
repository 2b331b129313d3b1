import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ENGINE_VERSION } from './version';

it('the engine version recorded in provenance is the package version', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
  expect(ENGINE_VERSION).toBe(pkg.version);
});
