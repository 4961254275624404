// CloudFormation templates: parsing (YAML short-form intrinsics or JSON), parameter resolution and the
// resource-level diff a change set describes (Action, Replacement, Details with Target/ChangeSource).
import { parseDocument, visit } from 'yaml';

type Obj = Record<string, unknown>;

export interface Template {
  Parameters?: Record<string, { Type?: string; Default?: unknown; NoEcho?: boolean | string }>;
  Resources?: Record<string, { Type: string; Properties?: Obj; [key: string]: unknown }>;
  Outputs?: Obj;
  [key: string]: unknown;
}

const SCALAR_FUNCTIONS: Record<string, (value: string) => unknown> = {
  '!Ref': (v) => ({ Ref: v }),
  // `!GetAtt Db.Endpoint.Address` names resource Db and attribute Endpoint.Address: split at the first dot.
  '!GetAtt': (v) => {
    const dot = v.indexOf('.');
    return { 'Fn::GetAtt': dot < 0 ? [v] : [v.slice(0, dot), v.slice(dot + 1)] };
  },
  '!Condition': (v) => ({ Condition: v }),
};
const FUNCTIONS = [
  'Base64',
  'Cidr',
  'FindInMap',
  'GetAZs',
  'ImportValue',
  'Join',
  'Select',
  'Split',
  'Sub',
  'Transform',
  'And',
  'Equals',
  'If',
  'Not',
  'Or',
  'GetAtt',
  'ToJsonString',
  'Length',
  // Rules-only functions
  'Contains',
  'EachMemberEquals',
  'EachMemberIn',
  'RefAll',
  'ValueOf',
  'ValueOfAll',
];

interface JsonNode {
  toJSON(): unknown;
}

const customTags = [
  ...Object.entries(SCALAR_FUNCTIONS).map(([tag, fn]) => ({ tag, resolve: (v: string) => fn(v) })),
  ...FUNCTIONS.flatMap((name) => {
    const key = `Fn::${name}`;
    const tag = `!${name}`;
    const scalar = SCALAR_FUNCTIONS[tag] ? [] : [{ tag, resolve: (v: string) => ({ [key]: v }) }];
    return [
      ...scalar,
      { tag, collection: 'seq' as const, resolve: (v: JsonNode) => ({ [key]: v.toJSON() }) },
      { tag, collection: 'map' as const, resolve: (v: JsonNode) => ({ [key]: v.toJSON() }) },
    ];
  }),
];

/** A template CloudFormation refuses with this exact message (not prefixed with "Template format error:"). */
export class TemplateRefusal extends Error {}

export function parseTemplate(body: string): Template {
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) return JSON.parse(trimmed) as Template;
  const doc = parseDocument(body, { customTags, uniqueKeys: false });
  if (doc.errors[0]) throw doc.errors[0];
  // CloudFormation does not expand YAML aliases: it refuses the template (the answer AWS gives, quoted in
  // https://github.com/seeebiii/aws-cloudformation-templates/issues/1; the user guide's template formats page
  // lists YAML aliases as unsupported).
  let alias = false;
  visit(doc, {
    Alias() {
      alias = true;
      return visit.BREAK;
    },
  });
  if (alias)
    throw new TemplateRefusal('Template error: YAML aliases are not allowed in CloudFormation templates');
  return (doc.toJS() ?? {}) as Template;
}

/**
 * The parameter values a stack gets: given values, UsePreviousValue taken from the current stack, the
 * template's defaults for the rest.
 */
export function resolveParameters(
  template: Template,
  given: Array<Record<string, string>>,
  previous: Record<string, string>,
): { values: Record<string, string>; missing: string[] } {
  const values: Record<string, string> = {};
  const byKey = new Map(given.map((p) => [p.ParameterKey ?? '', p]));
  const missing: string[] = [];
  for (const [key, spec] of Object.entries(template.Parameters ?? {})) {
    const entry = byKey.get(key);
    if (entry && String(entry.UsePreviousValue) === 'true' && key in previous) values[key] = previous[key]!;
    else if (entry?.ParameterValue !== undefined) values[key] = entry.ParameterValue;
    else if (spec?.Default !== undefined) values[key] = String(spec.Default);
    else missing.push(key);
  }
  return { values, missing };
}

