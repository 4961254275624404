// The reusable pipeline (.github/workflows/pipeline.yml), executed job by job as GitHub would run it when
// .github/workflows/deploy.yml calls it on a push to main: our actions' committed bundles against the local
// AWS, GitHub and Slack endpoints, third-party actions stood in. Each scenario starts from reset endpoints.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  APPROVER,
  callerInputs,
  describeRun,
  type Endpoints,
  HEAD_SHA,
  resetEndpoints,
  runPipeline,
  SLACK_CHANNEL,
  startEndpoints,
  stopEndpoints,
} from './environment.js';
import type { JobRecord, WorkflowRun } from './runner.js';

const SECOND_SHA = '89abcdef0123456789abcdef0123456789abcdef';
const SCENARIO_TIMEOUT_MS = 360_000;

let endpoints: Endpoints;

beforeAll(async () => {
  endpoints = await startEndpoints();
}, 120_000);

afterAll(async () => {
  await stopEndpoints(endpoints);
});

beforeEach(async () => {
  await resetEndpoints(endpoints);
});

/** The approver answers the approval issue as soon as it is opened. */
function answerApproval(body: string): void {
  endpoints.github.onIssueOpened((issue) => {
    endpoints.github.addComment({ issue: issue.number, user: APPROVER, body });
  });
}

function job(run: WorkflowRun, id: string): JobRecord {
  const record = run.jobs[id];
  if (!record) throw new Error(`no job ${id} in the run`);
  return record;
}

/** A step by its id, or by the action it runs (`action:approve`). */
function step(record: JobRecord, id: string) {
  const found = record.steps.find((s) => s.id === id || `action:${s.action}` === id);
  if (!found) throw new Error(`no step ${id} in job ${record.id}`);
  return found;
}

/** The Slack Web API calls the run made, in order. */
function slackCalls() {
  return endpoints.slack.requests.filter((r) => r.kind === 'api' && r.method.startsWith('chat.'));
}

/** Every version of the run's message, oldest first (its edit history, then what it shows now). */
function messageVersions(): string[] {
  const [message] = endpoints.slack.messages(SLACK_CHANNEL);
  if (!message) return [];
  const render = (v: { text: string; blocks?: unknown[] }) => `${v.text}\n${JSON.stringify(v.blocks ?? [])}`;
  return [...message.edits.map(render), render(message)];
}

const IMAGE = /^123456789012\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/notes@sha256:[0-9a-f]{64}$/;

