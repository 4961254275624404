// The approve bundle against the local GitHub endpoint: approvals, denials, who counts, timeouts,
// cancellation, permissions, input validation, and what the issue and the job summary say.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LocalGitHub, startLocalGitHub } from '../../support/github/index.js';
import { type ActionRun, type RunOptions, runAction } from '../../support/harness.js';

const TOKEN = 'ghs_approveWriteToken0123456789abcdef';
const READ_ONLY = 'ghs_approveReadOnlyToken0123456789ab';
const APP = 'ghs_appTokenWithMembersRead0123456789';
const HEAD = '0123456789abcdef0123456789abcdef01234567';
const sha = (c: string) => c.repeat(40);

let gh: LocalGitHub;

beforeEach(async () => {
  gh = await startLocalGitHub({
    tokens: {
      [TOKEN]: { issues: 'write', contents: 'read' },
      [READ_ONLY]: { issues: 'read', contents: 'read' },
      [APP]: { issues: 'write', contents: 'read', members: 'read' },
    },
  });
  gh.setCommits([
    { sha: sha('a'), message: 'Initial commit', author: 'alice' },
    { sha: sha('b'), message: 'Add notes API', author: 'alice' },
    { sha: sha('c'), message: 'Fix pagination | off by one\n\nLong body that is not shown', author: 'bob' },
    { sha: sha('d'), message: 'Thanks @carol for the *review*', name: 'Dana Unlinked' },
    { sha: HEAD, message: 'Bump version to 1.4.0', author: 'bob' },
  ]);
});

afterEach(async () => {
  await gh.stop();
});

function approve(inputs: RunOptions['inputs'], options: Omit<RunOptions, 'inputs'> = {}): Promise<ActionRun> {
  return runAction('approve', {
    ...options,
    inputs: { 'poll-seconds': '0.2', 'timeout-minutes': '0.5', environment: 'production', ...inputs },
    env: { GITHUB_API_URL: gh.url, GITHUB_TOKEN: TOKEN, ...options.env },
  });
}

/** Posts `comments` as the given users right after the action opens its issue, `gapMs` apart. */
function respond(comments: Array<[user: string, body: string]>, gapMs = 0): void {
  gh.onIssueOpened(async (issue) => {
    for (const [user, body] of comments) {
      if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      gh.addComment({ issue: issue.number, user, body });
    }
  });
}

const writes = () => gh.requests.filter((r) => r.method !== 'GET');

function expectNoLeak(run: ActionRun, ...secrets: string[]): void {
  for (const secret of secrets) expect(run.leaks(secret)).toEqual([]);
  expect(run.masked).toContain(secrets[0]);
}

