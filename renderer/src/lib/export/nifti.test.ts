/// <reference types="node" />
// Node types for this test only: it writes a file and asks nibabel to read it back.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ImageRef, SliceImage } from '@contracts';
import { NIFTI_VOX_OFFSET, niftiFloat32 } from './nifti';
import { sigmaFileName, sigmaNifti, stackSlices } from './sigma-export';

/** A volume whose every voxel says where it is: value = 1000·z + 100·y + x + 0.25. */
function ramp(w: number, h: number, d: number): Float32Array {
  const out = new Float32Array(w * h * d);
  for (let z = 0; z < d; z++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(z * h + y) * w + x] = 1000 * z + 100 * y + x + 0.25;
  return out;
}

describe('niftiFloat32', () => {
  it('writes a NIfTI-1 header that parses back, then the voxels from byte 352', () => {
    const data = ramp(5, 3, 2);
    const buf = niftiFloat32({ width: 5, height: 3, depth: 2, data, spacing: [0.7, 0.5], sliceSpacing: 3, description: 'σ test' });
    expect(buf.byteLength).toBe(352 + 4 * 5 * 3 * 2);
    const h = new DataView(buf);
    expect(h.getInt32(0, true)).toBe(348);
    expect([0, 1, 2, 3, 4].map((i) => h.getInt16(40 + 2 * i, true))).toEqual([3, 5, 3, 2, 1]);
    expect(h.getInt16(70, true)).toBe(16);
    expect(h.getInt16(72, true)).toBe(32);
    expect(h.getFloat32(80, true)).toBeCloseTo(0.5, 6); // dx
    expect(h.getFloat32(84, true)).toBeCloseTo(0.7, 6); // dy
    expect(h.getFloat32(88, true)).toBe(3);
    expect(h.getFloat32(108, true)).toBe(352);
    expect(h.getUint8(123)).toBe(2);
    expect(String.fromCharCode(...new Uint8Array(buf, 344, 4))).toBe('n+1\0');
    expect(new TextDecoder().decode(new Uint8Array(buf, 148, 6))).toBe('? test');
    expect(h.getFloat32(124, true)).toBeCloseTo(1204.25, 3); // cal_max
    expect(Array.from(new Float32Array(buf, NIFTI_VOX_OFFSET))).toEqual(Array.from(data));
  });

  it('leaves units unknown and pixdim 1 without a spacing', () => {
    const h = new DataView(niftiFloat32({ width: 2, height: 2, depth: 1, data: new Float32Array(4) }));
    expect(h.getUint8(123)).toBe(0);
    expect(h.getFloat32(80, true)).toBe(1);
    expect(h.getFloat32(84, true)).toBe(1);
  });

  it('names the problem with bad input', () => {
    expect(() => niftiFloat32({ width: 2, height: 2, depth: 2, data: new Float32Array(7) })).toThrow(/7 values.*needs 8/);
    expect(() => niftiFloat32({ width: 0, height: 2, depth: 1, data: new Float32Array(0) })).toThrow(/width/);
    expect(() => niftiFloat32({ width: 1, height: 1, depth: 1, data: new Float32Array(1), spacing: [0, 1] })).toThrow(/spacing/);
  });

  const python = '/usr/bin/python3';
  const hasNibabel = existsSync(python) && (() => {
    try {
      execFileSync(python, ['-c', 'import nibabel'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!hasNibabel)('is read by nibabel with the same shape, voxel sizes and values', () => {
    const [w, h, d] = [6, 4, 3];
    const data = ramp(w, h, d);
    const dir = mkdtempSync(join(tmpdir(), 'nifti-'));
    try {
      const file = join(dir, 'sigma.nii');
      writeFileSync(file, new Uint8Array(niftiFloat32({ width: w, height: h, depth: d, data, spacing: [0.8, 0.6], sliceSpacing: 2 })));
      const script = [
        'import sys, json, nibabel as nib, numpy as np',
        'img = nib.load(sys.argv[1])',
        'a = np.asanyarray(img.dataobj)',
        'print(json.dumps({"shape": list(a.shape), "dtype": str(a.dtype), "zooms": [float(z) for z in img.header.get_zooms()],',
        '  "v": float(a[5, 3, 2]), "v0": float(a[1, 2, 0]), "offset": int(img.dataobj.offset)}))',
      ].join('\n');
      const got = JSON.parse(execFileSync(python, ['-c', script, file], { encoding: 'utf8' })) as Record<string, unknown>;
      expect(got['shape']).toEqual([w, h, d]);
      expect(got['dtype']).toBe('float32');
      expect((got['zooms'] as number[]).map((z) => Number(z.toFixed(5)))).toEqual([0.6, 0.8, 2]);
      // a[x, y, z] = 1000·z + 100·y + x + 0.25.
      expect(got['v']).toBe(2305.25);
      expect(got['v0']).toBe(201.25);
      expect(got['offset']).toBe(352);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sigma export', () => {
  const slices = (w: number, h: number, spacing?: [number, number]) => {
    const asked: { ref: ImageRef; index: number }[] = [];
    const call = async (ref: ImageRef, index: number): Promise<SliceImage> => {
      asked.push({ ref, index });
      const data = new Float32Array(w * h).map((_, i) => index * 10 + i);
      return { width: w, height: h, data: data.buffer, min: 0, max: 99, ...(spacing ? { spacing } : {}) };
    };
    return { call, asked };
  };

  it('stacks every slice of the range in order, from the uncertainty ref', async () => {
    const { call, asked } = slices(3, 2);
    const buf = await sigmaNifti(call, 'j7', 4, 7, 'Diffusion', [1.5, 1.25]);
    expect(asked.map((a) => a.index)).toEqual([4, 5, 6]);
    expect(asked.every((a) => a.ref.kind === 'uncertainty' && a.ref.jobId === 'j7')).toBe(true);
    expect(buf.byteLength).toBe(352 + 4 * 3 * 2 * 3);
    const v = new Float32Array(buf, 352);
    expect(v[0]).toBe(40);
    expect(v[6]).toBe(50);
    expect(v[17]).toBe(65);
    expect(new DataView(buf).getFloat32(80, true)).toBe(1.25);
  });

  it('prefers the spacing the slices carry', async () => {
    const { call } = slices(2, 2, [0.5, 0.25]);
    const h = new DataView(await sigmaNifti(call, 'j', 0, 1, 'x', [9, 9]));
    expect(h.getFloat32(80, true)).toBe(0.25);
    expect(h.getFloat32(84, true)).toBe(0.5);
  });

  it('refuses an empty range and slices of different sizes', async () => {
    await expect(stackSlices(slices(2, 2).call, { kind: 'uncertainty', jobId: 'j' }, 3, 3)).rejects.toThrow(/no slices/);
    let n = 0;
    const uneven = async (): Promise<SliceImage> => {
      const w = n++ === 0 ? 2 : 3;
      return { width: w, height: 2, data: new Float32Array(w * 2).buffer, min: 0, max: 1 };
    };
    await expect(stackSlices(uneven, { kind: 'uncertainty', jobId: 'j' }, 0, 2)).rejects.toThrow(/slice 1 is 3×2, the first was 2×2/);
  });

  it('makes a safe file name', () => {
    expect(sigmaFileName('Diffusion (2 samples) · 5 steps')).toBe('Diffusion_2_samples_5_steps_sigma.nii');
    expect(sigmaFileName('···')).toBe('job_sigma.nii');
  });
});
