// GitHub REST through Octokit (@actions/github): the only module that loads it. Actions import this file
// with `await import()` after their inputs are valid, so a bad input fails before Octokit is even loaded.
// Every call goes through `github()`, which turns Octokit's RequestError into an ActionError that says what
// to do: which `permissions:` entry to grant on a 403, that the token is wrong on a 401, and so on.
import { getOctokit } from '@actions/github';
import { serverText, truncate } from './echo.js';
import { ActionError, isNetworkError, messageOf } from './errors.js';
import { safeHost } from './http.js';
import { sleep } from './poll.js';

export type Octokit = ReturnType<typeof getOctokit>;

/** An Octokit for `baseUrl` (GITHUB_API_URL; GitHub Enterprise Server works the same way). */
export function createOctokit(token: string, options: { baseUrl: string; userAgent?: string }): Octokit {
  return getOctokit(token, {
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    userAgent: options.userAgent ?? 'aws-deploy-actions',
    // Octokit's default logger prints request warnings to stderr; keep the step log readable.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
}

export interface GitHubErrorHints {
  /** The `permissions:` entry the call needs, e.g. `issues: write`; named in the error on a 403. */
  permission?: string;
  /** The whole hint for a 403 "not accessible" (replaces the generic one built from `permission`). */
  forbidden?: string;
  /** The hint for a 404. */
  notFound?: string;
  /** Retries after the first attempt for transient failures (5xx, network); only for idempotent calls. */
  retries?: number;
  /** The signal that stops retries (job cancellation). */
  signal?: AbortSignal;
}

interface RequestErrorLike {
  status: number;
  message: string;
  request?: { url?: string };
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

function isRequestError(error: unknown): error is Error & RequestErrorLike {
  return error instanceof Error && typeof (error as { status?: unknown }).status === 'number';
}

function apiMessage(error: RequestErrorLike): string {
  const data = error.response?.data as { message?: unknown; errors?: unknown } | undefined;
  if (data && typeof data.message === 'string') return serverText(data.message);
  return serverText(error.message.split('\n')[0] ?? '');
}

function validationDetails(error: RequestErrorLike): string | undefined {
  const errors = (error.response?.data as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  return errors
    .map((e) => {
      if (typeof e === 'string') return `- ${e}`;
      const item = e as { field?: string; code?: string; message?: string; value?: unknown };
      return `- ${[item.field, item.code, item.message, item.value === undefined ? undefined : JSON.stringify(item.value)].filter(Boolean).join(': ')}`;
    })
    .join('\n');
}

/** Transient: GitHub 5xx, a network error, or an abuse/secondary rate limit. Worth retrying. */
export function isTransientGitHubError(error: unknown): boolean {
  if (isNetworkError(error)) return true;
  if (error instanceof ActionError && error.cause !== undefined) return isTransientGitHubError(error.cause);
  if (!isRequestError(error)) return false;
  return (
    error.status >= 500 ||
    error.status === 429 ||
    (error.status === 0 && /fetch|network/i.test(error.message))
  );
}

/** The HTTP status of a GitHub error (also through an ActionError made by `describeGitHubError`). */
export function statusOf(error: unknown): number | undefined {
  if (isRequestError(error)) return error.status;
  if (error instanceof ActionError && error.cause !== undefined) return statusOf(error.cause);
  return undefined;
}

/**
 * Describes an error from `operation` (e.g. "create the approval issue") as an ActionError that says what
 * went wrong and what to do. Never includes the token; the raw API message goes to `details`.
 */
export function describeGitHubError(
  operation: string,
  error: unknown,
  hints: GitHubErrorHints = {},
): unknown {
  if (error instanceof ActionError) return error;
  if (!isRequestError(error)) {
    if (isNetworkError(error) || (error instanceof Error && /fetch failed/i.test(error.message))) {
      return new ActionError(`Could not ${operation}: GitHub could not be reached (${messageOf(error)})`, {
        hint: 'Check the runner can reach the GitHub API (GITHUB_API_URL, proxy settings) and re-run the job.',
        cause: error,
      });
    }
    return error;
  }
  const status = error.status;
  const message = apiMessage(error);
  const headers = error.response?.headers ?? {};
  const accepted = headers['x-accepted-github-permissions'];
  const details = [
    `- Operation: ${operation}`,
    `- HTTP status: ${status}`,
    message ? `- GitHub said: ${message}` : undefined,
    accepted ? `- Permissions GitHub accepts for this call: ${accepted}` : undefined,
    headers['x-github-request-id'] ? `- Request id: ${headers['x-github-request-id']}` : undefined,
    error.request?.url ? `- Host: ${safeHost(error.request.url)}` : undefined,
    validationDetails(error),
  ]
    .filter(Boolean)
    .join('\n');
  const make = (text: string, hint?: string) => new ActionError(text, { hint, details, cause: error });

  if (status === 401) {
    return make(
      `Could not ${operation}: GitHub rejected the token (401 ${message || 'Bad credentials'})`,
      'The token is missing, expired or revoked: check the `token` input (default `github.token`).',
    );
  }
  const rateLimited =
    status === 429 ||
    (status === 403 && (headers['x-ratelimit-remaining'] === '0' || /rate limit/i.test(message)));
  if (rateLimited) {
    return make(
      `Could not ${operation}: the GitHub API rate limit was exceeded`,
      'Wait for the limit to reset (see x-ratelimit-reset) or use a token with a higher limit (a GitHub App).',
    );
  }
  if (status === 403) {
    const permission = hints.permission ?? accepted?.replace(/=/g, ': ');
    const generic = permission
      ? `Grant it to the job's token in the workflow: \`permissions:\` → \`${permission}\`.`
      : 'Grant the token the permission this call needs.';
    return make(
      `Could not ${operation}: the token is not allowed to (403${permission ? `; it needs ${permission}` : ''})`,
      hints.forbidden ?? generic,
    );
  }
  if (status === 404) {
    return make(
      `Could not ${operation}: not found (404)`,
      hints.notFound ?? 'It does not exist, or the token cannot see it.',
    );
  }
  if (status === 422) {
    return make(
      `Could not ${operation}: GitHub rejected the request (422 ${message || 'Validation Failed'})`,
    );
  }
  if (status >= 500) {
    return make(
      `Could not ${operation}: GitHub returned ${status}`,
      'GitHub had a problem: re-run the job; if it persists see https://www.githubstatus.com.',
    );
  }
  return make(`Could not ${operation}: GitHub returned ${status}${message ? ` (${message})` : ''}`);
}

/** Runs an Octokit call, retrying transient failures when `hints.retries` is set, and describes any error. */
export async function github<T>(
  operation: string,
  fn: () => Promise<T>,
  hints: GitHubErrorHints = {},
): Promise<T> {
  const retries = hints.retries ?? 0;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt < retries && isTransientGitHubError(error) && !hints.signal?.aborted) {
        await sleep(Math.min(1000 * 2 ** attempt, 8000), hints.signal);
        continue;
      }
      throw describeGitHubError(operation, error, hints);
    }
  }
}

// ---- A small, typed view of the repository calls the actions make ---------------------------------------

export interface GitHubAccount {
  login: string;
  type: string;
}

export interface GitHubIssue {
  number: number;
  html_url: string;
  title: string;
  body: string;
  state: string;
  state_reason: string | null;
  created_at: string;
  closed_at: string | null;
  assignees: string[];
  labels: string[];
}

export interface GitHubComment {
  id: number;
  body: string;
  user: GitHubAccount | null;
  html_url: string;
  created_at: string;
  updated_at: string;
}

export interface GitHubCommit {
  sha: string;
  message: string;
  /** The GitHub login, or the git author name when the e-mail is not linked to an account. */
  author: string;
  authorIsLogin: boolean;
  html_url: string;
  date?: string;
}

export interface GitHubComparison {
  status: string;
  total_commits: number;
  html_url: string;
  commits: GitHubCommit[];
}

type RawIssue = {
  number: number;
  html_url: string;
  title: string;
  body?: string | null;
  state: string;
  state_reason?: string | null;
  created_at: string;
  closed_at: string | null;
  assignees?: Array<{ login: string }> | null;
  labels: Array<string | { name?: string }>;
  pull_request?: unknown;
};

function toIssue(raw: RawIssue): GitHubIssue {
  return {
    number: raw.number,
    html_url: raw.html_url,
    title: raw.title,
    body: raw.body ?? '',
    state: raw.state,
    state_reason: raw.state_reason ?? null,
    created_at: raw.created_at,
    closed_at: raw.closed_at,
    assignees: (raw.assignees ?? []).map((a) => a.login),
    labels: raw.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))),
  };
}

