/**
 * Files chosen or dropped in a browser reach the host as bytes: read each
 * File to an ArrayBuffer and send them in `upload` calls, batched so that no
 * frame grows past ~256 MiB (the server accepts up to 1 GiB per frame, and
 * smaller batches keep memory and progress reasonable). In the desktop app,
 * files that have a path on disk are opened in place instead.
 */
import type { OpenResult } from '@contracts';
import type { WorkspaceClient } from './client';

export const BATCH_BYTES = 256 * 1024 ** 2;
/** The server's ceiling for one frame; a single larger file cannot travel. */
export const MAX_FILE_BYTES = 1024 ** 3 - 1024 ** 2;
/** The contract's limit on files per call. */
const MAX_FILES_PER_CALL = 5000;

/** The name the host sees: the path inside a dropped folder when the browser gives one. */
export function uploadName(file: File): string {
  const relative = (file as File & { webkitRelativePath?: string }).webkitRelativePath;
  return relative || file.name;
}

/** Groups files so each group's total stays under `limit` bytes (a file bigger than that goes alone). */
export function planBatches<T extends { size: number }>(files: readonly T[], limit = BATCH_BYTES, maxCount = MAX_FILES_PER_CALL): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const file of files) {
    if (batch.length > 0 && (bytes + file.size > limit || batch.length >= maxCount)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(file);
    bytes += file.size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

function merge(into: OpenResult, part: OpenResult): void {
  into.datasets.push(...part.datasets);
  into.errors.push(...part.errors);
  into.notes.push(...part.notes);
}

/** Opens the files on the host and returns what opened and what did not (each problem in words). */
export async function uploadFiles(client: WorkspaceClient, files: File[]): Promise<OpenResult> {
  const result: OpenResult = { datasets: [], errors: [], notes: [] };
  if (files.length === 0) return result;

  // Desktop: the host reads the files where they are; no bytes need to travel.
  const paths = client.pathsForFiles?.(files) ?? [];
  if (paths.length === files.length && paths.every((p) => p !== '')) {
    return client.call('open', { paths });
  }

  const sendable: File[] = [];
  for (const file of files) {
    if (file.size > MAX_FILE_BYTES) {
      result.errors.push({ path: uploadName(file), message: `too large to upload (${(file.size / 1024 ** 3).toFixed(1)} GiB; the limit is 1 GiB)` });
    } else {
      sendable.push(file);
    }
  }
  for (const batch of planBatches(sendable)) {
    const payload: { name: string; data: ArrayBuffer }[] = [];
    for (const file of batch) {
      try {
        payload.push({ name: uploadName(file), data: await file.arrayBuffer() });
      } catch (err) {
        result.errors.push({ path: uploadName(file), message: `could not be read: ${err instanceof Error ? err.message : String(err)}` });
      }
    }
    if (payload.length > 0) merge(result, await client.call('upload', { files: payload }));
  }
  return result;
}
