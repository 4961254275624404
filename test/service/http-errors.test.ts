// Every error is application/problem+json with a useful detail, and no input, however malformed, gets a
// 5xx: targeted cases first, then a seeded fuzz pass in-process and over raw HTTP.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../service/src/http/json-body.js';
import { DATABASES, type TestContext } from './support/databases.js';
import { call, expectProblem } from './support/http.js';
import { createRandom, type Random } from './support/random.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_240_611);
const FUZZ_REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 1200);
const RAW_REQUESTS = Number(process.env.FUZZ_RAW_REQUESTS ?? 200);

describe.each(DATABASES)('HTTP errors on $name', (engine) => {
  let ctx: TestContext;
  let knownId: string;
  beforeAll(async () => {
    ctx = await engine.start();
    const created = await call(ctx.app, 'POST', '/v1/notes', {
      json: { title: 'fuzz target', tags: ['fuzz'] },
    });
    knownId = created.body.id;
  });
  afterAll(async () => {
    await ctx?.stop();
  });

  const post = (
    body: string | Uint8Array,
    headers: Record<string, string> = { 'content-type': 'application/json' },
  ) => ctx.app.request('/v1/notes', { method: 'POST', body, headers });

  async function problemOf(res: Response, status: number) {
    const text = await res.text();
    return expectProblem({ status: res.status, headers: res.headers, text, body: JSON.parse(text) }, status);
  }

  it('400 for malformed JSON, saying why', async () => {
    for (const body of ['{"title":', '{title: "x"}', '{"title":"x"}}', 'nul']) {
      const problem = await problemOf(await post(body), 400);
      expect(problem.type).toContain('malformed-json');
      expect(problem.detail).toMatch(/not valid JSON/);
    }
    expect((await problemOf(await post(''), 400)).detail).toContain('empty');
    expect((await problemOf(await post(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), 400)).detail).toContain(
      'UTF-8',
    );
  });

  it('400 for a NUL character, which PostgreSQL text cannot store', async () => {
    const problem = await problemOf(await post(JSON.stringify({ title: 'a\u0000b' })), 400);
    expect(problem.errors[0]).toMatchObject({ field: 'title', message: expect.stringContaining('NUL') });
  });

  it('413 for a body over 1 MiB, declared or streamed', async () => {
    const big = JSON.stringify({ title: 'x', body: 'y'.repeat(MAX_BODY_BYTES) });
    const streamed = await problemOf(await post(big), 413);
    expect(streamed.detail).toContain('1 MiB');
    const declared = await post('{}', {
      'content-type': 'application/json',
      'content-length': String(2 ** 30),
    });
    await problemOf(declared, 413);
    // Just under the limit is read and validated: a 400 about the field, not a 413.
    const under = JSON.stringify({ title: 'x', body: 'y'.repeat(MAX_BODY_BYTES - 40) });
    expect(Buffer.byteLength(under)).toBeLessThanOrEqual(MAX_BODY_BYTES);
    const problem = await problemOf(await post(under), 400);
    expect(problem.errors[0].field).toBe('body');
  });

  it('415 for a missing or wrong content type', async () => {
    const cases: Array<Record<string, string>> = [
      {},
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'application/json; charset=latin1' },
    ];
    for (const headers of cases) {
      const problem = await problemOf(await post('{"title":"x"}', headers), 415);
      expect(problem.detail.length).toBeGreaterThan(10);
    }
    expect((await post('{"title":"x"}', { 'content-type': 'application/json; charset=UTF-8' })).status).toBe(
      201,
    );
    const patched = await ctx.app.request(`/v1/notes/${knownId}`, {
      method: 'PATCH',
      body: 'title=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'if-match': '*' },
    });
    await problemOf(patched, 415);
  });

  it('404 for an unknown route, 405 with Allow for a wrong method, 204 for OPTIONS', async () => {
    const unknown = await problemOf(await ctx.app.request('/v2/everything'), 404);
    expect(unknown.detail).toContain('/v2/everything');
    await problemOf(await ctx.app.request('/v1/notes/'), 404);

    const wrong = await ctx.app.request('/v1/notes', { method: 'PUT' });
    expect(wrong.headers.get('allow')).toBe('GET, HEAD, POST, OPTIONS');
    await problemOf(wrong, 405);
    const wrongItem = await ctx.app.request(`/v1/notes/${knownId}`, { method: 'POST' });
    expect(wrongItem.headers.get('allow')).toBe('DELETE, GET, HEAD, PATCH, OPTIONS');
    await problemOf(wrongItem, 405);
    await problemOf(await ctx.app.request('/healthz', { method: 'DELETE' }), 405);

    const options = await ctx.app.request('/v1/notes', { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toContain('POST');
    const head = await ctx.app.request(`/v1/notes/${knownId}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe('"1"');
  });

  it('400 for bad list parameters', async () => {
    for (const query of [
      'limit=0',
      'limit=101',
      'limit=abc',
      'limit=2.5',
      'cursor=%%%',
      'cursor=abc',
      'tag=UPPER',
      'tag=a&tag=b',
    ]) {
      const problem = await problemOf(await ctx.app.request(`/v1/notes?${query}`), 400);
      expect(problem.errors[0].in).toBe('query');
    }
    const farFuture = Buffer.from(`999999999999999.${knownId}`).toString('base64url');
    await problemOf(await ctx.app.request(`/v1/notes?cursor=${farFuture}`), 400);
  });

  it(`answers ${FUZZ_REQUESTS} random malformed requests without a 5xx (seed ${SEED})`, async () => {
    const random = createRandom(SEED);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < FUZZ_REQUESTS; i++) {
      const request = randomRequest(random, knownId);
      let status: number;
      let problemOk = true;
      try {
        const res = await ctx.app.request(request.path, {
          method: request.method,
          headers: request.headers,
          body: request.body,
        });
        status = res.status;
        const text = await res.text();
        if (status >= 400 && request.method !== 'HEAD') {
          problemOk =
            res.headers.get('content-type') === 'application/problem+json' &&
            JSON.parse(text).status === status;
        }
      } catch (error) {
        failures.push(`#${i} threw ${String(error)}: ${show(request)}`);
        continue;
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500 || !problemOk) failures.push(`#${i} → ${status}: ${show(request)}`);
    }
    expect(failures, `seed ${SEED}`).toEqual([]);
    // The pass reached the handlers, not only the router: several kinds of answer came back.
    expect([...statuses.keys()].filter((s) => s < 300).length).toBeGreaterThan(0);
    expect(statuses.size).toBeGreaterThanOrEqual(6);
  });

  describe('over raw HTTP', () => {
    let server: Server;
    let port: number;
    beforeAll(async () => {
      server = createAdaptorServer({ fetch: ctx.app.fetch }) as Server;
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('413 reaches a client that sends more than 1 MiB', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/v1/notes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'x', body: 'y'.repeat(2 * MAX_BODY_BYTES) }),
      });
      expect(res.status).toBe(413);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    });

    it('413 also for a chunked body without Content-Length, and the server keeps serving', async () => {
      const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          // Twice the limit at most: the server must answer before reading all of it.
          if (sent >= 2 * MAX_BODY_BYTES) controller.close();
          else {
            sent += chunk.length;
            controller.enqueue(chunk);
          }
        },
      });
      const res = await fetch(`http://127.0.0.1:${port}/v1/notes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(413);
      await res.text();
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    });

    it(`answers ${RAW_REQUESTS} random raw requests without a 5xx (seed ${SEED})`, async () => {
      const random = createRandom(SEED + 1);
      const failures: string[] = [];
      for (let i = 0; i < RAW_REQUESTS; i++) {
        const raw = randomRawRequest(random, knownId);
        const status = await sendRaw(port, raw);
        if (status === undefined || status >= 500)
          failures.push(`#${i} → ${status}: ${JSON.stringify(raw.slice(0, 300))}`);
      }
      expect(failures, `seed ${SEED + 1}`).toEqual([]);
    });
  });
});

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

