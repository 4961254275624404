// A small GitHub Actions runner for the e2e test: it executes a workflow (the reusable pipeline, called with
// workflow_call inputs and secrets) job by job in `needs` order, the way GitHub does: job and step `if:`s
// with the status functions, `${{ }}` in `with:`/`env:`/`run:` evaluated with GitHub's expression library,
// our actions run from their committed bundles (test/support/harness.ts), `run:` steps with bash and the
// GITHUB_OUTPUT/GITHUB_ENV/GITHUB_PATH files, third-party actions stood in with their documented outputs
// and environment effects, job outputs, environments and concurrency groups evaluated and recorded. A job
// that names an environment passes its protection rules first (`environmentGate`): with required reviewers
// it waits for a review, and a rejection (or no review: GitHub fails the job after 30 days) fails the job
// without running a step.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import { truthy } from '@actions/expressions/result';
import { parse as parseYaml } from 'yaml';
import { type Contexts, evaluateCondition, interpolate } from '../support/expressions.js';
import {
  githubEnv,
  node24,
  parseOutputFile,
  REPO_ROOT,
  readActionMetadata,
  runAction,
} from '../support/harness.js';
import { resolveUses, THIRD_PARTY } from '../workflows/catalog.js';
import { workflowParser } from '../workflows/github-parser.js';

export type JobResult = 'success' | 'failure' | 'skipped' | 'cancelled';
export type StepOutcome = 'success' | 'failure' | 'skipped';

export interface StepRecord {
  index: number;
  id?: string;
  name: string;
  /** `uses:` as written, or undefined for a `run:` step. */
  uses?: string;
  /** Our action's name (`root` for the repository's action.yml), when the step ran one. */
  action?: string;
  outcome: StepOutcome;
  conclusion: StepOutcome;
  /** The evaluated `with:`. */
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  /** Environment variables the step exported for later steps (GITHUB_ENV). */
  exported: Record<string, string>;
  exitCode?: number | null;
  stdout: string;
  stderr: string;
  summary: string;
  /** The error annotations / the stand-in's failure message. */
  errors: string[];
  durationMs: number;
}

/** What an environment's protection rules decided for a job that names it. */
export type EnvironmentDecision =
  | { state: 'unprotected' }
  | { state: 'approved' | 'rejected'; reviewer: string }
  /** Nobody reviewed: GitHub fails a job that waits longer than 30 days ("Reviewing deployments"). */
  | { state: 'expired' };

export interface JobRecord {
  id: string;
  name: string;
  result: JobResult;
  outputs: Record<string, string>;
  environment?: { name: string; url: string };
  /** The protection rules' decision, for a job that names an environment (with `environmentGate`). */
  review?: EnvironmentDecision;
  concurrency?: { group: string; cancelInProgress: boolean };
  /** The GITHUB_TOKEN permissions the job ran with. */
  permissions: Record<string, string>;
  steps: StepRecord[];
  /** Runner warnings (e.g. an output skipped because it may contain a secret). */
  warnings: string[];
  startedAt: number;
  finishedAt: number;
}

export interface WorkflowRun {
  /** The run's conclusion: failure when a job failed, success otherwise. */
  result: 'success' | 'failure';
  /** Job ids in the order they ran (or were skipped). */
  order: string[];
  jobs: Record<string, JobRecord>;
  /** The workflow_call outputs. */
  outputs: Record<string, string>;
}

export interface CheckoutRequest {
  workspace: string;
  job: string;
  with: Record<string, string>;
}

