// Entry point: start the server, and stop it gracefully on SIGTERM (ECS) or SIGINT (Ctrl-C).
import { loadConfigOrExit } from './cli.js';
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
  logger.fatal({ err: error }, 'start-up failed');
  process.exit(1);
}
