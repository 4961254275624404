// The wait itself: read new comments on the approval issue, count approvals by listed approvers (each once),
// stop at the first denial by an approver, at enough approvals, or at the timeout.
import { log } from '../../lib/core.js';
import { TimeoutError } from '../../lib/errors.js';
import type { GitHubComment } from '../../lib/github.js';
import { formatDuration } from '../../lib/inputs.js';
import { onChange, poll } from '../../lib/poll.js';
import { type Approvers, normalizeWord } from './inputs.js';

export interface Decision {
  login: string;
  decision: 'approve' | 'deny';
  /** The comment's time (GitHub's created_at). */
  at: string;
  url: string;
  /** How they qualify: `listed` or the team, e.g. `acme/deployers`. */
  via: string;
}

export interface Ignored {
  login: string;
  reason: string;
  url: string;
}

export type Outcome =
  | { status: 'approved'; approvals: Decision[]; ignored: Ignored[] }
  | { status: 'denied'; denial: Decision; approvals: Decision[]; ignored: Ignored[] }
  | { status: 'timed-out'; approvals: Decision[]; ignored: Ignored[] };

export interface GateApi {
  listComments(issue: number, since?: string): Promise<GitHubComment[]>;
  isTeamMember(org: string, slug: string, login: string): Promise<boolean>;
}

export interface GateOptions {
  issue: number;
  /** Comments updated before this are not read (the issue's creation time). */
  since: string;
  approvers: Approvers;
  minimumApprovals: number;
  excludeInitiator: boolean;
  initiator: string;
  approveWords: string[];
  denyWords: string[];
  timeoutMs: number;
  pollMs: number;
  signal?: AbortSignal;
  /** Called when a read of the comments failed but the wait goes on (a transient error). */
  isTransient?: (error: unknown) => boolean;
}

/** `approve` / `deny` when the comment's first line is one of the words, else undefined. */
export function decisionOf(
  body: string,
  approveWords: string[],
  denyWords: string[],
): 'approve' | 'deny' | undefined {
  const firstLine = body.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const word = normalizeWord(firstLine);
  if (!word) return undefined;
  if (denyWords.includes(word)) return 'deny';
  if (approveWords.includes(word)) return 'approve';
  return undefined;
}

export async function waitForDecision(api: GateApi, options: GateOptions): Promise<Outcome> {
  const seen = new Set<number>();
  const approvals = new Map<string, Decision>();
  const ignored: Ignored[] = [];
  const membership = new Map<string, string | false>();
  let since = options.since;
  const progress = onChange((line) => log.info(line));
  const users = new Map(options.approvers.users.map((u) => [u.toLowerCase(), u]));
  const deadline = Date.now() + options.timeoutMs;

  /** How `login` may approve (`listed` or a team), or false. */
  async function qualifies(login: string): Promise<string | false> {
    const key = login.toLowerCase();
    if (users.has(key)) return 'listed';
    const known = membership.get(key);
    if (known !== undefined) return known;
    let result: string | false = false;
    for (const team of options.approvers.teams) {
      if (await api.isTeamMember(team.org, team.slug, login)) {
        result = `${team.org}/${team.slug}`;
        break;
      }
    }
    membership.set(key, result);
    return result;
  }

  const check = async () => {
    let comments: GitHubComment[];
    try {
      comments = await api.listComments(options.issue, since);
    } catch (error) {
      if (options.isTransient?.(error)) {
        log.warning(
          `Reading the comments failed (${(error as Error).message}); trying again at the next poll.`,
        );
        return { done: false as const };
      }
      throw error;
    }
    for (const comment of comments) {
      if (seen.has(comment.id)) continue;
      seen.add(comment.id);
      if (comment.updated_at > since) since = comment.updated_at;
      const decision = decisionOf(comment.body, options.approveWords, options.denyWords);
      const login = comment.user?.login;
      if (!decision || !login) continue;
      if (comment.user?.type === 'Bot') {
        ignored.push({ login, reason: 'a bot', url: comment.html_url });
        log.info(`Ignored "${decision}" from ${login}: bots cannot decide.`);
        continue;
      }
      if (options.excludeInitiator && login.toLowerCase() === options.initiator.toLowerCase()) {
        ignored.push({ login, reason: 'started this run (exclude-initiator)', url: comment.html_url });
        log.info(`Ignored "${decision}" from @${login}: the initiator of the run cannot approve it.`);
        continue;
      }
      const via = await qualifies(login);
      if (!via) {
        ignored.push({ login, reason: 'not an approver', url: comment.html_url });
        log.info(`Ignored "${decision}" from @${login}: not one of the approvers.`);
        continue;
      }
      const entry: Decision = { login, decision, at: comment.created_at, url: comment.html_url, via };
      if (decision === 'deny') {
        log.info(`Denied by @${login}.`);
        return {
          done: true as const,
          value: { status: 'denied' as const, denial: entry, approvals: [...approvals.values()], ignored },
        };
      }
      if (approvals.has(login.toLowerCase())) {
        log.info(`@${login} already approved; counted once.`);
        continue;
      }
      approvals.set(login.toLowerCase(), entry);
      log.info(
        `Approved by @${login}${via === 'listed' ? '' : ` (team ${via})`}: ${approvals.size} of ${options.minimumApprovals}.`,
      );
      if (approvals.size >= options.minimumApprovals) {
        return {
          done: true as const,
          value: { status: 'approved' as const, approvals: [...approvals.values()], ignored },
        };
      }
    }
    const left = Math.max(deadline - Date.now(), 0);
    progress(
      `Waiting for ${options.minimumApprovals - approvals.size} more approval(s) (${approvals.size} of ${options.minimumApprovals}); times out in ${formatDuration(Math.ceil(left / 60_000) * 60_000)}.`,
    );
    return { done: false as const };
  };

  try {
    return await poll<Outcome>({
      what: `approval of issue #${options.issue}`,
      timeoutMs: options.timeoutMs,
      check,
      signal: options.signal,
      initialIntervalMs: options.pollMs,
      maxIntervalMs: options.pollMs,
      factor: 1,
    });
  } catch (error) {
    if (error instanceof TimeoutError)
      return { status: 'timed-out', approvals: [...approvals.values()], ignored };
    throw error;
  }
}
