/**
 * `sample` as an input name resolves to the bundled scan in resources/samples,
 * so a newcomer can try the tool without data at hand.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const SAMPLE_FILE = 't1-brain-itk.nii.gz';

/**
 * The folder holding samples/ (and later models/): Electron's resourcesPath in
 * a packaged app (electron-builder's extraResources), else the repository's
 * resources/ found by walking up from this file.
 */
export function resourcesDir(from = __dirname): string {
  const packaged = (process as { resourcesPath?: string }).resourcesPath;
  if (packaged && existsSync(join(packaged, 'samples'))) return packaged;
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, 'resources');
    if (existsSync(join(candidate, 'samples'))) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the resources/ folder (is the installation complete?)');
    dir = up;
  }
}

export function resolveInput(input: string): string {
  return input === 'sample' ? join(resourcesDir(), 'samples', SAMPLE_FILE) : input;
}
