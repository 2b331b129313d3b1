/** Where the CLI writes: injectable so tests run commands in-process. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  signal?: AbortSignal;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};
