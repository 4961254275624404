// The reusable pipeline (.github/workflows/pipeline.yml), executed job by job as GitHub would run it when
// .github/workflows/deploy.yml calls it on a push to main: our actions' committed bundles against the local
// AWS, GitHub and Slack endpoints, third-party actions stood in. Each scenario starts from reset endpoints.
import { describe, expect, it } from 'vitest';
import {
  APPROVER,
  callerInputs,
  callerPermissions,
  describeRun,
  HEAD_SHA,
  runPipeline,
  SLACK_CHANNEL,
  SLACK_TOKEN,
} from './environment.js';
import type { WorkflowRun } from './runner.js';
import {
  expectProductionRejected,
  job,
  SCENARIO_TIMEOUT_MS,
  step,
  useEndpoints,
  messageVersions as versionsOf,
} from './scenario.js';

const SECOND_SHA = '89abcdef0123456789abcdef0123456789abcdef';

const endpoints = useEndpoints();

/** The approver answers the approval issue as soon as it is opened. */
function answerApproval(body: string): void {
  endpoints.github.onIssueOpened((issue) => {
    endpoints.github.addComment({ issue: issue.number, user: APPROVER, body });
  });
}

/** The Slack Web API calls the run made, in order. */
function slackCalls() {
  return endpoints.slack.requests.filter((r) => r.kind === 'api' && r.method.startsWith('chat.'));
}

const messageVersions = () => versionsOf(endpoints);

const IMAGE = /^123456789012\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/notes@sha256:[0-9a-f]{64}$/;

