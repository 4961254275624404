// Seeding helpers for tests: an ECS service as it exists before an action runs, created straight in moto
// (not recorded), either directly or through a CloudFormation stack.
import type { LocalAws } from './index.js';
import { AwsError, MotoClient } from './wire.js';

export interface SeedEcsServiceOptions {
  cluster: string;
  service: string;
  image: string;
  /** Default 'app'. */
  containerName?: string;
  /** Default 8080. */
  containerPort?: number;
  /** Default 1. */
  desiredCount?: number;
  /** Default `/ecs/<service>`. */
  logGroup?: string;
  /** Task definition family; default the service name. */
  family?: string;
  /** The deployment circuit breaker: 'rollback' (default), 'fail' (enabled, no rollback) or 'off'. */
  circuitBreaker?: 'rollback' | 'fail' | 'off';
  /**
   * More deploymentConfiguration fields (strategy, bakeTimeInMinutes, canaryConfiguration,
   * linearConfiguration, lifecycleHooks, alarms), as the ECS API spells them.
   */
  deploymentConfiguration?: Record<string, unknown>;
}

export interface SeededService {
  clusterArn: string;
  serviceArn: string;
  taskDefinitionArn: string;
  subnets: string[];
  securityGroups: string[];
  logGroup: string;
  containerName: string;
  /** The awslogs stream prefix of the container (streams are `<prefix>/<container>/<taskId>`). */
  logStreamPrefix: string;
}

export interface SeedStackManagedServiceOptions extends Omit<SeedEcsServiceOptions, 'family'> {
  /** Stack name; default `<service>-stack`. */
  stack?: string;
  /** Value of the AppVersion parameter; default 'v1'. */
  appVersion?: string;
}

export interface SeededStackService extends SeededService {
  stackName: string;
  stackId: string;
  /** The stack's template (parameters ImageUri, DesiredCount, AppVersion, Subnet, SecurityGroup). */
  templateBody: string;
}

const LOG_STREAM_PREFIX = 'ecs';

function motoOf(aws: LocalAws): MotoClient {
  return new MotoClient(aws.motoUrl, aws.region);
}

async function createNetwork(moto: MotoClient): Promise<{ subnets: string[]; securityGroups: string[] }> {
  const vpc = await moto.query('ec2', 'CreateVpc', { CidrBlock: '10.0.0.0/16' });
  const vpcId = String((vpc.vpc as Record<string, unknown>).vpcId);
  const subnet = await moto.query('ec2', 'CreateSubnet', {
    VpcId: vpcId,
    CidrBlock: '10.0.1.0/24',
    AvailabilityZone: `${moto.region}a`,
  });
  const subnetId = String((subnet.subnet as Record<string, unknown>).subnetId);
  const group = await moto.query('ec2', 'CreateSecurityGroup', {
    VpcId: vpcId,
    GroupName: `service-${vpcId}`,
    GroupDescription: 'service tasks',
  });
  return { subnets: [subnetId], securityGroups: [String(group.groupId)] };
}

function containerDefinition(opts: SeedEcsServiceOptions, region: string, logGroup: string) {
  return {
    name: opts.containerName ?? 'app',
    image: opts.image,
    essential: true,
    portMappings: [{ containerPort: opts.containerPort ?? 8080, protocol: 'tcp' }],
    logConfiguration: {
      logDriver: 'awslogs',
      options: {
        'awslogs-group': logGroup,
        'awslogs-region': region,
        'awslogs-stream-prefix': LOG_STREAM_PREFIX,
      },
    },
  };
}

/** A Fargate service (awsvpc, circuit breaker with rollback) as it is before any action touches it. */
export async function seedEcsService(aws: LocalAws, opts: SeedEcsServiceOptions): Promise<SeededService> {
  const moto = motoOf(aws);
  const network = await createNetwork(moto);
  const logGroup = opts.logGroup ?? `/ecs/${opts.service}`;
  const cluster = await moto.json<{ cluster: { clusterArn: string } }>('ecs', 'CreateCluster', {
    clusterName: opts.cluster,
  });
  try {
    await moto.json('logs', 'CreateLogGroup', { logGroupName: logGroup });
  } catch (error) {
    if (!(error instanceof AwsError && error.code === 'ResourceAlreadyExistsException')) throw error;
  }
  const td = await moto.json<{ taskDefinition: { taskDefinitionArn: string } }>(
    'ecs',
    'RegisterTaskDefinition',
    {
      family: opts.family ?? opts.service,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      executionRoleArn: `arn:aws:iam::${aws.accountId}:role/ecsTaskExecutionRole`,
      containerDefinitions: [containerDefinition(opts, aws.region, logGroup)],
    },
  );
  const service = await moto.json<{ service: { serviceArn: string } }>('ecs', 'CreateService', {
    cluster: opts.cluster,
    serviceName: opts.service,
    taskDefinition: td.taskDefinition.taskDefinitionArn,
    desiredCount: opts.desiredCount ?? 1,
    launchType: 'FARGATE',
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: network.subnets,
        securityGroups: network.securityGroups,
        assignPublicIp: 'DISABLED',
      },
    },
    deploymentConfiguration: {
      deploymentCircuitBreaker: {
        enable: opts.circuitBreaker !== 'off',
        rollback: (opts.circuitBreaker ?? 'rollback') === 'rollback',
      },
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      ...opts.deploymentConfiguration,
    },
  });
  await aws.ecs.sync();
  return {
    clusterArn: cluster.cluster.clusterArn,
    serviceArn: service.service.serviceArn,
    taskDefinitionArn: td.taskDefinition.taskDefinitionArn,
    ...network,
    logGroup,
    containerName: opts.containerName ?? 'app',
    logStreamPrefix: LOG_STREAM_PREFIX,
  };
}

