// Operational endpoints: liveness, readiness, build version, the OpenAPI document and a page rendering it
// (docs.ts).
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { isDatabaseUnavailable } from '../db/errors.js';
import { lastAppliedMigration } from '../db/migrations.js';
import type { Orm } from '../db.js';
import type { AppEnv } from '../http/env.js';
import { PROBLEM_CONTENT_TYPE, ProblemError } from '../http/problem.js';
import type { Logger } from '../logger.js';
import { Problem } from '../notes/schemas.js';
import { registerDocsPage } from './docs.js';

export interface SystemOptions {
  orm: Orm;
  /** `when` of the newest committed migration; readiness requires the database to have applied it. */
  latestMigration: number;
  isDraining: () => boolean;
  /**
   * Called when readiness finds every migration applied, whoever applied them: the API serves from then on
   * (a worker whose own start-up migrations are still waiting would otherwise answer 503 while ready).
   */
  upToDate: () => void;
  logger: Logger;
  version: { version: string; commit: string; startedAt: string };
}

const Status = z.object({ status: z.string() }).openapi('Status');
const Version = z
  .object({ version: z.string(), commit: z.string(), startedAt: z.iso.datetime() })
  .openapi('Version');

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['operations'],
  summary: 'Liveness: the process serves requests (does not touch the database)',
  responses: { 200: { description: 'Alive', content: { 'application/json': { schema: Status } } } },
});

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['operations'],
  summary: 'Readiness: the database is reachable and every migration is applied',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: Status } } },
    503: { description: 'Not ready', content: { [PROBLEM_CONTENT_TYPE]: { schema: Problem } } },
  },
});

const version = createRoute({
  method: 'get',
  path: '/version',
  tags: ['operations'],
  summary: 'The running build',
  responses: { 200: { description: 'Build', content: { 'application/json': { schema: Version } } } },
});

export function registerSystemRoutes(app: OpenAPIHono<AppEnv>, options: SystemOptions): void {
  app.openapi(healthz, (c) => c.json({ status: 'ok' }, 200));

  app.openapi(readyz, async (c) => {
    if (options.isDraining()) throw new ProblemError('not-ready', 'shutting down');
    let applied: number;
    try {
      applied = await lastAppliedMigration(options.orm);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      // The cause (host, port) goes to the log, not to whoever asked.
      options.logger.warn(
        { err: { message: (error as Error).message } },
        'readiness check: database unreachable',
      );
      throw new ProblemError('not-ready', 'the database is unreachable');
    }
    if (applied < options.latestMigration) {
      throw new ProblemError('not-ready', 'database migrations are not applied; run `npm run migrate`');
    }
    options.upToDate();
    return c.json({ status: 'ready' }, 200);
  });

  app.openapi(version, (c) => c.json(options.version, 200));
}

/** Serves the document built from the registered routes; built once, on the first request. */
export function registerDocs(app: OpenAPIHono<AppEnv>, info: { version: string }): void {
  let document: string | undefined;
  app.get('/openapi.json', (c) => {
    document ??= JSON.stringify(
      app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: {
          title: 'Notes API',
          version: info.version,
          description: 'Reference service. Errors are application/problem+json (RFC 9457).',
        },
      }),
    );
    return c.body(document, 200, { 'Content-Type': 'application/json' });
  });
  registerDocsPage(app);
}
