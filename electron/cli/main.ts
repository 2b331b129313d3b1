/**
 * recon-studio command: parse, load, call the engine, write (BART's habit of
 * thin commands). Errors become one line on stderr with a documented exit code.
 */
import '../engine/native-startup'; // native FFT/wavelet kernels when built (RECON_NATIVE=0: off)
import { ENGINE_VERSION } from '../engine/version';
import { ReaderError } from '../engine/io';
import { JobInputError } from '../engine/jobs/recon-job';
import { ReconCancelled } from '../engine/recon';
import { EXIT, UsageError } from './args';
import { batchCommand, BATCH_HELP } from './batch';
import { COMPARE_HELP, compareOptimizersCommand } from './compare-optimizers';
import { infoCommand, INFO_HELP } from './info';
import { modelsCommand, MODELS_HELP } from './models';
import type { CliIo } from './io';
import { reconCommand, RECON_HELP } from './recon';
import { TUNE_HELP, tuneScheduleCommand } from './tune-schedule';

export const HELP = `recon-studio ${ENGINE_VERSION} — MRI reconstruction from the command line (research use only, not for diagnosis)

usage: recon-studio <command> [options]

commands:
  info <input>            what a scan file holds
  recon <input> --out DIR undersample, reconstruct, measure and write images
  compare-optimizers <input> --out DIR
                          one slice, several optimizers: convergence curves and plot
  batch --input P... --out DIR
                          inputs x methods x accelerations, exported as PNG/TIFF/DICOM/NIfTI
  tune-schedule --model M --steps K
                          search a diffusion prior's K-step timestep schedule
  models                  the installed learned models (names for --model)

Run "recon-studio <command> --help" for a command's options.

${INFO_HELP.split('\n')[0]}
${RECON_HELP.split('\n')[0]}
${COMPARE_HELP.split('\n')[0]}
${BATCH_HELP.split('\n')[0]}
${TUNE_HELP.split('\n')[0]}
${MODELS_HELP.split('\n')[0]}`;

function isInputProblem(e: unknown): boolean {
  if (e instanceof UsageError || e instanceof ReaderError || e instanceof JobInputError) return true;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR' || /output folder exists|already exists/.test((e as Error)?.message ?? '');
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(HELP);
        return command === undefined ? EXIT.usage : EXIT.ok;
      case '--version':
      case '-v':
        io.out(ENGINE_VERSION);
        return EXIT.ok;
      case 'info':
        return await infoCommand(rest, io);
      case 'recon':
        return await reconCommand(rest, io);
      case 'batch':
        return await batchCommand(rest, io);
      case 'compare-optimizers':
        return await compareOptimizersCommand(rest, io);
      case 'tune-schedule':
        return await tuneScheduleCommand(rest, io);
      case 'models':
        return await modelsCommand(rest, io);
      default:
        throw new UsageError(`unknown command "${command}" (try recon-studio --help)`);
    }
  } catch (e) {
    if (e instanceof ReconCancelled || (e as Error)?.name === 'AbortError') {
      io.err('recon-studio: cancelled; nothing was written');
      return EXIT.cancelled;
    }
    const message = e instanceof Error ? e.message : String(e);
    if (isInputProblem(e)) {
      io.err(`recon-studio: ${message}`);
      return EXIT.usage;
    }
    io.err(`recon-studio: internal error: ${message} (please report this with the command you ran)`);
    if (process.env.RECON_DEBUG) io.err((e as Error)?.stack ?? '');
    return EXIT.internal;
  }
}
