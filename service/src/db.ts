// One drizzle interface over two engines: a pg Pool for PostgreSQL, or embedded PGlite persisted to a data
// directory when no database is configured. The rest of the service only sees `Database`.
import { mkdirSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import pg from 'pg';
import { type DatabaseConfig, describeDatabase, type PostgresConfig } from './config.js';
import { lockDataDir } from './db/data-dir-lock.js';
import type { Logger } from './logger.js';

export type Orm = PgDatabase<PgQueryResultHKT>;

/** A drizzle instance bound to one database session, as advisory locks need. */
export type Session = { kind: 'postgres'; orm: NodePgDatabase } | { kind: 'pglite'; orm: PgliteDatabase };

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  readonly orm: Orm;
  /** Safe to log: no password. */
  readonly description: string;
  /** Runs `fn` on a single session (a dedicated connection for PostgreSQL), closed afterwards. */
  withSession<T>(fn: (session: Session) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** pg connection options for the configuration; shared by the pool and by single-session clients. */
export function postgresClientConfig(config: PostgresConfig): pg.ClientConfig {
  let ssl: pg.ClientConfig['ssl'] = false;
  if (config.sslMode === 'require') ssl = { rejectUnauthorized: false };
  if (config.sslMode === 'verify-full') {
    // Node's TLS checks the chain against `ca` (or the system store) and the host name: libpq's verify-full.
    ssl = { rejectUnauthorized: true, ...(config.sslRootCert ? { ca: config.sslRootCert } : {}) };
  }
  return {
    host: config.host,
    port: config.port,
    database: config.database,
    user: config.user,
    password: config.password,
    ssl,
    application_name: 'notes-service',
    // Fail a request quickly (503) rather than queueing it for long when the database is unreachable.
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
  };
}

/** A connection's own 'error' event: its caller sees the same failure as a rejected query. */
function ignoreConnectionError(): void {}

function openPostgres(config: PostgresConfig, logger: Logger): Database {
  const clientConfig = postgresClientConfig(config);
  const pool = new pg.Pool({ ...clientConfig, max: config.poolMax, idleTimeoutMillis: 30_000 });
  // An idle connection dropped by the server (restart, failover, terminated backend) emits here; without a
  // listener the process would crash. The pool replaces it on the next checkout.
  pool.on('error', (error) =>
    logger.warn({ err: { message: error.message } }, 'idle database connection lost'),
  );
  // The pool listens only while a connection is idle. One checked out for a transaction (drizzle's
  // `transaction` holds it across several statements) that the server ends in between (57P01 on a fast
  // shutdown, a reset on failover) would emit 'error' with no listener and kill the process. The failure
  // still reaches the caller: the statement in flight, or the next one on the dead client, rejects (503),
  // and the pool discards the client on release because it is no longer queryable.
  pool.on('connect', (client) => {
    client.on('error', ignoreConnectionError);
  });
  return {
    kind: 'postgres',
    orm: drizzlePg(pool) as unknown as Orm,
    description: describeDatabase(config),
    async withSession(fn) {
      const client = new pg.Client(clientConfig);
      client.on('error', ignoreConnectionError);
      await client.connect();
      try {
        return await fn({ kind: 'postgres', orm: drizzlePg(client) });
      } finally {
        await client.end().catch(() => {});
      }
    },
    close: () => pool.end(),
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  mkdirSync(dataDir, { recursive: true });
  // Loaded on demand: a PostgreSQL deployment never pays for the WebAssembly engine.
  const [{ PGlite }, { drizzle: drizzlePglite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('drizzle-orm/pglite'),
  ]);
  const unlock = lockDataDir(dataDir);
  let client: PGlite;
  try {
    client = await PGlite.create(dataDir);
  } catch (error) {
    unlock();
    throw error;
  }
  const orm = drizzlePglite(client);
  return {
    kind: 'pglite',
    orm: orm as unknown as Orm,
    description: describeDatabase({ kind: 'pglite', dataDir }),
    // PGlite is a single session already; it queues concurrent callers itself.
    withSession: (fn) => fn({ kind: 'pglite', orm }),
    close: () => client.close().finally(unlock),
  };
}

export async function openDatabase(config: DatabaseConfig, logger: Logger): Promise<Database> {
  return config.kind === 'postgres' ? openPostgres(config, logger) : openPglite(config.dataDir);
}
