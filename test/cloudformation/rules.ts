// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub patterns such as ${EnvironmentName}, not JS templates.
// Security and hardening policies over the parsed templates. Each rule is a function from all templates
// to a list of violations (empty when the rule holds), so tests can prove both that the templates comply
// and that a broken copy is caught.
import {
  alternatives,
  asIf,
  describe,
  exportIndex,
  importName,
  isObject,
  listItems,
  numberValue,
  type ResourceRef,
  refTarget,
  resolveResources,
  resourcesOfType,
  sameResource,
  unconditionalItems,
  walk,
} from './intrinsics.js';
import type { Json, JsonObject, Template, TemplateName, Templates } from './load.js';

export interface PolicyRule {
  id: string;
  title: string;
  check(templates: Templates): string[];
}

const SECURITY_GROUP = ['AWS::EC2::SecurityGroup'] as const;
const LOG_GROUP = ['AWS::Logs::LogGroup'] as const;

function entries(templates: Templates): [TemplateName, Template][] {
  return Object.entries(templates) as [TemplateName, Template][];
}

function props(value: Json | undefined): JsonObject {
  return isObject(value) ? value : {};
}

/** A literal true, or a Ref to a parameter whose default is true (booleans may be strings). */
function isTrueOrDefaultsTrue(template: Template, value: Json | undefined): boolean {
  if (value === true || value === 'true') return true;
  const target = refTarget(value);
  const parameter = target ? template.Parameters?.[target] : undefined;
  return parameter !== undefined && String(parameter.Default) === 'true';
}

// ------------------------------------------------------------------------------------------- RDS
function eachDbInstance(
  templates: Templates,
  visit: (where: string, template: Template, p: JsonObject) => void,
) {
  for (const [name, template] of entries(templates)) {
    for (const [id, resource] of resourcesOfType(template, 'AWS::RDS::DBInstance')) {
      visit(`${name}.yml ${id}`, template, props(resource.Properties));
    }
  }
}

const rdsEncrypted: PolicyRule = {
  id: 'rds-encrypted',
  title: 'RDS instances encrypt their storage',
  check(templates) {
    const violations: string[] = [];
    eachDbInstance(templates, (where, _template, p) => {
      if (p.StorageEncrypted !== true && p.StorageEncrypted !== 'true') {
        violations.push(`${where}: StorageEncrypted must be true`);
      }
    });
    return violations;
  },
};

const rdsNotPublic: PolicyRule = {
  id: 'rds-not-public',
  title: 'RDS instances are not publicly accessible',
  check(templates) {
    const violations: string[] = [];
    eachDbInstance(templates, (where, _template, p) => {
      // Explicit false: when omitted, the default depends on the subnet group and may be public.
      if (p.PubliclyAccessible !== false && p.PubliclyAccessible !== 'false') {
        violations.push(`${where}: PubliclyAccessible must be set to false`);
      }
    });
    return violations;
  },
};

const rdsDeletionProtected: PolicyRule = {
  id: 'rds-deletion-protected',
  title: 'RDS instances are deletion-protected and snapshot on deletion or replacement',
  check(templates) {
    const violations: string[] = [];
    for (const [name, template] of entries(templates)) {
      for (const [id, resource] of resourcesOfType(template, 'AWS::RDS::DBInstance')) {
        const where = `${name}.yml ${id}`;
        if (!isTrueOrDefaultsTrue(template, resource.Properties?.DeletionProtection)) {
          violations.push(`${where}: DeletionProtection must be true (or a parameter defaulting to true)`);
        }
        if (resource.DeletionPolicy !== 'Snapshot')
          violations.push(`${where}: DeletionPolicy must be Snapshot`);
        if (resource.UpdateReplacePolicy !== 'Snapshot') {
          violations.push(`${where}: UpdateReplacePolicy must be Snapshot`);
        }
      }
    }
    return violations;
  },
};

const rdsBackups: PolicyRule = {
  id: 'rds-backups',
  title: 'RDS instances keep automated backups (point-in-time restore) for at least 7 days',
  check(templates) {
    const violations: string[] = [];
    eachDbInstance(templates, (where, template, p) => {
      const value = p.BackupRetentionPeriod;
      const days = numberValue(template, value);
      const target = refTarget(value);
      const minimum = target ? template.Parameters?.[target]?.MinValue : days;
      if (days === undefined || days < 7)
        violations.push(`${where}: BackupRetentionPeriod must be at least 7 days`);
      else if (minimum === undefined || minimum < 7) {
        violations.push(
          `${where}: the BackupRetentionPeriod parameter must not accept less than 7 (MinValue)`,
        );
      }
    });
    return violations;
  },
};

const rdsManagedPassword: PolicyRule = {
  id: 'rds-managed-password',
  title: 'RDS master passwords are generated and rotated by RDS (ManageMasterUserPassword)',
  check(templates) {
    const violations: string[] = [];
    eachDbInstance(templates, (where, _template, p) => {
      if (p.ManageMasterUserPassword !== true)
        violations.push(`${where}: ManageMasterUserPassword must be true`);
      if ('MasterUserPassword' in p) violations.push(`${where}: MasterUserPassword must not be set`);
    });
    return violations;
  },
};

const SECRET_NAME = /pass(word|wd)|secret|token|api_?key|private_?key|credential/i;

