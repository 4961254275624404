// A local Slack endpoint for action tests. The Web API at `<url>/api/<method>` checks what Slack checks for
// chat.postMessage / chat.update / auth.test: the bot token (not_authed, invalid_auth, missing_scope), the
// channel (channel_not_found, not_in_channel, is_archived), the message (message_not_found,
// cant_update_message, thread_not_found) and the limits of text and Block Kit (msg_too_long, no_text,
// invalid_blocks with `response_metadata.messages` like Slack's, msg_blocks_too_long past 12,000 characters
// of text in all the blocks together). It accepts JSON and form-encoded bodies,
// as Slack does. Incoming webhooks live at `<url>/services/T…/B…/<secret>` and answer in plain text.
// Faults: rate limiting (429 + Retry-After) and outages (500/503). Every request is recorded, with the time
// it arrived.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackChannelSpec {
  name: string;
  /** Default: derived from the name, e.g. `C0DEPLOYS`. */
  id?: string;
  /** Whether the bot is a member; default true. */
  member?: boolean;
  archived?: boolean;
  private?: boolean;
}

export interface SlackMessageVersion {
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
}

export interface SlackMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  /** Who posted it: the bot's user id, or another user's. */
  user: string;
  bot_id?: string;
  /** How it arrived. */
  via: 'api' | 'webhook';
  /** Earlier versions, oldest first (each chat.update pushes the version it replaces). */
  edits: SlackMessageVersion[];
  /** Thread replies, oldest first. */
  replies: SlackMessage[];
  /** Every parameter of the call that created or last updated it. */
  params: Record<string, unknown>;
}

export interface SlackRequest {
  kind: 'api' | 'webhook';
  /** The Web API method (e.g. `chat.postMessage`) or `webhook`. */
  method: string;
  path: string;
  contentType: string;
  authorization?: string;
  params: Record<string, unknown>;
  status: number;
  response: unknown;
  /** `Date.now()` when the request arrived (before its body was read). */
  receivedAt: number;
}

export interface LocalSlackOptions {
  /** Bot tokens that are valid (scope `chat:write`). */
  tokens?: string[];
  channels?: SlackChannelSpec[];
}

export interface LocalSlack {
  /** The server's root, e.g. `http://127.0.0.1:41235`. */
  url: string;
  /** What SLACK_API_URL holds: `<url>/api/`. */
  apiUrl: string;
  botUserId: string;
  botId: string;
  requests: SlackRequest[];
  addToken(token: string, options?: { scopes?: string[] }): void;
  /** Adds a channel and returns its ID. */
  addChannel(spec: SlackChannelSpec): string;
  /** A new incoming webhook posting to `channel` (name or ID); returns its URL. */
  addWebhook(channel: string): string;
  /** A message posted by a person (not the bot), e.g. to check the bot cannot update it; returns its ts. */
  postAsUser(channel: string, text: string, user?: string): string;
  /** The next `times` requests get HTTP 429 with `Retry-After: retryAfterSeconds`. */
  rateLimit(options: { times: number; retryAfterSeconds: number }): void;
  /** The next `times` requests get HTTP `status`. */
  outage(options: { times: number; status?: 500 | 502 | 503 }): void;
  /** Top-level messages in `channel` (name or ID), oldest first, with their edits and thread replies. */
  messages(channel: string): SlackMessage[];
  /** The channel ID for a name (or ID). */
  channelId(channel: string): string | undefined;
  stop(): Promise<void>;
}

const LIMITS = {
  text: 40_000,
  blocks: 50,
  section: 3000,
  header: 150,
  contextElements: 10,
  field: 2000,
  fields: 10,
  /** All the text of a message's blocks together. */
  blocksText: 12_000,
};

interface Channel extends Required<SlackChannelSpec> {
  messages: SlackMessage[];
}

class SlackError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
    readonly status = 200,
  ) {
    super(error);
  }
}

/** The characters of every `text` in `blocks` (text objects, markdown blocks, rich text elements). */
export function blocksTextLength(blocks: unknown): number {
  if (typeof blocks === 'string') return 0;
  if (Array.isArray(blocks)) return blocks.reduce((n: number, item) => n + blocksTextLength(item), 0);
  if (typeof blocks !== 'object' || blocks === null) return 0;
  let total = 0;
  for (const [key, value] of Object.entries(blocks)) {
    total += key === 'text' && typeof value === 'string' ? value.length : blocksTextLength(value);
  }
  return total;
}

