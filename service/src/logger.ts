// One JSON object per line on stdout (CloudWatch Logs takes them as they are); on a terminal, the same lines
// made readable (`12:00:01.234 INFO  request GET /v1/notes 200 3.1ms reqId=…`). Secrets are kept out by
// construction — nothing logs the configuration or request headers — and redaction is a second guard.
import { writeSync } from 'node:fs';
import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

export interface LoggerOptions {
  level: LogLevel;
  appVersion?: string;
  /** Where lines go; stdout by default. */
  destination?: DestinationStream;
  /** `pretty` for people, `json` for machines; by default pretty only when stdout is a terminal. */
  format?: 'json' | 'pretty';
}

const LEVEL_LABELS: Record<string, string> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO ',
  warn: 'WARN ',
  error: 'ERROR',
  fatal: 'FATAL',
};

/** Fields every line has (shown in the line's head, or not at all on a terminal). */
const HEAD_FIELDS = new Set(['level', 'time', 'msg', 'service', 'version']);

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

/** One JSON log line as a person reads it; a line that is not JSON is passed through. */
export function prettyLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : '';
  const level = LEVEL_LABELS[String(entry.level)] ?? String(entry.level).toUpperCase();
  const parts = [time, level, String(entry.msg ?? '')];
  if (entry.msg === 'request') {
    // The request line reads like an access log.
    parts.push(`${entry.method} ${entry.path} ${entry.status} ${entry.durationMs}ms`);
  }
  const shown = entry.msg === 'request' ? new Set(['method', 'path', 'status', 'durationMs']) : new Set();
  let stack: string | undefined;
  for (const [key, value] of Object.entries(entry)) {
    if (HEAD_FIELDS.has(key) || shown.has(key)) continue;
    if (key === 'err' && value && typeof value === 'object') {
      const err = value as { message?: unknown; stack?: unknown };
      parts.push(`err=${formatValue(String(err.message ?? ''))}`);
      if (typeof err.stack === 'string') stack = err.stack;
      continue;
    }
    parts.push(`${key}=${formatValue(value)}`);
  }
  return `${parts.filter(Boolean).join(' ')}\n${stack ? `${stack.replace(/^/gm, '    ')}\n` : ''}`;
}

/** Readable lines on a terminal, written as they come (a person is watching). */
function prettyStdout(): DestinationStream {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line) process.stdout.write(prettyLine(line));
    },
  };
}

/** Buffered lines are written at least this often, so a quiet service's logs are never late by more. */
const FLUSH_INTERVAL_MS = 250;
/** Buffered lines are written once there are this many bytes. */
const BATCH_BYTES = 16 * 1024;
/**
 * Each write is whole lines of at most PIPE_BUF bytes, which a pipe takes atomically: the server processes
 * of one task share standard output, and their lines must not interleave.
 */
const PIPE_BUF = 4096;
/** Lines held while the output cannot take them (EAGAIN); beyond this they are counted and dropped. */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;
/** At exit, how long an output that cannot take more (EAGAIN) is waited for. */
const EXIT_WAIT_MS = 1_000;

export interface BufferedOutputOptions {
  fd?: number;
  /** `fs.writeSync`, replaceable in tests. */
  writeSync?: (fd: number, buffer: Buffer, offset: number, length: number) => number;
  intervalMs?: number;
  batchBytes?: number;
  maxPendingBytes?: number;
}

export interface BufferedOutput extends DestinationStream {
  /**
   * Writes what is buffered now; false when the output could not take all of it (kept for later). `done`
   * (pino's logger.flush(cb)) is called once that attempt is over.
   */
  flush(done?: (error?: Error) => void): boolean;
}

/** Where the next write from `offset` ends: after the last newline within PIPE_BUF bytes, if any. */
function writeEnd(chunk: Buffer, offset: number): number {
  if (chunk.length - offset <= PIPE_BUF) return chunk.length;
  const newline = chunk.lastIndexOf(10, offset + PIPE_BUF - 1);
  if (newline >= offset) return newline + 1;
  // One line longer than PIPE_BUF: written whole.
  const end = chunk.indexOf(10, offset);
  return end < 0 ? chunk.length : end + 1;
}

