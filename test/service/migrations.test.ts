// Migrations under the advisory lock, against real PostgreSQL: concurrent migrators apply each migration
// once, a held lock makes a migrator wait, readiness requires the migrations, and `npm run migrate` works.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../service/src/app.js';
import { loadConfig } from '../../service/src/config.js';
import { MIGRATION_LOCK_KEY, runMigrations } from '../../service/src/db/migrations.js';
import { type Database, openDatabase } from '../../service/src/db.js';
import { MIGRATIONS_DIR } from '../../service/src/paths.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { memoryLogger } from './support/databases.js';
import { call } from './support/http.js';
import { baseEnv, runProcess, sourceCommand } from './support/process.js';

let postgres: TestPostgres;
const open: Database[] = [];

beforeAll(async () => {
  postgres = await startTestPostgres();
});
afterAll(async () => {
  for (const db of open) await db.close().catch(() => {});
  await postgres?.stop();
});

async function connect(url: string): Promise<Database> {
  const config = loadConfig({ DATABASE_URL: url, DB_POOL_MAX: '2' });
  const db = await openDatabase(config.database, memoryLogger().logger);
  open.push(db);
  return db;
}

async function appliedMigrations(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query('select count(*)::int as n from drizzle.__drizzle_migrations');
    return result.rows[0].n;
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return 0;
    throw error;
  } finally {
    await client.end();
  }
}

/** Every entry of the drizzle-kit journal is one migration. */
const JOURNAL_SIZE: number = JSON.parse(readFileSync(join(MIGRATIONS_DIR, 'meta/_journal.json'), 'utf8'))
  .entries.length;

describe('migrations under pg_advisory_lock', () => {
  it('applies each migration once when several migrators start together', async () => {
    const url = await postgres.createDatabase();
    const migrators = await Promise.all(Array.from({ length: 6 }, () => connect(url)));
    const { logger } = memoryLogger();
    const results = await Promise.all(migrators.map((db) => runMigrations(db, MIGRATIONS_DIR, logger)));
    expect(results.map((r) => r.applied).sort()).toEqual([0, 0, 0, 0, 0, JOURNAL_SIZE]);
    expect(await appliedMigrations(url)).toBe(JOURNAL_SIZE);
  });

  it('waits while another session holds the lock, then migrates', async () => {
    const url = await postgres.createDatabase();
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      const db = await connect(url);
      let finished = false;
      const migration = runMigrations(db, MIGRATIONS_DIR, memoryLogger().logger).then((result) => {
        finished = true;
        return result;
      });
      // Long enough for an unlocked migration to have finished several times over.
      await new Promise((r) => setTimeout(r, 1500));
      expect(finished).toBe(false);
      expect(await appliedMigrations(url)).toBe(0);
      const waiting = await holder.query(
        `select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`,
      );
      expect(waiting.rows[0].n).toBe(1);
      await holder.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      const result = await migration;
      expect(result).toEqual({ applied: JOURNAL_SIZE, waited: true });
      expect(await appliedMigrations(url)).toBe(JOURNAL_SIZE);
    } finally {
      await holder.end();
    }
  });

  it('keeps /readyz at 503 until the migrations are applied', async () => {
    const url = await postgres.createDatabase();
    const db = await connect(url);
    const config = loadConfig({ DATABASE_URL: url });
    const app = createApp({ db, config, logger: memoryLogger().logger });
    const before = await call(app, 'GET', '/readyz');
    expect(before.status).toBe(503);
    expect(before.body.detail).toContain('migrations');
    await runMigrations(db, MIGRATIONS_DIR, memoryLogger().logger);
    expect((await call(app, 'GET', '/readyz')).status).toBe(200);
    // Releasing the lock leaves nothing held behind.
    const locks = await db.orm.execute(
      sql`select count(*)::int as n from pg_locks where locktype = 'advisory'`,
    );
    expect((locks as unknown as { rows: Array<{ n: number }> }).rows[0]!.n).toBe(0);
  });

  it('runs from `npm run migrate` (tsx service/src/migrate.ts), several at once', async () => {
    const url = await postgres.createDatabase();
    const runs = Array.from({ length: 3 }, () =>
      runProcess(sourceCommand('migrate.ts'), { env: baseEnv({ DATABASE_URL: url }) }),
    );
    const exits = await Promise.all(runs.map((r) => r.exited));
    const output = runs.map((r) => r.output()).join('\n');
    expect(
      exits.map((e) => e.code),
      output,
    ).toEqual([0, 0, 0]);
    expect(await appliedMigrations(url)).toBe(JOURNAL_SIZE);
    expect(output).not.toContain(new URL(url).password);
  });
});
