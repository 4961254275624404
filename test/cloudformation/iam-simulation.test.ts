// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub patterns such as ${EnvironmentName}, not JS templates.
// github-oidc.yml evaluated as AWS would evaluate it: the template is resolved for the staging and the
// production environment with concrete parameters, and an IAM policy simulator decides each request.
// - every call the actions make (read from their sources) is allowed to the staging deploy role on the
//   staging ARNs, and denied on the production ones;
// - every resource type the environment templates create is allowed to the execution role, in its own
//   environment only;
// - escalation attempts are denied; GitHub tokens are admitted only as the trust promises;
// - copies of the template with a condition removed or a wildcard added let the attack through, so the
//   tests above can fail.
import { beforeAll, describe, expect, it } from 'vitest';
import { actionSources, callsInSources } from './calls.js';
import {
  ACCOUNT,
  assume,
  boundaryArn,
  type Decision,
  decide,
  deployRoleArn,
  ECR_REPOSITORY,
  executionRoleArn,
  type OidcStack,
  OTHER_ACCOUNT,
  OWNER,
  OWNER_ID,
  oidcStack,
  REGION,
  REPOSITORY,
  REPOSITORY_ID,
  type Request,
} from './iam.js';
import { isObject } from './intrinsics.js';
import { type JsonObject, LAYER_NAMES, loadTemplate, type Template } from './load.js';
import { resolveTemplate } from './resolve.js';

const arn = (service: string, rest: string, account = ACCOUNT) =>
  `arn:aws:${service}:${REGION}:${account}:${rest}`;
const iamArn = (rest: string, account = ACCOUNT) => `arn:aws:iam::${account}:${rest}`;
const stack = (env: string, layer: string) =>
  arn('cloudformation', `stack/${env}-${layer}/0a1b2c3d-aaaa-bbbb-cccc-000000000000`);
const taskRole = (env: string) => iamArn(`role/${env}-service-TaskRole-AbCdEf123456`);
const executionTaskRole = (env: string) => iamArn(`role/${env}-service-TaskExecutionRole-AbCdEf123456`);
const infrastructureRole = (env: string) =>
  iamArn(`role/${env}-service-LoadBalancerInfrastructureRole-AbCdEf123456`);
const flowLogsRole = (env: string) => iamArn(`role/${env}-network-FlowLogsRole-AbCdEf123456`);
const repository = arn('ecr', `repository/${ECR_REPOSITORY}`);
const stackTag = (name: string) => ({ 'aws:ResourceTag/aws:cloudformation:stack-name': name });

interface CallCase {
  /** The requests one call makes in environment `env`. */
  requests(env: string): Request[];
  /**
   * Why the call cannot be limited to the environment (its resource is "*" or shared by all
   * environments); without it, the same requests in production must be denied to the staging role.
   */
  notPerEnvironment?: string;
}

/** What each call of the actions touches, for the deploy role. New calls must be added here. */
const CALLS: Record<string, CallCase> = {
  'cloudformation:CreateChangeSet': {
    requests: (env) =>
      LAYER_NAMES.map((layer) => ({
        action: 'cloudformation:CreateChangeSet',
        resource: stack(env, layer),
        context: { 'cloudformation:RoleArn': executionRoleArn(env) },
      })),
  },
  ...Object.fromEntries(
    [
      'DescribeStacks',
      'DescribeStackEvents',
      'DescribeChangeSet',
      'ExecuteChangeSet',
      'DeleteChangeSet',
      'CancelUpdateStack',
      'DeleteStack',
      'UpdateTerminationProtection',
    ].map((name) => [
      `cloudformation:${name}`,
      {
        requests: (env: string) =>
          LAYER_NAMES.map((layer) => ({ action: `cloudformation:${name}`, resource: stack(env, layer) })),
      },
    ]),
  ),
  'cloudformation:TagResource': {
    requests: (env) => [
      {
        action: 'cloudformation:TagResource',
        resource: stack(env, 'service'),
        context: { 'cloudformation:CreateAction': 'CreateChangeSet' },
      },
    ],
  },
  'cloudformation:GetTemplateSummary': {
    requests: () => [{ action: 'cloudformation:GetTemplateSummary', resource: '*' }],
    notPerEnvironment: 'given a template body, it names no stack',
  },
  'cloudformation:DescribeEvents': {
    requests: () => [{ action: 'cloudformation:DescribeEvents', resource: '*' }],
    notPerEnvironment: 'asked by operation or change set id, it names no stack',
  },
  'iam:PassRole': {
    requests: (env) => [
      {
        action: 'iam:PassRole',
        resource: executionRoleArn(env),
        context: { 'iam:PassedToService': 'cloudformation.amazonaws.com' },
      },
      ...[taskRole(env), executionTaskRole(env)].map((role) => ({
        action: 'iam:PassRole',
        resource: role,
        context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      })),
    ],
  },
  'ecs:DescribeServices': {
    requests: (env) => [
      {
        action: 'ecs:DescribeServices',
        resource: arn('ecs', `service/${env}-service/${env}-service-Service-AbC123`),
      },
    ],
  },
  'ecs:UpdateService': {
    requests: (env) => [
      {
        action: 'ecs:UpdateService',
        resource: arn('ecs', `service/${env}-service/${env}-service-Service-AbC123`),
      },
    ],
  },
  'ecs:DescribeTasks': {
    requests: (env) => [
      { action: 'ecs:DescribeTasks', resource: arn('ecs', `task/${env}-service/0123456789abcdef`) },
    ],
  },
  // The test-traffic gate's step reads the header value the service stack generated.
  'secretsmanager:GetSecretValue': {
    requests: (env) => [
      {
        action: 'secretsmanager:GetSecretValue',
        resource: arn('secretsmanager', `secret:${env}-service/test-traffic-header-AbCdEf`),
      },
    ],
  },
  // deploy-ecs stops its own migration task when the job is cancelled.
  'ecs:StopTask': {
    requests: (env) => [
      { action: 'ecs:StopTask', resource: arn('ecs', `task/${env}-service/0123456789abcdef`) },
    ],
  },
  'ecs:RegisterTaskDefinition': {
    requests: (env) => [
      { action: 'ecs:RegisterTaskDefinition', resource: arn('ecs', `task-definition/${env}-service:8`) },
    ],
  },
  'ecs:DescribeTaskDefinition': {
    requests: () => [{ action: 'ecs:DescribeTaskDefinition', resource: '*' }],
    notPerEnvironment: 'no resource-level permission',
  },
  'ecs:ListTasks': {
    requests: (env) => [
      {
        action: 'ecs:ListTasks',
        resource: arn('ecs', `container-instance/${env}-service/0123456789abcdef`),
        context: { 'ecs:cluster': arn('ecs', `cluster/${env}-service`) },
      },
    ],
  },
  'ecs:RunTask': {
    requests: (env) => [
      {
        action: 'ecs:RunTask',
        resource: arn('ecs', `task-definition/${env}-service:8`),
        context: { 'ecs:cluster': arn('ecs', `cluster/${env}-service`) },
      },
    ],
  },
  'logs:GetLogEvents': {
    requests: (env) => [
      {
        action: 'logs:GetLogEvents',
        resource: arn('logs', `log-group:/ecs/${env}-service:log-stream:app/app/0123abcd`),
      },
    ],
  },
  ...Object.fromEntries(
    [
      'GetAuthorizationToken',
      'DescribeRepositories',
      'DescribeImages',
      'BatchGetImage',
      'DescribeImageScanFindings',
      'StartImageScan',
      'BatchCheckLayerAvailability',
      'InitiateLayerUpload',
      'UploadLayerPart',
      'CompleteLayerUpload',
      'PutImage',
      'GetDownloadUrlForLayer',
    ].map((name) => [
      `ecr:${name}`,
      {
        requests: () => [
          { action: `ecr:${name}`, resource: name === 'GetAuthorizationToken' ? '*' : repository },
        ],
        notPerEnvironment:
          'one repository serves every environment; only the build role (BuildBranch) has it',
      },
    ]),
  ),
};

