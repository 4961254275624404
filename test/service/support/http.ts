// Small helpers for calling the app in-process.
import type { App } from '../../../service/src/app.js';

/** Parsed JSON of a response; tests assert on it field by field. */
// biome-ignore lint/suspicious/noExplicitAny: arbitrary JSON under test
export type Json = any;

export interface JsonResponse {
  status: number;
  headers: Headers;
  text: string;
  body: Json;
}

export async function call(
  app: App,
  method: string,
  path: string,
  options: { json?: unknown; body?: string; headers?: Record<string, string> } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const res = await app.request(path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

/** Asserts the RFC 9457 shape; returns the body for further checks. */
export function expectProblem(res: JsonResponse, status: number): Json {
  const problem = res.body;
  const ok =
    res.status === status &&
    res.headers.get('content-type') === 'application/problem+json' &&
    typeof problem?.type === 'string' &&
    typeof problem?.title === 'string' &&
    problem?.status === status &&
    typeof problem?.detail === 'string' &&
    problem.detail.length > 0 &&
    typeof problem?.instance === 'string';
  if (!ok)
    throw new Error(
      `expected a ${status} problem, got ${res.status} ${res.headers.get('content-type')}: ${res.text}`,
    );
  return problem;
}
