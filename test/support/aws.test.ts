// The local AWS endpoint, driven by the real SDK clients the actions use.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateRepositoryCommand,
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  ECRClient,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTagsForResourceCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  type Service,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, seedEcsService, seedStackManagedService, startLocalAws } from './aws/index.js';
import { until } from './aws/testing.js';

let aws: LocalAws;
let ecs: ECSClient;
let cfn: CloudFormationClient;
let ecr: ECRClient;
let logs: CloudWatchLogsClient;

beforeAll(async () => {
  aws = await startLocalAws();
  ecs = new ECSClient(aws.clientConfig);
  cfn = new CloudFormationClient(aws.clientConfig);
  ecr = new ECRClient(aws.clientConfig);
  logs = new CloudWatchLogsClient(aws.clientConfig);
});

afterAll(async () => {
  await aws?.stop();
});

beforeEach(async () => {
  await aws.reset();
});

async function describeService(cluster: string, service: string): Promise<Service> {
  const out = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
  return out.services![0]!;
}

async function registerRevision(taskDefinitionArn: string, image: string): Promise<string> {
  const td = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn })))
    .taskDefinition!;
  const out = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: td.family!,
      networkMode: td.networkMode,
      requiresCompatibilities: td.requiresCompatibilities,
      cpu: td.cpu,
      memory: td.memory,
      executionRoleArn: td.executionRoleArn,
      containerDefinitions: td.containerDefinitions!.map((c) => ({ ...c, image })),
    }),
  );
  return out.taskDefinition!.taskDefinitionArn!;
}