/** An environment's built-in protection, as `GET /repos/{owner}/{repo}/environments/{name}` reports it. */
export interface GitHubEnvironment {
  name: string;
  html_url: string;
  /** Logins and `org/slug` teams of the required_reviewers rule (empty: no such rule). */
  reviewers: string[];
  preventSelfReview: boolean;
  /** Minutes of the wait_timer rule, if any. */
  waitTimer?: number;
  /** Every rule type present, e.g. `required_reviewers`, `wait_timer`, `branch_policy`. */
  ruleTypes: string[];
}

interface RawProtectionRule {
  type?: string;
  wait_timer?: number;
  prevent_self_review?: boolean;
  reviewers?: Array<{
    type?: string;
    reviewer?: {
      login?: string;
      slug?: string;
      html_url?: string;
      organization?: { login?: string } | null;
    } | null;
  }>;
}

export function toEnvironment(raw: {
  name: string;
  html_url?: string;
  protection_rules?: RawProtectionRule[];
}): GitHubEnvironment {
  const rules = raw.protection_rules ?? [];
  const reviewersRule = rules.find((r) => r.type === 'required_reviewers');
  const reviewers = (reviewersRule?.reviewers ?? []).flatMap((r) => {
    const who = r.reviewer;
    if (!who) return [];
    if (r.type === 'Team') {
      // A team reviewer is GitHub's simple team shape: the org shows only in html_url (…/orgs/<org>/teams/<slug>).
      const org = who.organization?.login ?? /\/orgs\/([^/]+)\/teams\//.exec(who.html_url ?? '')?.[1];
      return who.slug ? [org ? `${org}/${who.slug}` : who.slug] : [];
    }
    return who.login ? [who.login] : [];
  });
  return {
    name: raw.name,
    html_url: raw.html_url ?? '',
    reviewers,
    preventSelfReview: reviewersRule?.prevent_self_review === true,
    waitTimer: rules.find((r) => r.type === 'wait_timer')?.wait_timer,
    ruleTypes: rules.map((r) => r.type ?? 'unknown'),
  };
}