// ECS service deployments (blue/green, canary and linear rollouts): the service and its deployments.
for (const name of [
  'ListServiceDeployments',
  'DescribeServiceDeployments',
  'ContinueServiceDeployment',
  'StopServiceDeployment',
  'DescribeServiceRevisions',
]) {
  CALLS[`ecs:${name}`] = {
    requests: (env) => [
      { action: `ecs:${name}`, resource: arn('ecs', `service/${env}-service/${env}-service-Service-AbC123`) },
      ...(name === 'ListServiceDeployments'
        ? []
        : [
            {
              action: `ecs:${name}`,
              resource: arn(
                'ecs',
                `${name === 'DescribeServiceRevisions' ? 'service-revision' : 'service-deployment'}/${env}-service/${env}-service-Service-AbC123/0a1b2c3d`,
              ),
            },
          ]),
    ],
  };
}

/** Calls the deploy role must not be able to make (deploy-role.test.ts explains each). */
const DENIED_CALLS: Request[] = [
  { action: 'ecr:CreateRepository', resource: repository },
  { action: 'ecr:PutLifecyclePolicy', resource: repository },
  { action: 's3:PutObject', resource: 'arn:aws:s3:::templates-bucket/stack.yml' },
  // The gate may read its header value, never the database's password.
  {
    action: 'secretsmanager:GetSecretValue',
    resource: arn('secretsmanager', 'secret:rds!db-0a1b2c3d-AbCdEf'),
  },
];

/** `request` with every staging name replaced by the production one. */
function inProduction(request: Request): Request {
  const swap = (value: string) => value.replaceAll('staging', 'production');
  return {
    action: request.action,
    resource: swap(request.resource),
    context: Object.fromEntries(
      Object.entries(request.context ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.map(swap) : swap(v)]),
    ),
  };
}

const deployPrincipal = (env: string) =>
  `arn:aws:sts::${ACCOUNT}:assumed-role/github-oidc-${env}-DeployRole-6F5E4D3C2B1A/gha`;
const executionPrincipal = (env: string) =>
  `arn:aws:sts::${ACCOUNT}:assumed-role/github-oidc-${env}-CloudFormationExecutionRo-1A2B3C4D5E6F/AWSCloudFormation`;

const asDeployRole = (s: OidcStack, request: Request) =>
  decide(deployPrincipal(s.env), s.deployPolicies, request);
const asExecutionRole = (s: OidcStack, request: Request) =>
  decide(executionPrincipal(s.env), s.executionPolicies, request);

const key = (r: Request) => `${r.action} ${r.resource} ${JSON.stringify(r.context ?? {})}`;

async function decisions(
  requests: Request[],
  evaluate: (request: Request) => Promise<Decision>,
): Promise<Record<string, Decision>> {
  const out: Record<string, Decision> = {};
  for (const request of requests) out[key(request)] = await evaluate(request);
  return out;
}

const allowedAll = (requests: Request[]) => Object.fromEntries(requests.map((r) => [key(r), 'Allowed']));

/** Every action any statement of the role's policies names. */
function grantedActions(s: OidcStack): Set<string> {
  const granted = new Set<string>();
  for (const policy of s.deployPolicies) {
    for (const statement of (policy.Statement as JsonObject[]) ?? []) {
      for (const action of [statement.Action].flat()) granted.add(String(action));
    }
  }
  return granted;
}

function oidc(): Template {
  return loadTemplate('github-oidc');
}

let staging: OidcStack;
let production: OidcStack;
beforeAll(() => {
  staging = oidcStack(oidc(), 'staging');
  production = oidcStack(oidc(), 'production');
});

describe('the deploy role, evaluated', () => {
  const calls = callsInSources(actionSources());
  /**
   * The calls the actions make and the role grants; CALLS may know calls no source makes yet (added on
   * another branch), which are not evaluated until a source makes them.
   */
  const made = (): CallCase[] => {
    const granted = grantedActions(staging);
    return Object.entries(CALLS)
      .filter(([call]) => calls.has(call) || granted.has(call))
      .map(([, c]) => c);
  };

  it('knows what every call of the actions touches', () => {
    const granted = grantedActions(staging);
    const unknown = [...calls, ...granted].filter(
      (call) => !(call in CALLS) && !DENIED_CALLS.some((d) => d.action === call),
    );
    expect(unknown, 'add the resources these calls touch to CALLS').toEqual([]);
  });

  it('allows every call the actions make on the staging ARNs to the staging role', async () => {
    const requests = made().flatMap((c) => c.requests('staging'));
    expect(await decisions(requests, (r) => asDeployRole(staging, r))).toEqual(allowedAll(requests));
  });

  it('denies the staging role the same calls on the production ARNs', async () => {
    const requests = made()
      .filter((c) => !c.notPerEnvironment)
      .flatMap((c) => c.requests('staging').map(inProduction));
    const result = await decisions(requests, (r) => asDeployRole(staging, r));
    expect(Object.entries(result).filter(([, d]) => d === 'Allowed')).toEqual([]);
    expect(requests.length).toBeGreaterThan(30);
  });

  it('allows the production role its environment, but no registry push', async () => {
    const perEnvironment = made()
      .filter((c) => !c.notPerEnvironment)
      .flatMap((c) => c.requests('production'));
    expect(await decisions(perEnvironment, (r) => asDeployRole(production, r))).toEqual(
      allowedAll(perEnvironment),
    );
    const ecr = Object.entries(CALLS)
      .filter(([call]) => call.startsWith('ecr:'))
      .flatMap(([, c]) => c.requests('production'));
    const result = await decisions(ecr, (r) => asDeployRole(production, r));
    expect(Object.values(result).every((d) => d !== 'Allowed')).toBe(true);
  });

  it('denies the calls the role deliberately lacks', async () => {
    const result = await decisions(DENIED_CALLS, (r) => asDeployRole(staging, r));
    expect(Object.values(result).every((d) => d !== 'Allowed')).toBe(true);
  });

  it('denies change sets without the execution role, or through another role', async () => {
    const attempts: Request[] = [
      { action: 'cloudformation:CreateChangeSet', resource: stack('staging', 'service') },
      {
        action: 'cloudformation:CreateChangeSet',
        resource: stack('staging', 'service'),
        context: { 'cloudformation:RoleArn': iamArn('role/OrganizationAccountAccessRole') },
      },
      {
        action: 'cloudformation:CreateChangeSet',
        resource: stack('staging', 'service'),
        context: { 'cloudformation:RoleArn': executionRoleArn('production') },
      },
      // A production stack through staging's own execution role.
      {
        action: 'cloudformation:CreateChangeSet',
        resource: stack('production', 'service'),
        context: { 'cloudformation:RoleArn': executionRoleArn('staging') },
      },
      // Another stack than the environment's three, e.g. one named to look like them.
      {
        action: 'cloudformation:CreateChangeSet',
        resource: stack('staging', 'admin'),
        context: { 'cloudformation:RoleArn': executionRoleArn('staging') },
      },
    ];
    const result = await decisions(attempts, (r) => asDeployRole(staging, r));
    expect(Object.values(result)).toEqual(attempts.map(() => 'ImplicitlyDenied'));
  });

  it('denies passing roles elsewhere and creating IAM roles of its own', async () => {
    const attempts: Request[] = [
      {
        action: 'iam:PassRole',
        resource: executionRoleArn('staging'),
        context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
      },
      {
        action: 'iam:PassRole',
        resource: taskRole('staging'),
        context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
      },
      {
        action: 'iam:PassRole',
        resource: taskRole('production'),
        context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      },
      { action: 'iam:CreateRole', resource: iamArn('role/staging-service-Anything') },
      { action: 'iam:AttachRolePolicy', resource: deployRoleArn('staging') },
    ];
    const result = await decisions(attempts, (r) => asDeployRole(staging, r));
    expect(Object.values(result)).toEqual(attempts.map(() => 'ImplicitlyDenied'));
  });
});