describe('ECS rollouts', () => {
  it('moves a new deployment from IN_PROGRESS to COMPLETED with counts and AWS event messages', async () => {
    const seeded = await seedEcsService(aws, {
      cluster: 'apps',
      service: 'web',
      image: 'web:1',
      desiredCount: 2,
    });
    const before = await describeService('apps', 'web');
    expect(before.deployments).toHaveLength(1);
    expect(before.deployments![0]).toMatchObject({
      status: 'PRIMARY',
      rolloutState: 'COMPLETED',
      runningCount: 2,
    });

    const next = await registerRevision(seeded.taskDefinitionArn, 'web:2');
    aws.ecs.nextRollout({ service: 'web', outcome: 'complete', durationMs: 1200 });
    await ecs.send(new UpdateServiceCommand({ cluster: 'apps', service: 'web', taskDefinition: next }));

    const seen: Array<{ state: string; pending: number; running: number; deployments: number }> = [];
    const done = await until(async () => {
      const s = await describeService('apps', 'web');
      const primary = s.deployments!.find((d) => d.status === 'PRIMARY')!;
      seen.push({
        state: primary.rolloutState!,
        pending: primary.pendingCount!,
        running: primary.runningCount!,
        deployments: s.deployments!.length,
      });
      // The old deployment is retired as the new one completes (the same poll or the next).
      return primary.rolloutState === 'COMPLETED' && s.deployments!.length === 1 ? s : undefined;
    }, 'the rollout to complete and the old deployment to be retired');

    expect(seen[0]).toMatchObject({ state: 'IN_PROGRESS', deployments: 2 });
    expect(seen.some((s) => s.state === 'IN_PROGRESS' && s.pending > 0)).toBe(true);
    expect(done.taskDefinition).toBe(next);
    expect(done.deployments).toHaveLength(1);
    expect(done.deployments![0]).toMatchObject({
      taskDefinition: next,
      desiredCount: 2,
      runningCount: 2,
      pendingCount: 0,
      rolloutStateReason: `ECS deployment ${done.deployments![0]!.id} completed.`,
      launchType: 'FARGATE',
    });
    expect(done.deployments![0]!.id).toMatch(/^ecs-svc\/\d+$/);
    const messages = done.events!.map((e) => e.message);
    expect(messages[0]).toBe('(service web) has reached a steady state.');
    expect(messages[1]).toBe(`(service web) (deployment ${done.deployments![0]!.id}) deployment completed.`);
    expect(
      messages.some((m) =>
        /^\(service web\) has started 2 tasks: \(task [\w-]+\) \(task [\w-]+\)\.$/.test(m!),
      ),
    ).toBe(true);
    const [rollout] = aws.ecs.rollouts('web');
    expect(rollout).toMatchObject({ taskDefinition: next, outcome: 'complete', rolloutState: 'COMPLETED' });
    expect(rollout!.terminalAt! - rollout!.startedAt).toBe(1200);
  });

  it('fails a deployment with the circuit breaker: stopped tasks, exit codes, logs, rollback', async () => {
    const seeded = await seedEcsService(aws, { cluster: 'apps', service: 'api', image: 'api:1' });
    const bad = await registerRevision(seeded.taskDefinitionArn, 'api:2');
    aws.ecs.nextRollout({
      service: 'api',
      outcome: 'fail',
      durationMs: 800,
      stoppedTasks: [
        {
          stoppedReason: 'Essential container in task exited',
          containers: [{ name: 'app', exitCode: 1 }],
          logLines: ['listening on :8080', 'Error: DATABASE_URL is not set'],
        },
        {
          stoppedReason: 'Essential container in task exited',
          containers: [
            { name: 'app', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
          ],
        },
      ],
    });
    await ecs.send(new UpdateServiceCommand({ cluster: 'apps', service: 'api', taskDefinition: bad }));

    const failed = await until(async () => {
      const s = await describeService('apps', 'api');
      return s.deployments!.some((d) => d.rolloutState === 'FAILED') ? s : undefined;
    }, 'the circuit breaker');
    const failedDeployment = failed.deployments!.find((d) => d.rolloutState === 'FAILED')!;
    expect(failedDeployment).toMatchObject({
      taskDefinition: bad,
      failedTasks: 2,
      rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
    });
    const primary = failed.deployments!.find((d) => d.status === 'PRIMARY')!;
    expect(primary.taskDefinition).toBe(seeded.taskDefinitionArn);
    const messages = failed.events!.map((e) => e.message!);
    expect(aws.ecs.rollouts('api')).toHaveLength(2); // the failed one and its rollback
    expect(messages).toContain(
      `(service api) (deployment ${failedDeployment.id}) deployment failed: tasks failed to start.`,
    );
    expect(messages.some((m) => /^\(service api\) rolling back to deployment ecs-svc\/\d+\.$/.test(m))).toBe(
      true,
    );

    const stopped = await ecs.send(
      new ListTasksCommand({ cluster: 'apps', serviceName: 'api', desiredStatus: 'STOPPED' }),
    );
    const tasks = (await ecs.send(new DescribeTasksCommand({ cluster: 'apps', tasks: stopped.taskArns! })))
      .tasks!;
    const crashed = tasks.filter((t) => t.taskDefinitionArn === bad);
    expect(crashed).toHaveLength(2);
    for (const task of crashed) {
      expect(task).toMatchObject({
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        startedBy: failedDeployment.id,
        group: 'service:api',
      });
    }
    expect(crashed.map((t) => t.containers![0]!.exitCode).sort()).toEqual([1, 137]);
    expect(crashed.find((t) => t.containers![0]!.exitCode === 137)!.containers![0]!.reason).toContain(
      'OutOfMemoryError',
    );

    const logged = crashed.find((t) => t.containers![0]!.exitCode === 1)!;
    const taskId = logged.taskArn!.split('/').pop();
    const events = await logs.send(
      new GetLogEventsCommand({
        logGroupName: seeded.logGroup,
        logStreamName: `${seeded.logStreamPrefix}/app/${taskId}`,
        startFromHead: true,
      }),
    );
    expect(events.events!.map((e) => e.message)).toEqual([
      'listening on :8080',
      'Error: DATABASE_URL is not set',
    ]);

    const settled = await until(async () => {
      const s = await describeService('apps', 'api');
      return s.deployments!.length === 1 && s.deployments![0]!.rolloutState === 'COMPLETED' ? s : undefined;
    }, 'the rollback to complete');
    expect(settled.taskDefinition).toBe(seeded.taskDefinitionArn);
    // moto's own record of the service went back too
    const direct = new ECSClient({ ...aws.clientConfig, endpoint: aws.motoUrl });
    const raw = await direct.send(new DescribeServicesCommand({ cluster: 'apps', services: ['api'] }));
    expect(raw.services![0]!.taskDefinition).toBe(seeded.taskDefinitionArn);
    const records = aws.ecs.rollouts('api');
    expect(records.map((r) => [r.kind, r.rolloutState])).toEqual([
      ['rollout', 'FAILED'],
      ['rollback', 'COMPLETED'],
    ]);
    expect(records[0]!.terminalAt! - records[0]!.startedAt).toBe(800);
  });

  it('keeps a hanging deployment IN_PROGRESS', async () => {
    const seeded = await seedEcsService(aws, { cluster: 'apps', service: 'slow', image: 'slow:1' });
    const next = await registerRevision(seeded.taskDefinitionArn, 'slow:2');
    aws.ecs.nextRollout({ service: 'slow', outcome: 'hang', durationMs: 100 });
    await ecs.send(new UpdateServiceCommand({ cluster: 'apps', service: 'slow', taskDefinition: next }));
    await new Promise((r) => setTimeout(r, 400));
    const s = await describeService('apps', 'slow');
    const primary = s.deployments!.find((d) => d.status === 'PRIMARY')!;
    expect(primary).toMatchObject({ rolloutState: 'IN_PROGRESS', taskDefinition: next, runningCount: 0 });
    expect(primary.pendingCount).toBe(1);
    expect(aws.ecs.rollouts('slow')[0]!.terminalAt).toBeUndefined();
  });

  it('runs one-off tasks through their lifecycle to the scenario exit code, with logs', async () => {
    const seeded = await seedEcsService(aws, { cluster: 'apps', service: 'jobs', image: 'jobs:1' });
    aws.ecs.nextRunTask({ exitCode: 3, durationMs: 1500, logLines: ['migrating', 'migration 0007 failed'] });
    const run = await ecs.send(
      new RunTaskCommand({
        cluster: 'apps',
        taskDefinition: seeded.taskDefinitionArn,
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: { subnets: seeded.subnets, securityGroups: seeded.securityGroups },
        },
        overrides: { containerOverrides: [{ name: 'app', command: ['npm', 'run', 'migrate'] }] },
      }),
    );
    const taskArn = run.tasks![0]!.taskArn!;
    expect(run.tasks![0]!.lastStatus).toBe('PROVISIONING');
    const statuses: string[] = [];
    const stopped = await until(async () => {
      const t = (await ecs.send(new DescribeTasksCommand({ cluster: 'apps', tasks: [taskArn] }))).tasks![0]!;
      if (statuses.at(-1) !== t.lastStatus) statuses.push(t.lastStatus!);
      return t.lastStatus === 'STOPPED' ? t : undefined;
    }, 'the task to stop');
    expect(statuses).toContain('RUNNING');
    expect(statuses.indexOf('RUNNING')).toBeLessThan(statuses.indexOf('STOPPED'));
    expect(stopped).toMatchObject({
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      desiredStatus: 'STOPPED',
    });
    expect(stopped.containers![0]).toMatchObject({ name: 'app', exitCode: 3, lastStatus: 'STOPPED' });
    expect(stopped.startedAt).toBeInstanceOf(Date);
    const events = await logs.send(
      new GetLogEventsCommand({
        logGroupName: seeded.logGroup,
        logStreamName: `ecs/app/${taskArn.split('/').pop()}`,
        startFromHead: true,
      }),
    );
    expect(events.events!.map((e) => e.message)).toEqual(['migrating', 'migration 0007 failed']);

    // without a scenario: exit code 0
    const second = await ecs.send(
      new RunTaskCommand({
        cluster: 'apps',
        taskDefinition: seeded.taskDefinitionArn,
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: { subnets: seeded.subnets, securityGroups: seeded.securityGroups },
        },
      }),
    );
    const ok = await until(async () => {
      const t = (
        await ecs.send(new DescribeTasksCommand({ cluster: 'apps', tasks: [second.tasks![0]!.taskArn!] }))
      ).tasks![0]!;
      return t.lastStatus === 'STOPPED' ? t : undefined;
    }, 'the second task to stop');
    expect(ok.containers![0]!.exitCode).toBe(0);
  });

  it('retries throttled and failed calls in the SDK, recording each attempt', async () => {
    await seedEcsService(aws, { cluster: 'apps', service: 'web', image: 'web:1' });
    aws.clearCalls();
    aws.faults.throttle({ service: 'ecs', action: 'DescribeServices', times: 2 });
    const s = await describeService('apps', 'web');
    expect(s.serviceName).toBe('web');
    expect(aws.callCount({ service: 'ecs', action: 'DescribeServices' })).toBe(3);
    expect(aws.calls.map((c) => c.fault ?? c.status)).toEqual(['throttle', 'throttle', 200]);
    expect(aws.calls[0]!.errorCode).toBe('ThrottlingException');

    aws.faults.throttle({ service: 'cloudformation', action: 'DescribeStacks', times: 1 });
    aws.faults.serverError({ service: 'cloudformation', action: 'DescribeStacks', times: 1, status: 503 });
    aws.clearCalls();
    await expect(cfn.send(new DescribeStacksCommand({ StackName: 'missing' }))).rejects.toThrow(
      /does not exist/,
    );
    expect(aws.calls.map((c) => c.errorCode)).toEqual([
      'Throttling',
      'ServiceUnavailable',
      'ValidationError',
    ]);
  });

  it('reports tags the way AWS does for stack-managed services', async () => {
    const seeded = await seedStackManagedService(aws, { cluster: 'prod', service: 'api', image: 'api:1' });
    const out = await ecs.send(
      new DescribeServicesCommand({ cluster: 'prod', services: ['api'], include: ['TAGS'] }),
    );
    const tags = Object.fromEntries(out.services![0]!.tags!.map((t) => [t.key, t.value]));
    expect(tags).toMatchObject({
      'aws:cloudformation:stack-name': seeded.stackName,
      'aws:cloudformation:stack-id': seeded.stackId,
      'aws:cloudformation:logical-id': 'Service',
    });
    const listed = await ecs.send(new ListTagsForResourceCommand({ resourceArn: seeded.serviceArn }));
    expect(listed.tags).toEqual(out.services![0]!.tags);
    const untagged = await ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['api'] }));
    expect(untagged.services![0]!.tags).toBeUndefined();
  });
});

