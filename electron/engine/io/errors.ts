/**
 * Every reader failure is a ReaderError whose message starts with the file (or
 * folder) it is about, so the UI can show it as-is and jobs can keep running.
 */
export class ReaderError extends Error {
  /** The problem without the file prefix. */
  readonly problem: string;

  constructor(
    public readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'ReaderError';
    this.problem = problem;
  }
}

/** Above this many voxels a header is treated as corrupt rather than large. */
export const MAX_VOXELS = 2 ** 31;

/** Throws unless every dimension is a positive integer and the product is sane. */
export function checkDims(file: string, dims: readonly number[], what = 'dimensions'): number {
  let total = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d <= 0) {
      throw new ReaderError(file, `absurd ${what} [${dims.join(', ')}]: every dimension must be a positive integer`);
    }
    total *= d;
  }
  if (total > MAX_VOXELS) {
    throw new ReaderError(file, `absurd ${what} [${dims.join(', ')}]: ${total} voxels exceeds the limit of 2^31`);
  }
  return total;
}

/** Throws the standard truncation message unless `need` bytes exist after `offset`. */
export function checkLength(file: string, have: number, offset: number, need: number, what: string): void {
  if (offset + need > have) {
    throw new ReaderError(
      file,
      `truncated file: ${what} needs ${need} bytes from offset ${offset} (expected at least ${offset + need} bytes), but the file has ${have} bytes`,
    );
  }
}
