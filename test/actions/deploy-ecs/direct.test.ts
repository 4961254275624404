// deploy-ecs on a service no CloudFormation stack owns: a new task definition revision and UpdateService,
// watched to the end, against the local AWS endpoint (moto + the ECS scenario layer).
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, seedEcsService, startLocalAws } from '../../support/aws/index.js';
import { runAction } from '../../support/harness.js';
import {
  callsOf,
  deploy,
  ecs,
  explain,
  image,
  REGISTRY,
  runEnv,
  serviceTaskDefinition,
  smokeServer,
  taskDefinition,
} from './helpers.js';

let aws: LocalAws;

beforeAll(async () => {
  aws = await startLocalAws();
});

afterAll(async () => {
  await aws?.stop();
});

beforeEach(async () => {
  await aws.reset();
});

const WEB = { cluster: 'prod', service: 'web' };

describe('deploy-ecs, direct path', () => {
  it('registers a revision with the new image, updates the service and waits for the rollout', async () => {
    const seeded = await seedEcsService(aws, { ...WEB, image: image(1), desiredCount: 2 });
    aws.ecs.nextRollout({ service: 'web', outcome: 'complete', durationMs: 1500 });

    const run = await deploy(aws, { ...WEB, image: image(2) });

    expect(run.code, explain(run)).toBe(0);
    expect(run.outputs.status).toBe('deployed');
    expect(run.outputs['previous-task-definition-arn']).toBe(seeded.taskDefinitionArn);
    expect(run.outputs['task-definition-arn']).toMatch(/:task-definition\/web:2$/);
    const [rollout, ...more] = aws.ecs.rollouts('web');
    expect(more).toEqual([]);
    expect(rollout?.deploymentId).toBe(run.outputs['deployment-id']);
    expect(rollout?.rolloutState).toBe('COMPLETED');
    expect(rollout?.taskDefinition).toBe(run.outputs['task-definition-arn']);

    // The new revision is the old one with the image swapped; nothing else lost.
    const before = await taskDefinition(aws, seeded.taskDefinitionArn);
    const after = await taskDefinition(aws, run.outputs['task-definition-arn']!);
    expect(after.containerDefinitions?.[0]?.image).toBe(image(2));
    expect({ ...after.containerDefinitions?.[0], image: undefined }).toEqual({
      ...before.containerDefinitions?.[0],
      image: undefined,
    });
    for (const field of [
      'cpu',
      'memory',
      'networkMode',
      'executionRoleArn',
      'requiresCompatibilities',
    ] as const) {
      expect(after[field]).toEqual(before[field]);
    }

    // Exactly one registration and one update; only fields RegisterTaskDefinition accepts were sent.
    expect(aws.callCount({ service: 'ecs', action: 'RegisterTaskDefinition' })).toBe(1);
    expect(aws.callCount({ service: 'ecs', action: 'UpdateService' })).toBe(1);
    const registered = aws.calls.find((c) => c.action === 'RegisterTaskDefinition')!.params;
    for (const readOnly of [
      'taskDefinitionArn',
      'revision',
      'status',
      'requiresAttributes',
      'compatibilities',
      'registeredAt',
      'registeredBy',
    ]) {
      expect(Object.keys(registered)).not.toContain(readOnly);
    }
    const update = aws.calls.find((c) => c.action === 'UpdateService')!.params;
    expect(update).toMatchObject({
      cluster: 'prod',
      service: 'web',
      taskDefinition: run.outputs['task-definition-arn'],
    });

    // Progress: state and counts as they change, new service events oldest first.
    expect(run.stdout).toMatch(/Rollout ecs-svc\/\d+ \(web:2\): IN_PROGRESS/);
    expect(run.stdout).toMatch(/Rollout ecs-svc\/\d+ \(web:2\): COMPLETED/);
    const started = run.stdout.indexOf('Event: (service web) has started 2 tasks');
    const completed = run.stdout.indexOf(
      `Event: (service web) (deployment ${rollout?.deploymentId}) deployment completed.`,
    );
    expect(started).toBeGreaterThan(0);
    // The completion event may land in the same poll as rolloutState COMPLETED or just after the action
    // has exited on that state; when it is logged, it comes after the start.
    if (completed >= 0) expect(completed).toBeGreaterThan(started);
    // The steady-state event from before the deploy is not news: none is logged before the new tasks start
    // (the new steady-state event, like the completion event, may come after the action has exited).
    const steady = run.stdout.indexOf('has reached a steady state');
    expect(steady === -1 || steady > started).toBe(true);
    expect(run.stdout.split('has reached a steady state').length - 1).toBeLessThanOrEqual(1);

    expect(run.summary).toContain('✅ deployed: web');
    expect(run.summary).toContain('web:1 → web:2');
    expect(run.summary).toContain(image(2));
    expect(run.summary).toContain('Rollout timeline');
    expect(run.summary).toMatch(/\| \+\d+s \| ecs-svc\/\d+ \| COMPLETED \| 2 \| 0 \| 2 \| 0 \|/);
    expect(run.errors()).toEqual([]);
    expect(run.annotations.filter((a) => a.level === 'warning')).toEqual([]);
  });

  it('is a no-op when the service already runs the image: nothing registered, no deployment', async () => {
    const seeded = await seedEcsService(aws, { ...WEB, image: image(1) });

    const run = await deploy(aws, { ...WEB, image: image(1) });

    expect(run.code, explain(run)).toBe(0);
    expect(run.outputs.status).toBe('unchanged');
    expect(run.outputs['task-definition-arn']).toBe(seeded.taskDefinitionArn);
    expect(run.outputs['previous-task-definition-arn']).toBe(seeded.taskDefinitionArn);
    expect(aws.callCount({ service: 'ecs', action: 'RegisterTaskDefinition' })).toBe(0);
    expect(aws.callCount({ service: 'ecs', action: 'UpdateService' })).toBe(0);
    expect(aws.ecs.rollouts('web')).toEqual([]);
    expect(run.stdout).toContain('No changes: web already runs');
    expect(run.summary).toContain('unchanged');
  });

  it('warns when the image is referenced by a mutable tag, and still deploys it', async () => {
    await seedEcsService(aws, { ...WEB, image: image(1) });

    const run = await deploy(aws, { ...WEB, image: `${REGISTRY}:latest` });

    expect(run.code, explain(run)).toBe(0);
    const warnings = run.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^deploy-ecs: image: .*notes:latest is referenced by the tag "latest".*by digest/,
      ),
    ]);
  });

  it('names the containers when container-name is ambiguous or missing, and deploys to the one named', async () => {
    const seeded = await seedEcsService(aws, { ...WEB, image: image(1) });
    // A second essential container (a proxy sidecar), rolled out before the action runs.
    const base = await taskDefinition(aws, seeded.taskDefinitionArn);
    const app = base.containerDefinitions![0]!;
    const registered = await ecs(aws).send(
      new RegisterTaskDefinitionCommand({
        family: 'web',
        networkMode: base.networkMode,
        requiresCompatibilities: base.requiresCompatibilities,
        cpu: base.cpu,
        memory: base.memory,
        executionRoleArn: base.executionRoleArn,
        containerDefinitions: [
          app,
          { name: 'proxy', image: 'public.ecr.aws/nginx/nginx:1.27', essential: true },
        ],
      }),
    );
    const twoContainers = registered.taskDefinition!.taskDefinitionArn!;
    await ecs(aws).send(new UpdateServiceCommand({ ...WEB, taskDefinition: twoContainers }));
    await expect.poll(() => aws.ecs.rollouts('web')[0]?.rolloutState, { timeout: 10_000 }).toBe('COMPLETED');
    aws.clearCalls();

    const ambiguous = await deploy(aws, { ...WEB, image: image(2) });
    expect(ambiguous.code, explain(ambiguous)).toBe(1);
    expect(ambiguous.errors()[0]).toBe(
      "deploy-ecs: container-name: the service's task definition web:2 has 2 essential containers (app, proxy); set container-name to the one that runs the image",
    );
    expect(ambiguous.outputs.status).toBe('failed');

    const missing = await deploy(aws, { ...WEB, image: image(2), 'container-name': 'worker' });
    expect(missing.code, explain(missing)).toBe(1);
    expect(missing.errors()[0]).toBe(
      `deploy-ecs: container-name: the service's task definition web:2 has no container named "worker"; its containers are: app, proxy`,
    );
    expect(aws.callCount({ action: 'RegisterTaskDefinition' })).toBe(0);
    expect(aws.callCount({ action: 'UpdateService' })).toBe(0);

    const named = await deploy(aws, {
      ...WEB,
      image: 'public.ecr.aws/nginx/nginx@sha256:' + 'b'.repeat(64),
      'container-name': 'proxy',
    });
    expect(named.code, explain(named)).toBe(0);
    const after = await taskDefinition(aws, named.outputs['task-definition-arn']!);
    expect(after.containerDefinitions?.map((c) => [c.name, c.image])).toEqual([
      ['app', image(1)],
      ['proxy', `public.ecr.aws/nginx/nginx@sha256:${'b'.repeat(64)}`],
    ]);
  });

  it('uses a task-definition file as the template (read-only fields dropped)', async () => {
    const seeded = await seedEcsService(aws, { ...WEB, image: image(1) });
    const current = await taskDefinition(aws, seeded.taskDefinitionArn);
    const workspace = join(tmpdir(), `deploy-ecs-template-${process.pid}-${Date.now()}`);
    mkdirSync(join(workspace, 'deploy'), { recursive: true });
    // What `aws ecs describe-task-definition` prints, edited: more memory, one more variable.
    const template = {
      taskDefinition: {
        ...current,
        memory: '1024',
        containerDefinitions: [
          {
            ...current.containerDefinitions![0],
            image: 'placeholder',
            environment: [{ name: 'FROM_TEMPLATE', value: 'yes' }],
          },
        ],
      },
    };
    writeFileSync(join(workspace, 'deploy/task-definition.json'), JSON.stringify(template, null, 2));

    const run = await deploy(
      aws,
      { ...WEB, image: image(2), 'task-definition': 'deploy/task-definition.json' },
      { cwd: workspace },
    );

    expect(run.code, explain(run)).toBe(0);
    expect(run.outputs.status).toBe('deployed');
    const after = await taskDefinition(aws, run.outputs['task-definition-arn']!);
    expect(after.memory).toBe('1024');
    expect(after.containerDefinitions?.[0]?.image).toBe(image(2));
    expect(after.containerDefinitions?.[0]?.environment).toEqual([{ name: 'FROM_TEMPLATE', value: 'yes' }]);
    const sent = aws.calls.find((c) => c.action === 'RegisterTaskDefinition')!.params;
    expect(sent).not.toHaveProperty('revision');
    expect(sent).not.toHaveProperty('taskDefinitionArn');
    expect(sent).not.toHaveProperty('status');
  });

  it('sets environment variables, warns about and masks secret-looking values, and is a no-op the second time', async () => {
    await seedEcsService(aws, { ...WEB, image: image(1) });
    const secret = 'tok-9f8e7d6c5b4a39281706';
    const environment = `LOG_LEVEL=debug\nFEATURE_FLAGS=a,b=c\nAPI_TOKEN=${secret}`;

    const run = await deploy(aws, { ...WEB, image: image(2), environment });

    expect(run.code, explain(run)).toBe(0);
    const after = await taskDefinition(aws, run.outputs['task-definition-arn']!);
    expect(after.containerDefinitions?.[0]?.environment).toEqual(
      expect.arrayContaining([
        { name: 'LOG_LEVEL', value: 'debug' },
        { name: 'FEATURE_FLAGS', value: 'a,b=c' },
        { name: 'API_TOKEN', value: secret },
      ]),
    );
    const warnings = run.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(warnings).toEqual([expect.stringContaining('environment: API_TOKEN looks like a secret')]);
    expect(warnings[0]).toContain('"secrets"');
    expect(run.masked).toContain(secret);
    expect(run.leaks(secret)).toEqual([]);
    expect(run.summary).toContain('LOG_LEVEL, FEATURE_FLAGS, API_TOKEN');

    aws.clearCalls();
    const again = await deploy(aws, { ...WEB, image: image(2), environment });
    expect(again.code, explain(again)).toBe(0);
    expect(again.outputs.status).toBe('unchanged');
    expect(again.outputs['task-definition-arn']).toBe(run.outputs['task-definition-arn']);
    expect(aws.callCount({ action: 'RegisterTaskDefinition' })).toBe(0);
    expect(aws.callCount({ action: 'UpdateService' })).toBe(0);
  });

  it('runs the migration in a one-off task of the new revision, in the service network, before the rollout', async () => {
    const seeded = await seedEcsService(aws, { ...WEB, image: image(1) });
    aws.ecs.nextRunTask({ exitCode: 0, logLines: ['Applying 3 migrations', 'Migrations applied'] });

    const run = await deploy(aws, {
      ...WEB,
      image: image(2),
      'migrate-command': 'npm run migrate -- --verbose',
    });

    expect(run.code, explain(run)).toBe(0);
    expect(run.outputs.status).toBe('deployed');
    const runTask = aws.calls.find((c) => c.action === 'RunTask')!.params;
    expect(runTask).toMatchObject({
      cluster: 'prod',
      taskDefinition: run.outputs['task-definition-arn'],
      count: 1,
      launchType: 'FARGATE',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: seeded.subnets,
          securityGroups: seeded.securityGroups,
          assignPublicIp: 'DISABLED',
        },
      },
      overrides: {
        containerOverrides: [{ name: 'app', command: ['npm', 'run', 'migrate', '--', '--verbose'] }],
      },
    });
    const order = callsOf(aws, 'ecs');
    expect(order.indexOf('ecs:RunTask')).toBeGreaterThan(order.indexOf('ecs:RegisterTaskDefinition'));
    expect(order.indexOf('ecs:UpdateService')).toBeGreaterThan(order.indexOf('ecs:RunTask'));
    expect(run.summary).toContain('Migration passed');
    expect(run.summary).toContain('Migrations applied');
    expect(run.stdout).toMatch(/Migration task [\w-]+ exited 0/);
  });

  it('stops the running migration task when the job is cancelled, and says so', async () => {
    await seedEcsService(aws, { ...WEB, image: image(1) });
    aws.ecs.nextRunTask({ exitCode: 0, durationMs: 120_000, logLines: ['Applying 3 migrations'] });

    const run = await runAction('deploy-ecs', {
      inputs: { ...WEB, image: image(2), 'migrate-command': 'node dist/migrate.js' },
      env: runEnv(aws),
      cancelAfterMs: 4000,
    });

    expect(run.code, explain(run)).toBe(1);
    expect(run.outputs.status).toBe('failed');
    const stop = aws.calls.find((c) => c.action === 'StopTask');
    expect(stop?.params).toMatchObject({
      cluster: 'prod',
      reason: 'The deploy job was cancelled while the migration ran',
    });
    const stoppedArn = String((stop?.params as { task?: string } | undefined)?.task ?? '');
    const taskId = stoppedArn.split('/').at(-1);
    expect(run.errors()[0]).toBe(
      `deploy-ecs: cancelled; the migration task ${taskId} was stopped, nothing was rolled out. Deploy again to run the migration from the start.`,
    );
    expect(run.stdout).toContain(`stopped the migration task ${taskId}; nothing was rolled out`);
    const described = await new ECSClient({ ...aws.clientConfig, maxAttempts: 2 }).send(
      new DescribeTasksCommand({
        cluster: 'prod',
        tasks: [stoppedArn],
      }),
    );
    expect(described.tasks?.[0]).toMatchObject({ desiredStatus: 'STOPPED', stopCode: 'UserInitiated' });
    expect(aws.callCount({ action: 'UpdateService' })).toBe(0);
  });

  it('fails with the exit code and last log lines of a failed migration, and does not roll out', async () => {
    const seeded = await seedEcsService(aws, { ...WEB, image: image(1) });
    aws.ecs.nextRunTask({
      exitCode: 3,
      logLines: ['Applying 3 migrations', 'error: relation "notes" already exists'],
    });

    const run = await deploy(aws, {
      ...WEB,
      image: image(2),
      'migrate-command': '["node", "dist/migrate.js"]',
    });

    expect(run.code, explain(run)).toBe(1);
    expect(run.outputs.status).toBe('failed');
    expect(run.outputs['previous-task-definition-arn']).toBe(seeded.taskDefinitionArn);
    const [error] = run.errors();
    expect(error).toContain('Migration `node dist/migrate.js` exited 3');
    expect(error).toContain('error: relation "notes" already exists');
    expect(error).toContain('the service was not updated');
    expect(aws.callCount({ action: 'UpdateService' })).toBe(0);
    expect(aws.ecs.rollouts('web')).toEqual([]);
    expect(await serviceTaskDefinition(aws, 'prod', 'web')).toBe(seeded.taskDefinitionArn);
    expect(run.summary).toContain('Migration failed');
    expect(run.summary).toMatch(/```\nApplying 3 migrations\nerror: relation "notes" already exists\n```/);
    expect(run.stdout).toContain('::group::Why the deploy failed');
  });

  it('reports a crash loop the circuit breaker rolled back: stopped reasons, exit codes, last log lines', async () => {
    const seeded = await seedEcsService(aws, { ...WEB, image: image(1) });
    const crash = {
      stoppedReason: 'Essential container in task exited',
      containers: [{ name: 'app', exitCode: 1 }],
      logLines: ['Starting notes API', 'Error: DATABASE_URL is not set'],
    };
    aws.ecs.nextRollout({ service: 'web', outcome: 'fail', durationMs: 1500, stoppedTasks: [crash, crash] });

    const run = await deploy(aws, { ...WEB, image: image(2) });

    expect(run.code, explain(run)).toBe(1);
    expect(run.outputs.status).toBe('rolled-back');
    expect(run.outputs['previous-task-definition-arn']).toBe(seeded.taskDefinitionArn);
    expect(run.outputs['task-definition-arn']).toMatch(/web:2$/);
    expect(run.outputs['deployment-id']).toBe(aws.ecs.rollouts('web')[0]?.deploymentId);
    const [error, ...others] = run.errors();
    expect(others).toEqual([]);
    expect(error).toContain('The rollout of web:2 to web failed and ECS rolled the service back to web:1');
    expect(error).toContain('tasks failed to start');
    expect(error).toContain('app exited 1');
    expect(error).toContain('Error: DATABASE_URL is not set');
    expect(error).not.toContain('\n');
    expect(run.summary).toContain('↩️ rolled back: web');
    expect(run.summary).toContain('web:1 → web:2 → back to web:1');
    expect(run.summary).toMatch(
      /\| `[\w-]+` \| Essential container in task exited \| EssentialContainerExited \| app: 1 \|/,
    );
    expect(run.summary).toMatch(/```\nStarting notes API\nError: DATABASE_URL is not set\n```/);
    expect(run.stdout).toContain('::group::Why the deploy failed');
    expect(run.stdout).toMatch(
      /Task [\w-]+ stopped: Essential container in task exited \(EssentialContainerExited\); app exited 1/,
    );
    expect(await serviceTaskDefinition(aws, 'prod', 'web')).toBe(seeded.taskDefinitionArn);
  });

  it('rolls the service back itself when the circuit breaker fails the deployment without rolling back', async () => {
    const seeded = await seedEcsService(aws, { ...WEB, image: image(1), circuitBreaker: 'fail' });
    aws.ecs.nextRollout({ service: 'web', outcome: 'fail', durationMs: 1500 });

    const run = await deploy(aws, { ...WEB, image: image(2) });

    expect(run.code, explain(run)).toBe(1);
    expect(run.outputs.status).toBe('rolled-back');
    expect(run.errors()[0]).toMatch(
      /^The rollout of web:2 to web failed and deploy-ecs rolled the service back to web:1: deployment ecs-svc\/\d+ failed/,
    );
    expect(run.errors()[0]).toContain('app exited 1');
    expect(run.stdout).toContain('Rolling web back to web:1');
    // ECS failed the deployment; the action's own update back to web:1 completed.
    const rollouts = aws.ecs.rollouts('web');
    expect(rollouts.map((r) => [r.taskDefinition.split('/').pop(), r.rolloutState])).toEqual([
      ['web:2', 'FAILED'],
      ['web:1', 'COMPLETED'],
    ]);
    expect(await serviceTaskDefinition(aws, 'prod', 'web')).toBe(seeded.taskDefinitionArn);
  });

  it('leaves the failed deployment in place with rollback false, and says so', async () => {
    await seedEcsService(aws, { ...WEB, image: image(1), circuitBreaker: 'fail' });
    aws.ecs.nextRollout({ service: 'web', outcome: 'fail', durationMs: 1500 });

    const run = await deploy(aws, { ...WEB, image: image(2), rollback: 'false' });

    expect(run.code, explain(run)).toBe(1);
    expect(run.outputs.status).toBe('failed');
    expect(run.errors()[0]).toMatch(/^The rollout of web:2 to web failed: deployment ecs-svc\/\d+ failed/);
    expect(run.stdout).toContain('The service has no circuit breaker rollback');
    expect(aws.ecs.rollouts('web').map((r) => r.rolloutState)).toEqual(['FAILED']);
    expect(await serviceTaskDefinition(aws, 'prod', 'web')).toMatch(/web:2$/);
  });

  it('rolls back a crash loop of a service without a circuit breaker once the timeout passes', async () => {
    const seeded = await seedEcsService(aws, { ...WEB, image: image(1), circuitBreaker: 'off' });
    aws.ecs.nextRollout({ service: 'web', outcome: 'fail', durationMs: 1500 });

    const run = await deploy(aws, { ...WEB, image: image(2), 'timeout-minutes': '5s' });

    expect(run.code, explain(run)).toBe(1);
    expect(run.outputs.status).toBe('rolled-back');
    // Without a breaker ECS never fails the deployment: the action gives up at the timeout.
    expect(run.errors()[0]).toMatch(
      /^The rollout of web:2 to web failed and deploy-ecs rolled the service back to web:1: it did not finish within 5s \(deployment ecs-svc\/\d+ of web:2 was IN_PROGRESS: .*1 stopped \(last: Task [\w-]+ stopped: Essential container in task exited/,
    );
    expect(aws.ecs.rollouts('web').map((r) => r.rolloutState)).toEqual(['IN_PROGRESS', 'COMPLETED']);
    expect(await serviceTaskDefinition(aws, 'prod', 'web')).toBe(seeded.taskDefinitionArn);
  });

  it('times out saying what the deployment was doing, and rolls back', async () => {
    const seeded = await seedEcsService(aws, { ...WEB, image: image(1) });
    aws.ecs.nextRollout({ service: 'web', outcome: 'hang', durationMs: 400 });

    const run = await deploy(aws, { ...WEB, image: image(2), 'timeout-minutes': '5s' });

    expect(run.code, explain(run)).toBe(1);
    expect(run.outputs.status).toBe('rolled-back');
    expect(run.errors()[0]).toMatch(
      /^The rollout of web:2 to web failed and deploy-ecs rolled the service back to web:1: it did not finish within 5s \(deployment ecs-svc\/\d+ of web:2 was IN_PROGRESS: 0 of 1 tasks running, 1 pending\)/,
    );
    expect(await serviceTaskDefinition(aws, 'prod', 'web')).toBe(seeded.taskDefinitionArn);
  });

  it('times out with rollback false: the deployment goes on in ECS', async () => {
    await seedEcsService(aws, { ...WEB, image: image(1) });
    aws.ecs.nextRollout({ service: 'web', outcome: 'hang', durationMs: 400 });

    const run = await deploy(aws, { ...WEB, image: image(2), 'timeout-minutes': '5s', rollback: 'false' });

    expect(run.code, explain(run)).toBe(1);
    expect(run.outputs.status).toBe('failed');
    expect(run.errors()[0]).toMatch(
      /^The rollout of web:2 to web did not finish within 5s: deployment ecs-svc\/\d+ of web:2 was IN_PROGRESS: 0 of 1 tasks running, 1 pending\. The deployment goes on in ECS/,
    );
    expect(await serviceTaskDefinition(aws, 'prod', 'web')).toMatch(/web:2$/);
  });

  it('returns once ECS accepted the new revision when wait is false', async () => {
    await seedEcsService(aws, { ...WEB, image: image(1) });
    aws.ecs.nextRollout({ service: 'web', outcome: 'complete', durationMs: 8000 });

    const run = await deploy(aws, { ...WEB, image: image(2), wait: 'false' });

    expect(run.code, explain(run)).toBe(0);
    expect(run.outputs.status).toBe('deployed');
    expect(run.outputs['deployment-id']).toBe(aws.ecs.rollouts('web')[0]?.deploymentId);
    const [rollout] = aws.ecs.rollouts('web');
    expect(rollout?.terminalAt === undefined || rollout.terminalAt > run.exitedAt).toBe(true);
    expect(run.stdout).toContain('wait is false: not waiting for the rollout to finish');
    expect(run.summary).toContain('(started; not waited for: wait is false)');
  });

  it('stops waiting when the job is cancelled', async () => {
    await seedEcsService(aws, { ...WEB, image: image(1) });
    aws.ecs.nextRollout({ service: 'web', outcome: 'hang' });

    const run = await runAction('deploy-ecs', {
      inputs: { ...WEB, image: image(2) },
      env: runEnv(aws),
      cancelAfterMs: 4000,
    });

    expect(run.code, explain(run)).toBe(1);
    expect(run.outputs.status).toBe('failed');
    expect(run.errors()).toContain('deploy-ecs: cancelled');
    expect(run.durationMs).toBeLessThan(20_000);
  });

  it('says what to check when the service does not exist', async () => {
    await seedEcsService(aws, { ...WEB, image: image(1) });

    const run = await deploy(aws, { cluster: 'prod', service: 'wbe', image: image(2) });

    expect(run.code, explain(run)).toBe(1);
    expect(run.outputs.status).toBe('failed');
    expect(run.errors()[0]).toMatch(/^ECS service wbe was not found in cluster prod \(us-east-1\)/);
    expect(run.errors()[0]).toContain('Check the service and cluster names and the region');
    expect(aws.callCount({ action: 'RegisterTaskDefinition' })).toBe(0);
  });

  it('retries through throttling', async () => {
    await seedEcsService(aws, { ...WEB, image: image(1) });
    aws.faults.throttle({ service: 'ecs', action: 'DescribeServices', times: 2 });
    aws.faults.throttle({ service: 'ecs', action: 'RegisterTaskDefinition', times: 1 });
    aws.faults.throttle({ service: 'ecs', action: 'UpdateService', times: 1 });

    const run = await deploy(aws, { ...WEB, image: image(2) });

    expect(run.code, explain(run)).toBe(0);
    expect(run.outputs.status).toBe('deployed');
    expect(aws.calls.filter((c) => c.fault === 'throttle').map((c) => c.action)).toEqual([
      'DescribeServices',
      'DescribeServices',
      'RegisterTaskDefinition',
      'UpdateService',
    ]);
    expect(aws.callCount({ action: 'UpdateService' })).toBe(2);
  });
});