export interface ChangeDetail {
  Target: { Attribute: string; Name?: string; RequiresRecreation: 'Never' | 'Conditionally' | 'Always' };
  Evaluation: 'Static' | 'Dynamic';
  ChangeSource: 'DirectModification' | 'ParameterReference' | 'ResourceReference' | 'ResourceAttribute';
  CausingEntity?: string;
}

export interface ResourceChange {
  Action: 'Add' | 'Modify' | 'Remove';
  LogicalResourceId: string;
  ResourceType: string;
  Replacement?: 'True' | 'False' | 'Conditional';
  Scope: string[];
  Details: ChangeDetail[];
}

/** Properties whose change replaces the resource (AWS's "Update requires: Replacement"). */
const REPLACING_PROPERTIES: Record<string, string[] | '*'> = {
  'AWS::ECS::TaskDefinition': '*',
  'AWS::ECS::Service': ['ServiceName', 'Cluster', 'LaunchType', 'Role', 'SchedulingStrategy'],
  'AWS::ECS::Cluster': ['ClusterName'],
  'AWS::ECR::Repository': ['RepositoryName', 'EncryptionConfiguration'],
  'AWS::Logs::LogGroup': ['LogGroupName', 'KmsKeyId'],
  'AWS::IAM::Role': ['RoleName', 'Path'],
  'AWS::EC2::VPC': ['CidrBlock', 'InstanceTenancy'],
  'AWS::EC2::Subnet': ['VpcId', 'CidrBlock', 'AvailabilityZone'],
  'AWS::EC2::SecurityGroup': ['GroupName', 'GroupDescription', 'VpcId'],
  'AWS::S3::Bucket': ['BucketName'],
  'AWS::SecretsManager::Secret': ['Name'],
  'AWS::RDS::DBInstance': ['DBInstanceIdentifier', 'Engine', 'DBName', 'StorageEncrypted', 'KmsKeyId'],
  'AWS::ElasticLoadBalancingV2::TargetGroup': ['Name', 'Port', 'Protocol', 'VpcId', 'TargetType'],
};

function requiresRecreation(type: string, property: string): ChangeDetail['Target']['RequiresRecreation'] {
  if (property === 'Tags') return 'Never';
  const replacing = REPLACING_PROPERTIES[type];
  if (replacing === '*') return 'Always';
  return replacing?.includes(property) ? 'Always' : 'Never';
}

/** Names a value refers to: Ref targets, GetAtt resources, ${Name} in Sub strings. */
export function references(value: unknown): Set<string> {
  const found = new Set<string>();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) {
      v.forEach(walk);
      return;
    }
    if (!v || typeof v !== 'object') return;
    for (const [key, inner] of Object.entries(v as Obj)) {
      if (key === 'Ref' && typeof inner === 'string') found.add(inner);
      else if (key === 'Fn::GetAtt') {
        const target = Array.isArray(inner) ? inner[0] : String(inner).split('.')[0];
        if (typeof target === 'string') found.add(target);
      } else if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? inner[0] : inner;
        if (typeof text === 'string')
          for (const m of text.matchAll(/\$\{([^}!.]+)[^}]*\}/g)) found.add(m[1]!);
        if (Array.isArray(inner)) walk(inner[1]);
      } else walk(inner);
    }
  };
  walk(value);
  return found;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What a stack update from (oldTemplate, oldParams) to (newTemplate, newParams) changes, per resource. */