// ------------------------------------------------------------------------------------------ execution role
interface TypeCase {
  /** What CloudFormation asks for when it creates and updates a resource of this type in `env`. */
  requests(env: string): Request[];
  /** Why requests on these resources cannot be tied to the environment (only to the account). */
  accountOnly?: string;
}

const newEc2 = (type: string) => arn('ec2', `${type}/${type.split('-')[0]}-0new0new0new0new0`);
const tagged = (env: string, layer: string, type: string, id: string, action: string): Request => ({
  action,
  resource: arn('ec2', `${type}/${id}`),
  context: stackTag(`${env}-${layer}`),
});
const createTags = (createAction: string, type: string): Request => ({
  action: 'ec2:CreateTags',
  resource: newEc2(type),
  context: { 'ec2:CreateAction': createAction },
});

/** One entry per resource type of network.yml, database.yml and service.yml. */
const RESOURCE_TYPES: Record<string, TypeCase> = {
  'AWS::EC2::VPC': {
    requests: (env) => [
      { action: 'ec2:CreateVpc', resource: newEc2('vpc') },
      createTags('CreateVpc', 'vpc'),
      tagged(env, 'network', 'vpc', 'vpc-0a1', 'ec2:ModifyVpcAttribute'),
      tagged(env, 'network', 'vpc', 'vpc-0a1', 'ec2:DeleteVpc'),
    ],
  },
  'AWS::EC2::InternetGateway': {
    requests: (env) => [
      { action: 'ec2:CreateInternetGateway', resource: newEc2('internet-gateway') },
      tagged(env, 'network', 'internet-gateway', 'igw-0a1', 'ec2:DeleteInternetGateway'),
    ],
  },
  'AWS::EC2::VPCGatewayAttachment': {
    requests: (env) => [
      tagged(env, 'network', 'internet-gateway', 'igw-0a1', 'ec2:AttachInternetGateway'),
      tagged(env, 'network', 'vpc', 'vpc-0a1', 'ec2:AttachInternetGateway'),
    ],
  },
  'AWS::EC2::Subnet': {
    requests: (env) => [
      { action: 'ec2:CreateSubnet', resource: newEc2('subnet') },
      tagged(env, 'network', 'vpc', 'vpc-0a1', 'ec2:CreateSubnet'),
      tagged(env, 'network', 'subnet', 'subnet-0a1', 'ec2:ModifySubnetAttribute'),
    ],
  },
  'AWS::EC2::RouteTable': {
    requests: (env) => [
      { action: 'ec2:CreateRouteTable', resource: newEc2('route-table') },
      tagged(env, 'network', 'vpc', 'vpc-0a1', 'ec2:CreateRouteTable'),
      tagged(env, 'network', 'route-table', 'rtb-0a1', 'ec2:DeleteRouteTable'),
    ],
  },
  'AWS::EC2::Route': {
    requests: (env) => [
      tagged(env, 'network', 'route-table', 'rtb-0a1', 'ec2:CreateRoute'),
      tagged(env, 'network', 'route-table', 'rtb-0a1', 'ec2:ReplaceRoute'),
    ],
  },
  'AWS::EC2::SubnetRouteTableAssociation': {
    requests: (env) => [
      tagged(env, 'network', 'route-table', 'rtb-0a1', 'ec2:AssociateRouteTable'),
      tagged(env, 'network', 'subnet', 'subnet-0a1', 'ec2:AssociateRouteTable'),
    ],
  },
  'AWS::EC2::EIP': {
    requests: (env) => [
      { action: 'ec2:AllocateAddress', resource: newEc2('elastic-ip') },
      tagged(env, 'network', 'elastic-ip', 'eipalloc-0a1', 'ec2:ReleaseAddress'),
    ],
  },
  'AWS::EC2::NatGateway': {
    requests: (env) => [
      { action: 'ec2:CreateNatGateway', resource: newEc2('natgateway') },
      tagged(env, 'network', 'subnet', 'subnet-0a1', 'ec2:CreateNatGateway'),
      tagged(env, 'network', 'elastic-ip', 'eipalloc-0a1', 'ec2:CreateNatGateway'),
      tagged(env, 'network', 'natgateway', 'nat-0a1', 'ec2:DeleteNatGateway'),
    ],
  },
  'AWS::EC2::VPCEndpoint': {
    requests: (env) => [
      { action: 'ec2:CreateVpcEndpoint', resource: newEc2('vpc-endpoint') },
      tagged(env, 'network', 'vpc', 'vpc-0a1', 'ec2:CreateVpcEndpoint'),
      tagged(env, 'network', 'subnet', 'subnet-0a1', 'ec2:CreateVpcEndpoint'),
      tagged(env, 'network', 'security-group', 'sg-0a1', 'ec2:CreateVpcEndpoint'),
      tagged(env, 'network', 'vpc-endpoint', 'vpce-0a1', 'ec2:DeleteVpcEndpoints'),
    ],
  },
  'AWS::EC2::SecurityGroup': {
    requests: (env) => [
      { action: 'ec2:CreateSecurityGroup', resource: newEc2('security-group') },
      tagged(env, 'network', 'vpc', 'vpc-0a1', 'ec2:CreateSecurityGroup'),
      createTags('CreateSecurityGroup', 'security-group'),
      tagged(env, 'database', 'security-group', 'sg-0a1', 'ec2:AuthorizeSecurityGroupEgress'),
      tagged(env, 'service', 'security-group', 'sg-0b2', 'ec2:RevokeSecurityGroupEgress'),
      tagged(env, 'service', 'security-group', 'sg-0b2', 'ec2:DeleteSecurityGroup'),
    ],
  },
  'AWS::EC2::SecurityGroupIngress': {
    requests: (env) => [
      tagged(env, 'database', 'security-group', 'sg-0a1', 'ec2:AuthorizeSecurityGroupIngress'),
      tagged(env, 'database', 'security-group', 'sg-0a1', 'ec2:RevokeSecurityGroupIngress'),
    ],
  },
  'AWS::EC2::FlowLog': {
    requests: (env) => [
      { action: 'ec2:CreateFlowLogs', resource: newEc2('vpc-flow-log') },
      tagged(env, 'network', 'vpc', 'vpc-0a1', 'ec2:CreateFlowLogs'),
      {
        action: 'iam:PassRole',
        resource: flowLogsRole(env),
        context: { 'iam:PassedToService': 'vpc-flow-logs.amazonaws.com' },
      },
      tagged(env, 'network', 'vpc-flow-log', 'fl-0a1', 'ec2:DeleteFlowLogs'),
    ],
  },
  'AWS::RDS::DBSubnetGroup': {
    requests: (env) => [
      {
        action: 'rds:CreateDBSubnetGroup',
        resource: arn('rds', `subgrp:${env}-database-subnetgroup-abc123`),
      },
    ],
  },
  'AWS::RDS::DBParameterGroup': {
    requests: (env) => [
      {
        action: 'rds:CreateDBParameterGroup',
        resource: arn('rds', `pg:${env}-database-parametergroup-abc123`),
      },
    ],
  },
  'AWS::RDS::DBInstance': {
    requests: (env) => [
      { action: 'rds:CreateDBInstance', resource: arn('rds', `db:${env}-postgres`) },
      { action: 'rds:CreateDBInstance', resource: arn('rds', `subgrp:${env}-database-subnetgroup-abc123`) },
      { action: 'rds:CreateDBInstance', resource: arn('rds', `pg:${env}-database-parametergroup-abc123`) },
      { action: 'rds:ModifyDBInstance', resource: arn('rds', `db:${env}-postgres`) },
      { action: 'rds:CreateDBSnapshot', resource: arn('rds', `snapshot:${env}-database-database-abc123`) },
    ],
  },
  'AWS::Logs::LogGroup': {
    requests: (env) =>
      [
        `/ecs/${env}-service`,
        `/vpc/${env}-network/flow-logs`,
        `/aws/rds/instance/${env}-postgres/postgresql`,
      ].flatMap((group) => [
        { action: 'logs:CreateLogGroup', resource: arn('logs', `log-group:${group}`) },
        { action: 'logs:PutRetentionPolicy', resource: arn('logs', `log-group:${group}`) },
      ]),
  },
  'AWS::ECS::Cluster': {
    requests: (env) => [{ action: 'ecs:CreateCluster', resource: arn('ecs', `cluster/${env}-service`) }],
  },
  'AWS::ECS::TaskDefinition': {
    requests: (env) => [
      { action: 'ecs:RegisterTaskDefinition', resource: arn('ecs', `task-definition/${env}-service:9`) },
      ...[taskRole(env), executionTaskRole(env)].map((role) => ({
        action: 'iam:PassRole',
        resource: role,
        context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      })),
    ],
  },
  'AWS::ECS::Service': {
    requests: (env) => [
      {
        action: 'ecs:CreateService',
        resource: arn('ecs', `service/${env}-service/${env}-service-Service-AbC123`),
      },
      {
        action: 'ecs:UpdateService',
        resource: arn('ecs', `service/${env}-service/${env}-service-Service-AbC123`),
      },
      // The load-balancer infrastructure role of the traffic-shifting strategies, passed to ECS.
      {
        action: 'iam:PassRole',
        resource: infrastructureRole(env),
        context: { 'iam:PassedToService': 'ecs.amazonaws.com' },
      },
    ],
  },
  'AWS::ElasticLoadBalancingV2::LoadBalancer': {
    requests: (env) => [
      {
        action: 'elasticloadbalancing:CreateLoadBalancer',
        resource: arn('elasticloadbalancing', 'loadbalancer/app/stagi-LoadB-AbC123/0123456789abcdef'),
      },
      {
        action: 'elasticloadbalancing:ModifyLoadBalancerAttributes',
        resource: arn('elasticloadbalancing', 'loadbalancer/app/stagi-LoadB-AbC123/0123456789abcdef'),
        context: stackTag(`${env}-service`),
      },
    ],
  },
  'AWS::ElasticLoadBalancingV2::TargetGroup': {
    requests: (env) => [
      {
        action: 'elasticloadbalancing:CreateTargetGroup',
        resource: arn('elasticloadbalancing', 'targetgroup/stagi-Targe-AbC123/0123456789abcdef'),
      },
      {
        action: 'elasticloadbalancing:ModifyTargetGroupAttributes',
        resource: arn('elasticloadbalancing', 'targetgroup/stagi-Targe-AbC123/0123456789abcdef'),
        context: stackTag(`${env}-service`),
      },
    ],
  },
  'AWS::ElasticLoadBalancingV2::Listener': {
    requests: () => [
      {
        action: 'elasticloadbalancing:CreateListener',
        resource: arn('elasticloadbalancing', 'loadbalancer/app/stagi-LoadB-AbC123/0123456789abcdef'),
      },
      {
        action: 'elasticloadbalancing:ModifyListener',
        resource: arn(
          'elasticloadbalancing',
          'listener/app/stagi-LoadB-AbC123/0123456789abcdef/fedcba9876543210',
        ),
      },
    ],
    accountOnly: 'listeners carry no CloudFormation tags and their ARNs a generated load balancer name',
  },
  'AWS::IAM::Role': {
    requests: (env) =>
      [taskRole(env), executionTaskRole(env), flowLogsRole(env), infrastructureRole(env)].flatMap((role) => [
        {
          action: 'iam:CreateRole',
          resource: role,
          context: { 'iam:PermissionsBoundary': boundaryArn(env) },
        },
        {
          action: 'iam:PutRolePolicy',
          resource: role,
          context: { 'iam:PermissionsBoundary': boundaryArn(env) },
        },
        { action: 'iam:TagRole', resource: role },
        { action: 'iam:DeleteRole', resource: role },
      ]),
  },
  'AWS::ApplicationAutoScaling::ScalableTarget': {
    requests: () => [
      {
        action: 'application-autoscaling:RegisterScalableTarget',
        resource: arn('application-autoscaling', 'scalable-target/0123456789abcdef'),
      },
    ],
    accountOnly: 'scalable target ARNs carry a generated id, and no condition key names the ECS service',
  },
  'AWS::ApplicationAutoScaling::ScalingPolicy': {
    requests: (env) => [
      {
        action: 'application-autoscaling:PutScalingPolicy',
        resource: arn('application-autoscaling', 'scalable-target/0123456789abcdef'),
      },
      {
        action: 'cloudwatch:PutMetricAlarm',
        resource: arn(
          'cloudwatch',
          `alarm:TargetTracking-service/${env}-service/${env}-service-Service-AbC123-AlarmHigh-0a1b`,
        ),
      },
    ],
  },
  // The rollback alarms of the traffic-shifting strategies: CloudFormation names them after the stack.
  'AWS::CloudWatch::Alarm': {
    requests: (env) =>
      ['PutMetricAlarm', 'DescribeAlarms', 'TagResource', 'DeleteAlarms'].map((name) => ({
        action: `cloudwatch:${name}`,
        resource: arn('cloudwatch', `alarm:${env}-service-Target5xxAlarm-AbC123DeF456`),
      })),
  },
  // The production and test rules of the traffic-shifting strategies, on the service's listener.
  'AWS::ElasticLoadBalancingV2::ListenerRule': {
    requests: () => [
      {
        action: 'elasticloadbalancing:CreateRule',
        resource: arn(
          'elasticloadbalancing',
          'listener/app/stagi-LoadB-AbC123/0123456789abcdef/fedcba9876543210',
        ),
      },
      ...['ModifyRule', 'DeleteRule'].map((name) => ({
        action: `elasticloadbalancing:${name}`,
        resource: arn(
          'elasticloadbalancing',
          'listener-rule/app/stagi-LoadB-AbC123/0123456789abcdef/fedcba9876543210/0a1b2c3d4e5f6a7b',
        ),
      })),
    ],
    accountOnly: 'listener rules carry no CloudFormation tags and their ARNs a generated load balancer name',
  },
  // The test-traffic header's value: generated (GetRandomPassword, which takes only "*"), stored, and read
  // back by CloudFormation to resolve the test rule's {{resolve:secretsmanager:…}} reference.
  'AWS::SecretsManager::Secret': {
    requests: (env) => [
      { action: 'secretsmanager:GetRandomPassword', resource: '*' },
      ...[
        'CreateSecret',
        'TagResource',
        'DescribeSecret',
        'UpdateSecret',
        'PutSecretValue',
        'GetSecretValue',
        'DeleteSecret',
      ].map((name) => ({
        action: `secretsmanager:${name}`,
        resource: arn('secretsmanager', `secret:${env}-service/test-traffic-header-AbCdEf`),
      })),
    ],
  },
  'AWS::CloudFormation::WaitConditionHandle': {
    // CloudFormation's own bookkeeping: it makes no call to another service.
    requests: () => [],
  },
};

