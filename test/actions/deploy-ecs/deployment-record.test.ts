// deploy-ecs with github-environment records the rollout as a GitHub deployment (what
// workflows/deploy-steps.yml uses), through the local GitHub endpoint; the same lib code as the root action.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, seedEcsService, startLocalAws } from '../../support/aws/index.js';
import { type LocalGitHub, startLocalGitHub } from '../../support/github/index.js';
import { githubEnv } from '../../support/harness.js';
import { deploy, explain, image, runEnv, type SmokeServer, smokeServer } from './helpers.js';

const TOKEN = 'ghs_deploy_ecs_deployments_0000000000000';
const SHA = githubEnv('', '').GITHUB_SHA ?? '';
const WEB = { cluster: 'prod', service: 'web' };

let aws: LocalAws;
let gh: LocalGitHub;
let smoke: SmokeServer;

beforeAll(async () => {
  aws = await startLocalAws();
  smoke = await smokeServer(() => ({ status: 200, body: '{"version":"v2"}' }));
});

afterAll(async () => {
  await smoke?.close();
  await aws?.stop();
});

beforeEach(async () => {
  await aws.reset();
  await gh?.stop();
  gh = await startLocalGitHub({ tokens: { [TOKEN]: { deployments: 'write' } } });
  gh.setCommits([{ sha: SHA, message: 'Add notes' }]);
});

const env = () => runEnv(aws, { GITHUB_API_URL: gh.url, GITHUB_TOKEN: TOKEN });

describe('deploy-ecs: GitHub deployment records', () => {
  it('records a rollout to github-environment: in_progress → success, the smoke URL’s origin, the run', async () => {
    await seedEcsService(aws, { ...WEB, image: image(1) });
    aws.ecs.nextRollout({ service: 'web', outcome: 'complete', durationMs: 800 });

    const run = await deploy(
      aws,
      { ...WEB, image: image(2), 'smoke-url': smoke.url, 'github-environment': 'staging' },
      { env: env() },
    );

    expect(run.code, explain(run)).toBe(0);
    const [deployment, ...more] = gh.deployments;
    expect(more).toEqual([]);
    expect(deployment).toMatchObject({
      sha: SHA,
      environment: 'staging',
      production_environment: false,
      payload: { tool: 'aws-deploy-actions', image: image(2), strategy: 'ROLLING' },
    });
    const statuses = gh.deploymentStatuses(deployment?.id ?? 0);
    expect(statuses.map((s) => s.state)).toEqual(['success', 'in_progress']);
    expect(statuses[0]).toMatchObject({
      environment_url: new URL(smoke.url).origin,
      log_url: 'https://github.com/acme/notes/actions/runs/4242',
      description: 'Running web:2',
    });
  });

  it('records a rolled-back rollout as failure', async () => {
    await seedEcsService(aws, { ...WEB, image: image(1) });
    aws.ecs.nextRollout({ service: 'web', outcome: 'fail', durationMs: 800 });

    const run = await deploy(
      aws,
      { ...WEB, image: image(2), 'github-environment': 'staging' },
      { env: env() },
    );

    expect(run.code, explain(run)).toBe(1);
    expect(run.outputs.status).toBe('rolled-back');
    const latest = gh.deploymentStatuses(gh.deployments[0]?.id ?? 0)[0];
    expect(latest?.state).toBe('failure');
    expect(latest?.description).toMatch(/^The rollout of web:2 to web failed/);
    expect(run.errors()[0]).toMatch(/^The rollout of web:2 to web failed/);
  });

  it('records nothing without github-environment', async () => {
    await seedEcsService(aws, { ...WEB, image: image(1) });
    aws.ecs.nextRollout({ service: 'web', outcome: 'complete', durationMs: 500 });

    const run = await deploy(aws, { ...WEB, image: image(2) }, { env: env() });

    expect(run.code, explain(run)).toBe(0);
    expect(gh.requests).toEqual([]);
  });
});
