// The parameters the root action gives each of its stacks, and their check against the templates' own
// constraints (Type, AllowedValues, AllowedPattern, Min/MaxLength, Min/MaxValue, Rules) before the first AWS
// call: the templates are the one source of truth, so a value CloudFormation would refuse after the network
// and database stacks were built is refused here, naming the input. No SDK here (loaded before the inputs
// are known to be valid).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkRules, constraintProblem, parseTemplate } from './cloudformation/template.js';
import type { EnvironmentOptions } from './environment.js';

export type Layer = 'network' | 'database' | 'service';

/** The root action's input behind each template parameter it sets. */
export const PARAMETER_INPUTS: Record<string, string> = {
  EnvironmentName: 'environment',
  EgressMode: 'egress-mode',
  AvailabilityZoneCount: 'availability-zones',
  NatGateways: 'nat-gateways',
  InstanceClass: 'database-instance-class',
  MultiAZ: 'database-multi-az',
  Database: 'database',
  RepositoryName: 'image',
  ImageUri: 'image',
  AppVersion: 'app-version',
  ContainerPort: 'container-port',
  HealthCheckPath: 'health-check-path',
  Cpu: 'cpu',
  Memory: 'memory',
  CpuArchitecture: 'cpu-architecture',
  DesiredCount: 'desired-count',
  CertificateArn: 'certificate-arn',
  DomainName: 'domain-name',
  DeploymentStrategy: 'deployment-strategy',
};

type Options = Omit<EnvironmentOptions, 'signal' | 'templatesDir'>;

export function networkParameters(o: Options): Record<string, string> {
  return {
    EnvironmentName: o.environment,
    EgressMode: o.egressMode,
    AvailabilityZoneCount: String(o.availabilityZones),
    NatGateways: o.natGateways,
  };
}

export function databaseParameters(o: Options): Record<string, string> {
  return {
    EnvironmentName: o.environment,
    InstanceClass: o.databaseInstanceClass,
    MultiAZ: String(o.databaseMultiAz),
  };
}

/** The infrastructure parameters of the service stack: everything but the image and the version. */
export function serviceParameters(o: Options): Record<string, string> {
  return {
    EnvironmentName: o.environment,
    Database: o.database ? 'on' : 'off',
    RepositoryName: o.repositoryName,
    ContainerPort: String(o.containerPort),
    HealthCheckPath: o.healthCheckPath,
    Cpu: String(o.cpu),
    Memory: String(o.memory),
    CpuArchitecture: o.cpuArchitecture,
    DesiredCount: String(o.desiredCount),
    CertificateArn: o.certificateArn ?? '',
    DomainName: o.domainName ?? '',
    DeploymentStrategy: o.deploymentStrategy ?? 'ROLLING',
    // BLUE_GREEN, CANARY, LINEAR: every deployment pauses once the new revision has the test traffic, until
    // the action has smoke-tested it through the test listener rule and continued (or rolled back).
    TestTrafficGate: (o.deploymentStrategy ?? 'ROLLING') === 'ROLLING' ? 'off' : 'on',
  };
}

/** AppVersion must match the template's pattern: without one, the image digest's start identifies the build. */
export function versionOf(o: Pick<Options, 'appVersion' | 'image'>): string {
  return o.appVersion ?? o.image.split('@sha256:')[1]?.slice(0, 12) ?? 'unknown';
}

export function templatePath(templatesDir: string, layer: Layer): string {
  return join(templatesDir, `${layer}.yml`);
}

export interface InputProblem {
  input: string;
  message: string;
}

/**
 * What the templates would refuse in these inputs, one problem per input (the first found), each with the
 * template's ConstraintDescription or AssertDescription. Empty when CloudFormation would accept them all.
 */
