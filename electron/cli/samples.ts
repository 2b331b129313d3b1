/**
 * `sample` as an input name resolves to the bundled scan in resources/samples,
 * so a newcomer can try the tool without data at hand.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const SAMPLE_FILE = 't1-brain-itk.nii.gz';

/** Walks up from this file to the repository (or app) root holding resources/. */
export function resourcesDir(from = __dirname): string {
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