describe('approve: decisions', () => {
  it('is approved by one approver, records it on the issue and closes it as completed', async () => {
    respond([['alice', 'LGTM!']]);
    const run = await approve({
      approvers: 'alice, bob',
      version: 'v1.4.0',
      image: '123.dkr.ecr/notes@sha256:abc',
    });
    expect(run.errors()).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'approved', approvers: 'alice', 'issue-number': '1' });
    expect(run.outputs['issue-url']).toBe('https://github.com/acme/notes/issues/1');

    const issue = gh.issue(1);
    expect(issue?.title).toBe('Approve deployment of v1.4.0 to production');
    expect(issue?.assignees.map((a) => a.login)).toEqual(['alice', 'bob']);
    expect(issue?.labels.map((l) => l.name)).toEqual(['deploy-approval']);
    expect(issue?.state).toBe('closed');
    expect(issue?.state_reason).toBe('completed');
    expect(issue?.body).toContain('"result":"approved"');
    expect(issue?.body).toContain(`"sha":"${HEAD}"`);
    const result = gh.commentsOn(1).at(-1);
    expect(result?.user.login).toBe('github-actions[bot]');
    expect(result?.body).toMatch(/✅ \*\*Approved\*\* by @alice \(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC\)/);

    expect(run.summary).toContain('approved');
    expect(run.summary).toContain('[alice](https://github.com/alice)');
    expect(run.summary).toContain('[\\#1](https://github.com/acme/notes/issues/1)');
    expect(writes().map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /repos/acme/notes/issues',
      'POST /repos/acme/notes/issues/1/comments',
      'PATCH /repos/acme/notes/issues/1',
    ]);
    expectNoLeak(run, TOKEN);
  });

  it('needs minimum-approvals different approvers, each counted once', async () => {
    respond(
      [
        ['alice', 'approve'],
        ['alice', 'Approved.'],
        ['bob', 'yes'],
      ],
      300,
    );
    const run = await approve({ approvers: 'alice\nbob\ncarol', 'minimum-approvals': 2 });
    expect(run.code).toBe(0);
    expect(run.outputs.status).toBe('approved');
    expect(run.outputs.approvers).toBe('alice,bob');
    expect(run.stdout).toContain('@alice already approved; counted once.');
    expect(gh.commentsOn(1).at(-1)?.body).toMatch(/Approved\*\* by @alice .*, @bob /);
  });

  it('stops at one denial by an approver, fails the step and closes the issue as not planned', async () => {
    respond([
      ['alice', 'approve'],
      ['bob', 'Denied!\nTests are red, see the log'],
    ]);
    const run = await approve({ approvers: 'alice, bob', 'minimum-approvals': 2, version: 'v2' });
    expect(run.code).toBe(1);
    expect(run.outputs.status).toBe('denied');
    expect(run.outputs.approvers).toBe('alice');
    expect(run.errors()).toHaveLength(1);
    expect(run.errors()[0]).toContain('approve: the deployment of v2 to production was denied by @bob');
    expect(gh.issue(1)?.state_reason).toBe('not_planned');
    expect(gh.issue(1)?.body).toContain('"result":"denied"');
    expect(gh.commentsOn(1).at(-1)?.body).toContain('❌ **Denied** by @bob');
    expect(run.summary).toContain('❌ denied');
  });

  it('ignores comments from people who are not approvers, and non-decision comments', async () => {
    respond(
      [
        ['mallory', 'approve'],
        ['alice', 'Looks fine but let me check'],
        ['alice', 'lgtm'],
      ],
      400,
    );
    const run = await approve({ approvers: 'alice' });
    expect(run.code).toBe(0);
    expect(run.outputs.approvers).toBe('alice');
    expect(run.stdout).toContain('Ignored "approve" from @mallory: not one of the approvers.');
    expect(run.summary).toContain('mallory');
    expect(run.summary).toContain('not an approver');
  });

  it('does not let the initiator approve with exclude-initiator, nor assign them', async () => {
    respond(
      [
        ['octocat', 'approve'],
        ['alice', 'approve'],
      ],
      400,
    );
    const run = await approve({ approvers: 'octocat, alice', 'exclude-initiator': true });
    expect(run.code).toBe(0);
    expect(run.outputs.approvers).toBe('alice');
    expect(run.stdout).toContain(
      'Ignored "approve" from @octocat: the initiator of the run cannot approve it.',
    );
    expect(gh.issue(1)?.assignees.map((a) => a.login)).toEqual(['alice']);
    expect(gh.issue(1)?.body).toContain('cannot approve it');
  });

  it('counts members of an approver team, checked through the membership API', async () => {
    gh.setTeam('acme', 'deployers', ['dave', { login: 'erin', state: 'pending' }]);
    respond(
      [
        ['erin', 'approve'],
        ['dave', 'Approve'],
      ],
      300,
    );
    const run = await approve({ approvers: 'acme/deployers' }, { env: { GITHUB_TOKEN: APP } });
    expect(run.errors()).toEqual([]);
    expect(run.outputs.approvers).toBe('dave');
    expect(gh.issue(1)?.body).toContain('@acme/deployers');
    expect(gh.issue(1)?.assignees).toEqual([]);
    const paths = gh.requests.map((r) => r.path);
    expect(paths).toContain('/orgs/acme/teams/deployers');
    expect(paths).toContain('/orgs/acme/teams/deployers/memberships/erin');
    expect(paths).toContain('/orgs/acme/teams/deployers/memberships/dave');
    expect(run.stdout).toContain('Ignored "approve" from @erin: not one of the approvers.');
    expect(run.summary).toContain('team acme/deployers');
    expectNoLeak(run, APP);
  });

  it('keeps waiting through transient GitHub errors while reading comments', async () => {
    gh.outage({ times: 2, status: 502, path: /\/comments$/ });
    respond([['alice', 'approve']], 500);
    const run = await approve({ approvers: 'alice' });
    expect(run.code).toBe(0);
    expect(run.outputs.status).toBe('approved');
  });
});

