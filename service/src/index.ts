// Entry point: start the server, and stop it gracefully on SIGTERM (ECS) or SIGINT (Ctrl-C).
import { loadConfigOrExit } from './cli.js';
import { DataDirLockedError } from './db/data-dir-lock.js';
import { createLogger } from './logger.js';
import { startServer } from './server.js';

const config = loadConfigOrExit();
const logger = createLogger({ level: config.logLevel, appVersion: config.appVersion });

try {
  const running = await startServer(config, logger);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      running.shutdown(signal).then((code) => process.exit(code));
    });
  }
} catch (error) {
  if (error instanceof DataDirLockedError) {
    // An operator's mistake, not a bug: the message says what to do; no stack trace.
    logger.fatal({ dataDir: error.dataDir, otherProcess: error.owner }, `start-up failed: ${error.message}`);
  } else logger.fatal({ err: error }, 'start-up failed');
  process.exit(1);
}
