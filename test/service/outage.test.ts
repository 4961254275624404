// The database goes away and comes back: readiness and requests turn 503 problem+json (never a crash or a
// hang), liveness stays 200, and everything recovers without a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES, type TestContext } from './support/databases.js';
import { call, expectProblem } from './support/http.js';

describe('PostgreSQL outage', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await POSTGRES.start();
  });
  afterAll(async () => {
    await ctx?.stop();
  });

  async function waitForReady(timeoutMs: number): Promise<number> {
    const started = Date.now();
    for (;;) {
      const res = await call(ctx.app, 'GET', '/readyz');
      if (res.status === 200 || Date.now() - started > timeoutMs) return res.status;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('answers 503 while the database is down and recovers when it returns', async () => {
    const created = await call(ctx.app, 'POST', '/v1/notes', { json: { title: 'survives the outage' } });
    expect(created.status).toBe(201);
    const path = `/v1/notes/${created.body.id}`;
    expect((await call(ctx.app, 'GET', '/readyz')).status).toBe(200);

    await ctx.postgres!.interrupt();
    try {
      const ready = expectProblem(await call(ctx.app, 'GET', '/readyz'), 503);
      expect(ready.detail).toContain('unreachable');
      expect(ready.detail).not.toContain('127.0.0.1');

      const requests = [
        call(ctx.app, 'GET', path),
        call(ctx.app, 'GET', '/v1/notes?limit=5'),
        call(ctx.app, 'POST', '/v1/notes', { json: { title: 'during the outage' } }),
        call(ctx.app, 'PATCH', path, { json: { title: 'x' }, headers: { 'if-match': '"1"' } }),
        call(ctx.app, 'DELETE', path),
        call(ctx.app, 'POST', '/v1/notes', {
          json: { title: 'idem' },
          headers: { 'idempotency-key': 'outage' },
        }),
      ];
      for (const res of await Promise.all(requests)) {
        const problem = expectProblem(res, 503);
        expect(problem.type).toContain('database-unavailable');
        expect(res.headers.get('retry-after')).toBe('5');
      }
      // Validation still answers without the database, and liveness does not depend on it.
      expectProblem(await call(ctx.app, 'GET', '/v1/notes/not-an-id'), 400);
      expect((await call(ctx.app, 'GET', '/healthz')).status).toBe(200);
      expect(ctx.logLines().some((l) => l.msg === 'database unavailable' && l.level === 'warn')).toBe(true);
    } finally {
      await ctx.postgres!.restore();
    }

    expect(await waitForReady(30_000)).toBe(200);
    const after = await call(ctx.app, 'GET', path);
    expect(after.status).toBe(200);
    expect(after.body.title).toBe('survives the outage');
    const write = await call(ctx.app, 'POST', '/v1/notes', { json: { title: 'after the outage' } });
    expect(write.status).toBe(201);
    const replay = await call(ctx.app, 'POST', '/v1/notes', {
      json: { title: 'idem' },
      headers: { 'idempotency-key': 'outage' },
    });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBeNull();
  });
});
