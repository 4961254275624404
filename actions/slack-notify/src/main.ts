// slack-notify: one Slack message per pipeline run, updated in place as the run moves through its stages
// (Web API), or a new message per step (incoming webhook). A Slack problem warns instead of failing the
// deployment unless fail-on-error is true.
import { type RunContext, readRunContext } from '../../lib/context.js';
import { appendSummary, log, setOutputs } from '../../lib/core.js';
import { ActionError, ConfigurationError, messageOf } from '../../lib/errors.js';
import { httpRequest } from '../../lib/http.js';
import { runAction } from '../../lib/run.js';
import {
  type PostedMessage,
  postWebhook,
  SlackError,
  SlackWebClient,
  slackApiUrl,
} from '../../lib/slack/index.js';
import { code, escapeMarkdown } from '../../lib/summary.js';
import { type Inputs, readFailOnError, readInputs } from './inputs.js';
import { type DeployState, deployMessage, detailsReply, headline } from './message.js';

/** When the run started: the `started-at` input, else the run's start from the GitHub API (best effort). */
async function runStart(inputs: Inputs, ctx: RunContext): Promise<number | undefined> {
  if (inputs.startedAt !== undefined) return inputs.startedAt;
  if (inputs.status === 'started' || !inputs.githubToken || !ctx.repository || !ctx.runId) return undefined;
  try {
    const response = await httpRequest({
      url: `${ctx.apiUrl}/repos/${ctx.repository}/actions/runs/${encodeURIComponent(ctx.runId)}`,
      headers: {
        authorization: `Bearer ${inputs.githubToken}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'aws-deploy-actions',
      },
      retries: 0,
      timeoutMs: 3000,
    });
    if (response.status !== 200) {
      log.debug(`Run start not read (GitHub answered ${response.status}); the duration is left out.`);
      return undefined;
    }
    const started = Date.parse(
      (JSON.parse(response.text) as { run_started_at?: string }).run_started_at ?? '',
    );
    return Number.isNaN(started) ? undefined : started;
  } catch (error) {
    log.debug(`Run start not read (${messageOf(error)}); the duration is left out.`);
    return undefined;
  }
}

async function notify(
  inputs: Inputs,
  state: DeployState,
  signal: AbortSignal,
): Promise<PostedMessage | undefined> {
  const onRetry = ({ delayMs, reason }: { delayMs: number; reason: string }) =>
    log.info(`Slack answered ${reason}; retrying in ${(delayMs / 1000).toFixed(1)} s.`);
  const transport = inputs.transport;
  if (transport.kind === 'webhook') {
    await postWebhook(transport.url, deployMessage({ ...state, detailsInMessage: true }), {
      signal,
      onRetry,
    });
    log.info('Posted to the incoming webhook.');
    return undefined;
  }
  if (transport.kind !== 'web-api') return undefined;
  const slack = new SlackWebClient({ token: transport.token, apiUrl: slackApiUrl(), signal, onRetry });
  const content = deployMessage({ ...state, detailsInMessage: false });
  let posted: PostedMessage | undefined;
  if (inputs.messageTs) {
    try {
      posted = await slack.update({ channel: transport.channel, ts: inputs.messageTs, ...content });
      log.info(`Updated message ${posted.ts} in ${posted.channel}.`);
    } catch (error) {
      const byName = !/^[CGD][A-Z0-9]{6,}$/.test(transport.channel);
      const refused = ['message_not_found', 'cant_update_message', ...(byName ? ['channel_not_found'] : [])];
      if (!(error instanceof SlackError) || !refused.includes(error.code)) throw error;
      const why =
        error.code === 'channel_not_found'
          ? `Slack needs the channel ID to update a message, not the name ${transport.channel}`
          : `it is not a message this app posted in ${transport.channel}`;
      log.warning(`Could not update message ${inputs.messageTs} (${error.code}: ${why}); posting a new one.`);
    }
  }
  if (!posted) {
    posted = await slack.postMessage({ channel: transport.channel, ...content });
    log.info(`Posted message ${posted.ts} in ${posted.channel}.`);
  }
  if (state.details) {
    try {
      const reply = detailsReply(state);
      const threaded = await slack.postMessage({ channel: posted.channel, thread_ts: posted.ts, ...reply });
      log.info(`Replied in the thread with the details (${threaded.ts}).`);
    } catch (error) {
      log.warning(`The details could not be posted in the thread: ${messageOf(error)}`);
    }
  }
  return posted;
}

/**
 * The inputs, or undefined after warning when they are wrong and fail-on-error is false: notifications are
 * optional, so a Slack misconfiguration (an organisation-wide token without a channel, a token of the wrong
 * kind, a bad `stages` value) must not stop a deployment. With fail-on-error true it fails the step.
 */
async function readInputsOrWarn(): Promise<Inputs | undefined> {
  const failOnError = readFailOnError();
  try {
    return readInputs();
  } catch (error) {
    if (failOnError !== false || !(error instanceof ConfigurationError)) throw error;
    for (const problem of error.problems)
      log.warning(`${problem}. Nothing was sent to Slack; the deployment goes on (fail-on-error is false).`, {
        title: 'Slack notification not sent: fix the slack-notify inputs',
      });
    await appendSummary(
      `### ⚠️ Slack notification not sent: configuration\n\n${error.problems.map((p) => `- ${escapeMarkdown(p)}`).join('\n')}\n\nThe deployment goes on (fail-on-error is false).\n`,
    );
    return undefined;
  }
}

export async function run(): Promise<void> {
  await runAction('slack-notify', async ({ signal }) => {
    const inputs = await readInputsOrWarn();
    if (!inputs) return;
    const ctx = readRunContext();
    for (const warning of inputs.warnings) log.warning(warning);
    if (inputs.transport.kind === 'none') {
      const why =
        'slack-notify: neither bot-token (with channel) nor webhook-url was given (secrets are empty for pull requests from forks and for Dependabot)';
      if (inputs.failOnError) throw new ConfigurationError(`${why}; set one of them`);
      log.warning(`${why}: nothing was sent.`);
      await appendSummary(
        '### 🔕 Slack notification skipped\n\nNo Slack credentials were available to this job.\n',
      );
      return;
    }

    const started = await runStart(inputs, ctx);
    const state: DeployState = {
      status: inputs.status,
      stage: inputs.stage,
      environment: inputs.environment,
      version: inputs.version,
      url: inputs.url,
      stages: inputs.stages,
      details: inputs.details,
      durationMs: started === undefined ? undefined : Math.max(Date.now() - started, 0),
      ctx,
      runNumber: process.env.GITHUB_RUN_NUMBER,
      detailsInMessage: false,
      updatedAt: new Date(),
    };
    const title = headline(state);

    let posted: PostedMessage | undefined;
    try {
      posted = await notify(inputs, state, signal);
    } catch (error) {
      if (inputs.failOnError || signal.aborted || !(error instanceof ActionError)) throw error;
      const hint = error.hint ? ` ${error.hint}` : '';
      log.warning(`slack-notify: ${error.message}.${hint} The deployment goes on (fail-on-error is false).`, {
        title: 'Slack notification not sent',
      });
      if (error.details) await log.group('Details', async () => log.info(error.details ?? ''));
      await appendSummary(
        `### ⚠️ Slack notification not sent\n\n${escapeMarkdown(error.message)}${error.hint ? `\n\n${escapeMarkdown(error.hint)}` : ''}\n`,
      );
      return;
    }

    if (posted) setOutputs({ 'message-ts': posted.ts, channel: posted.channel });
    const where =
      inputs.transport.kind === 'webhook'
        ? 'through the incoming webhook'
        : `in channel ${code(posted?.channel ?? '')} (message ${code(posted?.ts ?? '')}${inputs.messageTs && posted?.ts === inputs.messageTs ? ', updated' : ''})`;
    await appendSummary(
      `### 🔔 Slack: ${escapeMarkdown(title)}\n\nStatus ${code(inputs.status)} sent ${where}.\n`,
    );
  });
}
