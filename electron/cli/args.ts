/**
 * Argument parsing for recon-studio. Bad arguments raise UsageError, which the
 * entry point turns into one line on stderr and exit code 2 (EXIT.usage).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Documented exit codes (README "Command line"). */
export const EXIT = {
  ok: 0,
  /** Unexpected internal failure: a bug; the message says so. */
  internal: 1,
  /** Bad flag, bad value, or an input file that cannot be read or is not what it claims. */
  usage: 2,
  /** Cancelled by SIGINT/SIGTERM; nothing was written. */
  cancelled: 130,
} as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Options = NonNullable<ParseArgsConfig['options']>;

export function parse(argv: string[], options: Options): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (e) {
    // node:util's messages are long and mention parseArgs internals; keep the useful part.
    const msg = (e as Error).message.split('. ')[0]!.replace(/^Unknown option/, 'unknown option');
    throw new UsageError(msg);
  }
}

export function numberFlag(name: string, raw: string | boolean | undefined, check: { min?: number; max?: number; integer?: boolean; gt?: number } = {}): number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.trim() === '') throw new UsageError(`--${name} needs a number`);
  const v = raw === 'inf' || raw === 'Infinity' ? Infinity : Number(raw);
  if (Number.isNaN(v)) throw new UsageError(`--${name} must be a number, got "${raw}"`);
  if (check.integer && !Number.isInteger(v)) throw new UsageError(`--${name} must be an integer, got ${raw}`);
  if (check.gt !== undefined && !(v > check.gt)) throw new UsageError(`--${name} must be greater than ${check.gt}, got ${raw}`);
  if (check.min !== undefined && v < check.min) throw new UsageError(`--${name} must be at least ${check.min}, got ${raw}`);
  if (check.max !== undefined && v > check.max) throw new UsageError(`--${name} must be at most ${check.max}, got ${raw}`);
  return v;
}
