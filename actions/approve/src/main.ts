// approve: a manual gate on a GitHub issue. Opens an issue showing what will change, waits for approvers to
// comment, records the result on the issue, and fails the step unless it was approved. With `gate:
// environment` it instead checks that GitHub's own gate (required reviewers on the environment) exists.
import { readRunContext } from '../../lib/context.js';
import { appendSummary, escapeData, log, setOutputs } from '../../lib/core.js';
import { ActionError, ConfigurationError, messageOf } from '../../lib/errors.js';
import type { GitHubIssue, RepoClient } from '../../lib/github.js';
import { formatDuration } from '../../lib/inputs.js';
import { runAction } from '../../lib/run.js';
import { checkEnvironment } from './environment.js';
import { type Outcome, waitForDecision } from './gate.js';
import { type Inputs, readInputs } from './inputs.js';
import {
  type ChangeSet,
  issueBody,
  issueTitle,
  jobSummary,
  readMarker,
  resultComment,
  versionLabel,
  withResult,
} from './record.js';

const TEAM_HINT =
  'The workflow token (GITHUB_TOKEN) cannot read organization team membership. Pass a token that can in `token`: ' +
  'a GitHub App installation token with the organization permission "Members: read" (e.g. from actions/create-github-app-token), ' +
  'or a personal access token with read:org.';

/** The base of the comparison: the `previous-ref` input, or the commit of the last approved deployment. */
async function findChanges(gh: RepoClient, inputs: Inputs, head: string): Promise<ChangeSet> {
  const changes: ChangeSet = {};
  if (inputs.previousRef) {
    changes.base = inputs.previousRef;
    changes.baseSource = 'input';
  } else {
    try {
      const closed = await gh.listIssues({ state: 'closed', labels: [inputs.label], max: 100 });
      for (const issue of closed) {
        const marker = readMarker(issue.body);
        if (
          marker?.environment === inputs.environment &&
          marker.result === 'approved' &&
          issue.state_reason !== 'not_planned'
        ) {
          changes.base = marker.sha;
          changes.baseSource = 'last approval';
          changes.baseIssue = issue;
          break;
        }
      }
    } catch (error) {
      log.warning(`Could not look for the last approved deployment: ${messageOf(error)}`);
      changes.problem = messageOf(error);
    }
    if (!changes.base) {
      log.info(
        `No earlier approved deployment to ${escapeData(inputs.environment)} found (label ${escapeData(inputs.label)}).`,
      );
      return changes;
    }
    log.info(
      `Last approved deployment to ${escapeData(inputs.environment)}: ${changes.base} (issue #${changes.baseIssue?.number}).`,
    );
  }
  try {
    changes.comparison = await gh.compare(changes.base, head);
    log.info(`${changes.comparison.total_commits} commit(s) since ${changes.base}.`);
  } catch (error) {
    changes.problem = messageOf(error);
    const hint = error instanceof ActionError && error.hint ? ` ${error.hint}` : '';
    log.warning(`Could not list the commits since ${changes.base}: ${changes.problem}.${hint}`);
  }
  return changes;
}

async function openIssue(gh: RepoClient, inputs: Inputs, title: string, body: string): Promise<GitHubIssue> {
  const assignees = inputs.approvers.users
    .filter((u) => !(inputs.excludeInitiator && u.toLowerCase() === inputs.initiator.toLowerCase()))
    .slice(0, 10);
  try {
    return await gh.createIssue({ title, body, labels: [inputs.label], assignees });
  } catch (error) {
    // Someone who cannot be assigned (no access to the repository) makes GitHub reject the whole issue.
    const { statusOf } = await import('../../lib/github.js');
    if (statusOf(error) !== 422 || assignees.length === 0) throw error;
    log.warning(
      `Could not assign ${assignees.join(', ')} (GitHub: ${messageOf(error)}); opening the issue without assignees. Approvers still count: they are mentioned in the issue.`,
    );
    return gh.createIssue({ title, body, labels: [inputs.label] });
  }
}

