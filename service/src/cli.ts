// Shared by the two entry points (server and migrate): configuration errors end the process with one line
// per bad variable and exit code 1, before anything else happens.
import { type Config, ConfigError, loadConfig } from './config.js';

export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const issue of error.issues) process.stderr.write(`configuration error: ${issue}\n`);
    process.exit(1);
  }
}