/** The service stack's template: the image is the ImageUri parameter, as in cloudformation/service.yml. */
export function stackManagedServiceTemplate(opts: {
  cluster: string;
  service: string;
  containerName?: string;
  containerPort?: number;
  logGroup?: string;
  region: string;
  accountId: string;
  /** More DeploymentConfiguration, in the API's shape (strategy, lifecycleHooks…): CloudFormation's is the same, capitalised. */
  deploymentConfiguration?: Record<string, unknown>;
}): string {
  const logGroup = opts.logGroup ?? `/ecs/${opts.service}`;
  const container = opts.containerName ?? 'app';
  const deploymentConfiguration = JSON.stringify(
    pascalCase({
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      ...opts.deploymentConfiguration,
    }),
  );
  return `AWSTemplateFormatVersion: '2010-09-09'
Description: ${opts.service} service (local AWS test stack)
Parameters:
  ImageUri:
    Type: String
    Description: Container image, with digest
  DesiredCount:
    Type: Number
    Default: 1
  AppVersion:
    Type: String
    Default: v1
  Subnet:
    Type: String
  SecurityGroup:
    Type: String
Resources:
  LogGroup:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: ${logGroup}
      RetentionInDays: 30
  Cluster:
    Type: AWS::ECS::Cluster
    Properties:
      ClusterName: ${opts.cluster}
  TaskDefinition:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: ${opts.service}
      NetworkMode: awsvpc
      RequiresCompatibilities: [FARGATE]
      Cpu: '256'
      Memory: '512'
      ExecutionRoleArn: arn:aws:iam::${opts.accountId}:role/ecsTaskExecutionRole
      ContainerDefinitions:
        - Name: ${container}
          Image: !Ref ImageUri
          Essential: true
          PortMappings:
            - ContainerPort: ${opts.containerPort ?? 8080}
              Protocol: tcp
          Environment:
            - Name: APP_VERSION
              Value: !Ref AppVersion
          LogConfiguration:
            LogDriver: awslogs
            Options:
              awslogs-group: ${logGroup}
              awslogs-region: ${opts.region}
              awslogs-stream-prefix: ${LOG_STREAM_PREFIX}
  Service:
    Type: AWS::ECS::Service
    DependsOn: LogGroup
    Properties:
      ServiceName: ${opts.service}
      Cluster: !Ref Cluster
      TaskDefinition: !Ref TaskDefinition
      DesiredCount: !Ref DesiredCount
      LaunchType: FARGATE
      NetworkConfiguration:
        AwsvpcConfiguration:
          Subnets: [!Ref Subnet]
          SecurityGroups: [!Ref SecurityGroup]
          AssignPublicIp: DISABLED
      DeploymentConfiguration: ${deploymentConfiguration}
Outputs:
  ServiceName:
    Value: !GetAtt Service.Name
  ClusterName:
    Value: !Ref Cluster
  TaskDefinitionArn:
    Value: !Ref TaskDefinition
`;
}

/** An API-shaped object's keys as CloudFormation spells them (bakeTimeInMinutes → BakeTimeInMinutes). */
function pascalCase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pascalCase);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [key.charAt(0).toUpperCase() + key.slice(1), pascalCase(v)]),
  );
}

/** The same service, owned by a CloudFormation stack (created straight in moto: CREATE_COMPLETE at once). */
export async function seedStackManagedService(
  aws: LocalAws,
  opts: SeedStackManagedServiceOptions,
): Promise<SeededStackService> {
  const moto = motoOf(aws);
  const network = await createNetwork(moto);
  const stackName = opts.stack ?? `${opts.service}-stack`;
  const logGroup = opts.logGroup ?? `/ecs/${opts.service}`;
  const templateBody = stackManagedServiceTemplate({ ...opts, region: aws.region, accountId: aws.accountId });
  const parameters: Record<string, string> = {
    ImageUri: opts.image,
    DesiredCount: String(opts.desiredCount ?? 1),
    AppVersion: opts.appVersion ?? 'v1',
    Subnet: network.subnets[0]!,
    SecurityGroup: network.securityGroups[0]!,
  };
  const form: Record<string, string> = { StackName: stackName, TemplateBody: templateBody };
  Object.entries(parameters).forEach(([key, value], i) => {
    form[`Parameters.member.${i + 1}.ParameterKey`] = key;
    form[`Parameters.member.${i + 1}.ParameterValue`] = value;
  });
  const created = await moto.query('cloudformation', 'CreateStack', form);
  const resources = await moto.query('cloudformation', 'DescribeStackResources', { StackName: stackName });
  const physical = (logicalId: string) =>
    String(
      ((resources.StackResources ?? []) as Array<Record<string, unknown>>).find(
        (r) => r.LogicalResourceId === logicalId,
      )?.PhysicalResourceId ?? '',
    );
  await aws.ecs.sync();
  return {
    stackName,
    stackId: String(created.StackId),
    templateBody,
    clusterArn: `arn:aws:ecs:${aws.region}:${aws.accountId}:cluster/${physical('Cluster')}`,
    serviceArn: physical('Service'),
    taskDefinitionArn: physical('TaskDefinition'),
    ...network,
    logGroup,
    containerName: opts.containerName ?? 'app',
    logStreamPrefix: LOG_STREAM_PREFIX,
  };
}

/**
 * An ACM certificate for `domainName`, as the account has it before a stack's HTTPS listener names it
 * (ELB refuses a listener whose certificate does not exist). Returns its ARN.
 */
export async function seedCertificate(aws: LocalAws, domainName: string): Promise<string> {
  const response = await motoOf(aws).json<{ CertificateArn: string }>('acm', 'RequestCertificate', {
    DomainName: domainName,
    ValidationMethod: 'DNS',
  });
  return response.CertificateArn;
}