const noPlaintextPassword: PolicyRule = {
  id: 'no-plaintext-password',
  title:
    'No password in templates: no password properties, secret-like parameters are NoEcho, no password outputs',
  check(templates) {
    const violations: string[] = [];
    for (const [name, template] of entries(templates)) {
      for (const [id, resource] of Object.entries(template.Resources)) {
        walk(resource.Properties, (_value, path) => {
          const key = path[path.length - 1];
          if (key && /password/i.test(key) && key !== 'ManageMasterUserPassword') {
            violations.push(`${name}.yml ${id}: property ${path.join('.')} carries a password`);
          }
        });
      }
      for (const [parameterName, parameter] of Object.entries(template.Parameters ?? {})) {
        if (SECRET_NAME.test(parameterName) && parameter.NoEcho !== true && parameter.NoEcho !== 'true') {
          violations.push(`${name}.yml parameter ${parameterName}: looks like a secret but is not NoEcho`);
        }
      }
      for (const outputName of Object.keys(template.Outputs ?? {})) {
        if (/pass(word|wd)/i.test(outputName))
          violations.push(`${name}.yml output ${outputName}: outputs a password`);
      }
    }
    return violations;
  },
};

// ------------------------------------------------------------------------------------------- load balancer
function eachResource(
  templates: Templates,
  type: string,
  visit: (where: string, name: TemplateName, template: Template, id: string, p: JsonObject) => void,
) {
  for (const [name, template] of entries(templates)) {
    for (const [id, resource] of resourcesOfType(template, type)) {
      visit(`${name}.yml ${id}`, name, template, id, props(resource.Properties));
    }
  }
}

const albDropsInvalidHeaders: PolicyRule = {
  id: 'alb-drops-invalid-headers',
  title: 'Load balancers drop requests with invalid header fields',
  check(templates) {
    const violations: string[] = [];
    eachResource(templates, 'AWS::ElasticLoadBalancingV2::LoadBalancer', (where, _n, _t, _id, p) => {
      if (p.Type === 'network' || p.Type === 'gateway') return;
      const set = unconditionalItems(p.LoadBalancerAttributes).some(
        (item) =>
          isObject(item) &&
          item.Key === 'routing.http.drop_invalid_header_fields.enabled' &&
          String(item.Value) === 'true',
      );
      if (!set)
        violations.push(
          `${where}: routing.http.drop_invalid_header_fields.enabled must be 'true' unconditionally`,
        );
    });
    return violations;
  },
};

/** TLS policies whose lowest protocol is TLS 1.2 (or 1.3). */
const TLS12_POLICIES = new Set([
  'ELBSecurityPolicy-TLS-1-2-2017-01',
  'ELBSecurityPolicy-TLS-1-2-Ext-2018-06',
  'ELBSecurityPolicy-FS-1-2-2019-08',
  'ELBSecurityPolicy-FS-1-2-Res-2019-08',
  'ELBSecurityPolicy-FS-1-2-Res-2020-10',
]);
const TLS13_FAMILY = /^ELBSecurityPolicy-TLS13-1-[23]-/;

export function isTls12OrLaterPolicy(policy: Json | undefined): boolean {
  return typeof policy === 'string' && (TLS12_POLICIES.has(policy) || TLS13_FAMILY.test(policy));
}

const tlsPolicy: PolicyRule = {
  id: 'tls-policy',
  title: 'HTTPS listeners only accept TLS 1.2 or later',
  check(templates) {
    const violations: string[] = [];
    eachResource(templates, 'AWS::ElasticLoadBalancingV2::Listener', (where, _n, _t, _id, p) => {
      if (p.Protocol !== 'HTTPS' && p.Protocol !== 'TLS') return;
      // Without SslPolicy, AWS applies ELBSecurityPolicy-2016-08, which still accepts TLS 1.0.
      const options = alternatives(p.SslPolicy);
      if (options.length === 0)
        violations.push(`${where}: SslPolicy must be set (the default accepts TLS 1.0)`);
      for (const option of options) {
        if (!isTls12OrLaterPolicy(option))
          violations.push(`${where}: SslPolicy ${JSON.stringify(option)} accepts TLS < 1.2`);
      }
    });
    return violations;
  },
};

function isRedirectToHttps(actions: Json): boolean {
  return (
    Array.isArray(actions) &&
    actions.length > 0 &&
    actions.every((action) => {
      if (!isObject(action) || action.Type !== 'redirect') return false;
      const config = props(action.RedirectConfig);
      return config.Protocol === 'HTTPS' && String(config.Port ?? '443') === '443';
    })
  );
}

function isForward(actions: Json): boolean {
  return (
    Array.isArray(actions) && actions.length > 0 && actions.every((a) => isObject(a) && a.Type === 'forward')
  );
}

/** The parameter a condition tests for "not empty": `Fn::Not [Fn::Equals [Ref P, '']]`. */
function nonEmptyParameterOf(template: Template, condition: string): string | undefined {
  const definition = template.Conditions?.[condition];
  const not = isObject(definition) ? definition['Fn::Not'] : undefined;
  const equals = Array.isArray(not) && isObject(not[0]) ? not[0]['Fn::Equals'] : undefined;
  if (!Array.isArray(equals) || equals.length !== 2) return undefined;
  const [left, right] = equals;
  if (right === '' && refTarget(left)) return refTarget(left);
  if (left === '' && refTarget(right)) return refTarget(right);
  return undefined;
}

