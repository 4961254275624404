// The root action's other shapes of environment: without a database, and with the two other egress modes
// (public subnets with public IPs; VPC interface endpoints instead of a NAT gateway). Whether tasks can really
// reach ECR through each egress path is not modelled locally: these tests check what the stacks create and
// where the tasks are placed. HTTPS (certificate-arn) is covered by test/support/aws/templates.test.ts only:
// the smoke test would need a TLS server the runner trusts for 127.0.0.1.
import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../support/aws/index.js';
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

async function resourceTypes(stack: string): Promise<Record<string, string>> {
  const client = new CloudFormationClient({ ...aws.clientConfig, maxAttempts: 2 });
  const response = await client.send(new DescribeStackResourcesCommand({ StackName: stack }));
  return Object.fromEntries(
    (response.StackResources ?? []).map((r) => [r.LogicalResourceId ?? '', r.ResourceType ?? '']),
  );
}

describe('root action: environment variants', { timeout: TEST_TIMEOUT_MS }, () => {
  it('deploys a service without a database: no database stack, its own task security group, no PG settings', async () => {
    app = await startFakeService(aws, 'nodb');
    aws.clearCalls();

    const run = await deployEnvironment(
      aws,
      inputs('nodb', { database: 'off', image: image(5), 'app-version': 'v5' }),
    );

    expect(run.code, explain(run)).toBe(0);
    expect(run.outputs.status).toBe('deployed');
    expect(JSON.parse(run.outputs.stacks ?? '{}')).toEqual({
      'nodb-network': 'created',
      'nodb-database': 'skipped',
      'nodb-service': 'created',
    });
    expect(stackChanges(aws).filter((c) => c.includes('nodb-database'))).toEqual([]);
    expect(await describeStack(aws, 'nodb-database')).toBeUndefined();
    const serviceStack = await describeStack(aws, 'nodb-service');
    expect(parametersOf(serviceStack).Database).toBe('off');
    const resources = await resourceTypes('nodb-service');
    expect(resources.TaskSecurityGroup).toBe('AWS::EC2::SecurityGroup');
    const service = await serviceOf(aws, 'nodb');
    const client = new CloudFormationClient({ ...aws.clientConfig, maxAttempts: 2 });
    const taskGroup = (
      await client.send(
        new DescribeStackResourcesCommand({
          StackName: 'nodb-service',
          LogicalResourceId: 'TaskSecurityGroup',
        }),
      )
    ).StackResources?.[0]?.PhysicalResourceId;
    expect(service?.networkConfiguration?.awsvpcConfiguration?.securityGroups).toEqual([taskGroup]);
    const td = await taskDefinition(aws, run.outputs['task-definition-arn'] ?? '');
    const env = environmentOf(td);
    expect(Object.keys(env).filter((k) => k.startsWith('PG'))).toEqual([]);
    expect(env.APP_VERSION).toBe('v5');
    expect(td.containerDefinitions?.[0]?.secrets ?? []).toEqual([]);
    expect(run.outputs.url).toBe(app.url);
    expect(run.stdout).toContain('Smoke test passed');
  });

  it('creates a public-egress environment: tasks in public subnets with a public IP, no NAT gateway', async () => {
    app = await startFakeService(aws, 'pub');

    const run = await deployEnvironment(
      aws,
      inputs('pub', { 'egress-mode': 'public', 'availability-zones': '3' }),
    );

    expect(run.code, explain(run)).toBe(0);
    expect(run.outputs.status).toBe('deployed');
    const network = outputsOf(await describeStack(aws, 'pub-network'));
    expect(network).toMatchObject({ EgressMode: 'public', AssignPublicIp: 'ENABLED' });
    expect(network.TaskSubnets).toBe(network.PublicSubnets);
    expect(network.PublicSubnets?.split(',')).toHaveLength(3);
    const types = Object.values(await resourceTypes('pub-network'));
    expect(types).not.toContain('AWS::EC2::NatGateway');
    expect(types.filter((t) => t === 'AWS::EC2::VPCEndpoint')).toHaveLength(1); // the free S3 gateway
    const service = await serviceOf(aws, 'pub');
    expect(service?.networkConfiguration?.awsvpcConfiguration).toMatchObject({
      subnets: network.PublicSubnets?.split(','),
      assignPublicIp: 'ENABLED',
    });
    expect(run.stdout).toContain('Smoke test passed');
  });

  it('creates an endpoints-egress environment: interface endpoints, private subnets, no NAT gateway', async () => {
    app = await startFakeService(aws, 'vpce');

    const run = await deployEnvironment(aws, inputs('vpce', { 'egress-mode': 'endpoints' }));

    expect(run.code, explain(run)).toBe(0);
    expect(run.outputs.status).toBe('deployed');
    const network = outputsOf(await describeStack(aws, 'vpce-network'));
    expect(network).toMatchObject({ EgressMode: 'endpoints', AssignPublicIp: 'DISABLED' });
    expect(network.TaskSubnets).toBe(network.PrivateSubnets);
    const resources = await resourceTypes('vpce-network');
    expect(resources).toMatchObject({
      EcrApiEndpoint: 'AWS::EC2::VPCEndpoint',
      EcrDkrEndpoint: 'AWS::EC2::VPCEndpoint',
      LogsEndpoint: 'AWS::EC2::VPCEndpoint',
      SecretsManagerEndpoint: 'AWS::EC2::VPCEndpoint',
      EndpointSecurityGroup: 'AWS::EC2::SecurityGroup',
    });
    expect(Object.values(resources)).not.toContain('AWS::EC2::NatGateway');
    const service = await serviceOf(aws, 'vpce');
    expect(service?.networkConfiguration?.awsvpcConfiguration).toMatchObject({
      subnets: network.PrivateSubnets?.split(','),
      assignPublicIp: 'DISABLED',
    });
    expect(run.stdout).toContain('Smoke test passed');
  });
});