describe('the pipeline', () => {
  it(
    'takes a push to staging, through the approval issue, to production, with one Slack message kept current',
    async () => {
      answerApproval('approve');
      const run = await runPipeline(endpoints);
      const summary = describeRun(run);
      expect(run.order, summary).toEqual(['test', 'build', 'staging', 'approve', 'production', 'report']);
      for (const id of run.order) expect(job(run, id).result, summary).toBe('success');
      expect(run.result).toBe('success');

      // The image travels by digest: what build pushed is what both environments deployed.
      const image = job(run, 'build').outputs.image ?? '';
      expect(image).toMatch(IMAGE);
      const staging = job(run, 'staging');
      const production = job(run, 'production');
      expect(step(staging, 'deploy').inputs.image).toBe(image);
      expect(step(production, 'deploy').inputs.image).toBe(image);
      expect(step(staging, 'deploy').inputs.environment).toBe('staging');
      expect(step(production, 'deploy').inputs.environment).toBe('production');
      expect(step(staging, 'deploy').outputs.status).toBe('deployed');
      expect(step(production, 'deploy').outputs.status).toBe('deployed');

      // Environments: named, with the URL the deploy step reported.
      const stagingUrl = step(staging, 'deploy').outputs.url ?? '';
      const productionUrl = step(production, 'deploy').outputs.url ?? '';
      expect(stagingUrl).toMatch(/^https?:\/\//);
      expect(productionUrl).toMatch(/^https?:\/\//);
      expect(productionUrl).not.toBe(stagingUrl);
      expect(staging.environment).toEqual({ name: 'staging', url: stagingUrl });
      expect(production.environment).toEqual({ name: 'production', url: productionUrl });
      expect(staging.concurrency).toEqual({ group: 'deploy-acme/notes-staging', cancelInProgress: false });
      expect(production.concurrency).toEqual({
        group: 'deploy-acme/notes-production',
        cancelInProgress: false,
      });
      expect(run.outputs).toEqual({ image, 'staging-url': stagingUrl, 'production-url': productionUrl });

      // Each deploy recorded as a GitHub deployment of this commit (the job token has deployments: write).
      for (const [environment, url] of [
        ['staging', stagingUrl],
        ['production', productionUrl],
      ] as const) {
        const records = endpoints.github.deployments.filter((d) => d.environment === environment);
        expect(
          records.map((d) => d.sha),
          environment,
        ).toEqual([HEAD_SHA]);
        expect(records[0]?.payload).toMatchObject({ image, strategy: 'ROLLING' });
        const statuses = endpoints.github.deploymentStatuses(records[0]?.id ?? 0);
        expect(statuses.map((s) => s.state)).toEqual(['success', 'in_progress']);
        expect(statuses[0]?.environment_url).toBe(url);
      }

      // The smoke tests reached each environment's load balancer and saw this commit's version.
      const smoke = endpoints.loadBalancers.requests.filter((r) => r.path === '/version' && r.status === 200);
      expect(new Set(smoke.map((r) => r.host))).toEqual(
        new Set([new URL(stagingUrl).hostname, new URL(productionUrl).hostname]),
      );
      for (const request of smoke) expect(JSON.parse(request.body)).toEqual({ version: HEAD_SHA });

      // Each environment's three layers went through CloudFormation.
      for (const env of ['staging', 'production'])
        for (const layer of ['network', 'database', 'service']) {
          const operations = endpoints.aws.cloudformation.operations(`${env}-${layer}`);
          expect(
            operations.map((o) => o.finalStatus),
            `${env}-${layer}`,
          ).toContain('CREATE_COMPLETE');
        }

      // The approval issue: opened for production, approved by the approver, closed.
      expect(endpoints.github.issues).toHaveLength(1);
      const issue = endpoints.github.issues[0];
      expect(issue?.title).toMatch(/production/);
      expect(issue?.state).toBe('closed');
      expect(endpoints.github.commentsOn(issue?.number ?? 0).map((c) => c.user.login)).toContain(APPROVER);
      expect(step(job(run, 'approve'), 'action:approve').outputs.status).toBe('approved');

      // Slack: one message, posted by the test job and updated by each later stage.
      const calls = slackCalls();
      expect(calls.map((c) => c.method)).toEqual([
        'chat.postMessage',
        'chat.update',
        'chat.update',
        'chat.update',
        ...calls.slice(4).map(() => 'chat.postMessage'),
      ]);
      const ts = job(run, 'test').outputs['message-ts'];
      expect(ts).toBeTruthy();
      for (const call of calls.slice(1, 4)) expect(call.params.ts).toBe(ts);
      const messages = endpoints.slack.messages(SLACK_CHANNEL);
      expect(messages).toHaveLength(1);
      const versions = messageVersions();
      expect(versions).toHaveLength(4);
      expect(versions[0]).toMatch(/start/i);
      expect(versions[1]).toMatch(/staging/i);
      expect(versions[2]).toMatch(/approv/i);
      expect(versions[3]).toMatch(/succeeded|deployed|success/i);
      expect(versions[3]).toContain(productionUrl);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'stops at staging when the new version crashes, and Slack shows the failure and the stopped reason',
    async () => {
      answerApproval('approve');
      const first = await runPipeline(endpoints);
      expect(first.result, describeRun(first)).toBe('success');
      const serviceArn = step(job(first, 'staging'), 'deploy').outputs['service-arn'] ?? '';
      expect(serviceArn).toMatch(/^arn:aws:ecs:/);
      const messagesBefore = endpoints.slack.messages(SLACK_CHANNEL).length;
      const issuesBefore = endpoints.github.issues.length;
      const productionOperations = endpoints.aws.cloudformation.operations('production-service').length;

      // The next commit's image crashes on start in staging.
      const reason = 'Essential container in task exited';
      endpoints.aws.ecs.nextRollout({
        service: serviceArn,
        outcome: 'fail',
        durationMs: 1500,
        stoppedTasks: [
          {
            stoppedReason: reason,
            containers: [{ name: 'app', exitCode: 1 }],
            logLines: ['Error: listen EADDRINUSE: address already in use :::3000'],
          },
        ],
      });
      const run = await runPipeline(endpoints, {
        github: { sha: SECOND_SHA, run_id: '4243', run_number: '18' },
        appFiles: { VERSION: `${SECOND_SHA}\n` },
      });
      const summary = describeRun(run);
      const staging = job(run, 'staging');
      expect(job(run, 'test').result, summary).toBe('success');
      expect(job(run, 'build').result, summary).toBe('success');
      expect(job(run, 'build').outputs.image).not.toBe(job(first, 'build').outputs.image);
      expect(staging.result, summary).toBe('failure');
      expect(step(staging, 'deploy').outputs.status).toMatch(/failed|rolled-back/);
      expect(step(staging, 'deploy').outputs.error).toContain(reason);
      expect(job(run, 'approve').result).toBe('skipped');
      expect(job(run, 'production').result).toBe('skipped');
      expect(job(run, 'report').result).toBe('success');
      expect(step(job(run, 'report'), 'outcome').outputs).toMatchObject({
        status: 'failed',
        failed: 'staging',
      });
      expect(run.result).toBe('failure');
      expect(endpoints.github.issues).toHaveLength(issuesBefore);
      expect(endpoints.aws.cloudformation.operations('production-service')).toHaveLength(
        productionOperations,
      );

      // This run's own message ends failed, naming the stopped reason.
      const messages = endpoints.slack.messages(SLACK_CHANNEL);
      expect(messages).toHaveLength(messagesBefore + 1);
      const message = messages.at(-1);
      const shown = `${message?.text}\n${JSON.stringify(message?.blocks ?? [])}\n${JSON.stringify(message?.replies ?? [])}`;
      expect(shown).toMatch(/fail/i);
      expect(shown).toContain(reason);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'skips production when the approver denies it, and the run and Slack end failed',
    async () => {
      answerApproval('deny');
      const run = await runPipeline(endpoints);
      const summary = describeRun(run);
      expect(job(run, 'staging').result, summary).toBe('success');
      expect(job(run, 'approve').result, summary).toBe('failure');
      expect(step(job(run, 'approve'), 'action:approve').outputs.status).toBe('denied');
      expect(job(run, 'production').result).toBe('skipped');
      expect(job(run, 'production').environment).toBeUndefined();
      expect(endpoints.aws.cloudformation.operations('production-service')).toEqual([]);
      expect(job(run, 'report').result).toBe('success');
      expect(step(job(run, 'report'), 'outcome').outputs).toMatchObject({
        status: 'failed',
        failed: 'approve',
      });
      expect(run.result).toBe('failure');
      expect(run.outputs['production-url']).toBe('');

      const messages = endpoints.slack.messages(SLACK_CHANNEL);
      expect(messages).toHaveLength(1);
      const versions = messageVersions();
      expect(versions.at(-2)).toMatch(/approv/i);
      expect(versions.at(-1)).toMatch(/fail/i);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'leaves approval to the production environment in environment mode: no issue, production still deploys',
    async () => {
      // GitHub's required reviewers gate the production job itself; the runner starts it as an approved one.
      const run = await runPipeline(endpoints, {
        inputs: callerInputs(endpoints, { approval: 'environment', approvers: '' }),
      });
      const summary = describeRun(run);
      expect(job(run, 'approve').result, summary).toBe('skipped');
      for (const id of ['test', 'build', 'staging', 'production', 'report'])
        expect(job(run, id).result, `${id}\n${summary}`).toBe('success');
      expect(job(run, 'production').environment?.name).toBe('production');
      expect(step(job(run, 'production'), 'deploy').inputs.image).toBe(job(run, 'build').outputs.image);
      expect(endpoints.github.issues).toHaveLength(0);
      expect(run.result).toBe('success');
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'runs only test and an unpushed build for a pull request: no AWS call, no deploy, no Slack message',
    async () => {
      const run = await runPipeline(endpoints, {
        github: { event_name: 'pull_request', ref: 'refs/pull/7/merge', run_id: '4301' },
      });
      const summary = describeRun(run);
      expect(job(run, 'test').result, summary).toBe('success');
      expect(job(run, 'build').result, summary).toBe('success');
      expect(step(job(run, 'build'), 'image').outputs.image ?? '').toBe('');
      for (const id of ['staging', 'approve', 'production', 'report'])
        expect(job(run, id).result, `${id}\n${summary}`).toBe('skipped');
      expect(run.result).toBe('success');
      expect(endpoints.aws.calls.map((c) => `${c.service}:${c.action}`)).toEqual([]);
      expect(endpoints.github.issues).toHaveLength(0);
      expect(endpoints.slack.messages(SLACK_CHANNEL)).toHaveLength(0);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'refuses a misspelt approval mode before anything runs, rather than skipping the gate',
    async () => {
      const run = await runPipeline(endpoints, {
        inputs: callerInputs(endpoints, { approval: 'issues' }),
      });
      const summary = describeRun(run);
      const test = job(run, 'test');
      expect(test.result, summary).toBe('failure');
      expect(JSON.stringify(test.steps), summary).toContain(
        'approval: \\"issues\\" is not one of environment, issue, both',
      );
      for (const id of ['build', 'staging', 'approve', 'production'])
        expect(job(run, id).result, `${id}\n${summary}`).toBe('skipped');
      expect(run.result).toBe('failure');
      expect(endpoints.aws.calls.filter((c) => c.service !== 'sts')).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'reports everything unchanged when the same image runs again',
    async () => {
      answerApproval('approve');
      const first = await runPipeline(endpoints);
      expect(first.result, describeRun(first)).toBe('success');
      const operationsBefore = Object.fromEntries(
        ['staging', 'production'].flatMap((env) =>
          ['network', 'database', 'service'].map((layer) => [
            `${env}-${layer}`,
            endpoints.aws.cloudformation.operations(`${env}-${layer}`).length,
          ]),
        ),
      );

      const run = await runPipeline(endpoints, { github: { run_id: '4243', run_number: '18' } });
      const summary = describeRun(run);
      for (const id of run.order) expect(job(run, id).result, summary).toBe('success');
      expect(job(run, 'build').outputs.image).toBe(job(first, 'build').outputs.image);
      for (const env of ['staging', 'production']) {
        const deploy = step(job(run, env), 'deploy');
        expect(deploy.outputs.status, env).toBe('unchanged');
        expect(deploy.outputs.url).toBe(step(job(first, env), 'deploy').outputs.url);
        expect(JSON.parse(deploy.outputs.stacks ?? 'null'), env).toEqual({
          [`${env}-network`]: 'unchanged',
          [`${env}-database`]: 'unchanged',
          [`${env}-service`]: 'unchanged',
        });
      }
      // No stack operation ran: the empty change sets were discarded.
      for (const [stack, count] of Object.entries(operationsBefore))
        expect(endpoints.aws.cloudformation.operations(stack).length, stack).toBe(count);
      expect(run.result).toBe('success');
      expect(endpoints.slack.messages(SLACK_CHANNEL)).toHaveLength(2);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
