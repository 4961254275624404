// Keyset pagination through 250 notes, with and without a tag filter: every note exactly once, newest first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notes } from '../../service/src/db/schema.js';
import { DATABASES, type TestContext } from './support/databases.js';
import { call } from './support/http.js';

const TOTAL = 250;
/** Notes written directly with one shared timestamp: the id must break the tie consistently. */
const SAME_INSTANT = 40;

describe.each(DATABASES)('pagination on $name', (engine) => {
  let ctx: TestContext;
  let expected: Array<{ id: string; createdAt: string; tags: string[] }>;

  beforeAll(async () => {
    ctx = await engine.start();
    for (let i = 0; i < TOTAL - SAME_INSTANT; i++) {
      const tags = i % 2 === 0 ? ['even'] : ['odd'];
      if (i % 5 === 0) tags.push('fifth');
      const res = await call(ctx.app, 'POST', '/v1/notes', { json: { title: `note ${i}`, tags } });
      expect(res.status).toBe(201);
    }
    const instant = new Date('2030-01-01T00:00:00.123Z');
    await ctx.db.orm.insert(notes).values(
      Array.from({ length: SAME_INSTANT }, (_, i) => ({
        title: `tied ${i}`,
        tags: i % 2 === 0 ? ['even', 'tied'] : ['odd', 'tied'],
        createdAt: instant,
        updatedAt: instant,
      })),
    );
    const all = await ctx.db.orm.select().from(notes);
    // The documented order: created_at descending, then id descending (ids compare as UUID = as hex text).
    expected = all
      .map((n) => ({ id: n.id, createdAt: n.createdAt.toISOString(), tags: n.tags }))
      .sort((a, b) =>
        a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
      );
    expect(expected).toHaveLength(TOTAL);
  }, 300_000);
  afterAll(async () => {
    await ctx?.stop();
  });

  async function walk(query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await call(ctx.app, 'GET', `/v1/notes?${q}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(limit);
      ids.push(...res.body.items.map((n: { id: string }) => n.id));
      cursor = res.body.nextCursor;
      pages++;
      expect(pages).toBeLessThan(TOTAL + 2);
    } while (cursor);
    return { ids, pages };
  }

  it('visits every note once, newest first, with no gap or duplicate', async () => {
    for (const limit of [7, 20, 100]) {
      const { ids, pages } = await walk('', limit);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expected.map((n) => n.id));
      expect(pages).toBe(Math.ceil(TOTAL / limit));
    }
  });

  it('does the same within a tag', async () => {
    for (const tag of ['even', 'fifth', 'tied']) {
      const { ids } = await walk(`&tag=${tag}`, 9);
      const want = expected.filter((n) => n.tags.includes(tag)).map((n) => n.id);
      expect(want.length).toBeGreaterThan(0);
      expect(ids).toEqual(want);
    }
    const none = await call(ctx.app, 'GET', '/v1/notes?tag=no-such-tag');
    expect(none.body).toEqual({ items: [], nextCursor: null });
  });

  it('defaults to 20 items and ends with a null cursor', async () => {
    const first = await call(ctx.app, 'GET', '/v1/notes');
    expect(first.body.items).toHaveLength(20);
    expect(typeof first.body.nextCursor).toBe('string');
    const last = await call(ctx.app, 'GET', `/v1/notes?limit=100&cursor=${first.body.nextCursor}`);
    expect(last.body.items[0].id).toBe(expected[20]!.id);
  });

  it('keeps its place when notes are added or deleted meanwhile', async () => {
    const page1 = await call(ctx.app, 'GET', '/v1/notes?limit=10');
    const newer = await call(ctx.app, 'POST', '/v1/notes', { json: { title: 'arrived later' } });
    const removed = expected[12]!.id;
    expect((await call(ctx.app, 'DELETE', `/v1/notes/${removed}`)).status).toBe(204);
    const page2 = await call(ctx.app, 'GET', `/v1/notes?limit=10&cursor=${page1.body.nextCursor}`);
    const want = expected
      .slice(10, 21)
      .map((n) => n.id)
      .filter((id) => id !== removed);
    expect(page2.body.items.map((n: { id: string }) => n.id)).toEqual(want);
    expect(page2.body.items.map((n: { id: string }) => n.id)).not.toContain(newer.body.id);
  });
});
