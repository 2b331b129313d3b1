/**
 * Follows an element's content size (for the uPlot panels, which need pixel
 * sizes): calls back with the size clamped to a usable minimum. Returns the
 * disconnect function, so it fits straight into an $effect's cleanup.
 */
export function observeSize(el: Element, onSize: (width: number, height: number) => void, min = { width: 120, height: 80 }): () => void {
  const ro = new ResizeObserver((entries) => {
    const r = entries[0]?.contentRect;
    if (!r) return;
    onSize(Math.max(min.width, Math.floor(r.width)), Math.max(min.height, Math.floor(r.height)));
  });
  ro.observe(el);
  return () => ro.disconnect();
}
