// A database failover under load, against the production bundle: PostgreSQL is stopped mid-load (fast
// shutdown, then immediate shutdown, as RDS failover and maintenance do it) and started again, while 20
// clients drive every write path. Nothing but 503 problem+json may fail, no connection may be dropped, no
// acknowledged write may be lost, no Idempotency-Key may be applied twice, and the process must survive.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, type StopMode, startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { baseEnv, REPO_ROOT, type ServerProcess, startServerProcess } from './support/process.js';

/** Asserts an empty list, showing how many and the first few when not. */
function expectNone(list: unknown[]): void {
  expect({ count: list.length, first: list.slice(0, 5) }).toEqual({ count: 0, first: [] });
}

const node24 = () => inject('node24') || process.env.NODE24_PATH || process.execPath;

const CLIENTS = 20;
type Kind = 'create' | 'create-keyed' | 'update' | 'delete' | 'read';
/** Client n does KINDS[n % KINDS.length]: most of the load is the idempotent path (a transaction). */
const KINDS: Kind[] = [
  'create-keyed',
  'create',
  'create-keyed',
  'update',
  'create-keyed',
  'delete',
  'create-keyed',
  'read',
];
/** Every request gives up after this long: a hang counts as a failure, never as a stuck test. */
const REQUEST_TIMEOUT_MS = 15_000;

interface Tally {
  requests: number;
  ok: number;
  unavailable: number;
  /** 5xx other than 503, or a 503 that is not problem+json with Retry-After. */
  badErrors: string[];
  /** Requests that ended without a response (reset, closed, timed out). */
  dropped: string[];
  /** Unexpected 4xx. */
  unexpected: string[];
}

interface Acknowledged {
  created: Set<string>;
  /** Idempotency-Key → the note id of its 201 responses (all of them must agree). */
  keyed: Map<string, Set<string>>;
  /** Keys sent at least once (acknowledged or not): each may own at most one note. */
  keysSent: Set<string>;
  /** note id → highest acknowledged update counter, and the highest attempted one. */
  updates: Map<string, { acked: number; attempted: number }>;
  deleted: Set<string>;
}

