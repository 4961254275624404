// The root action records every deploy as a GitHub deployment, through the local GitHub endpoint: the
// commit and environment with the image, task definition and strategy in the payload, in_progress then
// success/failure with the service URL and the run; the previous production deployment left inactive (GitHub
// does not do that itself for production environments); a token without deployments: write is a warning
// that leaves the deploy's outcome alone, or, with record-deployment: required, an error before any AWS call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../support/aws/index.js';
import { type LocalGitHub, startLocalGitHub } from '../../support/github/index.js';
import { githubEnv } from '../../support/harness.js';
import {
  deployEnvironment,
  explain,
  type FakeService,
  image,
  inputs,
  serviceOf,
  startFakeService,
  TEST_TIMEOUT_MS,
} from './helpers.js';

const DEPLOYER = 'ghs_deployments_write_0000000000000000';
const READER = 'ghs_contents_read_only_00000000000000';
const SHA = githubEnv('', '').GITHUB_SHA ?? '';
const RUN_URL = 'https://github.com/acme/notes/actions/runs/4242';

let aws: LocalAws;
let gh: LocalGitHub;
let app: FakeService;

beforeAll(async () => {
  aws = await startLocalAws();
  app = await startFakeService(aws, 'production');
  gh = await startLocalGitHub({
    tokens: { [DEPLOYER]: { deployments: 'write', contents: 'read' }, [READER]: { contents: 'read' } },
  });
  gh.setCommits([{ sha: SHA, message: 'Add notes' }]);
});

afterAll(async () => {
  await app?.close();
  await gh?.stop();
  await aws?.stop();
});

function deploy(given: Record<string, string | undefined>, token = DEPLOYER) {
  return deployEnvironment(aws, inputs('production', given), {
    env: { GITHUB_API_URL: gh.url, GITHUB_TOKEN: token },
  });
}

const states = (id: number) => gh.deploymentStatuses(id).map((s) => s.state);

