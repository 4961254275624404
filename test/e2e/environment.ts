// What the e2e pipeline runs against: the local AWS (moto + scenario layer), GitHub REST and Slack
// endpoints; a repository checkout (the small app in fixtures/app, plus cloudformation/); a recording
// stand-in for `docker` on PATH; the caller's inputs and secrets as .github/workflows/deploy.yml passes them.
import {
  accessSync,
  constants,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { type LocalAws, startLocalAws } from '../support/aws/index.js';
import { type LocalGitHub, type Permissions, startLocalGitHub } from '../support/github/index.js';
import { REPO_ROOT } from '../support/harness.js';
import { type LocalSlack, startLocalSlack } from '../support/slack/index.js';
import { type LoadBalancers, startLoadBalancers } from './load-balancers.js';
import { type RunWorkflowOptions, runWorkflow, type WorkflowRun } from './runner.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const SLACK_TOKEN = 'xoxb-e2e-0000000000-0000000000000-e2etokenvalue000000';
export const SLACK_CHANNEL = 'C0E2EDEPLOY';
export const APPROVER = 'alice';
export const HEAD_SHA = '0123456789abcdef0123456789abcdef01234567';

export interface Endpoints {
  aws: LocalAws;
  github: LocalGitHub;
  slack: LocalSlack;
  /** The load balancers the stacks create, reachable through a proxy (see load-balancers.ts). */
  loadBalancers: LoadBalancers;
}

async function startGitHub(): Promise<LocalGitHub> {
  const github = await startLocalGitHub({ repository: 'acme/notes' });
  github.setCommits([
    { sha: 'a'.repeat(40), message: 'Initial commit', author: 'alice' },
    { sha: HEAD_SHA, message: 'Add notes API', author: 'octocat' },
  ]);
  return github;
}

function startSlack(): Promise<LocalSlack> {
  return startLocalSlack({ tokens: [SLACK_TOKEN], channels: [{ name: 'deploys', id: SLACK_CHANNEL }] });
}

export async function startEndpoints(): Promise<Endpoints> {
  const aws = await startLocalAws();
  const [github, slack, loadBalancers] = await Promise.all([
    startGitHub(),
    startSlack(),
    startLoadBalancers(aws),
  ]);
  return { aws, github, slack, loadBalancers };
}

/** Fresh GitHub and Slack endpoints (they are in-process and cheap) and a reset AWS endpoint. */
export async function resetEndpoints(endpoints: Endpoints): Promise<void> {
  await Promise.all([endpoints.github.stop(), endpoints.slack.stop(), endpoints.aws.reset()]);
  [endpoints.github, endpoints.slack] = await Promise.all([startGitHub(), startSlack()]);
  endpoints.loadBalancers.requests.length = 0;
}

export async function stopEndpoints(endpoints: Endpoints | undefined): Promise<void> {
  if (!endpoints) return;
  await Promise.all([
    endpoints.aws.stop(),
    endpoints.github.stop(),
    endpoints.slack.stop(),
    endpoints.loadBalancers.stop(),
  ]);
}

// ---- docker ------------------------------------------------------------------------------------------------------

/**
 * The folder with the recording `docker` stand-in build-push runs: the build-push tests' own (it writes
 * buildx's metadata file and pushes through the local AWS endpoint's /_local/ecr/push), or undefined when it
 * is not there (build-push then finds whatever docker the machine has, and no engine behind it).
 */
export function dockerStandInDir(): string | undefined {
  const file = join(REPO_ROOT, 'test/actions/build-push/fixtures/docker');
  if (!existsSync(file)) return undefined;
  try {
    accessSync(file, constants.X_OK);
    return dirname(file);
  } catch {
    // Not executable in this checkout: call it through node from a folder of our own.
    const dir = mkdtempSync(join(tmpdir(), 'e2e-docker-'));
    writeFileSync(join(dir, 'docker'), `#!/bin/sh\nexec node ${JSON.stringify(file)} "$@"\n`, {
      mode: 0o755,
    });
    return dir;
  }
}

// ---- the caller ------------------------------------------------------------------------------------------------------

/** The permissions .github/workflows/deploy.yml grants the pipeline (what its jobs can at most have). */
export function callerPermissions(): Record<string, string> {
  const caller = parseYaml(readFileSync(join(REPO_ROOT, '.github/workflows/deploy.yml'), 'utf8'));
  return { ...(caller?.jobs?.pipeline?.permissions ?? caller?.permissions ?? {}) };
}

/** The caller's `with:` for a run against the local endpoints (what deploy.yml passes, for the fixture app). */
export function callerInputs(endpoints: Endpoints, overrides: Record<string, string | number> = {}) {
  return {
    'service-directory': 'app',
    'test-command': 'npm test',
    junit: 'reports/*.xml',
    'aws-region': endpoints.aws.region,
    'ecr-repository': 'notes',
    'staging-role-arn': `arn:aws:iam::${endpoints.aws.accountId}:role/staging-deploy`,
    'production-role-arn': `arn:aws:iam::${endpoints.aws.accountId}:role/production-deploy`,
    approval: 'issue',
    approvers: APPROVER,
    'approval-timeout-minutes': 2,
    'desired-count': 1,
    'migrate-command': 'node server.mjs migrate',
    'slack-channel': SLACK_CHANNEL,
    ...overrides,
  };
}

/** The GITHUB_TOKEN scopes the local GitHub endpoint checks, from a job's permissions. */
function tokenPermissions(permissions: Record<string, string>): Permissions {
  const out: Permissions = { metadata: 'read' };
  for (const scope of ['issues', 'contents', 'actions', 'deployments'] as const) {
    const level = permissions[scope];
    if (level === 'read' || level === 'write') out[scope] = level;
  }
  return out;
}

/** A required reviewer's answer to a job waiting on an environment; undefined: nobody reviews. */
export type Review = { reviewer: string; state: 'approved' | 'rejected' } | undefined;

export interface PipelineRunOptions {
  inputs?: Record<string, string | number>;
  secrets?: Record<string, string>;
  /** The caller passes `secrets: inherit` (the repository's secrets by their own names). */
  inheritSecrets?: boolean;
  /** Repository variables (`vars`). */
  vars?: Record<string, string>;
  /**
   * How a required reviewer answers when a job waits on environment `name` (only asked when the environment
   * has required reviewers; see LocalGitHub.setEnvironment).
   */
  review?: (environment: string) => Review;
  /** What the caller grants (default: what .github/workflows/deploy.yml grants). */
  callerPermissions?: Record<string, string>;
  github?: Record<string, unknown>;
  /** Written into the checkout's app/ folder (e.g. a changed file for a new image). */
  appFiles?: Record<string, string>;
  beforeJob?: RunWorkflowOptions['beforeJob'];
  afterJob?: RunWorkflowOptions['afterJob'];
}

let tokenCount = 0;

/** Runs .github/workflows/pipeline.yml as deploy.yml calls it, against `endpoints`. */
export function runPipeline(endpoints: Endpoints, options: PipelineRunOptions = {}): Promise<WorkflowRun> {
  return runScenario(endpoints, {
    workflow: '.github/workflows/pipeline.yml',
    inputs: options.inputs ?? callerInputs(endpoints),
    secrets: options.secrets ?? { SLACK_BOT_TOKEN: SLACK_TOKEN },
    callerPermissions: options.callerPermissions ?? callerPermissions(),
    appDir: 'app',
    options,
  });
}

/** The repository variables workflows/deploy-steps.yml reads, for the local endpoints. */
export function deployStepsVars(endpoints: Endpoints, overrides: Record<string, string> = {}) {
  return {
    AWS_REGION: endpoints.aws.region,
    ECR_REPOSITORY: 'notes',
    STAGING_ROLE_ARN: `arn:aws:iam::${endpoints.aws.accountId}:role/staging-deploy`,
    PRODUCTION_ROLE_ARN: `arn:aws:iam::${endpoints.aws.accountId}:role/production-deploy`,
    SLACK_CHANNEL: SLACK_CHANNEL,
    ...overrides,
  };
}

/**
 * Runs the copyable workflows/deploy-steps.yml as a repository that copied it would (the app at the root of
 * the checkout, with cloudformation/ copied next to it), against `endpoints`.
 */
export function runDeploySteps(endpoints: Endpoints, options: PipelineRunOptions = {}): Promise<WorkflowRun> {
  return runScenario(endpoints, {
    workflow: 'workflows/deploy-steps.yml',
    secrets: options.secrets ?? { SLACK_BOT_TOKEN: SLACK_TOKEN },
    vars: options.vars ?? deployStepsVars(endpoints),
    appDir: '.',
    options,
  });
}

async function runScenario(
  endpoints: Endpoints,
  scenario: {
    workflow: string;
    inputs?: Record<string, string | number>;
    secrets: Record<string, string>;
    vars?: Record<string, string>;
    callerPermissions?: Record<string, string>;
    /** Where the fixture app goes in the checkout. */
    appDir: string;
    options: PipelineRunOptions;
  },
): Promise<WorkflowRun> {
  const { options } = scenario;
  const { aws, github, slack } = endpoints;
  const docker = dockerStandInDir();
  const home = mkdtempSync(join(tmpdir(), 'e2e-home-'));
  const env: Record<string, string> = {
    PATH: [...(docker ? [docker] : []), process.env.PATH ?? ''].join(delimiter),
    HOME: home,
    LANG: 'C.UTF-8',
    ...aws.env,
    AWS_ENDPOINT_URL: aws.url,
    GITHUB_API_URL: github.url,
    GITHUB_SERVER_URL: 'https://github.com',
    SLACK_API_URL: slack.apiUrl,
    ...endpoints.loadBalancers.env,
    DEPLOY_ACTIONS_POLL_INTERVAL_MS: '200',
    // The runner machine has no registry access: npm works offline (the app has no dependencies).
    npm_config_offline: 'true',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    // The docker stand-in: pushes through the local AWS endpoint; the same source gives the same digest.
    DOCKER_STANDIN_AWS_URL: aws.url,
    DOCKER_STANDIN_LOG: join(home, 'docker.jsonl'),
    DOCKER_STANDIN_SOURCE: `acme/notes@${String(options.github?.sha ?? HEAD_SHA)}`,
  };
  try {
    return await runWorkflow({
      workflow: scenario.workflow,
      inputs: scenario.inputs,
      secrets: scenario.secrets,
      inheritSecrets: options.inheritSecrets,
      vars: scenario.vars,
      github: options.github,
      env,
      callerPermissions: scenario.callerPermissions,
      environmentGate: ({ environment }) => {
        // GitHub creates the environment, unprotected, the first time a job names it.
        const rules = github.useEnvironment(environment);
        if (rules.reviewers.length === 0) return { state: 'unprotected' };
        const review = options.review?.(rules.name);
        if (!review) return { state: 'expired' };
        github.reviewDeployment({
          environment: rules.name,
          reviewer: review.reviewer,
          state: review.state,
          initiator: String(options.github?.triggering_actor ?? options.github?.actor ?? 'octocat'),
        });
        return review;
      },
      stepTimeoutMs: 150_000,
      jobToken: (job, permissions) => {
        const token = `ghs_e2e${job.replace(/[^a-z]/gi, '')}${String(++tokenCount).padStart(30, '0')}`;
        github.addToken(token, { permissions: tokenPermissions(permissions), login: 'github-actions[bot]' });
        return token;
      },
      checkout: ({ workspace }) => {
        const app = join(workspace, scenario.appDir);
        cpSync(join(FIXTURES, 'app'), app, { recursive: true });
        cpSync(join(REPO_ROOT, 'cloudformation'), join(workspace, 'cloudformation'), { recursive: true });
        for (const [name, text] of Object.entries(options.appFiles ?? {}))
          writeFileSync(join(app, name), text);
      },
      beforeJob: options.beforeJob,
      afterJob: options.afterJob,
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** One line per job and step, for assertion messages. */
export function describeRun(run: WorkflowRun): string {
  const lines: string[] = [];
  for (const id of run.order) {
    const job = run.jobs[id];
    if (!job) continue;
    lines.push(
      `${id}: ${job.result}${job.environment ? ` (${job.environment.name} ${job.environment.url})` : ''}`,
    );
    for (const warning of job.warnings) lines.push(`  warning: ${warning}`);
    for (const step of job.steps) {
      lines.push(`  ${step.conclusion.padEnd(7)} ${step.id ?? ''} ${step.name} (${step.durationMs} ms)`);
      if (step.id && Object.keys(step.outputs).length)
        lines.push(`      outputs: ${JSON.stringify(step.outputs).slice(0, 600)}`);
      if (step.conclusion === 'failure') {
        lines.push(...step.errors.map((e) => `      error: ${e}`));
        const tail = `${step.stdout}\n${step.stderr}`.trim().split('\n').slice(-25);
        lines.push(...tail.map((l) => `      | ${l}`));
      }
    }
  }
  return lines.join('\n');
}
