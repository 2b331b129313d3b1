/**
 * Loading h5wasm (the HDF5 C library compiled to WebAssembly) once, lazily,
 * with its Node build: `h5wasm/node` (the package's "./node" export) uses
 * Emscripten's NODERAWFS, so `new File(path)` opens the real file and HDF5
 * reads only the byte ranges it needs (superblock, object headers, the chunks
 * or contiguous runs of a requested hyperslab). Nothing is copied into a
 * virtual file system, so a 1 GB fastMRI file costs one slice of memory.
 *
 * Two quirks are handled here:
 *  - By default HDF5 prints its error stack ("HDF5-DIAG: ...") straight to
 *    file descriptor 2 (NODERAWFS) and the call just returns -1. h5wasm's
 *    "throwing error handler" turns the stack into a thrown Error instead, so
 *    we enable it once: nothing reaches stderr, and the stack's most specific
 *    line goes into the ReaderError of the file that caused it.
 *  - On some corrupt files HDF5 calls abort(); the module survives (the call
 *    throws and later files read normally: fuzz-tested) but Emscripten
 *    first prints "Aborted(...)" through a console.error it binds when the
 *    module is instantiated. A filter installed just for the import drops
 *    those lines (the thrown error carries the news) and passes on the rest.
 *  - Emscripten decides "web, not Node" when `navigator` exists (Electron,
 *    Node >= 21). h5wasm's README recommends hiding it while the module
 *    initialises; we do the same and restore it after.
 */
type H5 = typeof import('h5wasm/node');

let loading: Promise<H5> | undefined;

/**
 * The HDF5 heap (WASM memory) only ever grows, up to 2 GiB, and a corrupt
 * file can make HDF5 ask for that much (a garbage variable-length string
 * length, a bogus chunk size): seconds of paging, then an abort, and the
 * process keeps the memory. While files are open, growth is refused beyond
 * their budgets (acquireHeapBudget), so such a malloc fails at once and
 * HDF5 reports an error instead.
 */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(delta: number): number;
}
interface Wasm {
  instantiate: (...args: unknown[]) => Promise<unknown>;
  Memory: abstract new (...args: never[]) => WasmMemory;
}
// The engine's lib settings carry no WebAssembly types; these are all we touch.
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

let heap: WasmMemory | undefined;
let heapBase = 0;
const budgets = new Set<{ bytes: number }>();

/** Caps HDF5 heap growth at (heap size now) + `bytes` (+ other open files' budgets) until the returned release is called. */
export function acquireHeapBudget(bytes: number): () => void {
  if (budgets.size === 0) heapBase = heap?.buffer.byteLength ?? 0;
  const b = { bytes };
  budgets.add(b);
  return () => void budgets.delete(b);
}

function capGrowth(memory: WasmMemory): void {
  const grow = memory.grow.bind(memory);
  memory.grow = (delta: number): number => {
    if (budgets.size > 0) {
      let ceiling = heapBase;
      for (const b of budgets) ceiling += b.bytes;
      if (memory.buffer.byteLength + delta * 65536 > ceiling) throw new RangeError('HDF5 heap budget exceeded');
    }
    return grow(delta);
  };
}

/** Runs `load` while recording the memory of the WASM instance it creates. */
async function captureMemory<T>(load: () => Promise<T>): Promise<T> {
  const original = wasm.instantiate;
  const remember = (r: unknown): void => {
    const inst = ((r as { instance?: unknown }).instance ?? r) as { exports?: Record<string, unknown> } | undefined;
    const mem = inst?.exports?.memory;
    if (mem instanceof wasm.Memory && !heap) heap = mem;
  };
  wasm.instantiate = async (...args: unknown[]) => {
    const r = await original.apply(wasm, args);
    remember(r);
    return r;
  };
  try {
    return await load();
  } finally {
    wasm.instantiate = original;
    if (heap) capGrowth(heap);
  }
}

export function loadH5wasm(): Promise<H5> {
  loading ??= (async () => {
    const nav = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    const original = console.error;
    console.error = (...args: unknown[]): void => {
      // h5wasm binds its stderr to this function at start-up; a refused heap growth is reported as a ReaderError already.
      if (typeof args[0] === 'string' && (args[0].startsWith('Aborted(') || args[0].includes('HDF5 heap budget exceeded') || args[0].startsWith('Cannot enlarge memory'))) return;
      original.apply(console, args);
    };
    if (nav?.configurable) Object.defineProperty(globalThis, 'navigator', { value: undefined, configurable: true });
    try {
      const h5 = await captureMemory(async () => {
        const m = await import('h5wasm/node');
        await m.ready;
        return m;
      });
      (h5.Module as unknown as { activate_throwing_error_handler(): number }).activate_throwing_error_handler();
      return h5;
    } finally {
      console.error = original;
      if (nav?.configurable) Object.defineProperty(globalThis, 'navigator', nav);
    }
  })();
  return loading;
}

/** The most specific complaint in an HDF5 error stack (the deepest frame and its "minor:" line), for error messages. */
export function summariseDiagnostics(text: string): string | undefined {
  const minors = [...text.matchAll(/minor:\s*([^\n]+)/g)].map((m) => m[1]!.trim());
  const frames = [...text.matchAll(/#\d+:.*? in (\w+\(\)): ([^\n]+)/g)].map((m) => m[2]!.trim());
  const last = frames[frames.length - 1];
  const minor = minors[minors.length - 1];
  if (last && minor) return `${last} (${minor})`;
  return last ?? minor;
}
