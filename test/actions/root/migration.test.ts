// Migrations with the root action: a one-off task of the new image, in the service's own network
// configuration, before the rollout; a failing one stops the deploy and leaves the service as it was. The
// tests run in order on one environment, as successive pipeline runs would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../support/aws/index.js';
import {
  deployEnvironment,
  describeStack,
  environmentOf,
  explain,
  type FakeService,
  image,
  inputs,
  parametersOf,
  serviceOf,
  stackChanges,
  startFakeService,
  TEST_TIMEOUT_MS,
  taskDefinition,
} from './helpers.js';

let aws: LocalAws;
let app: FakeService;

beforeAll(async () => {
  aws = await startLocalAws();
  app = await startFakeService(aws, 'qa');
});

afterAll(async () => {
  await app?.close();
  await aws?.stop();
});

interface RunTaskParams {
  cluster: string;
  taskDefinition: string;
  launchType?: string;
  networkConfiguration?: unknown;
  overrides?: { containerOverrides?: Array<{ name: string; command?: string[] }> };
}

function runTasks(): RunTaskParams[] {
  return aws.calls
    .filter((c) => c.service === 'ecs' && c.action === 'RunTask')
    .map((c) => c.params as unknown as RunTaskParams);
}

describe('root action: migrations', { timeout: TEST_TIMEOUT_MS }, () => {
  it('creates a new environment without tasks, migrates, then scales the service up', async () => {
    aws.ecs.nextRunTask({ exitCode: 0, logLines: ['applied 0001_init'] });

    const run = await deployEnvironment(
      aws,
      inputs('qa', { image: image(1), 'app-version': 'v1', 'migrate-command': 'node server.mjs migrate' }),
    );

    expect(run.code, explain(run)).toBe(0);
    expect(run.outputs.status).toBe('deployed');
    // The service stack was created with no task (nothing may serve before the migration ran)…
    const create = aws.calls.find(
      (c) =>
        c.action === 'CreateChangeSet' && (c.params as Record<string, string>).StackName === 'qa-service',
    )!.params as Record<string, string>;
    const created = Object.fromEntries(
      Object.entries(create)
        .filter(([k]) => /^Parameters\.member\.\d+\.ParameterKey$/.test(k))
        .map(([k, v]) => [v, create[k.replace('ParameterKey', 'ParameterValue')]]),
    );
    expect(created).toMatchObject({ DesiredCount: '0', ImageUri: image(1) });
    // …the migration ran with the command, then the stack update scaled it to the desired count.
    const [migration] = runTasks();
    expect(migration?.overrides?.containerOverrides).toEqual([
      { name: 'app', command: ['node', 'server.mjs', 'migrate'] },
    ]);
    const service = await serviceOf(aws, 'qa');
    expect(migration?.networkConfiguration).toEqual(service?.networkConfiguration);
    expect(service?.desiredCount).toBe(2);
    expect(parametersOf(await describeStack(aws, 'qa-service'))).toMatchObject({ DesiredCount: '2' });
    expect(run.summary).toContain('applied 0001_init');
    expect(run.stdout).toContain('Smoke test passed');
  });

  it('runs the migration with the new image before rolling it out on the next deploy', async () => {
    aws.clearCalls();
    const before = await serviceOf(aws, 'qa');
    aws.ecs.nextRunTask({ exitCode: 0, logLines: ['applied 0002_notes_tags'] });

    const run = await deployEnvironment(
      aws,
      inputs('qa', { image: image(2), 'app-version': 'v2', 'migrate-command': 'node server.mjs migrate' }),
    );

    expect(run.code, explain(run)).toBe(0);
    expect(run.outputs.status).toBe('deployed');
    const tasks = runTasks();
    expect(tasks).toHaveLength(1);
    const [migration] = tasks;
    expect(migration?.overrides?.containerOverrides).toEqual([
      { name: 'app', command: ['node', 'server.mjs', 'migrate'] },
    ]);
    // In the service's cluster, subnets and security group, with the new image.
    expect(migration?.cluster).toBe('qa-service');
    expect(migration?.launchType).toBe('FARGATE');
    expect(migration?.networkConfiguration).toEqual(before?.networkConfiguration);
    const migrationTd = await taskDefinition(aws, migration?.taskDefinition ?? '');
    expect(migrationTd.containerDefinitions?.[0]?.image).toBe(image(2));
    // The migration came first, the stack update after it.
    const order = aws.calls
      .filter((c) => c.action === 'RunTask' || c.action === 'ExecuteChangeSet')
      .map((c) => c.action);
    expect(order).toEqual(['RunTask', 'ExecuteChangeSet']);
    const after = await serviceOf(aws, 'qa');
    const td = await taskDefinition(aws, after?.taskDefinition ?? '');
    expect(td.containerDefinitions?.[0]?.image).toBe(image(2));
    expect(environmentOf(td).APP_VERSION).toBe('v2');
    expect(run.summary).toContain('applied 0002_notes_tags');
    expect(run.stdout).toContain('version v2');
  });

  it('stops at a failing migration with its exit code and log lines; the service keeps its image', async () => {
    aws.clearCalls();
    const before = await serviceOf(aws, 'qa');
    const stackBefore = parametersOf(await describeStack(aws, 'qa-service'));
    const smokeRequests = app.requests.length;
    aws.ecs.nextRunTask({
      exitCode: 3,
      logLines: ['applying 0003_drop_column', 'error: column "title" is referenced by view notes_view'],
    });

    const run = await deployEnvironment(
      aws,
      inputs('qa', { image: image(3), 'app-version': 'v3', 'migrate-command': 'node server.mjs migrate' }),
    );

    expect(run.code, explain(run)).toBe(1);
    expect(run.outputs.status).toBe('failed');
    expect(run.outputs.error).toContain('Migration `node server.mjs migrate` exited 3');
    expect(run.outputs.error).toContain('column "title" is referenced by view notes_view');
    expect(run.errors()[0]).toContain('exited 3');
    expect(run.summary).toContain('applying 0003_drop_column');
    // No stack update, no rollout: the service runs what it ran.
    expect(stackChanges(aws)).toEqual([
      'CreateChangeSet qa-network',
      'CreateChangeSet qa-database',
      'CreateChangeSet qa-service',
    ]);
    const after = await serviceOf(aws, 'qa');
    expect(after?.taskDefinition).toBe(before?.taskDefinition);
    expect(parametersOf(await describeStack(aws, 'qa-service'))).toEqual(stackBefore);
    // Nothing was rolled out, so there was nothing to smoke-test.
    expect(app.requests).toHaveLength(smokeRequests);
  });
});
