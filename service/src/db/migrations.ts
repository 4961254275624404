// Applies the committed drizzle-kit migrations under a PostgreSQL advisory lock, so several tasks starting
// together (or a deploy's one-off migrate task racing the service) apply each migration exactly once: the
// first takes the lock and migrates, the others wait, then find nothing left to do.
import { type SQL, sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { Database, Orm } from '../db.js';
import type { Logger } from '../logger.js';

/** The advisory lock key every instance agrees on ("notes" in ASCII). */
export const MIGRATION_LOCK_KEY = 0x6e6f746573;

const MIGRATIONS_TABLE = sql`drizzle.__drizzle_migrations`;

/** `when` of the newest migration in the journal: a database is current once it has applied it. */
export function latestMigration(migrationsFolder: string): number {
  return readMigrationFiles({ migrationsFolder }).reduce((max, m) => Math.max(max, m.folderMillis), 0);
}

async function rows<T>(orm: PgDatabase<PgQueryResultHKT>, query: SQL): Promise<T[]> {
  const result = (await orm.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

function isMissingRelation(error: unknown): boolean {
  for (let e = error as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === '42P01' || e.code === '3F000') return true;
  }
  return false;
}

/** `created_at` (the journal's `when`) of the newest applied migration; 0 when none is. */
export async function lastAppliedMigration(orm: Orm): Promise<number> {
  try {
    const [row] = await rows<{ last: string | number | null }>(
      orm,
      sql`select max(created_at) as last from ${MIGRATIONS_TABLE}`,
    );
    return row?.last == null ? 0 : Number(row.last);
  } catch (error) {
    if (isMissingRelation(error)) return 0;
    throw error;
  }
}

export interface MigrationResult {
  /** How many migrations this call applied (0 when another instance had already done it). */
  applied: number;
  /** Whether the lock was held by someone else when we asked. */
  waited: boolean;
}

export async function runMigrations(
  db: Database,
  migrationsFolder: string,
  logger: Logger,
): Promise<MigrationResult> {
  const migrations = readMigrationFiles({ migrationsFolder });
  return db.withSession(async (session) => {
    const orm = session.orm as unknown as Orm;
    const [attempt] = await rows<{ locked: boolean }>(
      orm,
      sql`select pg_try_advisory_lock(${MIGRATION_LOCK_KEY}) as locked`,
    );
    const waited = !attempt?.locked;
    if (waited) {
      logger.info(
        { lockKey: MIGRATION_LOCK_KEY },
        'another instance is migrating; waiting for the migration lock',
      );
      await orm.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    }
    try {
      const before = await lastAppliedMigration(orm);
      const pending = migrations.filter((m) => m.folderMillis > before).length;
      if (session.kind === 'postgres') await migratePostgres(session.orm, { migrationsFolder });
      else await migratePglite(session.orm, { migrationsFolder });
      logger.info(
        { applied: pending, total: migrations.length },
        pending ? 'migrations applied' : 'schema up to date',
      );
      return { applied: pending, waited };
    } finally {
      await orm.execute(sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`);
    }
  });
}
