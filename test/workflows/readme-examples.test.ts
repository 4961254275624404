// The examples users copy from the READMEs: every step of a ```yaml block that uses one of this suite's
// actions gives only inputs that action declares, every required input without a default, and, for
// deploy-stack with one of this repository's templates, only parameters that template declares. Every
// `needs.<job>.outputs.<name>` and `steps.<id>.outputs.<name>` in an example resolves to a job of the
// example listed in `needs:` that declares the output, or to an earlier step whose action declares it
// (the same checks the workflow files pass), and every variable and secret the copyable workflows read
// is one the Quick start tells users to set.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { REPO_ROOT, readActionMetadata } from '../support/harness.js';
import { readTemplate } from './catalog.js';
import { checkNeedsReferences, checkStepReferences, formatFindings, parameterLines } from './checks.js';
import { workflowFiles } from './files.js';
import { loadYamlFile } from './model.js';

const OURS = /^deploy-actions\/aws-deploy-actions(?:\/actions\/([a-z-]+))?@/;

interface Example {
  readme: string;
  block: number;
  step: Record<string, unknown>;
}

function readmes(): string[] {
  const actions = readdirSync(join(REPO_ROOT, 'actions'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'lib')
    .map((d) => `actions/${d.name}/README.md`);
  const docs = existsSync(join(REPO_ROOT, 'docs'))
    ? readdirSync(join(REPO_ROOT, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`)
    : [];
  return ['README.md', 'cloudformation/README.md', ...actions, ...docs];
}

/** Every ```yaml block of every Markdown file the users read, with where it is. */
function yamlBlocks(): Array<{ readme: string; block: number; text: string }> {
  return readmes().flatMap((readme) =>
    [...readFileSync(join(REPO_ROOT, readme), 'utf8').matchAll(/```ya?ml\n([\s\S]*?)```/g)].map((m, i) => ({
      readme,
      block: i + 1,
      text: m[1] ?? '',
    })),
  );
}

/**
 * The problems with the `needs.…` and `steps.…` references of one example: a whole workflow (or `jobs:`) as
 * it is, a list of steps or one step as the steps of one job. References must resolve within the example.
 */
function referenceProblems(name: string, text: string): string[] {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch {
    return []; // reported by "are valid YAML"
  }
  if (!/\b(needs|steps)\.[\w-]+/.test(text)) return [];
  let workflowText = text;
  if (data && typeof data === 'object' && !Array.isArray(data) && !('jobs' in data)) {
    const record = data as Record<string, unknown>;
    // One step (a mapping with uses/run), or a job (a mapping with steps).
    const job = 'steps' in record ? record : { steps: [record] };
    workflowText = stringifyYaml({ on: 'push', jobs: { example: { 'runs-on': 'ubuntu-latest', ...job } } });
  } else if (Array.isArray(data)) {
    workflowText = stringifyYaml({
      on: 'push',
      jobs: { example: { 'runs-on': 'ubuntu-latest', steps: data } },
    });
  } else if (data && typeof data === 'object' && !('on' in data)) {
    workflowText = stringifyYaml({ on: 'push', ...(data as Record<string, unknown>) });
  }
  const workflow = loadYamlFile(name, workflowText);
  const findings = [...checkStepReferences(workflow), ...checkNeedsReferences(workflow)];
  return formatFindings(findings.map((f) => ({ ...f, line: undefined })))
    .split('\n')
    .filter(Boolean);
}

/** The variables and secrets the Quick start of README.md tells users to set (`NAME` in its text). */
function quickStartNames(): Set<string> {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Quick start');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return new Set([...section.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1] ?? ''));
}

/** `vars.X` and `secrets.X` a workflow file reads (GITHUB_TOKEN is the job's own). */
function settingsRead(file: string): string[] {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  const names = [...text.matchAll(/\b(vars|secrets)\.([A-Za-z_][A-Za-z0-9_]*)/g)].map(
    (m) => `${m[1]}.${m[2]}`,
  );
  return [...new Set(names)].filter((n) => n !== 'secrets.GITHUB_TOKEN');
}

function stepsIn(value: unknown, out: Record<string, unknown>[]): void {
  if (Array.isArray(value)) for (const item of value) stepsIn(item, out);
  else if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (typeof object.uses === 'string' && OURS.test(object.uses)) out.push(object);
    for (const child of Object.values(object)) stepsIn(child, out);
  }
}

const unparsable: string[] = [];

function examples(): Example[] {
  const found: Example[] = [];
  for (const readme of readmes()) {
    const text = readFileSync(join(REPO_ROOT, readme), 'utf8');
    const blocks = [...text.matchAll(/```ya?ml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    blocks.forEach((block, index) => {
      const steps: Record<string, unknown>[] = [];
      try {
        stepsIn(parseYaml(block), steps);
      } catch (error) {
        unparsable.push(`${readme} yaml block ${index + 1}: ${(error as Error).message.split('\n')[0]}`);
      }
      for (const step of steps) found.push({ readme, block: index + 1, step });
    });
  }
  return found;
}

/** What is wrong with one example step (empty when nothing). */
function exampleProblems(step: Record<string, unknown>): string[] {
  const action = OURS.exec(String(step.uses))?.[1] ?? 'root';
  const meta = readActionMetadata(action);
  const given = (step.with ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  for (const name of Object.keys(given))
    if (!(name in meta.inputs)) problems.push(`${action}: no input ${name}`);
  for (const [name, spec] of Object.entries(meta.inputs))
    if (spec.required && spec.default === undefined && !(name in given))
      problems.push(`${action}: required input ${name} is missing`);
  const template = given.template;
  if (
    action === 'deploy-stack' &&
    typeof template === 'string' &&
    /^cloudformation\/[a-z-]+\.yml$/.test(template)
  ) {
    const declared = readTemplate(template).parameters;
    for (const input of ['parameters', 'initial-parameters']) {
      const text = given[input];
      if (typeof text !== 'string' || !text.includes('=')) continue;
      for (const { key } of parameterLines(text))
        if (!(key in declared)) problems.push(`${template} has no parameter ${key} (${input})`);
    }
  }
  return problems;
}

describe('README examples', () => {
  const all = examples();

  it('are valid YAML', () => {
    expect(unparsable).toEqual([]);
  });

  it('finds the examples of every action', () => {
    const actions = new Set(all.map((e) => OURS.exec(String(e.step.uses))?.[1] ?? 'root'));
    for (const action of ['build-push', 'test', 'deploy-stack', 'deploy-ecs', 'approve', 'slack-notify'])
      expect(actions).toContain(action);
  });

  it('use only inputs the actions declare, every required one, and parameters the templates declare', () => {
    const problems = all.flatMap((e) =>
      exampleProblems(e.step).map((p) => `${e.readme} yaml block ${e.block}: ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it('resolve every needs.<job>.outputs.<name> and steps.<id>.outputs.<name> to a declared output', () => {
    const blocks = yamlBlocks();
    expect(blocks.length).toBeGreaterThan(10);
    const problems = blocks.flatMap((b) => referenceProblems(`${b.readme} yaml block ${b.block}`, b.text));
    expect(problems).toEqual([]);
  });

  it('catch an output no step declares, a job not in needs, and an output the job does not declare', () => {
    const steps = `- id: push
  uses: deploy-actions/aws-deploy-actions/actions/build-push@v1
  with: { repository: notes }
- run: echo \${{ steps.push.outputs.image }} \${{ steps.push.outputs.version }} \${{ steps.deploy.outputs.url }}
`;
    expect(referenceProblems('steps', steps)).toEqual([
      expect.stringContaining('step push has no output version'),
      expect.stringContaining('job example has no step with id deploy'),
    ]);
    const jobs = `jobs:
  build:
    runs-on: ubuntu-latest
    outputs: { image: x }
    steps: [{ run: 'true' }]
  deploy:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: echo \${{ needs.build.outputs.image }} \${{ needs.build.outputs.version }} \${{ needs.test.outputs.x }}
`;
    expect(referenceProblems('jobs', jobs)).toEqual([
      expect.stringContaining('job build declares no output version'),
      expect.stringContaining('job deploy does not list test in needs'),
    ]);
  });

  it('catch a misspelt input and a parameter the template does not have', () => {
    expect(
      exampleProblems({
        uses: 'deploy-actions/aws-deploy-actions/actions/deploy-stack@v1',
        with: {
          name: 'x',
          template: 'cloudformation/network.yml',
          paramters: '',
          parameters: 'Environment=x',
        },
      }),
    ).toEqual([
      'deploy-stack: no input paramters',
      'cloudformation/network.yml has no parameter Environment (parameters)',
    ]);
  });
});

describe('the variables and secrets the workflows read', () => {
  const told = quickStartNames();

  it('are found in the Quick start', () => {
    expect(told.size).toBeGreaterThan(3);
  });

  // The copyable workflows and this repository's own deploy (the example of calling the pipeline).
  const copied = workflowFiles().filter(
    (f) => f.startsWith('workflows/') || f === '.github/workflows/deploy.yml',
  );

  it.each(copied)('%s reads only variables and secrets the Quick start tells users to set', (file) => {
    const missing = settingsRead(file).filter((name) => !told.has(name.split('.')[1] ?? ''));
    expect(missing, `add them to the Quick start (README.md step 2) or stop reading them`).toEqual([]);
  });
});

// Every action's README has one shape: the sections a user looks for, and one table layout for inputs and
// outputs that lists exactly what action.yml declares. The root action's README is docs/deploy-environment.md
// (the repository's README.md is the suite's).
describe('action READMEs', () => {
  const actions = [
    'root',
    ...readdirSync(join(REPO_ROOT, 'actions')).filter((n) =>
      existsSync(join(REPO_ROOT, 'actions', n, 'action.yml')),
    ),
  ];
  const readmeOf = (action: string) =>
    action === 'root' ? 'docs/deploy-environment.md' : `actions/${action}/README.md`;

  /** The first table after the heading `## <section>`: its header cells and the first cell of each row. */
  function tableAfter(text: string, section: string): { header: string[]; names: string[] } | undefined {
    const start = text.search(new RegExp(`^## ${section}\\b`, 'm'));
    if (start < 0) return undefined;
    const lines = text.slice(start).split('\n');
    const first = lines.findIndex((l) => l.startsWith('|'));
    const rows: string[][] = [];
    for (const line of lines.slice(first)) {
      if (!line.startsWith('|')) break;
      rows.push(
        line
          .split(/(?<!\\)\|/)
          .slice(1, -1)
          .map((c) => c.trim()),
      );
    }
    const [header = [], , ...body] = rows;
    // Rows naming an input or output have it in code (`name`); others (e.g. _each stack output_) explain.
    const names = body.map((r) => /^`([^`]+)`$/.exec(r[0] ?? '')?.[1]).filter((n): n is string => !!n);
    return { header, names };
  }

  it.each(actions)(
    '%s: usage, inputs, outputs, permissions, failure modes; tables as action.yml declares',
    (action) => {
      const text = readFileSync(join(REPO_ROOT, readmeOf(action)), 'utf8');
      const meta = readActionMetadata(action);
      for (const section of ['Inputs', 'Outputs', 'Permissions', 'Failure modes'])
        expect(text, `${readmeOf(action)} has ## ${section}`).toMatch(new RegExp(`^## ${section}`, 'm'));
      expect(text, 'an example').toMatch(/```yaml\n/);
      const inputs = tableAfter(text, 'Inputs');
      expect(inputs?.header).toEqual(['Input', 'Default', 'Description']);
      expect([...(inputs?.names ?? [])].sort()).toEqual(Object.keys(meta.inputs).sort());
      const outputs = tableAfter(text, 'Outputs');
      expect(outputs?.header).toEqual(['Output', 'Description']);
      expect([...(outputs?.names ?? [])].sort()).toEqual(Object.keys(meta.outputs).sort());
    },
  );

  it('every table row has as many cells as its header (an unescaped | breaks a row)', () => {
    const broken: string[] = [];
    for (const action of actions) {
      const file = readmeOf(action);
      let width: number | undefined;
      readFileSync(join(REPO_ROOT, file), 'utf8')
        .split('\n')
        .forEach((line, index) => {
          if (!line.startsWith('|')) {
            width = undefined;
            return;
          }
          const count = line.split(/(?<!\\)\|/).length - 2;
          if (width === undefined) width = count;
          else if (count !== width)
            broken.push(`${file}:${index + 1}: ${count} cells, the header has ${width}`);
        });
    }
    expect(broken).toEqual([]);
  });
});
