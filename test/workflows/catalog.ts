// What a `uses:` refers to, and what that action or reusable workflow accepts and produces: our actions
// from their action.yml (whatever reference form points at them), third-party actions from a small table
// of their documented inputs and outputs, CloudFormation templates from cloudformation/.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  loadTemplate,
  parseTemplate,
  TEMPLATE_NAMES,
  type TemplateName,
  templateParameters,
} from '../cloudformation/load.js';
import { REPO_ROOT } from '../support/harness.js';

// biome-ignore lint/suspicious/noExplicitAny: YAML is read as untyped data and checked defensively.
type Yaml = any;

/** The repository as published: `deploy-actions/aws-deploy-actions`. */
export const OWN_REPOSITORY = 'deploy-actions/aws-deploy-actions';

export type UsesTarget =
  /** One of our actions: `root` (the repository's action.yml) or a name under actions/. */
  | { kind: 'ours'; action: string }
  /** A reusable workflow of this repository, by its repository-relative path. */
  | { kind: 'workflow'; path: string }
  | { kind: 'third-party'; key: string; name: string; version: string }
  | { kind: 'docker'; image: string };

/**
 * Maps a `uses:` to what it runs. Our actions appear as `deploy-actions/aws-deploy-actions/actions/<name>@v1`,
 * `deploy-actions/aws-deploy-actions@v1`, `./actions/<name>` or `./`; reusable workflows as
 * `./.github/workflows/x.yml` or `deploy-actions/aws-deploy-actions/.github/workflows/x.yml@v1`.
 */
export function resolveUses(uses: string): UsesTarget {
  const value = uses.trim();
  if (value.startsWith('docker://')) return { kind: 'docker', image: value.slice('docker://'.length) };
  let local: string | undefined;
  if (value.startsWith('./')) local = value.slice(2).replace(/\/+$/, '');
  else if (
    value.toLowerCase().startsWith(`${OWN_REPOSITORY}/`) ||
    value.toLowerCase().startsWith(`${OWN_REPOSITORY}@`)
  ) {
    local = value
      .slice(OWN_REPOSITORY.length)
      .replace(/@[^/]*$/, '')
      .replace(/^\/+/, '');
  }
  if (local !== undefined) {
    if (/^\.github\/workflows\/[^/]+\.ya?ml$/.test(local)) return { kind: 'workflow', path: local };
    if (local === '' || local === '.') return { kind: 'ours', action: 'root' };
    const match = /^actions\/([^/]+)$/.exec(local);
    if (match) return { kind: 'ours', action: match[1] as string };
    return { kind: 'ours', action: `?${local}` };
  }
  const at = value.lastIndexOf('@');
  const name = at === -1 ? value : value.slice(0, at);
  const version = at === -1 ? '' : value.slice(at + 1);
  return { kind: 'third-party', key: `${name}@${version}`, name, version };
}

export interface InputSpec {
  required: boolean;
  hasDefault: boolean;
  /** Declared type (reusable workflows only). */
  type?: string;
}

export interface ActionSpec {
  /** Where the spec comes from (for messages). */
  source: string;
  inputs: Record<string, InputSpec>;
  outputs: string[];
}

/**
 * Third-party actions the workflows use, with the inputs and outputs their action.yml documents at the
 * referenced major version. Add a row when a workflow starts using another action.
 */
