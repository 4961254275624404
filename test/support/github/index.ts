// A local GitHub REST endpoint for action tests: it speaks the shapes of the real API for what the actions
// use (issues, issue comments, compare, org teams, workflow runs, environments and their protection rules,
// deployments and their statuses — see deployments.ts), checks tokens and their permissions the way GitHub
// checks a GITHUB_TOKEN (401 without or with an unknown token, 403 "Resource not accessible by integration"
// with X-Accepted-GitHub-Permissions when a permission is missing, 404 for what the token cannot see),
// paginates with `per_page`/`page` and a `Link` header, and records every request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Deployment, type DeploymentStatus, DeploymentStore } from './deployments.js';
import { HttpError, nodeId, timestamp } from './http.js';

export type Level = 'none' | 'read' | 'write';
export type Permission = 'issues' | 'members' | 'contents' | 'actions' | 'deployments' | 'metadata';
export type Permissions = Partial<Record<Permission, Level>>;

export interface TokenSpec {
  permissions: Permissions;
  /** The account the token acts as; default `github-actions[bot]`. */
  login?: string;
}

export interface GitHubUser {
  login: string;
  id: number;
  node_id: string;
  type: 'User' | 'Bot';
  site_admin: boolean;
  html_url: string;
  url: string;
  avatar_url: string;
}

export interface Label {
  id: number;
  node_id: string;
  name: string;
  color: string;
  default: boolean;
  description: string | null;
  url: string;
}

export interface Issue {
  id: number;
  node_id: string;
  number: number;
  url: string;
  repository_url: string;
  comments_url: string;
  html_url: string;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  state_reason: 'completed' | 'not_planned' | 'reopened' | null;
  user: GitHubUser;
  labels: Label[];
  assignee: GitHubUser | null;
  assignees: GitHubUser[];
  milestone: null;
  locked: boolean;
  comments: number;
  author_association: string;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  closed_by: GitHubUser | null;
}

export interface IssueComment {
  id: number;
  node_id: string;
  url: string;
  html_url: string;
  issue_url: string;
  body: string;
  user: GitHubUser;
  author_association: string;
  created_at: string;
  updated_at: string;
  /** Not part of GitHub's shape: the issue the comment belongs to (for tests). */
  issue_number: number;
}

export interface CommitSpec {
  sha: string;
  message: string;
  /** The GitHub login of the author; `null` author object when absent (an unlinked e-mail). */
  author?: string;
  name?: string;
  date?: string;
}

export interface TeamMember {
  login: string;
  role?: 'member' | 'maintainer';
  state?: 'active' | 'pending';
}

export interface RecordedRequest {
  method: string;
  /** The path without the query string, e.g. `/repos/acme/notes/issues/1/comments`. */
  path: string;
  query: Record<string, string>;
  body: unknown;
  /** The token the request carried, if any. */
  token?: string;
  status: number;
}

export interface WorkflowRunSpec {
  id: number | string;
  run_started_at: string;
  status?: string;
  conclusion?: string | null;
  name?: string;
}

/** An environment's protection, as configured under Settings → Environments. */
export interface EnvironmentSpec {
  /** Required reviewers: logins, or `org/slug` teams (GitHub allows up to six). None: no such rule. */
  reviewers?: string[];
  /** "Prevent self-review": the person who started the run cannot approve it. */
  preventSelfReview?: boolean;
  /** Wait timer in minutes (0–43,200). */
  waitTimerMinutes?: number;
}

export interface EnvironmentRecord extends Required<EnvironmentSpec> {
  id: number;
  name: string;
  created_at: string;
  updated_at: string;
}

export interface DeploymentReview {
  environment: string;
  reviewer: string;
  state: 'approved' | 'rejected';
  comment: string;
}

export interface LocalGitHubOptions {
  /** The one repository that exists; default `acme/notes`. */
  repository?: string;
  /** Used for `html_url`s; default `https://github.com`. */
  serverUrl?: string;
  tokens?: Record<string, Permissions | TokenSpec>;
}