describe('ECR', () => {
  it('pushes images, refuses to overwrite an immutable tag, and plays the scan', async () => {
    await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: 'backend',
        imageTagMutability: 'IMMUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
      }),
    );
    aws.ecr.scanResult({
      repository: 'backend',
      status: 'COMPLETE',
      afterMs: 1500,
      findings: [
        { name: 'CVE-2024-0001', severity: 'CRITICAL', package: 'openssl', version: '3.0.1' },
        { name: 'CVE-2024-0002', severity: 'HIGH', package: 'zlib', version: '1.2.11' },
        { name: 'CVE-2024-0003', severity: 'HIGH', package: 'curl', version: '7.80.0' },
      ],
    });
    const response = await fetch(`${aws.url}/_local/ecr/push`, {
      method: 'POST',
      body: JSON.stringify({ repository: 'backend', tag: 'sha-abc123' }),
    });
    expect(response.status).toBe(200);
    const { digest } = (await response.json()) as { digest: string };
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const byDigest = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'backend', imageIds: [{ imageDigest: digest }] }),
    );
    expect(byDigest.imageDetails![0]).toMatchObject({
      imageTags: ['sha-abc123'],
      imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      imageScanStatus: { status: 'IN_PROGRESS' },
    });
    const byTag = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'backend', imageIds: [{ imageTag: 'sha-abc123' }] }),
    );
    expect(byTag.imageDetails![0]!.imageDigest).toBe(digest);

    const inProgress = await ecr.send(
      new DescribeImageScanFindingsCommand({ repositoryName: 'backend', imageId: { imageDigest: digest } }),
    );
    expect(inProgress.imageScanStatus!.status).toBe('IN_PROGRESS');
    expect(inProgress.imageScanFindings).toBeUndefined();
    const complete = await until(async () => {
      const out = await ecr.send(
        new DescribeImageScanFindingsCommand({ repositoryName: 'backend', imageId: { imageDigest: digest } }),
      );
      return out.imageScanStatus!.status === 'COMPLETE' ? out : undefined;
    }, 'the scan');
    expect(complete.imageScanFindings!.findingSeverityCounts).toEqual({ CRITICAL: 1, HIGH: 2 });
    expect(complete.imageScanFindings!.findings![0]).toMatchObject({
      name: 'CVE-2024-0001',
      severity: 'CRITICAL',
      attributes: expect.arrayContaining([
        { key: 'package_name', value: 'openssl' },
        { key: 'package_version', value: '3.0.1' },
      ]),
    });
    const summary = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'backend', imageIds: [{ imageDigest: digest }] }),
    );
    expect(summary.imageDetails![0]!.imageScanFindingsSummary!.findingSeverityCounts).toEqual({
      CRITICAL: 1,
      HIGH: 2,
    });

    await expect(aws.ecr.pushImage({ repository: 'backend', tag: 'sha-abc123' })).rejects.toMatchObject({
      code: 'ImageTagAlreadyExistsException',
      message:
        "The image tag 'sha-abc123' already exists in the 'backend' repository and cannot be overwritten because the repository is immutable.",
    });
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      layers: [],
    });
    await expect(
      ecr.send(
        new PutImageCommand({ repositoryName: 'backend', imageTag: 'sha-abc123', imageManifest: manifest }),
      ),
    ).rejects.toMatchObject({ name: 'ImageTagAlreadyExistsException' });
    const other = await aws.ecr.pushImage({ repository: 'backend', tag: 'sha-def456' });
    expect(other.digest).not.toBe(digest);
  });
});
