// What people read: the approval issue (title, body), the result comment, and the job summary. The body
// ends with a hidden marker recording the environment, the commit and (once decided) the result, which is
// how a later run finds the last approved deployment to list the commits since.
import type { RunContext } from '../../lib/context.js';
import type { GitHubComparison, GitHubIssue } from '../../lib/github.js';
import { formatDuration } from '../../lib/inputs.js';
import { code, details, escapeMarkdown, link, raw, table } from '../../lib/summary.js';
import type { Decision, Ignored, Outcome } from './gate.js';
import type { Inputs } from './inputs.js';

export const MARKER = 'deploy-approval';
/** GitHub's limit on an issue body. */
const BODY_LIMIT = 65_536;

export interface Marker {
  environment: string;
  sha: string;
  version?: string;
  result: 'pending' | 'approved' | 'denied' | 'timed-out' | 'cancelled' | 'failed';
}

export function markerComment(marker: Marker): string {
  // `>` escaped so the JSON can never close the HTML comment.
  return `<!-- ${MARKER}: ${JSON.stringify(marker).replace(/>/g, '\\u003e')} -->`;
}

export function readMarker(body: string): Marker | undefined {
  const match = new RegExp(`<!-- ${MARKER}: (\\{.*?\\}) -->`).exec(body);
  if (!match?.[1]) return undefined;
  try {
    const value = JSON.parse(match[1]) as Partial<Marker>;
    if (typeof value.sha !== 'string' || typeof value.environment !== 'string') return undefined;
    return value as Marker;
  } catch {
    return undefined;
  }
}

/** Replaces the marker in `body` with one recording `result`. */
export function withResult(body: string, marker: Marker): string {
  const pattern = new RegExp(`<!-- ${MARKER}: \\{.*?\\} -->`);
  return pattern.test(body)
    ? body.replace(pattern, markerComment(marker))
    : `${body}\n\n${markerComment(marker)}`;
}

export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

export function versionLabel(inputs: Inputs, ctx: RunContext): string {
  return inputs.version ?? shortSha(ctx.sha);
}

export function issueTitle(inputs: Inputs, ctx: RunContext): string {
  return `Approve deployment of ${versionLabel(inputs, ctx)} to ${inputs.environment}`.slice(0, 256);
}

/** A commit message's first line, safe in a table cell: no mention pings anyone. */
function commitLine(message: string): string {
  const first = message.split(/\r?\n/, 1)[0] ?? '';
  return escapeMarkdown(first).replace(/@/g, '@\u200b');
}

function who(login: string): string {
  return `[${escapeMarkdown(login)}](https://github.com/${encodeURIComponent(login)})`;
}

export function commitsTable(comparison: GitHubComparison): string {
  const rows = comparison.commits.map((c) => [
    raw(link(shortSha(c.sha), c.html_url)),
    raw(commitLine(c.message)),
    raw(c.authorIsLogin ? who(c.author) : escapeMarkdown(c.author)),
  ]);
  const more = comparison.total_commits - comparison.commits.length;
  return `${table(['Commit', 'Message', 'Author'], rows)}${more > 0 ? `\n…and ${more} more: ${link('see the full comparison', comparison.html_url)}\n` : ''}`;
}

export interface ChangeSet {
  base?: string;
  /** Where the base came from. */
  baseSource?: 'input' | 'last approval';
  baseIssue?: GitHubIssue;
  comparison?: GitHubComparison;
  /** Why the commits could not be listed. */
  problem?: string;
}

export function changesSection(changes: ChangeSet, head: string): string {
  const lines: string[] = [];
  if (!changes.base) {
    lines.push(
      'No earlier approved deployment to this environment was found, so there is nothing to compare with: this looks like the first one.',
    );
  } else if (changes.problem) {
    lines.push(
      `The commits between ${code(shortSha(changes.base))} and ${code(shortSha(head))} could not be listed: ${escapeMarkdown(changes.problem)}`,
    );
  } else if (changes.comparison) {
    const c = changes.comparison;
    const from =
      changes.baseSource === 'last approval' && changes.baseIssue
        ? ` (last approved in ${link(`#${changes.baseIssue.number}`, changes.baseIssue.html_url)})`
        : '';
    if (c.total_commits === 0) {
      lines.push(
        `No new commits since ${code(shortSha(changes.base))}${from} (${escapeMarkdown(c.status)}).`,
      );
    } else {
      lines.push(
        `${c.total_commits} commit${c.total_commits === 1 ? '' : 's'} since ${code(shortSha(changes.base))}${from}: ${link('compare', c.html_url)}`,
        '',
        commitsTable(c),
      );
    }
  }
  return lines.join('\n');
}

function approverMentions(inputs: Inputs): string {
  return [
    ...inputs.approvers.users.map((u) => `@${u}`),
    ...inputs.approvers.teams.map((t) => `@${t.org}/${t.slug}`),
  ].join(', ');
}

function wordList(words: string[]): string {
  return words.map((w) => code(w)).join(', ');
}