/** The permission reading an environment needs ("Get an environment": Actions repository permission, read). */
export const ENVIRONMENT_PERMISSION = 'actions: read';

export type EnvironmentGate =
  | { status: 'protected'; environment: GitHubEnvironment }
  | { status: 'unprotected'; environment: GitHubEnvironment; problem: string }
  | { status: 'missing'; problem: string };

/** What to configure so that `name` has required reviewers, for a refusal or a warning. */
export function protectHint(
  owner: string,
  repo: string,
  name: string,
  serverUrl = 'https://github.com',
): string {
  return (
    `In ${serverUrl}/${owner}/${repo}/settings/environments open (or create) the environment "${name}", tick ` +
    `"Required reviewers", add at least one person or team who must approve, and save the protection rules. ` +
    'Required reviewers need a public repository, or GitHub Enterprise for a private one; without them use ' +
    'the issue gate (approval: issue).'
  );
}

/**
 * Whether environment `name` makes a job that names it wait for a person: it must exist and carry a
 * required_reviewers rule with at least one reviewer. GitHub creates an environment unprotected the first
 * time a job names it, so "it exists" proves nothing. Never assumes: a token that cannot read the
 * environment fails (403, naming the permission) rather than counting as protected.
 */
export async function environmentGate(gh: RepoClient, name: string): Promise<EnvironmentGate> {
  const environment = await gh.getEnvironment(name);
  const where = `${gh.owner}/${gh.repo}`;
  if (!environment) {
    return {
      status: 'missing',
      problem: `the ${name} environment does not exist in ${where}, so nothing would stop a deployment to it: GitHub creates it without protection rules the first time a job names it`,
    };
  }
  if (environment.reviewers.length === 0) {
    const rules = environment.ruleTypes.length ? ` (its rules: ${environment.ruleTypes.join(', ')})` : '';
    return {
      status: 'unprotected',
      environment,
      problem: `the ${environment.name} environment of ${where} has no required reviewers${rules}, so a deployment to it would start without anyone approving it`,
    };
  }
  return { status: 'protected', environment };
}

