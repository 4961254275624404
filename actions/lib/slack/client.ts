// Slack's Web API (chat.postMessage, chat.update) and incoming webhooks over lib/http.ts: retries on 429
// (honouring Retry-After) and 5xx, errors that name Slack's error code and say what to do, and never the
// token or the webhook URL (whose path is a secret).
import { ActionError } from '../errors.js';
import { type HttpRequest, type HttpResponse, httpRequest } from '../http.js';
import type { Block } from './blocks.js';

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

/** The Web API base: `SLACK_API_URL` (tests, proxies) or https://slack.com/api/, always ending in `/`. */
export function slackApiUrl(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.SLACK_API_URL?.trim() || DEFAULT_SLACK_API_URL;
  return base.endsWith('/') ? base : `${base}/`;
}

/** A Slack error: `code` is Slack's own (`channel_not_found`, `invalid_auth`, `no_service`…). */
export class SlackError extends ActionError {
  override readonly name = 'SlackError';
  /** The HTTP status when Slack answered with one that is not 200. */
  readonly status?: number;

  constructor(
    message: string,
    readonly code: string,
    options: { hint?: string; details?: string; status?: number } = {},
  ) {
    super(message, options);
    this.status = options.status;
  }
}

const HINTS: Record<string, (target: string) => string> = {
  not_authed: () => 'No token reached Slack: set the `bot-token` input to the Bot User OAuth Token (xoxb-…).',
  invalid_auth: () =>
    'Use the Bot User OAuth Token (xoxb-…) from your Slack app\'s "OAuth & Permissions" page, stored as a repository secret.',
  token_revoked: () => 'The token was revoked: reinstall the Slack app and update the secret.',
  token_expired: () =>
    'The token expired: reinstall the Slack app (or turn off token rotation) and update the secret.',
  account_inactive: () =>
    'The app or its user was deactivated: reinstall the Slack app and update the secret.',
  missing_scope: () =>
    'Add the bot token scope chat:write under "OAuth & Permissions", reinstall the app, and update the secret.',
  channel_not_found: (target) =>
    `Check ${target}: give the channel ID (channel details → About, e.g. C0123ABCD) or its exact name; a private channel is only visible once the app is invited (/invite @your-app).`,
  not_in_channel: (target) =>
    `Invite the app to ${target} (/invite @your-app), or add the chat:write.public scope to post to public channels without joining.`,
  is_archived: (target) => `${target} is archived: unarchive it or choose another channel.`,
  restricted_action: () => 'A workspace admin restricts who can post in this channel.',
  ratelimited: () => 'Slack kept rate limiting after retries: space out notifications or re-run the job.',
  // Incoming webhooks
  no_service: () =>
    'The webhook URL is not valid (removed or mistyped): create a new incoming webhook in the Slack app and update the secret.',
  invalid_token: () =>
    'The webhook URL is not valid (removed or mistyped): create a new incoming webhook in the Slack app and update the secret.',
  no_active_hooks: () =>
    'The webhook was disabled: turn on incoming webhooks in the Slack app and create a new one.',
  channel_is_archived: () => "The webhook's channel is archived: create a webhook for another channel.",
  action_prohibited: () => "A workspace admin restricts this webhook's channel.",
  posting_to_general_channel_denied: () =>
    'Only admins may post in the general channel: use another channel.',
};

const BUG =
  'Slack rejected the message itself; this is a bug in slack-notify: please report it with this log.';
for (const code of [
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_too_long',
  'no_text',
  'invalid_payload',
  'invalid_arguments',
  'too_many_attachments',
]) {
  HINTS[code] = () => BUG;
}

export interface SlackCallOptions {
  /** Aborts waits between retries (job cancellation). */
  signal?: AbortSignal;
  /** Retries after the first attempt; default 3. */
  retries?: number;
  /** Cap on one wait (Retry-After included); default 30 s. */
  maxDelayMs?: number;
  timeoutMs?: number;
  onRetry?: HttpRequest['onRetry'];
}

export interface PostedMessage {
  /** The channel ID Slack returned. */
  channel: string;
  ts: string;
}

function describe(what: string, code: string, target: string, details?: string): SlackError {
  return new SlackError(`Slack ${what} failed: ${code}`, code, { hint: HINTS[code]?.(target), details });
}

async function send(request: HttpRequest, what: string): Promise<HttpResponse> {
  try {
    return await httpRequest(request);
  } catch (error) {
    if (error instanceof ActionError) {
      throw new SlackError(`Slack ${what} failed: ${error.message}`, 'unreachable', {
        hint: 'Check the runner can reach Slack (proxy, firewall) and re-run the job.',
      });
    }
    throw error;
  }
}

