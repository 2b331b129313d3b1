/**
 * CI: golden parity (and one reconstruction) for every model folder under a
 * root, through the engine's own ONNX path. Used by models/ci_smoke.sh on
 * freshly exported smoke models in a temp folder.
 *
 *   npx tsx models/ci_parity.ts <models-root>
 *
 * Exit 0 when every model matches its golden output within the manifest's
 * rtol and runs its recon method on a small simulated scan; 1 otherwise.
 */
import { basename } from 'node:path';
import { simulate } from '../electron/engine/acquire';
import { rtensor } from '../electron/engine/array';
import { checkGolden, clearSessionCache, listModelDirs, loadManifest } from '../electron/engine/learned';
import { methods } from '../electron/engine/recon';

async function main(root: string): Promise<number> {
  const dirs = listModelDirs(root);
  if (!dirs.length) {
    console.error(`ci_parity: no model folders (with manifest.json) under ${root}`);
    return 1;
  }
  let failed = 0;
  for (const d of dirs) {
    const name = basename(d);
    const r = await checkGolden(d, { providers: ['cpu'] });
    const worst = Math.max(...r.outputs.map((o) => o.relErr));
    console.log(JSON.stringify({ model: name, parity: r.ok, worstRelErr: worst, rtol: r.rtol, ms: Math.round(r.ms) }));
    if (!r.ok) failed++;
    const arch = loadManifest(d).manifest.architecture;
    const method = arch && methods[arch];
    if (!method) continue;
    // A 32x28 disc through the simulator, 4 coils with maps: the method's whole path runs on the exported file.
    const img = rtensor([1, 32, 28]);
    for (let y = 0; y < 32; y++) for (let x = 0; x < 28; x++) img.data[y * 28 + x] = Math.hypot(y - 16, x - 14) < 11 ? 1 : 0;
    const scan = simulate(img, { seed: 1, coils: 4, mask: { kind: 'equispaced-fraction', accel: 4, centerFraction: 0.08, seed: 1 } });
    const out = await method.run({ kspace: scan.kspace, mask: scan.mask, sens: scan.sens }, { model: name, modelsDir: root, provider: 'cpu' });
    const finite = out.image.data.every(Number.isFinite);
    console.log(JSON.stringify({ model: name, method: arch, recon: finite ? 'ok' : 'non-finite output', shape: out.image.shape }));
    if (!finite) failed++;
    if (arch === 'diffusion') {
      // Diffusion: also a guided path. With a classifier folder named in the manifest, gradient-free classifier guidance
      // loads and runs it (class auto = its reading of the zero-filled image); without one, classifier-free guidance.
      const hasClassifier = typeof (loadManifest(d).manifest as { classifier?: unknown }).classifier === 'string';
      const guided = hasClassifier ? { guidance: 'gfcg' } : { guidance: 'cfg', class: 'axial' };
      const g = await method.run({ kspace: scan.kspace, mask: scan.mask, sens: scan.sens }, { model: name, modelsDir: root, provider: 'cpu', steps: 5, ...guided });
      const ok = g.image.data.every(Number.isFinite);
      console.log(JSON.stringify({ model: name, method: `diffusion (${guided.guidance})`, recon: ok ? 'ok' : 'non-finite output', shape: g.image.shape }));
      if (!ok) failed++;
    }
  }
  await clearSessionCache();
  return failed ? 1 : 0;
}

main(process.argv[2] ?? 'resources/models').then((c) => process.exit(c), (e) => {
  console.error(`ci_parity: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