const httpRedirectsOnlyWithCertificate: PolicyRule = {
  id: 'http-redirects-only-with-certificate',
  title: 'HTTP redirects to HTTPS exactly when a certificate is given, and forwards otherwise',
  check(templates) {
    const violations: string[] = [];
    for (const [name, template] of entries(templates)) {
      const listeners = resourcesOfType(template, 'AWS::ElasticLoadBalancingV2::Listener');
      const https = listeners.filter(([, l]) => l.Properties?.Protocol === 'HTTPS');
      const http = listeners.filter(([, l]) => l.Properties?.Protocol === 'HTTP');
      for (const [id, listener] of http) {
        const where = `${name}.yml ${id}`;
        const actions = listener.Properties?.DefaultActions;
        if (https.length === 0) {
          if (!isForward(actions as Json))
            violations.push(`${where}: without an HTTPS listener, HTTP must forward`);
          continue;
        }
        const conditions = new Set(https.map(([, l]) => l.Condition));
        const [condition] = [...conditions];
        if (conditions.size !== 1 || condition === undefined) {
          violations.push(
            `${where}: the HTTPS listener must exist exactly when a certificate is given (a condition)`,
          );
          continue;
        }
        const certificateParameter = nonEmptyParameterOf(template, condition);
        const usesThatCertificate = https.every(([, l]) =>
          listItems(l.Properties?.Certificates).some(
            (c) =>
              isObject(c) &&
              certificateParameter !== undefined &&
              refTarget(c.CertificateArn) === certificateParameter,
          ),
        );
        if (!certificateParameter || !usesThatCertificate) {
          violations.push(
            `${where}: condition ${condition} must test that the listener's certificate parameter is given`,
          );
        }
        const branches = asIf(actions as Json);
        if (!branches || branches.condition !== condition) {
          violations.push(
            `${where}: DefaultActions must depend on ${condition} (redirect with a certificate, forward without)`,
          );
          continue;
        }
        if (!isRedirectToHttps(branches.whenTrue)) {
          violations.push(`${where}: with a certificate, HTTP must redirect to HTTPS on 443`);
        }
        if (!isForward(branches.whenFalse))
          violations.push(`${where}: without a certificate, HTTP must forward`);
      }
    }
    return violations;
  },
};

// ------------------------------------------------------------------------------------------- security groups
interface IngressRule {
  where: string;
  group: ResourceRef;
  rule: JsonObject;
  /** The template the rule is written in (where its Refs resolve). */
  from: TemplateName;
}

/** Every ingress rule of every security group: inline ones and separate AWS::EC2::SecurityGroupIngress. */
export function ingressRules(templates: Templates): IngressRule[] {
  const rules: IngressRule[] = [];
  for (const [name, template] of entries(templates)) {
    for (const [id, resource] of resourcesOfType(template, 'AWS::EC2::SecurityGroup')) {
      for (const rule of listItems(resource.Properties?.SecurityGroupIngress)) {
        if (isObject(rule))
          rules.push({ where: `${name}.yml ${id}`, group: { template: name, id }, rule, from: name });
      }
    }
    for (const [id, resource] of resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress')) {
      const p = props(resource.Properties);
      const groups = resolveResources(templates, name, p.GroupId, SECURITY_GROUP);
      for (const group of groups) rules.push({ where: `${name}.yml ${id}`, group, rule: p, from: name });
      if (groups.length === 0) {
        rules.push({
          where: `${name}.yml ${id}`,
          group: { template: name, id: '(unknown group)' },
          rule: p,
          from: name,
        });
      }
    }
  }
  return rules;
}

function loadBalancerGroups(templates: Templates): ResourceRef[] {
  const groups: ResourceRef[] = [];
  eachResource(templates, 'AWS::ElasticLoadBalancingV2::LoadBalancer', (_w, name, _t, _id, p) => {
    for (const item of listItems(p.SecurityGroups))
      groups.push(...resolveResources(templates, name, item, SECURITY_GROUP));
  });
  return groups;
}

function serviceGroups(
  templates: Templates,
): { service: string; groups: ResourceRef[]; from: TemplateName; p: JsonObject }[] {
  const services: { service: string; groups: ResourceRef[]; from: TemplateName; p: JsonObject }[] = [];
  eachResource(templates, 'AWS::ECS::Service', (where, name, _t, _id, p) => {
    const vpc = props(props(p.NetworkConfiguration).AwsvpcConfiguration);
    const groups = listItems(vpc.SecurityGroups).flatMap((item) =>
      resolveResources(templates, name, item, SECURITY_GROUP),
    );
    services.push({ service: where, groups, from: name, p });
  });
  return services;
}

function isOpenSource(template: Template, rule: JsonObject): boolean {
  const open = (value: Json | undefined, world: string) =>
    alternatives(value).some((option) => {
      if (option === world) return true;
      const target = refTarget(option);
      return target !== undefined && String(template.Parameters?.[target]?.Default) === world;
    });
  return open(rule.CidrIp, '0.0.0.0/0') || open(rule.CidrIpv6, '::/0');
}