export function diffStack(
  oldTemplate: Template | undefined,
  newTemplate: Template,
  oldParams: Record<string, string>,
  newParams: Record<string, string>,
): ResourceChange[] {
  const oldResources = oldTemplate?.Resources ?? {};
  const newResources = newTemplate.Resources ?? {};
  const changedParams = new Set(
    Object.keys({ ...oldParams, ...newParams }).filter((k) => oldParams[k] !== newParams[k]),
  );
  const changes = new Map<string, ResourceChange>();

  for (const [id, resource] of Object.entries(newResources)) {
    const old = oldResources[id];
    if (!old) {
      changes.set(id, {
        Action: 'Add',
        LogicalResourceId: id,
        ResourceType: resource.Type,
        Scope: [],
        Details: [],
      });
      continue;
    }
    const details: ChangeDetail[] = [];
    const oldProps = old.Properties ?? {};
    const newProps = resource.Properties ?? {};
    for (const key of new Set([...Object.keys(oldProps), ...Object.keys(newProps)])) {
      const attribute = key === 'Tags' ? 'Tags' : 'Properties';
      const target = {
        Attribute: attribute,
        ...(attribute === 'Properties' ? { Name: key } : {}),
        RequiresRecreation: requiresRecreation(resource.Type, key),
      };
      if (!same(oldProps[key], newProps[key])) {
        details.push({ Target: target, Evaluation: 'Static', ChangeSource: 'DirectModification' });
        continue;
      }
      for (const ref of references(newProps[key])) {
        if (changedParams.has(ref)) {
          details.push({
            Target: target,
            Evaluation: 'Static',
            ChangeSource: 'ParameterReference',
            CausingEntity: ref,
          });
        }
      }
    }
    if (details.length) {
      changes.set(id, {
        Action: 'Modify',
        LogicalResourceId: id,
        ResourceType: resource.Type,
        Scope: [],
        Details: details,
      });
    }
  }
  for (const [id, resource] of Object.entries(oldResources)) {
    if (!newResources[id]) {
      changes.set(id, {
        Action: 'Remove',
        LogicalResourceId: id,
        ResourceType: resource.Type,
        Scope: [],
        Details: [],
      });
    }
  }

  // A replaced resource gets a new physical id: resources referring to it are updated too (dynamically).
  let grew = true;
  while (grew) {
    grew = false;
    const replaced = new Set(
      [...changes.values()]
        .filter(
          (c) => c.Action === 'Modify' && c.Details.some((d) => d.Target.RequiresRecreation === 'Always'),
        )
        .map((c) => c.LogicalResourceId),
    );
    for (const [id, resource] of Object.entries(newResources)) {
      if (!oldResources[id]) continue;
      for (const [key, value] of Object.entries(resource.Properties ?? {})) {
        for (const ref of references(value)) {
          if (!replaced.has(ref)) continue;
          const existing = changes.get(id) ?? {
            Action: 'Modify' as const,
            LogicalResourceId: id,
            ResourceType: resource.Type,
            Scope: [],
            Details: [],
          };
          if (
            existing.Details.some(
              (d) =>
                d.ChangeSource === 'ResourceReference' && d.CausingEntity === ref && d.Target.Name === key,
            )
          ) {
            continue;
          }
          existing.Details.push({
            Target: {
              Attribute: 'Properties',
              Name: key,
              RequiresRecreation: requiresRecreation(resource.Type, key),
            },
            Evaluation: 'Dynamic',
            ChangeSource: 'ResourceReference',
            CausingEntity: ref,
          });
          changes.set(id, existing);
          grew = true;
        }
      }
    }
  }

  for (const change of changes.values()) {
    if (change.Action !== 'Modify') continue;
    change.Scope = [...new Set(change.Details.map((d) => d.Target.Attribute))];
    const levels = change.Details.map((d) => d.Target.RequiresRecreation);
    change.Replacement = levels.includes('Always')
      ? 'True'
      : levels.includes('Conditionally')
        ? 'Conditional'
        : 'False';
  }
  // Template order, removals last.
  const order = [
    ...Object.keys(newResources),
    ...Object.keys(oldResources).filter((id) => !newResources[id]),
  ];
  return order.map((id) => changes.get(id)).filter((c): c is ResourceChange => c !== undefined);
}
