// The real server process: SIGTERM drains in-flight requests (none fails, exit 0), stops accepting new
// connections, gives up after SHUTDOWN_TIMEOUT_MS; PGlite data survives a restart.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../service/src/db/data-dir-lock.js';
import { freePort, startTestPostgres, type TestPostgres } from '../support/postgres.js';
import {
  baseEnv,
  runProcess,
  type ServerProcess,
  sourceCommand,
  startServerProcess,
} from './support/process.js';

interface Outcome {
  status: number;
  body: string;
}

async function send(url: string, init: RequestInit = {}): Promise<Outcome> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.text() };
}

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

interface SlowUpload {
  /** Resolves once the server has read the request head (its 100 Continue): the request is in flight. */
  accepted: Promise<void>;
  finish(): void;
  done: Promise<Outcome>;
}

/** A POST whose body arrives in two parts; the second is sent when `finish()` is called. */
function slowUpload(port: number, title: string): SlowUpload {
  const body = JSON.stringify({ title, body: 'sent slowly' });
  const half = Math.floor(body.length / 2);
  const req = httpRequest({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/v1/notes',
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      expect: '100-continue',
    },
  });
  const accepted = new Promise<void>((resolve) => req.once('continue', () => resolve()));
  const done = new Promise<Outcome>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  req.flushHeaders();
  accepted.then(() => req.write(body.slice(0, half)));
  // Failures surface where `done` is awaited; this only keeps an early one from being "unhandled".
  done.catch(() => {});
  return { accepted, finish: () => accepted.then(() => req.end(body.slice(half))), done };
}

