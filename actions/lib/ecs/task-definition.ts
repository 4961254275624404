// Task definitions as data: the fields RegisterTaskDefinition accepts, the container an image goes into,
// a template read from a file, and whether a new revision would differ from the current one.
// Type-only SDK imports: this module loads before the inputs are validated.
import { readFileSync } from 'node:fs';
import type {
  ContainerDefinition,
  KeyValuePair,
  RegisterTaskDefinitionCommandInput,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import { jsonErrorReason } from '../echo.js';
import { ConfigurationError } from '../errors.js';
import { resolveInWorkspace } from '../paths.js';

export type TaskDefinitionInput = RegisterTaskDefinitionCommandInput;

/**
 * Every field RegisterTaskDefinition accepts. A described task definition also carries read-only fields
 * (taskDefinitionArn, revision, status, requiresAttributes, compatibilities, registeredAt/By,
 * deregisteredAt…) that RegisterTaskDefinition rejects; copying by allow-list drops them and any field a
 * later API version adds to the description only. `tags` are left out on purpose: they live on the
 * revision, need ecs:TagResource, and the reserved `aws:` ones cannot be copied.
 */
export const REGISTRABLE_FIELDS = [
  'family',
  'taskRoleArn',
  'executionRoleArn',
  'networkMode',
  'containerDefinitions',
  'volumes',
  'placementConstraints',
  'requiresCompatibilities',
  'cpu',
  'memory',
  'pidMode',
  'ipcMode',
  'proxyConfiguration',
  'inferenceAccelerators',
  'ephemeralStorage',
  'runtimePlatform',
  'enableFaultInjection',
] as const satisfies ReadonlyArray<keyof RegisterTaskDefinitionCommandInput>;

/** The RegisterTaskDefinition input that would register a copy of `definition` (deep-copied). */
export function toRegisterInput(definition: TaskDefinition | Record<string, unknown>): TaskDefinitionInput {
  const source = definition as Record<string, unknown>;
  const input: Record<string, unknown> = {};
  for (const field of REGISTRABLE_FIELDS) {
    const value = source[field];
    if (value !== undefined && value !== null) input[field] = structuredClone(value);
  }
  return input as unknown as TaskDefinitionInput;
}

/** `family:revision` from a task definition ARN (or the ARN itself if it is not one). */
export function shortTaskDefinition(arn: string | undefined): string {
  if (!arn) return '—';
  const match = /:task-definition\/(.+)$/.exec(arn);
  return match?.[1] ?? arn;
}

/**
 * Reads a task definition template file: the RegisterTaskDefinition input (as `aws ecs
 * register-task-definition --cli-input-json` takes it) or a DescribeTaskDefinition output
 * (`{ "taskDefinition": {…} }`). Read-only fields are dropped. Throws a ConfigurationError naming `input`.
 */
export function readTaskDefinitionTemplate(
  path: string,
  input: string,
  action: string,
  workspace = process.env.GITHUB_WORKSPACE ?? process.cwd(),
): TaskDefinitionInput {
  const inside = resolveInWorkspace(path, { root: workspace });
  if (inside.problem !== undefined) throw new ConfigurationError(`${action}: ${input}: ${inside.problem}`);
  const full = inside.path;
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new ConfigurationError(
      `${action}: ${input}: cannot read ${path} (${code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable')}); give a JSON file relative to the repository root`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(
      `${action}: ${input}: ${path} is not valid JSON (${jsonErrorReason(error)}); give a task definition as RegisterTaskDefinition takes it`,
    );
  }
  const body =
    parsed && typeof parsed === 'object' && 'taskDefinition' in parsed
      ? (parsed as { taskDefinition: unknown }).taskDefinition
      : parsed;
  const problems: string[] = [];
  const fail = (what: string) => problems.push(`${action}: ${input}: ${path}: ${what}`);
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    fail('is not a JSON object; give a task definition as RegisterTaskDefinition takes it');
    throw new ConfigurationError(problems);
  }
  const definition = body as Record<string, unknown>;
  if (typeof definition.family !== 'string' || !/^[A-Za-z0-9_-]{1,255}$/.test(definition.family)) {
    fail('has no valid "family" (letters, digits, hyphens and underscores, up to 255)');
  }
  const containers = definition.containerDefinitions;
  if (!Array.isArray(containers) || containers.length === 0) {
    fail('has no "containerDefinitions" (a non-empty array)');
  } else {
    containers.forEach((container, index) => {
      if (
        !container ||
        typeof container !== 'object' ||
        typeof container.name !== 'string' ||
        !container.name
      ) {
        fail(`containerDefinitions[${index}] has no "name"`);
      }
    });
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return toRegisterInput(definition);
}

/** Essential unless it says otherwise (the ECS default). */
export function isEssential(container: ContainerDefinition): boolean {
  return container.essential !== false;
}

/**
 * The container the image goes into: `name` if given, else the task definition's only essential
 * container. Throws a ConfigurationError (`<action>: container-name: …`) naming the containers otherwise.
 */
export function selectContainer(
  definition: Pick<TaskDefinitionInput, 'containerDefinitions'>,
  name: string | undefined,
  where: string,
  action = 'deploy-ecs',
): ContainerDefinition {
  const containers = definition.containerDefinitions ?? [];
  const names = containers.map((c) => c.name ?? '?');
  if (name !== undefined) {
    const found = containers.find((c) => c.name === name);
    if (found) return found;
    throw new ConfigurationError(
      `${action}: container-name: ${where} has no container named "${name}"; its containers are: ${names.join(', ') || 'none'}`,
    );
  }
  const essential = containers.filter(isEssential);
  if (essential.length === 1) return essential[0] as ContainerDefinition;
  if (essential.length === 0) {
    throw new ConfigurationError(
      `${action}: container-name: ${where} has no essential container; set container-name to one of: ${names.join(', ')}`,
    );
  }
  throw new ConfigurationError(
    `${action}: container-name: ${where} has ${essential.length} essential containers (${essential.map((c) => c.name).join(', ')}); set container-name to the one that runs the image`,
  );
}

/**
 * A copy of `definition` whose container `containerName` runs `image` and has `environment` set (existing
 * variables with those names get the new values; the others are kept in their order).
 */
export function withImage(
  definition: TaskDefinitionInput,
  containerName: string,
  image: string,
  environment: ReadonlyArray<readonly [string, string]> = [],
): TaskDefinitionInput {
  const copy = toRegisterInput(definition as unknown as Record<string, unknown>);
  const container = copy.containerDefinitions?.find((c) => c.name === containerName);
  if (!container) throw new Error(`container ${containerName} not found`);
  container.image = image;
  if (environment.length > 0) {
    const variables: KeyValuePair[] = [...(container.environment ?? [])];
    for (const [name, value] of environment) {
      const existing = variables.find((v) => v.name === name);
      if (existing) existing.value = value;
      else variables.push({ name, value });
    }
    container.environment = variables;
  }
  return copy;
}

/** Environment variables the container takes from `secrets` (they cannot also be plain variables). */
export function secretNames(container: ContainerDefinition): string[] {
  return (container.secrets ?? []).map((s) => s.name ?? '').filter(Boolean);
}

// Values DescribeTaskDefinition fills in when a registration left them out: a template without them
// describes the same task definition.
const FILLED_IN_DEFAULTS: Record<string, (value: unknown) => boolean> = {
  cpu: (v) => v === 0,
  essential: (v) => v === true,
  protocol: (v) => v === 'tcp',
  hostPort: (v) => typeof v === 'number',
  networkMode: (v) => v === 'bridge',
};

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.values(value).every(isEmpty);
  return false;
}