export interface RunWorkflowOptions {
  /** Repository-relative path of the workflow; default the reusable pipeline. */
  workflow?: string;
  /** The workflow's text (default: read from `workflow`). */
  text?: string;
  /** What the caller's `with:` passes (workflow_call inputs). */
  inputs?: Record<string, string | number | boolean>;
  /** What the caller's `secrets:` passes. */
  secrets?: Record<string, string>;
  /**
   * The caller says `secrets: inherit`: every secret in `secrets` reaches the workflow under its own name,
   * declared or not (what GitHub passes are the repository's secrets, e.g. SLACK_BOT_TOKEN).
   */
  inheritSecrets?: boolean;
  /** The environment's protection rules for a job that names one (default: no rules, the job runs). */
  environmentGate?: (request: {
    job: string;
    environment: string;
  }) => EnvironmentDecision | Promise<EnvironmentDecision>;
  vars?: Record<string, string>;
  /** Overrides of the github context (event_name, run_id, sha, …). */
  github?: Record<string, unknown>;
  /** The runner machine's environment for every step (the local endpoints' variables go here). */
  env?: Record<string, string>;
  /** Populates a job's workspace for actions/checkout. */
  checkout?: (request: CheckoutRequest) => void;
  /** The GITHUB_TOKEN a job gets, given its permissions (e.g. registered with the local GitHub endpoint). */
  jobToken?: (job: string, permissions: Record<string, string>) => string;
  /** Called after each job with its record (e.g. to set up a scenario for the next one). */
  afterJob?: (job: JobRecord) => void | Promise<void>;
  /** Called before a job's steps run (after its `if:` said it runs). */
  beforeJob?: (job: string) => void | Promise<void>;
  /** The permissions the caller grants (its job's or workflow's `permissions:`); default every scope write. */
  callerPermissions?: Record<string, string>;
  /** Per-step time limit (default 120 s). */
  stepTimeoutMs?: number;
  /** Keep job workspaces (for debugging). */
  keepWorkspaces?: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: workflow YAML is untyped data.
type Yaml = any;

const DEFAULT_GITHUB = (() => {
  const env = githubEnv('/workspace', '/tmp');
  return {
    event_name: env.GITHUB_EVENT_NAME,
    ref: env.GITHUB_REF,
    ref_name: env.GITHUB_REF_NAME,
    ref_type: 'branch',
    sha: env.GITHUB_SHA,
    repository: env.GITHUB_REPOSITORY,
    repository_owner: env.GITHUB_REPOSITORY_OWNER,
    actor: env.GITHUB_ACTOR,
    triggering_actor: env.GITHUB_TRIGGERING_ACTOR,
    workflow: env.GITHUB_WORKFLOW,
    run_id: env.GITHUB_RUN_ID,
    run_number: env.GITHUB_RUN_NUMBER,
    run_attempt: env.GITHUB_RUN_ATTEMPT,
    server_url: env.GITHUB_SERVER_URL,
    api_url: env.GITHUB_API_URL,
    event: { ref: env.GITHUB_REF, after: env.GITHUB_SHA },
  } as Record<string, unknown>;
})();

// ---- workflow loading and validation -------------------------------------------------------------------------

export function loadWorkflow(file: string, text: string): Yaml {
  const { parseWorkflow, NoOperationTraceWriter } = workflowParser;
  const result = parseWorkflow({ name: file, content: text }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((e) => e.message);
  if (errors.length) throw new Error(`${file} is not a valid workflow:\n${errors.join('\n')}`);
  return parseYaml(text);
}

/** Job ids in `needs` order; among jobs that are ready at once, file order. */
export function jobOrder(jobs: Record<string, Yaml>): string[] {
  const ids = Object.keys(jobs);
  const needs = new Map(ids.map((id) => [id, asList(jobs[id]?.needs)]));
  for (const [id, list] of needs)
    for (const need of list)
      if (!needs.has(need)) throw new Error(`job ${id} needs ${need}, which does not exist`);
  const order: string[] = [];
  const done = new Set<string>();
  while (order.length < ids.length) {
    const next = ids.find((id) => !done.has(id) && (needs.get(id) ?? []).every((n) => done.has(n)));
    if (!next) throw new Error(`the needs of ${ids.filter((id) => !done.has(id)).join(', ')} form a cycle`);
    order.push(next);
    done.add(next);
  }
  return order;
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') return [value];
  return [];
}

/** The workflow_call inputs as the called workflow sees them: the caller's values, else the defaults, typed. */
export function callInputs(
  declared: Record<string, Yaml>,
  given: Record<string, string | number | boolean>,
): Record<string, string | number | boolean> {
  for (const name of Object.keys(given))
    if (!(name in declared))
      throw new Error(`Invalid input, ${name} is not defined in the referenced workflow.`);
  const inputs: Record<string, string | number | boolean> = {};
  for (const [name, spec] of Object.entries<Yaml>(declared)) {
    const value = name in given ? given[name] : spec?.default;
    if (value === undefined) {
      if (spec?.required) throw new Error(`Input ${name} is required, but not provided while calling.`);
      inputs[name] = spec?.type === 'boolean' ? false : spec?.type === 'number' ? 0 : '';
      continue;
    }
    if (spec?.type === 'number') {
      const number = typeof value === 'number' ? value : Number(value);
      if (Number.isNaN(number)) throw new Error(`Input ${name}: ${JSON.stringify(value)} is not a number`);
      inputs[name] = number;
    } else if (spec?.type === 'boolean') {
      if (typeof value !== 'boolean' && value !== 'true' && value !== 'false')
        throw new Error(`Input ${name}: ${JSON.stringify(value)} is not a boolean`);
      inputs[name] = value === true || value === 'true';
    } else inputs[name] = String(value);
  }
  return inputs;
}

// ---- expressions -----------------------------------------------------------------------------------------------

/** A `with:`/`env:` value as the runner passes it: a string, `${{ }}` replaced. */
function stringValue(value: unknown, contexts: Contexts, status: { failed?: boolean }): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return interpolate(value, contexts, status);
  return String(value);
}

function evaluateMap(
  map: unknown,
  contexts: Contexts,
  status: { failed?: boolean } = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  if (!map || typeof map !== 'object') return out;
  for (const [key, value] of Object.entries(map as Record<string, unknown>))
    out[key] = stringValue(value, contexts, status);
  return out;
}

/**
 * A job's `if:`: success() is true when every job it needs (directly or not) succeeded, failure() when one
 * of them failed; a condition without a status function is `success() && (…)`.
 */
export function evaluateJobCondition(
  condition: string | undefined,
  contexts: Contexts,
  ancestors: JobResult[],
): boolean {
  const succeeded = ancestors.every((r) => r === 'success');
  const failed = ancestors.some((r) => r === 'failure');
  const cancelled = ancestors.some((r) => r === 'cancelled');
  let text = (condition ?? '').trim();
  if (text.startsWith('${{') && text.endsWith('}}')) text = text.slice(3, -2).trim();
  if (text === '') return succeeded;
  if (!/\b(success|failure|cancelled|always)\s*\(/.test(text)) text = `success() && (${text})`;
  const fn = (name: string, value: boolean) => ({
    name,
    minArgs: 0,
    maxArgs: 0,
    call: () => new data.BooleanData(value),
  });
  const functions = [
    fn('success', succeeded && !cancelled),
    fn('failure', failed && !cancelled),
    fn('cancelled', cancelled),
    fn('always', true),
  ];
  const parsed = new Parser(new Lexer(text).lex().tokens, Object.keys(contexts), functions).parse();
  const dictionary = JSON.parse(JSON.stringify(contexts), data.reviver) as data.Dictionary;
  const result = new Evaluator(parsed, dictionary, new Map(functions.map((f) => [f.name, f]))).evaluate();
  return truthy(result);
}

// ---- permissions ---------------------------------------------------------------------------------------------

const SCOPES = [
  'actions',
  'checks',
  'contents',
  'deployments',
  'id-token',
  'issues',
  'packages',
  'pages',
  'pull-requests',
  'statuses',
];

/** The permissions a job's GITHUB_TOKEN has: the job's block, else the workflow's, else the caller's. */
export function effectivePermissions(
  job: Yaml,
  workflow: Yaml,
  caller: Record<string, string>,
): Record<string, string> {
  const block = job?.permissions ?? workflow?.permissions;
  let own: Record<string, string>;
  if (block === undefined) return { ...caller };
  if (block === 'read-all')
    own = Object.fromEntries(SCOPES.map((s) => [s, s === 'id-token' ? 'none' : 'read']));
  else if (block === 'write-all') own = Object.fromEntries(SCOPES.map((s) => [s, 'write']));
  else own = { ...(block ?? {}) };
  // A called workflow can only keep or lower what its caller grants.
  const rank = (level: string | undefined) => ['none', 'read', 'write'].indexOf(level ?? 'none');
  for (const [scope, level] of Object.entries(own))
    if (rank(level) > rank(caller[scope])) own[scope] = caller[scope] ?? 'none';
  return own;
}

// ---- processes ---------------------------------------------------------------------------------------------------

interface Spawned {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs: number },
): Promise<Spawned> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') stderr += `\n[runner] the step did not finish within ${options.timeoutMs} ms`;
      resolvePromise({ code, stdout, stderr });
    });
  });
}

