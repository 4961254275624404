// Configuration: read once from the environment at start-up and validated as a whole, so every mistake is
// reported together, one line per variable, before anything connects anywhere. Values of secret variables
// (PGPASSWORD, the password inside DATABASE_URL) never appear in messages.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** libpq's names. `require` encrypts without verifying the server; `verify-full` checks the CA and host name. */
export const SSL_MODES = ['disable', 'require', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface PostgresConfig {
  kind: 'postgres';
  host: string;
  port: number;
  database: string;
  user: string;
  password: string | undefined;
  sslMode: SslMode;
  /** PEM contents of PGSSLROOTCERT, read at start-up (verify-full only). */
  sslRootCert: string | undefined;
  sslRootCertPath: string | undefined;
  poolMax: number;
}

export interface PgliteConfig {
  kind: 'pglite';
  /** Absolute path of the PGlite data directory. */
  dataDir: string;
}

export type DatabaseConfig = PostgresConfig | PgliteConfig;

export interface Config {
  port: number;
  host: string;
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
  /** Server processes (PostgreSQL only): `auto` is one per whole CPU the task is given (workers.ts). */
  workers: 'auto' | number;
  appVersion: string;
  gitSha: string;
  database: DatabaseConfig;
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n${issues.join('\n')}`);
    this.name = 'ConfigError';
  }
}

const LIBPQ_VARIABLES = ['PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGPASSWORD'] as const;

function integer(name: string, min: number, max: number) {
  return z
    .string()
    .trim()
    .regex(/^\d+$/, `${name}: expected an integer from ${min} to ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${name}: expected an integer from ${min} to ${max}`);
}

function oneOf<T extends readonly [string, ...string[]]>(name: string, values: T) {
  return z
    .string()
    .trim()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(values, { error: `${name}: expected one of ${values.join(', ')}` }));
}

const nonEmpty = (name: string) => z.string().min(1, `${name}: must not be empty`);

const envSchema = z.object({
  PORT: integer('PORT', 1, 65535).default(3000),
  HOST: nonEmpty('HOST').default('0.0.0.0'),
  LOG_LEVEL: oneOf('LOG_LEVEL', LOG_LEVELS).default('info'),
  SHUTDOWN_TIMEOUT_MS: integer('SHUTDOWN_TIMEOUT_MS', 0, 600_000).default(25_000),
  DB_POOL_MAX: integer('DB_POOL_MAX', 1, 1000).default(10),
  WORKERS: z
    .string()
    .trim()
    .toLowerCase()
    .refine(
      (v) => v === 'auto' || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 64),
      'WORKERS: expected auto or an integer from 1 to 64',
    )
    .transform((v): 'auto' | number => (v === 'auto' ? 'auto' : Number(v)))
    .default('auto'),
  DATA_DIR: nonEmpty('DATA_DIR').default('./.data/pglite'),
  DATABASE_URL: nonEmpty('DATABASE_URL').optional(),
  PGHOST: nonEmpty('PGHOST').optional(),
  PGPORT: integer('PGPORT', 1, 65535).optional(),
  PGDATABASE: nonEmpty('PGDATABASE').optional(),
  PGUSER: nonEmpty('PGUSER').optional(),
  PGPASSWORD: z.string().optional(),
  PGSSLMODE: oneOf('PGSSLMODE', SSL_MODES).optional(),
  PGSSLROOTCERT: nonEmpty('PGSSLROOTCERT').optional(),
  APP_VERSION: z.string().default('dev'),
  GIT_SHA: z.string().default('unknown'),
});

type Env = z.infer<typeof envSchema>;

interface UrlParts {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  sslMode?: string;
  sslRootCert?: string;
}

/** Parses a libpq URI; the message never repeats the URL, which may hold a password. */
function parseDatabaseUrl(raw: string, issues: string[]): UrlParts | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    issues.push('DATABASE_URL: not a valid URL; expected postgresql://user:password@host:5432/database');
    return undefined;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    issues.push(`DATABASE_URL: scheme must be postgresql:// or postgres://, got ${url.protocol}//`);
    return undefined;
  }
  const decode = (value: string) => {
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  };
  const port = url.port ? Number(url.port) : undefined;
  const parts: UrlParts = {
    host: url.hostname ? decode(url.hostname) : (url.searchParams.get('host') ?? undefined),
    port,
    database: url.pathname.length > 1 ? decode(url.pathname.slice(1)) : undefined,
    user: url.username ? decode(url.username) : undefined,
    password: url.password ? decode(url.password) : undefined,
    sslMode: url.searchParams.get('sslmode') ?? undefined,
    sslRootCert: url.searchParams.get('sslrootcert') ?? undefined,
  };
  return parts;
}

