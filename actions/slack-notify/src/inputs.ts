// slack-notify's inputs, parsed once. Secrets (bot token, webhook URL) are masked the moment they are read
// and never repeated in a problem message.
import { mask, readRawInput } from '../../lib/core.js';
import { InputReader, type InputSource, parseInputs, splitList } from '../../lib/inputs.js';

export const STATUSES = ['started', 'succeeded', 'failed', 'cancelled', 'awaiting-approval'] as const;
export type Status = (typeof STATUSES)[number];

export const STAGE_STATES = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'skipped',
  'awaiting-approval',
] as const;
export type StageState = (typeof STAGE_STATES)[number];

/** Other spellings people use (GitHub's job.status words among them). */
const STATE_ALIASES: Record<string, StageState> = {
  success: 'succeeded',
  successful: 'succeeded',
  done: 'succeeded',
  passed: 'succeeded',
  ok: 'succeeded',
  failure: 'failed',
  error: 'failed',
  canceled: 'cancelled',
  'in-progress': 'running',
  in_progress: 'running',
  started: 'running',
  queued: 'pending',
  waiting: 'awaiting-approval',
  'awaiting approval': 'awaiting-approval',
};

export interface Stage {
  name: string;
  state: StageState;
}

export type Transport =
  | { kind: 'web-api'; token: string; channel: string }
  | { kind: 'webhook'; url: string }
  | { kind: 'none' };

export interface Inputs {
  transport: Transport;
  status: Status;
  stage?: string;
  environment?: string;
  version?: string;
  url?: string;
  details?: string;
  messageTs?: string;
  stages: Stage[];
  /** Epoch ms. */
  startedAt?: number;
  failOnError: boolean;
  githubToken?: string;
  /** Things that work, but not as the workflow may expect; logged as warnings. */
  warnings: string[];
}

const CHANNEL_ID = /^[CGD][A-Z0-9]{6,}$/;
const CHANNEL_NAME = /^#?[a-z0-9][a-z0-9._-]{0,79}$/;

export function parseStageState(value: string): StageState | undefined {
  const key = value.trim().toLowerCase();
  return (STAGE_STATES as readonly string[]).includes(key) ? (key as StageState) : STATE_ALIASES[key];
}

/** `auto`: the job's status (`${{ job.status }}`) as a notification status. */
export function statusFromJob(jobStatus: string | undefined): Status | undefined {
  switch ((jobStatus ?? '').toLowerCase()) {
    case 'success':
      return 'succeeded';
    case 'failure':
      return 'failed';
    case 'cancelled':
      return 'cancelled';
    default:
      return undefined;
  }
}

export function parseStartedAt(value: string): number | undefined {
  const text = value.trim();
  if (/^\d{9,10}(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (/^\d{12,13}$/.test(text)) return Number(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * `fail-on-error` alone, read before everything else: it decides whether a problem with the other inputs fails
 * the step or is a warning. `undefined` when it is not a boolean (then the step fails, as for any bad input).
 */
export function readFailOnError(source: InputSource = readRawInput): boolean | undefined {
  const reader = new InputReader('slack-notify', source);
  const value = reader.boolean('fail-on-error', false);
  return reader.problems.length > 0 ? undefined : value;
}

export function readInputs(source?: InputSource): Inputs {
  return parseInputs(
    'slack-notify',
    (input) => {
      const token = input.optional('bot-token');
      const webhook = input.optional('webhook-url');
      mask(token);
      mask(webhook);
      const githubToken = input.optional('github-token');
      mask(githubToken);
      const channel = input.optional('channel');
      const messageTs = input.matching(
        'message-ts',
        /^\d+\.\d+$/,
        "a Slack message timestamp such as 1712345678.123456 (an earlier step's message-ts output)",
      );

      const warnings: string[] = [];
      let transport: Transport = { kind: 'none' };
      if (token) {
        if (webhook) {
          warnings.push(
            'slack-notify: both bot-token and webhook-url are given; using bot-token (webhook-url is ignored).',
          );
        }
        if (!/^xox[a-z]-/.test(token)) {
          input.problem(
            'bot-token',
            'does not look like a Slack token; give the Bot User OAuth Token (xoxb-…) from a secret',
          );
        }
        if (!channel) {
          input.problem(
            'channel',
            'is required with bot-token; give a channel ID (e.g. C0123ABCD) or name (e.g. #deploys)',
          );
        } else if (!CHANNEL_ID.test(channel) && !CHANNEL_NAME.test(channel)) {
          input.problem(
            'channel',
            `"${channel}" is not a channel ID (e.g. C0123ABCD) or name (e.g. #deploys)`,
          );
        } else if (messageTs && !CHANNEL_ID.test(channel)) {
          warnings.push(
            `slack-notify: channel "${channel}" is a name, but Slack updates a message by channel ID: pass the earlier step's \`channel\` output (a new message is posted if the update is refused).`,
          );
        }
        transport = { kind: 'web-api', token, channel: channel ?? '' };
      } else if (webhook) {
        let valid = false;
        try {
          valid = ['https:', 'http:'].includes(new URL(webhook).protocol);
        } catch {
          valid = false;
        }
        if (!valid) {
          input.problem(
            'webhook-url',
            'is not a URL; give the incoming webhook URL (https://hooks.slack.com/services/…) from a secret',
          );
        }
        if (messageTs) {
          warnings.push(
            'slack-notify: message-ts is ignored with webhook-url: an incoming webhook posts a new message each time.',
          );
        }
        transport = { kind: 'webhook', url: webhook };
      }

      const requested = input.oneOf('status', [...STATUSES, 'auto'] as const, 'auto');
      let status: Status = 'succeeded';
      if (requested === 'auto') {
        const jobStatus = input.optional('job-status');
        const fromJob = statusFromJob(jobStatus);
        if (fromJob) status = fromJob;
        else
          input.problem(
            'job-status',
            `"${jobStatus ?? ''}" is not a job status (success, failure, cancelled); with status auto it must be \${{ job.status }}`,
          );
      } else {
        status = requested;
      }

      const stages: Stage[] = [];
      for (const entry of splitList(input.optional('stages') ?? '')) {
        const eq = entry.indexOf('=');
        const name = (eq < 0 ? entry : entry.slice(0, eq)).trim();
        const state = eq < 0 ? undefined : parseStageState(entry.slice(eq + 1));
        if (!name || !state) {
          input.problem('stages', `"${entry}" is not name=state (states: ${STAGE_STATES.join(', ')})`);
          continue;
        }
        stages.push({ name, state });
      }
      if (stages.length > 20) input.problem('stages', `has ${stages.length} stages; at most 20 are shown`);

      const startedRaw = input.optional('started-at');
      const startedAt = startedRaw === undefined ? undefined : parseStartedAt(startedRaw);
      if (startedRaw !== undefined && startedAt === undefined) {
        input.problem(
          'started-at',
          `"${startedRaw}" is not an ISO 8601 time (2024-05-01T12:00:00Z) or epoch seconds/milliseconds`,
        );
      }

      return {
        transport,
        status,
        stage: input.optional('stage'),
        environment: input.optional('environment'),
        version: input.optional('version'),
        url: input.url('url'),
        details: input.optional('details'),
        messageTs: transport.kind === 'webhook' ? undefined : messageTs,
        stages,
        startedAt,
        failOnError: input.boolean('fail-on-error', false),
        githubToken,
        warnings,
      };
    },
    source,
  );
}
