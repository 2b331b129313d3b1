/**
 * Debounced, latest-wins runner for previews that follow a live control
 * (the acquisition preview follows every keystroke in the accel field).
 * Only the newest request's answer is delivered: an older answer that arrives
 * late is dropped, so the canvas never flips back to a stale mask.
 */
export interface LatestRunner<T> {
  /** Schedules `task` after the delay, replacing any request not yet started. */
  schedule(task: () => Promise<T>): void;
  /** Drops pending and in-flight requests (component destroyed, dataset closed). */
  cancel(): void;
}

export function latestRunner<T>(
  delayMs: number,
  deliver: (value: T) => void,
  fail: (error: unknown) => void,
): LatestRunner<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Bumped on every schedule/cancel; an answer counts only if its ticket is current.
  let ticket = 0;
  return {
    schedule(task) {
      const mine = ++ticket;
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        task().then(
          (value) => {
            if (mine === ticket) deliver(value);
          },
          (error: unknown) => {
            if (mine === ticket) fail(error);
          },
        );
      }, delayMs);
    },
    cancel() {
      ticket++;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
