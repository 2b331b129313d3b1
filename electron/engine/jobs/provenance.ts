/**
 * Provenance: everything needed to reproduce a reconstruction byte for byte
 * (ARCHITECTURE.md "Contracts"): method, options, seed, mask, model, engine
 * version, and the hash of the input. Exports embed it (PNG text chunk, JSON
 * sidecar, later DICOM DerivationDescription).
 */
import { createHash } from 'node:crypto';
import { ENGINE_VERSION } from '../version';

export interface Provenance {
  software: string;
  engineVersion: string;
  createdAt: string;
  method: string;
  options: Record<string, unknown>;
  seed?: number;
  input: { path: string; format: string; sha256?: string; slices?: [number, number] };
  acquisition?: Record<string, unknown>;
  mask?: { spec?: unknown; acceleration: number; shape: [number, number]; sha256: string };
  model?: { name: string; sha256: string };
  notes?: string[];
}

export function sha256Hex(data: ArrayBufferView | string): string {
  const h = createHash('sha256');
  if (typeof data === 'string') h.update(data);
  else h.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return h.digest('hex');
}

export function makeProvenance(p: Omit<Provenance, 'software' | 'engineVersion' | 'createdAt'>, now = new Date()): Provenance {
  return { software: 'Recon Studio', engineVersion: ENGINE_VERSION, createdAt: now.toISOString(), ...p };
}
