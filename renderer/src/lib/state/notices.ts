/** The notice list's rules, kept pure for tests: a cap, and errors outlive the rest. */

export interface Notice {
  id: number;
  level: 'info' | 'warning' | 'error';
  message: string;
}

/** How long a notice stays before it leaves by itself; errors stay until dismissed. */
export const NOTICE_MS: Record<Notice['level'], number | null> = { info: 6000, warning: 12000, error: null };

/** Enough to read a burst (a folder with a few bad files) without covering the screen. */
export const MAX_NOTICES = 8;

/**
 * Appends a notice. Over the cap the oldest non-error leaves first, so an
 * unread error never scrolls away under a stream of progress messages.
 */
export function pushNotice(list: readonly Notice[], n: Notice, max = MAX_NOTICES): Notice[] {
  const next = [...list, n];
  while (next.length > max) {
    const i = next.findIndex((x) => x.level !== 'error');
    next.splice(i >= 0 ? i : 0, 1);
  }
  return next;
}