export interface SlackWebClientOptions extends SlackCallOptions {
  token: string;
  /** Default: `slackApiUrl()`. */
  apiUrl?: string;
}

/** The few Web API methods a deploy notification needs. */
export class SlackWebClient {
  private readonly apiUrl: string;

  constructor(private readonly options: SlackWebClientOptions) {
    this.apiUrl = options.apiUrl ?? slackApiUrl();
  }

  /** Calls `method` with a JSON body; returns Slack's response when `ok`, else throws a SlackError. */
  async call<T extends Record<string, unknown>>(
    method: string,
    params: Record<string, unknown>,
    target = 'the channel',
  ): Promise<T> {
    const what = method;
    const response = await send(
      {
        url: `${this.apiUrl}${method}`,
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.options.token}`,
          'content-type': 'application/json; charset=utf-8',
        },
        body: JSON.stringify(params),
        signal: this.options.signal,
        retries: this.options.retries,
        maxDelayMs: this.options.maxDelayMs,
        timeoutMs: this.options.timeoutMs,
        onRetry: this.options.onRetry,
      },
      what,
    );
    if (response.status === 429) throw describe(what, 'ratelimited', target);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(response.text) as Record<string, unknown>;
    } catch {
      throw new SlackError(
        `Slack ${what} failed: HTTP ${response.status} after ${response.attempts} attempt(s)`,
        `http_${response.status}`,
        {
          hint:
            response.status >= 500
              ? 'Slack is having trouble: see https://slack-status.com and re-run the job.'
              : 'Check SLACK_API_URL points at the Slack Web API.',
          status: response.status,
        },
      );
    }
    if (body.ok !== true) {
      const code = typeof body.error === 'string' ? body.error : `http_${response.status}`;
      const messages = (body.response_metadata as { messages?: string[] } | undefined)?.messages;
      const details = [
        `- Method: ${method}`,
        `- Slack error: ${code}`,
        typeof body.needed === 'string'
          ? `- Scope needed: ${body.needed} (the token has: ${String(body.provided ?? 'none')})`
          : undefined,
        ...(messages ?? []).map((m) => `- ${m}`),
      ]
        .filter(Boolean)
        .join('\n');
      if (code === 'missing_scope' && typeof body.needed === 'string') {
        throw new SlackError(`Slack ${what} failed: missing_scope (needs ${body.needed})`, code, {
          hint: HINTS[code]?.(target),
          details,
        });
      }
      throw describe(what, code, target, details);
    }
    return body as T;
  }

  async postMessage(params: {
    channel: string;
    text: string;
    blocks?: Block[];
    thread_ts?: string;
  }): Promise<PostedMessage> {
    const result = await this.call<{ channel: string; ts: string }>(
      'chat.postMessage',
      { ...params, unfurl_links: false, unfurl_media: false, link_names: false, parse: 'none' },
      `channel ${params.channel}`,
    );
    return { channel: result.channel, ts: result.ts };
  }

  async update(params: {
    channel: string;
    ts: string;
    text: string;
    blocks?: Block[];
  }): Promise<PostedMessage> {
    const result = await this.call<{ channel: string; ts: string }>(
      'chat.update',
      { ...params, link_names: false, parse: 'none' },
      `channel ${params.channel}`,
    );
    return { channel: result.channel, ts: result.ts };
  }
}

/** Posts `payload` to an incoming webhook; Slack answers `ok` (200) or an error code in plain text. */
export async function postWebhook(
  webhookUrl: string,
  payload: { text: string; blocks?: Block[] },
  options: SlackCallOptions = {},
): Promise<void> {
  const what = 'webhook';
  const response = await send(
    {
      url: webhookUrl,
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ ...payload, unfurl_links: false, unfurl_media: false }),
      ...options,
    },
    what,
  );
  if (response.status === 200) return;
  const text = response.text.trim();
  const code = /^[a-z_]{2,60}$/.test(text)
    ? text
    : response.status === 429
      ? 'ratelimited'
      : `http_${response.status}`;
  const error = describe(what, code, 'the webhook');
  if (!error.hint && response.status >= 500) {
    throw new SlackError(
      `Slack webhook failed: HTTP ${response.status} after ${response.attempts} attempt(s)`,
      code,
      {
        hint: 'Slack is having trouble: see https://slack-status.com and re-run the job.',
        status: response.status,
      },
    );
  }
  throw error;
}
