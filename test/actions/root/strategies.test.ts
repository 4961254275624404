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
  parametersOf,
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

describe('root action: native deployment strategies', { timeout: TEST_TIMEOUT_MS }, () => {
  for (const [strategy, weights] of [
    ['CANARY', [0, 10, 100]],
    ['BLUE_GREEN', [0, 100]],
  ] as const) {
    it(`rolls a new image out as a ${strategy} service deployment through the service stack`, async () => {
      const env = strategy === 'CANARY' ? 'canary' : 'bluegreen';
      await aws.reset();
      app = await startFakeService(aws, env);
      const first = await deployEnvironment(
        aws,
        inputs(env, { database: 'off', 'deployment-strategy': strategy }),
      );
      expect(first.code, explain(first)).toBe(0);
      expect(parametersOf(await describeStack(aws, `${env}-service`))).toMatchObject({
        DeploymentStrategy: strategy,
        TestTrafficGate: 'off',
      });
      const service = await serviceOf(aws, env);
      expect(service?.deploymentConfiguration?.strategy).toBe(strategy);
      expect(service?.loadBalancers?.[0]?.advancedConfiguration?.alternateTargetGroupArn).toContain(
        ':targetgroup/',
      );

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
      expect(run.stdout).toContain('Smoke test passed');
    });
  }
});