export function templateProblems(o: Options, templatesDir: string): InputProblem[] {
  const layers: Array<[Layer, Record<string, string>]> = [
    ['network', networkParameters(o)],
    ...(o.database ? [['database', databaseParameters(o)] as [Layer, Record<string, string>]] : []),
    ['service', { ...serviceParameters(o), ImageUri: o.image, AppVersion: versionOf(o) }],
  ];
  const problems = new Map<string, string>();
  const add = (input: string, message: string) => {
    if (!problems.has(input)) problems.set(input, message);
  };
  for (const [layer, given] of layers) {
    const file = `cloudformation/${layer}.yml`;
    const template = parseTemplate(readFileSync(templatePath(templatesDir, layer), 'utf8'), file);
    const values: Record<string, string> = {};
    for (const [name, declaration] of Object.entries(template.parameters)) {
      if (declaration.default !== undefined) values[name] = declaration.default;
    }
    for (const [name, value] of Object.entries(given)) {
      const declaration = template.parameters[name];
      const input = PARAMETER_INPUTS[name] ?? name;
      if (!declaration) {
        add(input, `${file} has no parameter ${name}; the action and its templates do not match`);
        continue;
      }
      values[name] = value;
      const problem = constraintProblem(declaration, value);
      if (problem) add(input, `${problem} (${name} in ${file})`);
    }
    for (const failure of checkRules(template.rules, values)) {
      const [first, ...others] = failure.parameters;
      if (first === undefined) continue;
      const along = others
        .map((name) => `${PARAMETER_INPUTS[name] ?? name} "${values[name] ?? ''}"`)
        .join(', ');
      add(
        PARAMETER_INPUTS[first] ?? first,
        `"${values[first] ?? ''}"${along ? ` with ${along}` : ''} is refused: ${failure.description} (rule ${failure.rule} in ${file})`,
      );
    }
  }
  return [...problems].map(([input, message]) => ({ input, message }));
}

type Node = unknown;

function isObject(value: Node): value is Record<string, Node> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function resolveName(name: Node, environment: string): string | undefined {
  const text = isObject(name) ? name['Fn::Sub'] : name;
  // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not JavaScript's
  return typeof text === 'string' ? text.replaceAll('${EnvironmentName}', environment) : undefined;
}

/**
 * The exports of `layer`'s template whose value depends on one of `changed` parameters: through a Ref, a
 * condition (Fn::If, Condition) built on it, or a resource that exists only under such a condition.
 */
export function exportsDependingOn(
  templatesDir: string,
  layer: Layer,
  changed: string[],
  environment: string,
): string[] {
  const file = `cloudformation/${layer}.yml`;
  const { body } = parseTemplate(readFileSync(templatePath(templatesDir, layer), 'utf8'), file);
  const conditions = isObject(body.Conditions) ? body.Conditions : {};
  const resources = isObject(body.Resources) ? body.Resources : {};
  const seen = new Map<string, Set<string>>();
  const conditionDeps = (name: string): Set<string> => {
    const known = seen.get(`condition:${name}`);
    if (known) return known;
    const deps = new Set<string>();
    seen.set(`condition:${name}`, deps);
    for (const d of depsOf(conditions[name])) deps.add(d);
    return deps;
  };
  const depsOf = (node: Node): Set<string> => {
    const deps = new Set<string>();
    const walk = (n: Node) => {
      if (Array.isArray(n)) return n.forEach(walk);
      if (!isObject(n)) return;
      for (const [key, value] of Object.entries(n)) {
        if (key === 'Ref' && typeof value === 'string') {
          const resource = resources[value];
          if (isObject(resource) && typeof resource.Condition === 'string') {
            for (const d of conditionDeps(resource.Condition)) deps.add(d);
          } else deps.add(value);
        } else if (key === 'Condition' && typeof value === 'string') {
          for (const d of conditionDeps(value)) deps.add(d);
        } else if (key === 'Fn::If' && Array.isArray(value) && typeof value[0] === 'string') {
          for (const d of conditionDeps(value[0])) deps.add(d);
          value.slice(1).forEach(walk);
        } else walk(value);
      }
    };
    walk(node);
    return deps;
  };
  const found: string[] = [];
  for (const output of Object.values(isObject(body.Outputs) ? body.Outputs : {})) {
    if (!isObject(output) || !isObject(output.Export)) continue;
    const name = resolveName(output.Export.Name, environment);
    const deps = depsOf(output.Value);
    if (name && changed.some((parameter) => deps.has(parameter))) found.push(name);
  }
  return found;
}

/** The export names `layer`'s template imports (Fn::ImportValue) for this environment. */
export function importsOf(templatesDir: string, layer: Layer, environment: string): string[] {
  const file = `cloudformation/${layer}.yml`;
  const { body } = parseTemplate(readFileSync(templatePath(templatesDir, layer), 'utf8'), file);
  const found = new Set<string>();
  const walk = (n: Node) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!isObject(n)) return;
    for (const [key, value] of Object.entries(n)) {
      const name = key === 'Fn::ImportValue' ? resolveName(value, environment) : undefined;
      if (name) found.add(name);
      else walk(value);
    }
  };
  walk(body.Resources);
  return [...found];
}
