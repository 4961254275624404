// Running a command with its output passed through live (a person follows it in the job log as it runs),
// optionally keeping the tail for error analysis, feeding stdin (a password is never an argument), bounded
// by a timeout, and stopped with its whole process group when the job is cancelled.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { ActionError } from './errors.js';

export interface ExecOptions {
  cwd?: string;
  /** The child's whole environment; default this process's. */
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed; without it stdin is empty (never the runner's). */
  input?: string;
  /** Pass stdout/stderr through to this process's as they arrive. Default true. */
  stream?: boolean;
  /** Keep at most this many characters of each stream (the tail). Default 1 MiB; 0 keeps nothing. */
  captureLimit?: number;
  /** Stops the command (SIGTERM to its process group, SIGKILL 5 s later) when aborted. */
  signal?: AbortSignal;
  /** Stops the command after this long; the result then has `timedOut: true`. */
  timeoutMs?: number;
  /** What to tell the user when the executable is not found (ENOENT). */
  notFoundHint?: string;
}

export interface ExecResult {
  /** The exit code, or `128 + signal number` when the command was killed by a signal (as a shell reports it). */
  status: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  cancelled: boolean;
}

const DEFAULT_CAPTURE = 1024 * 1024;
const KILL_GRACE_MS = 5000;

/** Runs `file` with `args` (no shell: arguments are passed as they are). */
export function execFile(file: string, args: string[], options: ExecOptions = {}): Promise<ExecResult> {
  return run(file, args, options);
}

/**
 * Runs `command` through a shell, as a workflow's `run:` step does: `bash --noprofile --norc -eo pipefail -c`
 * where bash exists (so `a | b` fails when `a` fails), else `sh -c`; `cmd.exe /d /s /c` on Windows.
 */
export async function execShell(command: string, options: ExecOptions = {}): Promise<ExecResult> {
  if (process.platform === 'win32') {
    return run(process.env.ComSpec ?? 'cmd.exe', ['/d', '/s', '/c', command], options);
  }
  try {
    return await run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', command], {
      ...options,
      notFoundHint: undefined,
    });
  } catch (error) {
    if (!(error instanceof ExecNotFoundError)) throw error;
    return run('sh', ['-c', command], options);
  }
}

class ExecNotFoundError extends ActionError {
  override readonly name = 'ExecNotFoundError';
}

function run(file: string, args: string[], options: ExecOptions): Promise<ExecResult> {
  const stream = options.stream ?? true;
  const limit = options.captureLimit ?? DEFAULT_CAPTURE;
  const started = Date.now();
  return new Promise<ExecResult>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(options.signal.reason);
      return;
    }
    const posix = process.platform !== 'win32';
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group, so cancelling stops the command's children too (npm → node → workers).
      detached: posix,
      windowsHide: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let cancelled = false;
    let killTimer: NodeJS.Timeout | undefined;

    const keep = (current: string, chunk: string) => {
      if (limit <= 0) return '';
      const next = current + chunk;
      return next.length > limit ? next.slice(next.length - limit) : next;
    };
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (stream) process.stdout.write(chunk);
      stdout = keep(stdout, chunk);
    });
    child.stderr.on('data', (chunk: string) => {
      if (stream) process.stderr.write(chunk);
      stderr = keep(stderr, chunk);
    });
    child.stdin.on('error', () => {
      // The command exited without reading its input (EPIPE); its exit status tells what happened.
    });
    child.stdin.end(options.input ?? '');

    const stop = () => {
      signalGroup(child.pid, 'SIGTERM', posix, child);
      killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL', posix, child), KILL_GRACE_MS);
      killTimer.unref();
    };
    const onAbort = () => {
      cancelled = true;
      stop();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timeout =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            stop();
          }, options.timeoutMs);

    const cleanup = () => {
      options.signal?.removeEventListener('abort', onAbort);
      if (timeout) clearTimeout(timeout);
      if (killTimer) clearTimeout(killTimer);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      cleanup();
      if (error.code === 'ENOENT') {
        reject(
          new ExecNotFoundError(`${file} was not found on PATH`, {
            hint: options.notFoundHint ?? `Install ${file} on the runner, or use a runner image that has it.`,
            cause: error,
          }),
        );
        return;
      }
      reject(new ActionError(`${file} could not be started: ${error.message}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      cleanup();
      const signalNumber = signal ? (constants.signals[signal] ?? 0) : 0;
      resolve({
        status: code ?? 128 + signalNumber,
        exitCode: code,
        signal,
        stdout,
        stderr,
        durationMs: Date.now() - started,
        timedOut,
        cancelled,
      });
    });
  });
}

function signalGroup(
  pid: number | undefined,
  signal: NodeJS.Signals,
  posix: boolean,
  child: { kill: (s: NodeJS.Signals) => boolean },
): void {
  try {
    if (posix && pid !== undefined) process.kill(-pid, signal);
    else child.kill(signal);
  } catch {
    // Already gone.
  }
}
