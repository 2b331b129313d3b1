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
/** Frame counter, and whether we are between this frame's callback and its paint. */
let frameId = 0;
let inFrame = false;
let countedFrame = -1;
let microtaskPending = false;
// A message posted during the animation frame arrives as a task after the paint: the end of the frame.
const endOfFrame = typeof MessageChannel === 'undefined' ? null : new MessageChannel();
if (endOfFrame) endOfFrame.port1.onmessage = () => (inFrame = false);

function perf(): ReconPerf {
  const w = window;
  w.__reconPerf ??= { frames: 0, lastDrawMs: 0, drawMs: [] };
  return w.__reconPerf;
}

function flush(): void {
  microtaskPending = false;
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
  if (countedFrame === frameId) {
    // A second flush in the same frame (a change made by another frame callback): one frame, more work.
    p.lastDrawMs += ms;
    p.drawMs[p.drawMs.length - 1] = p.lastDrawMs;
    return;
  }
  countedFrame = frameId;
  p.frames++;
  p.lastDrawMs = ms;
  p.drawMs.push(ms);
  if (p.drawMs.length > PERF_KEEP) p.drawMs.splice(0, p.drawMs.length - PERF_KEEP);
}

function loop(): void {
  frameId++;
  inFrame = endOfFrame !== null;
  idle = dirty.size > 0 ? 0 : idle + 1;
  flush();
  endOfFrame?.port2.postMessage(null);
  if (idle < IDLE_FRAMES) requestAnimationFrame(loop);
  else looping = false;
}

/**
 * Draws `draw` once, in this frame if we are still before its paint (a change
 * made by another animation-frame callback, e.g. a scripted scroll), else in
 * the next; any number of requests before then cost one draw.
 */
export function requestDraw(draw: () => void): void {
  dirty.add(draw);
  if (inFrame) {
    if (!microtaskPending) {
      microtaskPending = true;
      queueMicrotask(flush);
    }
    return;
  }
  if (!looping) {
    looping = true;
    idle = 0;
    requestAnimationFrame(loop);
  }
}

/** Forgets a pending draw (the viewport is being destroyed). */
export function cancelDraw(draw: () => void): void {
  dirty.delete(draw);
}
