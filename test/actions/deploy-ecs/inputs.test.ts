// deploy-ecs input validation: every mistake fails before any AWS call (and before the SDK loads) with
// `deploy-ecs: <input>: what is wrong and what is accepted`, and sets status=failed.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../support/aws/index.js';
import { readActionMetadata } from '../../support/harness.js';
import { deploy, explain, image } from './helpers.js';

let aws: LocalAws;
let workspace: string;

beforeAll(async () => {
  aws = await startLocalAws();
  workspace = mkdtempSync(join(tmpdir(), 'deploy-ecs-inputs-'));
  mkdirSync(join(workspace, 'ecs'));
  writeFileSync(join(workspace, 'ecs/broken.json'), '{ "family": "web", ');
  writeFileSync(
    join(workspace, 'ecs/empty.json'),
    JSON.stringify({ family: 'web', containerDefinitions: [] }),
  );
  writeFileSync(
    join(workspace, 'ecs/two.json'),
    JSON.stringify({
      family: 'web',
      containerDefinitions: [
        { name: 'app', image: 'a', essential: true },
        { name: 'proxy', image: 'b', essential: true },
      ],
    }),
  );
});

afterAll(async () => {
  await aws?.stop();
});

const VALID = { cluster: 'prod', service: 'web', image: image(1) };

const CASES: Array<[string, Record<string, string | undefined>, RegExp]> = [
  [
    'cluster missing',
    { ...VALID, cluster: undefined },
    /^deploy-ecs: cluster: is required; give an ECS cluster name/,
  ],
  [
    'cluster malformed',
    { ...VALID, cluster: 'prod cluster' },
    /^deploy-ecs: cluster: "prod cluster" is not an ECS cluster name/,
  ],
  ['service missing', { ...VALID, service: undefined }, /^deploy-ecs: service: is required/],
  [
    'image missing',
    { ...VALID, image: undefined },
    /^deploy-ecs: image: is required; give an image reference/,
  ],
  [
    'image malformed',
    { ...VALID, image: 'Notes App:v1' },
    /^deploy-ecs: image: "Notes App:v1" is not a container image reference/,
  ],
  [
    'image bad digest',
    { ...VALID, image: 'ghcr.io/acme/notes@sha256:1234' },
    /^deploy-ecs: image: .* is not a container image reference/,
  ],
  [
    'container-name malformed',
    { ...VALID, 'container-name': 'app/1' },
    /^deploy-ecs: container-name: "app\/1" is not a container name/,
  ],
  [
    'task-definition missing file',
    { ...VALID, 'task-definition': 'ecs/nope.json' },
    /^deploy-ecs: task-definition: cannot read ecs\/nope\.json \(no such file\)/,
  ],
  [
    'task-definition not JSON',
    { ...VALID, 'task-definition': 'ecs/broken.json' },
    /^deploy-ecs: task-definition: ecs\/broken\.json is not valid JSON/,
  ],
  [
    'task-definition file with two essential containers and no container-name',
    { ...VALID, 'task-definition': 'ecs/two.json' },
    /^deploy-ecs: container-name: the task definition in ecs\/two\.json has 2 essential containers \(app, proxy\); set container-name/,
  ],
  [
    'container-name not in the task-definition file',
    { ...VALID, 'task-definition': 'ecs/two.json', 'container-name': 'web' },
    /^deploy-ecs: container-name: the task definition in ecs\/two\.json has no container named "web"; its containers are: app, proxy/,
  ],
  [
    'task-definition without containers',
    { ...VALID, 'task-definition': 'ecs/empty.json' },
    /^deploy-ecs: task-definition: ecs\/empty\.json: has no "containerDefinitions"/,
  ],
  [
    'environment not KEY=VALUE',
    { ...VALID, environment: 'LOG_LEVEL debug' },
    /^deploy-ecs: environment: "LOG_LEVEL debug" is not KEY=VALUE/,
  ],
  [
    'environment key twice',
    { ...VALID, environment: 'A=1\nA=2' },
    /^deploy-ecs: environment: A is given twice/,
  ],
  [
    'stack malformed',
    { ...VALID, stack: 'my_stack!' },
    /^deploy-ecs: stack: "my_stack!" is not a CloudFormation stack name/,
  ],
  [
    'migrate-command unclosed quote',
    { ...VALID, 'migrate-command': 'sh -c "npm run migrate' },
    /^deploy-ecs: migrate-command: .* has an unclosed " quote/,
  ],
  [
    'migrate-command bad JSON',
    { ...VALID, 'migrate-command': '["npm", 1]' },
    /^deploy-ecs: migrate-command: .* is not a JSON array of strings/,
  ],
  [
    'wait not a boolean',
    { ...VALID, wait: 'yes' },
    /^deploy-ecs: wait: "yes" is not a boolean; use true or false/,
  ],
  [
    'timeout-minutes not a duration',
    { ...VALID, 'timeout-minutes': 'soon' },
    /^deploy-ecs: timeout-minutes: "soon" is not a duration/,
  ],
  [
    'timeout-minutes too long',
    { ...VALID, 'timeout-minutes': '1000' },
    /^deploy-ecs: timeout-minutes: "1000" is not a duration from 5s to 6h/,
  ],
  [
    'smoke-url not http',
    { ...VALID, 'smoke-url': 'ftp://example.com/health' },
    /^deploy-ecs: smoke-url: "ftp:\/\/example\.com\/health" is not a URL/,
  ],
  [
    'expect-version without smoke-url',
    { ...VALID, 'expect-version': 'abc1234' },
    /^deploy-ecs: expect-version: needs smoke-url/,
  ],
  [
    'smoke-url without waiting',
    { ...VALID, 'smoke-url': 'http://127.0.0.1:9/version', wait: 'false' },
    /^deploy-ecs: smoke-url: needs wait: true/,
  ],
  [
    'wait-until unknown',
    { ...VALID, 'wait-until': 'bake-time' },
    /^deploy-ecs: wait-until: "bake-time" is not accepted; give one of deployed, production-traffic, none/,
  ],
  [
    'wait-until against wait: false',
    { ...VALID, 'wait-until': 'deployed', wait: 'false' },
    /^deploy-ecs: wait-until: deployed contradicts wait: false/,
  ],
  ['test-url not http', { ...VALID, 'test-url': 'ftp://example.com/version' }, /^deploy-ecs: test-url: /],
  [
    'test-header not a header',
    { ...VALID, 'test-url': 'http://127.0.0.1:9/version', 'test-header': 'just-a-secret-value' },
    /^deploy-ecs: test-header: is not a header; give Name: value/,
  ],
  [
    'test-header without test-url',
    { ...VALID, 'test-header': 'X-Test: s3cret' },
    /^deploy-ecs: test-header: needs test-url/,
  ],
  [
    'smoke-command without test-url',
    { ...VALID, 'smoke-command': 'npm test' },
    /^deploy-ecs: smoke-command: needs test-url/,
  ],
  [
    'test-url with wait-until none',
    { ...VALID, 'test-url': 'http://127.0.0.1:9/version', 'wait-until': 'none' },
    /^deploy-ecs: test-url: needs the action to wait/,
  ],
  [
    'region malformed',
    { ...VALID, region: 'mars-1' },
    /^deploy-ecs: region: "mars-1" is not an AWS region name/,
  ],
];

