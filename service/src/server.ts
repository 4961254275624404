// Runs the service: open the database, migrate under the advisory lock, listen; on SIGTERM stop accepting,
// let in-flight requests finish (up to SHUTDOWN_TIMEOUT_MS), close the database.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { createApp, type Lifecycle } from './app.js';
import type { Config } from './config.js';
import { isDatabaseUnavailable } from './db/errors.js';
import { runMigrations } from './db/migrations.js';
import { type Database, openDatabase } from './db.js';
import type { Logger } from './logger.js';
import { MIGRATIONS_DIR } from './paths.js';

/** How long closing the pool may take after draining, on top of SHUTDOWN_TIMEOUT_MS. */
const DB_CLOSE_TIMEOUT_MS = 2_000;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Retries the start-up migrations (backing off up to 5 s) until they apply or the server shuts down. */
async function migrateWhenReachable(db: Database, lifecycle: Lifecycle, logger: Logger): Promise<void> {
  for (let wait = 250; !lifecycle.draining; wait = Math.min(wait * 2, 5_000)) {
    await delay(wait);
    if (lifecycle.draining) return;
    try {
      await runMigrations(db, MIGRATIONS_DIR, logger);
      lifecycle.migrated = true;
      return;
    } catch (error) {
      const message = (error as Error).message;
      if (isDatabaseUnavailable(error)) {
        logger.warn(
          { err: { message }, retryInMs: Math.min(wait * 2, 5_000) },
          'migrations: database unreachable',
        );
      } else {
        // Not an outage: a broken migration will not fix itself. Readiness stays 503 and says so.
        logger.error({ err: error }, 'migrations failed; the API stays unavailable until a fixed release');
        return;
      }
    }
  }
}

export interface RunningServer {
  port: number;
  db: Database;
  /** Drains and closes; resolves with the exit code (0 when every request finished in time). */
  shutdown(reason: string): Promise<number>;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const lifecycle: Lifecycle = { draining: false, startedAt: new Date() };
  const db = await openDatabase(config.database, logger);
  try {
    await runMigrations(db, MIGRATIONS_DIR, logger);
  } catch (error) {
    if (!isDatabaseUnavailable(error)) {
      await db.close().catch(() => {});
      throw error;
    }
    // A database restarting or failing over while tasks start must not make them exit (ECS would only
    // replace them with tasks in the same position): listen, answer 503, migrate once it is back.
    lifecycle.migrated = false;
    logger.warn(
      { err: { message: (error as Error).message } },
      'database unreachable at start-up: answering 503 and retrying the migrations',
    );
  }
  const app = createApp({ db, config, logger, lifecycle });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  // Requests being handled, for the shutdown log lines.
  let inFlight = 0;
  server.on('request', (_req, res) => {
    inFlight++;
    res.once('close', () => inFlight--);
  });
  server.keepAliveTimeout = 65_000; // longer than the ALB idle timeout (60 s): the balancer closes first
  let address: AddressInfo;
  try {
    address = await listen(server, config.port, config.host);
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  logger.info({ port: address.port, host: config.host, database: db.description }, 'listening');
  logger.flush();
  if (lifecycle.migrated === false) void migrateWhenReachable(db, lifecycle, logger);

  let shuttingDown: Promise<number> | undefined;
  const shutdown = (reason: string): Promise<number> => {
    shuttingDown ??= (async () => {
      lifecycle.draining = true;
      logger.info(
        { reason, inFlight, timeoutMs: config.shutdownTimeoutMs },
        'shutting down: draining requests',
      );
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // close() stops accepting and drops idle keep-alive connections; connections that finish a request
      // later become idle and are dropped by the sweep (their responses also carried Connection: close).
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        closed.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), config.shutdownTimeoutMs);
        }),
      ]);
      clearInterval(sweep);
      clearTimeout(timer);
      if (timedOut) {
        logger.warn({ inFlight }, 'shutdown timeout reached; closing remaining connections');
        server.closeAllConnections();
      }
      // pool.end() waits for checked-out connections; after a timeout some may still be stuck in a query.
      const closing = db
        .close()
        .then(() => true)
        .catch((error) => {
          logger.warn({ err: { message: String(error) } }, 'closing the database failed');
          return true;
        });
      const dbClosed = await Promise.race([closing, delay(DB_CLOSE_TIMEOUT_MS).then(() => false)]);
      if (!dbClosed)
        logger.warn({ timeoutMs: DB_CLOSE_TIMEOUT_MS }, 'database connections still busy; exiting anyway');
      logger.info({ timedOut }, 'stopped');
      return timedOut ? 1 : 0;
    })();
    return shuttingDown;
  };

  return { port: address.port, db, shutdown };
}
