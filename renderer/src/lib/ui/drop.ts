/**
 * Files out of a drop. In a browser a dropped folder arrives as one File that
 * cannot be read; its entries have to be walked (webkitGetAsEntry) to get
 * the files inside, e.g. a DICOM series folder.
 */

/** True when a drag carries files (not text or a link dragged from the page). */
export function carriesFiles(dt: DataTransfer | null): boolean {
  return !!dt && Array.from(dt.types).includes('Files');
}

/** Every file of a drop, folders walked recursively (at most `limit` files). */
export async function filesFromDrop(dt: DataTransfer, limit = 5000): Promise<File[]> {
  const entries = Array.from(dt.items)
    .map((item) => (item.kind === 'file' ? item.webkitGetAsEntry?.() : null))
    .filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0 || entries.every((e) => e.isFile)) return Array.from(dt.files);
  const out: File[] = [];
  for (const entry of entries) await walk(entry, out, limit);
  return out;
}

async function walk(entry: FileSystemEntry, out: File[], limit: number): Promise<void> {
  if (out.length >= limit) return;
  if (entry.isFile) {
    out.push(await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject)));
    return;
  }
  if (!entry.isDirectory) return;
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries returns at most ~100 entries per call; read until it returns none.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const child of batch) await walk(child, out, limit);
  }
}