export interface GitHubDeployment {
  id: number;
  sha: string;
  environment: string;
  payload: Record<string, unknown>;
  created_at: string;
}

function toDeployment(raw: {
  id: number | bigint;
  sha: string;
  environment: string;
  payload: unknown;
  created_at: string;
}): GitHubDeployment {
  let payload: unknown = raw.payload;
  if (typeof payload === 'string') {
    try {
      payload = JSON.parse(payload);
    } catch {
      payload = {};
    }
  }
  return {
    id: Number(raw.id),
    sha: raw.sha,
    environment: raw.environment,
    payload: payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : {},
    created_at: raw.created_at,
  };
}

export interface RepoClientOptions {
  token: string;
  /** GITHUB_API_URL. */
  baseUrl: string;
  owner: string;
  repo: string;
  signal?: AbortSignal;
}

/** Issues, comments, compare, team membership and deployments for one repository, every call error-described. */
export class RepoClient {
  readonly octokit: Octokit;
  readonly owner: string;
  readonly repo: string;
  private readonly signal?: AbortSignal;

  constructor(options: RepoClientOptions) {
    this.octokit = createOctokit(options.token, { baseUrl: options.baseUrl });
    this.owner = options.owner;
    this.repo = options.repo;
    this.signal = options.signal;
  }

  private get where() {
    return { owner: this.owner, repo: this.repo };
  }

  async createIssue(input: {
    title: string;
    body: string;
    labels?: string[];
    assignees?: string[];
  }): Promise<GitHubIssue> {
    const { data } = await github(
      `open an issue in ${this.owner}/${this.repo}`,
      () => this.octokit.rest.issues.create({ ...this.where, ...input }),
      { permission: 'issues: write' },
    );
    return toIssue(data as RawIssue);
  }

  async updateIssue(
    number: number,
    input: {
      state?: 'open' | 'closed';
      state_reason?: 'completed' | 'not_planned';
      body?: string;
      title?: string;
    },
  ): Promise<GitHubIssue> {
    const { data } = await github(
      `update issue #${number}`,
      () => this.octokit.rest.issues.update({ ...this.where, issue_number: number, ...input }),
      { permission: 'issues: write', retries: 2 },
    );
    return toIssue(data as RawIssue);
  }

  async createComment(number: number, body: string): Promise<GitHubComment> {
    const { data } = await github(
      `comment on issue #${number}`,
      () => this.octokit.rest.issues.createComment({ ...this.where, issue_number: number, body }),
      { permission: 'issues: write' },
    );
    return toComment(data);
  }

  /** Every comment on issue `number` updated at or after `since` (all pages), oldest first. */
  async listComments(number: number, since?: string): Promise<GitHubComment[]> {
    const data = await github(
      `read the comments of issue #${number}`,
      () =>
        this.octokit.paginate(this.octokit.rest.issues.listComments, {
          ...this.where,
          issue_number: number,
          per_page: 100,
          ...(since ? { since } : {}),
        }),
      { permission: 'issues: read', retries: 2, signal: this.signal },
    );
    return data.map(toComment).sort((a, b) => a.id - b.id);
  }

