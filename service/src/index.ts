// Entry point: start the server, and stop it gracefully on SIGTERM (ECS) or SIGINT (Ctrl-C). On PostgreSQL
// with more than one whole CPU, the first process forks one server process per CPU (workers.ts), which
// share the port, and passes its signals on to them.
import cluster from 'node:cluster';
import { loadConfigOrExit } from './cli.js';
import { DataDirLockedError } from './db/data-dir-lock.js';
import { createLogger, type Logger } from './logger.js';
import { startServer } from './server.js';
import { cpuBudget, workersFor } from './workers.js';

const config = loadConfigOrExit();
const logger = createLogger({ level: config.logLevel, appVersion: config.appVersion });

async function serve(): Promise<void> {
  // Listening for signals from the start: one that arrives while the server is still starting (a server
  // process forked just before a deploy's SIGTERM) stops it as soon as it is up, rather than killing it.
  let running: Awaited<ReturnType<typeof startServer>> | undefined;
  let pending: NodeJS.Signals | undefined;
  const stop = (signal: NodeJS.Signals) => running!.shutdown(signal).then((code) => process.exit(code));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (running) stop(signal);
      else pending ??= signal;
    });
  }
  // A worker tells the first process it handles signals now: until then a signal would kill it outright
  // (still loading its code), so the first process holds it back.
  if (cluster.isWorker) process.send?.({ signalsHandled: true });
  try {
    running = await startServer(config, logger);
    if (pending) stop(pending);
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      // An operator's mistake, not a bug: the message says what to do; no stack trace.
      logger.fatal(
        { dataDir: error.dataDir, otherProcess: error.owner },
        `start-up failed: ${error.message}`,
      );
    } else logger.fatal({ err: error }, 'start-up failed');
    process.exit(1);
  }
}

/** Forks `count` servers; passes SIGTERM/SIGINT on; exits with the worst exit code once all have stopped. */
function supervise(count: number, log: Logger): void {
  let stopping = false;
  let worst = 0;
  let signalled: NodeJS.Signals | undefined;
  /** Workers whose signal handlers are installed (a signal before that would kill one mid-start). */
  const handling = new Set<number>();
  const fork = () => {
    const worker = cluster.fork();
    let listening = false;
    worker.once('listening', () => {
      listening = true;
    });
    worker.on('message', (message: { signalsHandled?: boolean }) => {
      if (message?.signalsHandled !== true) return;
      handling.add(worker.id);
      if (signalled) worker.process.kill(signalled);
    });
    worker.once('exit', (code, signal) => {
      const status = code ?? 1;
      worst = Math.max(worst, status);
      if (!stopping && !listening) {
        // It could not start (configuration, migrations): another would fail the same way.
        log.fatal({ pid: worker.process.pid, code, signal }, 'a server process failed to start; stopping');
        stopping = true;
        signalled ??= 'SIGTERM';
        for (const other of Object.values(cluster.workers ?? {}))
          if (other && handling.has(other.id)) other.process.kill('SIGTERM');
      } else if (!stopping) {
        log.error({ pid: worker.process.pid, code, signal }, 'a server process exited; starting another');
        setTimeout(fork, 500);
        return;
      }
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        log.flush();
        process.exit(worst);
      }
    });
  };
  for (let i = 0; i < count; i++) fork();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      stopping = true;
      signalled ??= signal;
      // A worker still loading gets it once its handlers are installed, and stops as soon as it is up.
      for (const worker of Object.values(cluster.workers ?? {}))
        if (worker && handling.has(worker.id)) worker.process.kill(signal);
    });
  }
}

if (cluster.isPrimary && config.database.kind === 'postgres') {
  const budget = config.workers === 'auto' ? await cpuBudget() : undefined;
  const count = config.workers === 'auto' ? workersFor(budget!.cpus) : config.workers;
  if (count > 1) {
    logger.info(
      { workers: count, cpus: budget?.cpus, source: budget?.source ?? 'WORKERS' },
      'starting server processes',
    );
    supervise(count, logger);
  } else await serve();
} else await serve();
