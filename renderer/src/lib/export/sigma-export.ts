/**
 * "Save σ map": every slice of a job's per-pixel SD map, fetched at full
 * resolution through the ordinary slice call, stacked into one float32
 * NIfTI and handed to the browser as a download.
 */
import type { ImageRef, SliceImage } from '@contracts';
import { niftiFloat32 } from './nifti';

export type SliceCall = (ref: ImageRef, index: number) => Promise<SliceImage>;

export interface StackedVolume {
  width: number;
  height: number;
  depth: number;
  data: Float32Array;
  spacing?: [number, number];
}

/** Fetches slices [first, end) of `ref` one after another and stacks them; all must share one size. */
export async function stackSlices(call: SliceCall, ref: ImageRef, first: number, end: number): Promise<StackedVolume> {
  const depth = end - first;
  if (!(depth > 0)) throw new RangeError(`no slices to save (range ${first}..${end})`);
  let vol: StackedVolume | null = null;
  for (let k = 0; k < depth; k++) {
    // No maxSize: the host answers at full resolution.
    const img = await call(ref, first + k);
    const plane = img.width * img.height;
    if (!vol) {
      vol = { width: img.width, height: img.height, depth, data: new Float32Array(plane * depth), ...(img.spacing ? { spacing: img.spacing } : {}) };
    } else if (img.width !== vol.width || img.height !== vol.height) {
      throw new RangeError(`slice ${first + k} is ${img.width}×${img.height}, the first was ${vol.width}×${vol.height}`);
    }
    if (img.data.byteLength < plane * 4) throw new RangeError(`slice ${first + k} carries ${img.data.byteLength} bytes, ${plane * 4} expected`);
    vol.data.set(new Float32Array(img.data, 0, plane), k * plane);
  }
  return vol as StackedVolume;
}

/** Builds the .nii of a job's σ map (slices [first, end)); `spacing` fills in when the slices carry none. */
export async function sigmaNifti(call: SliceCall, jobId: string, first: number, end: number, label: string, spacing?: [number, number]): Promise<ArrayBuffer> {
  const vol = await stackSlices(call, { kind: 'uncertainty', jobId }, first, end);
  const sp = vol.spacing ?? spacing;
  return niftiFloat32({ ...vol, ...(sp ? { spacing: sp } : {}), description: `per-pixel SD, ${label}, slices ${first}-${end - 1}` });
}

/** A file name from a job label: letters, digits, dot, dash and underscore only. */
export function sigmaFileName(label: string): string {
  const base = label.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'job';
  return `${base}_sigma.nii`;
}

/** Hands bytes to the browser as a download (an anchor with a blob URL, revoked once used). */
export function downloadBytes(bytes: ArrayBuffer, name: string, type = 'application/octet-stream'): void {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // Some browsers read the URL after click() returns: revoke on the next turn.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