/** Validates Block Kit blocks the way Slack reports problems: `<what> [json-pointer:/blocks/…]`. */
export function validateBlocks(blocks: unknown): string[] {
  const errors: string[] = [];
  const at = (pointer: string, message: string): void => {
    errors.push(`${message} [json-pointer:${pointer}]`);
  };
  if (!Array.isArray(blocks)) {
    at('/blocks', 'must be an array');
    return errors;
  }
  if (blocks.length > LIMITS.blocks) at('/blocks', `no more than ${LIMITS.blocks} items allowed`);
  const textObject = (value: unknown, pointer: string, max: number, plainOnly = false): void => {
    if (typeof value !== 'object' || value === null) {
      at(pointer, 'must be an object');
      return;
    }
    const { type, text } = value as { type?: unknown; text?: unknown };
    if (type !== 'plain_text' && (plainOnly || type !== 'mrkdwn')) {
      at(`${pointer}/type`, 'must be a valid enum value');
    } else if (typeof text !== 'string') {
      at(`${pointer}/text`, 'missing required field: text');
    } else {
      if (text.length === 0) at(`${pointer}/text`, 'must be more than 0 characters');
      if (text.length > max) at(`${pointer}/text`, `must be less than ${max + 1} characters`);
    }
  };
  const validateBlock = (block: unknown, p: string): void => {
    if (typeof block !== 'object' || block === null) {
      at(p, 'must be an object');
      return;
    }
    const b = block as Record<string, unknown>;
    if (typeof b.block_id === 'string' && b.block_id.length > 255)
      at(`${p}/block_id`, 'must be less than 256 characters');
    switch (b.type) {
      case 'section': {
        if (b.text === undefined && b.fields === undefined) at(p, 'missing required field: text');
        if (b.text !== undefined) textObject(b.text, `${p}/text`, LIMITS.section);
        if (b.fields === undefined) break;
        if (!Array.isArray(b.fields)) {
          at(`${p}/fields`, 'must be an array');
          break;
        }
        if (b.fields.length > LIMITS.fields) at(`${p}/fields`, `no more than ${LIMITS.fields} items allowed`);
        for (const [j, f] of b.fields.entries()) textObject(f, `${p}/fields/${j}`, LIMITS.field);
        break;
      }
      case 'header':
        textObject(b.text, `${p}/text`, LIMITS.header, true);
        break;
      case 'context': {
        if (!Array.isArray(b.elements) || b.elements.length === 0) {
          at(`${p}/elements`, 'must provide at least 1 items');
          break;
        }
        if (b.elements.length > LIMITS.contextElements) {
          at(`${p}/elements`, `no more than ${LIMITS.contextElements} items allowed`);
        }
        for (const [j, e] of b.elements.entries()) {
          if ((e as { type?: unknown } | null)?.type !== 'image')
            textObject(e, `${p}/elements/${j}`, LIMITS.section);
        }
        break;
      }
      case 'divider':
      case 'rich_text':
        break;
      case 'actions':
        if (!Array.isArray(b.elements) || b.elements.length > 25)
          at(`${p}/elements`, 'no more than 25 items allowed');
        break;
      case 'image':
        if (typeof b.image_url !== 'string') at(`${p}/image_url`, 'missing required field: image_url');
        if (typeof b.alt_text !== 'string') at(`${p}/alt_text`, 'missing required field: alt_text');
        break;
      case 'markdown':
        if (typeof b.text !== 'string' || b.text.length > 12_000)
          at(`${p}/text`, 'must be less than 12001 characters');
        break;
      default:
        at(p, 'failed to match all allowed schemas');
    }
  };
  for (const [i, block] of blocks.entries()) validateBlock(block, `/blocks/${i}`);
  return errors;
}

function channelIdFor(name: string): string {
  const letters = name.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return `C0${letters}`.slice(0, 11).padEnd(9, '0');
}