/** Physical ids for every resource of an environment template: `<env>-<id>`, attributes likewise. */
function anyResource(env: string, account = ACCOUNT): Record<string, Record<string, string>> {
  const attributes = (id: string) =>
    new Proxy({} as Record<string, string>, {
      get: (_t, name) =>
        name === 'Ref' ? `${env}-${id}` : `arn:aws:logs:${REGION}:${account}:log-group:/ecs/${env}-service:*`,
    });
  return new Proxy({} as Record<string, Record<string, string>>, { get: (_t, id) => attributes(String(id)) });
}

function environmentResourceTypes(): string[] {
  const types = new Set<string>();
  for (const layer of LAYER_NAMES) {
    for (const resource of Object.values(loadTemplate(layer).Resources)) types.add(resource.Type);
  }
  return [...types].sort();
}

describe('the CloudFormation execution role, evaluated', () => {
  it('knows what creating each resource type of the environment templates asks for', () => {
    expect(environmentResourceTypes().filter((type) => !(type in RESOURCE_TYPES))).toEqual([]);
  });

  it('allows every resource type the environment templates create, in its environment', async () => {
    const requests = environmentResourceTypes().flatMap(
      (type) => RESOURCE_TYPES[type]?.requests('staging') ?? [],
    );
    expect(await decisions(requests, (r) => asExecutionRole(staging, r))).toEqual(allowedAll(requests));
    const inProd = environmentResourceTypes().flatMap(
      (type) => RESOURCE_TYPES[type]?.requests('production') ?? [],
    );
    expect(await decisions(inProd, (r) => asExecutionRole(production, r))).toEqual(allowedAll(inProd));
  });

  it("denies the staging role the production environment's resources", async () => {
    const requests = Object.values(RESOURCE_TYPES)
      .filter((c) => !c.accountOnly)
      .flatMap((c) => c.requests('staging'))
      // A new resource has no name or tag of an environment; its parent (tagged) does.
      .filter((r) => !r.resource.includes('0new0new'))
      .map(inProduction)
      .filter((r) => r.resource.includes('production') || JSON.stringify(r.context).includes('production'));
    const result = await decisions(requests, (r) => asExecutionRole(staging, r));
    expect(Object.entries(result).filter(([, d]) => d === 'Allowed')).toEqual([]);
    expect(requests.length).toBeGreaterThan(40);
  });

  it('denies everything in another account', async () => {
    const requests = Object.values(RESOURCE_TYPES)
      .flatMap((c) => c.requests('staging'))
      .filter((r) => r.resource.includes(ACCOUNT))
      .map((r) => ({ ...r, resource: r.resource.replace(ACCOUNT, OTHER_ACCOUNT) }));
    const result = await decisions(requests, (r) => asExecutionRole(staging, r));
    expect(Object.entries(result).filter(([, d]) => d === 'Allowed')).toEqual([]);
  });

  it('denies EC2 changes to resources no stack of the environment owns', async () => {
    const attempts: Request[] = [
      { action: 'ec2:AuthorizeSecurityGroupIngress', resource: arn('ec2', 'security-group/sg-0hand0made') },
      tagged('staging', 'other', 'security-group', 'sg-0a1', 'ec2:AuthorizeSecurityGroupIngress'),
      tagged('production', 'network', 'vpc', 'vpc-0a1', 'ec2:CreateSubnet'),
      { action: 'ec2:DeleteVpc', resource: arn('ec2', 'vpc/vpc-0default') },
      { action: 'ec2:CreateTags', resource: arn('ec2', 'security-group/sg-0hand0made') },
      { action: 'rds:ModifyDBInstance', resource: arn('rds', 'db:billing') },
      {
        action: 'elasticloadbalancing:DeleteLoadBalancer',
        resource: arn('elasticloadbalancing', 'loadbalancer/app/other/0123456789abcdef'),
      },
    ];
    const result = await decisions(attempts, (r) => asExecutionRole(staging, r));
    expect(Object.values(result)).toEqual(attempts.map(() => 'ImplicitlyDenied'));
  });
});

