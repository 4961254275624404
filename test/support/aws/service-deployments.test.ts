// The local endpoint's ECS service deployments answer as the ECS API reference says, through the real SDK:
// the configuration CreateService/UpdateService refuse, ContinueServiceDeployment's errors, and the
// records List/DescribeServiceDeployments return.
import {
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, seedEcsService, startLocalAws } from './index.js';

let aws: LocalAws;
let ecs: ECSClient;

beforeAll(async () => {
  aws = await startLocalAws();
  ecs = new ECSClient({ ...aws.clientConfig, maxAttempts: 1 });
});

afterAll(async () => {
  await aws?.stop();
});

beforeEach(async () => {
  await aws.reset();
});

const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/notes:v';
const HOOK = {
  targetType: 'PAUSE' as const,
  lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT' as const],
  timeoutConfiguration: { timeoutInMinutes: 30, action: 'ROLLBACK' as const },
};

async function newRevision(): Promise<string> {
  const registered = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'web',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: `${IMAGE}2`, essential: true }],
    }),
  );
  return registered.taskDefinition?.taskDefinitionArn ?? '';
}

async function waitFor<T>(what: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await what();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('local ECS service deployments', () => {
  it('refuses a PAUSE hook at TEST_TRAFFIC_SHIFT and out-of-range strategy settings, as ECS does', async () => {
    await seedEcsService(aws, { cluster: 'prod', service: 'web', image: `${IMAGE}1` });
    const refused = ecs.send(
      new UpdateServiceCommand({
        cluster: 'prod',
        service: 'web',
        deploymentConfiguration: {
          strategy: 'CANARY',
          canaryConfiguration: { canaryPercent: 0, canaryBakeTimeInMinutes: 2000 },
          lifecycleHooks: [{ ...HOOK, lifecycleStages: ['TEST_TRAFFIC_SHIFT'] }],
        },
      }),
    );
    await expect(refused).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(refused).rejects.toThrow(/canaryPercent must be between 0.1 and 100/);
    await expect(refused).rejects.toThrow(/canaryBakeTimeInMinutes must be between 0 and 1440/);
    await expect(refused).rejects.toThrow(/PAUSE hooks cannot be configured at the TEST_TRAFFIC_SHIFT stage/);
  });

  it('pauses at the hook, continues only while AWAITING_ACTION on an IN_PROGRESS deployment', async () => {
    await seedEcsService(aws, {
      cluster: 'prod',
      service: 'web',
      image: `${IMAGE}1`,
      deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0, lifecycleHooks: [HOOK] },
    });
    aws.ecs.nextRollout({ service: 'web', outcome: 'complete', native: { stageMs: 100 } });
    const since = new Date(Date.now() - 1000);
    await ecs.send(
      new UpdateServiceCommand({ cluster: 'prod', service: 'web', taskDefinition: await newRevision() }),
    );
    const listed = await ecs.send(
      new ListServiceDeploymentsCommand({ cluster: 'prod', service: 'web', createdAt: { after: since } }),
    );
    expect(listed.serviceDeployments).toHaveLength(1);
    const arn = listed.serviceDeployments?.[0]?.serviceDeploymentArn as string;
    expect(arn).toMatch(/^arn:aws:ecs:us-east-1:123456789012:service-deployment\/prod\/web\/\w+$/);

    // Before the pause: no hook to act on.
    await expect(
      ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: 'nope' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(
      ecs.send(
        new ContinueServiceDeploymentCommand({
          serviceDeploymentArn: `${arn.slice(0, -4)}zzzz`,
          hookId: 'nope',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ServiceDeploymentNotFoundException' });

    const paused = await waitFor(async () => {
      const sd = (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] })))
        .serviceDeployments?.[0];
      return sd?.lifecycleHookDetails?.some((h) => h.status === 'AWAITING_ACTION') ? sd : undefined;
    });
    expect(paused.status).toBe('IN_PROGRESS');
    expect(paused.lifecycleStage).toBe('POST_TEST_TRAFFIC_SHIFT');
    expect(paused.targetServiceRevision).toMatchObject({
      requestedTestTrafficWeight: 100,
      requestedProductionTrafficWeight: 0,
    });
    const hook = paused.lifecycleHookDetails?.[0];
    expect(hook).toMatchObject({ targetType: 'PAUSE', status: 'AWAITING_ACTION', timeoutAction: 'ROLLBACK' });
    // 30 minutes at the default pace of 100 ms a minute.
    expect((hook?.expiresAt?.getTime() ?? 0) - Date.now()).toBeGreaterThan(1500);

    // Still paused a while later: nothing moves without an action.
    await new Promise((r) => setTimeout(r, 600));
    const still = (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] })))
      .serviceDeployments?.[0];
    expect(still?.lifecycleStage).toBe('POST_TEST_TRAFFIC_SHIFT');

    await ecs.send(
      new ContinueServiceDeploymentCommand({
        serviceDeploymentArn: arn,
        hookId: hook?.hookId,
        action: 'CONTINUE',
      }),
    );
    // The same hook a second time: no longer awaiting action.
    await expect(
      ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: hook?.hookId })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    const done = await waitFor(async () => {
      const sd = (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] })))
        .serviceDeployments?.[0];
      return sd?.status === 'SUCCESSFUL' ? sd : undefined;
    });
    expect(done.targetServiceRevision?.requestedProductionTrafficWeight).toBe(100);
    expect(done.finishedAt).toBeInstanceOf(Date);
    // A finished deployment cannot be continued.
    await expect(
      ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: hook?.hookId })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    const missing = await ecs.send(
      new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [`${arn}x`] }),
    );
    expect(missing.failures).toEqual([{ arn: `${arn}x`, reason: 'MISSING' }]);
  });
});