/** Resolves true once a new TCP connection to the port is refused. */
async function refusesConnections(port: number, timeoutMs: number): Promise<boolean> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
    });
    if (refused) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('graceful shutdown on PostgreSQL', () => {
  let postgres: TestPostgres;
  beforeAll(async () => {
    postgres = await startTestPostgres();
  });
  afterAll(async () => {
    await postgres?.stop();
  });

  async function start(env: Record<string, string> = {}): Promise<ServerProcess> {
    return startServerProcess(sourceCommand('index.ts'), {
      env: baseEnv({ DATABASE_URL: postgres.url, PORT: String(await freePort()), ...env }),
    });
  }

  /** Holds an ACCESS EXCLUSIVE lock on notes, so every request that touches the table waits in the database. */
  async function lockNotes(): Promise<pg.Client> {
    const locker = new pg.Client({ connectionString: postgres.url });
    locker.on('error', () => {});
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE notes IN ACCESS EXCLUSIVE MODE');
    return locker;
  }

  /** Sessions waiting for a lock; asked on its own connection (a transaction would see a frozen snapshot). */
  async function waitingOnLock(): Promise<number> {
    const monitor = new pg.Client({ connectionString: postgres.url });
    monitor.on('error', () => {});
    await monitor.connect();
    try {
      const result = await monitor.query(
        `select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`,
      );
      return result.rows[0].n;
    } finally {
      await monitor.end();
    }
  }

  it('finishes every in-flight request, refuses new connections, closes the pool and exits 0', {
    timeout: 180_000,
  }, async () => {
    const server = await start({ SHUTDOWN_TIMEOUT_MS: '20000', DB_POOL_MAX: '20' });
    let locker: pg.Client | undefined;
    try {
      const created = await send(`${server.url}/v1/notes`, json({ title: 'before shutdown' }));
      expect(created.status).toBe(201);
      const id = JSON.parse(created.body).id;

      locker = await lockNotes();
      const inFlight: Array<Promise<Outcome>> = [];
      for (let i = 0; i < 4; i++) inFlight.push(send(`${server.url}/v1/notes/${id}`));
      for (let i = 0; i < 4; i++) inFlight.push(send(`${server.url}/v1/notes?limit=5`));
      for (let i = 0; i < 4; i++)
        inFlight.push(send(`${server.url}/v1/notes`, json({ title: `during ${i}` })));
      inFlight.push(
        send(`${server.url}/v1/notes/${id}`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/json', 'if-match': '"1"' },
          body: JSON.stringify({ title: 'patched while draining' }),
        }),
      );
      for (const request of inFlight) request.catch(() => {});
      const uploads = Array.from({ length: 3 }, (_, i) => slowUpload(server.port, `slow ${i}`));
      // All 13 requests are being handled: each holds a pooled connection waiting on the lock.
      await waitFor(
        async () => (await waitingOnLock()) >= inFlight.length,
        30_000,
        'requests blocked on the lock',
      );
      await Promise.all(uploads.map((u) => u.accepted));

      server.child.kill('SIGTERM');
      expect(await refusesConnections(server.port, 5000)).toBe(true);

      await new Promise((r) => setTimeout(r, 300));
      for (const upload of uploads) upload.finish();
      await locker.query('COMMIT');
      await locker.end();
      locker = undefined;

      const outcomes = await Promise.all([...inFlight, ...uploads.map((u) => u.done)]);
      expect(outcomes.map((o) => o.status)).toEqual([
        ...Array(4).fill(200),
        ...Array(4).fill(200),
        ...Array(4).fill(201),
        200,
        201,
        201,
        201,
      ]);

      const exit = await server.exited;
      expect(exit, server.output()).toEqual({ code: 0, signal: null });
      const lines = server.logLines();
      expect(lines.find((l) => l.msg === 'shutting down: draining requests')).toMatchObject({
        reason: 'SIGTERM',
      });
      expect(lines.find((l) => l.msg === 'stopped')).toMatchObject({ timedOut: false });
      // Every request has its log line, the slow ones included.
      expect(
        lines.filter((l) => l.msg === 'request' && l.method === 'POST' && l.status === 201),
      ).toHaveLength(8);
    } finally {
      if (locker) await locker.end().catch(() => {});
      await server.stop('SIGKILL');
    }
  });

  it('drains keep-alive connections under load without a single reset', { timeout: 180_000 }, async () => {
    const server = await start();
    const port = Number(new URL(server.url).port);
    const tally = {
      ok: 0,
      closedAfterResponse: 0,
      cleanClose: 0,
      refused: 0,
      /** A reset on a connection that had been serving: what draining must never cause. */
      resets: [] as string[],
      /**
       * A reset of a connection opened while the server closed its listening socket, before it read a byte:
       * the kernel (or the cluster's primary) resets connections it accepted but no server process will
       * take. Nothing was processed: the client sees it like a refused connection and retries. (An ALB stops
       * opening connections to a deregistered target before ECS sends SIGTERM.)
       */
      unservedResets: 0,
    };
    let signalled = false;
    let stop = false;
    // 20 keep-alive clients, each on one connection at a time (HTTP/1.1 over a plain socket, so that a reset
    // and a clean close are told apart exactly), requesting back to back until the port refuses.
    const client = async () => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (stop || Date.now() > deadline) return;
        const socket = connect(port, '127.0.0.1');
        let served = 0;
        let outstanding = false;
        const outcome = await new Promise<'refused' | 'reconnect' | 'stop'>((resolve) => {
          let settled = false;
          const settle = (o: 'refused' | 'reconnect' | 'stop') => {
            if (!settled) resolve(o);
            settled = true;
          };
          let buffer = Buffer.alloc(0);
          const send = () => {
            outstanding = true;
            socket.write('GET /v1/notes?limit=1 HTTP/1.1\r\nHost: localhost\r\n\r\n');
          };
          socket.once('connect', send);
          socket.on('data', (chunk: Buffer) => {
            buffer = Buffer.concat([buffer, chunk]);
            for (;;) {
              const end = buffer.indexOf('\r\n\r\n');
              if (end < 0) return;
              const head = buffer.subarray(0, end).toString('latin1');
              const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
              if (buffer.length < end + 4 + length) return;
              buffer = buffer.subarray(end + 4 + length);
              served++;
              outstanding = false;
              expect(head).toMatch(/^HTTP\/1\.1 200 /);
              tally.ok++;
              if (/\r\nconnection: *close/i.test(head)) {
                tally.closedAfterResponse++;
                socket.end();
                settle('reconnect');
                return;
              }
              if (stop) {
                socket.end();
                settle('stop');
                return;
              }
              send();
            }
          });
          // The server's FIN before an answer: the request was not handled and may be retried.
          socket.on('end', () => {
            if (outstanding) tally.cleanClose++;
            settle('reconnect');
          });
          socket.on('error', (error: NodeJS.ErrnoException) => {
            if (error.code === 'ECONNREFUSED') {
              tally.refused++;
              settle('refused');
            } else if (served === 0 && signalled) {
              tally.unservedResets++;
              settle('reconnect');
            } else {
              tally.resets.push(
                `${signalled ? 'after' : 'before'} SIGTERM, after ${served} responses: ${error.code} ${error.message}`,
              );
              settle('reconnect');
            }
          });
        });
        socket.destroy();
        if (outcome !== 'reconnect') return;
      }
    };
    const clients = Array.from({ length: 20 }, client);
    await waitFor(async () => tally.ok > 200, 30_000, 'load to run');
    signalled = true;
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    stop = true;
    await Promise.all(clients);
    expect(exit.code).toBe(0);
    expect({ resets: tally.resets.length, first: tally.resets.slice(0, 5) }).toEqual({
      resets: 0,
      first: [],
    });
    // Every client learned of the drain from a response, or saw a clean close, then a refused connection.
    expect(tally.closedAfterResponse + tally.cleanClose).toBeGreaterThan(0);
    expect(tally.refused).toBe(20);
    // At most the one connection each client had open as the listening socket closed.
    expect(tally.unservedResets).toBeLessThanOrEqual(20);
  });

  it('gives up on requests still running after SHUTDOWN_TIMEOUT_MS and exits 1', {
    timeout: 180_000,
  }, async () => {
    const server = await start({ SHUTDOWN_TIMEOUT_MS: '500' });
    const locker = await lockNotes();
    try {
      const stuck = fetch(`${server.url}/v1/notes?limit=1`).then(
        (res) => res.status,
        () => 'connection closed',
      );
      await waitFor(async () => (await waitingOnLock()) >= 1, 20_000, 'a request blocked on the lock');
      const started = Date.now();
      server.child.kill('SIGTERM');
      const exit = await server.exited;
      expect(exit.code).toBe(1);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(await stuck).toBe('connection closed');
      // Of several server processes (one per CPU), the one holding the stuck request timed out.
      expect(server.logLines().some((l) => l.msg === 'stopped' && l.timedOut === true)).toBe(true);
    } finally {
      await locker.query('ROLLBACK').catch(() => {});
      await locker.end();
      await server.stop('SIGKILL');
    }
  });
});