describe('the pipeline', () => {
  it(
    'takes a push to staging, through the approval issue, to production, with one Slack message kept current',
    async () => {
      answerApproval('approve');
      // A channel by name: the first post works with it, the updates need the ID the test job hands on.
      const run = await runPipeline(endpoints, {
        inputs: callerInputs(endpoints, { 'slack-channel': '#deploys' }),
      });
      const summary = describeRun(run);
      expect(run.order, summary).toEqual([
        'checks',
        'test',
        'build',
        'staging',
        'approve',
        'production',
        'report',
      ]);
      // Issue mode: the production environment's rules are not this run's gate, so they are not read.
      expect(step(job(run, 'checks'), 'action:approve').conclusion).toBe('skipped');
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
      expect(job(run, 'test').outputs['slack-channel']).toBe(SLACK_CHANNEL);
      expect(calls[0]?.params.channel).toBe('#deploys');
      for (const call of calls.slice(1, 4)) {
        expect(call.params.ts).toBe(ts);
        expect(call.params.channel).toBe(SLACK_CHANNEL);
      }
      for (const id of run.order)
        for (const s of job(run, id).steps.filter((s) => s.action === 'slack-notify'))
          expect(s.stdout, `${id}: ${s.name}`).not.toMatch(/channel_not_found|::warning/);
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
    'rolls the next push out as a CANARY in staging and production, each gated on its test listener first',
    async () => {
      answerApproval('approve');
      const inputs = callerInputs(endpoints, { 'deployment-strategy': 'CANARY' });
      const first = await runPipeline(endpoints, { inputs });
      expect(first.result, describeRun(first)).toBe('success');
      const services = ['staging', 'production'].map(
        (env) => step(job(first, env), 'deploy').outputs['service-arn'] ?? '',
      );
      // A configured minute lasts 300 ms here: the pause for the gate 9 s, each bake 3 s.
      for (const service of services)
        endpoints.aws.ecs.nextRollout({ service, outcome: 'complete', native: { minuteMs: 300 } });

      const run = await runPipeline(endpoints, {
        inputs,
        github: { sha: SECOND_SHA, run_id: '4244', run_number: '19' },
        appFiles: { VERSION: `${SECOND_SHA}\n` },
      });

      const summary = describeRun(run);
      for (const id of run.order) expect(job(run, id).result, `${id}\n${summary}`).toBe('success');
      for (const [i, env] of ['staging', 'production'].entries()) {
        const deploy = step(job(run, env), 'deploy');
        expect(deploy.outputs.status, env).toBe('deployed');
        const deployments = await endpoints.aws.ecs.serviceDeployments(services[i] ?? '');
        expect(
          deployments.map((d) => [d.strategy, d.status]),
          env,
        ).toEqual([['CANARY', 'SUCCESSFUL']]);
        expect(deployments[0]?.hooks, env).toEqual([
          expect.objectContaining({ stage: 'POST_TEST_TRAFFIC_SHIFT', status: 'SUCCEEDED' }),
        ]);
        expect([...new Set(deployments[0]?.history.map((h) => h.production))], env).toEqual([0, 10, 100]);
        // The gate asked the new revision through the test rule, before production had any of it.
        const host = new URL(deploy.outputs.url ?? '').hostname;
        const gated = endpoints.loadBalancers.requests.filter((r) => r.host === host && r.testRule);
        expect(gated.length, env).toBeGreaterThan(0);
        expect(JSON.parse(gated.at(-1)?.body ?? '{}'), env).toEqual({ version: SECOND_SHA });
        expect(deploy.stdout, env).toContain('Test gate passed');
        const records = endpoints.github.deployments.filter((d) => d.environment === env);
        expect(records.at(-1)?.payload, env).toMatchObject({ strategy: 'CANARY' });
      }
      expect(endpoints.aws.callCount({ action: 'ContinueServiceDeployment' })).toBe(2);
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
    'in environment mode checks that production has required reviewers, then holds production until one approves',
    async () => {
      endpoints.github.setEnvironment('production', { reviewers: [APPROVER], preventSelfReview: true });
      // `secrets: inherit`: the repository's secrets arrive under their own names, SLACK_BOT_TOKEN among them.
      const run = await runPipeline(endpoints, {
        inputs: callerInputs(endpoints, { approval: 'environment', approvers: '' }),
        inheritSecrets: true,
        secrets: { SLACK_BOT_TOKEN: SLACK_TOKEN, NPM_TOKEN: 'npm_e2eUnrelatedRepositorySecret0000' },
        review: (environment) =>
          environment === 'production' ? { reviewer: APPROVER, state: 'approved' } : undefined,
      });
      const summary = describeRun(run);
      expect(job(run, 'approve').result, summary).toBe('skipped');
      for (const id of ['checks', 'test', 'build', 'staging', 'production', 'report'])
        expect(job(run, id).result, `${id}\n${summary}`).toBe('success');
      expect(step(job(run, 'checks'), 'action:approve').outputs).toEqual({
        status: 'protected',
        reviewers: APPROVER,
      });
      expect(job(run, 'checks').permissions).toEqual({ actions: 'read' });
      expect(
        endpoints.github.requests
          .filter((r) => r.path === '/repos/acme/notes/environments/production')
          .map((r) => r.status),
      ).toEqual([200]);
      // The production job waited for the required reviewer; staging has no rules and ran at once.
      expect(job(run, 'staging').review).toEqual({ state: 'unprotected' });
      expect(job(run, 'production').review).toEqual({ state: 'approved', reviewer: APPROVER });
      expect(endpoints.github.reviews).toEqual([
        { environment: 'production', reviewer: APPROVER, state: 'approved', comment: '' },
      ]);
      expect(job(run, 'production').environment?.name).toBe('production');
      expect(step(job(run, 'production'), 'deploy').inputs.image).toBe(job(run, 'build').outputs.image);
      expect(endpoints.github.issues).toHaveLength(0);
      expect(run.result).toBe('success');
      // Slack, through the inherited secret: one message, ending deployed.
      expect(endpoints.slack.messages(SLACK_CHANNEL)).toHaveLength(1);
      expect(messageVersions().at(-1)).toMatch(/Deployed to production/);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'refuses to start in environment mode when production has no required reviewers, or cannot be read',
    async () => {
      const environmentMode = { inputs: callerInputs(endpoints, { approval: 'environment', approvers: '' }) };
      const refused = (run: WorkflowRun) => {
        const summary = describeRun(run);
        expect(job(run, 'checks').result, summary).toBe('failure');
        for (const id of ['test', 'build', 'staging', 'approve', 'production'])
          expect(job(run, id).result, `${id}\n${summary}`).toBe('skipped');
        expect(run.result).toBe('failure');
        expect(step(job(run, 'report'), 'outcome').outputs).toMatchObject({
          status: 'failed',
          failed: 'checks',
        });
        return step(job(run, 'checks'), 'action:approve').errors.join('\n');
      };

      // Never configured: the environment does not exist yet.
      const missing = await runPipeline(endpoints, environmentMode);
      expect(refused(missing)).toContain(
        'approve: the production environment does not exist in acme/notes, so nothing would stop a deployment to it',
      );
      // Created by an earlier job that named it (GitHub creates it without protection rules), or with only
      // a wait timer: still nobody has to approve.
      endpoints.github.useEnvironment('production');
      const unprotected = await runPipeline(endpoints, environmentMode);
      const why = refused(unprotected);
      expect(why).toContain('the production environment of acme/notes has no required reviewers');
      expect(why).toContain('"Required reviewers"');
      expect(why).toContain('allow-unprotected-production');
      endpoints.github.setEnvironment('production', { waitTimerMinutes: 10 });
      expect(refused(await runPipeline(endpoints, environmentMode))).toContain('(its rules: wait_timer)');

      // A caller that does not grant actions: read: the check fails with the permission, never assumes.
      endpoints.github.setEnvironment('production', { reviewers: [APPROVER] });
      const { actions: _dropped, ...withoutActions } = callerPermissions();
      const unreadable = await runPipeline(endpoints, {
        ...environmentMode,
        callerPermissions: withoutActions,
      });
      expect(refused(unreadable)).toContain('needs actions: read');

      // Nothing was built, pushed or deployed in any of these runs.
      expect(endpoints.aws.calls).toEqual([]);
      expect(endpoints.github.issues).toHaveLength(0);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'deploys an unprotected production only with allow-unprotected-production, and a Slack token without a channel only warns',
    async () => {
      // An organisation-wide SLACK_BOT_TOKEN in a repository that set no channel.
      const run = await runPipeline(endpoints, {
        inputs: callerInputs(endpoints, {
          approval: 'environment',
          approvers: '',
          'allow-unprotected-production': 'true',
          'slack-channel': '',
        }),
      });
      const summary = describeRun(run);
      for (const id of ['checks', 'test', 'build', 'staging', 'production', 'report'])
        expect(job(run, id).result, `${id}\n${summary}`).toBe('success');
      expect(run.result).toBe('success');
      const gate = step(job(run, 'checks'), 'action:approve');
      expect(gate.outputs.status).toBe('unprotected');
      expect(gate.stdout).toContain('::warning');
      expect(gate.stdout).toContain('the deployment goes on without anyone approving it');
      expect(job(run, 'production').review).toEqual({ state: 'unprotected' });
      const notify = step(job(run, 'test'), 'slack');
      expect(notify.conclusion).toBe('success');
      expect(notify.stdout).toContain('slack-notify: channel: is required with bot-token');
      expect(notify.stdout).toContain('the deployment goes on (fail-on-error is false)');
      expect(endpoints.slack.requests.filter((r) => r.kind === 'api')).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    "fails production when the environment's required reviewer rejects it",
    async () => {
      endpoints.github.setEnvironment('production', { reviewers: [APPROVER] });
      const run = await runPipeline(endpoints, {
        inputs: callerInputs(endpoints, { approval: 'environment', approvers: '' }),
        review: () => ({ reviewer: APPROVER, state: 'rejected' }),
      });
      expectProductionRejected(run, endpoints);
      expect(step(job(run, 'report'), 'outcome').outputs).toMatchObject({
        status: 'failed',
        failed: 'production',
      });
      expect(messageVersions().at(-1)).toMatch(/fail/i);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'stops at the build when the image scan finds a CRITICAL vulnerability: nothing deploys',
    async () => {
      endpoints.aws.ecr.scanResult({
        repository: 'notes',
        status: 'COMPLETE',
        findings: [{ name: 'CVE-2024-0001', severity: 'CRITICAL', package: 'openssl', version: '3.0.1' }],
      });
      answerApproval('approve');
      const run = await runPipeline(endpoints);
      const summary = describeRun(run);
      const build = job(run, 'build');
      expect(build.result, summary).toBe('failure');
      expect(step(build, 'image').inputs).toMatchObject({ scan: 'wait', 'fail-on-severity': 'CRITICAL' });
      expect(step(build, 'image').errors.join('\n')).toMatch(/CRITICAL/);
      for (const id of ['staging', 'approve', 'production'])
        expect(job(run, id).result, `${id}\n${summary}`).toBe('skipped');
      expect(endpoints.aws.calls.filter((c) => c.service === 'cloudformation')).toEqual([]);
      expect(step(job(run, 'report'), 'outcome').outputs).toMatchObject({
        status: 'failed',
        failed: 'build',
      });
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
      const checks = job(run, 'checks');
      expect(checks.result, summary).toBe('failure');
      expect(JSON.stringify(checks.steps), summary).toContain(
        'approval: \\"issues\\" is not one of environment, issue, both',
      );
      for (const id of ['test', 'build', 'staging', 'approve', 'production'])
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
