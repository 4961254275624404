// Waiting for something in the cloud: a first look after a short interval, backing off to a ceiling low
// enough that a terminal state is reported within a few seconds, a hard timeout, and cancellation.
import { ActionError, TimeoutError } from './errors.js';
import { formatDuration } from './inputs.js';

export type PollResult<T> = { done: true; value: T } | { done: false };

export interface PollOptions<T> {
  /** What is being waited for, e.g. "the rollout of service web"; used in the timeout message. */
  what: string;
  timeoutMs: number;
  check: () => Promise<PollResult<T>>;
  signal?: AbortSignal;
  /** First interval; default 2 s, or `DEPLOY_ACTIONS_POLL_INTERVAL_MS` (tests and debugging). */
  initialIntervalMs?: number;
  /** Ceiling of the back-off; default 4 s so an outcome is reported at most ~4 s after it happens. */
  maxIntervalMs?: number;
  factor?: number;
  /** What to do when the wait times out (appended to the error). */
  timeoutHint?: string;
  /** Extra context for the timeout error's details, e.g. the last state seen. */
  describeState?: () => string | undefined;
}

export function pollIntervals(): { initial: number; max: number } {
  const override = Number(process.env.DEPLOY_ACTIONS_POLL_INTERVAL_MS);
  if (Number.isFinite(override) && override > 0) return { initial: override, max: override };
  return { initial: 2000, max: 4000 };
}

export async function poll<T>(options: PollOptions<T>): Promise<T> {
  const defaults = pollIntervals();
  const factor = options.factor ?? 1.5;
  const max = options.maxIntervalMs ?? defaults.max;
  let interval = options.initialIntervalMs ?? defaults.initial;
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    throwIfAborted(options.signal);
    const result = await options.check();
    if (result.done) return result.value;
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new TimeoutError(`${options.what} did not finish within ${formatDuration(options.timeoutMs)}`, {
        hint: options.timeoutHint,
        details: options.describeState?.(),
      });
    }
    await sleep(Math.min(interval, remaining), options.signal);
    interval = Math.min(Math.round(interval * factor), max);
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new ActionError('cancelled');
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Returns a function that logs a line only when it differs from the previous one (progress without noise). */
export function onChange(emit: (line: string) => void): (line: string) => void {
  let last: string | undefined;
  return (line: string) => {
    if (line !== last) emit(line);
    last = line;
  };
}