function readRootCert(path: string, issues: string[]): string | undefined {
  try {
    const pem = readFileSync(path, 'utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
      issues.push(`PGSSLROOTCERT: ${path} holds no PEM certificate`);
      return undefined;
    }
    return pem;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    issues.push(`PGSSLROOTCERT: cannot read ${path} (${code})`);
    return undefined;
  }
}

function postgresConfig(env: Env, cwd: string, issues: string[]): PostgresConfig | undefined {
  const fromUrl = env.DATABASE_URL ? parseDatabaseUrl(env.DATABASE_URL, issues) : {};
  if (!fromUrl) return undefined;
  // libpq semantics: the URL wins, the PG* variables fill in what it leaves out.
  const host = fromUrl.host ?? env.PGHOST;
  if (!host) {
    issues.push('DATABASE_URL: has no host; add one or set PGHOST');
    return undefined;
  }
  let sslMode: SslMode = env.PGSSLMODE ?? 'disable';
  if (fromUrl.sslMode !== undefined) {
    const mode = fromUrl.sslMode.toLowerCase();
    if ((SSL_MODES as readonly string[]).includes(mode)) sslMode = mode as SslMode;
    else issues.push(`DATABASE_URL: sslmode must be one of ${SSL_MODES.join(', ')}, got ${fromUrl.sslMode}`);
  }
  const rootCertPath = fromUrl.sslRootCert ?? env.PGSSLROOTCERT;
  const resolvedRootCert = rootCertPath ? resolve(cwd, rootCertPath) : undefined;
  const user = fromUrl.user ?? env.PGUSER ?? 'postgres';
  return {
    kind: 'postgres',
    host,
    port: fromUrl.port ?? env.PGPORT ?? 5432,
    database: fromUrl.database ?? env.PGDATABASE ?? user,
    user,
    password: fromUrl.password ?? env.PGPASSWORD,
    sslMode,
    sslRootCertPath: resolvedRootCert,
    sslRootCert:
      sslMode === 'verify-full' && resolvedRootCert ? readRootCert(resolvedRootCert, issues) : undefined,
    poolMax: env.DB_POOL_MAX,
  };
}

/** Validates `env` and returns the configuration, or throws a ConfigError listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Config {
  // Empty variables count as unset, as they do for libpq and for most shells' `VAR= cmd`.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  // Each variable on its own, so that one bad value does not hide the others: all are reported at once.
  const issues: string[] = [];
  const parsed: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(envSchema.shape)) {
    const result = schema.safeParse(present[name]);
    if (result.success) {
      parsed[name] = result.data;
      continue;
    }
    const message = result.error.issues[0]?.message ?? 'invalid';
    issues.push(message.startsWith(`${name}:`) ? message : `${name}: ${message}`);
  }
  const values = parsed as Env;
  let database: DatabaseConfig | undefined;
  const wantsPostgres = present.DATABASE_URL !== undefined || present.PGHOST !== undefined;
  if (wantsPostgres) {
    database = postgresConfig(values, cwd, issues);
  } else {
    // Without a host, half a libpq configuration is a mistake, not a request for the embedded database:
    // silently falling back to PGlite in production would lose data.
    const stray = LIBPQ_VARIABLES.filter((name) => present[name] !== undefined);
    if (stray.length > 0) {
      issues.push(
        `PGHOST: required when ${stray.join(', ')} ${stray.length > 1 ? 'are' : 'is'} set (set PGHOST or DATABASE_URL to use PostgreSQL, or unset them to use the embedded PGlite database)`,
      );
    } else {
      database = { kind: 'pglite', dataDir: resolve(cwd, values.DATA_DIR) };
    }
  }
  if (issues.length > 0 || !database) throw new ConfigError(issues);
  return {
    port: values.PORT,
    host: values.HOST,
    logLevel: values.LOG_LEVEL,
    shutdownTimeoutMs: values.SHUTDOWN_TIMEOUT_MS,
    workers: values.WORKERS,
    appVersion: values.APP_VERSION,
    gitSha: values.GIT_SHA,
    database,
  };
}

/** A description of the database safe to log: never the password. */
export function describeDatabase(database: DatabaseConfig): string {
  if (database.kind === 'pglite') return `pglite ${database.dataDir}`;
  return `postgresql://${database.user}@${database.host}:${database.port}/${database.database} (sslmode=${database.sslMode}, pool max ${database.poolMax})`;
}
