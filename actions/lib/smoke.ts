// The smoke test after a rollout: poll a URL until it answers 2xx and, when a version is expected, reports
// exactly that version (a JSON body's `version`, or a plain-text body as a whole; `v1` is not `v10`). Polls with the same back-off as every other wait; each attempt has its own timeout.
import { log } from './core.js';
import { httpRequest } from './http.js';
import { pollIntervals, sleep, throwIfAborted } from './poll.js';

export interface SmokeOptions {
  url: string;
  /** The version the body must report, compared exactly (e.g. the commit SHA that /version reports). */
  expectVersion?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Per attempt; default 10 s (less if the deadline is nearer). */
  attemptTimeoutMs?: number;
  /** Progress lines (default: the action log), only when what is seen changes. */
  onProgress?: (line: string) => void;
  /** Sent with every request (e.g. the header a test listener rule matches); values are never logged. */
  headers?: Record<string, string>;
}

export interface SmokeResult {
  /** The URL as shown to people: no credentials, no query string. */
  url: string;
  passed: boolean;
  attempts: number;
  durationMs: number;
  /** The last HTTP status, if any answer came. */
  status?: number;
  expectVersion?: string;
  /** Whether the last 2xx body reported exactly the expected version. */
  versionFound?: boolean;
  /** The version the last body reported, if any. */
  version?: string;
  /** The start of the last body, one line. */
  body?: string;
  /** The last network error, if the last attempt got no answer. */
  error?: string;
  /** One line: what was expected and what came back. */
  message: string;
}

/** The URL without credentials or query string (either may carry a secret). */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}${parsed.search ? '?…' : ''}`;
  } catch {
    return 'the smoke URL';
  }
}

/**
 * The version a body reports: the `version` field of a JSON object (as the service's /version answers), or
 * a plain-text body as a whole, trimmed. Undefined for any other JSON.
 */
export function reportedVersion(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  try {
    const parsed = JSON.parse(trimmed) as unknown;
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const version = (parsed as Record<string, unknown>).version;
      return typeof version === 'string' || typeof version === 'number' ? String(version) : undefined;
    }
    return typeof parsed === 'string' || typeof parsed === 'number' ? String(parsed) : undefined;
  } catch {
    return trimmed;
  }
}

function snippet(text: string, max = 200): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Polls `url` until it passes or `timeoutMs` runs out; resolves with what was seen (never throws but on abort). */
export async function smokeTest(options: SmokeOptions): Promise<SmokeResult> {
  const shown = displayUrl(options.url);
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const progress = options.onProgress ?? ((line: string) => log.info(line));
  const intervals = pollIntervals();
  let interval = intervals.initial;
  let attempts = 0;
  let last: Omit<SmokeResult, 'url' | 'passed' | 'attempts' | 'durationMs' | 'message'> = {};
  let lastLine = '';
  for (;;) {
    throwIfAborted(options.signal);
    attempts++;
    const remaining = Math.max(1, deadline - Date.now());
    try {
      const response = await httpRequest({
        url: options.url,
        retries: 0,
        // Never so short that a slow but healthy answer counts as none.
        timeoutMs: Math.min(options.attemptTimeoutMs ?? 10_000, Math.max(2000, remaining)),
        signal: options.signal,
        headers: { accept: 'application/json, text/plain;q=0.9, */*;q=0.5', ...options.headers },
      });
      const ok = response.status >= 200 && response.status < 300;
      const version = options.expectVersion === undefined ? undefined : reportedVersion(response.text);
      const versionFound =
        options.expectVersion === undefined ? undefined : version === options.expectVersion;
      last = {
        status: response.status,
        body: snippet(response.text),
        versionFound,
        version,
        expectVersion: options.expectVersion,
      };
      if (ok && versionFound !== false) {
        const message = `GET ${shown} answered ${response.status}${options.expectVersion ? ` with version ${options.expectVersion}` : ''}`;
        progress(`Smoke test passed: ${message} (attempt ${attempts})`);
        return { url: shown, passed: true, attempts, durationMs: Date.now() - started, ...last, message };
      }
    } catch (error) {
      if (options.signal?.aborted) throw error;
      last = { error: (error as Error).message, expectVersion: options.expectVersion };
    }
    const line = `Smoke test: GET ${shown} → ${describe(last)}; retrying`;
    if (line !== lastLine) progress(line);
    lastLine = line;
    if (Date.now() + interval > deadline) {
      return {
        url: shown,
        passed: false,
        attempts,
        durationMs: Date.now() - started,
        ...last,
        message: `GET ${shown} ${describe(last)} after ${attempts} attempt${attempts === 1 ? '' : 's'} over ${Math.round((Date.now() - started) / 1000)}s`,
      };
    }
    await sleep(interval, options.signal);
    interval = Math.min(Math.round(interval * 1.5), intervals.max);
  }
}

function describe(seen: Omit<SmokeResult, 'url' | 'passed' | 'attempts' | 'durationMs' | 'message'>): string {
  if (seen.status === undefined) return `got no answer (${seen.error ?? 'no response'})`;
  const body = seen.body ? `: ${seen.body}` : '';
  if (seen.status < 200 || seen.status >= 300) return `answered ${seen.status}${body}`;
  const reported = seen.version === undefined ? 'no version' : `version ${seen.version}`;
  return `answered ${seen.status} with ${reported}, not the expected ${seen.expectVersion} (compared exactly)${body ? ` (got${body})` : ''}`;
}