describe('approve: ending without a decision', () => {
  it('times out, comments, closes the issue and fails the step', async () => {
    const run = await approve({ approvers: 'alice', 'timeout-minutes': '2s', 'minimum-approvals': 1 });
    expect(run.code).toBe(1);
    expect(run.outputs.status).toBe('timed-out');
    expect(run.errors()[0]).toMatch(
      /no decision on the deployment of 0123456 to production within 2s \(0 of 1 approvals\)/,
    );
    expect(gh.issue(1)?.state).toBe('closed');
    expect(gh.issue(1)?.state_reason).toBe('not_planned');
    expect(gh.commentsOn(1).at(-1)?.body).toContain('⌛ **Timed out**');
    // More than one read: it polled.
    expect(
      gh.requests.filter((r) => r.path === '/repos/acme/notes/issues/1/comments' && r.method === 'GET')
        .length,
    ).toBeGreaterThan(1);
  });

  it('on cancellation comments that the run was cancelled and closes the issue', async () => {
    gh.onIssueOpened(() => {});
    const run = await approve({ approvers: 'alice', 'timeout-minutes': '5' }, { cancelAfterMs: 2500 });
    expect(run.code).toBe(1);
    expect(run.outputs.status).toBe('cancelled');
    expect(gh.issue(1)?.state_reason).toBe('not_planned');
    expect(gh.commentsOn(1).at(-1)?.body).toContain('🚫 The workflow run was **cancelled**');
    expect(run.errors()[0]).toContain('cancelled');
  });
});

describe('approve: permissions', () => {
  it('explains which permission to grant when the token can only read issues', async () => {
    const run = await approve({ approvers: 'alice' }, { env: { GITHUB_TOKEN: READ_ONLY } });
    expect(run.code).toBe(1);
    const [error, ...more] = run.errors();
    expect(more).toEqual([]);
    expect(error).toContain('Could not open an issue in acme/notes');
    expect(error).toContain('permissions:');
    expect(error).toContain('issues: write');
    expect(error).not.toContain('documentation_url');
    expect(error).not.toContain('{');
    expect(gh.issues).toHaveLength(0);
    expectNoLeak(run, READ_ONLY);
  });

  it('says GITHUB_TOKEN cannot read team membership, before opening any issue', async () => {
    gh.setTeam('acme', 'deployers', ['dave']);
    const run = await approve({ approvers: 'alice, acme/deployers' });
    expect(run.code).toBe(1);
    expect(run.errors()[0]).toContain('Could not read team acme/deployers');
    expect(run.errors()[0]).toContain('GitHub App');
    expect(run.errors()[0]).toContain('read:org');
    expect(writes()).toEqual([]);
  });

  it('says so when the team is not visible to the token', async () => {
    gh.setTeam('acme', 'secret', ['dave'], { visible: false });
    const run = await approve({ approvers: 'acme/secret' }, { env: { GITHUB_TOKEN: APP } });
    expect(run.code).toBe(1);
    expect(run.errors()[0]).toContain('not found (404)');
    expect(run.errors()[0]).toContain('cannot see it');
    expect(writes()).toEqual([]);
  });
});

describe('approve: inputs', () => {
  it('reports every bad input at once, before any API call', async () => {
    const run = await approve({
      approvers: 'alice, not a login!',
      'minimum-approvals': 'two',
      'approve-words': 'yes, ok',
      'deny-words': 'no, OK.',
      'poll-seconds': '0',
    });
    expect(run.code).toBe(1);
    const text = run.stdout;
    expect(text).toContain('approve: approvers: "not a login!" is neither a GitHub login');
    expect(text).toContain('approve: minimum-approvals: "two" is not a whole number');
    expect(text).toContain('approve: deny-words: ok is also in approve-words');
    expect(text).toContain('approve: poll-seconds:');
    expect(gh.requests).toEqual([]);
  });

  it('rejects more required approvals than possible approvers, counting the excluded initiator', async () => {
    const run = await approve({
      approvers: 'alice, octocat',
      'minimum-approvals': 2,
      'exclude-initiator': true,
    });
    expect(run.code).toBe(1);
    expect(run.errors()[0]).toContain(
      'approve: minimum-approvals: 2 is more than the 1 approver(s) who can approve (alice; the initiator octocat is excluded)',
    );
    expect(gh.requests).toEqual([]);
  });

  it('requires approvers and non-empty words', async () => {
    const run = await approve({ approvers: undefined, 'approve-words': ' , ' });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('approve: approvers: is required');
    expect(run.stdout).toContain('approve: approve-words: is empty');
    expect(gh.requests).toEqual([]);
  });
});

