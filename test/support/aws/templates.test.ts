// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub patterns such as ${EnvironmentName}, not JS templates.
// The local AWS endpoint with the suite's real templates (cloudformation/network.yml, database.yml,
// service.yml): what the layer evaluates itself before moto sees a template (compile.ts), and whole
// environments created, updated and deleted through change sets as the actions do it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  GetTemplateSummaryCommand,
  type Parameter,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness.js';
import { cidr, compileTemplate } from './compile.js';
import { type LocalAws, seedCertificate, startLocalAws } from './index.js';
import { parseTemplate, resolveParameters, type Template } from './template.js';
import { until } from './testing.js';
import { MotoClient } from './wire.js';

type Obj = Record<string, unknown>;

const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/notes@sha256:${'a'.repeat(64)}`;

function body(layer: 'network' | 'database' | 'service'): string {
  return readFileSync(join(REPO_ROOT, 'cloudformation', `${layer}.yml`), 'utf8');
}

function compile(layer: 'network' | 'database' | 'service', given: Record<string, string>): Template {
  const text = body(layer);
  const values = resolveParameters(
    parseTemplate(text),
    Object.entries(given).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
    {},
  ).values;
  return compileTemplate(text, {
    region: 'us-east-1',
    accountId: '123456789012',
    stackName: `staging-${layer}`,
    parameters: values,
    availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d'],
  }).template;
}

function props(template: Template, id: string): Obj {
  return (template.Resources?.[id]?.Properties ?? {}) as Obj;
}

describe('compileTemplate: what CloudFormation evaluates before the resources', () => {
  it('computes Fn::Cidr as AWS does: consecutive blocks of 2^cidrBits addresses from the start of the block', () => {
    expect(cidr('10.0.0.0/16', 6, 12)).toEqual([
      '10.0.0.0/20',
      '10.0.16.0/20',
      '10.0.32.0/20',
      '10.0.48.0/20',
      '10.0.64.0/20',
      '10.0.80.0/20',
    ]);
    expect(cidr('192.168.7.0/24', 3, 6)).toEqual(['192.168.7.0/26', '192.168.7.64/26', '192.168.7.128/26']);
    expect(() => cidr('10.0.0.0/24', 5, 6)).toThrow(/do not fit/);
    expect(() => cidr('10.0.0.0/24', 2, 9)).toThrow(/does not fit/);
  });

  it('drops what conditions exclude and resolves the subnet blocks (nat, two zones)', () => {
    const t = compile('network', { EnvironmentName: 'staging', EgressMode: 'nat' });
    const ids = Object.keys(t.Resources ?? {});
    expect(ids).toContain('NatGateway1');
    expect(ids).not.toContain('NatGateway2'); // NatGateways: single
    expect(ids).not.toContain('PublicSubnet3');
    expect(ids).not.toContain('EcrApiEndpoint');
    expect(props(t, 'PublicSubnet2').CidrBlock).toBe('10.0.16.0/20');
    expect(props(t, 'PrivateSubnet1').CidrBlock).toBe('10.0.48.0/20');
    expect(props(t, 'PrivateSubnet2').AvailabilityZone).toBe('us-east-1b');
    expect(props(t, 'PrivateDefaultRoute2').NatGatewayId).toEqual({ Ref: 'NatGateway1' });
    expect(props(t, 'S3GatewayEndpoint').RouteTableIds).toEqual([
      { Ref: 'PrivateRouteTable1' },
      { Ref: 'PrivateRouteTable2' },
    ]);
    expect(t.Conditions).toBeUndefined();
    expect((t.Outputs as Obj).AssignPublicIp).toMatchObject({ Value: 'DISABLED' });
  });

  it('keeps the long form moto reads: nested Fn::ImportValue and dotted Fn::GetAtt', () => {
    const t = compile('database', { EnvironmentName: 'staging' });
    expect(props(t, 'ServiceSecurityGroup').VpcId).toEqual({
      'Fn::ImportValue': { 'Fn::Sub': '${EnvironmentName}-network-VpcId' },
    });
    expect((t.Outputs as Obj).SecretArn).toMatchObject({
      Value: { 'Fn::GetAtt': ['Database', 'MasterUserSecret.SecretArn'] },
    });
    // MaxAllocatedStorage 100 keeps storage autoscaling; PerformanceInsights true keeps the retention.
    expect(props(t, 'Database')).toMatchObject({ MaxAllocatedStorage: { Ref: 'MaxAllocatedStorage' } });
    expect(props(t, 'Database').PerformanceInsightsRetentionPeriod).toBe(7);
    const off = compile('database', { EnvironmentName: 'staging', PerformanceInsights: 'false' });
    expect('PerformanceInsightsRetentionPeriod' in props(off, 'Database')).toBe(false);
  });

  it('removes list items that resolve to AWS::NoValue (service without database, certificate or access logs)', () => {
    const plain = compile('service', { EnvironmentName: 'staging', ImageUri: IMAGE, Database: 'off' });
    const container = (props(plain, 'TaskDefinition').ContainerDefinitions as Obj[])[0]!;
    expect((container.Environment as Obj[]).map((e) => e.Name)).toEqual(['NODE_ENV', 'PORT', 'APP_VERSION']);
    expect('Secrets' in container).toBe(false);
    expect(props(plain, 'LoadBalancerSecurityGroup').SecurityGroupIngress).toHaveLength(2);
    expect((props(plain, 'LoadBalancer').LoadBalancerAttributes as Obj[]).map((a) => a.Key)).toEqual([
      'routing.http.drop_invalid_header_fields.enabled',
      'deletion_protection.enabled',
      'idle_timeout.timeout_seconds',
      'access_logs.s3.enabled',
    ]);
    expect(plain.Resources?.HttpsListener).toBeUndefined();
    expect(plain.Resources?.TaskSecurityGroup).toBeDefined();

    const tls = compile('service', {
      EnvironmentName: 'staging',
      ImageUri: IMAGE,
      CertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123',
    });
    expect(props(tls, 'LoadBalancerSecurityGroup').SecurityGroupIngress).toHaveLength(4);
    expect(tls.Resources?.HttpsListener).toBeDefined();
    expect(tls.Resources?.TaskSecurityGroup).toBeUndefined();
    expect((tls.Resources?.ForwardingListenerReady?.Metadata as Obj | undefined)?.ForwardingListener).toEqual(
      {
        Ref: 'HttpsListener',
      },
    );
    expect(((tls.Outputs as Obj).ServiceUrl as Obj).Value).toEqual({
      'Fn::Sub': 'https://${LoadBalancer.DNSName}',
    });
  });

  it('refuses what AWS refuses: a failed rule assertion, a value outside a parameter constraint', () => {
    expect(() =>
      compile('service', { EnvironmentName: 'staging', ImageUri: IMAGE, Cpu: '256', Memory: '4096' }),
    ).toThrow('With Cpu 256 Fargate accepts Memory 512, 1024 or 2048 MiB.');
    expect(() => compile('network', { EnvironmentName: 'staging', EgressMode: 'direct' })).toThrow(
      "Parameter 'EgressMode' must be one of AllowedValues",
    );
    expect(() => compile('network', { EnvironmentName: 'Staging' })).toThrow(
      "Parameter 'EnvironmentName' must match pattern",
    );
    expect(() =>
      compile('service', { EnvironmentName: 'staging', ImageUri: IMAGE, DesiredCount: 'two' }),
    ).toThrow("Parameter 'DesiredCount' must be a number");
    // CloudFormation does not expand YAML aliases; it refuses the template.
    const aliased =
      'Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Properties: &p { TopicName: a }\n  B:\n    Type: AWS::SNS::Topic\n    Properties: *p\n';
    expect(() =>
      compileTemplate(aliased, {
        region: 'us-east-1',
        accountId: '123456789012',
        stackName: 'aliased',
        parameters: {},
        availabilityZones: ['us-east-1a'],
      }),
    ).toThrow(/^Template error: YAML aliases are not allowed in CloudFormation templates$/);
  });
});

// ------------------------------------------------------------------------------------------ through the layer

let aws: LocalAws;
let cfn: CloudFormationClient;

async function stack(name: string): Promise<Stack | undefined> {
  try {
    return (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
  } catch (error) {
    if (/does not exist/.test(String(error))) return undefined;
    throw error;
  }
}

function parametersOfStack(s: Stack | undefined): Record<string, string> {
  return Object.fromEntries((s?.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ParameterValue ?? '']));
}

function outputs(s: Stack | undefined): Record<string, string> {
  return Object.fromEntries((s?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
}

async function settled(name: string): Promise<Stack | undefined> {
  return until(async () => {
    const s = await stack(name);
    if (!s) return { StackName: name, StackStatus: 'DELETE_COMPLETE' } as Stack;
    return s.StackStatus?.endsWith('_IN_PROGRESS') ? undefined : s;
  }, `stack ${name} to settle`);
}

/** Creates or updates a stack through a change set, as the actions do, and waits for the outcome. */
async function apply(
  name: string,
  layer: 'network' | 'database' | 'service',
  parameters: Record<string, string>,
  keep: string[] = [],
): Promise<{ stack: Stack; changes: string[] }> {
  const existing = await stack(name);
  const list: Parameter[] = [
    ...Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
    ...keep.map((ParameterKey) => ({ ParameterKey, UsePreviousValue: true })),
  ];
  const created = await cfn.send(
    new CreateChangeSetCommand({
      StackName: name,
      ChangeSetName: `cs-${Date.now()}`,
      ChangeSetType: existing ? 'UPDATE' : 'CREATE',
      TemplateBody: body(layer),
      Parameters: list,
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
    }),
  );
  const described = await until(async () => {
    const cs = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: created.Id }));
    return cs.Status === 'CREATE_IN_PROGRESS' || cs.Status === 'CREATE_PENDING' ? undefined : cs;
  }, `change set of ${name}`);
  expect(described.Status, described.StatusReason).toBe('CREATE_COMPLETE');
  await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: created.Id }));
  const result = await settled(name);
  return {
    stack: result!,
    changes: (described.Changes ?? []).map(
      (c) => `${c.ResourceChange?.Action} ${c.ResourceChange?.LogicalResourceId}`,
    ),
  };
}

async function remove(name: string): Promise<Stack | undefined> {
  await cfn.send(new DeleteStackCommand({ StackName: name }));
  return settled(name);
}

async function resources(name: string): Promise<Record<string, string>> {
  const response = await cfn.send(new DescribeStackResourcesCommand({ StackName: name }));
  return Object.fromEntries(
    (response.StackResources ?? []).map((r) => [r.LogicalResourceId ?? '', r.ResourceType ?? '']),
  );
}

const SERVICE_KEEP = [
  'EnvironmentName',
  'Database',
  'ImageUri',
  'AppVersion',
  'RepositoryName',
  'ContainerPort',
  'HealthCheckPath',
  'Cpu',
  'Memory',
  'CpuArchitecture',
  'LogRetentionDays',
  'AutoScaling',
  'MinCapacity',
  'MaxCapacity',
  'CpuTargetPercent',
  'HealthCheckGracePeriodSeconds',
  'CertificateArn',
  'DomainName',
  'AccessLogsBucket',
  'LoadBalancerDeletionProtection',
];

describe('the real templates through the layer', () => {
  beforeAll(async () => {
    aws = await startLocalAws();
    cfn = new CloudFormationClient({ ...aws.clientConfig, maxAttempts: 2 });
  });

  afterAll(async () => {
    await aws?.stop();
  });

  beforeEach(async () => {
    await aws.reset();
  });

  it('creates, updates and deletes a nat environment with a database, in the order AWS allows', async () => {
    const network = await apply('staging-network', 'network', { EnvironmentName: 'staging' });
    expect(network.stack.StackStatus).toBe('CREATE_COMPLETE');
    expect(outputs(network.stack)).toMatchObject({
      VpcCidr: '10.0.0.0/16',
      EgressMode: 'nat',
      AssignPublicIp: 'DISABLED',
    });
    // GetTemplate answers the template as sent; the summary reads its parameters.
    expect((await cfn.send(new GetTemplateCommand({ StackName: 'staging-network' }))).TemplateBody).toBe(
      body('network'),
    );
    const summary = await cfn.send(new GetTemplateSummaryCommand({ StackName: 'staging-network' }));
    expect(summary.Parameters?.map((p) => p.ParameterKey)).toContain('EgressMode');

    const database = await apply('staging-database', 'database', {
      EnvironmentName: 'staging',
      DeletionProtection: 'false',
    });
    expect(database.stack.StackStatus).toBe('CREATE_COMPLETE');
    const db = outputs(database.stack);
    expect(db.Port).toBe('5432');
    expect(db.Endpoint).toMatch(/^staging-postgres\./);
    expect(db.SecretArn).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-/);

    const service = await apply('staging-service', 'service', {
      EnvironmentName: 'staging',
      ImageUri: IMAGE,
    });
    expect(service.stack.StackStatus).toBe('CREATE_COMPLETE');
    const svc = outputs(service.stack);
    expect(svc.ServiceUrl).toBe(`http://${svc.LoadBalancerDnsName}`);
    const ecs = new ECSClient({ ...aws.clientConfig, maxAttempts: 2 });
    const described = await ecs.send(
      new DescribeServicesCommand({ cluster: svc.ClusterName, services: [svc.ServiceName ?? ''] }),
    );
    expect(described.services?.[0]?.networkConfiguration?.awsvpcConfiguration?.securityGroups).toEqual([
      db.ServiceSecurityGroupId,
    ]);

    // Updates: a second NAT gateway; the service scaled (no new task definition, no ECS deployment).
    const perAz = await apply('staging-network', 'network', { NatGateways: 'per-az' }, ['EnvironmentName']);
    expect(perAz.stack.StackStatus).toBe('UPDATE_COMPLETE');
    expect(perAz.changes).toEqual(
      expect.arrayContaining(['Add NatEip2', 'Add NatGateway2', 'Modify PrivateDefaultRoute2']),
    );
    expect((await resources('staging-network')).NatGateway2).toBe('AWS::EC2::NatGateway');
    const scaled = await apply('staging-service', 'service', { DesiredCount: '3' }, SERVICE_KEEP);
    expect(scaled.stack.StackStatus).toBe('UPDATE_COMPLETE');
    expect(scaled.changes).toEqual(['Modify Service']);
    const after = await ecs.send(
      new DescribeServicesCommand({ cluster: svc.ClusterName, services: [svc.ServiceName ?? ''] }),
    );
    expect(after.services?.[0]?.desiredCount).toBe(3);
    expect(aws.ecs.rollouts(svc.ServiceName ?? '')).toEqual([]);

    // The network's exports are in use by the other two: AWS refuses to delete it.
    const refused = await remove('staging-network');
    expect(refused?.StackStatus).toBe('DELETE_FAILED');
    expect(refused?.StackStatusReason).toMatch(
      /^Export staging-network-\w+ cannot be deleted as it is in use by staging-(database|service)$/,
    );

    expect((await remove('staging-service'))?.StackStatus).toBe('DELETE_COMPLETE');
    expect((await remove('staging-database'))?.StackStatus).toBe('DELETE_COMPLETE');
    expect((await remove('staging-network'))?.StackStatus).toBe('DELETE_COMPLETE');
    expect(await stack('staging-network')).toBeUndefined();
  });

  it('refuses an update that changes an export another stack imports: it rolls back, nothing changed', async () => {
    await apply('edit-network', 'network', { EnvironmentName: 'edit' });
    await apply('edit-service', 'service', { EnvironmentName: 'edit', Database: 'off', ImageUri: IMAGE });
    const before = outputs(await stack('edit-network'));

    // EgressMode public moves the tasks' subnets: TaskSubnets changes, and edit-service imports it.
    const moved = await apply('edit-network', 'network', { EgressMode: 'public' }, ['EnvironmentName']);
    expect(moved.stack.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    const reasons = async () =>
      ((await cfn.send(new DescribeStackEventsCommand({ StackName: 'edit-network' }))).StackEvents ?? [])
        .filter((e) => e.ResourceStatus === 'UPDATE_ROLLBACK_IN_PROGRESS')
        .map((e) => e.ResourceStatusReason);
    expect(await reasons()).toEqual([
      'Export edit-network-TaskSubnets cannot be updated as it is in use by edit-service',
    ]);
    expect(parametersOfStack(moved.stack).EgressMode).toBe('nat');
    expect(outputs(moved.stack)).toEqual(before);

    // A third zone adds a subnet to PublicSubnets, which the service's load balancer imports.
    const wider = await apply('edit-network', 'network', { AvailabilityZoneCount: '3' }, ['EnvironmentName']);
    expect(wider.stack.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect((await reasons())[0]).toMatch(
      /^Export edit-network-\w+Subnets cannot be updated as it is in use by edit-service$/,
    );
    expect(outputs(wider.stack)).toEqual(before);
    expect(await resources('edit-network')).not.toHaveProperty('PublicSubnet3');

    // Once nothing imports it, the same change goes through.
    expect((await remove('edit-service'))?.StackStatus).toBe('DELETE_COMPLETE');
    const alone = await apply('edit-network', 'network', { EgressMode: 'public' }, ['EnvironmentName']);
    expect(alone.stack.StackStatus).toBe('UPDATE_COMPLETE');
    expect(outputs(alone.stack).EgressMode).toBe('public');
  });

  it('keeps a protected database: its delete fails until deletion protection is turned off', async () => {
    await apply('prod-network', 'network', {
      EnvironmentName: 'prod',
      EgressMode: 'public',
      AvailabilityZoneCount: '3',
    });
    const created = await apply('prod-database', 'database', { EnvironmentName: 'prod', MultiAZ: 'true' });
    expect(created.stack.StackStatus).toBe('CREATE_COMPLETE');

    // DeletionProtection defaults to true: the delete fails on the instance, the stack stays.
    const refused = await remove('prod-database');
    expect(refused?.StackStatus).toBe('DELETE_FAILED');
    expect(refused?.StackStatusReason).toBe('The following resource(s) failed to delete: [Database]. ');
    const moto = new MotoClient(aws.motoUrl, aws.region);
    const instance = await moto.query('rds', 'DescribeDBInstances', {
      DBInstanceIdentifier: 'prod-postgres',
    });
    expect(JSON.stringify(instance)).toContain('"DeletionProtection":"true"');
    // A stack in DELETE_FAILED cannot be updated (only deleted again), as on AWS.
    await expect(
      apply('prod-database', 'database', { DeletionProtection: 'false' }, ['EnvironmentName']),
    ).rejects.toThrow(/DELETE_FAILED state and can not be updated/);
    // Protection turned off on the instance itself, the delete goes through.
    await moto.query('rds', 'ModifyDBInstance', {
      DBInstanceIdentifier: 'prod-postgres',
      DeletionProtection: 'false',
      ApplyImmediately: 'true',
    });
    expect((await remove('prod-database'))?.StackStatus).toBe('DELETE_COMPLETE');
  });

  it('turns deletion protection off through a stack update, in place', async () => {
    await apply('ops-network', 'network', { EnvironmentName: 'ops' });
    await apply('ops-database', 'database', { EnvironmentName: 'ops' });

    const unprotected = await apply('ops-database', 'database', { DeletionProtection: 'false' }, [
      'EnvironmentName',
    ]);

    expect(unprotected.stack.StackStatus).toBe('UPDATE_COMPLETE');
    expect(unprotected.changes).toEqual(['Modify Database']);
    expect((await remove('ops-database'))?.StackStatus).toBe('DELETE_COMPLETE');
    expect((await remove('ops-network'))?.StackStatus).toBe('DELETE_COMPLETE');
  });

  it('creates a canary service: alternate target group, production and test rules, alarms and the PAUSE hook wired into ECS', async () => {
    await apply('canary-network', 'network', { EnvironmentName: 'canary', EgressMode: 'public' });
    const service = await apply('canary-service', 'service', {
      EnvironmentName: 'canary',
      Database: 'off',
      ImageUri: IMAGE,
      DeploymentStrategy: 'CANARY',
      CanaryPercent: '10',
      CanaryBakeTimeMinutes: '5',
      BakeTimeMinutes: '15',
    });
    expect(service.stack.StackStatus, service.stack.StackStatusReason).toBe('CREATE_COMPLETE');
    const types = await resources('canary-service');
    expect(types).toMatchObject({
      AlternateTargetGroup: 'AWS::ElasticLoadBalancingV2::TargetGroup',
      ProductionListenerRule: 'AWS::ElasticLoadBalancingV2::ListenerRule',
      TestListenerRule: 'AWS::ElasticLoadBalancingV2::ListenerRule',
      LoadBalancerInfrastructureRole: 'AWS::IAM::Role',
    });
    expect(outputs(service.stack).DeploymentStrategy).toBe('CANARY');
    // The test path's secret: created with a generated value (the layer plays CloudFormation's part, see
    // materializeSecrets), its ARN the output, its value the header the test rule matches.
    const moto = new MotoClient(aws.motoUrl, aws.region);
    const secretArn = outputs(service.stack).TestTrafficSecretArn ?? '';
    expect(secretArn).toMatch(
      /^arn:aws:secretsmanager:us-east-1:123456789012:secret:canary-service\/test-traffic-header-[A-Za-z0-9]{6}$/,
    );
    const secret = await moto.json<{ SecretString: string }>('secretsmanager', 'GetSecretValue', {
      SecretId: secretArn,
    });
    expect(secret.SecretString).toMatch(/^[A-Za-z0-9]{32}$/);
    // The alarms are not built (moto skips them); their names, as CloudFormation generates them, are what
    // ECS receives (moto alone gave the service null alarm names).

    const ecs = new ECSClient({ ...aws.clientConfig, maxAttempts: 2 });
    const described = await ecs.send(
      new DescribeServicesCommand({
        cluster: outputs(service.stack).ClusterName,
        services: [outputs(service.stack).ServiceName ?? ''],
      }),
    );
    const svc = described.services?.[0];
    expect(svc?.deploymentConfiguration).toMatchObject({
      strategy: 'CANARY',
      bakeTimeInMinutes: 15,
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 },
      alarms: { enable: true, rollback: true },
      lifecycleHooks: [
        {
          targetType: 'PAUSE',
          lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
          timeoutConfiguration: { timeoutInMinutes: 30, action: 'ROLLBACK' },
        },
      ],
    });
    expect(svc?.deploymentConfiguration?.alarms?.alarmNames).toEqual([
      expect.stringMatching(/^canary-service-Target5xxAlarm-[0-9A-F]{12}$/),
      expect.stringMatching(/^canary-service-UnhealthyHostsAlarm-[0-9A-F]{12}$/),
    ]);
    expect(svc?.loadBalancers?.[0]?.advancedConfiguration).toMatchObject({
      alternateTargetGroupArn: expect.stringContaining(':targetgroup/'),
      productionListenerRule: expect.stringContaining(':listener-rule/'),
      testListenerRule: expect.stringContaining(':listener-rule/'),
      roleArn: expect.stringContaining(':role/'),
    });
    const rules = await moto.query('elasticloadbalancing', 'DescribeRules', {
      'RuleArns.member.1': svc?.loadBalancers?.[0]?.advancedConfiguration?.testListenerRule ?? '',
    });
    const header = JSON.stringify(rules);
    expect(header).toContain('X-Test-Traffic');
    expect(header).toContain(secret.SecretString);
    expect(header).not.toContain('resolve:secretsmanager');

    expect((await remove('canary-service'))?.StackStatus).toBe('DELETE_COMPLETE');
    expect((await remove('canary-network'))?.StackStatus).toBe('DELETE_COMPLETE');
  });

  it('creates an endpoints environment without a database, served over HTTPS with a certificate', async () => {
    const certificate = await seedCertificate(aws, 'notes.example.com');
    const network = await apply('edge-network', 'network', {
      EnvironmentName: 'edge',
      EgressMode: 'endpoints',
    });
    expect(Object.keys(await resources('edge-network'))).toEqual(
      expect.arrayContaining(['EcrApiEndpoint', 'EcrDkrEndpoint', 'LogsEndpoint', 'SecretsManagerEndpoint']),
    );
    expect(outputs(network.stack).TaskSubnets).toBe(outputs(network.stack).PrivateSubnets);

    const service = await apply('edge-service', 'service', {
      EnvironmentName: 'edge',
      Database: 'off',
      ImageUri: IMAGE,
      CertificateArn: certificate,
      DomainName: 'notes.example.com',
    });
    expect(service.stack.StackStatus).toBe('CREATE_COMPLETE');
    expect(outputs(service.stack).ServiceUrl).toBe('https://notes.example.com');
    const types = await resources('edge-service');
    expect(types).toMatchObject({
      HttpListener: 'AWS::ElasticLoadBalancingV2::Listener',
      HttpsListener: 'AWS::ElasticLoadBalancingV2::Listener',
      TaskSecurityGroup: 'AWS::EC2::SecurityGroup',
    });

    // A rule of the template refuses the change set itself, as on AWS.
    await expect(
      cfn.send(
        new CreateChangeSetCommand({
          StackName: 'edge-service',
          ChangeSetName: 'too-much-memory',
          ChangeSetType: 'UPDATE',
          UsePreviousTemplate: true,
          Parameters: [
            { ParameterKey: 'Memory', ParameterValue: '8192' },
            ...SERVICE_KEEP.filter((k) => k !== 'Memory').map((ParameterKey) => ({
              ParameterKey,
              UsePreviousValue: true,
            })),
          ],
          Capabilities: ['CAPABILITY_IAM'],
        }),
      ),
    ).rejects.toThrow('With Cpu 256 Fargate accepts Memory 512, 1024 or 2048 MiB.');

    expect((await remove('edge-service'))?.StackStatus).toBe('DELETE_COMPLETE');
    expect((await remove('edge-network'))?.StackStatus).toBe('DELETE_COMPLETE');
  });
});