function show(request: FuzzRequest): string {
  const body = typeof request.body === 'string' ? request.body.slice(0, 200) : request.body?.slice(0, 50);
  return JSON.stringify({ ...request, body });
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'PROPFIND', 'FOO'];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/merge-patch+json',
  'application/vnd.api+json',
  'application/json; charset=latin1',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  '*/*',
  ';;;',
  '',
];
const ID_SHAPES = [
  () => '00000000-0000-0000-0000-000000000000',
  () => 'ffffffff-ffff-ffff-ffff-ffffffffffff',
  () => '7d8c8e4e-0f6b-4b7a-9c1e-3d2a1b0c9f8e',
  () => "1' OR '1'='1",
  () => '%00',
  () => '%E0%A4%A',
  () => '..%2F..%2Fetc%2Fpasswd',
  () => '-1',
  () => '9'.repeat(40),
  () => 'a'.repeat(2000),
  () => '%F0%9F%92%A9',
  () => '{id}',
];

function randomId(random: Random, knownId: string): string {
  if (random.chance(0.3)) return knownId;
  if (random.chance(0.2)) return random.string(random.int(40), 'abcdef0123456789-');
  return random.pick(ID_SHAPES)();
}

function randomJson(random: Random, depth = 0): unknown {
  const kind = random.int(depth > 3 ? 5 : 8);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return random.pick([0, -1, 1e308, -0, 3.14, 2 ** 53 + 1, true, false]);
    case 2:
      return random.string(random.int(30));
    case 3:
      return random.pick(['', '\u0000', '\ud800', '🦄'.repeat(60), 'x'.repeat(201), 'ok', 'a-b', 'UPPER']);
    case 4:
      return random.string(random.int(10), 'abc-');
    case 5:
      return Array.from({ length: random.int(25) }, () => randomJson(random, depth + 1));
    default: {
      const keys = ['title', 'body', 'tags', 'version', 'id', '__proto__', 'constructor', random.string(5)];
      return Object.fromEntries(
        Array.from({ length: random.int(5) }, () => [random.pick(keys), randomJson(random, depth + 1)]),
      );
    }
  }
}