describe('approve: the issue shows what will change', () => {
  it('lists the image, the commits since the last approved deployment and the summary', async () => {
    gh.seedIssue({
      title: 'Approve deployment of v1.3.0 to production',
      labels: ['deploy-approval'],
      state: 'closed',
      state_reason: 'completed',
      body: `old\n<!-- deploy-approval: {"environment":"production","sha":"${sha('b')}","version":"v1.3.0","result":"approved"} -->`,
    });
    gh.seedIssue({
      title: 'Approve deployment of v1.3.1 to production',
      labels: ['deploy-approval'],
      state: 'closed',
      state_reason: 'not_planned',
      body: `denied one\n<!-- deploy-approval: {"environment":"production","sha":"${sha('c')}","version":"v1.3.1","result":"denied"} -->`,
    });
    gh.seedIssue({
      title: 'Approve deployment of v1.3.2 to staging',
      labels: ['deploy-approval'],
      state: 'closed',
      state_reason: 'completed',
      body: `other env\n<!-- deploy-approval: {"environment":"staging","sha":"${sha('d')}","version":"v1.3.2","result":"approved"} -->`,
    });
    respond([['alice', 'approve']]);
    const summary = '### Change set\n\n| Resource | Action |\n| --- | --- |\n| Service | Modify |';
    const run = await approve({
      approvers: 'alice',
      version: 'v1.4.0',
      image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/notes@sha256:feedface',
      summary,
    });
    expect(run.code).toBe(0);
    const compare = gh.requests.find((r) => r.path.startsWith('/repos/acme/notes/compare/'));
    expect(compare?.path).toBe(`/repos/acme/notes/compare/${sha('b')}...${HEAD}`);
    const issue = gh.issues.find((i) => i.title === 'Approve deployment of v1.4.0 to production');
    const body = issue?.body ?? '';
    expect(body).toContain('`123456789012.dkr.ecr.eu-west-1.amazonaws.com/notes@sha256:feedface`');
    expect(body).toContain('3 commits since `bbbbbbb`');
    expect(body).toContain('last approved in [\\#1](https://github.com/acme/notes/issues/1)');
    expect(body).toContain('Fix pagination \\| off by one');
    expect(body).not.toContain('Long body that is not shown');
    expect(body).toContain('Bump version to 1.4.0');
    expect(body).not.toContain('Add notes API');
    // A mention in a commit message does not ping anyone; unlinked authors show by name.
    expect(body).toContain('@\u200bcarol');
    expect(body).toContain('Dana Unlinked');
    expect(body).toContain(summary);
    expect(body).toContain('Needs **1** approval from: @alice.');
    expect(run.summary).toContain('Commits (3)');
    expect(run.summary).toContain('Bump version to 1.4.0');
  });

  it('compares with previous-ref when given, and says when there is no earlier approval', async () => {
    respond([['alice', 'approve']]);
    const first = await approve({ approvers: 'alice', 'previous-ref': sha('c').slice(0, 7) });
    expect(first.code).toBe(0);
    expect(gh.issue(1)?.body).toContain('2 commits since `ccccccc`');

    gh.setCommits([{ sha: HEAD, message: 'only' }]);
    const second = await approve({ approvers: 'alice', environment: 'sandbox' });
    expect(second.code).toBe(0);
    expect(gh.issue(2)?.body).toContain('No earlier approved deployment to this environment was found');
  });

  it('finds the previous approval made by the action itself', async () => {
    respond([['alice', 'approve']]);
    gh.setCommits([
      { sha: sha('a'), message: 'one' },
      { sha: HEAD, message: 'two' },
    ]);
    expect((await approve({ approvers: 'alice' })).code).toBe(0);
    // The next run (same head, so nothing new) finds issue #1 as the last approval.
    const again = await approve({ approvers: 'alice' });
    expect(again.code).toBe(0);
    expect(gh.issue(2)?.body).toContain('No new commits since `0123456` (last approved in [\\#1]');
  });
});
