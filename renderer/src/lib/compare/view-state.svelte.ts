/**
 * Slice, zoom/pan and window/level of the comparison's viewports. One shared
 * state plus a private one per viewport: a viewport whose sync flag for a
 * property is on reads and writes the shared value, otherwise its own (which
 * starts as a copy of the shared one when the flag is turned off, so
 * unsyncing never makes the image jump).
 */
import { FIT_VIEW, type View } from './geometry';
import type { WindowLevel } from './window-level';

export interface SyncFlags {
  slice: boolean;
  zoom: boolean;
  wl: boolean;
}
export type SyncKind = keyof SyncFlags;

export interface ViewportState {
  /** Dataset slice index. */
  slice: number;
  view: View;
  /** null = not chosen yet: the image's volume range. */
  wl: WindowLevel | null;
}

const ALL_SYNCED: SyncFlags = { slice: true, zoom: true, wl: true };

export class ViewSync {
  shared = $state<ViewportState>({ slice: 0, view: { ...FIT_VIEW }, wl: null });
  local = $state<Record<string, ViewportState>>({});
  flags = $state<Record<string, SyncFlags>>({});
  /** Direction of the last slice change (+1 / -1), for prefetching ahead. */
  direction = $state(1);

  flagsOf(key: string): SyncFlags {
    return this.flags[key] ?? ALL_SYNCED;
  }

  private own(key: string): ViewportState {
    let s = this.local[key];
    if (!s) {
      this.local[key] = { slice: this.shared.slice, view: { ...this.shared.view }, wl: this.shared.wl ? { ...this.shared.wl } : null };
      s = this.local[key];
    }
    return s as ViewportState;
  }

  slice(key: string): number {
    return this.flagsOf(key).slice ? this.shared.slice : (this.local[key]?.slice ?? this.shared.slice);
  }
  view(key: string): View {
    return this.flagsOf(key).zoom ? this.shared.view : (this.local[key]?.view ?? this.shared.view);
  }
  wl(key: string): WindowLevel | null {
    return this.flagsOf(key).wl ? this.shared.wl : (this.local[key]?.wl ?? this.shared.wl);
  }

  setSlice(key: string | null, slice: number, count: number): void {
    const s = Math.max(0, Math.min(count - 1, Math.round(slice)));
    const target = key === null || this.flagsOf(key).slice ? this.shared : this.own(key);
    if (s !== target.slice) this.direction = s > target.slice ? 1 : -1;
    target.slice = s;
  }
  setView(key: string | null, view: View): void {
    const target = key === null || this.flagsOf(key).zoom ? this.shared : this.own(key);
    target.view = view;
  }
  setWl(key: string | null, wl: WindowLevel | null): void {
    const target = key === null || this.flagsOf(key).wl ? this.shared : this.own(key);
    target.wl = wl;
  }

  /** Applies to the shared state and to every unsynced viewport too (toolbar presets, reset). */
  setWlEverywhere(wl: WindowLevel | null): void {
    this.shared.wl = wl;
    for (const s of Object.values(this.local)) s.wl = wl ? { ...wl } : null;
  }
  resetViewEverywhere(): void {
    this.shared.view = { ...FIT_VIEW };
    for (const s of Object.values(this.local)) s.view = { ...FIT_VIEW };
  }

  toggle(key: string, kind: SyncKind): void {
    const f = { ...this.flagsOf(key) };
    if (f[kind]) {
      // Going private: start from what the viewport shows now.
      const own = this.own(key);
      if (kind === 'slice') own.slice = this.shared.slice;
      if (kind === 'zoom') own.view = { ...this.shared.view };
      if (kind === 'wl') own.wl = this.shared.wl ? { ...this.shared.wl } : null;
    }
    f[kind] = !f[kind];
    this.flags[key] = f;
  }

  /** Forgets viewports that are gone. */
  retain(keys: readonly string[]): void {
    const keep = new Set(keys);
    for (const k of Object.keys(this.local)) if (!keep.has(k)) delete this.local[k];
    for (const k of Object.keys(this.flags)) if (!keep.has(k)) delete this.flags[k];
  }
}
