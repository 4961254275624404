// Runs the service: open the database, migrate under the advisory lock, listen; on SIGTERM stop accepting,
// let in-flight requests finish (up to SHUTDOWN_TIMEOUT_MS), close the database.
import type { Server } from 'node:http';
import { type AddressInfo, Server as NetServer, type Socket } from 'node:net';
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

/** How long a half-closed idle connection may stay open for the client to close its side. */
const IDLE_GRACE_MS = 1_000;

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
  // Requests being handled (for the shutdown log lines), and which open connections are between requests.
  let inFlight = 0;
  const busy = new Map<Socket, number>();
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      busy.delete(socket);
    });
  });
  server.on('request', (req, res) => {
    inFlight++;
    busy.set(req.socket, (busy.get(req.socket) ?? 0) + 1);
    res.once('close', () => {
      inFlight--;
      const left = (busy.get(req.socket) ?? 1) - 1;
      if (left > 0) busy.set(req.socket, left);
      else busy.delete(req.socket);
    });
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
      // Stop accepting, but not the way http.Server#close does it: that destroys idle keep-alive
      // connections outright, and a client whose next request is already on the wire gets a reset. Instead:
      // a connection in the middle of a request is answered with Connection: close (requestContext) and
      // ended by Node after its response; an idle one is half-closed (FIN, still reading), so a request
      // racing the close sees a clean end of stream rather than a reset, and it is destroyed once the client
      // closes its side or after a grace period.
      const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
      const endIdle = () => {
        for (const socket of sockets) {
          if (busy.has(socket) || socket.writableEnded) continue;
          socket.end();
          socket.once('end', () => socket.destroy());
          setTimeout(() => socket.destroy(), IDLE_GRACE_MS).unref();
        }
      };
      endIdle();
      // A request already past requestContext when the drain began got no Connection: close, so its
      // connection stays open after the response: half-close those as they go idle.
      const sweep = setInterval(endIdle, 250);
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
