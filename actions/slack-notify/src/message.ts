// The deploy message: a header with the status emoji, the facts as fields, the stages so far as a progress
// line, and a context footer; blocks only (no legacy attachment colour bar), so nothing is collapsed and the
// status reads the same in the message, the notification and for screen readers.
import type { RunContext } from '../../lib/context.js';
import { formatDuration } from '../../lib/inputs.js';
import {
  type Block,
  chunkMrkdwn,
  context,
  cutPlain,
  divider,
  fields,
  header,
  link,
  markdownToMrkdwn,
  message,
  plainMrkdwn,
  SLACK_LIMITS,
  type SlackMessage,
  section,
} from '../../lib/slack/index.js';
import type { Stage, StageState, Status } from './inputs.js';

export const STATUS_EMOJI: Record<Status, string> = {
  started: ':rocket:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  cancelled: ':no_entry_sign:',
  'awaiting-approval': ':raised_hand:',
};

const STATUS_LABEL: Record<Status, string> = {
  started: 'Started',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  'awaiting-approval': 'Awaiting approval',
};

export const STAGE_EMOJI: Record<StageState, string> = {
  pending: ':white_circle:',
  running: ':arrows_counterclockwise:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  cancelled: ':no_entry_sign:',
  skipped: ':fast_forward:',
  'awaiting-approval': ':raised_hand:',
};

export interface DeployState {
  status: Status;
  stage?: string;
  environment?: string;
  version?: string;
  url?: string;
  stages: Stage[];
  details?: string;
  durationMs?: number;
  ctx: RunContext;
  runNumber?: string;
  /** Webhook mode: details go in the message; Web API mode: in a thread reply (this says so). */
  detailsInMessage: boolean;
  updatedAt: Date;
}

function capitalize(text: string): string {
  return text ? text[0]?.toUpperCase() + text.slice(1) : text;
}

/** One line saying what happened, e.g. "Deployed to production", "Build failed". */
export function headline(state: Pick<DeployState, 'status' | 'stage' | 'environment'>): string {
  const { status, stage, environment } = state;
  switch (status) {
    case 'started':
      return stage
        ? `${capitalize(stage)} started`
        : environment
          ? `Deploying to ${environment}`
          : 'Pipeline started';
    case 'succeeded':
      return environment
        ? `Deployed to ${environment}`
        : stage
          ? `${capitalize(stage)} succeeded`
          : 'Pipeline succeeded';
    case 'failed':
      return stage
        ? `${capitalize(stage)} failed`
        : environment
          ? `Deployment to ${environment} failed`
          : 'Pipeline failed';
    case 'cancelled':
      return stage
        ? `${capitalize(stage)} cancelled`
        : environment
          ? `Deployment to ${environment} cancelled`
          : 'Pipeline cancelled';
    case 'awaiting-approval':
      return environment ? `Awaiting approval for ${environment}` : 'Awaiting approval';
  }
}

function versionText(state: DeployState): string {
  return state.version ?? state.ctx.sha.slice(0, 7);
}

/** The stages so far, e.g. `✅ test → ✅ build → 🔄 staging`. */
export function progressLine(stages: Stage[]): string {
  return stages.map((s) => `${STAGE_EMOJI[s.state]} ${plainMrkdwn(cutPlain(s.name, 60))}`).join('  →  ');
}

export function deployMessage(state: DeployState): SlackMessage {
  const { ctx } = state;
  const emoji = STATUS_EMOJI[state.status];
  const title = headline(state);
  const repoUrl = ctx.repository ? `${ctx.serverUrl}/${ctx.repository}` : undefined;
  const runLabel = `${ctx.workflow || 'Run'} #${state.runNumber || ctx.runId}${ctx.runAttempt !== '1' ? ` (attempt ${ctx.runAttempt})` : ''}`;
  const facts: Array<[string, string]> = [
    ['Status', `${emoji} ${STATUS_LABEL[state.status]}`],
    ...(state.environment
      ? [['Environment', plainMrkdwn(cutPlain(state.environment, 200))] as [string, string]]
      : []),
    ['Version', link(ctx.commitUrl || undefined, cutPlain(versionText(state), 200))],
    ['Repository', link(repoUrl, ctx.repository || 'unknown')],
    ...(ctx.actor
      ? [['Triggered by', link(`${ctx.serverUrl}/${ctx.actor}`, ctx.actor)] as [string, string]]
      : []),
    ...(state.durationMs !== undefined
      ? [['Duration', formatDuration(state.durationMs)] as [string, string]]
      : []),
    ['Run', link(ctx.runUrl || undefined, runLabel)],
    ...(state.url ? [['Service', link(state.url, cutPlain(state.url, 300))] as [string, string]] : []),
  ];
  const blocks: Block[] = [header(`${emoji} ${title}`), fields(facts)];
  const stages = state.stages.length > 0 ? state.stages : [];
  if (stages.length > 0) blocks.push(section(`*Stages*\n${progressLine(stages)}`));
  else if (state.stage)
    blocks.push(section(`*Stage*\n${STAGE_EMOJI[stageStateOf(state.status)]} ${plainMrkdwn(state.stage)}`));
  if (state.details && state.detailsInMessage) {
    blocks.push(divider());
    for (const chunk of chunkMrkdwn(markdownToMrkdwn(state.details), SLACK_LIMITS.sectionText, 2))
      blocks.push(section(chunk));
  }
  const footer = [
    `Updated ${state.updatedAt
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d{3}Z$/, ' UTC')}`,
    ctx.ref ? `ref ${plainMrkdwn(ctx.ref.replace(/^refs\/heads\//, ''))}` : '',
    ctx.sha ? `commit ${link(ctx.commitUrl || undefined, ctx.sha.slice(0, 7))}` : '',
    state.details && !state.detailsInMessage ? ':thread: details in the thread' : '',
  ].filter(Boolean);
  blocks.push(context([footer.join('  ·  ')]));
  const fallback = `${emoji} ${plainMrkdwn(title)}: ${plainMrkdwn(ctx.repository)} ${plainMrkdwn(cutPlain(versionText(state), 100))}${ctx.actor ? ` by ${plainMrkdwn(ctx.actor)}` : ''}`;
  return message(fallback, blocks);
}

function stageStateOf(status: Status): StageState {
  return status === 'started' ? 'running' : status;
}

/** The thread reply carrying `details` (Web API mode). */
export function detailsReply(state: DeployState): SlackMessage {
  const details = state.details ?? '';
  const what = state.stage ?? state.environment ?? 'pipeline';
  const blocks: Block[] = [
    section(
      `${STATUS_EMOJI[state.status]} *${plainMrkdwn(capitalize(what))}: ${STATUS_LABEL[state.status].toLowerCase()}*`,
    ),
    ...chunkMrkdwn(markdownToMrkdwn(details), SLACK_LIMITS.sectionText, 3).map((chunk) => section(chunk)),
  ];
  if (state.ctx.runUrl) blocks.push(context([`Full log: ${link(state.ctx.runUrl, 'workflow run')}`]));
  const firstLine =
    details
      .split('\n')
      .map((l) =>
        l
          .replace(/^\s*(#{1,6}\s+|>\s?|[-*+]\s+)/, '')
          .replace(/\*\*|__/g, '')
          .trim(),
      )
      .find((l) => l && !/^(```|~~~)/.test(l)) ?? '';
  return message(`${STATUS_EMOJI[state.status]} ${plainMrkdwn(cutPlain(firstLine, 300))}`, blocks);
}
