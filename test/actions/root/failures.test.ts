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
    // Every value is checked against the templates' own constraints and Rules, with their descriptions:
    // each of these used to pass, and CloudFormation refused it only after the network and database
    // stacks were built.
    [
      "a memory size the cpu does not allow (the service template's Rules)",
      { cpu: '256', memory: '4096' },
      /^deploy-environment: memory: "4096" with cpu "256" is refused: With Cpu 256 Fargate accepts Memory 512, 1024 or 2048 MiB\. \(rule FargateMemoryFor256Cpu in cloudformation\/service\.yml\)$/,
    ],
    [
      'a cpu size Fargate does not have',
      { cpu: '300' },
      /^deploy-environment: cpu: "300" is not one of the AllowedValues: 256, 512, 1024, 2048, 4096 \(Cpu in cloudformation\/service\.yml\)$/,
    ],
    [
      'an environment name that cannot prefix stack names',
      { environment: 'Staging_1' },
      /^deploy-environment: environment: "Staging_1" does not match the AllowedPattern .*: 2-20 lower-case letters, digits and single hyphens, starting with a letter\. \(EnvironmentName in cloudformation\/network\.yml\)$/,
    ],
    [
      'a one-character environment name',
      { environment: 'a' },
      /^deploy-environment: environment: "a" is shorter than the MinLength 2: 2-20 lower-case letters/,
    ],
    [
      'a privileged container port',
      { 'container-port': '80' },
      /^deploy-environment: container-port: "80" is less than the MinValue 1024 \(ContainerPort in cloudformation\/service\.yml\)$/,
    ],
    [
      'an app version with a space',
      { 'app-version': 'release 1' },
      /^deploy-environment: app-version: "release 1" does not match the AllowedPattern \^\[A-Za-z0-9\._\+-\]\{1,128\}\$/,
    ],
    [
      'a health check path the load balancer does not accept',
      { 'health-check-path': '/healthz?full=1' },
      /^deploy-environment: health-check-path: "\/healthz\?full=1" does not match the AllowedPattern/,
    ],
    [
      'more tasks than the template allows',
      { 'desired-count': '101' },
      /^deploy-environment: desired-count: "101" is greater than the MaxValue 100/,
    ],
    [
      'an RDS instance class that is not one',
      { 'database-instance-class': 'large' },
      /^deploy-environment: database-instance-class: "large" does not match .*: an RDS instance class such as db\.t4g\.micro/,
    ],
    [
      'a certificate without the domain name it covers',
      { 'certificate-arn': 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123' },
      /^deploy-environment: domain-name: is required with certificate-arn: give the host name the certificate covers/,
    ],
    [
      "a domain name without a certificate (the service template's Rules)",
      { 'domain-name': 'api.example.com' },
      /^deploy-environment: certificate-arn: "" with domain-name "api\.example\.com" is refused: DomainName is only used with HTTPS; give the CertificateArn that covers it\./,
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