export const THIRD_PARTY: Record<string, { inputs: string[]; required?: string[]; outputs: string[] }> = {
  'actions/checkout@v4': {
    inputs: [
      'repository',
      'ref',
      'token',
      'ssh-key',
      'ssh-known-hosts',
      'ssh-strict',
      'ssh-user',
      'persist-credentials',
      'path',
      'clean',
      'filter',
      'sparse-checkout',
      'sparse-checkout-cone-mode',
      'fetch-depth',
      'fetch-tags',
      'show-progress',
      'lfs',
      'submodules',
      'set-safe-directory',
      'github-server-url',
    ],
    outputs: ['ref', 'commit'],
  },
  'actions/setup-node@v4': {
    inputs: [
      'node-version',
      'node-version-file',
      'architecture',
      'check-latest',
      'registry-url',
      'scope',
      'token',
      'cache',
      'package-manager-cache',
      'cache-dependency-path',
      'mirror',
      'mirror-token',
      'always-auth',
    ],
    outputs: ['cache-hit', 'node-version'],
  },
  'actions/setup-python@v5': {
    inputs: [
      'python-version',
      'python-version-file',
      'cache',
      'architecture',
      'check-latest',
      'token',
      'cache-dependency-path',
      'update-environment',
      'allow-prereleases',
      'freethreaded',
    ],
    outputs: ['python-version', 'cache-hit', 'python-path'],
  },
  'docker/setup-buildx-action@v3': {
    inputs: [
      'version',
      'driver',
      'driver-opts',
      'buildkitd-flags',
      'buildkitd-config',
      'buildkitd-config-inline',
      'install',
      'use',
      'name',
      'endpoint',
      'platforms',
      'append',
      'keep-state',
      'cache-binary',
      'cleanup',
    ],
    outputs: ['name', 'driver', 'platforms', 'nodes'],
  },
  'aws-actions/configure-aws-credentials@v4': {
    inputs: [
      'aws-region',
      'role-to-assume',
      'aws-access-key-id',
      'aws-secret-access-key',
      'aws-session-token',
      'web-identity-token-file',
      'role-chaining',
      'audience',
      'http-proxy',
      'mask-aws-account-id',
      'role-duration-seconds',
      'role-external-id',
      'role-session-name',
      'role-skip-session-tagging',
      'inline-session-policy',
      'managed-session-policies',
      'output-credentials',
      'unset-current-credentials',
      'disable-retry',
      'retry-max-attempts',
      'special-characters-workaround',
    ],
    required: ['aws-region'],
    outputs: ['aws-account-id', 'aws-access-key-id', 'aws-secret-access-key', 'aws-session-token'],
  },
  // https://github.com/actions/create-github-app-token (action.yml); permission-<name> inputs as documented.
  'actions/create-github-app-token@v2': {
    inputs: [
      'app-id',
      'client-id',
      'private-key',
      'owner',
      'repositories',
      'skip-token-revoke',
      'github-api-url',
      'permission-contents',
      'permission-issues',
      'permission-members',
      'permission-metadata',
      'permission-pull-requests',
    ],
    required: ['private-key'],
    outputs: ['token', 'installation-id', 'app-slug'],
  },
};

/** A container action (`docker://image`) takes only these. */
const DOCKER_INPUTS = ['args', 'entrypoint'];

export function actionFolder(action: string): string {
  return action === 'root' ? REPO_ROOT : join(REPO_ROOT, 'actions', action);
}

export function actionMetadataPath(action: string): string {
  return join(actionFolder(action), 'action.yml');
}