describe('PGlite', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = join(mkdtempSync(join(tmpdir(), 'svc-persist-')), 'pglite');
  });
  afterAll(() => {
    rmSync(join(dataDir, '..'), { recursive: true, force: true });
  });

  const start = async () =>
    startServerProcess(sourceCommand('index.ts'), {
      env: baseEnv({ DATA_DIR: dataDir, PORT: String(await freePort()) }),
    });

  it('drains on SIGTERM and keeps the notes across a restart', { timeout: 300_000 }, async () => {
    const first = await start();
    let ids: string[];
    try {
      const created = await send(`${first.url}/v1/notes`, json({ title: 'persisted', tags: ['disk'] }));
      expect(created.status).toBe(201);
      const uploads = Array.from({ length: 5 }, (_, i) => slowUpload(first.port, `slow pglite ${i}`));
      await Promise.all(uploads.map((u) => u.accepted));
      first.child.kill('SIGTERM');
      expect(await refusesConnections(first.port, 5000)).toBe(true);
      for (const upload of uploads) upload.finish();
      const outcomes = await Promise.all(uploads.map((u) => u.done));
      expect(outcomes.map((o) => o.status)).toEqual([201, 201, 201, 201, 201]);
      ids = [created, ...outcomes].map((o) => JSON.parse(o.body).id);
      expect(await first.exited).toEqual({ code: 0, signal: null });
    } finally {
      await first.stop('SIGKILL');
    }

    const second = await start();
    try {
      for (const id of ids) {
        const res = await send(`${second.url}/v1/notes/${id}`);
        expect(res.status).toBe(200);
      }
      const list = JSON.parse((await send(`${second.url}/v1/notes?tag=disk`)).body);
      expect(list.items.map((n: { title: string }) => n.title)).toEqual(['persisted']);
      // The restart found the schema in place and applied nothing.
      expect(second.logLines().find((l) => l.msg === 'schema up to date')).toBeDefined();
    } finally {
      const exit = await second.stop('SIGTERM');
      expect(exit.code).toBe(0);
    }
  });
  it('refuses a second process on the same data directory, naming it and the first process', {
    timeout: 300_000,
  }, async () => {
    const first = await start();
    try {
      const second = runProcess(sourceCommand('index.ts'), {
        env: baseEnv({ DATA_DIR: dataDir, PORT: String(await freePort()) }),
      });
      const exit = await Promise.race([
        second.exited,
        new Promise<'still running'>((r) => setTimeout(() => r('still running'), 60_000)),
      ]);
      if (exit === 'still running') second.child.kill('SIGKILL');
      expect(exit, second.output().slice(-2000)).toMatchObject({ code: 1 });
      const fatal = JSON.parse(
        second
          .output()
          .split('\n')
          .find((l) => l.includes('"fatal"'))!,
      );
      expect(fatal.msg).toContain(dataDir);
      expect(fatal.msg).toContain(`process ${first.child.pid}`);
      expect(fatal.otherProcess.pid).toBe(first.child.pid);
      // The first one is unaffected.
      expect((await send(`${first.url}/v1/notes?limit=1`)).status).toBe(200);
    } finally {
      expect((await first.stop('SIGTERM')).code).toBe(0);
    }
    // Released on shutdown; and a lock left by a killed process is taken over.
    const killed = await start();
    await killed.stop('SIGKILL');
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(true);
    const after = await start();
    try {
      expect((await send(`${after.url}/v1/notes?limit=1`)).status).toBe(200);
    } finally {
      await after.stop('SIGTERM');
    }
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  });
  it("`npm start` runs the server in npm's child directly: SIGTERM to npm stops it, no orphan keeps the port", {
    timeout: 300_000,
  }, async () => {
    const port = await freePort();
    const npm = await startServerProcess(['npm', 'start', '--silent'], {
      env: baseEnv({ DATA_DIR: dataDir, PORT: String(port) }),
    });
    try {
      expect((await send(`${npm.url}/healthz`)).status).toBe(200);
      npm.child.kill('SIGTERM');
      expect(await refusesConnections(port, 15_000)).toBe(true);
      await npm.exited;
      expect(npm.logLines().find((l) => l.msg === 'stopped')).toMatchObject({ timedOut: false });
    } finally {
      await npm.stop('SIGKILL');
    }
  });
});