  /** Issues (not pull requests) in `state` carrying every label in `labels`, newest first, up to `max`. */
  async listIssues(input: {
    state: 'open' | 'closed' | 'all';
    labels?: string[];
    max?: number;
  }): Promise<GitHubIssue[]> {
    const max = input.max ?? 100;
    const found: GitHubIssue[] = [];
    await github(
      `list the issues of ${this.owner}/${this.repo}`,
      async () => {
        for await (const page of this.octokit.paginate.iterator(this.octokit.rest.issues.listForRepo, {
          ...this.where,
          state: input.state,
          ...(input.labels?.length ? { labels: input.labels.join(',') } : {}),
          sort: 'created',
          direction: 'desc',
          per_page: Math.min(max, 100),
        })) {
          for (const raw of page.data as RawIssue[]) if (!raw.pull_request) found.push(toIssue(raw));
          if (found.length >= max) break;
        }
      },
      { permission: 'issues: read', retries: 2, signal: this.signal },
    );
    return found.slice(0, max);
  }

  /** The commits in `head` since `base` (up to `max`; `total_commits` counts them all). */
  async compare(base: string, head: string, max = 100): Promise<GitHubComparison> {
    const { data } = await github(
      `compare ${base}...${head}`,
      () =>
        this.octokit.rest.repos.compareCommitsWithBasehead({
          ...this.where,
          basehead: `${base}...${head}`,
          per_page: Math.min(max, 100),
          page: 1,
        }),
      {
        permission: 'contents: read',
        retries: 2,
        signal: this.signal,
        notFound: `${base} or ${head} is not in ${this.owner}/${this.repo} (a force-push, or a ref that was never pushed).`,
      },
    );
    return {
      status: data.status,
      total_commits: data.total_commits,
      html_url: data.html_url,
      commits: data.commits.slice(0, max).map((c) => ({
        sha: c.sha,
        message: c.commit.message,
        author: c.author?.login ?? c.commit.author?.name ?? 'unknown',
        authorIsLogin: Boolean(c.author?.login),
        html_url: c.html_url,
        date: c.commit.author?.date,
      })),
    };
  }

