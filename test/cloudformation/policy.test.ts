// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub patterns such as ${EnvironmentName}, not JS templates.
// Security policies over the parsed templates. Every rule must hold on the real templates AND report a
// violation on copies broken on purpose (the mutations below), so a rule that cannot fail fails here.
import { describe, expect, it } from 'vitest';
import { isObject } from './intrinsics.js';
import {
  type Json,
  type JsonObject,
  loadTemplates,
  type Resource,
  type TemplateName,
  type Templates,
} from './load.js';
import { POLICY_RULES, STAR_ONLY_ACTIONS } from './rules.js';

function resource(t: Templates, template: TemplateName, id: string): Resource {
  const found = t[template].Resources[id];
  if (!found) throw new Error(`${template}.yml has no resource ${id}`);
  return found;
}

function properties(t: Templates, template: TemplateName, id: string): JsonObject {
  const found = resource(t, template, id);
  found.Properties ??= {};
  return found.Properties;
}

function asObject(value: Json | undefined, what: string): JsonObject {
  if (!isObject(value)) throw new Error(`${what} is not an object`);
  return value;
}

function asArray(value: Json | undefined, what: string): Json[] {
  if (!Array.isArray(value)) throw new Error(`${what} is not a list`);
  return value;
}

function container(t: Templates): JsonObject {
  return asObject(
    asArray(properties(t, 'service', 'TaskDefinition').ContainerDefinitions, 'containers')[0],
    'container',
  );
}

/** The statement with this Sid in any inline policy of the role. */
function statement(t: Templates, template: TemplateName, role: string, sid: string): JsonObject {
  for (const policy of asArray(properties(t, template, role).Policies, 'Policies')) {
    const document = asObject(asObject(policy, 'policy').PolicyDocument, 'PolicyDocument');
    for (const entry of asArray(document.Statement, 'Statement')) {
      // A conditional statement (Fn::If [condition, statement, NoValue]) is read in its true branch.
      const item = isObject(entry) && 'Fn::If' in entry ? asArray(entry['Fn::If'], 'If')[1] : entry;
      if (isObject(item) && item.Sid === sid) return item;
    }
  }
  throw new Error(`${role} has no statement ${sid}`);
}

function trustCondition(t: Templates): JsonObject {
  const trust = asObject(properties(t, 'github-oidc', 'DeployRole').AssumeRolePolicyDocument, 'trust');
  return asObject(asObject(asArray(trust.Statement, 'Statement')[0], 'statement').Condition, 'Condition');
}

function environmentVariable(t: Templates, name: string): JsonObject {
  for (const item of asArray(container(t).Environment, 'Environment')) {
    const value = isObject(item) && 'Fn::If' in item ? asArray(item['Fn::If'], 'If')[1] : item;
    if (isObject(value) && value.Name === name) return value;
  }
  throw new Error(`no environment variable ${name}`);
}

function secret(t: Templates, name: string): JsonObject {
  const secrets = asObject(container(t).Secrets, 'Secrets');
  const list = asArray(asArray(secrets['Fn::If'], 'If')[1], 'secrets');
  const found = list.find((s) => isObject(s) && s.Name === name);
  return asObject(found, `secret ${name}`);
}

interface Mutation {
  name: string;
  apply(t: Templates): void;
}

