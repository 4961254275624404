// One-off migration run (`npm run migrate`, or `node dist/migrate.mjs` in the image: the deploy's ECS task).
// Safe to run while the service starts or runs: both take the same advisory lock.
import { loadConfigOrExit } from './cli.js';
import { runMigrations } from './db/migrations.js';
import { openDatabase } from './db.js';
import { createLogger } from './logger.js';
import { MIGRATIONS_DIR } from './paths.js';

const config = loadConfigOrExit();
const logger = createLogger({ level: config.logLevel, appVersion: config.appVersion });

try {
  const db = await openDatabase(config.database, logger);
  try {
    await runMigrations(db, MIGRATIONS_DIR, logger);
  } finally {
    await db.close();
  }
} catch (error) {
  logger.fatal({ err: error }, 'migration failed');
  process.exitCode = 1;
}
