// The root action with a traffic-shifting strategy: the service stack gets DeploymentStrategy, and the next
// image rolls out as an ECS CANARY / BLUE_GREEN service deployment (stages, traffic steps) through the stack,
// against the local endpoint's model of service deployments.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../support/aws/index.js';
import {
  deployEnvironment,
  describeStack,
  explain,
  type FakeService,
  image,
  inputs,
  outputsOf,
  parametersOf,
  secretValue,
  serviceOf,
  startFakeService,
  TEST_TIMEOUT_MS,
} from './helpers.js';

let aws: LocalAws;
let app: FakeService | undefined;

beforeAll(async () => {
  aws = await startLocalAws();
});

afterEach(async () => {
  await app?.close();
  app = undefined;
});

afterAll(async () => {
  await aws?.stop();
});

/** A fresh local AWS, the fake service for `env`, and a first deployment of it with `given` (must succeed). */
async function firstDeployment(
  env: string,
  given: Record<string, string>,
  fake?: Parameters<typeof startFakeService>[2],
) {
  await aws.reset();
  app = await startFakeService(aws, env, fake);
  const first = await deployEnvironment(aws, inputs(env, given));
  expect(first.code, explain(first)).toBe(0);
  return serviceOf(aws, env);
}

type Native = NonNullable<Parameters<LocalAws['ecs']['nextRollout']>[0]['native']>;

/** How the next service deployment of the environment's service behaves: it completes, with `native` timing. */
function nextRollout(service: Awaited<ReturnType<typeof serviceOf>>, native: Native): void {
  aws.ecs.nextRollout({ service: service?.serviceName ?? '', outcome: 'complete', native });
}

describe('root action: native deployment strategies', { timeout: TEST_TIMEOUT_MS }, () => {
  for (const [strategy, weights] of [
    ['CANARY', [0, 10, 100]],
    ['BLUE_GREEN', [0, 100]],
  ] as const) {
    it(`rolls a new image out as a ${strategy} service deployment through the service stack`, async () => {
      const env = strategy === 'CANARY' ? 'canary' : 'bluegreen';
      const service = await firstDeployment(env, { database: 'off', 'deployment-strategy': strategy });
      expect(parametersOf(await describeStack(aws, `${env}-service`))).toMatchObject({
        DeploymentStrategy: strategy,
        TestTrafficGate: 'on',
      });
      expect(service?.deploymentConfiguration?.strategy).toBe(strategy);
      expect(service?.loadBalancers?.[0]?.advancedConfiguration?.alternateTargetGroupArn).toContain(
        ':targetgroup/',
      );

      // A configured minute lasts 250 ms: the gate's 30-minute pause 7.5 s, each bake 2.5 s.
      nextRollout(service, { minuteMs: 250 });
      const run = await deployEnvironment(
        aws,
        inputs(env, {
          database: 'off',
          'deployment-strategy': strategy,
          image: image(7),
          'app-version': 'v7',
        }),
      );

      expect(run.code, explain(run)).toBe(0);
      expect(run.outputs.status).toBe('deployed');
      const deployments = await aws.ecs.serviceDeployments(service?.serviceName ?? '');
      expect(deployments.map((d) => [d.strategy, d.status])).toEqual([[strategy, 'SUCCESSFUL']]);
      expect([...new Set(deployments[0]?.history.map((h) => h.production))]).toEqual(weights);
      expect(deployments[0]?.taskDefinition).toBe(run.outputs['task-definition-arn']);
      // The test gate: the new revision answered v7 through the test listener rule before any production
      // traffic, then the action continued the paused deployment.
      expect(deployments[0]?.hooks).toEqual([
        expect.objectContaining({ stage: 'POST_TEST_TRAFFIC_SHIFT', status: 'SUCCEEDED' }),
      ]);
      const continues = aws.calls.filter((c) => c.action === 'ContinueServiceDeployment');
      expect(continues.map((c) => (c.params as { action?: string }).action)).toEqual(['CONTINUE']);
      expect(app?.testRequests.at(-1)).toEqual({ path: '/version', version: 'v7' });
      expect(run.stdout).toContain('Test gate passed');
      expect(run.summary).toContain('Test gate passed: CONTINUE');
      const secret = outputsOf(await describeStack(aws, `${env}-service`)).TestTrafficSecretArn ?? '';
      expect(secret).toContain(`:secret:${env}-service/test-traffic-header-`);
      const value = await secretValue(aws, secret);
      expect(run.masked).toContain(value);
      expect(run.leaks(value)).toEqual([]);
      expect(run.stdout).toContain('Smoke test passed');
    });
  }
});