function readIfExists(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

// ---- third-party stand-ins --------------------------------------------------------------------------------------

interface StandInContext {
  with: Record<string, string>;
  workspace: string;
  job: string;
  permissions: Record<string, string>;
  github: Record<string, unknown>;
  env: Record<string, string>;
  checkout?: RunWorkflowOptions['checkout'];
}

interface StandInResult {
  outputs: Record<string, string>;
  exportEnv?: Record<string, string>;
  addPath?: string[];
  /** Set when the real action would fail, with its message. */
  failure?: string;
}

/**
 * Third-party actions, stood in with what their documentation says they produce. Inputs are checked against
 * the declared table in test/workflows/catalog.ts, as the runner warns about unexpected ones.
 */
const STAND_INS: Record<string, (ctx: StandInContext) => Promise<StandInResult> | StandInResult> = {
  'actions/checkout@v4': (ctx): StandInResult => {
    if (ctx.permissions.contents !== 'read' && ctx.permissions.contents !== 'write')
      return {
        outputs: {},
        failure: 'actions/checkout: the job has no contents permission to fetch the repository',
      };
    ctx.checkout?.({ workspace: ctx.workspace, job: ctx.job, with: ctx.with });
    return { outputs: { ref: String(ctx.github.ref), commit: String(ctx.github.sha) } };
  },
  'actions/setup-node@v4': async (ctx): Promise<StandInResult> => {
    const binary = node24();
    const version = (
      await run(binary, ['--version'], { cwd: ctx.workspace, env: ctx.env, timeoutMs: 10_000 })
    ).stdout.trim();
    const wanted = ctx.with['node-version'] ?? '';
    if (wanted && !version.startsWith(`v${wanted.replace(/^v/, '').replace(/\.x$/, '')}`))
      return {
        outputs: {},
        failure: `setup-node stand-in provides ${version} only, the step asks for ${wanted}`,
      };
    return { outputs: { 'node-version': version, 'cache-hit': 'false' }, addPath: [dirname(binary)] };
  },
  'actions/setup-python@v5': () => ({
    outputs: { 'python-version': '3.11.9', 'cache-hit': 'false', 'python-path': '/usr/bin/python3' },
  }),
  'docker/setup-buildx-action@v3': () => ({
    outputs: {
      name: `builder-${randomUUID()}`,
      driver: 'docker-container',
      platforms: 'linux/amd64,linux/arm64',
      nodes: '[]',
    },
  }),
  'aws-actions/configure-aws-credentials@v4': (ctx): StandInResult => {
    const region = ctx.with['aws-region'];
    if (!region) return { outputs: {}, failure: 'Input required and not supplied: aws-region' };
    const role = ctx.with['role-to-assume'];
    const keys = ctx.with['aws-access-key-id'] && ctx.with['aws-secret-access-key'];
    if (!role && !keys)
      return { outputs: {}, failure: 'Credentials could not be loaded, please check your action inputs' };
    let account = '123456789012';
    if (role) {
      const match = /^arn:aws[\w-]*:iam::(\d{12}):role\/[\w+=,.@/-]+$/.exec(role);
      if (!match)
        return { outputs: {}, failure: `Could not assume role ${JSON.stringify(role)}: not an IAM role ARN` };
      account = match[1] as string;
      if (!keys && ctx.permissions['id-token'] !== 'write')
        return {
          outputs: {},
          failure:
            'It looks like you might be trying to authenticate with OIDC. Did you mean to set the `id-token` permission?',
        };
    }
    return {
      outputs: { 'aws-account-id': account },
      exportEnv: {
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        AWS_ACCESS_KEY_ID: ctx.env.AWS_ACCESS_KEY_ID ?? 'ASIAE2ESTANDIN000000',
        AWS_SECRET_ACCESS_KEY: ctx.env.AWS_SECRET_ACCESS_KEY ?? 'e2e-stand-in-secret',
        AWS_SESSION_TOKEN: `e2e-session-${ctx.job}`,
      },
    };
  },
};

// ---- the run --------------------------------------------------------------------------------------------------------

export async function runWorkflow(options: RunWorkflowOptions = {}): Promise<WorkflowRun> {
  const file = options.workflow ?? '.github/workflows/pipeline.yml';
  const text = options.text ?? readFileSync(join(REPO_ROOT, file), 'utf8');
  const workflow = loadWorkflow(file, text);
  const on = workflow.on ?? {};
  const call = typeof on === 'object' && !Array.isArray(on) ? on.workflow_call : undefined;
  const github: Record<string, unknown> = {
    ...DEFAULT_GITHUB,
    workflow: workflow.name ?? file,
    ...options.github,
  };
  const inputs = callInputs(call?.inputs ?? {}, options.inputs ?? {});
  const secrets: Record<string, string> = {};
  for (const name of Object.keys(options.secrets ?? {}))
    if (call && !options.inheritSecrets && !(name in (call.secrets ?? {})))
      throw new Error(`Invalid secret, ${name} is not defined in the referenced workflow.`);
  // A workflow that is not called (push, pull_request) sees every repository secret, as does a called one
  // with `secrets: inherit`.
  if (!call || options.inheritSecrets) Object.assign(secrets, options.secrets);
  for (const [name, spec] of Object.entries<Yaml>(call?.secrets ?? {})) {
    const value = options.secrets?.[name];
    if (value === undefined && spec?.required)
      throw new Error(`Secret ${name} is required, but not provided while calling.`);
    secrets[name] = value ?? secrets[name] ?? '';
  }
  const secretValues = Object.values(secrets).filter((v) => v.length >= 4);
  const vars = options.vars ?? {};
  const callerPermissions: Record<string, string> =
    options.callerPermissions ?? Object.fromEntries(SCOPES.map((s) => [s, 'write']));
  const workflowEnv = evaluateMap(workflow.env, { github, inputs, secrets, vars });

  const jobs: Record<string, JobRecord> = {};
  const order = jobOrder(workflow.jobs ?? {});
  const ancestorsOf = (id: string): string[] => {
    const seen = new Set<string>();
    const visit = (job: string) => {
      for (const need of asList(workflow.jobs[job]?.needs)) {
        if (seen.has(need)) continue;
        seen.add(need);
        visit(need);
      }
    };
    visit(id);
    return [...seen];
  };

  for (const id of order) {
    const job = workflow.jobs[id] ?? {};
    const needs: Record<string, { result: JobResult; outputs: Record<string, string> }> = {};
    for (const need of asList(job.needs)) {
      const record = jobs[need] as JobRecord;
      needs[need] = { result: record.result, outputs: record.outputs };
    }
    const base = { github, inputs, vars, needs };
    const permissions = effectivePermissions(job, workflow, callerPermissions);
    const record: JobRecord = {
      id,
      name: stringValue(job.name ?? id, { ...base, strategy: {}, matrix: {} }, {}),
      result: 'skipped',
      outputs: {},
      permissions,
      steps: [],
      warnings: [],
      startedAt: Date.now(),
      finishedAt: Date.now(),
    };
    jobs[id] = record;
    const runs = evaluateJobCondition(
      job.if === undefined ? undefined : String(job.if),
      base,
      ancestorsOf(id).map((a) => (jobs[a] as JobRecord).result),
    );
    if (runs) {
      await options.beforeJob?.(id);
      await runJob(id, job, record, {
        base,
        secrets,
        secretValues,
        workflowEnv,
        options,
        github,
      });
    }
    record.finishedAt = Date.now();
    await options.afterJob?.(record);
  }

  const outputs: Record<string, string> = {};
  const jobsContext = Object.fromEntries(
    Object.values(jobs).map((j) => [j.id, { result: j.result, outputs: j.outputs }]),
  );
  for (const [name, spec] of Object.entries<Yaml>(call?.outputs ?? {}))
    outputs[name] = stringValue(spec?.value, { github, inputs, vars, jobs: jobsContext }, {});
  const result = Object.values(jobs).some((j) => j.result === 'failure') ? 'failure' : 'success';
  return { result, order, jobs, outputs };
}

interface JobScope {
  base: {
    github: Record<string, unknown>;
    inputs: Record<string, unknown>;
    vars: Record<string, string>;
    needs: Record<string, unknown>;
  };
  secrets: Record<string, string>;
  secretValues: string[];
  workflowEnv: Record<string, string>;
  options: RunWorkflowOptions;
  github: Record<string, unknown>;
}

async function runJob(id: string, job: Yaml, record: JobRecord, scope: JobScope): Promise<void> {
  const { base, secrets, options, github } = scope;
  const scratch = mkdtempSync(join(tmpdir(), `e2e-job-${id}-`));
  const workspace = join(scratch, 'workspace');
  const runnerTemp = join(scratch, 'runner-temp');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(runnerTemp, { recursive: true });
  const token = options.jobToken?.(id, record.permissions) ?? '';
  const github_ = { ...github, token, job: id, workspace, action_path: '' };
  const runner = {
    os: 'Linux',
    arch: 'X64',
    name: 'e2e-runner',
    temp: runnerTemp,
    tool_cache: join(scratch, 'tool-cache'),
  };
  const startContexts = { ...base, github: github_, strategy: {}, matrix: {} };

  if (job.concurrency !== undefined) {
    const c = job.concurrency;
    record.concurrency =
      typeof c === 'string'
        ? { group: stringValue(c, startContexts, {}), cancelInProgress: false }
        : {
            group: stringValue(c.group, startContexts, {}),
            cancelInProgress: c['cancel-in-progress'] === true,
          };
  }
  const environmentName =
    job.environment === undefined
      ? undefined
      : stringValue(
          typeof job.environment === 'string' ? job.environment : job.environment.name,
          startContexts,
          {},
        );

  if (environmentName !== undefined && options.environmentGate) {
    // Protection rules run before the job gets a runner: nothing of a rejected job runs.
    record.review = await options.environmentGate({ job: id, environment: environmentName });
    if (record.review.state === 'rejected' || record.review.state === 'expired') {
      record.result = 'failure';
      record.warnings.push(
        record.review.state === 'rejected'
          ? `The deployment to ${environmentName} was rejected by ${record.review.reviewer}.`
          : `No required reviewer approved the deployment to ${environmentName}.`,
      );
      if (!options.keepWorkspaces) rmSync(scratch, { recursive: true, force: true });
      return;
    }
  }

  const jobEnv = evaluateMap(job.env, {
    ...startContexts,
    secrets,
    env: scope.workflowEnv,
    runner,
    job: { status: 'success' },
  });
  const exported: Record<string, string> = {};
  const extraPath: string[] = [];
  const steps: Record<
    string,
    { outputs: Record<string, string>; outcome: StepOutcome; conclusion: StepOutcome }
  > = {};
  let failed = false;
  const stepTimeoutMs = options.stepTimeoutMs ?? 120_000;
  const defaultsDir: string | undefined = job.defaults?.run?.['working-directory'];

  const list: Yaml[] = Array.isArray(job.steps) ? job.steps : [];
  for (const [index, step] of list.entries()) {
    const envContext = { ...scope.workflowEnv, ...jobEnv, ...exported };
    const jobStatus = failed ? 'failure' : 'success';
    const contexts: Contexts = {
      ...startContexts,
      secrets,
      env: envContext,
      steps,
      job: { status: jobStatus },
      runner,
    };
    const uses: string | undefined = typeof step.uses === 'string' ? step.uses : undefined;
    const target = uses ? resolveUses(uses) : undefined;
    const stepRecord: StepRecord = {
      index,
      id: typeof step.id === 'string' ? step.id : undefined,
      name: step.name
        ? stringValue(step.name, contexts, { failed })
        : (uses ?? `Run ${String(step.run).split('\n')[0]}`),
      uses,
      action: target?.kind === 'ours' ? target.action : undefined,
      outcome: 'skipped',
      conclusion: 'skipped',
      inputs: {},
      outputs: {},
      exported: {},
      stdout: '',
      stderr: '',
      summary: '',
      errors: [],
      durationMs: 0,
    };
    record.steps.push(stepRecord);
    const condition = step.if === undefined ? undefined : String(step.if);
    if (evaluateCondition(condition, contexts, { failed })) {
      const started = Date.now();
      const stepEnv = evaluateMap(step.env, contexts, { failed });
      const withValues = evaluateMap(
        step.with,
        { ...contexts, env: { ...envContext, ...stepEnv } },
        { failed },
      );
      stepRecord.inputs = withValues;
      const env: Record<string, string> = {
        ...(options.env ?? {}),
        ...scope.workflowEnv,
        ...jobEnv,
        ...exported,
        ...stepEnv,
        GITHUB_TOKEN: token,
        GITHUB_JOB: id,
        GITHUB_EVENT_NAME: String(github.event_name),
        GITHUB_SHA: String(github.sha),
        GITHUB_REF: String(github.ref),
        GITHUB_RUN_ID: String(github.run_id),
        GITHUB_RUN_NUMBER: String(github.run_number),
        GITHUB_REPOSITORY: String(github.repository),
        GITHUB_ACTOR: String(github.actor),
        GITHUB_WORKFLOW: String(github.workflow),
        TEST_JOB_STATUS: jobStatus,
      };
      env.PATH = [...extraPath, options.env?.PATH ?? process.env.PATH ?? ''].join(delimiter);
      let ok = false;
      try {
        if (step.run !== undefined) {
          ok = await runScript(step, stepRecord, {
            contexts,
            failed,
            env,
            workspace,
            runnerTemp,
            defaultsDir,
            exported,
            extraPath,
            timeoutMs: stepTimeoutMs,
          });
        } else if (target?.kind === 'ours') {
          // The runner warns about inputs the action does not declare and leaves them out.
          const declared = readActionMetadata(target.action).inputs;
          const unexpected = Object.keys(withValues).filter((name) => !(name in declared));
          if (unexpected.length)
            record.warnings.push(
              `Unexpected input(s) '${unexpected.join("', '")}', valid inputs are ['${Object.keys(declared).join("', '")}']`,
            );
          const result = await runAction(target.action, {
            inputs: Object.fromEntries(Object.entries(withValues).filter(([name]) => name in declared)),
            env: { ...env, RUNNER_TEMP: runnerTemp },
            cwd: workspace,
            timeoutMs: stepTimeoutMs,
          });
          stepRecord.exitCode = result.code;
          stepRecord.stdout = result.stdout;
          stepRecord.stderr = result.stderr;
          stepRecord.summary = result.summary;
          stepRecord.outputs = result.outputs;
          stepRecord.errors = result.errors();
          ok = result.code === 0;
        } else if (target?.kind === 'third-party') {
          const standIn = STAND_INS[target.key];
          const declared = THIRD_PARTY[target.key];
          if (!standIn || !declared) throw new Error(`no stand-in for ${target.key}`);
          for (const key of Object.keys(withValues))
            if (!declared.inputs.includes(key))
              record.warnings.push(`Unexpected input '${key}' for ${target.key}`);
          const result = await standIn({
            with: withValues,
            workspace,
            job: id,
            permissions: record.permissions,
            github: github_,
            env,
            checkout: options.checkout,
          });
          stepRecord.outputs = result.outputs;
          if (result.failure) stepRecord.errors = [result.failure];
          Object.assign(exported, result.exportEnv ?? {});
          Object.assign(stepRecord.exported, result.exportEnv ?? {});
          extraPath.unshift(...(result.addPath ?? []));
          ok = !result.failure;
        } else {
          throw new Error(`the runner cannot run ${uses ?? 'this step'}`);
        }
      } catch (error) {
        stepRecord.errors.push(`[runner] ${(error as Error).message}`);
        ok = false;
      }
      stepRecord.outcome = ok ? 'success' : 'failure';
      stepRecord.conclusion = ok || step['continue-on-error'] === true ? 'success' : 'failure';
      stepRecord.durationMs = Date.now() - started;
      if (stepRecord.conclusion === 'failure') failed = true;
    }
    if (stepRecord.id)
      steps[stepRecord.id] = {
        outputs: stepRecord.outputs,
        outcome: stepRecord.outcome,
        conclusion: stepRecord.conclusion,
      };
  }

  record.result = failed ? 'failure' : 'success';
  const endContexts: Contexts = {
    ...startContexts,
    secrets,
    env: { ...scope.workflowEnv, ...jobEnv, ...exported },
    steps,
    job: { status: record.result },
    runner,
  };
  for (const [name, value] of Object.entries<Yaml>(job.outputs ?? {})) {
    const evaluated = stringValue(value, endContexts, { failed });
    if (scope.secretValues.some((secret) => evaluated.includes(secret))) {
      record.warnings.push(`Skip output '${name}' since it may contain secret.`);
      record.outputs[name] = '';
    } else record.outputs[name] = evaluated;
  }
  if (environmentName !== undefined) {
    const url = typeof job.environment === 'object' ? job.environment.url : undefined;
    record.environment = {
      name: environmentName,
      url: url === undefined ? '' : stringValue(url, endContexts, { failed }),
    };
  }
  if (!options.keepWorkspaces) rmSync(scratch, { recursive: true, force: true });
}

async function runScript(
  step: Yaml,
  stepRecord: StepRecord,
  ctx: {
    contexts: Contexts;
    failed: boolean;
    env: Record<string, string>;
    workspace: string;
    runnerTemp: string;
    defaultsDir?: string;
    exported: Record<string, string>;
    extraPath: string[];
    timeoutMs: number;
  },
): Promise<boolean> {
  const shell = step.shell ?? 'bash';
  if (shell !== 'bash') throw new Error(`the runner runs bash steps only, not ${shell}`);
  const script = interpolate(String(step.run), ctx.contexts, { failed: ctx.failed });
  const files = mkdtempSync(join(ctx.runnerTemp, 'step-'));
  const scriptFile = join(files, 'script.sh');
  writeFileSync(scriptFile, script);
  const outputFile = join(files, 'output');
  const envFile = join(files, 'env');
  const pathFile = join(files, 'path');
  const summaryFile = join(files, 'summary');
  for (const f of [outputFile, envFile, pathFile, summaryFile]) writeFileSync(f, '');
  const dir = step['working-directory'] ?? ctx.defaultsDir;
  const evaluatedDir =
    dir === undefined ? undefined : interpolate(String(dir), ctx.contexts, { failed: ctx.failed });
  const cwd = evaluatedDir
    ? isAbsolute(evaluatedDir)
      ? evaluatedDir
      : join(ctx.workspace, evaluatedDir)
    : ctx.workspace;
  const env = {
    ...ctx.env,
    HOME: process.env.HOME ?? '/root',
    GITHUB_WORKSPACE: ctx.workspace,
    RUNNER_TEMP: ctx.runnerTemp,
    GITHUB_OUTPUT: outputFile,
    GITHUB_ENV: envFile,
    GITHUB_PATH: pathFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
  };
  const result = await run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', scriptFile], {
    cwd,
    env,
    timeoutMs: ctx.timeoutMs,
  });
  stepRecord.exitCode = result.code;
  stepRecord.stdout = result.stdout;
  stepRecord.stderr = result.stderr;
  stepRecord.outputs = parseOutputFile(readIfExists(outputFile));
  stepRecord.summary = readIfExists(summaryFile);
  const exportedNow = parseOutputFile(readIfExists(envFile));
  Object.assign(ctx.exported, exportedNow);
  Object.assign(stepRecord.exported, exportedNow);
  ctx.extraPath.unshift(...readIfExists(pathFile).split('\n').filter(Boolean).reverse());
  if (result.code !== 0) stepRecord.errors.push(`Process completed with exit code ${result.code}.`);
  return result.code === 0;
}