/** The spec of what `uses` refers to, or a reason it has none. */
export function specOf(target: UsesTarget): ActionSpec | { missing: string } {
  switch (target.kind) {
    case 'ours': {
      if (target.action.startsWith('?'))
        return { missing: `${target.action.slice(1)} is not an action of this repository` };
      const file = actionMetadataPath(target.action);
      if (!existsSync(file)) return { missing: `${relativeName(target.action)} does not exist` };
      // biome-ignore lint/suspicious/noExplicitAny: action.yml is read as data.
      let meta: any;
      try {
        meta = parseYaml(readFileSync(file, 'utf8')) ?? {};
      } catch (error) {
        return {
          missing: `${relativeName(target.action)} is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
        };
      }
      const inputs: Record<string, InputSpec> = {};
      for (const [name, spec] of Object.entries<Yaml>(meta.inputs ?? {})) {
        inputs[name] = { required: spec?.required === true, hasDefault: spec?.default !== undefined };
      }
      return { source: relativeName(target.action), inputs, outputs: Object.keys(meta.outputs ?? {}) };
    }
    case 'workflow': {
      const file = join(REPO_ROOT, target.path);
      if (!existsSync(file)) return { missing: `${target.path} does not exist` };
      try {
        return workflowCallSpec(target.path, readFileSync(file, 'utf8'));
      } catch (error) {
        return { missing: `${target.path} is not valid YAML: ${(error as Error).message.split('\n')[0]}` };
      }
    }
    case 'third-party': {
      const row = THIRD_PARTY[target.key];
      if (!row)
        return {
          missing: `${target.key} is not in the declared third-party table (test/workflows/catalog.ts)`,
        };
      const inputs: Record<string, InputSpec> = {};
      for (const name of row.inputs)
        inputs[name] = { required: row.required?.includes(name) ?? false, hasDefault: false };
      return { source: target.key, inputs, outputs: row.outputs };
    }
    case 'docker': {
      const inputs: Record<string, InputSpec> = {};
      for (const name of DOCKER_INPUTS) inputs[name] = { required: false, hasDefault: false };
      return { source: `docker://${target.image}`, inputs, outputs: [] };
    }
  }
}

export function relativeName(action: string): string {
  return action === 'root' ? 'action.yml' : `actions/${action}/action.yml`;
}

/** A reusable workflow's interface: `on.workflow_call` inputs (with types), secrets, outputs. */
export function workflowCallSpec(
  path: string,
  text: string,
): ActionSpec & { secrets: Record<string, InputSpec>; callable: boolean } {
  // biome-ignore lint/suspicious/noExplicitAny: workflow YAML is read as data.
  const data = (parseYaml(text) ?? {}) as any;
  const on = data.on ?? data.true;
  const call = on && typeof on === 'object' && !Array.isArray(on) ? on.workflow_call : undefined;
  const callable =
    call !== undefined || on === 'workflow_call' || (Array.isArray(on) && on.includes('workflow_call'));
  const inputs: Record<string, InputSpec> = {};
  for (const [name, spec] of Object.entries<Yaml>(call?.inputs ?? {})) {
    inputs[name] = {
      required: spec?.required === true,
      hasDefault: spec?.default !== undefined,
      type: spec?.type,
    };
  }
  const secrets: Record<string, InputSpec> = {};
  for (const [name, spec] of Object.entries<Yaml>(call?.secrets ?? {})) {
    secrets[name] = { required: spec?.required === true, hasDefault: false };
  }
  return { source: path, inputs, outputs: Object.keys(call?.outputs ?? {}), secrets, callable };
}

// ---- CloudFormation templates ---------------------------------------------------------------------------

export interface TemplateInterface {
  file: string;
  /** Each parameter: whether it has a Default, and its AllowedValues if fixed. */
  parameters: Record<string, { hasDefault: boolean; allowed?: string[] }>;
  outputs: string[];
}

/**
 * A template's parameters and outputs, read with the CloudFormation tests' loader (test/cloudformation/
 * load.ts: short-form intrinsic tags understood); parameters through its `templateParameters`.
 */
export function readTemplate(file: string): TemplateInterface {
  const name = /^cloudformation\/([^/]+)\.ya?ml$/.exec(file)?.[1];
  const known = (TEMPLATE_NAMES as readonly string[]).includes(name ?? '');
  const template = known
    ? loadTemplate(name as TemplateName)
    : parseTemplate(readFileSync(join(REPO_ROOT, file), 'utf8'));
  const summaries = known ? templateParameters(name as TemplateName) : (template.Parameters ?? {});
  const parameters: TemplateInterface['parameters'] = {};
  for (const [key, summary] of Object.entries(summaries)) {
    parameters[key] = {
      hasDefault: summary.Default !== undefined,
      allowed: summary.AllowedValues?.map(String),
    };
  }
  return { file, parameters, outputs: Object.keys(template.Outputs ?? {}) };
}