const onlyLoadBalancerOpenToTheWorld: PolicyRule = {
  id: 'open-ingress-only-alb-http',
  title: "The only ingress from 0.0.0.0/0 or ::/0 in any template is the load balancer's TCP 80/443",
  check(templates) {
    const violations: string[] = [];
    const albGroups = loadBalancerGroups(templates);
    for (const { where, group, rule, from } of ingressRules(templates)) {
      if (!isOpenSource(templates[from], rule)) continue;
      const port = `${JSON.stringify(rule.IpProtocol)} ${JSON.stringify(rule.FromPort)}-${JSON.stringify(rule.ToPort)}`;
      if (!albGroups.some((alb) => sameResource(alb, group))) {
        violations.push(
          `${where}: ${describe(group)} admits the whole internet (${port}) but is not a load balancer's group`,
        );
        continue;
      }
      const single = rule.FromPort === rule.ToPort && (rule.FromPort === 80 || rule.FromPort === 443);
      if (String(rule.IpProtocol) !== 'tcp' || !single) {
        violations.push(
          `${where}: the load balancer may only admit TCP 80 or 443 from anywhere, not ${port}`,
        );
      }
    }
    return violations;
  },
};

const serviceAdmitsOnlyLoadBalancer: PolicyRule = {
  id: 'service-sg-admits-only-alb',
  title: "The service's security group admits only the load balancer's, on the container port",
  check(templates) {
    const violations: string[] = [];
    const albGroups = loadBalancerGroups(templates);
    const rules = ingressRules(templates);
    for (const { service, groups, from, p } of serviceGroups(templates)) {
      if (groups.length === 0) violations.push(`${service}: its security groups cannot be resolved`);
      const containerPorts = listItems(p.LoadBalancers).map((lb) => JSON.stringify(props(lb).ContainerPort));
      for (const group of groups) {
        const admitted = rules.filter((r) => sameResource(r.group, group));
        if (admitted.length === 0)
          violations.push(`${service}: ${describe(group)} admits nothing from the load balancer`);
        for (const { where, rule, from: ruleFrom } of admitted) {
          const sources = resolveResources(templates, ruleFrom, rule.SourceSecurityGroupId, SECURITY_GROUP);
          const onlyAlb =
            sources.length > 0 && sources.every((s) => albGroups.some((alb) => sameResource(alb, s)));
          const otherSource = ['CidrIp', 'CidrIpv6', 'SourcePrefixListId'].some((key) => key in rule);
          if (!onlyAlb || otherSource)
            violations.push(`${where}: ${describe(group)} admits a source other than the load balancer`);
          const port = JSON.stringify(rule.FromPort);
          if (
            from === ruleFrom &&
            (rule.FromPort === undefined ||
              JSON.stringify(rule.ToPort) !== port ||
              !containerPorts.includes(port))
          ) {
            violations.push(
              `${where}: ${describe(group)} must admit the container port only (got ${port}-${JSON.stringify(rule.ToPort)})`,
            );
          }
        }
      }
    }
    return violations;
  },
};

const databaseAdmitsOnlyService: PolicyRule = {
  id: 'database-sg-admits-only-service',
  title: "The database's security group admits only the service's, on the PostgreSQL port",
  check(templates) {
    const violations: string[] = [];
    const rules = ingressRules(templates);
    const serviceSources = serviceGroups(templates).flatMap((s) => s.groups);
    eachResource(templates, 'AWS::RDS::DBInstance', (where, name, _t, _id, p) => {
      const groups = listItems(p.VPCSecurityGroups).flatMap((item) =>
        resolveResources(templates, name, item, SECURITY_GROUP),
      );
      if (groups.length === 0)
        violations.push(`${where}: VPCSecurityGroups must name the stack's own security group`);
      for (const group of groups) {
        const admitted = rules.filter((r) => sameResource(r.group, group));
        if (admitted.length === 0)
          violations.push(`${where}: ${describe(group)} admits nothing (the service cannot connect)`);
        for (const { where: ruleWhere, rule, from } of admitted) {
          const sources = resolveResources(templates, from, rule.SourceSecurityGroupId, SECURITY_GROUP);
          const onlyService =
            sources.length > 0 && sources.every((s) => serviceSources.some((g) => sameResource(g, s)));
          const otherSource = ['CidrIp', 'CidrIpv6', 'SourcePrefixListId'].some((key) => key in rule);
          if (!onlyService || otherSource)
            violations.push(`${ruleWhere}: ${describe(group)} admits a source other than the service`);
          if (rule.FromPort !== 5432 || rule.ToPort !== 5432) {
            violations.push(`${ruleWhere}: ${describe(group)} must admit port 5432 only`);
          }
        }
      }
    });
    return violations;
  },
};

// ------------------------------------------------------------------------------------------- tasks
function eachContainer(
  templates: Templates,
  visit: (
    where: string,
    name: TemplateName,
    template: Template,
    container: JsonObject,
    task: JsonObject,
  ) => void,
) {
  eachResource(templates, 'AWS::ECS::TaskDefinition', (where, name, template, _id, p) => {
    for (const container of listItems(p.ContainerDefinitions)) {
      if (isObject(container))
        visit(`${where} container ${String(container.Name)}`, name, template, container, p);
    }
  });
}

