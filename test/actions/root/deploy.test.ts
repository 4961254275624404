// The root action end to end against the local AWS endpoint: one environment deployed from nothing, then a
// new image, then the same image again. The tests run in order on the same environment (each deploy builds
// on what the one before left), as a pipeline runs them.
// Not modelled by the local endpoint: the service's first tasks starting (a service CloudFormation creates is
// steady at once, so a crash of the very first image is not tested here), and the load balancer itself
// (the test routes its URL to a stand-in for the service, see helpers.ts).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../support/aws/index.js';
import { REPO_ROOT } from '../../support/harness.js';
import {
  deployEnvironment,
  describeStack,
  environmentOf,
  explain,
  type FakeService,
  image,
  inputs,
  outputsOf,
  parametersOf,
  serviceOf,
  stackChanges,
  startFakeService,
  TEST_TIMEOUT_MS,
  taskDefinition,
  templateOf,
} from './helpers.js';

let aws: LocalAws;
let app: FakeService;

beforeAll(async () => {
  aws = await startLocalAws();
  app = await startFakeService(aws, 'staging');
});

afterAll(async () => {
  await app?.close();
  await aws?.stop();
});

describe('root action: one environment over three deploys', { timeout: TEST_TIMEOUT_MS }, () => {
  let firstTaskDefinition = '';
  let networkOutputs: Record<string, string> = {};

  it('creates the network, database and service stacks, rolls out and smoke-tests the new environment', async () => {
    const run = await deployEnvironment(aws, inputs('staging', { image: image(1), 'app-version': 'v1' }));

    expect(run.code, explain(run)).toBe(0);
    expect(run.outputs.status).toBe('deployed');
    expect(JSON.parse(run.outputs.stacks ?? '{}')).toEqual({
      'staging-network': 'created',
      'staging-database': 'created',
      'staging-service': 'created',
    });
    for (const layer of ['network', 'database', 'service']) {
      expect((await describeStack(aws, `staging-${layer}`))?.StackStatus).toBe('CREATE_COMPLETE');
    }
    // The stacks were created through change sets from the templates in cloudformation/, as sent.
    expect(stackChanges(aws)).toEqual([
      'CreateChangeSet staging-network',
      'ExecuteChangeSet',
      'CreateChangeSet staging-database',
      'ExecuteChangeSet',
      'CreateChangeSet staging-service',
      'ExecuteChangeSet',
    ]);
    for (const layer of ['network', 'database', 'service']) {
      expect(await templateOf(aws, `staging-${layer}`)).toBe(
        readFileSync(join(REPO_ROOT, 'cloudformation', `${layer}.yml`), 'utf8'),
      );
    }

    const service = await serviceOf(aws, 'staging');
    const serviceStack = await describeStack(aws, 'staging-service');
    expect(run.outputs['service-arn']).toBe(service?.serviceArn);
    expect(run.outputs['service-arn']).toBe(outputsOf(serviceStack).ServiceArn);
    expect(run.outputs['task-definition-arn']).toBe(service?.taskDefinition);
    // The load balancer's URL, which the test routed to its stand-in for the service.
    expect(run.outputs.url).toBe(app.url);
    expect(app.requests).toContain('/version');
    expect(run.stdout).toContain(`Smoke test passed: GET ${app.url}/version answered 200 with version v1`);

    const td = await taskDefinition(aws, run.outputs['task-definition-arn'] ?? '');
    expect(td.containerDefinitions?.[0]?.image).toBe(image(1));
    expect(environmentOf(td)).toMatchObject({ APP_VERSION: 'v1', PGPORT: '5432', PGDATABASE: 'notes' });
    // The credentials come from the RDS-managed secret, never as plain variables.
    const databaseOutputs = outputsOf(await describeStack(aws, 'staging-database'));
    expect(td.containerDefinitions?.[0]?.secrets).toEqual([
      { name: 'PGUSER', valueFrom: `${databaseOutputs.SecretArn}:username::` },
      { name: 'PGPASSWORD', valueFrom: `${databaseOutputs.SecretArn}:password::` },
    ]);
    expect(databaseOutputs.SecretArn).toMatch(
      /^arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-/,
    );
    // The tasks run in the network's private subnets with the database stack's task security group.
    networkOutputs = outputsOf(await describeStack(aws, 'staging-network'));
    expect(service?.networkConfiguration?.awsvpcConfiguration).toEqual({
      subnets: networkOutputs.PrivateSubnets?.split(','),
      securityGroups: [databaseOutputs.ServiceSecurityGroupId],
      assignPublicIp: 'DISABLED',
    });
    expect(service?.desiredCount).toBe(2);
    expect(parametersOf(serviceStack)).toMatchObject({
      ImageUri: image(1),
      AppVersion: 'v1',
      Database: 'on',
    });
    expect(run.summary).toContain('staging: deployed');
    firstTaskDefinition = run.outputs['task-definition-arn'] ?? '';
  });

  it('rolls a new image out through the service stack, leaving the infrastructure stacks unchanged', async () => {
    aws.clearCalls();
    const before = await describeStack(aws, 'staging-service');

    const run = await deployEnvironment(aws, inputs('staging', { image: image(2), 'app-version': 'v2' }));

    expect(run.code, explain(run)).toBe(0);
    expect(run.outputs.status).toBe('deployed');
    expect(JSON.parse(run.outputs.stacks ?? '{}')).toEqual({
      'staging-network': 'unchanged',
      'staging-database': 'unchanged',
      'staging-service': 'unchanged',
    });
    // Empty change sets for the three stacks, then one stack update for the rollout.
    expect(stackChanges(aws)).toEqual([
      'CreateChangeSet staging-network',
      'CreateChangeSet staging-database',
      'CreateChangeSet staging-service',
      'CreateChangeSet staging-service',
      'ExecuteChangeSet',
    ]);
    const rollout = aws.calls.filter((c) => c.action === 'CreateChangeSet').at(-1)!.params as Record<
      string,
      string
    >;
    expect(rollout.UsePreviousTemplate).toBe('true');
    // No task definition registered or service updated behind CloudFormation's back.
    expect(aws.callCount({ service: 'ecs', action: 'RegisterTaskDefinition' })).toBe(0);
    expect(aws.callCount({ service: 'ecs', action: 'UpdateService' })).toBe(0);

    const after = await describeStack(aws, 'staging-service');
    expect(parametersOf(after)).toEqual({ ...parametersOf(before), ImageUri: image(2), AppVersion: 'v2' });
    const service = await serviceOf(aws, 'staging');
    expect(run.outputs['task-definition-arn']).toBe(service?.taskDefinition);
    expect(run.outputs['task-definition-arn']).not.toBe(firstTaskDefinition);
    const td = await taskDefinition(aws, run.outputs['task-definition-arn'] ?? '');
    expect(td.containerDefinitions?.[0]?.image).toBe(image(2));
    expect(environmentOf(td).APP_VERSION).toBe('v2');
    const rollouts = aws.ecs.rollouts(service?.serviceName ?? '');
    expect(rollouts.map((r) => [r.taskDefinition, r.rolloutState])).toEqual([
      [run.outputs['task-definition-arn'], 'COMPLETED'],
    ]);
    expect(run.stdout).toContain(`Smoke test passed: GET ${app.url}/version answered 200 with version v2`);
    expect(run.outputs.url).toBe(app.url);
    expect(outputsOf(await describeStack(aws, 'staging-network'))).toEqual(networkOutputs);
  });

  it('changes nothing when the same image and version are deployed again', async () => {
    aws.clearCalls();
    const service = await serviceOf(aws, 'staging');

    const run = await deployEnvironment(aws, inputs('staging', { image: image(2), 'app-version': 'v2' }));

    expect(run.code, explain(run)).toBe(0);
    expect(run.outputs.status).toBe('unchanged');
    expect(JSON.parse(run.outputs.stacks ?? '{}')).toEqual({
      'staging-network': 'unchanged',
      'staging-database': 'unchanged',
      'staging-service': 'unchanged',
    });
    expect(stackChanges(aws)).toEqual([
      'CreateChangeSet staging-network',
      'CreateChangeSet staging-database',
      'CreateChangeSet staging-service',
    ]);
    expect(aws.callCount({ service: 'cloudformation', action: 'ExecuteChangeSet' })).toBe(0);
    expect(aws.callCount({ service: 'ecs', action: 'RunTask' })).toBe(0);
    expect(run.outputs['task-definition-arn']).toBe(service?.taskDefinition);
    expect(aws.ecs.rollouts(service?.serviceName ?? '')).toHaveLength(1);
    expect(run.stdout).toContain('Smoke test passed');
    expect(run.summary).toContain('already up to date');
  });
});
