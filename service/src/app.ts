// Builds the HTTP application from its dependencies. Nothing here listens on a port or reads the
// environment, so tests call `app.request()` against a real database.
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { Config } from './config.js';
import { isDatabaseUnavailable } from './db/errors.js';
import { lastAppliedMigration, latestMigration } from './db/migrations.js';
import type { Database } from './db.js';
import type { AppEnv } from './http/env.js';
import { type FieldError, ProblemError, type ProblemKind, problem } from './http/problem.js';
import { normalizeThrown, requestContext } from './http/request-context.js';
import { buildRouteTable } from './http/routes-table.js';
import type { Logger } from './logger.js';
import { NotesRepository } from './notes/repository.js';
import { registerNoteRoutes } from './notes/routes.js';
import { MIGRATIONS_DIR } from './paths.js';
import { registerDocs, registerSystemRoutes } from './system/routes.js';

/** Shared with the server: set when SIGTERM arrives. */
export interface Lifecycle {
  draining: boolean;
  startedAt: Date;
  /**
   * False while the start-up migrations wait for an unreachable database: the API answers 503 (its tables
   * may not exist yet) until they are applied. Absent means migrated (tests migrate before building the app).
   */
  migrated?: boolean;
}

/** 503 for "the database is not there right now": clients retry after `Retry-After` seconds. */
export const RETRY_AFTER_SECONDS = '5';

export interface AppDependencies {
  db: Database;
  config: Config;
  logger: Logger;
  lifecycle?: Lifecycle;
  /** Folder of the committed migrations (readiness compares the database with it). */
  migrationsDir?: string;
}

const TARGETS: Record<string, FieldError['in']> = {
  json: 'body',
  query: 'query',
  param: 'path',
  header: 'header',
};

interface ZodIssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
}

function fieldErrors(issues: ZodIssueLike[], where: FieldError['in']): FieldError[] {
  return issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      return issue.keys.map((key) => ({
        in: where,
        field: [...path, key].join('.'),
        message: 'is not a known field',
      }));
    }
    return [{ in: where, field: path.join('.'), message: issue.message }];
  });
}

function summarize(errors: FieldError[]): string {
  const shown = errors
    .slice(0, 3)
    .map((e) => (e.field ? `${e.field} ${e.message}` : e.message))
    .join('; ');
  return errors.length > 3 ? `${shown}; and ${errors.length - 3} more (see errors)` : shown;
}

const HTTP_EXCEPTIONS: Record<number, ProblemKind> = {
  400: 'malformed-json',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
};

export function createApp({
  db,
  config,
  logger,
  lifecycle,
  migrationsDir = MIGRATIONS_DIR,
}: AppDependencies) {
  const life = lifecycle ?? { draining: false, startedAt: new Date() };
  const isDraining = () => life.draining;

  const app = new OpenAPIHono<AppEnv>({
    // Validation failures of any route become one problem listing every bad field.
    defaultHook: (result, c) => {
      if (result.success) return;
      const where = TARGETS[result.target] ?? 'body';
      const errors = fieldErrors(result.error.issues as ZodIssueLike[], where);
      if (where === 'path') {
        const id = c.req.param('id') ?? '';
        return problem(
          c,
          'invalid-id',
          `${JSON.stringify(id.slice(0, 100))} is not a note id; ids are UUIDs`,
          {
            errors,
          },
        );
      }
      if (where === 'header') return problem(c, 'invalid-header', summarize(errors), { errors });
      return problem(c, 'validation-error', summarize(errors), { errors });
    },
  });

  const latest = latestMigration(migrationsDir);
  /**
   * While this process's start-up migrations wait (life.migrated false), the API may still serve once the
   * database has every migration: another worker of the same task, or another task, may have applied them
   * first (the advisory lock lets one do it). Asked of the database only until then.
   */
  const apiMayServe = async (): Promise<boolean> => {
    if (life.migrated !== false) return true;
    try {
      if ((await lastAppliedMigration(db.orm)) < latest) return false;
    } catch (error) {
      if (isDatabaseUnavailable(error)) return false;
      throw error;
    }
    life.migrated = true;
    return true;
  };

  app.use('*', requestContext(logger, isDraining));
  app.use('*', normalizeThrown());
  app.use('/v1/*', async (c, next) => {
    // Once migrated (always, in steady state) nothing to wait for: no extra promise per request.
    if (life.migrated !== false) return next();
    if (!(await apiMayServe())) {
      return problem(c, 'database-unavailable', 'the database is unreachable; retry later', {
        headers: { 'Retry-After': RETRY_AFTER_SECONDS },
      });
    }
    await next();
  });

  registerSystemRoutes(app, {
    orm: db.orm,
    latestMigration: latest,
    isDraining,
    // Ready means the API serves: the same answer the /v1 gate gives from then on.
    upToDate: () => {
      life.migrated = true;
    },
    logger,
    version: { version: config.appVersion, commit: config.gitSha, startedAt: life.startedAt.toISOString() },
  });
  registerNoteRoutes(app, new NotesRepository(db.orm));
  registerDocs(app, { version: config.appVersion });

  const routes = buildRouteTable(app);

  app.notFound((c) => {
    const allowed = routes.allowed(c.req.path);
    if (!allowed) return problem(c, 'route-not-found', `no route matches ${c.req.path.slice(0, 200)}`);
    const allow = [...allowed, 'OPTIONS'].join(', ');
    if (c.req.method === 'OPTIONS') return c.body(null, 204, { Allow: allow });
    return problem(
      c,
      'method-not-allowed',
      `${c.req.method} is not allowed on ${c.req.path}; allowed: ${allow}`,
      {
        headers: { Allow: allow },
      },
    );
  });

  app.onError((error, c) => {
    if (error instanceof ProblemError) return problem(c, error.kind, error.detail, error.options);
    if (error instanceof HTTPException && HTTP_EXCEPTIONS[error.status]) {
      return problem(c, HTTP_EXCEPTIONS[error.status]!, error.message);
    }
    if (isDatabaseUnavailable(error)) {
      logger.warn({ reqId: c.var.requestId, err: { message: error.message } }, 'database unavailable');
      return problem(c, 'database-unavailable', 'the database is unreachable; retry later', {
        headers: { 'Retry-After': RETRY_AFTER_SECONDS },
      });
    }
    logger.error({ reqId: c.var.requestId, err: error }, 'unhandled error');
    return problem(c, 'internal-error', 'unexpected error; quote the request id when reporting it');
  });

  return app;
}

export type App = ReturnType<typeof createApp>;