const tasksHardened: PolicyRule = {
  id: 'tasks-hardened',
  title:
    'Containers run read-only (writable /tmp volume only), non-privileged, logging to awslogs with retention',
  check(templates) {
    const violations: string[] = [];
    eachContainer(templates, (where, name, template, container, task) => {
      if (container.ReadonlyRootFilesystem !== true)
        violations.push(`${where}: ReadonlyRootFilesystem must be true`);
      if (container.Privileged === true || container.Privileged === 'true')
        violations.push(`${where}: must not be privileged`);
      const volumes = listItems(task.Volumes)
        .filter(isObject)
        .map((v) => v.Name);
      const tmp = listItems(container.MountPoints).find((m) => isObject(m) && m.ContainerPath === '/tmp');
      if (!isObject(tmp) || !volumes.includes(tmp.SourceVolume as Json) || tmp.ReadOnly === true) {
        violations.push(`${where}: needs a writable task volume mounted at /tmp`);
      }
      const logging = props(container.LogConfiguration);
      if (logging.LogDriver !== 'awslogs') {
        violations.push(`${where}: LogDriver must be awslogs`);
        return;
      }
      const groups = resolveResources(templates, name, props(logging.Options)['awslogs-group'], LOG_GROUP);
      if (groups.length === 0) violations.push(`${where}: awslogs-group must be a log group of the stack`);
      for (const group of groups) {
        if (template.Resources[group.id]?.Properties?.RetentionInDays === undefined) {
          violations.push(`${where}: log group ${group.id} must set RetentionInDays`);
        }
      }
    });
    return violations;
  },
};

const noSecretInEnvironment: PolicyRule = {
  id: 'no-secret-in-environment',
  title: 'No secret in plain environment: PASSWORD/SECRET/TOKEN-like variables come from secrets',
  check(templates) {
    const violations: string[] = [];
    eachContainer(templates, (where, _name, _template, container) => {
      for (const variable of listItems(container.Environment)) {
        const variableName = isObject(variable) ? String(variable.Name) : '';
        if (SECRET_NAME.test(variableName)) {
          violations.push(
            `${where}: ${variableName} is secret-like and must come from Secrets, not Environment`,
          );
        }
      }
      for (const secret of listItems(container.Secrets)) {
        // A literal ValueFrom that is not an ARN (nor an SSM parameter name) would be a value, not a reference.
        const from = isObject(secret) ? secret.ValueFrom : undefined;
        if (typeof from === 'string' && !from.startsWith('arn:')) {
          violations.push(
            `${where}: secret ${String(isObject(secret) ? secret.Name : '')} has a literal ValueFrom`,
          );
        }
      }
    });
    return violations;
  },
};

/** The Fn::Sub of a secret reference: `['${SecretArn}:password::', { SecretArn: <import> }]`. */
function secretReference(value: Json | undefined): { key: string; arn: Json } | undefined {
  const sub = isObject(value) ? value['Fn::Sub'] : undefined;
  if (!Array.isArray(sub) || typeof sub[0] !== 'string' || !isObject(sub[1])) return undefined;
  const match = /^\$\{(\w+)\}:(\w+)::$/.exec(sub[0]);
  if (!match?.[1] || !match[2]) return undefined;
  const arn = sub[1][match[1]];
  return arn === undefined ? undefined : { key: match[2], arn };
}

const databaseCredentialsFromRdsSecret: PolicyRule = {
  id: 'db-credentials-from-rds-secret',
  title: "PGUSER/PGPASSWORD come from the RDS-managed secret's keys; connections verify TLS",
  check(templates) {
    const violations: string[] = [];
    const index = exportIndex(templates);
    eachContainer(templates, (where, _name, _template, container) => {
      const environment = listItems(container.Environment).filter(isObject);
      const usesDatabase = environment.some((v) => v.Name === 'PGHOST');
      if (!usesDatabase) return;
      for (const [variable, key] of [
        ['PGUSER', 'username'],
        ['PGPASSWORD', 'password'],
      ] as const) {
        const secret = listItems(container.Secrets).find((s) => isObject(s) && s.Name === variable);
        const reference = isObject(secret) ? secretReference(secret.ValueFrom) : undefined;
        const exported = reference ? index.get(importName(reference.arn) ?? '') : undefined;
        const output = exported ? templates[exported.template].Outputs?.[exported.output] : undefined;
        const getAtt = isObject(output?.Value) ? output.Value['Fn::GetAtt'] : undefined;
        const isRdsSecret =
          Array.isArray(getAtt) &&
          getAtt[1] === 'MasterUserSecret.SecretArn' &&
          exported !== undefined &&
          templates[exported.template].Resources[String(getAtt[0])]?.Type === 'AWS::RDS::DBInstance';
        if (!reference || reference.key !== key || !isRdsSecret) {
          violations.push(`${where}: ${variable} must come from the RDS master secret's "${key}" key`);
        }
      }
      const sslMode = environment.find((v) => v.Name === 'PGSSLMODE');
      if (sslMode?.Value !== 'verify-full') violations.push(`${where}: PGSSLMODE must be verify-full`);
    });
    return violations;
  },
};

// ------------------------------------------------------------------------------------------- IAM
/**
 * Actions AWS authorises only against Resource "*" (no resource-level permissions), each with the reason
 * it is granted. Any other action with Resource "*" is a violation.
 */
