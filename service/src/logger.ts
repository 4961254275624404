// One JSON object per line on stdout (CloudWatch Logs takes them as they are); on a terminal, the same lines
// made readable (`12:00:01.234 INFO  request GET /v1/notes 200 3.1ms reqId=…`). Secrets are kept out by
// construction — nothing logs the configuration or request headers — and redaction is a second guard.
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

/**
 * Standard output, buffered: one write per few kilobytes instead of one system call per request line. pino
 * flushes the buffer synchronously when the process exits (including process.exit after SIGTERM).
 */
function bufferedStdout(): DestinationStream {
  const stream = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  setInterval(() => {
    try {
      stream.flush();
    } catch {
      // Not open yet, or closed at exit: the next tick or the exit hook writes the lines.
    }
  }, FLUSH_INTERVAL_MS).unref();
  return stream;
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
        : bufferedStdout()),
  );
}