/**
 * Standard output, batched: lines collect in memory and are written 16 KiB at a time or every 250 ms, and
 * when the process exits (process.exit after SIGTERM included), so nothing is lost or written twice.
 * Written synchronously, as Node.js writes standard output to files and pipes on Linux, in whole lines of
 * at most PIPE_BUF bytes; an output that cannot take more right now (EAGAIN) keeps the lines for the next
 * attempt. Appending a line is a string concatenation: pino's own destination (sonic-boom) measures its
 * whole pending buffer's byte length on every line, 2.3-3.2 µs a line at the 4 KiB batches used before
 * (9 µs at 32 KiB), against 0.1-0.7 µs including the writes (`npx tsx service/bench/log-output.ts`).
 */
export function bufferedOutput(options: BufferedOutputOptions = {}): BufferedOutput {
  const fd = options.fd ?? 1;
  const write = options.writeSync ?? writeSync;
  const batchBytes = options.batchBytes ?? BATCH_BYTES;
  const maxPending = options.maxPendingBytes ?? MAX_PENDING_BYTES;
  let pending = '';
  /** The unwritten end of a batch an EAGAIN interrupted; written before anything newer. */
  let carry: Buffer | undefined;
  let dropped = 0;
  let broken = false;

  const flush = (): boolean => {
    if (broken) return true;
    if (dropped > 0) {
      const msg = `log output could not keep up: ${dropped} lines dropped`;
      pending += `${JSON.stringify({ level: 'warn', time: new Date().toISOString(), msg })}\n`;
      dropped = 0;
    }
    if (!pending && !carry) return true;
    let chunk = Buffer.from(pending);
    if (carry) chunk = Buffer.concat([carry, chunk]);
    pending = '';
    carry = undefined;
    let offset = 0;
    try {
      while (offset < chunk.length) {
        const end = writeEnd(chunk, offset);
        offset += write(fd, chunk, offset, end - offset);
      }
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
        carry = chunk.subarray(offset);
        return false;
      }
      // Anything else (EPIPE: nobody reads the output any more) retrying cannot help.
      broken = true;
      return true;
    }
  };

  setInterval(() => flush(), options.intervalMs ?? FLUSH_INTERVAL_MS).unref();
  process.on('exit', () => {
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (let waited = 0; !flush() && waited < EXIT_WAIT_MS; waited += 10) Atomics.wait(pause, 0, 0, 10);
  });
  return {
    write(line: string) {
      if (pending.length + (carry?.length ?? 0) > maxPending) {
        dropped++;
        return;
      }
      pending += line;
      if (pending.length >= batchBytes && !carry) flush();
    },
    flush(done) {
      const written = flush();
      done?.();
      return written;
    },
  };
}

const CENSOR = '[redacted]';
const SECRET_KEYS: readonly string[] = ['password', 'connectionString'];

function hasOwn(value: object, key: string): boolean {
  return Object.hasOwn(value, key);
}

/** `value` with its secret keys (and `authorization` when it is the headers) censored; itself when none. */
function censored(value: object, headers: boolean): object {
  const secret = SECRET_KEYS.filter((key) => hasOwn(value, key));
  if (headers && hasOwn(value, 'authorization')) secret.push('authorization');
  if (secret.length === 0) return value;
  // An Error's message and stack are not enumerable: keep them in the copy.
  const copy: Record<string, unknown> =
    value instanceof Error ? { ...value, message: value.message, stack: value.stack } : { ...value };
  for (const key of secret) copy[key] = CENSOR;
  return copy;
}

/**
 * The second guard against secrets in logs (nothing logs the configuration or request headers): censors
 * `password` and `connectionString` at the top level and one level down, and `headers.authorization`. A
 * few property checks per line; pino's path-based redaction cost more than the rest of the line's logging.
 */
export function redactSecrets(object: Record<string, unknown>): Record<string, unknown> {
  let out = censored(object, false) as Record<string, unknown>;
  for (const key in out) {
    const value = out[key];
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    const clean = censored(value, key === 'headers');
    if (clean !== value) {
      if (out === object) out = { ...object };
      out[key] = clean;
    }
  }
  return out;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'notes', version: options.appVersion },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: redactSecrets },
    },
    options.destination ??
      ((options.format ?? (process.stdout.isTTY ? 'pretty' : 'json')) === 'pretty'
        ? prettyStdout()
        : bufferedOutput()),
  );
}
