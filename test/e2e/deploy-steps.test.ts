// The copyable step-by-step workflow (workflows/deploy-steps.yml), executed job by job as GitHub would run it
// in a repository that copied it (the app at the root, cloudformation/ copied next to it): our actions'
// committed bundles against the local AWS, GitHub and Slack endpoints, the production environment's required
// reviewers modelled by the runner. Each scenario starts from reset endpoints.
import { describe, expect, it } from 'vitest';
import { APPROVER, describeRun, HEAD_SHA, runDeploySteps, SLACK_CHANNEL } from './environment.js';
import type { JobRecord } from './runner.js';
import {
  expectProductionRejected,
  job,
  messageVersions,
  SCENARIO_TIMEOUT_MS,
  useEndpoints,
} from './scenario.js';

const endpoints = useEndpoints((e) => {
  e.github.setEnvironment('production', { reviewers: [APPROVER] });
});

/** The run's one Slack message: every version of it, oldest first. */
function slackVersions(): string[] {
  expect(endpoints.slack.messages(SLACK_CHANNEL)).toHaveLength(1);
  return messageVersions(endpoints);
}

/** What a job deployed: each deploy-stack step's template, and whether it used the root action. */
function deployed(record: JobRecord) {
  return {
    templates: record.steps.filter((s) => s.action === 'deploy-stack').map((s) => s.inputs.template),
    root: record.steps.some((s) => s.action === 'root'),
  };
}

const approve = (environment: string) =>
  environment === 'production' ? ({ reviewer: APPROVER, state: 'approved' } as const) : undefined;

describe('workflows/deploy-steps.yml', () => {
  it(
    'takes a push through staging and, once a reviewer approves, production, both from the same templates',
    async () => {
      const run = await runDeploySteps(endpoints, { review: approve });
      const summary = describeRun(run);
      expect(run.order, summary).toEqual(['checks', 'test', 'build', 'staging', 'production', 'report']);
      for (const id of run.order) {
        expect(job(run, id).result, `${id}\n${summary}`).toBe('success');
        expect(job(run, id).warnings, id).toEqual([]);
      }
      expect(job(run, 'production').review).toEqual({ state: 'approved', reviewer: APPROVER });

      // Staging and production deploy the repository's copied templates, the same three, step by step.
      const staging = deployed(job(run, 'staging'));
      const production = deployed(job(run, 'production'));
      expect(staging.templates).toEqual([
        'cloudformation/network.yml',
        'cloudformation/database.yml',
        'cloudformation/service.yml',
      ]);
      expect(production).toEqual(staging);
      for (const env of ['staging', 'production'])
        for (const layer of ['network', 'database', 'service'])
          expect(
            endpoints.aws.cloudformation.operations(`${env}-${layer}`).map((o) => o.finalStatus),
            `${env}-${layer}`,
          ).toContain('CREATE_COMPLETE');

      // Both smoke tests saw this commit.
      const smoke = endpoints.loadBalancers.requests.filter((r) => r.path === '/version' && r.status === 200);
      expect(new Set(smoke.map((r) => r.host)).size).toBe(2);
      for (const request of smoke) expect(JSON.parse(request.body)).toEqual({ version: HEAD_SHA });

      // One Slack message: started, staging deployed, then the report's final word.
      const versions = slackVersions();
      expect(versions[0]).toMatch(/start/i);
      expect(versions.at(-1)).toMatch(/Deployed to production/);
      expect(versions.at(-1)).toContain(job(run, 'production').outputs.url);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'ends the Slack message failed when the tests fail, instead of leaving it at started',
    async () => {
      const run = await runDeploySteps(endpoints, {
        appFiles: { 'test.mjs': "console.log('not ok 1 - broken');\nprocess.exitCode = 1;\n" },
        review: approve,
      });
      const summary = describeRun(run);
      expect(job(run, 'test').result, summary).toBe('failure');
      for (const id of ['build', 'staging', 'production'])
        expect(job(run, id).result, `${id}\n${summary}`).toBe('skipped');
      expect(job(run, 'report').result, summary).toBe('success');
      expect(endpoints.aws.calls.filter((c) => c.service !== 'sts')).toEqual([]);
      const versions = slackVersions();
      expect(versions).toHaveLength(2);
      expect(versions[0]).toMatch(/start/i);
      expect(versions[1]).toMatch(/Test failed/);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'deploys nothing to production when the reviewer rejects it, and Slack ends failed',
    async () => {
      const run = await runDeploySteps(endpoints, {
        review: () => ({ reviewer: APPROVER, state: 'rejected' }),
      });
      expectProductionRejected(run, endpoints);
      expect(slackVersions().at(-1)).toMatch(/Production failed/);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'refuses a push before anything runs while production has no required reviewers',
    async () => {
      endpoints.github.setEnvironment('production', {});
      const run = await runDeploySteps(endpoints);
      const summary = describeRun(run);
      expect(job(run, 'checks').result, summary).toBe('failure');
      for (const id of ['test', 'build', 'staging', 'production'])
        expect(job(run, id).result, `${id}\n${summary}`).toBe('skipped');
      expect(JSON.stringify(job(run, 'checks').steps)).toContain('has no required reviewers');
      expect(endpoints.aws.calls).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