function sortByName(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return [...value].sort((a, b) => String(a?.name).localeCompare(String(b?.name)));
}

/**
 * Differences (as dotted paths) between the task definition that would be registered and the current one.
 * Empty means registering would only add an identical revision. Values the API fills in (cpu 0,
 * essential true, protocol tcp, hostPort) count as equal to their absence; variable order does not matter.
 */
export function taskDefinitionChanges(desired: TaskDefinitionInput, current: TaskDefinitionInput): string[] {
  const changes: string[] = [];
  const compare = (a: unknown, b: unknown, path: string, key: string): void => {
    if (isEmpty(a) && isEmpty(b)) return;
    if (isEmpty(a) || isEmpty(b)) {
      if (!(FILLED_IN_DEFAULTS[key]?.(isEmpty(a) ? b : a) ?? false)) changes.push(path);
      return;
    }
    if (key === 'environment' || key === 'secrets' || key === 'environmentFiles') {
      a = sortByName(a);
      b = sortByName(b);
    }
    if (Array.isArray(a) || Array.isArray(b)) {
      if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) {
        changes.push(path);
        return;
      }
      for (const [i, item] of a.entries()) compare(item, b[i], `${path}[${i}]`, key);
      return;
    }
    if (a && b && typeof a === 'object' && typeof b === 'object') {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const k of keys) {
        compare(
          (a as Record<string, unknown>)[k],
          (b as Record<string, unknown>)[k],
          path ? `${path}.${k}` : k,
          k,
        );
      }
      return;
    }
    if (a !== b) changes.push(path);
  };
  const byName = (d: TaskDefinitionInput) => ({
    ...d,
    containerDefinitions: sortByName(d.containerDefinitions) as ContainerDefinition[],
  });
  compare(byName(desired), byName(current), '', '');
  return changes;
}