export function issueBody(inputs: Inputs, ctx: RunContext, changes: ChangeSet, startedAt: Date): string {
  const version = versionLabel(inputs, ctx);
  const deadline = new Date(startedAt.getTime() + inputs.timeoutMs);
  const facts = table(
    ['Deployment', ''],
    [
      ['Environment', raw(`**${escapeMarkdown(inputs.environment)}**`)],
      ['Version', raw(code(version))],
      ...(inputs.image ? [['Image', raw(code(inputs.image))]] : []),
      ['Commit', raw(link(shortSha(ctx.sha), ctx.commitUrl || undefined))],
      ['Workflow run', raw(link(`${ctx.workflow || 'run'} #${ctx.runId}`, ctx.runUrl || undefined))],
      ['Requested by', raw(ctx.actor ? who(inputs.initiator || ctx.actor) : '—')],
    ],
  );
  const excluded = inputs.excludeInitiator
    ? ` The person who started the run (${escapeMarkdown(inputs.initiator)}) cannot approve it.`
    : '';
  const head = [
    `## Deployment approval: ${escapeMarkdown(inputs.environment)}`,
    '',
    `${escapeMarkdown(ctx.repository)} wants to deploy ${code(version)} to **${escapeMarkdown(inputs.environment)}**.`,
    '',
    facts,
    '### How to decide',
    '',
    `Needs **${inputs.minimumApprovals}** approval${inputs.minimumApprovals === 1 ? '' : 's'} from: ${approverMentions(inputs)}.`,
    '',
    `Comment with a first line of ${wordList(inputs.approveWords)} to approve, or ${wordList(inputs.denyWords)} to stop the deployment. One denial ends the wait.${excluded}`,
    `The request times out at ${deadline.toISOString().replace(/\.\d{3}Z$/, 'Z')} (${formatDuration(inputs.timeoutMs)}).`,
    '',
    '### What changes',
    '',
    changesSection(changes, ctx.sha),
    '',
  ].join('\n');
  const marker = markerComment({ environment: inputs.environment, sha: ctx.sha, version, result: 'pending' });
  if (!inputs.summary) return `${head}\n${marker}\n`;
  const room = BODY_LIMIT - head.length - marker.length - 200;
  const summary =
    inputs.summary.length > room
      ? `${inputs.summary.slice(0, Math.max(room, 0))}\n\n…(cut to fit GitHub's limit on an issue body)`
      : inputs.summary;
  return `${head}\n### Summary\n\n${summary}\n\n${marker}\n`;
}

function when(iso: string): string {
  return iso.replace('T', ' ').replace(/(:\d{2})(\.\d+)?Z$/, '$1 UTC');
}

function names(decisions: Decision[]): string {
  return decisions.map((d) => `@${d.login} (${when(d.at)})`).join(', ');
}

export function resultComment(
  outcome:
    | Outcome
    | { status: 'cancelled'; approvals: Decision[] }
    | { status: 'failed'; reason: string; approvals: Decision[] },
  inputs: Inputs,
  ctx: RunContext,
  waitedMs: number,
): string {
  const version = code(versionLabel(inputs, ctx));
  const env = `**${escapeMarkdown(inputs.environment)}**`;
  const run = ctx.runUrl ? ` ${link('Workflow run', ctx.runUrl)}.` : '';
  switch (outcome.status) {
    case 'approved':
      return `✅ **Approved** by ${names(outcome.approvals)}. The deployment of ${version} to ${env} continues.${run}`;
    case 'denied':
      return `❌ **Denied** by @${outcome.denial.login} (${when(outcome.denial.at)}). The deployment of ${version} to ${env} was stopped.${run}`;
    case 'timed-out':
      return `⌛ **Timed out** after ${formatDuration(waitedMs)} with ${outcome.approvals.length} of ${inputs.minimumApprovals} approvals${outcome.approvals.length ? ` (${names(outcome.approvals)})` : ''}. ${version} was not deployed to ${env}; re-run the job to ask again.${run}`;
    case 'cancelled':
      return `🚫 The workflow run was **cancelled** before a decision. ${version} was not deployed to ${env}.${run}`;
    case 'failed':
      return `⚠️ The approval gate **failed**: ${escapeMarkdown(outcome.reason)}. ${version} was not deployed to ${env}.${run}`;
  }
}

export function jobSummary(input: {
  status: string;
  inputs: Inputs;
  ctx: RunContext;
  issue: GitHubIssue;
  approvals: Decision[];
  denial?: Decision;
  ignored: Ignored[];
  changes: ChangeSet;
  waitedMs: number;
}): string {
  const { inputs, ctx, issue } = input;
  const icon = { approved: '✅', denied: '❌', 'timed-out': '⌛', cancelled: '🚫' }[input.status] ?? '⚠️';
  const verdict =
    {
      approved: 'approved',
      denied: 'denied',
      'timed-out': 'not decided in time',
      cancelled: 'cancelled',
    }[input.status] ?? input.status;
  const decisions = [...input.approvals, ...(input.denial ? [input.denial] : [])].map((d) => [
    raw(who(d.login)),
    d.decision === 'approve' ? '✅ approved' : '❌ denied',
    when(d.at),
    d.via === 'listed' ? 'listed approver' : `team ${d.via}`,
    raw(link('comment', d.url)),
  ]);
  const parts = [
    `### ${icon} Deployment of ${code(versionLabel(inputs, ctx))} to ${escapeMarkdown(inputs.environment)}: ${verdict}\n`,
    `Approval issue: ${link(`#${issue.number}`, issue.html_url)} · waited ${formatDuration(input.waitedMs)} · ${input.approvals.length} of ${inputs.minimumApprovals} approvals\n`,
    decisions.length > 0
      ? table(['Approver', 'Decision', 'When', 'As', 'Comment'], decisions)
      : '_No decision by an approver._\n',
  ];
  if (input.ignored.length > 0) {
    parts.push(
      `Ignored: ${input.ignored.map((i) => `${link(i.login, i.url)} (${escapeMarkdown(i.reason)})`).join(', ')}\n`,
    );
  }
  if (inputs.image) parts.push(`Image: ${code(inputs.image)}\n`);
  const commits = changesSection(input.changes, ctx.sha);
  const count = input.changes.comparison?.total_commits;
  parts.push(details(count === undefined ? 'Changes' : `Commits (${count})`, commits));
  return parts.join('\n');
}
