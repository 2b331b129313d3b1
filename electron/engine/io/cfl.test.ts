import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng, type ImageVolume, type KSpaceVolume } from '../array';
import { bartToImage, bartToKSpace, imageToBart, kspaceToBart, readCfl, writeCflBytes } from './cfl';
import { ReaderError } from './errors';
import { loadVolume } from './load';

const tmp = mkdtempSync(join(tmpdir(), 'cfl-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
// BART (Debian bart 0.8) is a required test dependency: CI installs it.
const bart = (...args: string[]): string => execFileSync('bart', args, { cwd: tmp, encoding: 'utf8' });

function saveCfl(base: string, dims: number[], data: Float32Array): void {
  const { hdr, cfl } = writeCflBytes(dims, data);
  writeFileSync(join(tmp, `${base}.hdr`), hdr);
  writeFileSync(join(tmp, `${base}.cfl`), cfl);
}
function readerError(fn: () => unknown): ReaderError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ReaderError);
    return e as ReaderError;
  }
  throw new Error('expected a ReaderError');
}
const energy = (d: Float32Array): number => d.reduce((s, v) => s + v * v, 0);

describe('cfl read/write', () => {
  it('round-trips bytes and writes the header BART writes', () => {
    const rng = createRng(5, 'cfl');
    const dims = [8, 6, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2];
    const data = Float32Array.from({ length: 2 * 8 * 6 * 3 * 2 }, () => rng.normal());
    const { hdr, cfl } = writeCflBytes(dims, data);
    expect(hdr).toBe('# Dimensions\n8 6 1 3 1 1 1 1 1 1 1 1 1 2 1 1 \n');
    expect(cfl.length).toBe(8 * 8 * 6 * 3 * 2);
    const back = readCfl(hdr, cfl, 'x.cfl');
    expect(back.dims).toEqual([...dims, 1, 1]);
    expect(back.data).toEqual(data);
  });

  it('accepts fewer than 16 dims and extra header sections', () => {
    const hdr = '# Dimensions\n2 3 \n# Command\nphantom\n# Creator\nBART\n';
    const r = readCfl(hdr, new Uint8Array(48), 'short.cfl');
    expect(r.dims).toEqual([2, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('rejects bad headers, wrong sizes and NaN with the file named', () => {
    expect(readerError(() => readCfl('hello', new Uint8Array(8), 'a.cfl')).message).toBe('a.cfl: not a BART header (no "# Dimensions" line)');
    expect(readerError(() => readCfl('# Dimensions\n4 x\n', new Uint8Array(8), 'b.cfl')).message).toMatch(/not integers/);
    expect(readerError(() => readCfl('# Dimensions\n4 0\n', new Uint8Array(0), 'c.cfl')).message).toMatch(/absurd dimensions/);
    expect(readerError(() => readCfl('# Dimensions\n65536 65536\n', new Uint8Array(0), 'd.cfl')).message).toMatch(/exceeds the limit of 2\^31/);
    expect(readerError(() => readCfl('# Dimensions\n4 4\n', new Uint8Array(100), 'e.cfl')).message).toBe(
      'e.cfl: truncated file: dims [4 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1] need 128 bytes of complex64, the .cfl has 100',
    );
    const nan = new Float32Array([1, 2, NaN, 0, 0, Infinity]);
    expect(readerError(() => readCfl('# Dimensions\n3\n', new Uint8Array(nan.buffer), 'f.cfl')).message).toBe(
      'f.cfl: 2 non-finite (NaN/Inf) float(s) in the data, first at complex element 1',
    );
  });

  it('converts to our layouts and refuses dims it cannot interpret', () => {
    const dims = [4, 3, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 5, 1, 1];
    const data = Float32Array.from({ length: 2 * 4 * 3 * 2 * 5 }, (_, i) => i);
    const k = bartToKSpace(dims, data, 'k.cfl');
    expect(k.shape).toEqual([5, 2, 3, 4]);
    // BART element (x=1, y=2, coil=1, slice=3) == ours [3][1][2][1].
    const bartIndex = 1 + 4 * (2 + 3 * (1 + 2 * 3));
    const ours = ((3 * 2 + 1) * 3 + 2) * 4 + 1;
    expect(k.data[2 * ours]).toBe(2 * bartIndex);
    expect(kspaceToBart(k)).toEqual({ dims, data });
    const maps = [...dims];
    maps[4] = 2;
    expect(readerError(() => bartToKSpace(maps, new Float32Array(2 * 240), 'm.cfl')).message).toMatch(/MAPS \(dim 4\) = 2/);
    const vol = [4, 3, 6, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    expect(bartToImage(vol, new Float32Array(2 * 72), 'v.cfl').shape).toEqual([6, 3, 4]);
    const both = [...vol];
    both[13] = 2;
    expect(readerError(() => bartToImage(both, new Float32Array(2 * 144), 'b.cfl')).message).toMatch(/both PHS2 \(6\) and SLICE \(2\)/);
    expect(readerError(() => bartToImage(dims, data, 'c.cfl')).message).toMatch(/COIL \(dim 3\) = 2/);
    expect(imageToBart({ shape: [6, 3, 4], data: new Float32Array(144) }).dims[13]).toBe(6);
  });
});

describe('cfl against the bart CLI', () => {
  bart('phantom', '-x', '64', '-s', '4', '-k', 'ph');
  bart('phantom', '-x', '64', 'img');
  bart('fft', '-u', '-i', '3', 'ph', 'ph_img');

  it('reads multi-coil k-space as [1][4][64][64] by default, from .cfl, .hdr or the base name', async () => {
    for (const p of ['ph.cfl', 'ph.hdr', 'ph']) {
      const v = (await loadVolume(join(tmp, p))) as KSpaceVolume;
      expect(v.kind).toBe('kspace');
      expect(v.kspace.shape).toEqual([1, 4, 64, 64]);
      expect(v.source).toMatchObject({ path: join(tmp, 'ph.cfl'), format: 'cfl' });
      expect(v.source.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(v.mask!.shape).toEqual([64, 64]);
    }
    const img = (await loadVolume(join(tmp, 'img'))) as ImageVolume;
    expect(img.kind).toBe('image');
    expect(img.image.shape).toEqual([1, 64, 64]);
    expect(img.complex!.shape).toEqual([1, 64, 64]);
    expect(Math.max(...img.image.data)).toBeGreaterThan(0);
    const asK = (await loadVolume(join(tmp, 'img'), { kind: 'kspace' })) as KSpaceVolume;
    expect(asK.kspace.shape).toEqual([1, 1, 64, 64]);
  });

  it('agrees with bart fft: Parseval, and a naive inverse DFT at off-centre pixels', async () => {
    const k = (await loadVolume(join(tmp, 'ph'))) as KSpaceVolume;
    const im = (await loadVolume(join(tmp, 'ph_img'), { kind: 'image' }).catch((e: unknown) => e)) as ReaderError;
    // Four coils in dim 3 cannot be an image: the refusal names the dim.
    expect(im.message).toMatch(/COIL \(dim 3\) = 4/);
    const coilImages = (await loadVolume(join(tmp, 'ph_img'), { kind: 'kspace' })) as KSpaceVolume;
    expect(Math.abs(energy(coilImages.kspace.data) / energy(k.kspace.data) - 1)).toBeLessThan(1e-5);
    // Centred unitary inverse DFT: x(y,x) = 1/64 sum k(ky,kx) exp(+2 pi i ((ky-32)(y-32) + (kx-32)(x-32)) / 64).
    const coil = 2;
    const kd = k.kspace.data.subarray(coil * 2 * 4096, (coil + 1) * 2 * 4096);
    const id = coilImages.kspace.data.subarray(coil * 2 * 4096, (coil + 1) * 2 * 4096);
    for (const [y, x] of [[10, 40], [40, 10], [32, 32], [51, 7]] as const) {
      let re = 0, im2 = 0;
      for (let ky = 0; ky < 64; ky++)
        for (let kx = 0; kx < 64; kx++) {
          const ph = (2 * Math.PI * ((ky - 32) * (y - 32) + (kx - 32) * (x - 32))) / 64;
          const a = kd[2 * (ky * 64 + kx)]!, b = kd[2 * (ky * 64 + kx) + 1]!;
          re += a * Math.cos(ph) - b * Math.sin(ph);
          im2 += a * Math.sin(ph) + b * Math.cos(ph);
        }
      const scale = Math.hypot(id[2 * (y * 64 + x)]!, id[2 * (y * 64 + x) + 1]!) + 1e-3;
      expect(Math.abs(re / 64 - id[2 * (y * 64 + x)]!) / scale).toBeLessThan(1e-4);
      expect(Math.abs(im2 / 64 - id[2 * (y * 64 + x) + 1]!) / scale).toBeLessThan(1e-4);
    }
  });

  it('bart reads what writeCflBytes wrote', async () => {
    const k = (await loadVolume(join(tmp, 'ph'))) as KSpaceVolume;
    const out = kspaceToBart(k.kspace);
    saveCfl('ours', out.dims, out.data);
    expect(bart('show', '-m', 'ours')).toMatch(/AoD:\s+64\s+64\s+1\s+4\s+1/);
    expect(Number(bart('nrmse', 'ph', 'ours'))).toBe(0);
    // And a difference is seen: coil 3 scaled by 2.
    const changed = out.data.slice();
    for (let i = 3 * 2 * 4096; i < 4 * 2 * 4096; i++) changed[i]! *= 2;
    saveCfl('changed', out.dims, changed);
    expect(Number(bart('nrmse', 'ph', 'changed'))).toBeGreaterThan(0.1);
  });
});