export interface LocalGitHub {
  /** Base URL of the REST API (what GITHUB_API_URL holds), e.g. `http://127.0.0.1:41234`. */
  url: string;
  repository: string;
  issues: Issue[];
  comments: IssueComment[];
  requests: RecordedRequest[];
  /** Every deployment, oldest first. */
  deployments: Deployment[];
  /** The statuses of deployment `id`, newest first (as GitHub lists them). */
  deploymentStatuses(id: number): DeploymentStatus[];
  /** A commit status on `sha` (what create-a-deployment checks unless `required_contexts` is `[]`). */
  setCommitStatus(sha: string, context: string, state: 'error' | 'failure' | 'pending' | 'success'): void;
  addToken(token: string, spec: Permissions | TokenSpec): void;
  /** A comment by `user` (a person, unless `type: 'Bot'`), as if posted on github.com. */
  addComment(input: { issue: number; user: string; body: string; type?: 'User' | 'Bot' }): IssueComment;
  /** An issue that already exists (e.g. an earlier, closed approval). */
  seedIssue(input: {
    title: string;
    body?: string;
    labels?: string[];
    state?: 'open' | 'closed';
    state_reason?: Issue['state_reason'];
    user?: string;
  }): Issue;
  /** Team `org/slug` and its members; `visible: false` makes it a team no token can see (404). */
  setTeam(
    org: string,
    slug: string,
    members: Array<string | TeamMember>,
    options?: { visible?: boolean },
  ): void;
  /** The repository's linear history, oldest first; `main` points at the last commit. */
  setCommits(commits: CommitSpec[]): void;
  setRef(name: string, sha: string): void;
  /** The users that can be assigned; when never called, anyone can be. */
  setAssignable(logins: string[]): void;
  setRun(run: WorkflowRunSpec): void;
  /** Creates or replaces environment `name` with these protection rules (Settings → Environments). */
  setEnvironment(name: string, spec?: EnvironmentSpec): EnvironmentRecord;
  /** Environment `name` (case-insensitive, as on GitHub), if it exists. */
  environment(name: string): EnvironmentRecord | undefined;
  /**
   * What GitHub does when a job names an environment: it is created, with no protection rules, the first
   * time a job references it ("Using environments for deployment": "If the environment does not exist,
   * GitHub will create it" without protection). Returns the environment the job is gated by.
   */
  useEnvironment(name: string): EnvironmentRecord;
  /**
   * A required reviewer approves or rejects a job waiting on environment `environment`, with GitHub's rules
   * ("Reviewing deployments"): only a listed reviewer (or a member of a listed team) may review, and with
   * prevent_self_review not the person who started the run (`initiator`). Throws when GitHub would refuse.
   */
  reviewDeployment(input: {
    environment: string;
    reviewer: string;
    state: 'approved' | 'rejected';
    initiator?: string;
    comment?: string;
  }): DeploymentReview;
  /** The deployment reviews given so far, oldest first. */
  reviews: DeploymentReview[];
  /** Calls `handler` right after an issue is opened through the API (e.g. to post an approval). */
  onIssueOpened(handler: (issue: Issue) => void | Promise<void>): void;
  /** The next `times` requests (whose path matches `path`, if given) fail with `status`. */
  outage(options: { times: number; status?: 500 | 502 | 503; path?: RegExp }): void;
  /** Comments on issue `number`, oldest first. */
  commentsOn(number: number): IssueComment[];
  issue(number: number): Issue | undefined;
  stop(): Promise<void>;
}

const DOCS = 'https://docs.github.com/rest';

interface Team {
  id: number;
  org: string;
  slug: string;
  name: string;
  visible: boolean;
  members: Map<string, Required<TeamMember>>;
}