export const STAR_ONLY_ACTIONS: Record<string, string> = {
  'ecr:GetAuthorizationToken': 'registry login token; the pull/push actions are scoped to the repository',
  'cloudformation:GetTemplateSummary':
    'summarises a template body (parameters, capabilities); no stack is named',
  'cloudformation:DescribeEvents':
    "one operation's events, or a change set's validation errors, by operation or change set id",
  'ecs:DescribeTaskDefinition': 'no resource-level permission',
  'ecs:DeregisterTaskDefinition':
    'no resource-level permission (CloudFormation deregisters replaced revisions)',
  'ecs:ListTasks': 'no resource-level permission for Fargate tasks; limited by the ecs:cluster condition',
  'elasticloadbalancing:DescribeTargetHealth': 'Describe* of load balancing has no resource-level permission',
  'elasticloadbalancing:DescribeListenerAttributes':
    'Describe* of load balancing has no resource-level permission',
  'elasticloadbalancing:DescribeListeners': 'Describe* of load balancing has no resource-level permission',
  'elasticloadbalancing:DescribeLoadBalancerAttributes':
    'Describe* of load balancing has no resource-level permission',
  'elasticloadbalancing:DescribeLoadBalancers':
    'Describe* of load balancing has no resource-level permission',
  'elasticloadbalancing:DescribeRules': 'Describe* of load balancing has no resource-level permission',
  'elasticloadbalancing:DescribeTags': 'Describe* of load balancing has no resource-level permission',
  'elasticloadbalancing:DescribeTargetGroupAttributes':
    'Describe* of load balancing has no resource-level permission',
  'elasticloadbalancing:DescribeTargetGroups': 'Describe* of load balancing has no resource-level permission',
  'secretsmanager:GetRandomPassword':
    'no resource type (GenerateSecretString of the test-traffic secret); it reads and writes nothing',
  'ec2:DescribeAccountAttributes': 'EC2 Describe* has no resource-level permission',
  'ec2:DescribeAddresses': 'EC2 Describe* has no resource-level permission',
  'ec2:DescribeAddressesAttribute': 'EC2 Describe* has no resource-level permission',
  'ec2:DescribeAvailabilityZones': 'EC2 Describe* has no resource-level permission (Fn::GetAZs)',
  'ec2:DescribeFlowLogs': 'EC2 Describe* has no resource-level permission',
  'ec2:DescribeInternetGateways': 'EC2 Describe* has no resource-level permission',
  'ec2:DescribeNatGateways': 'EC2 Describe* has no resource-level permission',
  'ec2:DescribeNetworkInterfaces': 'EC2 Describe* has no resource-level permission',
  'ec2:DescribePrefixLists': 'EC2 Describe* has no resource-level permission',
  'ec2:DescribeRouteTables': 'EC2 Describe* has no resource-level permission',
  'ec2:DescribeSecurityGroupRules': 'EC2 Describe* has no resource-level permission',
  'ec2:DescribeSecurityGroups': 'EC2 Describe* has no resource-level permission',
  'ec2:DescribeSubnets': 'EC2 Describe* has no resource-level permission',
  'ec2:DescribeTags': 'EC2 Describe* has no resource-level permission',
  'ec2:DescribeVpcEndpointServices': 'EC2 Describe* has no resource-level permission',
  'ec2:DescribeVpcEndpoints': 'EC2 Describe* has no resource-level permission',
  'ec2:DescribeVpcs': 'EC2 Describe* has no resource-level permission',
  'rds:DescribeDBEngineVersions': 'engine catalogue; no resource-level permission',
  'rds:DescribeEngineDefaultParameters': 'engine catalogue; no resource-level permission',
  'rds:DescribeOrderableDBInstanceOptions': 'engine catalogue; no resource-level permission',
  'logs:DescribeLogGroups': 'no resource-level permission',
  'application-autoscaling:DescribeScalableTargets': 'no resource-level permission',
  'application-autoscaling:DescribeScalingActivities': 'no resource-level permission',
  'application-autoscaling:DescribeScalingPolicies': 'no resource-level permission',
};

interface Statement {
  where: string;
  statement: JsonObject;
  trust: boolean;
}

/** Every IAM statement: identity policies of roles/policies and the trust policies of roles. */
export function iamStatements(templates: Templates): Statement[] {
  const statements: Statement[] = [];
  const add = (where: string, document: Json | undefined, trust: boolean) => {
    for (const statement of listItems(props(document).Statement)) {
      if (isObject(statement)) {
        statements.push({ where: `${where} ${String(statement.Sid ?? '')}`.trim(), statement, trust });
      }
    }
  };
  for (const [name, template] of entries(templates)) {
    for (const [id, resource] of Object.entries(template.Resources)) {
      const p = props(resource.Properties);
      if (resource.Type === 'AWS::IAM::Role') {
        add(`${name}.yml ${id} trust`, p.AssumeRolePolicyDocument, true);
        for (const policy of listItems(p.Policies)) {
          add(`${name}.yml ${id} ${String(props(policy).PolicyName)}`, props(policy).PolicyDocument, false);
        }
      }
      if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
        add(`${name}.yml ${id}`, p.PolicyDocument, false);
      }
    }
  }
  return statements;
}

function strings(value: Json | undefined): Json[] {
  return listItems(Array.isArray(value) ? value : value === undefined ? undefined : [value]);
}

const iamResourcesNamed: PolicyRule = {
  id: 'iam-resources-named',
  title: 'Every IAM statement names its resources; "*" only for actions that accept nothing else',
  check(templates) {
    const violations: string[] = [];
    for (const { where, statement, trust } of iamStatements(templates)) {
      if (trust || statement.Effect !== 'Allow') continue;
      if ('NotResource' in statement) violations.push(`${where}: NotResource grants everything else`);
      const resources = strings(statement.Resource);
      if (resources.length === 0) violations.push(`${where}: names no resource`);
      if (!resources.includes('*')) continue;
      for (const action of strings(statement.Action)) {
        if (typeof action !== 'string' || !(action in STAR_ONLY_ACTIONS)) {
          violations.push(
            `${where}: ${JSON.stringify(action)} on Resource "*" (it accepts resource ARNs: name them)`,
          );
        }
      }
    }
    return violations;
  },
};