export async function run(): Promise<void> {
  await runAction('approve', async ({ signal }) => {
    const inputs = readInputs();
    const ctx = readRunContext();
    if (!ctx.owner || !ctx.repo || !ctx.sha) {
      throw new ConfigurationError(
        'approve: GITHUB_REPOSITORY and GITHUB_SHA are not set: run this action in a GitHub Actions job',
      );
    }

    const { RepoClient, isTransientGitHubError } = await import('../../lib/github.js');
    const gh = new RepoClient({
      token: inputs.token,
      baseUrl: ctx.apiUrl,
      owner: ctx.owner,
      repo: ctx.repo,
      signal,
    });
    if (inputs.gate === 'environment') {
      await checkEnvironment(gh, inputs, ctx);
      return;
    }

    // Team membership must be readable before anyone is asked; otherwise team approvals could never count.
    for (const team of inputs.approvers.teams) {
      await gh.getTeam(team.org, team.slug, {
        forbidden: TEAM_HINT,
        notFound: `The team does not exist, or the token cannot see it. ${TEAM_HINT}`,
      });
    }

    const changes = await findChanges(gh, inputs, ctx.sha);
    const opened = new Date();
    const title = issueTitle(inputs, ctx);
    const body = issueBody(inputs, ctx, changes, opened);
    const issue = await openIssue(gh, inputs, title, body);
    setOutputs({ 'issue-url': issue.html_url, 'issue-number': issue.number });
    log.notice(
      `Waiting for approval of ${versionLabel(inputs, ctx)} to ${inputs.environment}: ${issue.html_url}`,
      {
        title: 'Deployment approval',
      },
    );

    const marker = readMarker(body) ?? {
      environment: inputs.environment,
      sha: ctx.sha,
      result: 'pending' as const,
    };
    const close = async (
      result: 'approved' | 'denied' | 'timed-out' | 'cancelled' | 'failed',
      comment: string,
    ): Promise<void> => {
      await gh.createComment(issue.number, comment);
      await gh.updateIssue(issue.number, {
        state: 'closed',
        state_reason: result === 'approved' ? 'completed' : 'not_planned',
        body: withResult(issue.body || body, { ...marker, result }),
      });
    };

    let outcome: Outcome;
    try {
      outcome = await waitForDecision(
        {
          listComments: (n, since) => gh.listComments(n, since),
          isTeamMember: (org, slug, login) => gh.isTeamMember(org, slug, login, { forbidden: TEAM_HINT }),
        },
        {
          issue: issue.number,
          since: issue.created_at,
          approvers: inputs.approvers,
          minimumApprovals: inputs.minimumApprovals,
          excludeInitiator: inputs.excludeInitiator,
          initiator: inputs.initiator,
          approveWords: inputs.approveWords,
          denyWords: inputs.denyWords,
          timeoutMs: inputs.timeoutMs,
          pollMs: inputs.pollMs,
          signal,
          isTransient: isTransientGitHubError,
        },
      );
    } catch (error) {
      const waited = Date.now() - opened.getTime();
      const cancelled = signal.aborted;
      const status = cancelled ? 'cancelled' : 'failed';
      setOutputs({ status });
      try {
        await close(
          status,
          resultComment(
            cancelled
              ? { status: 'cancelled', approvals: [] }
              : { status: 'failed', reason: messageOf(error), approvals: [] },
            inputs,
            ctx,
            waited,
          ),
        );
        log.info(`Closed ${issue.html_url} (${status}).`);
      } catch (closeError) {
        log.warning(`Could not close ${issue.html_url}: ${messageOf(closeError)}`);
      }
      if (cancelled) {
        throw new ActionError(
          `approve: the run was cancelled while waiting for approval; closed ${issue.html_url}`,
        );
      }
      throw error;
    }

    const waitedMs = Date.now() - opened.getTime();
    const approvers = outcome.approvals.map((a) => a.login);
    setOutputs({ status: outcome.status, approvers: approvers.join(',') });
    await close(outcome.status, resultComment(outcome, inputs, ctx, waitedMs));
    await appendSummary(
      jobSummary({
        status: outcome.status,
        inputs,
        ctx,
        issue,
        approvals: outcome.approvals,
        denial: outcome.status === 'denied' ? outcome.denial : undefined,
        ignored: outcome.ignored,
        changes,
        waitedMs,
      }),
    );

    const target = `${versionLabel(inputs, ctx)} to ${inputs.environment}`;
    if (outcome.status === 'denied') {
      throw new ActionError(`approve: the deployment of ${target} was denied by @${outcome.denial.login}`, {
        hint: `See ${issue.html_url}.`,
      });
    }
    if (outcome.status === 'timed-out') {
      throw new ActionError(
        `approve: no decision on the deployment of ${target} within ${formatDuration(inputs.timeoutMs)} (${outcome.approvals.length} of ${inputs.minimumApprovals} approvals)`,
        { hint: `Re-run the job to ask again, or raise timeout-minutes. Issue: ${issue.html_url}.` },
      );
    }
    log.info(`Approved by ${approvers.map((a) => `@${a}`).join(', ')} after ${formatDuration(waitedMs)}.`);
  });
}