describe('database failover under load (the bundle on PostgreSQL)', () => {
  let postgres: TestPostgres;
  let server: ServerProcess;
  let work: string;

  beforeAll(async () => {
    // synchronous_commit on: an acknowledged commit is on disk before the 201, as on RDS (the test default
    // trades that away for speed, and an immediate shutdown would then lose commits PostgreSQL confirmed).
    postgres = await startTestPostgres({ settings: { synchronous_commit: 'on' } });
    work = mkdtempSync(join(tmpdir(), 'svc-failover-'));
    execFileSync(
      process.execPath,
      [join(REPO_ROOT, 'service/scripts/build.mjs'), '--outdir', join(work, 'dist')],
      {
        cwd: REPO_ROOT,
        stdio: 'pipe',
      },
    );
    cpSync(join(REPO_ROOT, 'service/drizzle'), join(work, 'drizzle'), { recursive: true });
    server = await startServerProcess([node24(), 'dist/server.mjs'], {
      cwd: work,
      env: baseEnv({
        NODE_ENV: 'production',
        DATABASE_URL: postgres.url,
        PORT: String(await freePort()),
        DB_POOL_MAX: '10',
      }),
    });
  });

  afterAll(async () => {
    await server?.stop('SIGKILL');
    await postgres?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function request(
    tally: Tally,
    method: string,
    path: string,
    options: { json?: unknown; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: string } | undefined> {
    tally.requests++;
    const what = `${method} ${path}`;
    let res: Response;
    let body: string;
    try {
      res = await fetch(`${server.url}${path}`, {
        method,
        headers: { ...(options.json ? { 'content-type': 'application/json' } : {}), ...options.headers },
        body: options.json ? JSON.stringify(options.json) : undefined,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      body = await res.text();
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      tally.dropped.push(`${what}: ${(error as Error).message} ${cause?.code ?? ''}`);
      return undefined;
    }
    if (res.status === 503) {
      const problem = res.headers.get('content-type') === 'application/problem+json';
      if (problem && res.headers.get('retry-after')) tally.unavailable++;
      else tally.badErrors.push(`${what}: 503 without problem+json and Retry-After: ${body.slice(0, 200)}`);
      return { status: res.status, body };
    }
    if (res.status >= 500) tally.badErrors.push(`${what}: ${res.status} ${body.slice(0, 300)}`);
    return { status: res.status, body };
  }

  /** One client: does its kind of request in a loop until `until()` says stop (bounded by count too). */
  async function client(n: number, kind: Kind, tally: Tally, acked: Acknowledged, until: () => boolean) {
    const pause = () => new Promise((r) => setTimeout(r, 20));
    const expect2xx = (res: { status: number; body: string } | undefined, what: string, ok: number[]) => {
      if (!res || res.status === 503 || res.status >= 500) return false;
      if (ok.includes(res.status)) return true;
      tally.unexpected.push(`${what}: ${res.status} ${res.body.slice(0, 200)}`);
      return false;
    };
    /** Creates a note, retrying with one key until acknowledged (or stopped); its id. */
    const createRetrying = async (title: string): Promise<string | undefined> => {
      const key = `setup-${n}-${title.replaceAll(' ', '-')}`;
      for (let attempt = 0; attempt < 2_000 && !until(); attempt++) {
        const res = await request(tally, 'POST', '/v1/notes', {
          json: { title },
          headers: { 'idempotency-key': key },
        });
        if (expect2xx(res, 'POST (setup)', [201])) return JSON.parse(res!.body).id as string;
        await pause();
      }
      return undefined;
    };

    let noteId: string | undefined;
    for (let i = 0; i < 100_000 && !until(); i++) {
      if (kind === 'create') {
        const res = await request(tally, 'POST', '/v1/notes', { json: { title: `c${n}-${i}` } });
        if (expect2xx(res, 'POST', [201])) acked.created.add(JSON.parse(res!.body).id);
      } else if (kind === 'create-keyed') {
        // A client retries a 503 with the same key, as the API tells it to; a new key once acknowledged.
        const key = `k${n}-${i}`;
        acked.keysSent.add(key);
        for (let attempt = 0; attempt < 2_000 && !until(); attempt++) {
          const res = await request(tally, 'POST', '/v1/notes', {
            json: { title: key, body: 'idempotent' },
            headers: { 'idempotency-key': key },
          });
          if (expect2xx(res, 'POST (keyed)', [201])) {
            const ids = acked.keyed.get(key) ?? new Set<string>();
            ids.add(JSON.parse(res!.body).id);
            acked.keyed.set(key, ids);
            break;
          }
          await pause();
        }
      } else if (kind === 'update') {
        noteId ??= await createRetrying('to update');
        if (!noteId) break;
        const state = acked.updates.get(noteId) ?? { acked: -1, attempted: -1 };
        acked.updates.set(noteId, state);
        state.attempted = i;
        const res = await request(tally, 'PATCH', `/v1/notes/${noteId}`, {
          json: { title: `u${i}` },
          headers: { 'if-match': '*' },
        });
        if (expect2xx(res, 'PATCH', [200])) state.acked = i;
      } else if (kind === 'delete') {
        const id = await createRetrying(`to delete ${i}`);
        if (!id) break;
        // A 404 after a 503 is a retried delete that had already been applied.
        for (let attempt = 0; attempt < 2_000 && !until(); attempt++) {
          const res = await request(tally, 'DELETE', `/v1/notes/${id}`);
          if (expect2xx(res, 'DELETE', [204, 404])) {
            acked.deleted.add(id);
            break;
          }
          await pause();
        }
      } else {
        const res = await request(tally, 'GET', '/v1/notes?limit=5');
        expect2xx(res, 'GET', [200]);
      }
      if (tally.dropped.length > 0) await pause();
    }
  }

  async function waitForReady(timeoutMs: number): Promise<boolean> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      const res = await fetch(`${server.url}/readyz`).catch(() => undefined);
      if (res?.status === 200) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  it('starts while the database is down: 503 with Retry-After, then migrates and serves once it is back', async () => {
    // A fresh database (nothing migrated) on the same server, which is then stopped.
    const url = await postgres.createDatabase();
    await postgres.interrupt('fast');
    let late: ServerProcess | undefined;
    try {
      // Two workers: each waits for the database on its own, and whichever migrates first must not leave
      // the other answering 503 once the task reports ready.
      late = await startServerProcess([node24(), 'dist/server.mjs'], {
        cwd: work,
        env: baseEnv({
          NODE_ENV: 'production',
          DATABASE_URL: url,
          PORT: String(await freePort()),
          WORKERS: '2',
        }),
      });
      for (const [method, path] of [
        ['GET', '/v1/notes'],
        ['POST', '/v1/notes'],
        ['GET', '/readyz'],
      ] as const) {
        const res = await fetch(`${late.url}${path}`, {
          method,
          headers: { 'content-type': 'application/json' },
          body: method === 'POST' ? JSON.stringify({ title: 'too early' }) : undefined,
        });
        expect(res.status, `${method} ${path}`).toBe(503);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        await res.text();
        if (path !== '/readyz') expect(res.headers.get('retry-after')).toBe('5');
      }
      expect((await fetch(`${late.url}/healthz`)).status).toBe(200);
      await postgres.restore();
      const started = Date.now();
      let ready = 0;
      while (Date.now() - started < 20_000 && ready !== 200) {
        ready = (await fetch(`${late.url}/readyz`)).status;
        if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(ready).toBe(200);
      // Ready means every worker serves: new connections (spread over the workers) all get 201.
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const created = await fetch(`${late.url}/v1/notes`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', connection: 'close' },
          body: JSON.stringify({ title: `after start-up ${i}` }),
        });
        await created.text();
        statuses.push(created.status);
      }
      expect(statuses).toEqual(Array(8).fill(201));
      expect(late.child.exitCode).toBeNull();
      // Log lines are flushed every 250 ms.
      const logged = () => late!.logLines().some((l) => l.msg === 'migrations applied');
      for (let i = 0; i < 40 && !logged(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(logged()).toBe(true);
    } finally {
      await postgres.restore();
      await late?.stop('SIGKILL');
    }
  });

  it.each<StopMode>(['fast', 'immediate'])(
    'survives a %s shutdown and restart of PostgreSQL mid-load, losing and duplicating nothing',
    async (mode) => {
      const tally: Tally = { requests: 0, ok: 0, unavailable: 0, badErrors: [], dropped: [], unexpected: [] };
      const acked: Acknowledged = {
        created: new Set(),
        keyed: new Map(),
        keysSent: new Set(),
        updates: new Map(),
        deleted: new Set(),
      };
      let stop = false;
      const hardDeadline = Date.now() + 45_000;
      const until = () => stop || Date.now() > hardDeadline;
      const clients = Array.from({ length: CLIENTS }, (_, n) =>
        client(n, KINDS[n % KINDS.length]!, tally, acked, until),
      );

      await new Promise((r) => setTimeout(r, 1_500));
      const before = tally.requests;
      await postgres.interrupt(mode);
      await new Promise((r) => setTimeout(r, 3_000));
      await postgres.restore();
      const ready = await waitForReady(20_000);
      await new Promise((r) => setTimeout(r, 1_500));
      stop = true;
      await Promise.all(clients);

      // The process survived, and the load really ran across the outage, which it saw.
      expect(server.child.exitCode, server.output().slice(-3000)).toBeNull();
      expect(server.child.signalCode).toBeNull();
      expect(ready).toBe(true);
      expect(before).toBeGreaterThan(20);
      expect(tally.unavailable).toBeGreaterThan(0);
      expectNone(tally.badErrors);
      expectNone(tally.dropped);
      expectNone(tally.unexpected);

      const db = new pg.Client({ connectionString: postgres.url });
      await db.connect();
      try {
        const exists = async (ids: Iterable<string>) => {
          const { rows } = await db.query<{ id: string }>('select id from notes where id = any($1::uuid[])', [
            [...ids],
          ]);
          return new Set(rows.map((r) => r.id));
        };
        // Every 201 is still there.
        const created = await exists(acked.created);
        expect([...acked.created].filter((id) => !created.has(id))).toEqual([]);
        expect(acked.created.size).toBeGreaterThan(0);

        // Every key: at most one note, the one every 201 for it named.
        const { rows } = await db.query<{ title: string; ids: string[] }>(
          "select title, array_agg(id::text) as ids from notes where body = 'idempotent' group by title",
        );
        const byKey = new Map(rows.map((r) => [r.title, r.ids]));
        const duplicates = [...byKey].filter(([, ids]) => ids.length > 1);
        expectNone(duplicates);
        const lost = [...acked.keyed].filter(([key, ids]) => {
          const stored = byKey.get(key);
          return ids.size !== 1 || !stored || stored[0] !== [...ids][0];
        });
        expectNone(lost);
        expect([...byKey.keys()].filter((key) => !acked.keysSent.has(key))).toEqual([]);
        expect(acked.keyed.size).toBeGreaterThan(0);

        // Updates: the stored title is the last acknowledged one or a later attempt, never an older one.
        for (const [id, { acked: last, attempted }] of acked.updates) {
          const { rows: notes } = await db.query<{ title: string }>('select title from notes where id = $1', [
            id,
          ]);
          const title = notes[0]?.title ?? '';
          const stored = title.startsWith('u') ? Number(title.slice(1)) : -1;
          expect(stored, `note ${id}`).toBeGreaterThanOrEqual(last);
          expect(stored, `note ${id}`).toBeLessThanOrEqual(attempted);
        }
        // Acknowledged deletes stay deleted.
        expect([...(await exists(acked.deleted))]).toEqual([]);
        expect(acked.deleted.size).toBeGreaterThan(0);
      } finally {
        await db.end();
      }
      const log = server.logLines();
      expect(log.some((l) => l.msg === 'database unavailable')).toBe(true);
    },
  );
});