const iamNoWildcardAction: PolicyRule = {
  id: 'iam-no-wildcard-action',
  title: 'No wildcard action ("*", "service:*" or "service:Prefix*"), no NotAction, no "*" principal',
  check(templates) {
    const violations: string[] = [];
    for (const { where, statement } of iamStatements(templates)) {
      if ('NotAction' in statement) violations.push(`${where}: NotAction grants everything else`);
      for (const action of strings(statement.Action)) {
        if (typeof action !== 'string' || action.includes('*') || action.includes('?')) {
          violations.push(`${where}: action ${JSON.stringify(action)} must be written out`);
        }
      }
      const principal = statement.Principal;
      const principals = isObject(principal)
        ? Object.values(principal).flatMap((v) => strings(v))
        : strings(principal);
      if (principals.includes('*')) violations.push(`${where}: principal "*"`);
    }
    return violations;
  },
};

/** The boundary every environment role carries: the github-oidc stack's policy for that environment. */
export const BOUNDARY_ARN =
  'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/${EnvironmentName}-permissions-boundary';

const iamRolesBounded: PolicyRule = {
  id: 'iam-roles-bounded',
  title:
    "Every IAM role of the environment templates carries the environment's permissions boundary (github-oidc.yml)",
  check(templates) {
    const violations: string[] = [];
    for (const [name, template] of entries(templates)) {
      if (name === 'github-oidc' || name === 'registry') continue;
      for (const [id, resource] of resourcesOfType(template, 'AWS::IAM::Role')) {
        const boundary = props(resource.Properties).PermissionsBoundary;
        if (!isObject(boundary) || boundary['Fn::Sub'] !== BOUNDARY_ARN) {
          violations.push(`${name}.yml ${id}: PermissionsBoundary must be !Sub '${BOUNDARY_ARN}'`);
        }
      }
    }
    const oidc = templates['github-oidc'];
    const policy = oidc ? resourcesOfType(oidc, 'AWS::IAM::ManagedPolicy') : [];
    const named = policy.some(
      ([, r]) =>
        JSON.stringify(props(r.Properties).ManagedPolicyName) ===
        JSON.stringify({ 'Fn::Sub': '${EnvironmentName}-permissions-boundary' }),
    );
    if (!named)
      violations.push('github-oidc.yml: no managed policy named ${EnvironmentName}-permissions-boundary');
    return violations;
  },
};

/**
 * Protocols whose rules are limited to the ports given. "-1" (all) and any other protocol number admit
 * all ports whatever FromPort/ToPort say (AWS::EC2::SecurityGroupIngress IpProtocol: "Use -1 to specify
 * all protocols ... traffic on all ports is allowed, regardless of any ports you specify").
 */
const PORT_PROTOCOLS = new Set(['tcp', 'udp', 'icmp', 'icmpv6', '6', '17', '1', '58']);

const ingressProtocolNamesPorts: PolicyRule = {
  id: 'ingress-protocol-limits-ports',
  title:
    "No ingress rule with IpProtocol '-1' (or another protocol number): every rule is limited to its ports",
  check(templates) {
    const violations: string[] = [];
    for (const { where, rule } of ingressRules(templates)) {
      const options = alternatives(rule.IpProtocol);
      if (options.length === 0) violations.push(`${where}: ingress rule without IpProtocol`);
      for (const option of options) {
        if (!PORT_PROTOCOLS.has(String(option).toLowerCase())) {
          violations.push(
            `${where}: IpProtocol ${JSON.stringify(option)} opens every port; use tcp, udp, icmp or icmpv6 with FromPort/ToPort`,
          );
        }
      }
    }
    return violations;
  },
};

const passRoleScoped: PolicyRule = {
  id: 'passrole-scoped',
  title: 'iam:PassRole names its roles and the one service they may be passed to',
  check(templates) {
    const violations: string[] = [];
    for (const { where, statement, trust } of iamStatements(templates)) {
      if (trust || !strings(statement.Action).includes('iam:PassRole')) continue;
      if (strings(statement.Resource).includes('*')) violations.push(`${where}: iam:PassRole on "*"`);
      const passedTo = props(props(statement.Condition).StringEquals)['iam:PassedToService'];
      if (passedTo === undefined)
        violations.push(`${where}: iam:PassRole without an iam:PassedToService condition`);
    }
    return violations;
  },
};

