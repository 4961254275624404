// RFC 9457 problem details: every error response of the service is built here.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem types are URNs: absolute, stable, and (by design) not something a client fetches. */
const TYPE_PREFIX = 'urn:problem-type:notes:';

export const PROBLEMS = {
  'validation-error': { status: 400, title: 'Request validation failed' },
  'malformed-json': { status: 400, title: 'Malformed JSON' },
  'invalid-id': { status: 400, title: 'Invalid note id' },
  'invalid-header': { status: 400, title: 'Invalid header' },
  'note-not-found': { status: 404, title: 'Note not found' },
  'route-not-found': { status: 404, title: 'Not Found' },
  'method-not-allowed': { status: 405, title: 'Method Not Allowed' },
  'precondition-failed': { status: 412, title: 'Precondition failed' },
  'payload-too-large': { status: 413, title: 'Content Too Large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported Media Type' },
  'idempotency-key-reused': { status: 422, title: 'Idempotency key reused with a different request' },
  'precondition-required': { status: 428, title: 'Precondition required' },
  'database-unavailable': { status: 503, title: 'Database unavailable' },
  'not-ready': { status: 503, title: 'Not ready' },
  'internal-error': { status: 500, title: 'Internal Server Error' },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>;

export type ProblemKind = keyof typeof PROBLEMS;

export interface FieldError {
  /** Where the value was: the JSON body, the query string, the path or a header. */
  in: 'body' | 'query' | 'path' | 'header';
  /** Dotted path within it, e.g. `tags.2`; '' for the value as a whole. */
  field: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId?: string;
  errors?: FieldError[];
}

export function problemType(kind: ProblemKind): string {
  return `${TYPE_PREFIX}${kind}`;
}

/** Builds the problem body; `instance` is the request path, `requestId` ties it to the log line. */
export function problemBody(
  kind: ProblemKind,
  detail: string,
  instance: string,
  extra?: { requestId?: string; errors?: FieldError[] },
): ProblemBody {
  const { status, title } = PROBLEMS[kind];
  return { type: problemType(kind), title, status, detail, instance, ...extra };
}

export function problem(
  c: Context,
  kind: ProblemKind,
  detail: string,
  options: { errors?: FieldError[]; headers?: Record<string, string> } = {},
): Response {
  const body = problemBody(kind, detail, c.req.path, {
    requestId: c.get('requestId'),
    ...(options.errors ? { errors: options.errors } : {}),
  });
  return c.body(JSON.stringify(body), PROBLEMS[kind].status, {
    'Content-Type': PROBLEM_CONTENT_TYPE,
    'Cache-Control': 'no-store',
    ...options.headers,
  });
}

/** Thrown by handlers and middleware; the app's error handler turns it into the response. */
export class ProblemError extends Error {
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly options: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}
