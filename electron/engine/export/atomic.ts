/**
 * Writes that never leave half a file behind and never clobber a source:
 * every file goes to a temporary name in the same directory and is renamed
 * into place; a whole output folder is staged beside its target and renamed in
 * one step, so a failed or cancelled job leaves nothing (ARCHITECTURE.md).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export function writeFileAtomic(path: string, data: string | Uint8Array, { overwrite = false } = {}): void {
  if (!overwrite && existsSync(path)) throw new Error(`${path}: already exists (refusing to overwrite)`);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, data, { flag: 'wx' });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * A folder that becomes `target` only when commit() is called. Until then the
 * files live in a hidden sibling folder that abort() (or a crash) leaves
 * behind only as a dot-folder, never as a half-filled target.
 */
export class StagedDir {
  readonly target: string;
  readonly path: string;
  private done = false;

  constructor(target: string, private readonly opts: { overwrite?: boolean } = {}) {
    this.target = resolve(target);
    if (existsSync(this.target) && readdirSync(this.target).length > 0 && !opts.overwrite) {
      throw new Error(`${target}: output folder exists and is not empty (use --overwrite to replace it)`);
    }
    mkdirSync(dirname(this.target), { recursive: true });
    this.path = join(dirname(this.target), `.${basename(this.target)}.staging-${randomBytes(6).toString('hex')}`);
    mkdirSync(this.path);
  }

  file(relative: string): string {
    const p = resolve(this.path, relative);
    if (!p.startsWith(this.path + '/') && p !== this.path) throw new Error(`${relative}: path escapes the output folder`);
    mkdirSync(dirname(p), { recursive: true });
    return p;
  }

  write(relative: string, data: string | Uint8Array): void {
    writeFileSync(this.file(relative), data, { flag: 'wx' });
  }

  commit(): void {
    if (this.done) return;
    let backup: string | undefined;
    if (existsSync(this.target)) {
      backup = `${this.path}.old`;
      renameSync(this.target, backup);
    }
    try {
      renameSync(this.path, this.target);
    } catch (e) {
      if (backup) renameSync(backup, this.target);
      throw e;
    }
    if (backup) rmSync(backup, { recursive: true, force: true });
    this.done = true;
  }

  abort(): void {
    if (this.done) return;
    rmSync(this.path, { recursive: true, force: true });
    this.done = true;
  }
}