describe('root action: the test-traffic gate rolls back', { timeout: TEST_TIMEOUT_MS }, () => {
  it('a version that fails the smoke test on the test listener: ECS rolls back, production never sees it, the stack rolls back', async () => {
    const env = 'gated';
    // The build of v8 answers 500 on /version: a broken release.
    const service = await firstDeployment(
      env,
      { database: 'off', 'deployment-strategy': 'BLUE_GREEN' },
      { answer: (version) => (version === 'v8' ? { status: 500, body: { title: 'boom' } } : undefined) },
    );
    const before = service?.taskDefinition;
    // A configured minute lasts 500 ms: the gate has 15 s before the pause's own timeout would decide.
    nextRollout(service, { minuteMs: 500 });
    const run = await deployEnvironment(
      aws,
      inputs(env, {
        database: 'off',
        'deployment-strategy': 'BLUE_GREEN',
        image: image(8),
        'app-version': 'v8',
      }),
    );

    expect(run.code, explain(run)).toBe(1);
    expect(run.outputs.status).toBe('rolled-back');
    const [sd] = await aws.ecs.serviceDeployments(service?.serviceName ?? '');
    expect(sd?.status).toBe('ROLLBACK_SUCCESSFUL');
    expect(sd?.taskDefinition).not.toBe(before);
    expect(sd?.hooks).toEqual([
      expect.objectContaining({ stage: 'POST_TEST_TRAFFIC_SHIFT', status: 'FAILED' }),
    ]);
    // Production never had the new revision.
    expect(Math.max(...(sd?.history.map((h) => h.production) ?? [0]))).toBe(0);
    const continues = aws.calls.filter((c) => c.action === 'ContinueServiceDeployment');
    expect(continues.map((c) => (c.params as { action?: string }).action)).toEqual(['ROLLBACK']);
    expect((await describeStack(aws, `${env}-service`))?.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect((await serviceOf(aws, env))?.taskDefinition).toBe(before);
    // The cause, named: the gate's answer and the rollback.
    expect(run.outputs.error).toMatch(/test gate failed \(.*500/);
    expect(run.outputs.error).toContain('rolled back');
    expect(run.summary).toContain('Test gate failed: ROLLBACK');
  });
});

describe('root action: an infrastructure change on a traffic-shifting environment', {
  timeout: TEST_TIMEOUT_MS,
}, () => {
  it('gates the deployment a cpu/memory change starts, expecting the version already running', async () => {
    const env = 'resized';
    const given = { database: 'off', 'deployment-strategy': 'BLUE_GREEN', 'app-version': 'v1' };
    const service = await firstDeployment(env, given);
    nextRollout(service, { minuteMs: 250 });

    // Same image and version, more CPU: the service stack registers a new task definition revision.
    const run = await deployEnvironment(aws, inputs(env, { ...given, cpu: '512', memory: '1024' }));

    expect(run.code, explain(run)).toBe(0);
    expect(parametersOf(await describeStack(aws, `${env}-service`))).toMatchObject({ Cpu: '512' });
    const deployments = await aws.ecs.serviceDeployments(service?.serviceName ?? '');
    expect(deployments.map((d) => [d.strategy, d.status])).toEqual([['BLUE_GREEN', 'SUCCESSFUL']]);
    expect(deployments[0]?.hooks).toEqual([
      expect.objectContaining({ stage: 'POST_TEST_TRAFFIC_SHIFT', status: 'SUCCEEDED' }),
    ]);
    expect(app?.testRequests.at(-1)).toEqual({ path: '/version', version: 'v1' });
    expect(run.stdout).toContain('Test gate passed');
  });
});

describe('root action: an alarm during the bake', { timeout: TEST_TIMEOUT_MS }, () => {
  it('rolls a CANARY back when the 5xx alarm fires in BAKE_TIME, naming the alarm; the stack rolls back', async () => {
    const env = 'alarmed';
    const given = { database: 'off', 'deployment-strategy': 'CANARY' };
    const service = await firstDeployment(env, given);
    const before = service?.taskDefinition;
    const [alarm] = service?.deploymentConfiguration?.alarms?.alarmNames ?? [];
    expect(alarm).toBeTruthy();
    nextRollout(service, {
      minuteMs: 250,
      alarm: { name: alarm ?? '', stage: 'BAKE_TIME', reason: 'Threshold Crossed: 5xx rate 12% > 5%' },
    });

    const run = await deployEnvironment(aws, inputs(env, { ...given, image: image(9), 'app-version': 'v9' }));

    expect(run.code, explain(run)).toBe(1);
    expect(run.outputs.status).toBe('rolled-back');
    const [sd] = await aws.ecs.serviceDeployments(service?.serviceName ?? '');
    expect(sd?.status).toBe('ROLLBACK_SUCCESSFUL');
    // The gate passed; production had the new revision until the alarm.
    expect(sd?.hooks).toEqual([expect.objectContaining({ status: 'SUCCEEDED' })]);
    expect(sd?.history.some((h) => h.stage === 'BAKE_TIME' && h.production === 100)).toBe(true);
    expect((await describeStack(aws, `${env}-service`))?.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect((await serviceOf(aws, env))?.taskDefinition).toBe(before);
    expect(run.outputs.error).toContain(`CloudWatch alarm ${alarm} went into ALARM`);
    expect(run.outputs.error).toContain('Threshold Crossed: 5xx rate 12% > 5%');
    expect(run.outputs.error).toContain('rolled back');
  });
});
