// The local GitHub endpoint answers like GitHub: auth and permission errors, shapes Octokit understands,
// pagination with Link headers, `since`, compare, team membership, faults.
import { getOctokit } from '@actions/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LocalGitHub, startLocalGitHub } from './github/index.js';

const WRITE = 'ghs_write_token_000000000000000000';
const READ = 'ghs_read_token_0000000000000000000';
const ORG = 'ghp_org_reader_000000000000000000';

let gh: LocalGitHub;

beforeEach(async () => {
  gh = await startLocalGitHub({
    tokens: {
      [WRITE]: { issues: 'write', contents: 'read', actions: 'read' },
      [READ]: { issues: 'read' },
      [ORG]: { issues: 'write', members: 'read' },
    },
  });
});

afterEach(async () => {
  await gh.stop();
});

const octokit = (token: string) =>
  getOctokit(token, { baseUrl: gh.url, log: { debug() {}, info() {}, warn() {}, error() {} } });

async function call(path: string, init: { method?: string; token?: string; body?: unknown } = {}) {
  const response = await fetch(`${gh.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.token ? { authorization: `token ${init.token}` } : {}),
      'content-type': 'application/json',
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe('local GitHub: authentication and permissions', () => {
  it('answers 401 without a token and with an unknown one', async () => {
    const none = await call('/repos/acme/notes/issues');
    expect(none.status).toBe(401);
    expect(none.body.message).toBe('Requires authentication');
    const unknown = await call('/repos/acme/notes/issues', { token: 'ghs_nope' });
    expect(unknown.status).toBe(401);
    expect(unknown.body.message).toBe('Bad credentials');
  });

  it('answers 403 "Resource not accessible by integration" when the permission is missing', async () => {
    const result = await call('/repos/acme/notes/issues', {
      method: 'POST',
      token: READ,
      body: { title: 'x' },
    });
    expect(result.status).toBe(403);
    expect(result.body.message).toBe('Resource not accessible by integration');
    expect(String(result.body.documentation_url)).toMatch(/^https:\/\/docs\.github\.com\/rest/);
    expect(result.headers.get('x-accepted-github-permissions')).toBe('issues=write');
    expect(gh.issues).toHaveLength(0);
  });

  it('accepts both `token` and `Bearer` authorization, and 404s another repository', async () => {
    const bearer = await fetch(`${gh.url}/repos/acme/notes/issues`, {
      headers: { authorization: `Bearer ${READ}` },
    });
    expect(bearer.status).toBe(200);
    const other = await call('/repos/acme/other/issues', { token: WRITE });
    expect(other.status).toBe(404);
  });
});

describe('local GitHub: issues and comments', () => {
  it('creates, lists and closes issues in GitHub shapes through Octokit', async () => {
    const opened: number[] = [];
    gh.onIssueOpened((issue) => {
      opened.push(issue.number);
    });
    const api = octokit(WRITE);
    const { data: issue } = await api.rest.issues.create({
      owner: 'acme',
      repo: 'notes',
      title: 'Approve v1',
      body: 'body',
      labels: ['deploy-approval'],
      assignees: ['alice'],
    });
    expect(issue.number).toBe(1);
    expect(issue.html_url).toBe('https://github.com/acme/notes/issues/1');
    expect(issue.labels.map((l) => (typeof l === 'string' ? l : l.name))).toEqual(['deploy-approval']);
    expect(issue.assignees?.map((a) => a.login)).toEqual(['alice']);
    expect(issue.user?.login).toBe('github-actions[bot]');
    await new Promise((r) => setTimeout(r, 20));
    expect(opened).toEqual([1]);

    const closed = await api.rest.issues.update({
      owner: 'acme',
      repo: 'notes',
      issue_number: 1,
      state: 'closed',
      state_reason: 'not_planned',
    });
    expect(closed.data.state).toBe('closed');
    expect(closed.data.state_reason).toBe('not_planned');
    expect(closed.data.closed_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

    const { data: list } = await api.rest.issues.listForRepo({
      owner: 'acme',
      repo: 'notes',
      state: 'closed',
      labels: 'deploy-approval',
    });
    expect(list.map((i) => i.number)).toEqual([1]);
    const { data: open } = await api.rest.issues.listForRepo({ owner: 'acme', repo: 'notes' });
    expect(open).toEqual([]);
  });

  it('rejects an issue without a title with 422 Validation Failed', async () => {
    const result = await call('/repos/acme/notes/issues', {
      method: 'POST',
      token: WRITE,
      body: { body: 'x' },
    });
    expect(result.status).toBe(422);
    expect(result.body.message).toBe('Validation Failed');
    expect(result.body.errors).toEqual([{ resource: 'Issue', code: 'missing_field', field: 'title' }]);
  });

  it('rejects assignees who cannot be assigned once the assignable users are set', async () => {
    gh.setAssignable(['alice']);
    const result = await call('/repos/acme/notes/issues', {
      method: 'POST',
      token: WRITE,
      body: { title: 't', assignees: ['alice', 'ghost'] },
    });
    expect(result.status).toBe(422);
    expect(JSON.stringify(result.body.errors)).toContain('ghost');
  });

  it('paginates comments with per_page/page and a Link header, and filters by since', async () => {
    const issue = gh.seedIssue({ title: 'x' });
    for (let i = 1; i <= 5; i++)
      gh.addComment({ issue: issue.number, user: `user${i}`, body: `comment ${i}` });
    const first = await fetch(`${gh.url}/repos/acme/notes/issues/${issue.number}/comments?per_page=2`, {
      headers: { authorization: `token ${WRITE}` },
    });
    const link = first.headers.get('link') ?? '';
    expect(link).toContain('rel="next"');
    expect(link).toContain('page=2');
    expect(link).toMatch(/page=3&per_page=2>; rel="last"|per_page=2&page=3>; rel="last"/);
    expect(((await first.json()) as unknown[]).length).toBe(2);

    const all = await octokit(WRITE).paginate(octokit(WRITE).rest.issues.listComments, {
      owner: 'acme',
      repo: 'notes',
      issue_number: issue.number,
      per_page: 2,
    });
    expect(all.map((c) => c.body)).toEqual(['comment 1', 'comment 2', 'comment 3', 'comment 4', 'comment 5']);
    expect(all[0]?.html_url).toMatch(/^https:\/\/github\.com\/acme\/notes\/issues\/1#issuecomment-\d+$/);

    const later = new Date(Date.now() + 5000).toISOString();
    const none = await call(`/repos/acme/notes/issues/${issue.number}/comments?since=${later}`, {
      token: WRITE,
    });
    expect(none.body).toEqual([]);
    const earlier = new Date(Date.now() - 60_000).toISOString();
    const some = await call(`/repos/acme/notes/issues/${issue.number}/comments?since=${earlier}`, {
      token: WRITE,
    });
    expect((some.body as unknown as unknown[]).length).toBe(5);
  });

  it('lets a token comment, recording the request', async () => {
    const issue = gh.seedIssue({ title: 'x' });
    const result = await call(`/repos/acme/notes/issues/${issue.number}/comments`, {
      method: 'POST',
      token: WRITE,
      body: { body: 'hello' },
    });
    expect(result.status).toBe(201);
    expect(gh.commentsOn(issue.number).map((c) => [c.user.login, c.body])).toEqual([
      ['github-actions[bot]', 'hello'],
    ]);
    expect(gh.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: `/repos/acme/notes/issues/${issue.number}/comments`,
      body: { body: 'hello' },
      status: 201,
    });
  });
});

describe('local GitHub: compare, teams, runs, faults', () => {
  it('compares two commits of the linear history', async () => {
    gh.setCommits([
      { sha: 'a'.repeat(40), message: 'first' },
      { sha: 'b'.repeat(40), message: 'second\n\nbody', author: 'alice' },
      { sha: 'c'.repeat(40), message: 'third', name: 'Unlinked Person' },
    ]);
    const { data } = await octokit(WRITE).rest.repos.compareCommitsWithBasehead({
      owner: 'acme',
      repo: 'notes',
      basehead: `${'a'.repeat(7)}...main`,
    });
    expect(data.status).toBe('ahead');
    expect(data.total_commits).toBe(2);
    expect(data.commits.map((c) => [c.sha[0], c.commit.message, c.author?.login ?? null])).toEqual([
      ['b', 'second\n\nbody', 'alice'],
      ['c', 'third', null],
    ]);
    expect(data.commits[1]?.commit.author?.name).toBe('Unlinked Person');
    const missing = await call(`/repos/acme/notes/compare/${'f'.repeat(40)}...main`, { token: WRITE });
    expect(missing.status).toBe(404);
    const forbidden = await call(`/repos/acme/notes/compare/${'a'.repeat(40)}...main`, { token: READ });
    expect(forbidden.status).toBe(403);
  });

  it('answers team and membership calls: 200, 404 for non-members and hidden teams, 403 without members: read', async () => {
    gh.setTeam('acme', 'deployers', ['dave', { login: 'erin', state: 'pending' }]);
    gh.setTeam('acme', 'secret', ['zed'], { visible: false });
    const api = octokit(ORG);
    const team = await api.rest.teams.getByName({ org: 'acme', team_slug: 'deployers' });
    expect(team.data.slug).toBe('deployers');
    const dave = await api.rest.teams.getMembershipForUserInOrg({
      org: 'acme',
      team_slug: 'deployers',
      username: 'dave',
    });
    expect(dave.data).toMatchObject({ state: 'active', role: 'member' });
    const erin = await api.rest.teams.getMembershipForUserInOrg({
      org: 'acme',
      team_slug: 'deployers',
      username: 'erin',
    });
    expect(erin.data.state).toBe('pending');
    expect((await call('/orgs/acme/teams/deployers/memberships/mallory', { token: ORG })).status).toBe(404);
    expect((await call('/orgs/acme/teams/secret', { token: ORG })).status).toBe(404);
    const noMembers = await call('/orgs/acme/teams/deployers/memberships/dave', { token: WRITE });
    expect(noMembers.status).toBe(403);
    expect(noMembers.body.message).toBe('Resource not accessible by integration');
  });

  it('serves workflow runs and fails on demand', async () => {
    gh.setRun({ id: 4242, run_started_at: '2024-05-01T12:00:00Z' });
    gh.outage({ times: 1, status: 502, path: /actions/ });
    expect((await call('/repos/acme/notes/actions/runs/4242', { token: WRITE })).status).toBe(502);
    const run = await call('/repos/acme/notes/actions/runs/4242', { token: WRITE });
    expect(run.status).toBe(200);
    expect(run.body.run_started_at).toBe('2024-05-01T12:00:00Z');
    expect((await call('/repos/acme/notes/actions/runs/4242', { token: READ })).status).toBe(403);
  });
});

describe('local GitHub: environments and deployment reviews', () => {
  it('serves an environment with its protection rules in GitHub shapes, 404 for a missing one, 403 without actions: read', async () => {
    expect((await call('/repos/acme/notes/environments/production', { token: WRITE })).status).toBe(404);
    gh.setTeam('acme', 'deployers', ['bob']);
    gh.setEnvironment('production', {
      reviewers: ['alice', 'acme/deployers'],
      preventSelfReview: true,
      waitTimerMinutes: 30,
    });
    const { data } = await octokit(WRITE).rest.repos.getEnvironment({
      owner: 'acme',
      repo: 'notes',
      environment_name: 'Production',
    });
    expect(data.name).toBe('production');
    expect(data.html_url).toBe(
      'https://github.com/acme/notes/deployments/activity_log?environments_filter=production',
    );
    const rules = data.protection_rules ?? [];
    expect(rules.map((r) => r.type)).toEqual(['wait_timer', 'required_reviewers']);
    const reviewers = rules.find((r) => r.type === 'required_reviewers') as {
      prevent_self_review: boolean;
      reviewers: Array<{ type: string; reviewer: { login?: string; slug?: string } }>;
    };
    expect(reviewers.prevent_self_review).toBe(true);
    expect(reviewers.reviewers.map((r) => [r.type, r.reviewer.login ?? r.reviewer.slug])).toEqual([
      ['User', 'alice'],
      ['Team', 'deployers'],
    ]);

    const forbidden = await call('/repos/acme/notes/environments/production', { token: READ });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('x-accepted-github-permissions')).toBe('actions=read');
  });

  it('creates an environment unprotected when a job names it, and lets only its reviewers review', () => {
    const created = gh.useEnvironment('staging');
    expect(created.reviewers).toEqual([]);
    expect(gh.useEnvironment('Staging').id).toBe(created.id);
    expect(() =>
      gh.reviewDeployment({ environment: 'staging', reviewer: 'alice', state: 'approved' }),
    ).toThrow(/no required reviewers/);

    gh.setTeam('acme', 'deployers', ['bob']);
    gh.setEnvironment('production', { reviewers: ['alice', 'acme/deployers'], preventSelfReview: true });
    expect(() =>
      gh.reviewDeployment({ environment: 'production', reviewer: 'mallory', state: 'approved' }),
    ).toThrow(/mallory is not a required reviewer/);
    expect(() =>
      gh.reviewDeployment({
        environment: 'production',
        reviewer: 'alice',
        state: 'approved',
        initiator: 'alice',
      }),
    ).toThrow(/prevents self-review/);
    gh.reviewDeployment({
      environment: 'production',
      reviewer: 'bob',
      state: 'rejected',
      initiator: 'alice',
    });
    expect(gh.reviews).toEqual([
      { environment: 'production', reviewer: 'bob', state: 'rejected', comment: '' },
    ]);
    expect(() => gh.setEnvironment('production', { reviewers: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] })).toThrow(
      /at most six/,
    );
  });
});

describe('local GitHub: deployments and deployment statuses', () => {
  const SHA = 'a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d';
  const DEPLOYER = 'ghs_deployer_token_00000000000000000';
  const deploy = (body: Record<string, unknown>, token = DEPLOYER) =>
    call('/repos/acme/notes/deployments', { method: 'POST', token, body });
  const status = (id: unknown, body: Record<string, unknown>) =>
    call(`/repos/acme/notes/deployments/${id}/statuses`, { method: 'POST', token: DEPLOYER, body });

  beforeEach(() => {
    gh.addToken(DEPLOYER, { deployments: 'write', contents: 'read' });
    gh.setCommits([
      { sha: '1'.repeat(40), message: 'first' },
      { sha: SHA, message: 'second' },
    ]);
  });

  it('creates a deployment with GitHub’s defaults and shape, and lists it with filters', async () => {
    const created = await deploy({ ref: SHA, payload: { image: 'x@sha256:1' }, required_contexts: [] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      sha: SHA,
      ref: SHA,
      task: 'deploy',
      environment: 'production',
      original_environment: 'production',
      production_environment: true,
      transient_environment: false,
      payload: { image: 'x@sha256:1' },
      creator: { login: 'github-actions[bot]' },
    });
    expect(created.headers.get('location')).toBe(created.body.url);
    const staging = await deploy({ ref: 'main', environment: 'staging', payload: '{"a":1}' });
    expect(staging.body).toMatchObject({ production_environment: false, payload: { a: 1 }, sha: SHA });

    const list = await octokit(DEPLOYER).rest.repos.listDeployments({
      owner: 'acme',
      repo: 'notes',
      environment: 'staging',
    });
    expect(list.data.map((d) => d.id)).toEqual([staging.body.id]);
    const all = await octokit(DEPLOYER).rest.repos.listDeployments({
      owner: 'acme',
      repo: 'notes',
      sha: SHA,
    });
    expect(all.data.map((d) => d.id)).toEqual([staging.body.id, created.body.id]);
  });

  it('refuses an unknown ref (422), failing commit statuses (409), and merges a branch behind main (202)', async () => {
    const unknown = await deploy({ ref: 'nope' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.message).toBe('No ref found for: nope');

    gh.setCommitStatus(SHA, 'ci/build', 'pending');
    const blocked = await deploy({ ref: SHA });
    expect(blocked.status).toBe(409);
    expect(blocked.body.message).toBe(`Conflict: Commit status checks failed for ${SHA}.`);
    expect((await deploy({ ref: SHA, required_contexts: [] })).status).toBe(201);
    gh.setCommitStatus(SHA, 'ci/build', 'success');
    expect((await deploy({ ref: SHA })).status).toBe(201);
    // A context that was never submitted fails when it is required.
    expect((await deploy({ ref: SHA, required_contexts: ['ci/e2e'] })).status).toBe(409);

    gh.setRef('topic', '1'.repeat(40));
    const merged = await deploy({ ref: 'topic', required_contexts: [] });
    expect(merged.status).toBe(202);
    expect(merged.body.message).toBe('Auto-merged main into topic on deployment.');
    expect((await deploy({ ref: 'topic', auto_merge: false, required_contexts: [] })).status).toBe(201);
  });

  it('needs deployments: write to create, and says so', async () => {
    const result = await deploy({ ref: SHA, required_contexts: [] }, WRITE);
    expect(result.status).toBe(403);
    expect(result.body.message).toBe('Resource not accessible by integration');
    expect(result.headers.get('x-accepted-github-permissions')).toBe('deployments=write');
    expect(gh.deployments).toHaveLength(0);
  });

  it('records statuses (log_url → target_url) and validates state and description', async () => {
    const { body } = await deploy({ ref: SHA, environment: 'staging', required_contexts: [] });
    const ok = await status(body.id, {
      state: 'in_progress',
      log_url: 'https://github.com/acme/notes/actions/runs/1',
      environment_url: 'https://staging.example.com',
      description: 'Rolling out',
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({
      state: 'in_progress',
      environment: 'staging',
      target_url: 'https://github.com/acme/notes/actions/runs/1',
      log_url: 'https://github.com/acme/notes/actions/runs/1',
      environment_url: 'https://staging.example.com',
      deployment_url: body.url,
    });
    expect((await status(body.id, { state: 'done' })).status).toBe(422);
    expect((await status(body.id, {})).status).toBe(422);
    const long = await status(body.id, { state: 'success', description: 'x'.repeat(141) });
    expect(long.status).toBe(422);
    expect(JSON.stringify(long.body.errors)).toContain('maximum is 140 characters');
    expect((await status(999_999, { state: 'success' })).status).toBe(404);
    const listed = await call(`/repos/acme/notes/deployments/${body.id}/statuses`, { token: DEPLOYER });
    expect((listed.body as unknown as Array<{ state: string }>).map((s) => s.state)).toEqual(['in_progress']);
  });

  it('on success marks earlier successful non-production deployments of the environment inactive, never production ones', async () => {
    const ids: Record<string, unknown[]> = { staging: [], production: [] };
    for (const environment of ['staging', 'production']) {
      for (let i = 0; i < 2; i++) {
        const { body } = await deploy({ ref: SHA, environment, required_contexts: [] });
        await status(body.id, { state: 'success' });
        ids[environment]?.push(body.id);
      }
    }
    const state = (id: unknown) => gh.deploymentStatuses(Number(id))[0]?.state;
    expect(ids.staging?.map(state)).toEqual(['inactive', 'success']);
    // GitHub leaves a production deployment active: the deploy system has to mark it inactive itself.
    expect(ids.production?.map(state)).toEqual(['success', 'success']);

    // A failed deployment does not displace the last good one, and auto_inactive: false keeps it too.
    const failed = await deploy({ ref: SHA, environment: 'staging', required_contexts: [] });
    await status(failed.body.id, { state: 'failure' });
    expect(state(ids.staging?.[1])).toBe('success');
    const kept = await deploy({ ref: SHA, environment: 'staging', required_contexts: [] });
    await status(kept.body.id, { state: 'success', auto_inactive: false });
    expect(state(ids.staging?.[1])).toBe('success');

    // Transient environments are left alone.
    const first = await deploy({
      ref: SHA,
      environment: 'pr-1',
      transient_environment: true,
      required_contexts: [],
    });
    await status(first.body.id, { state: 'success' });
    const second = await deploy({
      ref: SHA,
      environment: 'pr-1',
      transient_environment: true,
      required_contexts: [],
    });
    await status(second.body.id, { state: 'success' });
    expect(state(first.body.id)).toBe('success');
  });
});
