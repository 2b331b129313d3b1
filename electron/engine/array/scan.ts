/**
 * What readers produce and recons consume. Shapes follow layout.ts:
 * images [slice][y][x], k-space [slice][coil][ky][kx], mask [ky][kx].
 */
import type { CTensor, RTensor } from './layout';

export interface Geometry {
  /** Voxel size in mm, [slice, y, x] to match the array order. */
  spacing: [number, number, number];
  /**
   * 4x4 row-major affine taking a voxel index (x=column, y=row, slice), as the
   * homogeneous column (x, y, slice, 1), to patient RAS+ millimetres (NIfTI
   * convention; DICOM's LPS is converted on read).
   */
  affine?: number[];
  frameOfReferenceUID?: string;
}

export interface SourceInfo {
  /** Path of the file or folder the data came from. */
  path: string;
  format: 'nifti' | 'dicom' | 'cfl' | 'hdf5' | 'sample' | 'synthetic';
  /** SHA-256 of the source bytes (hex), when known. */
  sha256?: string;
}

/** Display and export metadata (patient/study/series fields, description...). */
export type Meta = Record<string, string | number | undefined>;

export interface ImageVolume {
  kind: 'image';
  /** Magnitude (real) image [slice][y][x]. */
  image: RTensor;
  /** Complex image [slice][y][x], when the source has phase. */
  complex?: CTensor;
  geometry: Geometry;
  meta: Meta;
  source: SourceInfo;
}

export interface KSpaceVolume {
  kind: 'kspace';
  /** [slice][coil][ky][kx]; unsampled entries are exactly zero. */
  kspace: CTensor;
  /** [ky][kx] of 0/1 when the file states its sampling; else derived from non-zeros. */
  mask?: RTensor;
  /** Coil sensitivities [slice][coil][y][x]. */
  sens?: CTensor;
  /** Ground truth magnitude [slice][y][x] for metrics, when known. */
  reference?: RTensor;
  geometry: Geometry;
  meta: Meta;
  source: SourceInfo;
}

export type Volume = ImageVolume | KSpaceVolume;
