// HTTP with bounded retries, for Slack and smoke tests: retries 429 (honouring Retry-After), 5xx and
// network errors with back-off; every attempt has its own timeout. Errors name the host only, never the
// full URL, which can carry a secret (a Slack webhook URL is one).
import { ActionError } from './errors.js';
import { sleep } from './poll.js';

export interface HttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Per attempt. Default 10 s. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 3. */
  retries?: number;
  /** Cap on a single wait between attempts (Retry-After included). Default 30 s. */
  maxDelayMs?: number;
  signal?: AbortSignal;
  /** Called before each retry, e.g. to log it. */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  attempts: number;
}

export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Math.round(Number(header) * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export async function httpRequest(request: HttpRequest): Promise<HttpResponse> {
  const retries = request.retries ?? 3;
  const maxDelay = request.maxDelayMs ?? 30_000;
  const host = safeHost(request.url);
  let lastReason = '';
  for (let attempt = 1; ; attempt++) {
    let delay = Math.min(1000 * 2 ** (attempt - 1), maxDelay);
    try {
      const timeout = AbortSignal.timeout(request.timeoutMs ?? 10_000);
      const response = await fetch(request.url, {
        method: request.method ?? 'GET',
        headers: request.headers,
        body: request.body,
        signal: request.signal ? AbortSignal.any([request.signal, timeout]) : timeout,
        redirect: 'follow',
      });
      const text = await response.text();
      const retryable = response.status === 429 || response.status >= 500;
      if (!retryable || attempt > retries)
        return { status: response.status, headers: response.headers, text, attempts: attempt };
      lastReason = `HTTP ${response.status}`;
      const after = retryAfterMs(response.headers.get('retry-after'));
      if (after !== undefined) delay = Math.min(after, maxDelay);
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason;
      lastReason = describeFetchError(error);
      if (attempt > retries) {
        throw new ActionError(`${host} could not be reached after ${attempt} attempts: ${lastReason}`, {
          cause: error,
        });
      }
    }
    request.onRetry?.({ attempt, delayMs: delay, reason: lastReason });
    await sleep(delay, request.signal);
  }
}

export function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the server';
  }
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timed out';
    const cause = error.cause as { code?: string; message?: string } | undefined;
    if (cause?.code) return cause.code;
    return error.message;
  }
  return String(error);
}
