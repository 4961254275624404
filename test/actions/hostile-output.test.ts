// Output that can be trusted with hostile text, through the committed bundles: no value from a user, a
// file, a server or a container log can print a workflow command of its own (the harness parses stdout as
// the runner does: leading whitespace trimmed, the legacy `##[cmd]` form anywhere), the job's credentials
// are masked from the first line, long values are quoted in a few hundred characters, secret-looking
// values of malformed lines are not echoed, and files outside the workspace are refused, not read.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, seedEcsService, startLocalAws } from '../support/aws/index.js';
import { type LocalGitHub, startLocalGitHub } from '../support/github/index.js';
import { type ActionRun, runAction } from '../support/harness.js';
import { type LocalSlack, startLocalSlack } from '../support/slack/index.js';
import { deploy, explain, image } from './deploy-ecs/helpers.js';

const INJECTED = 'Injected';
const scratch = mkdtempSync(join(tmpdir(), 'hostile-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let counter = 0;
function workspace(files: Record<string, string> = {}): string {
  const dir = join(scratch, `ws-${++counter}`);
  mkdirSync(dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path), content);
  return dir;
}

/** Annotations a hostile value made the runner create (their title or text carries the marker). */
function injected(run: ActionRun): string[] {
  return run.annotations
    .filter((a) => a.properties.title === INJECTED || a.message.startsWith(INJECTED))
    .map((a) => `${a.level}: ${a.message}`);
}

describe('approve: a hostile environment name', () => {
  const TOKEN = 'ghs_hostileWriteToken0123456789abcdef';
  let gh: LocalGitHub;
  beforeEach(async () => {
    gh = await startLocalGitHub({ tokens: { [TOKEN]: { issues: 'write', contents: 'read' } } });
    gh.setCommits([{ sha: '0123456789abcdef0123456789abcdef01234567', message: 'only' }]);
    return () => gh.stop();
  });

  it('is printed escaped, never as a workflow command on a line of its own', async () => {
    gh.onIssueOpened(async (issue) => {
      gh.addComment({ issue: issue.number, user: 'alice', body: 'approve' });
    });
    const environment = `ok\n::error title=${INJECTED}::y\n  ::warning::${INJECTED} indented\n##[error]${INJECTED} legacy`;
    const run = await runAction('approve', {
      inputs: { approvers: 'alice', environment, 'poll-seconds': '0.2', 'timeout-minutes': '0.5' },
      env: { GITHUB_API_URL: gh.url, GITHUB_TOKEN: TOKEN },
    });
    expect(run.code, run.stdout).toBe(0);
    expect(injected(run)).toEqual([]);
    expect(run.stdout).toContain('No earlier approved deployment to ok%0A');
  });
});

describe('every action masks the job credentials as it starts', () => {
  const secrets = {
    AWS_ACCESS_KEY_ID: 'ASIAHOSTILE000000001',
    AWS_SECRET_ACCESS_KEY: 'hostileSecretAccessKey/0123456789abcdefghij',
    AWS_SESSION_TOKEN: 'IQoJb3JpZ2luX2VjEHostileSessionToken0123456789abcdefghijklmnop',
    GITHUB_TOKEN: 'ghs_hostileJobToken0123456789abcdefghij',
  };

  it.each(['test', 'approve', 'deploy-ecs', 'deploy-stack', 'build-push', 'slack-notify', 'root'])(
    '%s',
    async (action) => {
      // Inputs are left at their defaults: most actions then fail on a missing input, after masking.
      const run = await runAction(action, { env: secrets, cwd: workspace() });
      for (const value of Object.values(secrets)) expect(run.masked).toContain(value);
      // Registered before anything else is printed.
      const first = run.stdout.split('\n').findIndex((l) => !l.startsWith('::add-mask::'));
      const lastMask = run.stdout.split('\n').findLastIndex((l) => l.startsWith('::add-mask::'));
      expect(lastMask).toBeLessThan(first === -1 ? Number.POSITIVE_INFINITY : first);
    },
  );
});

describe('test: files outside the workspace, unreadable reports, long inputs', () => {
  const run = (cwd: string, inputs: Record<string, string>) =>
    runAction('test', { cwd, inputs: { command: 'true', ...inputs } });

  it('refuses an audit-report outside the workspace without reading it, and fails the step', async () => {
    const ws = workspace();
    const result = await run(ws, { audit: 'npm', 'audit-report': '../../../../../../../etc/passwd' });
    expect(result.code).toBe(1);
    expect(result.outputs['audit-status']).toBe('failed');
    expect(result.errors().at(-1)).toContain('is outside the workspace');
    expect(result.stdout).not.toContain('root:');
    expect(result.summary).not.toContain('root:');
  });

  it('refuses a symbolic link out of the workspace', async () => {
    const ws = workspace();
    const { symlinkSync } = await import('node:fs');
    symlinkSync('/etc/passwd', join(ws, 'audit.json'));
    const result = await run(ws, { audit: 'npm', 'audit-report': 'audit.json' });
    expect(result.code).toBe(1);
    expect(result.errors().at(-1)).toContain('is outside the workspace');
    expect(result.stdout).not.toContain('root:');
  });

  it('fails the step on an audit-report that is not an npm audit report (an unreachable service stays a warning)', async () => {
    for (const text of ['this is not json', '{"hello": "world"}', '']) {
      const ws = workspace({ 'audit.json': text });
      const result = await run(ws, { audit: 'npm', 'audit-report': 'audit.json' });
      expect(result.code, text).toBe(1);
      expect(result.outputs['audit-status']).toBe('failed');
      expect(result.errors().at(-1)).toContain('cannot be read as an npm audit report');
      expect(result.summary).toContain('❌ failed');
    }
  });

  it('refuses a working-directory and ignores JUnit files outside the workspace', async () => {
    const outside = workspace({ 'junit.xml': '<testsuites><testsuite name="x"/></testsuites>' });
    const ws = workspace();
    const wd = await run(ws, { audit: 'off', 'working-directory': '..' });
    expect(wd.code).toBe(1);
    expect(wd.errors()[0]).toContain('test: working-directory: ".." is outside the workspace');
    const junit = await run(ws, { audit: 'off', junit: `../${outside.split('/').pop()}/junit.xml` });
    expect(junit.code).toBe(0);
    expect(junit.outputs.passed).toBeUndefined();
    expect(junit.annotations.map((a) => a.message).join('\n')).toContain('outside the workspace');
  });

  it('a 100 kB junit pattern is a configuration error, and a 100 kB input is quoted in a few hundred characters', async () => {
    const ws = workspace();
    const long = 'x'.repeat(100_000);
    const junit = await run(ws, { audit: 'off', junit: long });
    expect(junit.code).toBe(1);
    expect(junit.errors()[0]).toMatch(
      /^test: junit: the pattern "x+… \(\d+ more characters\)" is 100000 characters long/,
    );
    expect(junit.errors()[0]).not.toContain('unexpected error');
    expect(junit.errors()[0]?.length).toBeLessThan(1000);
    expect(junit.summary.length).toBeLessThan(2000);

    const level = await run(ws, { audit: 'npm', 'audit-level': `${long}\n::error title=${INJECTED}::y` });
    expect(level.code).toBe(1);
    expect(level.errors()[0]?.length).toBeLessThan(1000);
    expect(level.summary.length).toBeLessThan(2000);
    expect(injected(level)).toEqual([]);
  });
});

describe('deploy-ecs / deploy-stack: malformed lines and files', () => {
  let aws: LocalAws;
  beforeAll(async () => {
    aws = await startLocalAws();
  });
  afterAll(async () => {
    await aws?.stop();
  });

  it('masks the value of a malformed line whose key looks secret', async () => {
    const ecs = await deploy(aws, {
      cluster: 'prod',
      service: 'web',
      image: image(1),
      environment: 'LOG_LEVEL=debug\nDB_PASSWORD hunter2-ecs',
    });
    expect(ecs.code).toBe(1);
    expect(ecs.errors().join('\n')).toContain('"DB_PASSWORD ***" is not KEY=VALUE');
    expect(ecs.leaks('hunter2-ecs')).toEqual([]);

    const stack = await runAction('deploy-stack', {
      cwd: workspace({ 't.yml': 'Resources: {}\n' }),
      inputs: {
        name: 'staging-app',
        template: 't.yml',
        parameters: 'Env=staging\nDbPassword: hunter2-cfn',
      },
      env: aws.env,
    });
    expect(stack.code).toBe(1);
    expect(stack.errors().join('\n')).toContain('"DbPassword: ***" is not KEY=VALUE');
    expect(stack.leaks('hunter2-cfn')).toEqual([]);
  });

  it('refuses parameters, template and task-definition files outside the workspace, and never quotes a file', async () => {
    const outside = workspace({ 'params.json': '{"DbPassword": hunter2-file}' });
    const name = outside.split('/').pop();
    const ws = workspace({ 't.yml': 'Resources: {}\n', 'bad.json': '{"DbPassword": hunter2-file}' });
    const stack = await runAction('deploy-stack', {
      cwd: ws,
      inputs: { name: 'staging-app', template: '/etc/passwd', parameters: `../${name}/params.json` },
      env: aws.env,
    });
    expect(stack.code).toBe(1);
    const errors = stack.errors().join('\n');
    expect(errors).toContain('template: "/etc/passwd" is outside the workspace');
    expect(errors).toContain(`parameters: "../${name}/params.json" is outside the workspace`);
    expect(stack.stdout).not.toContain('root:');
    expect(stack.leaks('hunter2-file')).toEqual([]);

    const inside = await runAction('deploy-stack', {
      cwd: ws,
      inputs: { name: 'staging-app', template: 't.yml', parameters: 'bad.json' },
      env: aws.env,
    });
    expect(inside.code).toBe(1);
    expect(inside.errors().join('\n')).toContain('bad.json is not valid JSON');
    expect(inside.leaks('hunter2-file')).toEqual([]);

    const ecs = await deploy(
      aws,
      { cluster: 'prod', service: 'web', image: image(1), 'task-definition': '/etc/passwd' },
      { cwd: ws },
    );
    expect(ecs.code).toBe(1);
    expect(ecs.errors()[0]).toContain('task-definition: "/etc/passwd" is outside the workspace');
    expect(ecs.stdout).not.toContain('root:');
  });

  it("prints a stopped container's log lines escaped: a container cannot run workflow commands", async () => {
    await aws.reset();
    await seedEcsService(aws, { cluster: 'prod', service: 'web', image: image(1) });
    const crash = {
      stoppedReason: `Essential container in task exited\n::error title=${INJECTED}::reason`,
      containers: [{ name: 'app', exitCode: 1 }],
      logLines: [
        'Starting notes API',
        `  ::error title=${INJECTED}::from the container`,
        `text ##[warning]${INJECTED} legacy`,
        `multi\n::notice title=${INJECTED}::line 100%`,
      ],
    };
    aws.ecs.nextRollout({ service: 'web', outcome: 'fail', durationMs: 1500, stoppedTasks: [crash, crash] });
    const run = await deploy(aws, { cluster: 'prod', service: 'web', image: image(2) });
    expect(run.code, explain(run)).toBe(1);
    expect(run.outputs.status).toBe('rolled-back');
    expect(injected(run)).toEqual([]);
    expect(run.stdout).toContain(`%3A%3Aerror title=${INJECTED}::from the container`);
    expect(run.stdout).toContain(`multi%0A::notice title=${INJECTED}::line 100%25`);
  });
});

describe('slack-notify: credentials in text bound for Slack', () => {
  const TOKEN = 'xoxb-1111-2222-hostileNotifyToken';
  let slack: LocalSlack;
  beforeEach(async () => {
    slack = await startLocalSlack({ tokens: [TOKEN], channels: [{ name: 'deploys', id: 'C0DEPLOYS' }] });
    return () => slack.stop();
  });

  it('strips tokens, keys and webhook URLs an echoed request put in the details', async () => {
    const leaked = {
      keyId: 'ASIAQWERTYUIOPASDFGH',
      session: `IQoJb3JpZ2luX2VjE${'A1b2C3d4'.repeat(30)}`,
      github: 'ghs_0123456789abcdefghijABCDEFGHIJ0123456789',
      slack: 'xoxb-9999-8888-someoneElsesToken',
      webhook: 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX',
      password: 'pa55-word-in-url',
    };
    const details = [
      'Error: the proxy answered 400 and echoed the request:',
      '```',
      `Authorization: AWS4-HMAC-SHA256 Credential=${leaked.keyId}/20260101/us-east-1/ecs/aws4_request`,
      `X-Amz-Security-Token: ${leaked.session}`,
      `authorization: token ${leaked.github}`,
      `slack token ${leaked.slack} and ${leaked.webhook}`,
      `postgres://app:${leaked.password}@db.internal:5432/notes`,
      '```',
    ].join('\n');
    const run = await runAction('slack-notify', {
      inputs: { 'bot-token': TOKEN, channel: '#deploys', status: 'failed', stage: 'staging', details },
      env: { SLACK_API_URL: slack.apiUrl },
    });
    expect(run.code, run.stdout).toBe(0);
    const sent = JSON.stringify(slack.requests.map((r) => r.params));
    for (const value of Object.values(leaked)) expect(sent).not.toContain(value);
    expect(sent).toContain('[redacted]');
    expect(sent).toContain('db.internal:5432/notes');
  });
});
