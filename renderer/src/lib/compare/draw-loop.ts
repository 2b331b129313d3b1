/**
 * One requestAnimationFrame for all viewports: a change (scroll, W/L drag,
 * new slice) only marks a viewport dirty; the frame draws each dirty one
 * once, however many changes arrived since the last frame.
 *
 * It also keeps the figures the benchmark reads from `window.__reconPerf`.
 */

export interface ReconPerf {
  /** Frames in which at least one viewport drew. */
  frames: number;
  /** Time spent drawing in the last such frame (ms). */
  lastDrawMs: number;
  /** The last 600 frames' draw times (ms). */
  drawMs: number[];
}

declare global {
  interface Window {
    __reconPerf?: ReconPerf;
  }
}

const PERF_KEEP = 600;
/** Frames the loop keeps running after the last draw, so a gesture's next change finds it awake. */
const IDLE_FRAMES = 30;

const dirty = new Set<() => void>();
let looping = false;
let idle = 0;

function perf(): ReconPerf {
  const w = window;
  w.__reconPerf ??= { frames: 0, lastDrawMs: 0, drawMs: [] };
  return w.__reconPerf;
}

function flush(): void {
  if (dirty.size === 0) return;
  const jobs = [...dirty];
  dirty.clear();
  const t0 = performance.now();
  for (const draw of jobs) {
    try {
      draw();
    } catch (e) {
      console.error('viewport draw failed', e);
    }
  }
  const ms = performance.now() - t0;
  const p = perf();
  p.frames++;
  p.lastDrawMs = ms;
  p.drawMs.push(ms);
  if (p.drawMs.length > PERF_KEEP) p.drawMs.splice(0, p.drawMs.length - PERF_KEEP);
}

function loop(): void {
  idle = dirty.size > 0 ? 0 : idle + 1;
  flush();
  if (idle < IDLE_FRAMES) requestAnimationFrame(loop);
  else looping = false;
}

/**
 * Draws `draw` once, in the next animation frame; any number of requests
 * before then cost one draw.
 *
 * Every draw happens inside the loop's own frame callback. (An earlier
 * version also flushed "within the current frame" from a microtask when a
 * change arrived between a frame callback and a message posted from it; but
 * that window also covers tasks that run after the paint, so those draws
 * landed outside any frame, were not counted, and left the loop idle while
 * the viewer waited for a frame that never came.)
 */
export function requestDraw(draw: () => void): void {
  dirty.add(draw);
  idle = 0;
  if (!looping) {
    looping = true;
    requestAnimationFrame(loop);
  }
}

/** Forgets a pending draw (the viewport is being destroyed). */
export function cancelDraw(draw: () => void): void {
  dirty.delete(draw);
}
