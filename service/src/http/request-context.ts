// First middleware of every request: a request id (the caller's, when it is a sane token, else a new UUID)
// echoed as X-Request-Id, and one JSON log line when the response is ready.
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../logger.js';
import type { AppEnv } from './env.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestContext(logger: Logger, isDraining: () => boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header('x-request-id');
    const requestId = incoming !== undefined && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    c.header('X-Request-Id', requestId);
    // While draining, tell keep-alive clients (the load balancer) to open a new connection elsewhere.
    if (isDraining()) c.header('Connection', 'close');
    await next();
    logger.info(
      {
        reqId: requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
      },
      'request',
    );
  };
}

/**
 * Hono hands only Error instances to onError; anything else thrown by a handler or a library would escape
 * as a bare 500 without problem details or a log line. Placed after requestContext, so that one still logs.
 */
export function normalizeThrown(): MiddlewareHandler<AppEnv> {
  return async (_c, next) => {
    try {
      await next();
    } catch (error) {
      if (error instanceof Error) throw error;
      throw new Error(`non-Error thrown: ${String(error)}`, { cause: error });
    }
  };
}
