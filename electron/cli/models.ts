/** `recon-studio models`: the ONNX models installed for the learned methods, and what tells them apart. */
// manifest.ts only: listing models needs no ONNX Runtime.
import { installedModels, modelChoiceHint, modelsRoot } from '../engine/learned/manifest';
import type { CliIo } from './io';
import { parse, UsageError } from './args';

export const MODELS_HELP = `usage: recon-studio models [--models-dir DIR] [--json]

Lists the models installed for the learned methods (cirim, rim, unet,
diffusion): folder name (what --model takes), architecture, version, the
first 12 hex digits of the model file's SHA-256, and the model's unrolling and
held-out SSIM range, or that it is a smoke model without measured quality.
A folder whose manifest does not load is listed with the reason.
Models live in resources/models, or --models-dir, or $RECON_MODELS_DIR.`;

interface ModelRow {
  name: string;
  architecture?: string;
  version?: string;
  sha256?: string;
  hint?: string;
  error?: string;
}

export async function modelsCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, { 'models-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    io.out(MODELS_HELP);
    return 0;
  }
  if (positionals.length) throw new UsageError(`models takes no positional arguments, got "${positionals[0]}"`);
  const root = modelsRoot(values['models-dir'] as string | undefined);
  const rows: ModelRow[] = installedModels(root).map(({ name, loaded, error }) => loaded
    ? { name, architecture: loaded.manifest.architecture, version: loaded.manifest.version, sha256: loaded.sha256.slice(0, 12), hint: modelChoiceHint(loaded.manifest) }
    : { name, error });
  if (values.json) {
    io.out(JSON.stringify({ root, models: rows }, null, 2));
    return 0;
  }
  if (!rows.length) {
    io.out(`no models under ${root} (a folder per model with manifest.json and its .onnx file)`);
    return 0;
  }
  const w = Math.max(...rows.map((r) => r.name.length));
  const a = Math.max(...rows.map((r) => (r.architecture ?? '?').length));
  io.out([`models under ${root}:`, ...rows.map((r) =>
    r.error ? `  ${r.name.padEnd(w)}  unusable: ${r.error}` : `  ${r.name.padEnd(w)}  ${(r.architecture ?? '?').padEnd(a)}  v${r.version}  ${r.sha256}  ${r.hint}`)].join('\n'));
  return 0;
}
