// The examples users copy from the READMEs: every step of a ```yaml block that uses one of this suite's
// actions gives only inputs that action declares, every required input without a default, and, for
// deploy-stack with one of this repository's templates, only parameters that template declares.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT, readActionMetadata } from '../support/harness.js';
import { readTemplate } from './catalog.js';
import { parameterLines } from './checks.js';

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
  return ['README.md', 'cloudformation/README.md', ...actions];
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
