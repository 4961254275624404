// The root action when things go wrong: a rollout whose tasks crash (the ECS circuit breaker rolls the
// service back and CloudFormation rolls the stack back), and inputs refused before any AWS call.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../support/aws/index.js';
import {
  deployEnvironment,
  describeStack,
  explain,
  type FakeService,
  image,
  inputs,
  parametersOf,
  REGISTRY,
  serviceOf,
  startFakeService,
  TEST_TIMEOUT_MS,
  taskDefinition,
} from './helpers.js';

let aws: LocalAws;

beforeAll(async () => {
  aws = await startLocalAws();
});

afterAll(async () => {
  await aws?.stop();
});

describe('root action: a rollout whose tasks crash', { timeout: TEST_TIMEOUT_MS }, () => {
  let app: FakeService;

  beforeAll(async () => {
    app = await startFakeService(aws, 'prod');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('ends rolled-back: the circuit breaker returns the service to the previous image, the stack rolls back', async () => {
    const first = await deployEnvironment(aws, inputs('prod', { image: image(1), 'app-version': 'v1' }));
    expect(first.code, explain(first)).toBe(0);
    const before = await serviceOf(aws, 'prod');
    const stackBefore = parametersOf(await describeStack(aws, 'prod-service'));
    const smokeRequests = app.requests.length;
    aws.ecs.nextRollout({
      service: before?.serviceName ?? '',
      outcome: 'fail',
      durationMs: 1500,
      // Longer than CloudFormation's own rollback steps: the stack reaches UPDATE_ROLLBACK_COMPLETE only once
      // the service is steady on the previous revision again, as on AWS.
      rollbackDurationMs: 2500,
      stoppedTasks: [
        {
          stoppedReason: 'Essential container in task exited',
          containers: [{ name: 'app', exitCode: 1 }],
          logLines: ['{"level":"fatal","msg":"PGHOST is not reachable: ECONNREFUSED"}'],
        },
      ],
    });

    const run = await deployEnvironment(aws, inputs('prod', { image: image(2), 'app-version': 'v2' }));

    expect(run.code, explain(run)).toBe(1);
    expect(run.outputs.status).toBe('rolled-back');
    expect(run.outputs.error).toContain(`The rollout of ${image(2)}`);
    expect(run.outputs.error).toContain('Essential container in task exited');
    expect(run.outputs.error).toContain('app exited 1');
    expect(run.outputs.error).toContain('PGHOST is not reachable');
    expect(run.outputs.error).toContain('stack prod-service rolled back');
    expect(run.outputs.error).toContain('ECS Deployment Circuit Breaker was triggered');
    expect(run.errors()[0]).toContain('Essential container in task exited');
    expect(JSON.parse(run.outputs.stacks ?? '{}')).toMatchObject({ 'prod-network': 'unchanged' });
    // The service runs the previous task definition again; the stack has its previous parameters.
    const after = await serviceOf(aws, 'prod');
    expect(after?.taskDefinition).toBe(before?.taskDefinition);
    const td = await taskDefinition(aws, after?.taskDefinition ?? '');
    expect(td.containerDefinitions?.[0]?.image).toBe(image(1));
    const stack = await describeStack(aws, 'prod-service');
    expect(stack?.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(parametersOf(stack)).toEqual(stackBefore);
    expect(aws.ecs.rollouts(before?.serviceName ?? '').map((r) => [r.kind, r.rolloutState])).toEqual([
      ['rollout', 'FAILED'],
      ['rollback', 'COMPLETED'],
    ]);
    expect(run.summary).toContain('PGHOST is not reachable');
    // A failed rollout is not smoke-tested.
    expect(app.requests).toHaveLength(smokeRequests);
  });
});

describe('root action: inputs refused before any AWS call', () => {
  beforeEach(async () => {
    await aws.reset();
  });

  const cases: Array<[string, Record<string, string | undefined>, RegExp]> = [
    [
      'an image outside ECR',
      { image: `ghcr.io/acme/notes@sha256:${'1'.repeat(64)}` },
      /^deploy-environment: image: "ghcr\.io\/acme\/notes@sha256:1+" is not in Amazon ECR/,
    ],
    [
      'an image without a digest',
      { image: `${REGISTRY}:v2` },
      /^deploy-environment: image: ".*:v2" has no digest/,
    ],
    [
      'a memory size the cpu does not allow',
      { cpu: '256', memory: '4096' },
      /^deploy-environment: memory: 4096 MiB is not valid with cpu 256 on Fargate/,
    ],
    [
      'a cpu size Fargate does not have',
      { cpu: '300' },
      /^deploy-environment: cpu: 300 is not a Fargate CPU size/,
    ],
    [
      'an environment name that cannot prefix stack names',
      { environment: 'Staging_1' },
      /^deploy-environment: environment: .*lower-case letters, digits and -/,
    ],
  ];

  for (const [what, overrides, message] of cases) {
    it(`refuses ${what}`, async () => {
      const run = await deployEnvironment(aws, inputs('staging', overrides));

      expect(run.code, explain(run)).toBe(1);
      expect(
        run.errors().some((e) => message.test(e)),
        run.errors().join('\n'),
      ).toBe(true);
      expect(aws.calls).toEqual([]);
    });
  }
});
