// Configuration: defaults, PostgreSQL selection (DATABASE_URL or libpq variables), TLS, and one clear line
// per bad variable — with exit code 1 from the real entry point.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, describeDatabase, loadConfig } from '../../service/src/config.js';
import { postgresClientConfig } from '../../service/src/db.js';
import { baseEnv, runProcess, sourceCommand } from './support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'svc-config-'));
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function issuesOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, dir);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('defaults to port 3000 and PGlite in ./.data/pglite under the working directory', () => {
    const config = loadConfig({}, dir);
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      logLevel: 'info',
      shutdownTimeoutMs: 25_000,
      appVersion: 'dev',
      gitSha: 'unknown',
      database: { kind: 'pglite', dataDir: join(dir, '.data/pglite') },
    });
  });

  it('reads DATABASE_URL, with libpq variables filling the gaps', () => {
    const config = loadConfig(
      {
        DATABASE_URL: 'postgresql://app:s%40cret@db.internal:6543/notes?sslmode=require',
        DB_POOL_MAX: '25',
        PGPASSWORD: 'ignored-because-the-url-has-one',
      },
      dir,
    );
    expect(config.database).toMatchObject({
      kind: 'postgres',
      host: 'db.internal',
      port: 6543,
      database: 'notes',
      user: 'app',
      password: 's@cret',
      sslMode: 'require',
      poolMax: 25,
    });
    const partial = loadConfig({ DATABASE_URL: 'postgres://db.internal', PGUSER: 'u', PGPASSWORD: 'p' }, dir);
    expect(partial.database).toMatchObject({
      host: 'db.internal',
      port: 5432,
      user: 'u',
      password: 'p',
      database: 'u',
    });
  });

  it('reads the libpq variables ECS passes from the RDS secret', () => {
    const config = loadConfig(
      {
        PGHOST: 'mydb.abc.eu-west-1.rds.amazonaws.com',
        PGPORT: '5432',
        PGDATABASE: 'notes',
        PGUSER: 'notes_app',
        PGPASSWORD: 'from-secrets-manager',
        PGSSLMODE: 'verify-full',
        PGSSLROOTCERT: 'ca.pem',
      },
      dir,
    );
    expect(config.database).toMatchObject({
      kind: 'postgres',
      host: 'mydb.abc.eu-west-1.rds.amazonaws.com',
      sslMode: 'verify-full',
      sslRootCertPath: caFile,
    });
    const client = postgresClientConfig(config.database as never);
    expect(client.ssl).toMatchObject({
      rejectUnauthorized: true,
      ca: expect.stringContaining('BEGIN CERTIFICATE'),
    });
    expect(describeDatabase(config.database)).not.toContain('from-secrets-manager');
    expect(describeDatabase(config.database)).toContain('sslmode=verify-full');
  });

  it('maps sslmode to node TLS options', () => {
    const ssl = (mode: string) =>
      postgresClientConfig(loadConfig({ PGHOST: 'h', PGSSLMODE: mode }, dir).database as never).ssl;
    expect(ssl('disable')).toBe(false);
    expect(ssl('require')).toEqual({ rejectUnauthorized: false });
    expect(ssl('verify-full')).toEqual({ rejectUnauthorized: true });
  });

  it('reports every bad variable on its own line, naming it and what is accepted', () => {
    const issues = issuesOf({
      PORT: 'eighty',
      LOG_LEVEL: 'verbose',
      SHUTDOWN_TIMEOUT_MS: '-5',
      DB_POOL_MAX: '0',
      PGSSLMODE: 'prefer',
    });
    expect(issues).toEqual([
      'PORT: expected an integer from 1 to 65535',
      'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent',
      'SHUTDOWN_TIMEOUT_MS: expected an integer from 0 to 600000',
      'DB_POOL_MAX: expected an integer from 1 to 1000',
      'PGSSLMODE: expected one of disable, require, verify-full',
    ]);
    expect(issuesOf({ PORT: '70000' })).toEqual(['PORT: expected an integer from 1 to 65535']);
  });

  it('rejects a bad DATABASE_URL without echoing it (it may hold a password)', () => {
    const [issue] = issuesOf({ DATABASE_URL: 'mysql://root:hunter2@db/x' });
    expect(issue).toMatch(/^DATABASE_URL: scheme must be postgresql/);
    expect(issue).not.toContain('hunter2');
    const [unparsable] = issuesOf({ DATABASE_URL: 'not a url hunter2' });
    expect(unparsable).toMatch(/^DATABASE_URL: not a valid URL/);
    expect(unparsable).not.toContain('hunter2');
    expect(issuesOf({ DATABASE_URL: 'postgres://h/db?sslmode=allow' })).toEqual([
      'DATABASE_URL: sslmode must be one of disable, require, verify-full, got allow',
    ]);
  });

  it('refuses half a libpq configuration instead of silently using PGlite', () => {
    const [issue] = issuesOf({ PGUSER: 'app', PGPASSWORD: 'x' });
    expect(issue).toMatch(/^PGHOST: required when PGUSER, PGPASSWORD are set/);
    expect(issue).not.toContain('"x"');
  });

  it('checks the CA file for verify-full', () => {
    expect(issuesOf({ PGHOST: 'h', PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/nope/ca.pem' })).toEqual([
      'PGSSLROOTCERT: cannot read /nope/ca.pem (ENOENT)',
    ]);
    writeFileSync(join(dir, 'not-pem.txt'), 'hello');
    expect(issuesOf({ PGHOST: 'h', PGSSLMODE: 'verify-full', PGSSLROOTCERT: 'not-pem.txt' })).toEqual([
      `PGSSLROOTCERT: ${join(dir, 'not-pem.txt')} holds no PEM certificate`,
    ]);
    // Irrelevant without PostgreSQL: the image sets it, and PGlite ignores it.
    expect(loadConfig({ PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/nope/ca.pem' }, dir).database.kind).toBe(
      'pglite',
    );
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '', PGHOST: '' }, dir)).toMatchObject({
      port: 3000,
      database: { kind: 'pglite' },
    });
  });
});

describe('the entry points with a bad configuration', () => {
  for (const entry of ['index.ts', 'migrate.ts'] as const) {
    it(`${entry} exits 1 with one line per bad variable and never prints the password`, async () => {
      const run = runProcess(sourceCommand(entry), {
        env: baseEnv({ PORT: 'x', LOG_LEVEL: 'loud', PGUSER: 'app', PGPASSWORD: 'hunter2-secret' }),
      });
      const exit = await run.exited;
      expect(exit.code).toBe(1);
      const lines = run.output().trim().split('\n');
      expect(lines).toEqual([
        'configuration error: PORT: expected an integer from 1 to 65535',
        'configuration error: LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent',
        expect.stringMatching(/^configuration error: PGHOST: required when PGUSER, PGPASSWORD are set/),
      ]);
      expect(run.output()).not.toContain('hunter2-secret');
    });
  }
});
