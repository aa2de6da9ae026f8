/** The part of `node:fs` this file uses (imported at run time, so the main entry stays browser-safe). */
interface FdApi {
  readlinkSync(path: string): string;
  openSync(path: string, flags: string): number;
  closeSync(fd: number): void;
}

/** Name of the environment variable that keeps TensorFlow's own log lines (`1`). */
export const NATIVE_LOGS_ENV_VAR = 'VLM_TF_LOGS';

/**
 * Sets TensorFlow's log level (errors only) unless the user chose one, then runs `load` (the import of
 * tfjs-node) with the process's file descriptor 2 pointed at /dev/null, on Linux when stderr is a
 * terminal, a pipe or a file (not a socket: it cannot be reopened). TensorFlow 2.1x's libraries log while they are loaded, through absl,
 * before `TF_CPP_MIN_LOG_LEVEL` is read ("All log messages before absl::InitializeLog() ...", "oneDNN
 * custom operations are on ..."); those lines go straight to the descriptor, past Node's streams. Anything
 * else that fails to load still throws, with its message. `TF_CPP_MIN_LOG_LEVEL` or `VLM_TF_LOGS=1`
 * set by the user leave the output alone.
 */
export async function quietNativeLoad<T>(load: () => Promise<T>): Promise<T> {
  if (typeof process === 'undefined' || !process.versions?.node) return load();
  const userLevel = process.env.TF_CPP_MIN_LOG_LEVEL;
  if (userLevel !== undefined || process.env[NATIVE_LOGS_ENV_VAR] === '1') return load();
  process.env.TF_CPP_MIN_LOG_LEVEL = '2';
  if (process.platform !== 'linux') return load();
  let fs: FdApi;
  let saved: number;
  try {
    const specifier = 'node:fs';
    fs = (await import(/* @vite-ignore */ specifier)) as FdApi;
    // What stderr is, from its /proc link: "pipe:[…]", "socket:[…]", a terminal or a file path. (Not
    // fs.fstatSync: on Node 20 an fstat of a pipe breaks the module loader's next symlink resolution.)
    const target = fs.readlinkSync('/proc/self/fd/2');
    if (!(target.startsWith('pipe:') || (target.startsWith('/') && target !== '/dev/null'))) return load();
    // A second descriptor for what stderr is now; 'a' appends, so a redirected log file is not overwritten.
    saved = fs.openSync('/proc/self/fd/2', 'a');
  } catch {
    return load();
  }
  let ownsFd2 = false;
  try {
    fs.closeSync(2);
    // The lowest free descriptor is 2 again.
    const devNull = fs.openSync('/dev/null', 'w');
    ownsFd2 = devNull === 2;
    if (!ownsFd2) fs.closeSync(devNull);
    return await load();
  } finally {
    if (ownsFd2) fs.closeSync(2);
    const restored = fs.openSync(`/proc/self/fd/${saved}`, 'a');
    if (restored !== 2) fs.closeSync(restored);
    fs.closeSync(saved);
  }
}