describe('deploy-ecs inputs', () => {
  it.each(CASES)(
    '%s: fails with a configuration error and makes no AWS call',
    async (_name, inputs, expected) => {
      aws.clearCalls();
      const run = await deploy(aws, inputs, { cwd: workspace });
      expect(run.code, explain(run)).toBe(1);
      expect(run.errors()[0]).toMatch(expected);
      expect(run.outputs.status).toBe('failed');
      expect(aws.calls).toEqual([]);
      expect(run.stdout).not.toMatch(/^\s+at /m); // no stack trace
      expect(run.summary).toContain('deploy-ecs: configuration error');
    },
  );

  it('reports every problem at once', async () => {
    aws.clearCalls();
    const run = await deploy(
      aws,
      { cluster: undefined, service: undefined, image: 'x y', wait: 'maybe' },
      { cwd: workspace },
    );
    expect(run.code, explain(run)).toBe(1);
    expect(run.errors()).toEqual([
      expect.stringMatching(/^deploy-ecs: service: is required/),
      expect.stringMatching(/^deploy-ecs: image: "x y" is not a container image reference/),
      expect.stringMatching(/^deploy-ecs: wait: "maybe" is not a boolean/),
      expect.stringMatching(/^deploy-ecs: cluster: is required.* \(and 3 more, listed above\)$/),
    ]);
    expect(aws.calls).toEqual([]);
  });

  it('fails without a region when neither the input nor AWS_REGION gives one', async () => {
    const env: Record<string, string> = { ...aws.env };
    delete env.AWS_REGION;
    delete env.AWS_DEFAULT_REGION;
    aws.clearCalls();
    const run = await deploy(aws, VALID, { env, cwd: workspace });
    expect(run.code, explain(run)).toBe(1);
    expect(run.errors()[0]).toMatch(/^deploy-ecs: region: no AWS region given/);
    expect(aws.calls).toEqual([]);
  });

  it('documents every input and output, with the defaults the issue gives', () => {
    const meta = readActionMetadata('deploy-ecs');
    expect(Object.keys(meta.inputs)).toEqual([
      'cluster',
      'service',
      'image',
      'container-name',
      'task-definition',
      'environment',
      'stack',
      'stack-parameters',
      'migrate-command',
      'wait',
      'wait-until',
      'test-url',
      'test-header',
      'smoke-command',
      'rollback',
      'timeout-minutes',
      'smoke-url',
      'expect-version',
      'region',
      'github-environment',
      'record-deployment',
      'github-token',
    ]);
    expect(Object.keys(meta.outputs)).toEqual([
      'task-definition-arn',
      'deployment-id',
      'status',
      'previous-task-definition-arn',
    ]);
    for (const spec of [...Object.values(meta.inputs), ...Object.values(meta.outputs)]) {
      expect(spec.description?.length).toBeGreaterThan(10);
    }
    expect(meta.inputs.wait?.default).toBe('true');
    expect(meta.inputs['timeout-minutes']?.default).toBe('20');
    expect(meta.inputs['record-deployment']?.default).toBe('on');
    expect(meta.inputs['github-token']?.default).toMatch(/^\$\{\{ github\.token \}\}$/);
    expect(meta.runs).toMatchObject({ using: 'node24', main: 'dist/index.js' });
  });
});
