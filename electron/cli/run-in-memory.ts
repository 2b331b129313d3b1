/** Runs a recon-studio command in-process with captured output: the tests' view of the CLI. */
import { main } from './main';

export interface CliRun {
  code: number;
  out: string[];
  err: string[];
}

export async function runCli(argv: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}
