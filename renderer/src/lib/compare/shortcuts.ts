/**
 * The comparison's keyboard shortcuts, as data: the help overlay lists the
 * same table the handler uses, so they cannot drift apart. Ctrl+O and Enter
 * belong to the shell and the forms and are never bound here.
 */
import type { PresetName } from './window-level';

export type ShortcutAction =
  | { kind: 'slice'; delta: number }
  | { kind: 'slice-to'; where: 'first' | 'last' }
  | { kind: 'layout'; count: number }
  | { kind: 'preset'; name: PresetName }
  | { kind: 'tool'; tool: 'diff' | 'profile' | 'swipe' | 'flicker' }
  | { kind: 'reset' }
  | { kind: 'help' }
  | { kind: 'escape' };

export interface Shortcut {
  keys: string;
  what: string;
}

export const SHORTCUT_HELP: readonly Shortcut[] = [
  { keys: 'Wheel / ↑ ↓', what: 'previous / next slice' },
  { keys: 'PgUp / PgDn', what: 'ten slices back / forward' },
  { keys: 'Home / End', what: 'first / last slice' },
  { keys: 'Ctrl+wheel', what: 'zoom about the cursor' },
  { keys: 'Middle-drag, Shift+drag', what: 'pan' },
  { keys: 'Right-drag', what: 'window (horizontal) and level (vertical)' },
  { keys: 'Double-click', what: 'fit the image' },
  { keys: '1 – 6', what: 'layout: that many viewports' },
  { keys: 'Shift+1 – 4', what: 'W/L presets: auto, soft, bright, contrast' },
  { keys: 'D', what: 'difference map' },
  { keys: 'P', what: 'line profile tool' },
  { keys: 'S', what: 'swipe between the first two' },
  { keys: 'F', what: 'flicker between the first two' },
  { keys: 'R', what: 'reset zoom, pan and window' },
  { keys: '?', what: 'this help' },
];

const PRESET_BY_DIGIT: Record<string, PresetName> = { Digit1: 'auto', Digit2: 'soft', Digit3: 'bright', Digit4: 'contrast' };

/** Whether a key event belongs to a text field or control (then the viewer leaves it alone). */
export function isTyping(target: EventTarget | null): boolean {
  if (!target || typeof (target as Element).closest !== 'function') return false;
  const el = target as Element;
  if (el.closest('input, textarea, select, [contenteditable="true"]')) return true;
  return false;
}

/** The action a key means, or null. Pure: takes only what it needs from the event. */
export function shortcutFor(e: Pick<KeyboardEvent, 'key' | 'code' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>): ShortcutAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (e.shiftKey && PRESET_BY_DIGIT[e.code]) return { kind: 'preset', name: PRESET_BY_DIGIT[e.code] as PresetName };
  switch (e.key) {
    case 'ArrowUp':
      return { kind: 'slice', delta: -1 };
    case 'ArrowDown':
      return { kind: 'slice', delta: 1 };
    case 'PageUp':
      return { kind: 'slice', delta: -10 };
    case 'PageDown':
      return { kind: 'slice', delta: 10 };
    case 'Home':
      return { kind: 'slice-to', where: 'first' };
    case 'End':
      return { kind: 'slice-to', where: 'last' };
    case '?':
      return { kind: 'help' };
    case 'Escape':
      return { kind: 'escape' };
  }
  if (!e.shiftKey && /^[1-6]$/.test(e.key)) return { kind: 'layout', count: Number(e.key) };
  switch (e.key.toLowerCase()) {
    case 'd':
      return { kind: 'tool', tool: 'diff' };
    case 'p':
      return { kind: 'tool', tool: 'profile' };
    case 's':
      return { kind: 'tool', tool: 'swipe' };
    case 'f':
      return { kind: 'tool', tool: 'flicker' };
    case 'r':
      return { kind: 'reset' };
  }
  return null;
}