function randomBody(random: Random): string | Uint8Array | undefined {
  switch (random.int(7)) {
    case 0:
      return undefined;
    case 1:
      return JSON.stringify({
        title: random.pick(['t', '', 'x'.repeat(250)]),
        tags: random.pick([[], ['ok'], ['BAD'], 'str']),
      });
    case 2:
      return JSON.stringify(randomJson(random)).slice(0, random.int(60));
    case 3:
      return Uint8Array.from({ length: random.int(64) }, () => random.int(256));
    case 4:
      return '['.repeat(5000) + ']'.repeat(random.chance(0.5) ? 5000 : 10);
    default:
      return JSON.stringify(randomJson(random));
  }
}

function randomQuery(random: Random): string {
  const parts: string[] = [];
  for (let i = random.int(4); i > 0; i--) {
    const name = random.pick(['limit', 'cursor', 'tag', 'x', 'limit[]']);
    const value = random.pick([
      () => String(random.int(300) - 50),
      () => random.string(random.int(20)),
      () => 'MTIzNDU2Nzg5MDEyMy4wMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDA',
      () => '1e400',
      () => '%ZZ',
      () => '',
    ])();
    parts.push(`${name}=${encodeURIComponent(value).replace(/%25ZZ/, '%ZZ')}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

const NASTY_STRINGS = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  '🦄'.repeat(60),
  'x'.repeat(201),
  '',
  ' ',
  'ok',
  '\\x00',
];

/** A note that is valid except, maybe, for one or two fields: reaches the handlers and the database. */
function nearlyValidNote(random: Random): Record<string, unknown> {
  const value = (valid: unknown) =>
    random.chance(0.7)
      ? valid
      : random.pick([...NASTY_STRINGS, null, 5, [], {}, ['ok', random.pick(NASTY_STRINGS)]]);
  const note: Record<string, unknown> = { title: value(`title ${random.int(1000)}`) };
  if (random.chance(0.6)) note.body = value(random.string(random.int(100)));
  if (random.chance(0.6)) note.tags = value([random.string(1 + random.int(8), 'abc123-')]);
  return note;
}

/** Requests shaped like real ones, with one thing wrong (or nothing): they get past routing and parsing. */
function plausibleRequest(random: Random, knownId: string): FuzzRequest {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (random.chance(0.3)) headers['idempotency-key'] = `fuzz-${random.int(20)}`;
  const body = JSON.stringify(nearlyValidNote(random));
  switch (random.int(4)) {
    case 0:
      return { method: 'POST', path: '/v1/notes', headers, body };
    case 1:
      headers['if-match'] = random.pick(['"1"', '*', `"${random.int(5)}"`, '"99999999999"']);
      return { method: 'PATCH', path: `/v1/notes/${randomId(random, knownId)}`, headers, body };
    case 2:
      return { method: 'GET', path: `/v1/notes${randomQuery(random)}`, headers: {} };
    default:
      return {
        method: random.pick(['GET', 'DELETE']),
        path: `/v1/notes/${randomId(random, knownId)}`,
        headers: {},
      };
  }
}

function randomRequest(random: Random, knownId: string): FuzzRequest {
  if (random.chance(0.5)) return plausibleRequest(random, knownId);
  const method = random.pick(METHODS);
  const path = random.pick([
    () => `/v1/notes${randomQuery(random)}`,
    () => `/v1/notes/${randomId(random, knownId)}`,
    () => `/v1/notes/${randomId(random, knownId)}/${random.string(3, 'abc')}`,
    () => `/${random.string(random.int(12), 'abcv1/%.')}`,
    () =>
      random.pick(['/healthz', '/readyz', '/version', '/openapi.json', '/docs', '//v1/notes', '/v1//notes']),
  ])();
  const headers: Record<string, string> = {};
  const contentType = random.pick(CONTENT_TYPES);
  if (contentType) headers['content-type'] = contentType;
  if (random.chance(0.4))
    headers['if-match'] = random.pick(['"1"', '"2"', '*', 'W/"1"', '"', '', 'junk', '"1", "x"']);
  if (random.chance(0.3))
    headers['idempotency-key'] = random.pick(['k1', 'k1', 'a b', 'x'.repeat(300), '', '\x7f']);
  if (random.chance(0.2)) headers['x-request-id'] = random.string(random.int(200));
  if (random.chance(0.1)) headers['if-none-match'] = random.pick(['*', '"1"', 'W/"1"', 'junk']);
  const body = method === 'GET' || method === 'HEAD' ? undefined : randomBody(random);
  return { method, path, headers, body };
}

function randomRawRequest(random: Random, knownId: string): string {
  const method = random.pick([...METHODS, 'TRACE', 'CONNECT', 'G E T', '']);
  const target = random.pick([
    () => `/v1/notes/${randomId(random, knownId)}`,
    () => `/v1/notes${randomQuery(random)}`,
    () => 'http://evil.example/v1/notes',
    () => '*',
    () => `/${random.string(random.int(40))}`,
  ])();
  const version = random.pick(['HTTP/1.1', 'HTTP/1.0', 'HTTP/2', 'HTTP/1.1', 'JUNK']);
  const body = random.pick(['', '{"title":"raw"}', '{"title":', random.string(random.int(50))]);
  const headers = ['Host: 127.0.0.1', 'Connection: close'];
  if (random.chance(0.7)) headers.push(`Content-Type: ${random.pick(CONTENT_TYPES)}`);
  const length = random.pick([
    String(Buffer.byteLength(body)),
    String(Buffer.byteLength(body)),
    '-1',
    'abc',
    '0',
  ]);
  if (random.chance(0.5)) headers.push(`Content-Length: ${length}`);
  else if (random.chance(0.3)) headers.push('Transfer-Encoding: chunked');
  if (random.chance(0.3)) headers.push(`If-Match: ${random.string(8)}`);
  if (random.chance(0.2)) headers.push(`X-Request-Id: ${random.string(20)}`);
  if (random.chance(0.1)) headers.push(random.string(15));
  return `${method} ${target} ${version}\r\n${headers.join('\r\n')}\r\n\r\n${body}`;
}

/** Sends bytes as they are and returns the status code of the first response line (undefined if none). */
function sendRaw(port: number, raw: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const done = () => {
      socket.destroy();
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(received);
      // The server may also just close the connection on garbage: that is not a 5xx.
      resolve(match ? Number(match[1]) : 0);
    };
    socket.setTimeout(3000, done);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n')) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(raw);
    // Half-close so that a server waiting for more of a declared body gets EOF instead of hanging.
    socket.end();
  });
}
