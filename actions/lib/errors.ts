// Two kinds of failure end an action: a user's mistake (ConfigurationError: fix the workflow) and a
// failure of the thing being deployed or of a cloud API (ActionError: what went wrong and what to do).
// Both are "expected": the runner reports them as one line plus details, never as a stack trace.
import { serverText } from './echo.js';

/** A mistake in the workflow: a bad input, a missing file, a contradiction between inputs. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  /** Every problem found, one line each; `message` is the first one. */
  readonly problems: string[];

  constructor(problems: string | string[]) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list[0] ?? 'invalid configuration');
    this.problems = list;
  }
}

export interface ActionErrorOptions {
  /** What the user should do about it, one sentence. */
  hint?: string;
  /** Longer context for the log and the job summary (Markdown allowed). */
  details?: string;
  /** The underlying error, kept for debugging. */
  cause?: unknown;
}

/** An expected failure that is not the user's input: a failed rollout, a denied approval, an API error. */
export class ActionError extends Error {
  override readonly name: string = 'ActionError';
  readonly hint?: string;
  readonly details?: string;

  constructor(message: string, options: ActionErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
    this.details = options.details;
  }
}

/** A wait that ran out of time. */
export class TimeoutError extends ActionError {
  override readonly name = 'TimeoutError';
}

interface AwsLikeError {
  name?: string;
  message?: string;
  Code?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
}

const AWS_HINTS: Array<[RegExp, (op: string) => string]> = [
  [
    /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|AuthorizationError)$/,
    (op) =>
      `The role the job assumed is not allowed to call ${op}: add it to the deploy role's policy (see the action's README for the least-privilege policy).`,
  ],
  [
    /^(ExpiredToken|ExpiredTokenException|RequestExpired)$/,
    () =>
      'The AWS credentials expired: raise role-duration-seconds in aws-actions/configure-aws-credentials or shorten the job.',
  ],
  [
    /^(UnrecognizedClientException|InvalidClientTokenId|InvalidAccessKeyId|SignatureDoesNotMatch|IncompleteSignature)$/,
    () =>
      'The AWS credentials are not valid: run aws-actions/configure-aws-credentials (OIDC role) before this step.',
  ],
  [
    /^CredentialsProviderError$/,
    () =>
      'No AWS credentials were found: run aws-actions/configure-aws-credentials with `role-to-assume` before this step, and give the job `permissions: id-token: write`.',
  ],
  [
    /^(Throttling|ThrottlingException|TooManyRequestsException|RequestLimitExceeded)$/,
    () =>
      'AWS kept throttling the requests after retries: re-run the job, or space out concurrent deployments.',
  ],
];

function isAwsError(error: unknown): error is Error & AwsLikeError {
  return (
    error instanceof Error &&
    ('$metadata' in error || '$fault' in error || error.name === 'CredentialsProviderError')
  );
}

/**
 * Describes an AWS SDK error thrown by `operation` (e.g. "ECS UpdateService") as an ActionError that names
 * the call, AWS's own error code and message, and what to do. Non-AWS errors are returned unchanged.
 */
export function describeAwsError(operation: string, error: unknown, hint?: string): unknown {
  if (error instanceof ActionError || error instanceof ConfigurationError) return error;
  if (isNetworkError(error)) {
    return new ActionError(`${operation} could not reach AWS: ${networkReason(error)}`, {
      hint: 'Check the runner can reach the AWS endpoint for this region (proxy, VPC, AWS_ENDPOINT_URL_* variables).',
      cause: error,
    });
  }
  if (!isAwsError(error)) return error;
  const code = error.name || error.Code || error.code || 'Error';
  const status = error.$metadata?.httpStatusCode;
  const requestId = error.$metadata?.requestId;
  // AWS's own message, bounded: an endpoint or proxy may echo the whole request back.
  const message = serverText(error.message || '');
  const known = AWS_HINTS.find(([pattern]) => pattern.test(code));
  const serverSide = error.$fault === 'server' || (status !== undefined && status >= 500);
  const fallback = serverSide
    ? 'AWS reported an internal error after retries: re-run the job; if it persists, check the AWS Health Dashboard.'
    : undefined;
  const details = [
    `- Operation: ${operation}`,
    `- Error code: ${code}`,
    status === undefined ? undefined : `- HTTP status: ${status}`,
    requestId ? `- Request id: ${requestId}` : undefined,
    error.$metadata?.attempts ? `- Attempts: ${error.$metadata.attempts}` : undefined,
  ]
    .filter(Boolean)
    .join('\n');
  return new ActionError(`${operation} failed: ${code}${message && message !== code ? `: ${message}` : ''}`, {
    hint: hint ?? known?.[1](operation) ?? fallback,
    details,
    cause: error,
  });
}

/** Runs `fn` and turns any AWS error into a described ActionError naming `operation`. */
export async function aws<T>(operation: string, fn: () => Promise<T>, hint?: string): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw describeAwsError(operation, error, hint);
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', 'EPIPE']);

export function isNetworkError(error: unknown): error is Error & { code?: string } {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code ?? (error.cause as { code?: string } | undefined)?.code;
  return code !== undefined && NETWORK_CODES.has(code);
}

function networkReason(error: Error & { code?: string }): string {
  const code = error.code ?? (error.cause as { code?: string } | undefined)?.code;
  return `${code} (${error.message})`;
}

/** A one-line message for any thrown value. */
export function messageOf(error: unknown): string {
  // The action's own messages are composed of parts already bounded (quoted values, server text, log
  // lines): a longer bound, so a rollout's cause and its rollback both reach the error output.
  if (error instanceof ActionError) return serverText(error.message.split('\n')[0] || error.name, 2000);
  if (error instanceof Error) return serverText(error.message.split('\n')[0] || error.name);
  return serverText(String(error));
}
