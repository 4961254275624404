// Each static check catches what it is there for: it runs on an in-memory copy of a committed workflow or
// action.yml with one mistake put in, and must report that mistake (and must not report it on the original).

import { describe, expect, it } from 'vitest';
import { type Document, parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import { resolveUses, specOf } from './catalog.js';
import {
  checkActionMetadata,
  checkContextReferences,
  checkLocalPaths,
  checkNeedsReferences,
  checkReusableCalls,
  checkStackParameters,
  checkStepInputs,
  checkStepReferences,
  type Finding,
  formatFindings,
  lintWorkflow,
  parserErrors,
} from './checks.js';
import { presentActions, readRepoFile } from './files.js';
import { loadYamlFile, type WorkflowFile } from './model.js';

const PIPELINE = '.github/workflows/pipeline.yml';
const CALLER = '.github/workflows/deploy.yml';
const STEPS_TEMPLATE = 'workflows/deploy-steps.yml';

type Check = (workflow: WorkflowFile) => Finding[];

/** `${{ inner }}`, written without a template-looking string literal. */
const expr = (inner: string) => `$${'{{'} ${inner} }}`;

function copyOf(file: string, edit: (doc: Document) => void): WorkflowFile {
  const doc = parseDocument(readRepoFile(file));
  edit(doc);
  return loadYamlFile(file, String(doc));
}

/** The index of the first step of `job` that `match` accepts (by its plain data). */
function stepIndex(doc: Document, job: string, match: (step: Record<string, unknown>) => boolean): number {
  const steps = (doc.getIn(['jobs', job, 'steps']) as YAMLSeq).toJSON() as Array<Record<string, unknown>>;
  const index = steps.findIndex(match);
  if (index === -1) throw new Error(`no such step in jobs.${job}`);
  return index;
}

const usesOf = (prefix: string) => (step: Record<string, unknown>) =>
  String(step.uses ?? '').startsWith(prefix);
const withId = (id: string) => (step: Record<string, unknown>) => step.id === id;

/**
 * Runs `check` on the original and on the mutated copy: the copy must yield a finding matching `pattern`
 * (in `check`'s category), the original none.
 */
function expectCaught(check: Check, file: string, edit: (doc: Document) => void, pattern: RegExp): Finding[] {
  const matching = (findings: Finding[]) => findings.filter((f) => pattern.test(`${f.check} ${f.message}`));
  const original = loadYamlFile(file, readRepoFile(file));
  expect(formatFindings(matching(check(original))), 'the original already has it').toBe('');
  const found = matching(check(copyOf(file, edit)));
  expect(found.length, `expected a finding matching ${pattern}`).toBeGreaterThan(0);
  return found;
}

describe('step inputs', () => {
  it('catches an unknown with: key on one of our actions', () => {
    expectCaught(
      checkStepInputs,
      PIPELINE,
      (doc) =>
        doc.setIn(
          ['jobs', 'staging', 'steps', stepIndex(doc, 'staging', withId('deploy')), 'with', 'imagee'],
          'x',
        ),
      /^step-inputs .*with\.imagee is not an input of action\.yml/,
    );
  });

  it('catches an unknown with: key on a third-party action', () => {
    expectCaught(
      checkStepInputs,
      PIPELINE,
      (doc) => {
        const i = stepIndex(doc, 'build', usesOf('aws-actions/configure-aws-credentials'));
        doc.setIn(['jobs', 'build', 'steps', i, 'with', 'role-to-asume'], 'arn:aws:iam::1:role/x');
      },
      /with\.role-to-asume is not an input of aws-actions\/configure-aws-credentials@v4/,
    );
  });

  it('catches a required third-party input left out', () => {
    expectCaught(
      checkStepInputs,
      PIPELINE,
      (doc) => {
        const i = stepIndex(doc, 'build', usesOf('aws-actions/configure-aws-credentials'));
        doc.deleteIn(['jobs', 'build', 'steps', i, 'with', 'aws-region']);
      },
      /required input aws-region of aws-actions\/configure-aws-credentials@v4 is not given/,
    );
  });

  it('catches a required input of our action left out', () => {
    const doc = parseDocument(readRepoFile(PIPELINE));
    const i = stepIndex(doc, 'staging', withId('deploy'));
    const spec = specOf(resolveUses(String(doc.getIn(['jobs', 'staging', 'steps', i, 'uses']))));
    if ('missing' in spec) throw new Error(spec.missing);
    const required = Object.entries(spec.inputs).find(
      ([, input]) => input.required && !input.hasDefault,
    )?.[0];
    expect(required, 'the root action has a required input without a default').toBeDefined();
    expectCaught(
      checkStepInputs,
      PIPELINE,
      (copy) => copy.deleteIn(['jobs', 'staging', 'steps', i, 'with', required as string]),
      new RegExp(`required input ${required} of action\\.yml is not given`),
    );
  });

  it('catches a third-party action missing from the declared table', () => {
    expectCaught(
      checkStepInputs,
      PIPELINE,
      (doc) => {
        const i = stepIndex(doc, 'build', usesOf('docker/setup-buildx-action'));
        doc.setIn(['jobs', 'build', 'steps', i, 'uses'], 'docker/setup-qemu-action@v3');
      },
      /docker\/setup-qemu-action@v3 is not in the declared third-party table/,
    );
  });

  it('catches a reference to an action this repository does not have', () => {
    expectCaught(
      checkStepInputs,
      PIPELINE,
      (doc) => {
        const i = stepIndex(doc, 'build', withId('image'));
        doc.setIn(
          ['jobs', 'build', 'steps', i, 'uses'],
          'deploy-actions/aws-deploy-actions/actions/build-and-push@v1',
        );
      },
      /actions\/build-and-push\/action\.yml does not exist/,
    );
  });
});

describe('step outputs', () => {
  it("catches an output our action doesn't have", () => {
    expectCaught(
      checkStepReferences,
      PIPELINE,
      (doc) => doc.setIn(['jobs', 'staging', 'outputs', 'url'], expr('steps.deploy.outputs.uri')),
      /jobs\.staging\.outputs\.url: .*step deploy has no output uri/,
    );
  });

  it("catches an output a run: script doesn't write", () => {
    expectCaught(
      checkStepReferences,
      PIPELINE,
      (doc) => doc.setIn(['jobs', 'test', 'outputs', 'started-at'], expr('steps.start.outputs.when')),
      /step start has no output when \(its run script: at\)/,
    );
  });

  it('catches a step id that does not exist in the job', () => {
    expectCaught(
      checkStepReferences,
      PIPELINE,
      (doc) => doc.setIn(['jobs', 'staging', 'outputs', 'url'], expr('steps.deplyo.outputs.url')),
      /job staging has no step with id deplyo/,
    );
  });

  it('catches a step id of another job', () => {
    expectCaught(
      checkStepReferences,
      PIPELINE,
      (doc) => doc.setIn(['jobs', 'production', 'outputs', 'url'], expr('steps.image.outputs.image')),
      /job production has no step with id image/,
    );
  });

  it('catches a step that reads the outputs of a later step', () => {
    expectCaught(
      checkStepReferences,
      PIPELINE,
      (doc) => {
        const i = stepIndex(doc, 'test', withId('start'));
        doc.setIn(
          ['jobs', 'test', 'steps', i, 'env'],
          doc.createNode({ TS: expr('steps.slack.outputs.message-ts') }),
        );
      },
      /step slack runs after this step/,
    );
  });

  it("catches a stack output the deployed template doesn't have", () => {
    expectCaught(
      checkStepReferences,
      STEPS_TEMPLATE,
      (doc) => {
        const i = stepIndex(doc, 'staging', usesOf('deploy-actions/aws-deploy-actions/actions/deploy-ecs'));
        doc.setIn(['jobs', 'staging', 'steps', i, 'with', 'cluster'], expr('steps.service.outputs.Cluster'));
      },
      /step service has no output Cluster \(actions\/deploy-stack\/action\.yml and the Outputs of cloudformation\/service\.yml/,
    );
  });
});

describe('needs', () => {
  it("catches a needs output the job doesn't declare", () => {
    expectCaught(
      checkNeedsReferences,
      PIPELINE,
      (doc) =>
        doc.setIn(
          ['jobs', 'staging', 'steps', stepIndex(doc, 'staging', withId('deploy')), 'with', 'image'],
          expr('needs.build.outputs.digest'),
        ),
      /job build declares no output digest \(outputs: image\)/,
    );
  });

  it('catches a job that is not in needs', () => {
    expectCaught(
      checkNeedsReferences,
      PIPELINE,
      (doc) => {
        const i = stepIndex(doc, 'approve', usesOf('deploy-actions/aws-deploy-actions/actions/approve'));
        doc.setIn(['jobs', 'approve', 'steps', i, 'with', 'summary'], expr('needs.production.outputs.url'));
      },
      /job approve does not list production in needs/,
    );
  });

  it('catches needs naming a job that does not exist', () => {
    expectCaught(
      checkNeedsReferences,
      PIPELINE,
      (doc) => (doc.getIn(['jobs', 'production', 'needs']) as YAMLSeq).add('aprove'),
      /jobs\.production\.needs names aprove, which is not a job/,
    );
  });
});

describe('workflow inputs, secrets and outputs', () => {
  it('catches an undeclared input', () => {
    expectCaught(
      checkContextReferences,
      PIPELINE,
      (doc) =>
        doc.setIn(
          ['jobs', 'staging', 'steps', stepIndex(doc, 'staging', withId('deploy')), 'with', 'region'],
          expr('inputs.aws-regoin'),
        ),
      /^workflow-inputs .*input aws-regoin is not declared/,
    );
  });

  it('catches an undeclared secret in the reusable workflow', () => {
    expectCaught(
      checkContextReferences,
      PIPELINE,
      (doc) => doc.setIn(['env', 'SLACK_ON'], expr("secrets.slack-token != ''")),
      /^workflow-secrets .*secret slack-token is not declared/,
    );
  });

  it('catches a workflow_call output from a job output that does not exist', () => {
    expectCaught(
      checkContextReferences,
      PIPELINE,
      (doc) =>
        doc.setIn(
          ['on', 'workflow_call', 'outputs', 'staging-url', 'value'],
          expr('jobs.staging.outputs.uri'),
        ),
      /job staging declares no output uri/,
    );
  });
});

describe('calls of the reusable workflow', () => {
  it('catches an input the pipeline does not declare', () => {
    expectCaught(
      checkReusableCalls,
      CALLER,
      (doc) => doc.setIn(['jobs', 'pipeline', 'with', 'region'], 'eu-west-1'),
      /with\.region is not an input of \.github\/workflows\/pipeline\.yml/,
    );
  });

  it('catches a required input left out', () => {
    expectCaught(
      checkReusableCalls,
      CALLER,
      (doc) => doc.deleteIn(['jobs', 'pipeline', 'with', 'ecr-repository']),
      /required input ecr-repository of \.github\/workflows\/pipeline\.yml is not given/,
    );
  });

  it('catches a value of the wrong type', () => {
    expectCaught(
      checkReusableCalls,
      CALLER,
      (doc) => doc.setIn(['jobs', 'pipeline', 'with', 'desired-count'], 'two'),
      /with\.desired-count: "two" is not a number/,
    );
  });

  it('catches a secret the pipeline does not declare', () => {
    expectCaught(
      checkReusableCalls,
      CALLER,
      (doc) => doc.setIn(['jobs', 'pipeline', 'secrets', 'slack-token'], expr('secrets.SLACK_TOKEN')),
      /secrets\.slack-token is not a secret of \.github\/workflows\/pipeline\.yml/,
    );
  });

  it("catches a caller that grants fewer permissions than the pipeline's jobs ask for", () => {
    expectCaught(
      checkReusableCalls,
      CALLER,
      (doc) => doc.setIn(['permissions', 'id-token'], 'none'),
      /job (build|staging|production) asks for id-token: write, but the caller grants id-token: none/,
    );
  });

  it('catches the same mistakes in the ready-to-copy template (remote reference)', () => {
    expectCaught(
      checkReusableCalls,
      'workflows/deploy.yml',
      (doc) => doc.deleteIn(['jobs', 'pipeline', 'with', 'staging-role-arn']),
      /required input staging-role-arn of \.github\/workflows\/pipeline\.yml is not given/,
    );
  });
});

describe('local paths', () => {
  it('catches a Dockerfile or service folder that does not exist', () => {
    expectCaught(
      checkLocalPaths,
      CALLER,
      (doc) => doc.setIn(['jobs', 'pipeline', 'with', 'dockerfile'], 'service/Dockerfil'),
      /the Dockerfile service\/Dockerfil does not exist/,
    );
    expectCaught(
      checkLocalPaths,
      CALLER,
      (doc) => doc.setIn(['jobs', 'pipeline', 'with', 'service-directory'], 'services'),
      /with\.service-directory services is not a folder/,
    );
  });

  it('catches a node-version-file that does not exist', () => {
    expectCaught(
      checkLocalPaths,
      '.github/workflows/ci.yml',
      (doc) => {
        const i = stepIndex(doc, 'test', usesOf('actions/setup-node'));
        doc.setIn(['jobs', 'test', 'steps', i, 'with', 'node-version-file'], '.nvmrc');
      },
      /\.nvmrc does not exist/,
    );
  });
});

describe('CloudFormation parameters', () => {
  const network = (doc: Document) =>
    stepIndex(
      doc,
      'staging',
      (step) => (step.with as Record<string, unknown> | undefined)?.template === 'cloudformation/network.yml',
    );

  it('catches a parameter the template does not have', () => {
    expectCaught(
      checkStackParameters,
      STEPS_TEMPLATE,
      (doc) => {
        const i = network(doc);
        const path = ['jobs', 'staging', 'steps', i, 'with', 'parameters'];
        doc.setIn(path, `${String(doc.getIn(path))}Egress=nat\n`);
      },
      /parameter Egress does not exist in cloudformation\/network\.yml/,
    );
  });

  it('catches a value outside AllowedValues', () => {
    expectCaught(
      checkStackParameters,
      STEPS_TEMPLATE,
      (doc) => {
        const i = network(doc);
        const path = ['jobs', 'staging', 'steps', i, 'with', 'parameters'];
        doc.setIn(path, String(doc.getIn(path)).replace(/EgressMode=\S+/, 'EgressMode=wireless'));
      },
      /parameter EgressMode=wireless is not one of/,
    );
  });

  it('catches a parameter without a Default left out', () => {
    expectCaught(
      checkStackParameters,
      STEPS_TEMPLATE,
      (doc) => {
        const i = network(doc);
        const path = ['jobs', 'staging', 'steps', i, 'with', 'parameters'];
        doc.setIn(path, String(doc.getIn(path)).replace(/EnvironmentName=\S+\n/, ''));
      },
      /network\.yml parameter EnvironmentName has no Default and is not passed/,
    );
  });

  it('checks initial-parameters too: an unknown one, and ImageUri left out of both inputs', () => {
    const service = (doc: Document) =>
      stepIndex(
        doc,
        'staging',
        (step) =>
          (step.with as Record<string, unknown> | undefined)?.template === 'cloudformation/service.yml',
      );
    expectCaught(
      checkStackParameters,
      STEPS_TEMPLATE,
      (doc) => {
        const path = ['jobs', 'staging', 'steps', service(doc), 'with', 'initial-parameters'];
        doc.setIn(path, String(doc.getIn(path)).replace('DesiredCount=', 'Count='));
      },
      /parameter Count does not exist in cloudformation\/service\.yml/,
    );
    expectCaught(
      checkStackParameters,
      STEPS_TEMPLATE,
      (doc) => {
        const path = ['jobs', 'staging', 'steps', service(doc), 'with', 'initial-parameters'];
        doc.setIn(path, String(doc.getIn(path)).replace(/ImageUri=.*\n/, ''));
      },
      /service\.yml parameter ImageUri has no Default and is not passed/,
    );
  });
});

describe("actionlint and GitHub's parser", () => {
  it('actionlint reports an unknown property of a typed context', async () => {
    const text = readRepoFile(PIPELINE).replace(
      `version: ${expr('github.sha')}`,
      `version: ${expr('github.shaa')}`,
    );
    expect(text).not.toBe(readRepoFile(PIPELINE));
    expect(formatFindings(await lintWorkflow(PIPELINE, text))).toMatch(/property "shaa" is not defined/);
  });

  it('actionlint reports a YAML error (the WASM build traps on it) and keeps working after', async () => {
    const broken = `${readRepoFile(PIPELINE)}\n  oops: [unclosed\n`;
    expect(formatFindings(await lintWorkflow(PIPELINE, broken))).toMatch(/YAML error/);
    expect(formatFindings(await lintWorkflow(PIPELINE, readRepoFile(PIPELINE)))).toBe('');
    const typo = readRepoFile(PIPELINE).replace(expr('inputs.aws-region'), expr('inputs.aws-region )'));
    expect(formatFindings(await lintWorkflow(PIPELINE, typo))).not.toBe('');
  });

  it("GitHub's parser reports a key a job cannot have", async () => {
    const doc = parseDocument(readRepoFile(PIPELINE));
    const job = doc.getIn(['jobs', 'build']) as YAMLMap;
    job.set('step', job.get('steps'));
    job.delete('steps');
    expect(formatFindings(await parserErrors(PIPELINE, String(doc)))).toMatch(/Unexpected value 'step'/);
  });
});

describe('action metadata', () => {
  const action = presentActions()[0];
  const file = action === 'root' ? 'action.yml' : `actions/${action}/action.yml`;

  it.runIf(action !== undefined)('catches a runtime other than node24', () => {
    const doc = parseDocument(readRepoFile(file));
    doc.setIn(['runs', 'using'], 'node20');
    expect(formatFindings(checkActionMetadata(file, String(doc)))).toMatch(
      /runs\.using is node20; the actions run on node24/,
    );
  });

  it.runIf(action !== undefined)('catches an input and an output without a description', () => {
    const doc = parseDocument(readRepoFile(file));
    const input = (doc.get('inputs') as YAMLMap).items[0];
    const output = (doc.get('outputs') as YAMLMap | undefined)?.items[0];
    if (!input) throw new Error(`${file} has no inputs`);
    const inputName = String((input.key as { value: unknown }).value);
    doc.deleteIn(['inputs', inputName, 'description']);
    let outputName: string | undefined;
    if (output) {
      outputName = String((output.key as { value: unknown }).value);
      doc.deleteIn(['outputs', outputName, 'description']);
    }
    const findings = formatFindings(checkActionMetadata(file, String(doc)));
    expect(findings).toContain(`input ${inputName} has no description`);
    if (outputName)
      expect(findings).toMatch(new RegExp(`output ${outputName} has no description|description`));
  });

  it.runIf(action !== undefined)("catches what GitHub's action schema rejects", () => {
    const doc = parseDocument(readRepoFile(file));
    doc.setIn(['runs', 'mian'], 'dist/index.js');
    expect(formatFindings(checkActionMetadata(file, String(doc)))).toMatch(/Unexpected value 'mian'/);
  });
});
