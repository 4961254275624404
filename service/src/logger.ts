// One JSON object per line on stdout (CloudWatch Logs takes them as they are). Secrets are kept out by
// construction — nothing logs the configuration or request headers — and redaction is a second guard.
import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

export interface LoggerOptions {
  level: LogLevel;
  appVersion?: string;
  /** Where lines go; stdout by default. */
  destination?: DestinationStream;
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

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'notes', version: options.appVersion },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['password', '*.password', 'connectionString', '*.connectionString', 'headers.authorization'],
        censor: '[redacted]',
      },
    },
    options.destination ?? bufferedStdout(),
  );
}
