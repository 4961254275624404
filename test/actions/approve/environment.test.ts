// approve with `gate: environment` against the local GitHub endpoint's environments: the production gate is
// verified through GET /repos/{owner}/{repo}/environments/{name}, never assumed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LocalGitHub, startLocalGitHub } from '../../support/github/index.js';
import { type ActionRun, type RunOptions, runAction } from '../../support/harness.js';

const TOKEN = 'ghs_envReaderToken0123456789abcdefghij';
const NO_ACTIONS = 'ghs_envNoActionsToken0123456789abcdefg';

let gh: LocalGitHub;

beforeEach(async () => {
  gh = await startLocalGitHub({
    tokens: {
      [TOKEN]: { actions: 'read', contents: 'read' },
      [NO_ACTIONS]: { contents: 'read', issues: 'write' },
    },
  });
});

afterEach(async () => {
  await gh.stop();
});

function check(inputs: RunOptions['inputs'] = {}, token = TOKEN): Promise<ActionRun> {
  return runAction('approve', {
    inputs: { gate: 'environment', environment: 'production', ...inputs },
    env: { GITHUB_API_URL: gh.url, GITHUB_TOKEN: token },
  });
}

const environmentReads = () =>
  gh.requests.filter((r) => r.method === 'GET' && r.path === '/repos/acme/notes/environments/production');

describe('approve: gate environment', () => {
  it('refuses when the environment does not exist, saying what to configure', async () => {
    const run = await check();
    expect(run.code).toBe(1);
    const [error] = run.errors();
    expect(error).toContain(
      'approve: the production environment does not exist in acme/notes, so nothing would stop a deployment to it',
    );
    expect(error).toContain('https://github.com/acme/notes/settings/environments');
    expect(error).toContain('"Required reviewers"');
    expect(error).toContain('allow-unprotected');
    expect(run.outputs.status).toBe('unprotected');
    expect(environmentReads().map((r) => r.status)).toEqual([404]);
    expect(gh.issues).toEqual([]);
  });

  it('refuses the environment GitHub created unprotected, and one with only a wait timer', async () => {
    gh.useEnvironment('production');
    const created = await check();
    expect(created.code).toBe(1);
    expect(created.errors()[0]).toContain(
      'approve: the production environment of acme/notes has no required reviewers, so a deployment to it would start without anyone approving it',
    );

    gh.setEnvironment('production', { waitTimerMinutes: 5 });
    const timer = await check();
    expect(timer.code).toBe(1);
    expect(timer.errors()[0]).toContain('has no required reviewers (its rules: wait_timer)');
    expect(environmentReads().map((r) => r.status)).toEqual([200, 200]);
  });

  it('passes an environment with required reviewers, and lists them', async () => {
    gh.setTeam('acme', 'deployers', ['bob']);
    gh.setEnvironment('Production', { reviewers: ['alice', 'acme/deployers'], preventSelfReview: true });
    const run = await check();
    expect(run.errors()).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs).toEqual({ status: 'protected', reviewers: 'alice,acme/deployers' });
    expect(run.summary).toContain('is gated by required reviewers');
    expect(run.summary).toContain('@alice, @acme/deployers');
    expect(run.summary).toMatch(/Prevent self-review \| yes/);
    expect(gh.issues).toEqual([]);
  });

  it('fails naming actions: read when the token cannot read the environment (never assumes it is protected)', async () => {
    gh.setEnvironment('production', { reviewers: ['alice'] });
    const run = await check({}, NO_ACTIONS);
    expect(run.code).toBe(1);
    const [error] = run.errors();
    expect(error).toContain('Could not read the production environment of acme/notes');
    expect(error).toContain('needs actions: read');
    expect(error).toContain("add it to the job's `permissions:`");
    expect(run.outputs.status).toBeUndefined();
    expect(environmentReads().map((r) => r.status)).toEqual([403]);
    expect(run.leaks(NO_ACTIONS)).toEqual([]);
  });

  it('only warns with allow-unprotected: true, on every run', async () => {
    for (let i = 0; i < 2; i++) {
      const run = await check({ 'allow-unprotected': true });
      expect(run.code).toBe(0);
      const warnings = run.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('the deployment goes on without anyone approving it');
      expect(run.outputs.status).toBe('unprotected');
    }
  });

  it('needs no approvers, and rejects an unknown gate before any API call', async () => {
    gh.setEnvironment('production', { reviewers: ['alice'] });
    expect((await check({ approvers: '' })).code).toBe(0);
    const bad = await check({ gate: 'reviewers' });
    expect(bad.code).toBe(1);
    expect(bad.errors().join('\n')).toContain('approve: gate: "reviewers" is not one of: issue, environment');
    const issueGate = await check({ gate: 'issue' });
    expect(issueGate.errors()[0]).toContain('approve: approvers: is required');
    expect(environmentReads()).toHaveLength(1);
  });
});