// ------------------------------------------------------------------------------------------ escalation
const ADMIN_POLICY = 'arn:aws:iam::aws:policy/AdministratorAccess';
const ROLE = taskRole('staging');

const ESCALATIONS: { name: string; request: Request }[] = [
  { name: 'create a role without the boundary', request: { action: 'iam:CreateRole', resource: ROLE } },
  {
    name: "create a role under another environment's boundary",
    request: {
      action: 'iam:CreateRole',
      resource: ROLE,
      context: { 'iam:PermissionsBoundary': boundaryArn('production') },
    },
  },
  {
    name: 'create a role outside the environment, with the boundary',
    request: {
      action: 'iam:CreateRole',
      resource: iamArn('role/production-service-TaskRole-x'),
      context: { 'iam:PermissionsBoundary': boundaryArn('staging') },
    },
  },
  {
    name: 'attach AdministratorAccess to a bounded role',
    request: {
      action: 'iam:AttachRolePolicy',
      resource: ROLE,
      context: { 'iam:PermissionsBoundary': boundaryArn('staging'), 'iam:PolicyARN': ADMIN_POLICY },
    },
  },
  {
    name: 'attach AdministratorAccess to a role without the boundary',
    request: { action: 'iam:AttachRolePolicy', resource: ROLE, context: { 'iam:PolicyARN': ADMIN_POLICY } },
  },
  {
    name: 'put an inline policy on a role without the boundary',
    request: { action: 'iam:PutRolePolicy', resource: ROLE },
  },
  {
    name: 'put an inline policy on the deploy role',
    request: { action: 'iam:PutRolePolicy', resource: deployRoleArn('staging') },
  },
  {
    name: "update a role's trust (e.g. to another account)",
    request: {
      action: 'iam:UpdateAssumeRolePolicy',
      resource: ROLE,
      context: { 'iam:PermissionsBoundary': boundaryArn('staging') },
    },
  },
  {
    name: 'remove the boundary from a role',
    request: { action: 'iam:DeleteRolePermissionsBoundary', resource: ROLE },
  },
  {
    name: 'write a new version of the boundary',
    request: { action: 'iam:CreatePolicyVersion', resource: boundaryArn('staging') },
  },
  { name: 'delete the boundary', request: { action: 'iam:DeletePolicy', resource: boundaryArn('staging') } },
  {
    name: 'switch the boundary to an older version',
    request: { action: 'iam:SetDefaultPolicyVersion', resource: boundaryArn('staging') },
  },
  {
    name: 'pass a task role to another service',
    request: {
      action: 'iam:PassRole',
      resource: ROLE,
      context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
    },
  },
  {
    name: 'pass the flow logs role to ECS',
    request: {
      action: 'iam:PassRole',
      resource: flowLogsRole('staging'),
      context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
    },
  },
  {
    name: "pass production's task role",
    request: {
      action: 'iam:PassRole',
      resource: taskRole('production'),
      context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
    },
  },
  {
    name: 'pass the execution role itself',
    request: {
      action: 'iam:PassRole',
      resource: executionRoleArn('staging'),
      context: { 'iam:PassedToService': 'cloudformation.amazonaws.com' },
    },
  },
  {
    name: 'create a managed policy',
    request: { action: 'iam:CreatePolicy', resource: iamArn('policy/staging-service-admin') },
  },
  {
    name: 'create a user',
    request: { action: 'iam:CreateUser', resource: iamArn('user/staging-service-admin') },
  },
];

