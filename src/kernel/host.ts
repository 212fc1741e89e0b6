// What the kernel needs from whatever hosts it (Node today, a browser tab later). The kernel
// imports nothing from the outside world; src/host/<host>/ implements this interface.

/** An image the kernel has read and recognised, ready for a process thread to run. */
export type ProgramImage =
  | { kind: 'mhjs'; source: string; /** Names this image (path and file identity) for caches. */ key: string }
  | {
    kind: 'wasm';
    module: WebAssembly.Module;
    /** Names this image (path and file identity, or a serial for a file not settled). */
    key: string;
    /** The module has a start function: instantiating it runs the program's code. */
    startFunction: boolean;
  };

export interface StartInfo {
  pid: number;
  path: string;
  argv: string[];
  env: string[];
  image: ProgramImage;
  /** Ring buffers this process maps from the start: descriptors in `fdRings` and spares. */
  rings: { id: number; buffer: SharedArrayBuffer }[];
  fdRings: { fd: number; ringId: number; end: number }[];
  spareRings: number[];
  /** Names of signals (numbers) the process ignores from the start (inherited SIG_IGN). */
  ignored: number[];
  /**
   * The working directory and the schemes the namespace names (null: all), as getcwd and
   * getns would answer at the start: a WASI program's start-up needs both, and a syscall
   * each would cost more than the program's own start (docs/wasi.md, "Start-up").
   */
  cwd?: string;
  ns?: string[] | null;
  /**
   * For a WebAssembly program: descriptors of /scheme/null the kernel opened, close-on-exec,
   * to hold the numbers of its preopened directories (abi/preopen.ts), in that order.
   */
  preopens?: number[];
}

/** One worker thread that runs one process, from the host's pool of pre-started ones. */
export interface ProcessThread {
  /** The syscall channel, created by the thread (inside its sandbox, for MH-JS programs). */
  readonly channel: SharedArrayBuffer;
  start(info: StartInfo): void;
  /** Hands a shared buffer to the running process (spare rings, mapped regions). */
  post(kind: 'ring' | 'region', id: number, buffer: SharedArrayBuffer): void;
  /** Ends the thread at once (the process may be running code). */
  terminate(): void;
  /**
   * The process ended while its thread waited in a syscall: mark its channel dead (so the
   * waiting call unwinds the program) and reuse the thread if it comes back clean in time.
   */
  release(): void;
  /** Called once if the thread dies on its own (an uncaught error, out of memory). */
  onDeath: ((reason: string) => void) | null;
}

export interface Host {
  /** Monotonic milliseconds. */
  now(): number;
  /** Wall-clock milliseconds since the epoch. */
  wallClock(): number;
  randomFill(dst: Uint8Array): void;
  /**
   * Takes a pre-started process thread from the pool (starting one if the pool is empty),
   * preferring one made ready for `image` (a host may keep a program instantiated ahead).
   */
  acquireThread(image?: ProgramImage): Promise<ProcessThread>;
  /** Compiles a WebAssembly module (cached by the host where it can). */
  compileWasm(bytes: Uint8Array): Promise<WebAssembly.Module>;
  /** Frees pooled threads and timers so the host process can exit. */
  shutdown(): void;
  /** The host process's memory use, in bytes. */
  memory(): { rss: number; heapUsed: number };
  /** Timers that do not keep the host alive on their own. */
  setTimer(ms: number, fn: () => void): () => void;
  /**
   * CPU cores the host can run threads on, when it knows. A caller spins for a daemon's
   * answer only when there are cores for the three threads involved (see dispatch.ts).
   */
  readonly cores?: number;
}