describe('deploy-ecs, smoke test', () => {
  it('polls the URL after the rollout until it answers 2xx with the expected version', async () => {
    await seedEcsService(aws, { ...WEB, image: image(1) });
    const server = await smokeServer((hit) =>
      hit < 3 ? { status: 503, body: 'starting' } : { status: 200, body: '{"version":"abc1234"}' },
    );
    try {
      const run = await deploy(aws, {
        ...WEB,
        image: image(2),
        'smoke-url': server.url,
        'expect-version': 'abc1234',
      });
      expect(run.code, explain(run)).toBe(0);
      expect(run.outputs.status).toBe('deployed');
      expect(server.hits).toBe(3);
      expect(run.summary).toContain('Smoke test passed');
      expect(run.stdout).toContain(
        `Smoke test passed: GET ${server.url} answered 200 with version abc1234 (attempt 3)`,
      );
      // The rollout was over before the first request.
      const completedAt = aws.ecs.rollouts('web')[0]?.terminalAt ?? Number.POSITIVE_INFINITY;
      expect(run.stdout.indexOf('Smoke test')).toBeGreaterThan(run.stdout.indexOf('COMPLETED'));
      expect(completedAt).toBeLessThan(run.exitedAt);
    } finally {
      await server.close();
    }
  });

  it('fails with what the URL answered when it never answers 2xx', async () => {
    await seedEcsService(aws, { ...WEB, image: image(1) });
    const server = await smokeServer(() => ({ status: 500, body: '{"title":"Internal Server Error"}' }));
    try {
      const run = await deploy(aws, {
        ...WEB,
        image: image(1),
        'smoke-url': server.url,
        'timeout-minutes': '5s',
      });
      expect(run.code, explain(run)).toBe(1);
      expect(run.outputs.status).toBe('failed');
      expect(run.errors()[0]).toMatch(
        new RegExp(
          `^Smoke test failed: GET ${server.url.replace(/[.]/g, '\\.')} answered 500: \\{"title":"Internal Server Error"\\} after \\d+ attempts`,
        ),
      );
      expect(server.hits).toBeGreaterThan(1);
      expect(run.summary).toContain('Smoke test failed');
    } finally {
      await server.close();
    }
  });

  it('fails when the body does not contain expect-version, showing what it got', async () => {
    await seedEcsService(aws, { ...WEB, image: image(1) });
    const server = await smokeServer(() => ({ status: 200, body: '{"version":"0ld0ld0"}' }));
    try {
      const run = await deploy(aws, {
        ...WEB,
        image: image(1),
        'smoke-url': server.url,
        'expect-version': 'abc1234',
        'timeout-minutes': '5s',
      });
      expect(run.code, explain(run)).toBe(1);
      expect(run.errors()[0]).toContain(
        'answered 200 with version 0ld0ld0, not the expected abc1234 (compared exactly)',
      );
      expect(run.errors()[0]).toContain('{"version":"0ld0ld0"}');
      expect(run.summary).toContain('abc1234 (not found)');
    } finally {
      await server.close();
    }
  });

  it('compares expect-version exactly: a body reporting v10 does not pass for v1', async () => {
    await seedEcsService(aws, { ...WEB, image: image(1) });
    const server = await smokeServer(() => ({ status: 200, body: '{"version":"v10","commit":"v1"}' }));
    try {
      const run = await deploy(aws, {
        ...WEB,
        image: image(1),
        'smoke-url': server.url,
        'expect-version': 'v1',
        'timeout-minutes': '5s',
      });
      expect(run.code, explain(run)).toBe(1);
      expect(run.outputs.status).toBe('failed');
      expect(run.errors()[0]).toContain(
        'answered 200 with version v10, not the expected v1 (compared exactly)',
      );
    } finally {
      await server.close();
    }
  });
});