  /** Environment `name` with its protection rules, or undefined when the repository has no such environment. */
  async getEnvironment(name: string): Promise<GitHubEnvironment | undefined> {
    try {
      const { data } = await github(
        `read the ${name} environment of ${this.owner}/${this.repo}`,
        () =>
          this.octokit.rest.repos.getEnvironment({
            ...this.where,
            environment_name: name,
          }),
        {
          permission: ENVIRONMENT_PERMISSION,
          forbidden:
            `Reading an environment's protection rules needs \`${ENVIRONMENT_PERMISSION}\` for the token: add it to ` +
            "the job's `permissions:` (in a reusable workflow the caller must grant it too), or pass a token that can read the repository's environments.",
          retries: 2,
          signal: this.signal,
        },
      );
      return toEnvironment(data as Parameters<typeof toEnvironment>[0]);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Creates a deployment of `ref` (201), or says why GitHub would not (202 merge, 409 checks, 422 ref). */
  async createDeployment(
    input: {
      ref: string;
      environment: string;
      payload: Record<string, unknown>;
      description?: string;
      task?: string;
      autoMerge?: boolean;
      requiredContexts?: string[];
      transientEnvironment?: boolean;
      productionEnvironment?: boolean;
    },
    hints: GitHubErrorHints = {},
  ): Promise<GitHubDeployment> {
    const response = await github(
      `create a deployment of ${input.ref.slice(0, 12)} to ${input.environment}`,
      () =>
        this.octokit.rest.repos.createDeployment({
          ...this.where,
          ref: input.ref,
          environment: input.environment,
          payload: input.payload,
          description: input.description,
          task: input.task,
          auto_merge: input.autoMerge,
          required_contexts: input.requiredContexts,
          transient_environment: input.transientEnvironment,
          production_environment: input.productionEnvironment,
        }),
      { permission: 'deployments: write', ...hints },
    );
    if (response.status !== 201 || !('id' in response.data)) {
      // 202: GitHub merged the default branch into the ref instead of creating the deployment.
      const message = (response.data as { message?: string }).message ?? `HTTP ${response.status}`;
      throw new ActionError(`Could not create a deployment of ${input.ref}: GitHub answered "${message}"`, {
        hint: 'Deploy a commit SHA, or pass autoMerge: false.',
      });
    }
    return toDeployment(response.data);
  }

  /** The deployments to `environment`, newest first (one page of up to `max`). */
  async listDeployments(environment: string, max = 30): Promise<GitHubDeployment[]> {
    const { data } = await github(
      `list the deployments to ${environment}`,
      () =>
        this.octokit.rest.repos.listDeployments({
          ...this.where,
          environment,
          per_page: Math.min(max, 100),
        }),
      { permission: 'deployments: read', retries: 2, signal: this.signal },
    );
    return data.map(toDeployment);
  }

  /** The state of deployment `id`'s latest status (GitHub lists newest first), undefined without one. */
  async latestDeploymentState(id: number): Promise<string | undefined> {
    const { data } = await github(
      `read the statuses of deployment ${id}`,
      () => this.octokit.rest.repos.listDeploymentStatuses({ ...this.where, deployment_id: id, per_page: 1 }),
      { permission: 'deployments: read', retries: 2, signal: this.signal },
    );
    return data[0]?.state;
  }

  async createDeploymentStatus(
    id: number,
    input: {
      state: 'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success';
      description?: string;
      environmentUrl?: string;
      logUrl?: string;
    },
    hints: GitHubErrorHints = {},
  ): Promise<void> {
    await github(
      `set deployment ${id} to ${input.state}`,
      () =>
        this.octokit.rest.repos.createDeploymentStatus({
          ...this.where,
          deployment_id: id,
          state: input.state,
          // GitHub refuses descriptions over 140 characters.
          description: input.description === undefined ? undefined : truncate(input.description, 140),
          environment_url: input.environmentUrl,
          log_url: input.logUrl,
        }),
      { permission: 'deployments: write', retries: 2, signal: this.signal, ...hints },
    );
  }

  /** Checks a team exists and the token can see it (what reading its membership needs). */
  async getTeam(
    org: string,
    slug: string,
    hints: GitHubErrorHints = {},
  ): Promise<{ slug: string; html_url: string }> {
    const { data } = await github(
      `read team ${org}/${slug}`,
      () => this.octokit.rest.teams.getByName({ org, team_slug: slug }),
      { permission: 'members: read', retries: 2, signal: this.signal, ...hints },
    );
    return { slug: data.slug, html_url: data.html_url };
  }

  /** Whether `login` is an active member of team `org/slug` (a pending invitation is not membership). */
  async isTeamMember(
    org: string,
    slug: string,
    login: string,
    hints: GitHubErrorHints = {},
  ): Promise<boolean> {
    try {
      const { data } = await github(
        `check whether ${login} is a member of ${org}/${slug}`,
        () => this.octokit.rest.teams.getMembershipForUserInOrg({ org, team_slug: slug, username: login }),
        { permission: 'members: read', retries: 2, signal: this.signal, ...hints },
      );
      return data.state === 'active';
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }
}

function toComment(raw: {
  id: number;
  body?: string;
  user: { login: string; type?: string } | null;
  html_url: string;
  created_at: string;
  updated_at: string;
}): GitHubComment {
  return {
    id: raw.id,
    body: raw.body ?? '',
    user: raw.user ? { login: raw.user.login, type: raw.user.type ?? 'User' } : null,
    html_url: raw.html_url,
    created_at: raw.created_at,
    updated_at: raw.updated_at,
  };
}
