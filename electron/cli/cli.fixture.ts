/** Shared by the CLI tests: a command that must be refused as a usage error (exit code 2) with a specific message. */
import { expect } from 'vitest';
import { runCli } from './run-in-memory';

export async function expectRefused(argv: string[], message: RegExp): Promise<void> {
  const r = await runCli(argv);
  expect(r.code).toBe(2);
  expect(r.err.join('\n')).toMatch(message);
}
