// The local Slack endpoint checks what Slack checks: tokens, channels, membership, message ownership, text and
// Block Kit limits (with Slack's error names and response_metadata), webhooks, rate limits and outages.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LocalSlack, startLocalSlack } from './slack/index.js';

// biome-ignore lint/suspicious/noExplicitAny: Slack's JSON answers are read loosely in assertions.
type Json = Record<string, any>;

const TOKEN = 'xoxb-0000-local-test-token';
let slack: LocalSlack;

beforeEach(async () => {
  slack = await startLocalSlack({
    tokens: [TOKEN],
    channels: [
      { name: 'deploys', id: 'C0DEPLOYS' },
      { name: 'elsewhere', id: 'C0ELSEWHR', member: false },
      { name: 'hidden', id: 'G0HIDDEN1', member: false, private: true },
      { name: 'old', id: 'C0OLDCHAN', archived: true },
    ],
  });
});

afterEach(async () => {
  await slack.stop();
});

async function api(method: string, params: Record<string, unknown>, token: string | null = TOKEN) {
  const response = await fetch(`${slack.apiUrl}${method}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(params),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Json,
  };
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

describe('local Slack Web API: auth and channels', () => {
  it('reports not_authed, invalid_auth and missing_scope as Slack does (HTTP 200, ok false)', async () => {
    expect((await api('chat.postMessage', { channel: 'C0DEPLOYS', text: 'x' }, null)).body).toEqual({
      ok: false,
      error: 'not_authed',
    });
    const invalid = await api('chat.postMessage', { channel: 'C0DEPLOYS', text: 'x' }, 'xoxb-wrong');
    expect(invalid.status).toBe(200);
    expect(invalid.body).toEqual({ ok: false, error: 'invalid_auth' });
    slack.addToken('xoxb-readonly', { scopes: ['channels:read'] });
    const scope = await api('chat.postMessage', { channel: 'C0DEPLOYS', text: 'x' }, 'xoxb-readonly');
    expect(scope.body).toMatchObject({
      ok: false,
      error: 'missing_scope',
      needed: 'chat:write',
      provided: 'channels:read',
    });
  });

  it('checks the channel: not found, private and hidden, not a member, archived; names resolve to IDs', async () => {
    expect((await api('chat.postMessage', { channel: '#nope', text: 'x' })).body.error).toBe(
      'channel_not_found',
    );
    expect((await api('chat.postMessage', { channel: 'G0HIDDEN1', text: 'x' })).body.error).toBe(
      'channel_not_found',
    );
    expect((await api('chat.postMessage', { channel: 'elsewhere', text: 'x' })).body.error).toBe(
      'not_in_channel',
    );
    expect((await api('chat.postMessage', { channel: 'C0OLDCHAN', text: 'x' })).body.error).toBe(
      'is_archived',
    );
    const posted = await api('chat.postMessage', { channel: '#deploys', text: 'hello' });
    expect(posted.body).toMatchObject({
      ok: true,
      channel: 'C0DEPLOYS',
      message: { text: 'hello', bot_id: slack.botId },
    });
    expect(posted.body.ts).toMatch(/^\d+\.\d{6}$/);
    slack.addToken('xoxb-public', { scopes: ['chat:write', 'chat:write.public'] });
    expect((await api('chat.postMessage', { channel: 'elsewhere', text: 'x' }, 'xoxb-public')).body.ok).toBe(
      true,
    );
  });

  it('accepts form-encoded calls with the token as a field and blocks as a JSON string', async () => {
    const body = new URLSearchParams({
      token: TOKEN,
      channel: 'C0DEPLOYS',
      text: 'form',
      blocks: JSON.stringify([section('*hi*')]),
    });
    const response = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    const json = (await response.json()) as Json;
    expect(json.ok).toBe(true);
    expect(slack.messages('deploys')[0]?.blocks).toEqual([section('*hi*')]);
    const bad = new URLSearchParams({ token: TOKEN, channel: 'C0DEPLOYS', text: 'x', blocks: '[{' });
    const badResponse = await fetch(`${slack.apiUrl}chat.postMessage`, { method: 'POST', body: bad });
    expect(((await badResponse.json()) as Record<string, unknown>).error).toBe('invalid_blocks_format');
  });

  it('warns missing_charset for JSON without a charset, like Slack', async () => {
    const response = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ channel: 'C0DEPLOYS', text: 'x' }),
    });
    const json = (await response.json()) as Json;
    expect(json.ok).toBe(true);
    expect(json.warning).toBe('missing_charset');
  });
});

describe('local Slack Web API: messages', () => {
  it('updates a message in place, keeping its edit history; replies go in its thread', async () => {
    const first = await api('chat.postMessage', { channel: 'C0DEPLOYS', text: 'v1' });
    const reply = await api('chat.postMessage', {
      channel: 'C0DEPLOYS',
      text: 'detail',
      thread_ts: first.body.ts,
    });
    expect(reply.body.message.thread_ts).toBe(first.body.ts);
    const updated = await api('chat.update', { channel: 'C0DEPLOYS', ts: first.body.ts, text: 'v2' });
    expect(updated.body).toMatchObject({ ok: true, channel: 'C0DEPLOYS', ts: first.body.ts, text: 'v2' });
    const [message, ...others] = slack.messages('C0DEPLOYS');
    expect(others).toEqual([]);
    expect(message?.text).toBe('v2');
    expect(message?.edits.map((e) => e.text)).toEqual(['v1']);
    expect(message?.replies.map((r) => r.text)).toEqual(['detail']);
  });

  it("refuses updates Slack refuses: unknown ts, someone else's message, a channel name", async () => {
    const mine = await api('chat.postMessage', { channel: 'C0DEPLOYS', text: 'x' });
    expect((await api('chat.update', { channel: 'C0DEPLOYS', ts: '1.000001', text: 'y' })).body.error).toBe(
      'message_not_found',
    );
    const theirs = slack.postAsUser('deploys', 'a person wrote this');
    expect((await api('chat.update', { channel: 'C0DEPLOYS', ts: theirs, text: 'y' })).body.error).toBe(
      'cant_update_message',
    );
    expect((await api('chat.update', { channel: '#deploys', ts: mine.body.ts, text: 'y' })).body.error).toBe(
      'channel_not_found',
    );
  });

  it('rejects bad threads: malformed thread_ts and unknown parents', async () => {
    const malformed = await api('chat.postMessage', { channel: 'C0DEPLOYS', text: 'x', thread_ts: 'abc' });
    expect(malformed.body.error).toBe('invalid_thread_ts');
    const unknown = await api('chat.postMessage', { channel: 'C0DEPLOYS', text: 'x', thread_ts: '1.000001' });
    expect(unknown.body.error).toBe('thread_not_found');
  });

  it("enforces text and Block Kit limits with Slack's error names and messages", async () => {
    const post = (params: Record<string, unknown>) =>
      api('chat.postMessage', { channel: 'C0DEPLOYS', ...params });
    expect((await post({})).body.error).toBe('no_text');
    expect((await post({ text: 'x'.repeat(40_001) })).body.error).toBe('msg_too_long');
    expect((await post({ text: 'x'.repeat(40_000) })).body.ok).toBe(true);

    const cases: Array<[unknown[], string]> = [
      [
        Array.from({ length: 51 }, () => ({ type: 'divider' })),
        'no more than 50 items allowed [json-pointer:/blocks]',
      ],
      [[section('x'.repeat(3001))], 'must be less than 3001 characters [json-pointer:/blocks/0/text/text]'],
      [
        [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
        'must be less than 151 characters [json-pointer:/blocks/0/text/text]',
      ],
      [
        [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }],
        'must be a valid enum value [json-pointer:/blocks/0/text/type]',
      ],
      [
        [{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) }],
        'no more than 10 items allowed [json-pointer:/blocks/0/elements]',
      ],
      [
        [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }],
        'no more than 10 items allowed [json-pointer:/blocks/0/fields]',
      ],
      [
        [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'f'.repeat(2001) }] }],
        'must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]',
      ],
      [[{ type: 'nonsense' }], 'failed to match all allowed schemas [json-pointer:/blocks/0]'],
    ];
    for (const [blocks, message] of cases) {
      const result = await post({ text: 'fallback', blocks });
      expect(result.body.ok).toBe(false);
      expect(result.body.error).toBe('invalid_blocks');
      expect(result.body.errors).toContain(message);
      expect(result.body.response_metadata.messages).toContain(`[ERROR] ${message}`);
    }
    expect((await post({ text: 'x', blocks: [section('x'.repeat(3000))] })).body.ok).toBe(true);
    expect(slack.messages('deploys')).toHaveLength(2);
  });

  it('rejects blocks with more than 12,000 characters of text in all as msg_blocks_too_long', async () => {
    const post = (blocks: unknown[]) =>
      api('chat.postMessage', { channel: 'C0DEPLOYS', text: 'fallback', blocks });
    const full = Array.from({ length: 4 }, () => section('x'.repeat(3000)));
    const header = (text: string) => ({ type: 'header', text: { type: 'plain_text', text } });
    const fields = (n: number) => ({
      type: 'section',
      fields: Array.from({ length: n }, () => ({ type: 'mrkdwn', text: 'f' })),
    });
    const context = { type: 'context', elements: [{ type: 'mrkdwn', text: 'c' }] };
    // Each block is within its own limit; together they are one character over.
    for (const extra of [section('x'), header('h'), fields(1), context]) {
      const result = await post([...full, extra]);
      expect(result.body).toEqual({ ok: false, error: 'msg_blocks_too_long' });
    }
    expect((await post(full)).body.ok).toBe(true);
    const posted = await post([section('short')]);
    expect(posted.body.ok).toBe(true);
    const update = await api('chat.update', {
      channel: 'C0DEPLOYS',
      ts: posted.body.ts,
      text: 'fallback',
      blocks: [...full, fields(2)],
    });
    expect(update.body).toEqual({ ok: false, error: 'msg_blocks_too_long' });
    const hook = await fetch(slack.addWebhook('deploys'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'fallback', blocks: [...full, header('h')] }),
    });
    expect([hook.status, await hook.text()]).toEqual([400, 'msg_blocks_too_long']);
    const messages = slack.messages('deploys');
    expect(messages).toHaveLength(2);
    expect(messages[1]?.edits).toEqual([]);
  });
});

describe('local Slack: webhooks and faults', () => {
  it('posts through an incoming webhook and answers like one', async () => {
    const url = slack.addWebhook('deploys');
    expect(url).toMatch(/\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[a-z0-9]+$/);
    const post = (body: string, target = url) =>
      fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
        async (r) => [r.status, await r.text()],
      );
    expect(await post(JSON.stringify({ text: 'hi', blocks: [section('*hi*')] }))).toEqual([200, 'ok']);
    expect(await post(JSON.stringify({ text: 'hi' }), `${slack.url}/services/T0/B0/wrong`)).toEqual([
      404,
      'no_service',
    ]);
    expect(await post('{nope')).toEqual([400, 'invalid_payload']);
    expect(await post(JSON.stringify({}))).toEqual([400, 'no_text']);
    expect(await post(JSON.stringify({ text: 'x', blocks: [section('x'.repeat(3001))] }))).toEqual([
      400,
      'invalid_blocks',
    ]);
    expect(slack.messages('deploys').map((m) => [m.text, m.via])).toEqual([['hi', 'webhook']]);
  });

  it('rate limits with 429 + Retry-After, and has outages', async () => {
    slack.rateLimit({ times: 1, retryAfterSeconds: 3 });
    const limited = await api('chat.postMessage', { channel: 'C0DEPLOYS', text: 'x' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.body).toEqual({ ok: false, error: 'ratelimited' });
    await new Promise((r) => setTimeout(r, 300));
    slack.outage({ times: 1, status: 500 });
    const down = await fetch(`${slack.apiUrl}chat.postMessage`, { method: 'POST' });
    expect(down.status).toBe(500);
    expect((await api('chat.postMessage', { channel: 'C0DEPLOYS', text: 'x' })).body.ok).toBe(true);
    expect(slack.requests.map((r) => r.status)).toEqual([429, 500, 200]);
    // Each request records when it arrived (tests measure the waits between retries with it).
    const [first, second] = slack.requests.map((r) => r.receivedAt);
    expect(second! - first!).toBeGreaterThanOrEqual(290);
  });
});