export async function startLocalSlack(options: LocalSlackOptions = {}): Promise<LocalSlack> {
  const botUserId = 'U0LOCALBOT';
  const botId = 'B0LOCALBOT';
  const teamId = 'T0LOCAL';
  const tokens = new Map<string, string[]>();
  const channels = new Map<string, Channel>();
  const webhooks = new Map<string, string>();
  const requests: SlackRequest[] = [];
  const rateLimits: Array<{ times: number; retryAfterSeconds: number }> = [];
  const outages: Array<{ times: number; status: number }> = [];
  let seq = 0;
  let url = '';

  const nextTs = () => {
    seq++;
    return `${Math.floor(Date.now() / 1000)}.${String(seq).padStart(6, '0')}`;
  };

  function addToken(token: string, tokenOptions: { scopes?: string[] } = {}) {
    tokens.set(token, tokenOptions.scopes ?? ['chat:write']);
  }
  for (const token of options.tokens ?? []) addToken(token);

  function addChannel(spec: SlackChannelSpec): string {
    const id = spec.id ?? channelIdFor(spec.name);
    channels.set(id, {
      name: spec.name.replace(/^#/, ''),
      id,
      member: spec.member ?? true,
      archived: spec.archived ?? false,
      private: spec.private ?? false,
      messages: [],
    });
    return id;
  }
  for (const channel of options.channels ?? []) addChannel(channel);

  /** By ID, or (when `byName`) by `name` / `#name`, as chat.postMessage accepts. */
  function findChannel(ref: unknown, byName: boolean): Channel | undefined {
    if (typeof ref !== 'string' || ref === '') return undefined;
    const direct = channels.get(ref);
    if (direct) return direct;
    if (!byName) return undefined;
    const name = ref.replace(/^#/, '');
    return [...channels.values()].find((c) => c.name === name);
  }

  function findMessage(channel: Channel, ts: string): SlackMessage | undefined {
    for (const m of channel.messages) {
      if (m.ts === ts) return m;
      const reply = m.replies.find((r) => r.ts === ts);
      if (reply) return reply;
    }
    return undefined;
  }

  function parseBlocks(value: unknown): unknown[] | undefined {
    if (value === undefined || value === '') return undefined;
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch {
        throw new SlackError('invalid_blocks_format');
      }
    }
    const errors = validateBlocks(value);
    if (errors.length > 0) {
      throw new SlackError('invalid_blocks', {
        errors,
        response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) },
      });
    }
    // Each block may be within its limits and the message still too long for Slack.
    if (blocksTextLength(value) > LIMITS.blocksText) throw new SlackError('msg_blocks_too_long');
    return value as unknown[];
  }

  function parseAttachments(value: unknown): unknown[] | undefined {
    if (value === undefined || value === '') return undefined;
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch {
        throw new SlackError('invalid_attachments');
      }
    }
    if (!Array.isArray(value)) throw new SlackError('invalid_attachments');
    if (value.length > 100) throw new SlackError('too_many_attachments');
    return value;
  }

  /** Text, blocks and attachments of a message, checked against Slack's limits. */
  function content(params: Record<string, unknown>): SlackMessageVersion {
    const text = typeof params.text === 'string' ? params.text : '';
    const blocks = parseBlocks(params.blocks);
    const attachments = parseAttachments(params.attachments);
    if (!text && !blocks?.length && !attachments?.length) throw new SlackError('no_text');
    if (text.length > LIMITS.text) throw new SlackError('msg_too_long');
    return { text, blocks, attachments };
  }

  function auth(token: string | undefined, scope?: string): string[] {
    if (!token) throw new SlackError('not_authed');
    const scopes = tokens.get(token);
    if (!scopes) throw new SlackError('invalid_auth');
    if (scope && !scopes.includes(scope)) {
      throw new SlackError('missing_scope', { needed: scope, provided: scopes.join(',') });
    }
    return scopes;
  }

  function postable(params: Record<string, unknown>, scopes: string[]): Channel {
    const channel = findChannel(params.channel, true);
    if (!channel || (channel.private && !channel.member)) throw new SlackError('channel_not_found');
    if (!channel.member && !(scopes.includes('chat:write.public') && !channel.private))
      throw new SlackError('not_in_channel');
    if (channel.archived) throw new SlackError('is_archived');
    return channel;
  }

  function messageShape(m: SlackMessage) {
    return {
      type: 'message',
      user: m.user,
      ...(m.bot_id ? { bot_id: m.bot_id, app_id: 'A0LOCALAPP' } : {}),
      text: m.text,
      ts: m.ts,
      ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(m.attachments ? { attachments: m.attachments } : {}),
      team: teamId,
      ...(m.edits.length > 0 ? { edited: { user: m.user, ts: nextTs() } } : {}),
    };
  }

  function apiMethod(method: string, params: Record<string, unknown>, token: string | undefined) {
    switch (method) {
      case 'api.test':
        return { ok: true, args: params };
      case 'auth.test': {
        auth(token);
        return {
          ok: true,
          url: 'https://local.slack.com/',
          team: 'Local',
          user: 'deploy-bot',
          team_id: teamId,
          user_id: botUserId,
          bot_id: botId,
        };
      }
      case 'chat.postMessage': {
        const scopes = auth(token, 'chat:write');
        const channel = postable(params, scopes);
        const version = content(params);
        let parent: SlackMessage | undefined;
        if (params.thread_ts !== undefined && params.thread_ts !== '') {
          if (typeof params.thread_ts !== 'string' || !/^\d+\.\d+$/.test(params.thread_ts)) {
            throw new SlackError('invalid_thread_ts', {
              response_metadata: {
                messages: [`[ERROR] ${String(params.thread_ts)} is not a valid thread_ts`],
              },
            });
          }
          parent = channel.messages.find((m) => m.ts === params.thread_ts);
          if (!parent) throw new SlackError('thread_not_found');
        }
        const message: SlackMessage = {
          channel: channel.id,
          ts: nextTs(),
          ...(parent ? { thread_ts: parent.ts } : {}),
          ...version,
          user: botUserId,
          bot_id: botId,
          via: 'api',
          edits: [],
          replies: [],
          params,
        };
        if (parent) parent.replies.push(message);
        else channel.messages.push(message);
        return { ok: true, channel: channel.id, ts: message.ts, message: messageShape(message) };
      }
      case 'chat.update': {
        const scopes = auth(token, 'chat:write');
        // chat.update takes the channel ID only, not a name.
        const channel = findChannel(params.channel, false);
        if (!channel || (channel.private && !channel.member)) throw new SlackError('channel_not_found');
        void scopes;
        if (typeof params.ts !== 'string' || params.ts === '') throw new SlackError('message_not_found');
        const message = findMessage(channel, params.ts);
        if (!message) throw new SlackError('message_not_found');
        if (message.user !== botUserId) throw new SlackError('cant_update_message');
        if (channel.archived) throw new SlackError('is_archived');
        const version = content(params);
        message.edits.push({ text: message.text, blocks: message.blocks, attachments: message.attachments });
        message.text = version.text;
        message.blocks = version.blocks;
        message.attachments = version.attachments;
        message.params = params;
        return {
          ok: true,
          channel: channel.id,
          ts: message.ts,
          text: message.text,
          message: messageShape(message),
        };
      }
      default:
        throw new SlackError('unknown_method', {}, 404);
    }
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    const json = typeof body !== 'string';
    res.writeHead(status, {
      'content-type': json ? 'application/json; charset=utf-8' : 'text/html',
      ...headers,
    });
    res.end(json ? JSON.stringify(body) : body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = Date.now();
    const parsed = new URL(req.url ?? '/', 'http://local');
    const raw = await readBody(req);
    const contentType = String(req.headers['content-type'] ?? '');
    const isWebhook = parsed.pathname.startsWith('/services/');
    const record: SlackRequest = {
      kind: isWebhook ? 'webhook' : 'api',
      method: isWebhook ? 'webhook' : parsed.pathname.replace(/^\/api\//, ''),
      path: parsed.pathname,
      contentType,
      authorization: req.headers.authorization,
      params: {},
      status: 0,
      response: undefined,
      receivedAt,
    };
    requests.push(record);
    const finish = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      record.response = body;
      reply(res, status, body, headers);
    };

    const limit = rateLimits.find((r) => r.times > 0);
    if (limit) {
      limit.times--;
      return finish(429, isWebhook ? 'rate_limited' : { ok: false, error: 'ratelimited' }, {
        'retry-after': String(limit.retryAfterSeconds),
      });
    }
    const outage = outages.find((o) => o.times > 0);
    if (outage) {
      outage.times--;
      return finish(outage.status, `<html><body>${outage.status} upstream unavailable</body></html>`);
    }

    if (isWebhook) {
      const channelRef = webhooks.get(parsed.pathname);
      if (!channelRef || req.method !== 'POST') return finish(404, 'no_service');
      let payload: Record<string, unknown>;
      try {
        const text = contentType.includes('application/x-www-form-urlencoded')
          ? (new URLSearchParams(raw).get('payload') ?? '')
          : raw;
        payload = JSON.parse(text) as Record<string, unknown>;
        if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
          throw new Error('not an object');
      } catch {
        return finish(400, 'invalid_payload');
      }
      record.params = payload;
      const channel = findChannel(channelRef, true);
      if (!channel) return finish(404, 'channel_not_found');
      if (channel.archived) return finish(410, 'channel_is_archived');
      try {
        const version = content(payload);
        channel.messages.push({
          channel: channel.id,
          ts: nextTs(),
          ...version,
          user: botUserId,
          bot_id: botId,
          via: 'webhook',
          edits: [],
          replies: [],
          params: payload,
        });
        return finish(200, 'ok');
      } catch (error) {
        if (error instanceof SlackError) return finish(400, error.error);
        throw error;
      }
    }

    const method = parsed.pathname.replace(/^\/api\//, '');
    if (!parsed.pathname.startsWith('/api/')) return finish(404, { ok: false, error: 'unknown_method' });
    let params: Record<string, unknown> = Object.fromEntries(parsed.searchParams);
    const warnings: string[] = [];
    if (raw) {
      if (contentType.includes('application/json')) {
        try {
          params = { ...params, ...(JSON.parse(raw) as Record<string, unknown>) };
        } catch {
          return finish(200, { ok: false, error: 'invalid_json' });
        }
        if (!/charset=utf-8/i.test(contentType)) warnings.push('missing_charset');
      } else if (contentType.includes('application/x-www-form-urlencoded') || contentType === '') {
        params = { ...params, ...Object.fromEntries(new URLSearchParams(raw)) };
      } else {
        return finish(200, { ok: false, error: 'invalid_form_data' });
      }
    }
    record.params = params;
    const header = req.headers.authorization;
    const bearer = header ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
    // A token in a JSON body is not read (Slack takes it from the header or a form field only).
    const token =
      bearer ?? (contentType.includes('application/json') ? undefined : (params.token as string | undefined));
    try {
      const result = apiMethod(method, params, token);
      const withWarnings = warnings.length
        ? { ...result, warning: warnings.join(','), response_metadata: { warnings } }
        : result;
      return finish(200, withWarnings);
    } catch (error) {
      if (error instanceof SlackError) {
        return finish(error.status, {
          ok: false,
          error: error.error,
          ...(warnings.length ? { warning: warnings.join(',') } : {}),
          ...error.extra,
        });
      }
      throw error;
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      res.writeHead(500);
      res.end(`local Slack bug: ${String(error)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let hookSeq = 0;

  return {
    url,
    apiUrl: `${url}/api/`,
    botUserId,
    botId,
    requests,
    addToken,
    addChannel,
    addWebhook(channel) {
      hookSeq++;
      const secret = `${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`.slice(
        0,
        24,
      );
      const path = `/services/${teamId}/B0HOOK${hookSeq}/${secret}`;
      webhooks.set(path, channel);
      return `${url}${path}`;
    },
    postAsUser(channel, text, userId = 'U0SOMEONE') {
      const found = findChannel(channel, true);
      if (!found) throw new Error(`local Slack: no channel ${channel}`);
      const ts = nextTs();
      found.messages.push({
        channel: found.id,
        ts,
        text,
        user: userId,
        via: 'api',
        edits: [],
        replies: [],
        params: {},
      });
      return ts;
    },
    rateLimit({ times, retryAfterSeconds }) {
      rateLimits.push({ times, retryAfterSeconds });
    },
    outage({ times, status = 503 }) {
      outages.push({ times, status });
    },
    messages(channel) {
      return findChannel(channel, true)?.messages ?? [];
    },
    channelId(channel) {
      return findChannel(channel, true)?.id;
    },
    stop() {
      return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
