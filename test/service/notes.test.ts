// The notes API on real PostgreSQL and on PGlite: CRUD, conditional updates, idempotent creation.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type Lifecycle } from '../../service/src/app.js';
import { notes } from '../../service/src/db/schema.js';
import { MIGRATIONS_DIR } from '../../service/src/paths.js';
import { DATABASES, memoryLogger, type TestContext } from './support/databases.js';
import { call, expectProblem } from './support/http.js';

const UNKNOWN_ID = '7d8c8e4e-0f6b-4b7a-9c1e-3d2a1b0c9f8e';

describe.each(DATABASES)('notes API on $name', (engine) => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await engine.start();
  });
  afterAll(async () => {
    await ctx?.stop();
  });

  const create = (json: unknown, headers: Record<string, string> = {}) =>
    call(ctx.app, 'POST', '/v1/notes', { json, headers });

  async function countTitled(title: string): Promise<number> {
    const [row] = await ctx.db.orm.select({ n: count() }).from(notes).where(eq(notes.title, title));
    return Number(row?.n);
  }

  it('creates a note: 201 with Location, ETag and the note', async () => {
    const res = await create({ title: 'Groceries', body: 'milk', tags: ['home', 'to-do'] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ title: 'Groceries', body: 'milk', tags: ['home', 'to-do'], version: 1 });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('location')).toBe(`/v1/notes/${res.body.id}`);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt);

    const got = await call(ctx.app, 'GET', res.headers.get('location')!);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
    expect(got.headers.get('etag')).toBe('"1"');
  });

  it('defaults body and tags', async () => {
    const res = await create({ title: 'Just a title' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ body: '', tags: [] });
  });

  it('accepts the limits exactly and rejects one past them, listing every bad field', async () => {
    const atLimits = {
      title: 't'.repeat(200),
      body: 'b'.repeat(20_000),
      tags: Array.from({ length: 20 }, (_, i) => `${'x'.repeat(48)}${i.toString().padStart(2, '0')}`),
    };
    expect((await create(atLimits)).status).toBe(201);

    const res = await create({
      title: 't'.repeat(201),
      body: 'b'.repeat(20_001),
      tags: [...atLimits.tags, 'one-more'],
    });
    const problem = expectProblem(res, 400);
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ in: 'body', field: 'title' }),
        expect.objectContaining({ in: 'body', field: 'body' }),
        expect.objectContaining({ in: 'body', field: 'tags' }),
      ]),
    );
  });

  it('counts characters, not UTF-16 units: 200 emoji make a valid title, 201 do not', async () => {
    const res = await create({ title: '🦄'.repeat(200), body: '😀'.repeat(20_000) });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ title: '🦄'.repeat(200) });

    const over = expectProblem(await create({ title: '🦄'.repeat(201), body: '😀'.repeat(20_001) }), 400);
    expect(over.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'title', message: 'must be at most 200 characters' }),
        expect.objectContaining({ field: 'body', message: 'must be at most 20000 characters' }),
      ]),
    );
  });

  it('validates each field with a useful message', async () => {
    const res = await create({ title: '', tags: ['ok', 'Not OK', ''], extra: true });
    const problem = expectProblem(res, 400);
    expect(problem.type).toContain('validation-error');
    const byField = Object.fromEntries(
      problem.errors.map((e: { field: string; message: string }) => [e.field, e.message]),
    );
    expect(byField).toMatchObject({
      title: 'must not be empty',
      'tags.1': expect.stringContaining('lowercase'),
      'tags.2': 'must not be empty',
      extra: 'is not a known field',
    });
    expect(problem.detail).toContain('title must not be empty');

    const missing = expectProblem(await create({ body: 'no title' }), 400);
    expect(missing.errors).toEqual([{ in: 'body', field: 'title', message: 'is required' }]);

    for (const shape of [[], 'text', 42, null, { title: 5 }, { title: 'x', tags: 'home' }]) {
      expectProblem(await create(shape), 400);
    }
  });

  it('reads: 404 for an unknown id, 400 for an id that is not a UUID, 304 for a matching If-None-Match', async () => {
    const missing = expectProblem(await call(ctx.app, 'GET', `/v1/notes/${UNKNOWN_ID}`), 404);
    expect(missing.detail).toContain(UNKNOWN_ID);
    const invalid = expectProblem(await call(ctx.app, 'GET', '/v1/notes/not-a-uuid'), 400);
    expect(invalid.errors[0]).toMatchObject({ in: 'path', field: 'id' });

    const created = await create({ title: 'cached' });
    const conditional = await call(ctx.app, 'GET', `/v1/notes/${created.body.id}`, {
      headers: { 'if-none-match': '"1"' },
    });
    expect(conditional.status).toBe(304);
    expect(conditional.text).toBe('');
    const changed = await call(ctx.app, 'GET', `/v1/notes/${created.body.id}`, {
      headers: { 'if-none-match': '"7"' },
    });
    expect(changed.status).toBe(200);
  });

  it('updates with If-Match: 200 and a new ETag; 412 on a stale ETag; 428 without one', async () => {
    const { body: note } = await create({ title: 'v1', tags: ['a'] });
    const path = `/v1/notes/${note.id}`;

    const required = expectProblem(await call(ctx.app, 'PATCH', path, { json: { title: 'v2' } }), 428);
    expect(required.detail).toContain('If-Match');

    const updated = await call(ctx.app, 'PATCH', path, {
      json: { title: 'v2' },
      headers: { 'if-match': '"1"' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: note.id, title: 'v2', tags: ['a'], version: 2 });
    expect(updated.headers.get('etag')).toBe('"2"');
    expect(Date.parse(updated.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(note.updatedAt));

    const staleRes = await call(ctx.app, 'PATCH', path, {
      json: { title: 'v3' },
      headers: { 'if-match': '"1"' },
    });
    expectProblem(staleRes, 412);
    expect((await call(ctx.app, 'GET', path)).body.title).toBe('v2');

    const weak = await call(ctx.app, 'PATCH', path, {
      json: { body: 'x' },
      headers: { 'if-match': 'W/"2"' },
    });
    expectProblem(weak, 412);
    const listed = await call(ctx.app, 'PATCH', path, {
      json: { body: 'x' },
      headers: { 'if-match': '"9", "2"' },
    });
    expect(listed.status).toBe(200);
    const star = await call(ctx.app, 'PATCH', path, {
      json: { tags: [] },
      headers: { 'if-match': '*', 'content-type': 'application/merge-patch+json' },
    });
    expect(star.status).toBe(200);
    expect(star.body).toMatchObject({ title: 'v2', body: 'x', tags: [], version: 4 });

    expectProblem(await call(ctx.app, 'PATCH', path, { json: {}, headers: { 'if-match': '"4"' } }), 400);
    expectProblem(
      await call(ctx.app, 'PATCH', `/v1/notes/${UNKNOWN_ID}`, {
        json: { title: 'x' },
        headers: { 'if-match': '"1"' },
      }),
      404,
    );
    expectProblem(
      await call(ctx.app, 'PATCH', '/v1/notes/123', { json: { title: 'x' }, headers: { 'if-match': '"1"' } }),
      400,
    );
  });

  it('lets exactly one of two concurrent PATCHes with the same ETag win', async () => {
    for (let round = 0; round < 5; round++) {
      const { body: note } = await create({ title: `race ${round}` });
      const patch = (title: string) =>
        call(ctx.app, 'PATCH', `/v1/notes/${note.id}`, { json: { title }, headers: { 'if-match': '"1"' } });
      const results = await Promise.all([patch('left'), patch('right')]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 412]);
      const winner = results.find((r) => r.status === 200)!;
      const stored = await call(ctx.app, 'GET', `/v1/notes/${note.id}`);
      expect(stored.body).toMatchObject({ title: winner.body.title, version: 2 });
    }
  });

  it('deletes: 204, then 404; honours If-Match when given', async () => {
    const { body: note } = await create({ title: 'to delete' });
    const path = `/v1/notes/${note.id}`;
    expectProblem(await call(ctx.app, 'DELETE', path, { headers: { 'if-match': '"5"' } }), 412);
    const deleted = await call(ctx.app, 'DELETE', path);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expectProblem(await call(ctx.app, 'GET', path), 404);
    expectProblem(await call(ctx.app, 'DELETE', path), 404);
    expectProblem(await call(ctx.app, 'DELETE', '/v1/notes/nope'), 400);
  });

  describe('Idempotency-Key', () => {
    it('replays the first response for the same key and body, and creates nothing', async () => {
      const headers = { 'idempotency-key': `key-${engine.name}-replay` };
      const first = await create({ title: 'idem once', tags: ['x'] }, headers);
      expect(first.status).toBe(201);
      // Same JSON, different key order and spacing: the same request.
      const again = await call(ctx.app, 'POST', '/v1/notes', {
        body: '{ "tags": ["x"],  "title": "idem once" }',
        headers: { ...headers, 'content-type': 'application/json' },
      });
      expect(again.status).toBe(201);
      expect(again.text).toBe(first.text);
      expect(again.headers.get('location')).toBe(first.headers.get('location'));
      expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(await countTitled('idem once')).toBe(1);
    });

    it('answers 422 when the key comes back with a different body', async () => {
      const headers = { 'idempotency-key': `key-${engine.name}-mismatch` };
      expect((await create({ title: 'idem A' }, headers)).status).toBe(201);
      const reused = expectProblem(await create({ title: 'idem B' }, headers), 422);
      expect(reused.detail).toContain('Idempotency-Key');
      expect(await countTitled('idem B')).toBe(0);
    });

    it('creates one note for concurrent requests with the same key', async () => {
      const headers = { 'idempotency-key': `key-${engine.name}-concurrent` };
      const results = await Promise.all(
        Array.from({ length: 12 }, () => create({ title: 'idem concurrent' }, headers)),
      );
      expect(results.map((r) => r.status)).toEqual(Array(12).fill(201));
      expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
      expect(await countTitled('idem concurrent')).toBe(1);
    });

    it('rejects a malformed key', async () => {
      const problem = expectProblem(await create({ title: 'x' }, { 'idempotency-key': 'has space' }), 400);
      expect(problem.errors[0]).toMatchObject({ in: 'header', field: 'Idempotency-Key' });
    });
  });

  describe('operations endpoints and logging', () => {
    it('serves healthz, readyz and version', async () => {
      expect(await call(ctx.app, 'GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
      expect(await call(ctx.app, 'GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
      const version = await call(ctx.app, 'GET', '/version');
      expect(version.body).toEqual({
        version: '1.2.3-test',
        commit: 'abc123',
        startedAt: ctx.lifecycle.startedAt.toISOString(),
      });
    });

    it('reports not ready while draining', async () => {
      ctx.lifecycle.draining = true;
      try {
        expectProblem(await call(ctx.app, 'GET', '/readyz'), 503);
        const res = await call(ctx.app, 'GET', '/healthz');
        expect(res.status).toBe(200);
        expect(res.headers.get('connection')).toBe('close');
      } finally {
        ctx.lifecycle.draining = false;
      }
    });

    it('serves once the database has every migration, whoever applied them; readiness and the API agree', async () => {
      // This process's start-up migrations are still waiting (another worker of the task, or another task,
      // applied them first): neither readiness nor the API may keep answering 503, nor disagree.
      ctx.lifecycle.migrated = false;
      try {
        expect((await call(ctx.app, 'GET', '/v1/notes')).status).toBe(200);
        expect(ctx.lifecycle.migrated).toBe(true);
        ctx.lifecycle.migrated = false;
        expect((await call(ctx.app, 'GET', '/readyz')).status).toBe(200);
        expect(ctx.lifecycle.migrated).toBe(true);
        expect((await call(ctx.app, 'GET', '/v1/notes')).status).toBe(200);
      } finally {
        delete ctx.lifecycle.migrated;
      }
    });

    it('answers 503 on the API and on readiness while the database lacks a migration', async () => {
      // A release with a migration the database does not have yet, its start-up migrations waiting.
      const dir = mkdtempSync(join(tmpdir(), 'migrations-ahead-'));
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      const journal = JSON.parse(readFileSync(join(dir, 'meta/_journal.json'), 'utf8'));
      const last = journal.entries.at(-1);
      journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1000, tag: '9999_ahead' });
      writeFileSync(join(dir, 'meta/_journal.json'), JSON.stringify(journal));
      writeFileSync(join(dir, '9999_ahead.sql'), 'select 1;');
      const lifecycle: Lifecycle = { draining: false, startedAt: new Date(), migrated: false };
      const ahead = createApp({
        db: ctx.db,
        config: ctx.config,
        logger: memoryLogger().logger,
        lifecycle,
        migrationsDir: dir,
      });
      try {
        const api = expectProblem(await call(ahead, 'GET', '/v1/notes'), 503);
        expect(api.type).toMatch(/database-unavailable/);
        const ready = expectProblem(await call(ahead, 'GET', '/readyz'), 503);
        expect(ready.detail).toMatch(/migrations are not applied/);
        expect(lifecycle.migrated).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('generates the OpenAPI document from the validating schemas, and a docs page', async () => {
      const doc = (await call(ctx.app, 'GET', '/openapi.json')).body;
      expect(doc.openapi).toMatch(/^3\.1/);
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(['/v1/notes', '/v1/notes/{id}', '/healthz', '/readyz', '/version']),
      );
      const create = doc.components.schemas.NoteCreate;
      expect(create.properties.title).toMatchObject({ minLength: 1, maxLength: 200 });
      expect(create.properties.body).toMatchObject({ maxLength: 20_000 });
      expect(create.properties.tags).toMatchObject({ maxItems: 20 });
      expect(create.additionalProperties).toBe(false);
      expect(doc.paths['/v1/notes/{id}'].patch.responses).toHaveProperty('412');
      const docs = await ctx.app.request('/docs');
      expect(docs.headers.get('content-type')).toContain('text/html');
      expect(await docs.text()).toContain('/docs/swagger-ui-bundle.js');
      // The page's script loads the document; the UI's files are served by the service itself.
      expect(await (await ctx.app.request('/docs/init.js')).text()).toContain('/openapi.json');
      const bundle = await ctx.app.request('/docs/swagger-ui-bundle.js');
      expect(bundle.status).toBe(200);
      expect(bundle.headers.get('content-type')).toContain('javascript');
      expect((await bundle.text()).length).toBeGreaterThan(100_000);
    });

    it('logs one JSON line per request with the request id, which it echoes', async () => {
      const res = await call(ctx.app, 'GET', `/v1/notes/${UNKNOWN_ID}`, {
        headers: { 'x-request-id': 'trace-42' },
      });
      expect(res.headers.get('x-request-id')).toBe('trace-42');
      expect(res.body.requestId).toBe('trace-42');
      const line = ctx.logLines().find((l) => l.reqId === 'trace-42');
      expect(line).toMatchObject({
        method: 'GET',
        path: `/v1/notes/${UNKNOWN_ID}`,
        status: 404,
        msg: 'request',
      });
      expect(typeof line.durationMs).toBe('number');

      const generated = await call(ctx.app, 'GET', '/healthz', {
        headers: { 'x-request-id': 'bad id with spaces' },
      });
      const id = generated.headers.get('x-request-id')!;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(ctx.logLines().filter((l) => l.reqId === id)).toHaveLength(1);
    });

    it('never logs the database password', async () => {
      const all = JSON.stringify(ctx.logLines());
      const password = ctx.config.database.kind === 'postgres' ? ctx.config.database.password : undefined;
      if (password) expect(all).not.toContain(password);
      expect(all).not.toMatch(/password/i);
    });
  });
});