describe('escalation through the execution role, evaluated', () => {
  for (const { name, request } of ESCALATIONS) {
    it(`denies: ${name}`, async () => {
      expect(await asExecutionRole(staging, request)).not.toBe('Allowed');
    });
  }

  it('bounds a role that a template gives "*" on "*": the boundary denies what it does not list', async () => {
    const adminInline = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    };
    const principal = `arn:aws:sts::${ACCOUNT}:assumed-role/staging-service-TaskRole-AbCdEf123456/task`;
    const attempts: Request[] = [
      { action: 'iam:CreateUser', resource: iamArn('user/backdoor') },
      { action: 'iam:AttachRolePolicy', resource: ROLE, context: { 'iam:PolicyARN': ADMIN_POLICY } },
      { action: 's3:GetObject', resource: 'arn:aws:s3:::customer-data/export.csv' },
      {
        action: 'secretsmanager:GetSecretValue',
        resource: arn('secretsmanager', 'secret:billing-db-AbCdEf'),
      },
      { action: 'ecr:PutImage', resource: repository },
    ];
    for (const request of attempts) {
      expect(await decide(principal, [adminInline], request, { boundary: staging.boundary })).toBe(
        'ImplicitlyDenied',
      );
    }
    // What the service's roles do need stays possible under the boundary.
    const needed: Request[] = [
      { action: 'ecr:BatchGetImage', resource: repository },
      {
        action: 'logs:PutLogEvents',
        resource: arn('logs', 'log-group:/ecs/staging-service:log-stream:app/app/0a1'),
      },
      {
        action: 'secretsmanager:GetSecretValue',
        resource: arn('secretsmanager', 'secret:rds!db-0a1b2c-AbCdEf'),
      },
    ];
    for (const request of needed) {
      expect(await decide(principal, [adminInline], request, { boundary: staging.boundary })).toBe('Allowed');
    }
  });

  it('is the boundary every role of the environment templates carries', () => {
    const roles: string[] = [];
    for (const layer of LAYER_NAMES) {
      const resolved = resolveTemplate(loadTemplate(layer), {
        accountId: ACCOUNT,
        region: REGION,
        stackName: `staging-${layer}`,
        parameters: {
          EnvironmentName: 'staging',
          ...(layer === 'service'
            ? {
                ImageUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${ECR_REPOSITORY}@sha256:${'a'.repeat(64)}`,
              }
            : {}),
          ...(layer === 'network' ? { FlowLogs: 'true' } : {}),
        },
        resources: anyResource('staging'),
        exports: (name) => (name.endsWith('Subnets') ? 'subnet-1,subnet-2' : `${name}-value`),
      });
      for (const [id, resource] of Object.entries(resolved.resources)) {
        if (resource.Type !== 'AWS::IAM::Role') continue;
        roles.push(`${layer}.yml ${id}`);
        expect(resource.Properties.PermissionsBoundary, `${layer}.yml ${id}`).toBe(boundaryArn('staging'));
      }
    }
    expect(roles.length).toBeGreaterThanOrEqual(3);
    expect(staging.resolved.resources.PermissionsBoundary?.Properties.ManagedPolicyName).toBe(
      'staging-permissions-boundary',
    );
  });
});

// ------------------------------------------------------------------------------------------ trust
const NAME = `repo:${OWNER}/${REPOSITORY}`;
const IMMUTABLE = `repo:${OWNER}-${OWNER_ID}/${REPOSITORY}-${REPOSITORY_ID}`;
/** The same subject as GitHub's draft OIDC documentation writes it (IDs after '@'). */
const IMMUTABLE_AT = `repo:${OWNER}@${OWNER_ID}/${REPOSITORY}@${REPOSITORY_ID}`;

describe('the deploy roles trust GitHub tokens, evaluated', () => {
  const cases: {
    role: 'staging' | 'production';
    sub: string;
    aud?: string;
    expected: Decision;
    why: string;
  }[] = [
    {
      role: 'staging',
      sub: `${NAME}:environment:staging`,
      expected: 'Allowed',
      why: 'staging job, name form',
    },
    {
      role: 'staging',
      sub: `${IMMUTABLE}:environment:staging`,
      expected: 'Allowed',
      why: 'staging job, immutable form',
    },
    {
      role: 'staging',
      sub: `${IMMUTABLE_AT}:environment:staging`,
      expected: 'Allowed',
      why: "staging job, immutable form with '@'",
    },
    {
      role: 'staging',
      sub: `${IMMUTABLE_AT}:ref:refs/heads/main`,
      expected: 'Allowed',
      why: "build job on main, immutable form with '@'",
    },
    {
      role: 'staging',
      sub: `repo:${OWNER}@1/${REPOSITORY}@${REPOSITORY_ID}:environment:staging`,
      expected: 'ImplicitlyDenied',
      why: "a recycled owner name, '@' form",
    },
    {
      role: 'staging',
      sub: `${NAME}:ref:refs/heads/main`,
      expected: 'Allowed',
      why: 'build job on main, name form',
    },
    {
      role: 'staging',
      sub: `${IMMUTABLE}:ref:refs/heads/main`,
      expected: 'Allowed',
      why: 'build job on main, immutable form',
    },
    {
      role: 'staging',
      sub: `${NAME}:ref:refs/heads/feature`,
      expected: 'ImplicitlyDenied',
      why: 'another branch',
    },
    { role: 'staging', sub: `${NAME}:pull_request`, expected: 'ImplicitlyDenied', why: 'pull request' },
    {
      role: 'staging',
      sub: `${IMMUTABLE}:pull_request`,
      expected: 'ImplicitlyDenied',
      why: 'pull request, immutable',
    },
    {
      role: 'staging',
      sub: `${NAME}:environment:production`,
      expected: 'ImplicitlyDenied',
      why: 'production job',
    },
    {
      role: 'staging',
      sub: `repo:${OWNER}/other:environment:staging`,
      expected: 'ImplicitlyDenied',
      why: 'another repository',
    },
    {
      role: 'staging',
      sub: `repo:${OWNER}-${OWNER_ID}/other-99:environment:staging`,
      expected: 'ImplicitlyDenied',
      why: 'another repository, immutable',
    },
    {
      role: 'staging',
      sub: `repo:${OWNER}-1/${REPOSITORY}-${REPOSITORY_ID}:environment:staging`,
      expected: 'ImplicitlyDenied',
      why: 'a recycled owner name',
    },
    {
      role: 'staging',
      sub: `${NAME}:environment:staging`,
      aud: 'https://github.com/octo-org',
      expected: 'ImplicitlyDenied',
      why: 'another audience',
    },
    {
      role: 'production',
      sub: `${NAME}:environment:production`,
      expected: 'Allowed',
      why: 'production job, name form',
    },
    {
      role: 'production',
      sub: `${IMMUTABLE}:environment:production`,
      expected: 'Allowed',
      why: 'production job, immutable form',
    },
    {
      role: 'production',
      sub: `${NAME}:environment:staging`,
      expected: 'ImplicitlyDenied',
      why: 'staging job → production role',
    },
    {
      role: 'production',
      sub: `${IMMUTABLE}:environment:staging`,
      expected: 'ImplicitlyDenied',
      why: 'staging job → production role, immutable',
    },
    {
      role: 'production',
      sub: `${NAME}:ref:refs/heads/main`,
      expected: 'ImplicitlyDenied',
      why: 'a push to main without the environment',
    },
    { role: 'production', sub: `${NAME}:pull_request`, expected: 'ImplicitlyDenied', why: 'pull request' },
  ];
  for (const c of cases) {
    it(`${c.role} role, ${c.why}: ${c.expected}`, () => {
      const s = c.role === 'staging' ? staging : production;
      expect(assume(s.deployTrust, { sub: c.sub, aud: c.aud })).toBe(c.expected);
    });
  }

  it('accepts only the name form when the IDs are not given', () => {
    const s = oidcStack(oidc(), 'staging', { GitHubOwnerId: '', GitHubRepositoryId: '' });
    expect(assume(s.deployTrust, { sub: `${NAME}:environment:staging` })).toBe('Allowed');
    expect(assume(s.deployTrust, { sub: `${IMMUTABLE}:environment:staging` })).toBe('ImplicitlyDenied');
    expect(assume(s.deployTrust, { sub: `${IMMUTABLE_AT}:environment:staging` })).toBe('ImplicitlyDenied');
  });

  it('refuses an owner ID without the repository ID, as CloudFormation would (Rules)', () => {
    expect(() => oidcStack(oidc(), 'staging', { GitHubRepositoryId: '' })).toThrow(/both or neither/);
  });

  it('trusts the provider of its own account only', () => {
    expect(
      assume(
        staging.deployTrust,
        { sub: `${NAME}:environment:staging` },
        iamArn('oidc-provider/token.actions.githubusercontent.com', OTHER_ACCOUNT),
      ),
    ).toBe('ImplicitlyDenied');
  });
});

// ------------------------------------------------------------------------------------------ mutations
/** The statement with this Sid in the role's inline policy (true branch of a conditional statement). */
function sid(template: Template, role: string, id: string): JsonObject {
  const policies = template.Resources[role]?.Properties?.Policies;
  for (const policy of Array.isArray(policies) ? policies : []) {
    const document = isObject(policy) && isObject(policy.PolicyDocument) ? policy.PolicyDocument : {};
    for (const entry of Array.isArray(document.Statement) ? document.Statement : []) {
      const item = isObject(entry) && Array.isArray(entry['Fn::If']) ? entry['Fn::If'][1] : entry;
      if (isObject(item) && item.Sid === id) return item;
    }
  }
  throw new Error(`${role} has no statement ${id}`);
}

function trustSubjects(template: Template): unknown[] {
  const trust = template.Resources.DeployRole?.Properties?.AssumeRolePolicyDocument as JsonObject;
  const statement = (trust.Statement as JsonObject[])[0] as JsonObject;
  return ((statement.Condition as JsonObject).StringLike as JsonObject)[
    'token.actions.githubusercontent.com:sub'
  ] as unknown[];
}

const MUTATIONS: {
  name: string;
  mutate(t: Template): void;
  attempt(of: (env: string) => OidcStack): Promise<Decision> | Decision;
}[] = [
  {
    name: 'iam:PermissionsBoundary condition removed: a role without the boundary can be created',
    mutate: (t) => void delete sid(t, 'CloudFormationExecutionRole', 'RolesOnlyUnderTheBoundary').Condition,
    attempt: (of) => asExecutionRole(of('staging'), { action: 'iam:CreateRole', resource: ROLE }),
  },
  {
    name: 'iam:PolicyARN condition removed: AdministratorAccess can be attached',
    mutate: (t) => {
      const condition = sid(
        t,
        'CloudFormationExecutionRole',
        'AttachOnlyEcsInfrastructurePolicyUnderTheBoundary',
      ).Condition as JsonObject;
      delete condition.ArnEquals;
    },
    attempt: (of) =>
      asExecutionRole(of('staging'), {
        action: 'iam:AttachRolePolicy',
        resource: ROLE,
        context: { 'iam:PermissionsBoundary': boundaryArn('staging'), 'iam:PolicyARN': ADMIN_POLICY },
      }),
  },
  {
    name: 'wildcard role in PassRole: production task roles can be passed',
    mutate: (t) => {
      sid(t, 'CloudFormationExecutionRole', 'PassTheServiceRolesToEcs').Resource = {
        'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*',
      };
    },
    attempt: (of) =>
      asExecutionRole(of('staging'), {
        action: 'iam:PassRole',
        resource: taskRole('production'),
        context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      }),
  },
  {
    name: 'iam:PassedToService condition removed: a task role can be passed to Lambda',
    mutate: (t) => void delete sid(t, 'CloudFormationExecutionRole', 'PassTheServiceRolesToEcs').Condition,
    attempt: (of) =>
      asExecutionRole(of('staging'), {
        action: 'iam:PassRole',
        resource: ROLE,
        context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
      }),
  },
  {
    name: 'boundary deny removed and policy versions granted: the boundary can be rewritten',
    mutate: (t) => {
      const statement = sid(t, 'CloudFormationExecutionRole', 'TheBoundaryStaysAsItIs');
      statement.Effect = 'Allow';
    },
    attempt: (of) =>
      asExecutionRole(of('staging'), { action: 'iam:CreatePolicyVersion', resource: boundaryArn('staging') }),
  },
  {
    name: 'stack-name tag condition removed: production security groups can be opened',
    mutate: (t) =>
      void delete sid(t, 'CloudFormationExecutionRole', 'Ec2ChangeTheEnvironmentsResources').Condition,
    attempt: (of) =>
      asExecutionRole(
        of('staging'),
        tagged('production', 'database', 'security-group', 'sg-0a1', 'ec2:AuthorizeSecurityGroupIngress'),
      ),
  },
  {
    name: 'wildcard database name: every database of the account can be modified',
    mutate: (t) => {
      sid(t, 'CloudFormationExecutionRole', 'RdsTheEnvironmentsDatabase').Resource = {
        'Fn::Sub': 'arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:*',
      };
    },
    attempt: (of) =>
      asExecutionRole(of('staging'), {
        action: 'rds:ModifyDBInstance',
        resource: arn('rds', 'db:production-postgres'),
      }),
  },
  {
    name: 'cloudformation:RoleArn condition removed: a change set can run with the caller or any role',
    mutate: (t) => void delete sid(t, 'DeployRole', 'ChangeSetsThroughTheExecutionRole').Condition,
    attempt: (of) =>
      asDeployRole(of('staging'), {
        action: 'cloudformation:CreateChangeSet',
        resource: stack('staging', 'service'),
      }),
  },
  {
    name: 'wildcard environment in stack ARNs: the staging role reaches production stacks',
    mutate: (t) => {
      sid(t, 'DeployRole', 'ChangeSetsThroughTheExecutionRole').Resource = {
        'Fn::Sub': 'arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/*-service/*',
      };
    },
    attempt: (of) =>
      asDeployRole(of('staging'), {
        action: 'cloudformation:CreateChangeSet',
        resource: stack('production', 'service'),
        context: { 'cloudformation:RoleArn': executionRoleArn('staging') },
      }),
  },
  {
    name: 'ecs:cluster condition removed: one-off tasks in the production cluster',
    mutate: (t) => {
      const statement = sid(t, 'DeployRole', 'RunOneOffTasksInTheEnvironmentsCluster');
      delete statement.Condition;
      statement.Resource = {
        'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/*',
      };
    },
    attempt: (of) =>
      asDeployRole(of('staging'), {
        action: 'ecs:RunTask',
        resource: arn('ecs', 'task-definition/production-service:8'),
        context: { 'ecs:cluster': arn('ecs', 'cluster/production-service') },
      }),
  },
  {
    name: 'trust widened to the whole repository: pull requests assume the role',
    mutate: (t) => void trustSubjects(t).push({ 'Fn::Sub': 'repo:${GitHubOwner}/${GitHubRepository}:*' }),
    attempt: (of) => assume(of('staging').deployTrust, { sub: `${NAME}:pull_request` }),
  },
  {
    name: "trust lists another environment: staging jobs assume production's role",
    mutate: (t) =>
      void trustSubjects(t).push({
        'Fn::Sub': 'repo:${GitHubOwner}/${GitHubRepository}:environment:staging',
      }),
    attempt: (of) => assume(of('production').deployTrust, { sub: `${NAME}:environment:staging` }),
  },
];

describe('mutated copies of github-oidc.yml let the attacks through (so the tests above can fail)', () => {
  for (const m of MUTATIONS) {
    it(m.name, async () => {
      const intact = oidc();
      const before = await m.attempt((env) => oidcStack(intact, env));
      expect(before, 'denied with the template as it is').not.toBe('Allowed');
      const mutated = oidc();
      m.mutate(mutated);
      expect(await m.attempt((env) => oidcStack(mutated, env))).toBe('Allowed');
    });
  }
});

// The registry's repository policy: pulls from the listed accounts only.
describe('the registry, evaluated', () => {
  const registry = (ids: string) =>
    resolveTemplate(loadTemplate('registry'), {
      accountId: ACCOUNT,
      region: REGION,
      stackName: 'registry',
      parameters: { PullAccountIds: ids },
      resources: {},
    }).resources.Repository?.Properties.RepositoryPolicyText;

  it('lets the production account pull the staging-built image, and nothing more', async () => {
    const policy = registry(OTHER_ACCOUNT);
    expect(policy).toBeDefined();
    const productionTaskExecution = `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/production-service-TaskExecutionRole-x/ecs`;
    // Its own identity policy (service.yml) names the repository in the image's account.
    const resolvedService = resolveTemplate(loadTemplate('service'), {
      accountId: OTHER_ACCOUNT,
      region: REGION,
      stackName: 'production-service',
      parameters: {
        EnvironmentName: 'production',
        ImageUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${ECR_REPOSITORY}@sha256:${'a'.repeat(64)}`,
      },
      resources: anyResource('production', OTHER_ACCOUNT),
      exports: (name) =>
        name.endsWith('Subnets')
          ? 'subnet-1,subnet-2'
          : `arn:aws:secretsmanager:${REGION}:${OTHER_ACCOUNT}:secret:rds!db-x`,
    });
    const role = resolvedService.resources.TaskExecutionRole?.Properties;
    const identity = ((role?.Policies as JsonObject[]) ?? []).map((p) => p.PolicyDocument);
    const boundary = oidcStack(oidc(), 'production').boundary;
    for (const action of [
      'ecr:BatchGetImage',
      'ecr:GetDownloadUrlForLayer',
      'ecr:BatchCheckLayerAvailability',
    ]) {
      expect(
        await decide(
          productionTaskExecution,
          identity as JsonObject[],
          { action, resource: repository },
          { boundary, resourcePolicy: policy },
        ),
        action,
      ).toBe('Allowed');
    }
    expect(
      await decide(
        productionTaskExecution,
        identity as JsonObject[],
        { action: 'ecr:PutImage', resource: repository },
        { boundary, resourcePolicy: policy },
      ),
    ).not.toBe('Allowed');
    // Without the repository policy, the cross-account pull is denied: the policy is what makes it work.
    expect(
      await decide(
        productionTaskExecution,
        identity as JsonObject[],
        { action: 'ecr:BatchGetImage', resource: repository },
        { boundary },
      ),
    ).not.toBe('Allowed');
    const stranger = `arn:aws:sts::333333333333:assumed-role/x/y`;
    const strangerPolicy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'ecr:BatchGetImage', Resource: '*' }],
    };
    expect(
      await decide(
        stranger,
        [strangerPolicy],
        { action: 'ecr:BatchGetImage', resource: repository },
        { resourcePolicy: policy },
      ),
    ).not.toBe('Allowed');
  });

  it('has no repository policy when no other account is listed', () => {
    expect(registry('')).toBeUndefined();
  });
});