const MUTATIONS: Record<string, Mutation[]> = {
  'rds-encrypted': [
    {
      name: 'StorageEncrypted false',
      apply: (t) => {
        properties(t, 'database', 'Database').StorageEncrypted = false;
      },
    },
    {
      name: 'StorageEncrypted omitted',
      apply: (t) => void delete properties(t, 'database', 'Database').StorageEncrypted,
    },
  ],
  'rds-not-public': [
    {
      name: 'PubliclyAccessible true',
      apply: (t) => {
        properties(t, 'database', 'Database').PubliclyAccessible = true;
      },
    },
    {
      name: 'PubliclyAccessible omitted',
      apply: (t) => void delete properties(t, 'database', 'Database').PubliclyAccessible,
    },
  ],
  'rds-deletion-protected': [
    {
      name: 'DeletionProtection false',
      apply: (t) => {
        properties(t, 'database', 'Database').DeletionProtection = false;
      },
    },
    {
      name: 'DeletionProtection parameter defaults to false',
      apply: (t) => {
        const parameter = t.database.Parameters?.DeletionProtection;
        if (parameter) parameter.Default = 'false';
      },
    },
    {
      name: 'DeletionPolicy Delete',
      apply: (t) => {
        resource(t, 'database', 'Database').DeletionPolicy = 'Delete';
      },
    },
    {
      name: 'no UpdateReplacePolicy',
      apply: (t) => void delete resource(t, 'database', 'Database').UpdateReplacePolicy,
    },
  ],
  'rds-backups': [
    {
      name: 'retention of 3 days',
      apply: (t) => {
        properties(t, 'database', 'Database').BackupRetentionPeriod = 3;
      },
    },
    {
      name: 'parameter accepts 1 day',
      apply: (t) => {
        const parameter = t.database.Parameters?.BackupRetentionDays;
        if (parameter) parameter.MinValue = 1;
      },
    },
    {
      name: 'backups off',
      apply: (t) => void delete properties(t, 'database', 'Database').BackupRetentionPeriod,
    },
  ],
  'rds-managed-password': [
    {
      name: 'password given instead of managed',
      apply: (t) => {
        const db = properties(t, 'database', 'Database');
        db.ManageMasterUserPassword = false;
        db.MasterUserPassword = { Ref: 'MasterUsername' };
      },
    },
  ],
  'no-plaintext-password': [
    {
      name: 'MasterUserPassword',
      apply: (t) => {
        properties(t, 'database', 'Database').MasterUserPassword = 'hunter2hunter2';
      },
    },
    {
      name: 'password parameter without NoEcho',
      apply: (t) => {
        t.database.Parameters = {
          ...t.database.Parameters,
          DatabasePassword: { Type: 'String', Description: 'the password' },
        };
      },
    },
    {
      name: 'password output',
      apply: (t) => {
        t.database.Outputs = { ...t.database.Outputs, AdminPassword: { Value: { Ref: 'MasterUsername' } } };
      },
    },
  ],
  'alb-drops-invalid-headers': [
    {
      name: 'attribute removed',
      apply: (t) => {
        const p = properties(t, 'service', 'LoadBalancer');
        p.LoadBalancerAttributes = asArray(p.LoadBalancerAttributes, 'attributes').filter(
          (a) => !(isObject(a) && a.Key === 'routing.http.drop_invalid_header_fields.enabled'),
        );
      },
    },
    {
      name: 'attribute false',
      apply: (t) => {
        for (const a of asArray(
          properties(t, 'service', 'LoadBalancer').LoadBalancerAttributes,
          'attributes',
        )) {
          if (isObject(a) && a.Key === 'routing.http.drop_invalid_header_fields.enabled') a.Value = 'false';
        }
      },
    },
  ],
  'http-redirects-only-with-certificate': [
    {
      name: 'HTTP always redirects (no HTTPS listener without a certificate)',
      apply: (t) => {
        const p = properties(t, 'service', 'HttpListener');
        p.DefaultActions = asArray(asObject(p.DefaultActions, 'actions')['Fn::If'], 'If')[1] ?? null;
      },
    },
    {
      name: 'HTTP always forwards (no redirect with a certificate)',
      apply: (t) => {
        const p = properties(t, 'service', 'HttpListener');
        p.DefaultActions = asArray(asObject(p.DefaultActions, 'actions')['Fn::If'], 'If')[2] ?? null;
      },
    },
    {
      name: 'branches swapped',
      apply: (t) => {
        const branches = asArray(
          asObject(properties(t, 'service', 'HttpListener').DefaultActions, 'actions')['Fn::If'],
          'If',
        );
        [branches[1], branches[2]] = [branches[2] ?? null, branches[1] ?? null];
      },
    },
    {
      name: 'HTTPS listener unconditional',
      apply: (t) => void delete resource(t, 'service', 'HttpsListener').Condition,
    },
  ],
  'tls-policy': [
    {
      name: 'old 2016 policy',
      apply: (t) => {
        properties(t, 'service', 'HttpsListener').SslPolicy = 'ELBSecurityPolicy-2016-08';
      },
    },
    {
      name: 'TLS 1.0 TLS13 policy',
      apply: (t) => {
        properties(t, 'service', 'HttpsListener').SslPolicy = 'ELBSecurityPolicy-TLS13-1-0-2021-06';
      },
    },
    { name: 'no SslPolicy', apply: (t) => void delete properties(t, 'service', 'HttpsListener').SslPolicy },
  ],
  'open-ingress-only-alb-http': [
    {
      name: 'SSH from anywhere on the tasks',
      apply: (t) => {
        properties(t, 'database', 'ServiceSecurityGroup').SecurityGroupIngress = [
          { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '0.0.0.0/0' },
        ];
      },
    },
    {
      name: 'all ports on the load balancer',
      apply: (t) => {
        const rules = asArray(
          properties(t, 'service', 'LoadBalancerSecurityGroup').SecurityGroupIngress,
          'ingress',
        );
        asObject(rules[0], 'rule').ToPort = 65535;
      },
    },
    {
      name: 'IPv6 world on the database',
      apply: (t) => {
        const p = properties(t, 'database', 'DatabaseIngressFromService');
        delete p.SourceSecurityGroupId;
        p.CidrIpv6 = '::/0';
      },
    },
  ],
  'service-sg-admits-only-alb': [
    {
      name: 'tasks admit the VPC instead of the load balancer',
      apply: (t) => {
        const p = properties(t, 'service', 'TaskIngressFromLoadBalancer');
        delete p.SourceSecurityGroupId;
        p.CidrIp = '10.0.0.0/8';
      },
    },
    {
      name: 'extra inline rule from the database group',
      apply: (t) => {
        properties(t, 'database', 'ServiceSecurityGroup').SecurityGroupIngress = [
          {
            IpProtocol: 'tcp',
            FromPort: 3000,
            ToPort: 3000,
            SourceSecurityGroupId: { Ref: 'DatabaseSecurityGroup' },
          },
        ];
      },
    },
    {
      name: 'load balancer may reach every port',
      apply: (t) => {
        const p = properties(t, 'service', 'TaskIngressFromLoadBalancer');
        p.FromPort = 0;
        p.ToPort = 65535;
      },
    },
    { name: 'no ingress at all', apply: (t) => void delete t.service.Resources.TaskIngressFromLoadBalancer },
  ],
  'database-sg-admits-only-service': [
    {
      name: 'database admits a CIDR',
      apply: (t) => {
        const p = properties(t, 'database', 'DatabaseIngressFromService');
        delete p.SourceSecurityGroupId;
        p.CidrIp = '10.0.0.0/16';
      },
    },
    {
      name: 'database admits itself',
      apply: (t) => {
        properties(t, 'database', 'DatabaseIngressFromService').SourceSecurityGroupId = {
          Ref: 'DatabaseSecurityGroup',
        };
      },
    },
    {
      name: 'all ports',
      apply: (t) => {
        properties(t, 'database', 'DatabaseIngressFromService').ToPort = 65535;
      },
    },
  ],
  'tasks-hardened': [
    {
      name: 'writable root filesystem',
      apply: (t) => {
        container(t).ReadonlyRootFilesystem = false;
      },
    },
    {
      name: 'privileged',
      apply: (t) => {
        container(t).Privileged = true;
      },
    },
    {
      name: 'json-file logging',
      apply: (t) => {
        asObject(container(t).LogConfiguration, 'logging').LogDriver = 'json-file';
      },
    },
    {
      name: 'logs kept forever',
      apply: (t) => void delete properties(t, 'service', 'LogGroup').RetentionInDays,
    },
    { name: 'no /tmp volume', apply: (t) => void delete container(t).MountPoints },
  ],
  'no-secret-in-environment': [
    {
      name: 'PGPASSWORD in environment',
      apply: (t) => void asArray(container(t).Environment, 'env').push({ Name: 'PGPASSWORD', Value: 'x' }),
    },
    {
      name: 'token from a parameter in environment',
      apply: (t) =>
        void asArray(container(t).Environment, 'env').push({
          Name: 'SLACK_TOKEN',
          Value: { Ref: 'AppVersion' },
        }),
    },
    {
      name: 'literal secret value',
      apply: (t) => {
        secret(t, 'PGPASSWORD').ValueFrom = 'hunter2';
      },
    },
  ],
  'db-credentials-from-rds-secret': [
    {
      name: 'password read from the username key',
      apply: (t) => {
        const sub = asArray(asObject(secret(t, 'PGPASSWORD').ValueFrom, 'ValueFrom')['Fn::Sub'], 'Sub');
        sub[0] = '${SecretArn}:username::';
      },
    },
    {
      name: 'PGSSLMODE require',
      apply: (t) => {
        environmentVariable(t, 'PGSSLMODE').Value = 'require';
      },
    },
    {
      name: 'password from another secret',
      apply: (t) => {
        secret(t, 'PGPASSWORD').ValueFrom = { 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:x' };
      },
    },
  ],
  'iam-resources-named': [
    {
      name: 'CreateService slipped into a "*" statement',
      apply: (t) => {
        statement(t, 'github-oidc', 'DeployRole', 'EcrLoginAcceptsOnlyStar').Action = [
          'ecr:GetAuthorizationToken',
          'ecs:CreateService',
        ];
      },
    },
    {
      name: 'pull from every repository',
      apply: (t) => {
        statement(t, 'service', 'TaskExecutionRole', 'PullFromTheOneRepository').Resource = '*';
      },
    },
    {
      name: 'NotResource',
      apply: (t) => {
        const s = statement(t, 'network', 'FlowLogsRole', 'WriteTheFlowLogGroupOnly');
        s.NotResource = s.Resource ?? null;
        delete s.Resource;
      },
    },
  ],
  'iam-no-wildcard-action': [
    {
      name: 's3:*',
      apply: (t) => {
        statement(t, 'service', 'TaskExecutionRole', 'WriteTheOneLogGroup').Action = ['s3:*'];
      },
    },
    {
      name: 'ecs:Describe*',
      apply: (t) => {
        statement(t, 'github-oidc', 'DeployRole', 'RollOutTheEnvironmentsService').Action = 'ecs:Describe*';
      },
    },
    {
      name: 'principal *',
      apply: (t) => {
        (
          asArray(
            asObject(properties(t, 'service', 'TaskRole').AssumeRolePolicyDocument, 'trust').Statement,
            'st',
          )[0] as JsonObject
        ).Principal = '*';
      },
    },
  ],
  'passrole-scoped': [
    {
      name: 'PassRole to any service',
      apply: (t) =>
        void delete statement(t, 'github-oidc', 'DeployRole', 'PassTheTaskRolesToEcsTasks').Condition,
    },
    {
      name: 'PassRole on every role',
      apply: (t) => {
        statement(t, 'github-oidc', 'DeployRole', 'PassTheTaskRolesToEcsTasks').Resource = '*';
      },
    },
  ],
  'github-trust-scoped': [
    {
      name: 'any repository',
      apply: (t) =>
        void asArray(
          asObject(trustCondition(t).StringLike, 'like')['token.actions.githubusercontent.com:sub'],
          'sub',
        ).push('repo:*'),
    },
    {
      name: 'any ref of the repository',
      apply: (t) =>
        void asArray(
          asObject(trustCondition(t).StringLike, 'like')['token.actions.githubusercontent.com:sub'],
          'sub',
        ).push({
          'Fn::Sub': 'repo:${GitHubOwner}/${GitHubRepository}:*',
        }),
    },
    {
      name: "another environment's jobs",
      apply: (t) =>
        void asArray(
          asObject(trustCondition(t).StringLike, 'like')['token.actions.githubusercontent.com:sub'],
          'sub',
        ).push({ 'Fn::Sub': 'repo:${GitHubOwner}/${GitHubRepository}:environment:production' }),
    },
    {
      name: 'immutable form of any repository of the owner',
      apply: (t) =>
        void asArray(
          asObject(trustCondition(t).StringLike, 'like')['token.actions.githubusercontent.com:sub'],
          'sub',
        ).push({ 'Fn::Sub': 'repo:${GitHubOwner}-${GitHubOwnerId}/*' }),
    },
    { name: 'no audience', apply: (t) => void delete trustCondition(t).StringEquals },
    { name: 'no subject', apply: (t) => void delete trustCondition(t).StringLike },
  ],
  'iam-roles-bounded': [
    {
      name: 'task role without a boundary',
      apply: (t) => void delete properties(t, 'service', 'TaskRole').PermissionsBoundary,
    },
    {
      name: "flow logs role under another environment's boundary",
      apply: (t) => {
        properties(t, 'network', 'FlowLogsRole').PermissionsBoundary = {
          'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/production-permissions-boundary',
        };
      },
    },
    {
      name: 'boundary policy renamed',
      apply: (t) => {
        properties(t, 'github-oidc', 'PermissionsBoundary').ManagedPolicyName = 'boundary';
      },
    },
  ],
  'ingress-protocol-limits-ports': [
    {
      name: "database admits the service on IpProtocol '-1' (all ports)",
      apply: (t) => {
        properties(t, 'database', 'DatabaseIngressFromService').IpProtocol = '-1';
      },
    },
    {
      name: 'tasks admit the load balancer on protocol number 50',
      apply: (t) => {
        properties(t, 'service', 'TaskIngressFromLoadBalancer').IpProtocol = '50';
      },
    },
    {
      name: "load balancer admits the world on '-1'",
      apply: (t) => {
        const rules = asArray(
          properties(t, 'service', 'LoadBalancerSecurityGroup').SecurityGroupIngress,
          'ingress',
        );
        asObject(rules[0], 'rule').IpProtocol = -1;
      },
    },
  ],
  'ecr-scan-immutable': [
    {
      name: 'no scan on push',
      apply: (t) => {
        asObject(properties(t, 'registry', 'Repository').ImageScanningConfiguration, 'scan').ScanOnPush =
          false;
      },
    },
    {
      name: 'mutable tags',
      apply: (t) => {
        properties(t, 'registry', 'Repository').ImageTagMutability = 'MUTABLE';
      },
    },
  ],
  portable: [
    {
      name: 'hard-coded Availability Zone',
      apply: (t) => {
        properties(t, 'network', 'PublicSubnet1').AvailabilityZone = 'us-east-1a';
      },
    },
    {
      name: 'hard-coded ARN',
      apply: (t) => {
        statement(t, 'service', 'TaskExecutionRole', 'PullFromTheOneRepository').Resource =
          'arn:aws:ecr:us-east-1:123456789012:repository/notes-api';
      },
    },
    {
      name: 'hard-coded URL suffix',
      apply: (t) => {
        (t.registry.Outputs ?? {}).RepositoryUri = {
          Value: { 'Fn::Sub': '${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/x' },
        };
      },
    },
  ],
};

describe('policy rules', () => {
  it('each rule has at least one mutation that must break it', () => {
    expect(POLICY_RULES.filter((rule) => !MUTATIONS[rule.id]?.length).map((rule) => rule.id)).toEqual([]);
    expect(Object.keys(MUTATIONS).filter((id) => !POLICY_RULES.some((rule) => rule.id === id))).toEqual([]);
  });

  it('lists a reason for every action allowed on Resource "*"', () => {
    for (const [action, reason] of Object.entries(STAR_ONLY_ACTIONS)) {
      expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
      expect(reason.length).toBeGreaterThan(10);
    }
  });

  for (const rule of POLICY_RULES) {
    describe(`${rule.id}: ${rule.title}`, () => {
      it('holds on the templates', () => {
        expect(rule.check(loadTemplates())).toEqual([]);
      });

      for (const mutation of MUTATIONS[rule.id] ?? []) {
        it(`is violated by a copy with: ${mutation.name}`, () => {
          const broken = loadTemplates();
          mutation.apply(broken);
          expect(rule.check(broken).length).toBeGreaterThan(0);
        });
      }
    });
  }
});