export async function startLocalGitHub(options: LocalGitHubOptions = {}): Promise<LocalGitHub> {
  const repository = options.repository ?? 'acme/notes';
  const serverUrl = (options.serverUrl ?? 'https://github.com').replace(/\/+$/, '');
  const tokens = new Map<string, TokenSpec>();
  const users = new Map<string, GitHubUser>();
  const labels = new Map<string, Label>();
  const teams = new Map<string, Team>();
  const runs = new Map<string, WorkflowRunSpec>();
  const environments = new Map<string, EnvironmentRecord>();
  const reviews: DeploymentReview[] = [];
  const refs = new Map<string, string>();
  const issueHandlers: Array<(issue: Issue) => void | Promise<void>> = [];
  const outages: Array<{ times: number; status: number; path?: RegExp }> = [];
  let history: CommitSpec[] = [];
  let assignable: Set<string> | undefined;
  let nextId = 1000;
  let nextNumber = 1;
  let url = '';

  const deployments = new DeploymentStore({
    apiUrl: () => url,
    repository,
    defaultBranch: 'main',
    nextId: () => nextId++,
    resolve(ref) {
      const name = ref.replace(/^refs\/heads\//, '');
      const branchSha = refs.get(name);
      const index = resolveRef(branchSha ?? ref);
      const commit = history[index];
      if (!commit) return undefined;
      const main = resolveRef(refs.get('main') ?? '');
      return {
        sha: commit.sha,
        branch: branchSha ? name : undefined,
        behindDefault: branchSha !== undefined && name !== 'main' && index < main,
      };
    },
    paginate: (query, items) => paginate(query, items),
  });

  const state = {
    issues: [] as Issue[],
    comments: [] as IssueComment[],
    requests: [] as RecordedRequest[],
  };

  function user(login: string, type?: 'User' | 'Bot'): GitHubUser {
    const key = login.toLowerCase();
    let found = users.get(key);
    if (!found) {
      const id = nextId++;
      found = {
        login,
        id,
        node_id: nodeId('User', id),
        type: type ?? (login.endsWith('[bot]') ? 'Bot' : 'User'),
        site_admin: false,
        html_url: `${serverUrl}/${login.replace(/\[bot\]$/, '')}`,
        url: `${url}/users/${encodeURIComponent(login)}`,
        avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
      };
      users.set(key, found);
    }
    return found;
  }

  function label(name: string): Label {
    let found = labels.get(name.toLowerCase());
    if (!found) {
      const id = nextId++;
      found = {
        id,
        node_id: nodeId('Label', id),
        name,
        color: 'ededed',
        default: false,
        description: null,
        url: `${url}/repos/${repository}/labels/${encodeURIComponent(name)}`,
      };
      labels.set(name.toLowerCase(), found);
    }
    return found;
  }

  function addToken(token: string, spec: Permissions | TokenSpec): void {
    tokens.set(token, 'permissions' in spec ? (spec as TokenSpec) : { permissions: spec as Permissions });
  }
  for (const [token, spec] of Object.entries(options.tokens ?? {})) addToken(token, spec);

  function makeIssue(input: {
    title: string;
    body?: string | null;
    labels?: string[];
    assignees?: string[];
    state?: 'open' | 'closed';
    state_reason?: Issue['state_reason'];
    user: GitHubUser;
  }): Issue {
    const number = nextNumber++;
    const id = nextId++;
    const now = timestamp();
    const assignees = (input.assignees ?? []).map((l) => user(l));
    const closed = input.state === 'closed';
    const issue: Issue = {
      id,
      node_id: nodeId('Issue', id),
      number,
      url: `${url}/repos/${repository}/issues/${number}`,
      repository_url: `${url}/repos/${repository}`,
      comments_url: `${url}/repos/${repository}/issues/${number}/comments`,
      html_url: `${serverUrl}/${repository}/issues/${number}`,
      title: input.title,
      body: input.body ?? null,
      state: closed ? 'closed' : 'open',
      state_reason: closed ? (input.state_reason ?? 'completed') : null,
      user: input.user,
      labels: (input.labels ?? []).map(label),
      assignee: assignees[0] ?? null,
      assignees,
      milestone: null,
      locked: false,
      comments: 0,
      author_association: input.user.type === 'Bot' ? 'NONE' : 'MEMBER',
      created_at: now,
      updated_at: now,
      closed_at: closed ? now : null,
      closed_by: closed ? input.user : null,
    };
    state.issues.push(issue);
    return issue;
  }

  function addComment(input: { issue: number; user: string; body: string; type?: 'User' | 'Bot' }) {
    const issue = state.issues.find((i) => i.number === input.issue);
    if (!issue) throw new Error(`local GitHub: there is no issue #${input.issue}`);
    return createComment(issue, user(input.user, input.type), input.body);
  }

  function createComment(issue: Issue, author: GitHubUser, body: string): IssueComment {
    const id = nextId++;
    const now = timestamp();
    const comment: IssueComment = {
      id,
      node_id: nodeId('IssueComment', id),
      url: `${url}/repos/${repository}/issues/comments/${id}`,
      html_url: `${issue.html_url}#issuecomment-${id}`,
      issue_url: issue.url,
      body,
      user: author,
      author_association: author.type === 'Bot' ? 'NONE' : 'MEMBER',
      created_at: now,
      updated_at: now,
      issue_number: issue.number,
    };
    state.comments.push(comment);
    issue.comments++;
    issue.updated_at = now;
    return comment;
  }

  function resolveRef(ref: string): number {
    const byName = refs.get(ref);
    const sha = byName ?? ref;
    if (sha.length < 4) return -1;
    return history.findIndex((c) => c.sha === sha || (sha.length >= 7 && c.sha.startsWith(sha)));
  }

  function commitShape(spec: CommitSpec, index: number) {
    const author = spec.author ? user(spec.author) : null;
    const date = spec.date ?? timestamp(new Date(Date.UTC(2024, 0, 1) + index * 3600_000));
    const person = {
      name: spec.name ?? spec.author ?? 'Someone',
      email: `${spec.author ?? 'someone'}@example.com`,
      date,
    };
    return {
      sha: spec.sha,
      node_id: nodeId('Commit', index),
      url: `${url}/repos/${repository}/commits/${spec.sha}`,
      html_url: `${serverUrl}/${repository}/commit/${spec.sha}`,
      comments_url: `${url}/repos/${repository}/commits/${spec.sha}/comments`,
      commit: {
        url: `${url}/repos/${repository}/git/commits/${spec.sha}`,
        author: person,
        committer: person,
        message: spec.message,
        tree: { sha: '0'.repeat(40), url: `${url}/repos/${repository}/git/trees/${'0'.repeat(40)}` },
        comment_count: 0,
        verification: { verified: false, reason: 'unsigned', signature: null, payload: null },
      },
      author,
      committer: author,
      parents: index > 0 ? [{ sha: history[index - 1]?.sha, url: '', html_url: '' }] : [],
    };
  }

  // ---- environments ----------------------------------------------------------------------------------------

  function setEnvironment(name: string, spec: EnvironmentSpec = {}): EnvironmentRecord {
    const reviewers = [...new Set(spec.reviewers ?? [])];
    // Documented limits: "You can list up to six users or teams as reviewers"; the wait timer is 0–43,200 min.
    if (reviewers.length > 6)
      throw new Error('local GitHub: an environment has at most six required reviewers');
    const wait = spec.waitTimerMinutes ?? 0;
    if (!Number.isInteger(wait) || wait < 0 || wait > 43_200)
      throw new Error('local GitHub: the wait timer is a whole number of minutes from 0 to 43,200');
    const existing = environments.get(name.toLowerCase());
    const now = timestamp();
    const record: EnvironmentRecord = {
      id: existing?.id ?? nextId++,
      name: existing?.name ?? name,
      reviewers,
      preventSelfReview: spec.preventSelfReview ?? false,
      waitTimerMinutes: wait,
      created_at: existing?.created_at ?? now,
      updated_at: now,
    };
    environments.set(name.toLowerCase(), record);
    return record;
  }

  function environmentShape(env: EnvironmentRecord) {
    const rules: unknown[] = [];
    let ruleId = env.id * 10;
    if (env.waitTimerMinutes > 0) {
      ruleId++;
      rules.push({
        id: ruleId,
        node_id: nodeId('Gate', ruleId),
        type: 'wait_timer',
        wait_timer: env.waitTimerMinutes,
      });
    }
    if (env.reviewers.length > 0) {
      ruleId++;
      rules.push({
        id: ruleId,
        node_id: nodeId('Gate', ruleId),
        prevent_self_review: env.preventSelfReview,
        type: 'required_reviewers',
        reviewers: env.reviewers.map((entry) => {
          const [org = '', slug] = entry.split('/');
          if (slug) {
            // The "team" (simple) shape: no organization object; the org is in html_url.
            const team = teams.get(entry.toLowerCase()) ?? {
              id: 0,
              org,
              slug,
              name: slug,
              visible: true,
              members: new Map(),
            };
            const { organization: _org, ...simple } = teamShape(team);
            return { type: 'Team', reviewer: simple };
          }
          return { type: 'User', reviewer: user(entry) };
        }),
      });
    }
    return {
      id: env.id,
      node_id: nodeId('Environment', env.id),
      name: env.name,
      url: `${url}/repos/${repository}/environments/${encodeURIComponent(env.name)}`,
      html_url: `${serverUrl}/${repository}/deployments/activity_log?environments_filter=${encodeURIComponent(env.name)}`,
      created_at: env.created_at,
      updated_at: env.updated_at,
      protection_rules: rules,
      deployment_branch_policy: null,
    };
  }

  function mayReview(env: EnvironmentRecord, login: string): boolean {
    const key = login.toLowerCase();
    return env.reviewers.some((entry) => {
      if (!entry.includes('/')) return entry.toLowerCase() === key;
      const member = teams.get(entry.toLowerCase())?.members.get(key);
      return member?.state === 'active';
    });
  }

  // ---- request handling -------------------------------------------------------------------------------

  function tokenOf(req: IncomingMessage): string | undefined {
    const header = req.headers.authorization;
    if (!header) return undefined;
    const match = /^(?:token|bearer)\s+(\S+)$/i.exec(header.trim());
    return match?.[1] ?? header;
  }

  function requirePermission(
    token: TokenSpec,
    permission: Permission,
    level: 'read' | 'write',
    docs: string,
  ) {
    const have = token.permissions[permission] ?? (permission === 'metadata' ? 'read' : 'none');
    const ok = level === 'read' ? have === 'read' || have === 'write' : have === 'write';
    if (!ok) {
      throw new HttpError(
        403,
        'Resource not accessible by integration',
        { documentation_url: docs },
        { 'x-accepted-github-permissions': `${permission}=${level}` },
      );
    }
  }

  function paginate<T>(req: URL, items: T[], defaultPerPage = 30): { page: T[]; link?: string } {
    const perPage = Math.min(
      Math.max(Number(req.searchParams.get('per_page') ?? defaultPerPage) || 30, 1),
      100,
    );
    const pageNumber = Math.max(Number(req.searchParams.get('page') ?? 1) || 1, 1);
    const last = Math.max(Math.ceil(items.length / perPage), 1);
    const page = items.slice((pageNumber - 1) * perPage, pageNumber * perPage);
    const at = (n: number) => {
      const copy = new URL(req.toString());
      copy.searchParams.set('page', String(n));
      copy.searchParams.set('per_page', String(perPage));
      return `<${url}${copy.pathname}${copy.search}>`;
    };
    const links: string[] = [];
    if (pageNumber > 1) links.push(`${at(pageNumber - 1)}; rel="prev"`);
    if (pageNumber < last) links.push(`${at(pageNumber + 1)}; rel="next"`);
    if (pageNumber < last) links.push(`${at(last)}; rel="last"`);
    if (pageNumber > 1) links.push(`${at(1)}; rel="first"`);
    return { page, link: links.length > 0 ? links.join(', ') : undefined };
  }

  interface Reply {
    status: number;
    body: unknown;
    headers?: Record<string, string>;
  }

  async function route(
    method: string,
    path: string,
    query: URL,
    body: unknown,
    token: TokenSpec,
  ): Promise<Reply> {
    const bodyOf = (body ?? {}) as Record<string, unknown>;
    const repoMatch = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
    if (repoMatch) {
      const [, o, r, rest = ''] = repoMatch;
      if (`${o}/${r}`.toLowerCase() !== repository.toLowerCase()) throw new HttpError(404, 'Not Found');
      requirePermission(token, 'metadata', 'read', DOCS);
      return routeRepo(method, decodeURIComponent(rest), query, bodyOf, token);
    }
    const teamMatch = /^\/orgs\/([^/]+)\/teams\/([^/]+)(\/members|\/memberships\/([^/]+))?$/.exec(path);
    if (teamMatch && method === 'GET') {
      const [, org = '', slug = '', sub, username] = teamMatch;
      requirePermission(token, 'members', 'read', `${DOCS}/teams/teams#get-a-team-by-name`);
      const team = teams.get(`${org}/${slug}`.toLowerCase());
      if (!team?.visible) throw new HttpError(404, 'Not Found');
      if (!sub) return { status: 200, body: teamShape(team) };
      if (sub === '/members') {
        const members = [...team.members.values()]
          .filter((m) => m.state === 'active')
          .map((m) => user(m.login));
        const { page, link } = paginate(query, members);
        return { status: 200, body: page, headers: link ? { link } : {} };
      }
      const member = team.members.get(decodeURIComponent(username ?? '').toLowerCase());
      if (!member) throw new HttpError(404, 'Not Found');
      return {
        status: 200,
        body: {
          url: `${url}/organizations/1/team/${team.id}/memberships/${member.login}`,
          role: member.role,
          state: member.state,
        },
      };
    }
    throw new HttpError(404, 'Not Found');
  }

  function teamShape(team: Team) {
    return {
      id: team.id,
      node_id: nodeId('Team', team.id),
      name: team.name,
      slug: team.slug,
      description: null,
      privacy: 'closed',
      notification_setting: 'notifications_enabled',
      permission: 'pull',
      url: `${url}/organizations/1/team/${team.id}`,
      html_url: `${serverUrl}/orgs/${team.org}/teams/${team.slug}`,
      members_url: `${url}/organizations/1/team/${team.id}/members{/member}`,
      repositories_url: `${url}/organizations/1/team/${team.id}/repos`,
      parent: null,
      members_count: [...team.members.values()].filter((m) => m.state === 'active').length,
      organization: { login: team.org },
    };
  }

  async function routeRepo(
    method: string,
    rest: string,
    query: URL,
    body: Record<string, unknown>,
    token: TokenSpec,
  ): Promise<Reply> {
    const caller = user(token.login ?? 'github-actions[bot]');
    const deployment = deployments.route(method, rest, query, body, caller, (level, docs) =>
      requirePermission(token, 'deployments', level, docs),
    );
    if (deployment) return deployment;
    if (rest === '/issues' && method === 'GET') {
      requirePermission(token, 'issues', 'read', `${DOCS}/issues/issues#list-repository-issues`);
      const wantState = query.searchParams.get('state') ?? 'open';
      const wantLabels = (query.searchParams.get('labels') ?? '')
        .split(',')
        .map((l) => l.trim().toLowerCase())
        .filter(Boolean);
      const sort = query.searchParams.get('sort') ?? 'created';
      const direction = query.searchParams.get('direction') ?? 'desc';
      const key = (i: Issue) =>
        sort === 'updated' ? i.updated_at : sort === 'comments' ? i.comments : i.created_at;
      const list = state.issues
        .filter((i) => wantState === 'all' || i.state === wantState)
        .filter((i) => wantLabels.every((l) => i.labels.some((x) => x.name.toLowerCase() === l)))
        .sort((a, b) => {
          const ka = key(a);
          const kb = key(b);
          const order = ka < kb ? -1 : ka > kb ? 1 : a.number - b.number;
          return direction === 'asc' ? order : -order;
        });
      const { page, link } = paginate(query, list);
      return { status: 200, body: page, headers: link ? { link } : {} };
    }
    if (rest === '/issues' && method === 'POST') {
      requirePermission(token, 'issues', 'write', `${DOCS}/issues/issues#create-an-issue`);
      if (typeof body.title !== 'string' || body.title === '') {
        throw new HttpError(422, 'Validation Failed', {
          errors: [{ resource: 'Issue', code: 'missing_field', field: 'title' }],
        });
      }
      const assignees = Array.isArray(body.assignees) ? body.assignees.map(String) : [];
      const invalid = assignable ? assignees.filter((a) => !assignable?.has(a.toLowerCase())) : [];
      if (invalid.length > 0) {
        throw new HttpError(422, 'Validation Failed', {
          errors: invalid.map((value) => ({ value, resource: 'Issue', field: 'assignees', code: 'invalid' })),
        });
      }
      if (typeof body.body === 'string' && body.body.length > 65536) {
        throw new HttpError(422, 'Validation Failed', {
          errors: [
            {
              resource: 'Issue',
              code: 'custom',
              field: 'body',
              message: 'body is too long (maximum is 65536 characters)',
            },
          ],
        });
      }
      const issue = makeIssue({
        title: body.title,
        body: typeof body.body === 'string' ? body.body : null,
        labels: Array.isArray(body.labels) ? body.labels.map(String) : [],
        assignees,
        user: caller,
      });
      // Handlers run after the response is on its way, like a person reacting to the notification.
      setImmediate(() => {
        for (const handler of issueHandlers)
          void Promise.resolve(handler(structuredClone(issue))).catch(() => {});
      });
      return { status: 201, body: issue, headers: { location: issue.url } };
    }
    const issueMatch = /^\/issues\/(\d+)(\/comments)?$/.exec(rest);
    if (issueMatch) {
      const number = Number(issueMatch[1]);
      const issue = state.issues.find((i) => i.number === number);
      const comments = issueMatch[2] !== undefined;
      if (method === 'GET') {
        requirePermission(token, 'issues', 'read', `${DOCS}/issues/issues#get-an-issue`);
        if (!issue) throw new HttpError(404, 'Not Found');
        if (!comments) return { status: 200, body: issue };
        const since = query.searchParams.get('since');
        if (since !== null && Number.isNaN(Date.parse(since))) {
          throw new HttpError(422, 'Validation Failed', {
            errors: [{ resource: 'IssueComment', code: 'invalid', field: 'since' }],
          });
        }
        const list = state.comments
          .filter((c) => c.issue_number === number)
          .filter((c) => since === null || Date.parse(c.updated_at) >= Date.parse(since))
          .map(({ issue_number: _omit, ...c }) => c);
        const { page, link } = paginate(query, list);
        return { status: 200, body: page, headers: link ? { link } : {} };
      }
      if (method === 'POST' && comments) {
        requirePermission(token, 'issues', 'write', `${DOCS}/issues/comments#create-an-issue-comment`);
        if (!issue) throw new HttpError(404, 'Not Found');
        if (typeof body.body !== 'string' || body.body === '') {
          throw new HttpError(422, 'Validation Failed', {
            errors: [{ resource: 'IssueComment', code: 'missing_field', field: 'body' }],
          });
        }
        const { issue_number: _omit, ...comment } = createComment(issue, caller, body.body);
        return { status: 201, body: comment };
      }
      if (method === 'PATCH' && !comments) {
        requirePermission(token, 'issues', 'write', `${DOCS}/issues/issues#update-an-issue`);
        if (!issue) throw new HttpError(404, 'Not Found');
        if (body.state !== undefined && body.state !== 'open' && body.state !== 'closed') {
          throw new HttpError(422, 'Validation Failed', {
            errors: [{ resource: 'Issue', code: 'invalid', field: 'state' }],
          });
        }
        const reasons = ['completed', 'not_planned', 'reopened', null];
        if (body.state_reason !== undefined && !reasons.includes(body.state_reason as string | null)) {
          throw new HttpError(422, 'Validation Failed', {
            errors: [{ resource: 'Issue', code: 'invalid', field: 'state_reason' }],
          });
        }
        const now = timestamp();
        if (typeof body.title === 'string') issue.title = body.title;
        if (typeof body.body === 'string' || body.body === null) issue.body = body.body as string | null;
        if (body.state === 'closed' && issue.state !== 'closed') {
          issue.state = 'closed';
          issue.closed_at = now;
          issue.closed_by = caller;
          issue.state_reason = (body.state_reason as Issue['state_reason']) ?? 'completed';
        } else if (body.state === 'open' && issue.state !== 'open') {
          issue.state = 'open';
          issue.closed_at = null;
          issue.closed_by = null;
          issue.state_reason = 'reopened';
        } else if (body.state_reason !== undefined) {
          issue.state_reason = body.state_reason as Issue['state_reason'];
        }
        issue.updated_at = now;
        return { status: 200, body: issue };
      }
    }
    const compare = /^\/compare\/(.+)$/.exec(rest);
    if (compare && method === 'GET') {
      requirePermission(token, 'contents', 'read', `${DOCS}/commits/commits#compare-two-commits`);
      const [base = '', head = ''] = (compare[1] ?? '').split('...');
      const ib = resolveRef(base);
      const ih = resolveRef(head);
      if (ib < 0 || ih < 0 || !head) throw new HttpError(404, 'Not Found');
      const ahead = ih > ib ? history.slice(ib + 1, ih + 1) : [];
      const shapes = ahead.map((c) => commitShape(c, history.indexOf(c)));
      const paginated = query.searchParams.has('per_page') || query.searchParams.has('page');
      const { page, link } = paginated
        ? paginate(query, shapes, 250)
        : { page: shapes.slice(0, 250), link: undefined };
      const baseCommit = commitShape(history[ib] as CommitSpec, ib);
      return {
        status: 200,
        headers: link ? { link } : {},
        body: {
          url: `${url}/repos/${repository}/compare/${base}...${head}`,
          html_url: `${serverUrl}/${repository}/compare/${base}...${head}`,
          permalink_url: `${serverUrl}/${repository}/compare/${history[ib]?.sha}...${history[ih]?.sha}`,
          diff_url: `${serverUrl}/${repository}/compare/${base}...${head}.diff`,
          patch_url: `${serverUrl}/${repository}/compare/${base}...${head}.patch`,
          base_commit: baseCommit,
          merge_base_commit: ih >= ib ? baseCommit : commitShape(history[ih] as CommitSpec, ih),
          status: ih === ib ? 'identical' : ih > ib ? 'ahead' : 'behind',
          ahead_by: Math.max(ih - ib, 0),
          behind_by: Math.max(ib - ih, 0),
          total_commits: ahead.length,
          commits: page,
          files: [],
        },
      };
    }
    const environment = /^\/environments\/([^/].*)$/.exec(rest);
    if (environment && method === 'GET') {
      // "Get an environment": fine-grained tokens and GitHub Apps (GITHUB_TOKEN) need Actions: read.
      requirePermission(token, 'actions', 'read', `${DOCS}/deployments/environments#get-an-environment`);
      const found = environments.get((environment[1] ?? '').toLowerCase());
      if (!found) throw new HttpError(404, 'Not Found');
      return { status: 200, body: environmentShape(found) };
    }
    const run = /^\/actions\/runs\/(\d+)$/.exec(rest);
    if (run && method === 'GET') {
      requirePermission(token, 'actions', 'read', `${DOCS}/actions/workflow-runs#get-a-workflow-run`);
      const spec = runs.get(run[1] ?? '');
      if (!spec) throw new HttpError(404, 'Not Found');
      return {
        status: 200,
        body: {
          id: Number(spec.id),
          name: spec.name ?? 'deploy',
          run_number: 17,
          run_attempt: 1,
          event: 'push',
          status: spec.status ?? 'in_progress',
          conclusion: spec.conclusion ?? null,
          created_at: spec.run_started_at,
          updated_at: timestamp(),
          run_started_at: spec.run_started_at,
          html_url: `${serverUrl}/${repository}/actions/runs/${spec.id}`,
          url: `${url}/repos/${repository}/actions/runs/${spec.id}`,
        },
      };
    }
    throw new HttpError(404, 'Not Found');
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  function send(res: ServerResponse, reply: Reply): void {
    const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-media-type': 'github.v3; format=json',
      'x-github-request-id': `LOCAL:${nextId++}`,
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-used': '1',
      'x-ratelimit-resource': 'core',
      ...reply.headers,
    });
    res.end(text);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const parsed = new URL(req.url ?? '/', 'http://local');
    const raw = await readBody(req);
    let body: unknown;
    const record: RecordedRequest = {
      method,
      path: parsed.pathname,
      query: Object.fromEntries(parsed.searchParams),
      body: undefined,
      token: tokenOf(req),
      status: 0,
    };
    state.requests.push(record);
    let reply: Reply;
    try {
      if (raw) {
        try {
          body = JSON.parse(raw);
        } catch {
          throw new HttpError(400, 'Problems parsing JSON');
        }
      }
      record.body = body;
      const outage = outages.find((o) => o.times > 0 && (!o.path || o.path.test(parsed.pathname)));
      if (outage) {
        outage.times--;
        throw new HttpError(outage.status, outage.status === 502 ? 'Server Error' : 'Service Unavailable');
      }
      if (!record.token) throw new HttpError(401, 'Requires authentication');
      const spec = tokens.get(record.token);
      if (!spec) throw new HttpError(401, 'Bad credentials');
      reply = await route(method, parsed.pathname, parsed, body, spec);
    } catch (error) {
      if (!(error instanceof HttpError)) {
        reply = { status: 500, body: { message: `local GitHub bug: ${String(error)}` } };
      } else {
        reply = {
          status: error.status,
          headers: error.headers,
          body: {
            message: error.message,
            documentation_url: DOCS,
            status: String(error.status),
            ...error.extra,
          },
        };
      }
    }
    record.status = reply.status;
    send(res, reply);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    repository,
    get issues() {
      return state.issues;
    },
    get comments() {
      return state.comments;
    },
    get requests() {
      return state.requests;
    },
    get deployments() {
      return deployments.deployments;
    },
    deploymentStatuses: (id) => deployments.statusesOf(id),
    setCommitStatus: (sha, context, commitState) => deployments.setCommitStatus(sha, context, commitState),
    addToken,
    addComment,
    seedIssue(input) {
      return makeIssue({ ...input, user: user(input.user ?? 'github-actions[bot]') });
    },
    setTeam(org, slug, members, teamOptions = {}) {
      const team: Team = {
        id: nextId++,
        org,
        slug,
        name: slug,
        visible: teamOptions.visible ?? true,
        members: new Map(),
      };
      for (const m of members) {
        const member = typeof m === 'string' ? { login: m } : m;
        team.members.set(member.login.toLowerCase(), {
          login: member.login,
          role: member.role ?? 'member',
          state: member.state ?? 'active',
        });
      }
      teams.set(`${org}/${slug}`.toLowerCase(), team);
    },
    setCommits(commits) {
      history = [...commits];
      const last = commits[commits.length - 1];
      if (last) refs.set('main', last.sha);
    },
    setRef(name, sha) {
      refs.set(name, sha);
    },
    setAssignable(logins) {
      assignable = new Set(logins.map((l) => l.toLowerCase()));
    },
    setRun(run) {
      runs.set(String(run.id), run);
    },
    setEnvironment,
    environment(name) {
      return environments.get(name.toLowerCase());
    },
    useEnvironment(name) {
      return environments.get(name.toLowerCase()) ?? setEnvironment(name);
    },
    reviewDeployment(input) {
      const env = environments.get(input.environment.toLowerCase());
      if (!env || env.reviewers.length === 0)
        throw new Error(
          `local GitHub: ${input.environment} has no required reviewers; no job waits for a review`,
        );
      if (!mayReview(env, input.reviewer))
        throw new Error(
          `local GitHub: ${input.reviewer} is not a required reviewer of ${env.name} (${env.reviewers.join(', ')}) and cannot review its deployments`,
        );
      if (
        env.preventSelfReview &&
        input.initiator !== undefined &&
        input.initiator.toLowerCase() === input.reviewer.toLowerCase()
      )
        throw new Error(
          `local GitHub: ${env.name} prevents self-review: ${input.reviewer} started the run and cannot approve it`,
        );
      const review: DeploymentReview = {
        environment: env.name,
        reviewer: input.reviewer,
        state: input.state,
        comment: input.comment ?? '',
      };
      reviews.push(review);
      return review;
    },
    get reviews() {
      return reviews;
    },
    onIssueOpened(handler) {
      issueHandlers.push(handler);
    },
    outage({ times, status = 502, path }) {
      outages.push({ times, status, path });
    },
    commentsOn(number) {
      return state.comments.filter((c) => c.issue_number === number);
    },
    issue(number) {
      return state.issues.find((i) => i.number === number);
    },
    stop() {
      return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