const githubTrustScoped: PolicyRule = {
  id: 'github-trust-scoped',
  title:
    "The GitHub OIDC trust is limited to audience sts.amazonaws.com and to one repository's branches/environments",
  check(templates) {
    const violations: string[] = [];
    // The name form, and the immutable form with the owner's and repository's numeric IDs.
    const prefixes = [
      'repo:${GitHubOwner}/${GitHubRepository}:',
      'repo:${GitHubOwner}-${GitHubOwnerId}/${GitHubRepository}-${GitHubRepositoryId}:',
      'repo:${GitHubOwner}@${GitHubOwnerId}/${GitHubRepository}@${GitHubRepositoryId}:',
    ];
    for (const { where, statement, trust } of iamStatements(templates)) {
      if (!trust || !('Federated' in props(statement.Principal))) continue;
      const condition = props(statement.Condition);
      const audience = props(condition.StringEquals)['token.actions.githubusercontent.com:aud'];
      if (audience !== 'sts.amazonaws.com') violations.push(`${where}: aud must equal sts.amazonaws.com`);
      for (const operator of Object.keys(condition)) {
        if (operator !== 'StringEquals' && operator !== 'StringLike') {
          violations.push(`${where}: unexpected condition operator ${operator}`);
        }
      }
      const subjects = strings(props(condition.StringLike)['token.actions.githubusercontent.com:sub']);
      if (subjects.length === 0)
        violations.push(`${where}: no sub condition: any repository could assume the role`);
      for (const subject of subjects) {
        const sub = isObject(subject) ? subject['Fn::Sub'] : subject;
        const pattern = Array.isArray(sub) ? sub[0] : sub;
        const prefix = typeof pattern === 'string' ? prefixes.find((p) => pattern.startsWith(p)) : undefined;
        const rest = typeof pattern === 'string' && prefix ? pattern.slice(prefix.length) : '';
        const scoped =
          prefix !== undefined &&
          /^(ref:refs\/heads\/|environment:)\S+$/.test(rest) &&
          !/^(ref:refs\/heads\/|environment:)\*$/.test(rest);
        if (!scoped)
          violations.push(
            `${where}: sub ${JSON.stringify(pattern)} is not one branch or environment of the repository`,
          );
        // One role per environment: the only environment whose jobs may assume it is its own.
        else if (rest.startsWith('environment:') && rest !== 'environment:${EnvironmentName}')
          violations.push(`${where}: sub ${JSON.stringify(pattern)} admits another environment's jobs`);
      }
    }
    return violations;
  },
};

// ------------------------------------------------------------------------------------------- ECR, portability
const ecrScanImmutable: PolicyRule = {
  id: 'ecr-scan-immutable',
  title: 'ECR repositories scan on push and have immutable tags',
  check(templates) {
    const violations: string[] = [];
    eachResource(templates, 'AWS::ECR::Repository', (where, _n, _t, _id, p) => {
      if (props(p.ImageScanningConfiguration).ScanOnPush !== true)
        violations.push(`${where}: ScanOnPush must be true`);
      if (p.ImageTagMutability !== 'IMMUTABLE')
        violations.push(`${where}: ImageTagMutability must be IMMUTABLE`);
    });
    return violations;
  },
};

const HARD_CODED = [
  { what: 'an account id', pattern: /(?<![\d])\d{12}(?![\d])/ },
  { what: 'the aws partition (use ${AWS::Partition})', pattern: /arn:aws[a-z-]*:/ },
  {
    what: 'a region or Availability Zone name (use ${AWS::Region} / Fn::GetAZs)',
    pattern:
      /\b(us|eu|ap|sa|ca|me|af|il|mx|cn)-(gov-)?(north|south|east|west|central|northeast|southeast|northwest|southwest)-\d[a-z]?\b/,
  },
  { what: 'an AWS URL suffix (use ${AWS::URLSuffix})', pattern: /\.amazonaws\.com(\.cn)?\b(?!")/ },
];

/**
 * Service principals (ecs-tasks.amazonaws.com), condition values naming them and OIDC audiences are the
 * same names in every partition; endpoints and URLs are not.
 */
function namesAServiceNotAnEndpoint(path: string[]): boolean {
  return path.includes('Principal') || path.includes('Condition') || path.includes('ClientIdList');
}

const portable: PolicyRule = {
  id: 'portable',
  title:
    'No hard-coded account ids, partitions, regions, Availability Zones or URL suffixes in resources and outputs',
  check(templates) {
    const violations: string[] = [];
    for (const [name, template] of entries(templates)) {
      const sections: [string, Json | undefined][] = [
        ['Resources', template.Resources as unknown as Json],
        ['Outputs', template.Outputs as unknown as Json],
        ['Conditions', template.Conditions as Json | undefined],
      ];
      for (const [section, value] of sections) {
        walk(value, (item, path) => {
          // Descriptions are prose for people; examples of names there are harmless.
          if (typeof item !== 'string' || path.some((key) => key.endsWith('Description'))) return;
          for (const { what, pattern } of HARD_CODED) {
            if (what.startsWith('an AWS URL') && namesAServiceNotAnEndpoint(path)) continue;
            if (pattern.test(item))
              violations.push(`${name}.yml ${section}.${path.join('.')}: ${what} in ${JSON.stringify(item)}`);
          }
        });
      }
    }
    return violations;
  },
};

export const POLICY_RULES: PolicyRule[] = [
  rdsEncrypted,
  rdsNotPublic,
  rdsDeletionProtected,
  rdsBackups,
  rdsManagedPassword,
  noPlaintextPassword,
  albDropsInvalidHeaders,
  httpRedirectsOnlyWithCertificate,
  tlsPolicy,
  onlyLoadBalancerOpenToTheWorld,
  serviceAdmitsOnlyLoadBalancer,
  databaseAdmitsOnlyService,
  ingressProtocolNamesPorts,
  tasksHardened,
  noSecretInEnvironment,
  databaseCredentialsFromRdsSecret,
  iamResourcesNamed,
  iamNoWildcardAction,
  iamRolesBounded,
  passRoleScoped,
  githubTrustScoped,
  ecrScanImmutable,
  portable,
];