describe('root action: GitHub deployment records', { timeout: TEST_TIMEOUT_MS }, () => {
  it('records a deploy: payload, in_progress → success with the service URL and the run', async () => {
    const run = await deploy({ image: image(1), 'app-version': 'v1' });

    expect(run.code, explain(run)).toBe(0);
    expect(gh.deployments).toHaveLength(1);
    const [deployment] = gh.deployments;
    expect(deployment).toMatchObject({
      sha: SHA,
      ref: SHA,
      environment: 'production',
      production_environment: true,
      transient_environment: false,
      task: 'deploy',
      payload: {
        tool: 'aws-deploy-actions',
        image: image(1),
        digest: image(1).split('@')[1],
        taskDefinition: 'production-service',
        strategy: 'ROLLING',
      },
    });
    // Exactly this commit: no merge of the default branch, no wait on commit statuses.
    const create = gh.requests.find((r) => r.method === 'POST' && r.path === '/repos/acme/notes/deployments');
    expect(create?.body).toMatchObject({ auto_merge: false, required_contexts: [] });
    expect(create?.token).toBe(DEPLOYER);

    const statuses = gh.deploymentStatuses(deployment?.id ?? 0);
    expect(statuses.map((s) => s.state)).toEqual(['success', 'in_progress']);
    const service = await serviceOf(aws, 'production');
    expect(statuses[0]).toMatchObject({
      environment_url: app.url,
      log_url: RUN_URL,
      target_url: RUN_URL,
      description: `Running ${service?.taskDefinition?.split('/').at(-1)}`,
    });
    expect(statuses[1]?.log_url).toBe(RUN_URL);
    expect(run.summary).toContain(`GitHub deployment ${deployment?.id} to [production]`);
    expect(run.leaks(DEPLOYER)).toEqual([]);
    expect(run.masked).toContain(DEPLOYER);
  });

  it('leaves the previous production deployment inactive when a new one succeeds', async () => {
    const run = await deploy({ image: image(2), 'app-version': 'v2' });

    expect(run.code, explain(run)).toBe(0);
    const [first, second] = gh.deployments;
    expect(second?.payload).toMatchObject({ image: image(2) });
    expect(states(second?.id ?? 0)).toEqual(['success', 'in_progress']);
    // GitHub's auto_inactive skips production environments; the action marked it inactive.
    expect(states(first?.id ?? 0)).toEqual(['inactive', 'success', 'in_progress']);
  });

  it('records a rolled-back deploy as failure and keeps the last good deployment active', async () => {
    const before = await serviceOf(aws, 'production');
    aws.ecs.nextRollout({
      service: before?.serviceName ?? '',
      outcome: 'fail',
      durationMs: 1000,
      rollbackDurationMs: 1500,
      stoppedTasks: [
        { stoppedReason: 'Essential container in task exited', containers: [{ name: 'app', exitCode: 1 }] },
      ],
    });

    const run = await deploy({ image: image(3), 'app-version': 'v3' });

    expect(run.code, explain(run)).toBe(1);
    expect(run.outputs.status).toBe('rolled-back');
    const [, good, failed] = gh.deployments;
    const latest = gh.deploymentStatuses(failed?.id ?? 0)[0];
    expect(latest?.state).toBe('failure');
    expect(latest?.description.length).toBeLessThanOrEqual(140);
    expect(latest?.description).toContain(`The rollout of ${image(3).slice(0, 40)}`);
    expect(states(good?.id ?? 0)[0]).toBe('success');
    // The deploy's own error is the step's error, not anything about the record.
    expect(run.errors()[0]).toContain('Essential container in task exited');
  });

  it('without deployments: write, warns that the permission is missing and still deploys', async () => {
    const count = gh.deployments.length;

    const run = await deploy({ image: image(2), 'app-version': 'v2' }, READER);

    expect(run.code, explain(run)).toBe(0);
    // v2 again, after v3 rolled back: nothing to change.
    expect(run.outputs.status).toBe('unchanged');
    expect(gh.deployments).toHaveLength(count);
    const warning = run.annotations.find((a) => a.level === 'warning' && /not recorded/.test(a.message));
    expect(warning?.message).toContain('403');
    expect(warning?.message).toContain('deployments: write');
    expect(run.errors()).toEqual([]);
  });

  it('answers a 404 (a token that cannot see the repository) with what the token needs', async () => {
    const run = await deployEnvironment(aws, inputs('production', { image: image(2), 'app-version': 'v2' }), {
      env: { GITHUB_API_URL: gh.url, GITHUB_TOKEN: DEPLOYER, GITHUB_REPOSITORY: 'acme/elsewhere' },
    });

    expect(run.code, explain(run)).toBe(0);
    const warning = run.annotations.find((a) => a.level === 'warning' && /not recorded/.test(a.message));
    expect(warning?.message).toContain('not found (404)');
    expect(warning?.message).toContain('deployments: write');
  });

  it('with record-deployment: required, refuses before any AWS call when it cannot record', async () => {
    aws.clearCalls();

    const run = await deploy(
      { image: image(4), 'app-version': 'v4', 'record-deployment': 'required' },
      READER,
    );

    expect(run.code, explain(run)).toBe(1);
    expect(run.errors()[0]).toContain('record-deployment: required');
    expect(run.errors()[0]).toContain('deployments: write');
    expect(aws.calls).toEqual([]);
  });

  it('refuses record-deployment: required without a token, and an unknown mode, as input errors', async () => {
    const run = await deployEnvironment(
      aws,
      inputs('production', { 'record-deployment': 'always', 'github-token': '' }),
      { env: { GITHUB_API_URL: gh.url } },
    );
    expect(run.code).toBe(1);
    expect(run.errors()[0]).toContain('record-deployment: "always" is not one of: on, required, off');
    const required = await deployEnvironment(aws, inputs('production', { 'record-deployment': 'required' }), {
      env: { GITHUB_API_URL: gh.url },
    });
    expect(required.code).toBe(1);
    expect(required.errors()[0]).toContain('deploy-environment: github-token: is empty');
  });
});
