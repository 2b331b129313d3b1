/** `recon-studio info <input>`: what a file holds, as text or --json. */
import type { Volume } from '../engine/array';
import { formatShape } from '../engine/array';
import { loadVolume } from '../engine/io';
import type { CliIo } from './io';
import { parse, UsageError } from './args';
import { resolveInput } from './samples';

export const INFO_HELP = `usage: recon-studio info <input> [--kind image|kspace] [--json]

Prints what a scan file holds: format, image or k-space, dimensions, voxel
size, value range, coils, sampling, and the metadata the readers keep.
Inputs: NIfTI (.nii, .nii.gz), DICOM file or folder, BART .cfl/.hdr, or "sample".`;

function range(data: Float32Array, stride = 1): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < data.length; i += stride) {
    const v = data[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

export function summarize(v: Volume): Record<string, unknown> {
  const base = {
    file: v.source.path,
    format: v.source.format,
    kind: v.kind,
    sha256: v.source.sha256,
    spacingMm: v.geometry.spacing,
    affine: v.geometry.affine,
    meta: v.meta,
  };
  if (v.kind === 'image') {
    const [lo, hi] = range(v.image.data);
    return { ...base, shape: v.image.shape, dims: 'slice,y,x', complex: Boolean(v.complex), min: lo, max: hi };
  }
  const [slices, coils, ny, nx] = v.kspace.shape;
  let sampled = 0;
  if (v.mask) for (let i = 0; i < v.mask.data.length; i++) sampled += v.mask.data[i]! > 0 ? 1 : 0;
  return {
    ...base,
    shape: v.kspace.shape,
    dims: 'slice,coil,ky,kx',
    slices,
    coils,
    matrix: [ny, nx],
    ...(v.mask ? { acceleration: v.mask.data.length / Math.max(sampled, 1) } : {}),
    coilMaps: Boolean(v.sens),
    reference: Boolean(v.reference),
  };
}

export async function infoCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, { kind: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    io.out(INFO_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('info needs exactly one input file or folder');
  const kind = values.kind;
  if (kind !== undefined && kind !== 'image' && kind !== 'kspace') throw new UsageError(`--kind must be image or kspace, got "${String(kind)}"`);
  const v = await loadVolume(resolveInput(positionals[0]!), kind ? { kind } : {});
  const s = summarize(v);
  if (values.json) {
    io.out(JSON.stringify(s, null, 2));
    return 0;
  }
  const lines = [
    `${s.file}`,
    `  format     ${s.format} (${s.kind})`,
    `  shape      ${formatShape(s.shape as number[])}  [${s.dims}]`,
    `  spacing    ${(s.spacingMm as number[]).map((x) => x.toFixed(3)).join(' x ')} mm (slice, y, x)`,
  ];
  if (v.kind === 'image') lines.push(`  values     ${s.min} .. ${s.max}${s.complex ? ' (complex, magnitude shown)' : ''}`);
  else lines.push(`  coils      ${s.coils}`, `  sampling   ${s.acceleration ? `${(s.acceleration as number).toFixed(2)}x` : 'from non-zero entries'}`);
  for (const [k, val] of Object.entries(v.meta)) if (val !== undefined && val !== '') lines.push(`  ${k.padEnd(10)} ${val}`);
  lines.push(`  sha256     ${s.sha256 ?? '-'}`);
  io.out(lines.join('\n'));
  return 0;
}
