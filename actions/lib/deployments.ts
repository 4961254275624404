// GitHub deployment records around an environment deploy: a deployment of the commit to the environment
// (payload: the image by digest, the task definition, the rollout strategy), `in_progress` while it runs,
// then `success` / `failure` / `error` with the service URL (environment_url) and the run (log_url), so the
// repository's Environments page and the pull request show what runs where.
//
// GitHub marks earlier deployments inactive on its own only for non-transient, NON-production environments
// (auto_inactive, "Inactive deployments" in https://docs.github.com/rest/deployments/statuses). So after a
// success this module marks the previous successful record of the same environment inactive itself, which
// covers production too; for other environments GitHub has already done it and there is nothing left to do.
//
// Recording is bookkeeping: with `record-deployment: on` (the default) a failure to record is a warning and
// never changes or hides the deploy's own outcome; `required` makes it fail the step (before anything is
// deployed when the record cannot be created), `off` records nothing.

import { type RunContext, readRunContext } from './context.js';
import { appendSummary, log, mask } from './core.js';
import type { DeployServiceResult } from './ecs/types.js';
import type { EnvironmentResult } from './environment.js';
import { ActionError, messageOf } from './errors.js';
import type { InputReader } from './inputs.js';
import { escapeMarkdown } from './summary.js';

export type RecordMode = 'on' | 'required' | 'off';

export interface RecordInputs {
  mode: RecordMode;
  /** The token, masked as soon as it is read; undefined when none was given. */
  token?: string;
}

/** Reads `record-deployment` and `github-token` (shared by every action that records deployments). */
export function readRecordInputs(i: InputReader): RecordInputs {
  const mode = i.oneOf('record-deployment', ['on', 'required', 'off'] as const, 'on');
  const token = i.optional('github-token');
  mask(token);
  if (mode === 'required' && !token) {
    i.problem(
      'github-token',
      'is empty, and record-deployment is required; give a token with deployments: write (the default is the job token, github.token, with `permissions: deployments: write` on the job)',
    );
  }
  return { mode, token };
}

/** What the deployment's payload records; written once, when the deployment is created. */
export interface DeploymentPayload {
  /** The image, by digest. */
  image: string;
  /** The task definition (family, or ARN when known before the rollout). */
  taskDefinition?: string;
  /** The rollout strategy: ROLLING, BLUE_GREEN, CANARY or LINEAR. */
  strategy: string;
}

export interface RecordOptions extends RecordInputs, DeploymentPayload {
  /** The action's name, for log lines. */
  action: string;
  /** The GitHub environment (the job's environment; the stacks' prefix for the root action). */
  environment: string;
  /** A short description of the deployment. */
  description?: string;
  context?: RunContext;
  signal?: AbortSignal;
}

export interface RecordOutcome {
  state: 'success' | 'failure' | 'error';
  /** Cut to GitHub's 140 characters. */
  description: string;
  /** The service URL (environment_url). */
  url?: string;
}

/** Marks our records in the payload, so only they are considered when marking the previous one inactive. */
const TOOL = 'aws-deploy-actions';
/** How many earlier deployments of the environment are looked at for the previous successful record. */
const LOOK_BACK = 30;

type Client = import('./github.js').RepoClient;

/** A deployment created on GitHub; `finish` sets its final status. */
export class DeploymentRecord {
  constructor(
    private readonly client: Client,
    private readonly options: RecordOptions,
    readonly id: number,
    private readonly context: RunContext,
  ) {}

  /**
   * Sets the final status. A failure to do so is a warning, unless `record-deployment: required` and the
   * deploy itself succeeded: then it throws (a failed deploy's own error always wins). Call it once the
   * step's outputs are set.
   */
  async finish(outcome: RecordOutcome): Promise<void> {
    const { environment } = this.options;
    try {
      await this.client.createDeploymentStatus(this.id, {
        state: outcome.state,
        description: outcome.description,
        environmentUrl: outcome.url,
        logUrl: this.context.runUrl,
      });
    } catch (error) {
      report(this.options, error, outcome.state !== 'success');
      return;
    }
    log.info(`GitHub deployment ${this.id} to ${environment}: ${outcome.state}.`);
    const page = `${this.context.serverUrl}/${this.context.repository}/deployments/${encodeURIComponent(environment)}`;
    await appendSummary(
      `GitHub deployment ${this.id} to [${escapeMarkdown(environment)}](${page}): **${outcome.state}**\n\n`,
    );
    if (outcome.state !== 'success') return;
    try {
      await this.inactivatePrevious();
    } catch (error) {
      // The new record is in place; an old one still showing active is cosmetic.
      log.warning(
        `${this.options.action}: could not mark the previous deployment to ${environment} inactive: ${explain(error)}`,
      );
    }
  }

  /** The newest earlier record of ours that is still `success` becomes `inactive`. */
  private async inactivatePrevious(): Promise<void> {
    const earlier = (await this.client.listDeployments(this.options.environment, LOOK_BACK)).filter(
      (d) => d.id < this.id && d.payload.tool === TOOL,
    );
    for (const deployment of earlier) {
      const state = await this.client.latestDeploymentState(deployment.id);
      // An inactive one was displaced by its successor, which handled everything before it.
      if (state === 'inactive') return;
      if (state === 'success') {
        await this.client.createDeploymentStatus(deployment.id, {
          state: 'inactive',
          description: `Replaced by deployment ${this.id}`,
        });
        log.info(`GitHub deployment ${deployment.id} (the previous one) is now inactive.`);
        return;
      }
    }
  }
}

/**
 * Creates the deployment and sets it `in_progress`. Returns undefined when recording is off or could not
 * be done (a warning says why); throws an ActionError with `record-deployment: required`.
 */
export async function startRecord(options: RecordOptions): Promise<DeploymentRecord | undefined> {
  if (options.mode === 'off') return undefined;
  const context = options.context ?? readRunContext();
  if (!options.token) {
    log.info('No github-token: the deployment is not recorded on GitHub.');
    return undefined;
  }
  if (!context.owner || !context.repo || !context.sha) {
    report(
      options,
      new ActionError('GITHUB_REPOSITORY and GITHUB_SHA are not set', {
        hint: 'Run the action in a GitHub Actions job, or set record-deployment: off.',
      }),
      false,
    );
    return undefined;
  }
  const { RepoClient } = await import('./github.js');
  const client = new RepoClient({
    token: options.token,
    baseUrl: context.apiUrl,
    owner: context.owner,
    repo: context.repo,
    signal: options.signal,
  });
  try {
    const deployment = await client.createDeployment(
      {
        ref: context.sha,
        environment: options.environment,
        payload: {
          tool: TOOL,
          image: options.image,
          digest: /@(sha256:[a-f0-9]{64})$/.exec(options.image)?.[1],
          taskDefinition: options.taskDefinition,
          strategy: options.strategy,
        },
        description: options.description,
        // Deploy exactly this commit: never merge the default branch into it, and do not wait for commit
        // statuses (this run's own checks are what is deploying it).
        autoMerge: false,
        requiredContexts: [],
      },
      {
        notFound: NOT_FOUND,
      },
    );
    const record = new DeploymentRecord(client, options, deployment.id, context);
    await client.createDeploymentStatus(deployment.id, {
      state: 'in_progress',
      description: `Deploying ${shortImage(options.image)}`,
      logUrl: context.runUrl,
    });
    log.info(`GitHub deployment ${deployment.id} to ${options.environment}: in_progress.`);
    return record;
  } catch (error) {
    report(options, error, false);
    return undefined;
  }
}

/**
 * Runs `deploy` between the two records: the deployment `in_progress` before, `error` when `deploy` throws
 * (rethrown). Returns the result and the record, whose `finish(outcome)` the caller calls once the step's
 * outputs are set (so a required record that fails cannot lose them).
 */
export async function withDeploymentRecord<T>(
  options: RecordOptions,
  deploy: () => Promise<T>,
): Promise<{ result: T; record?: DeploymentRecord }> {
  const record = await startRecord(options);
  try {
    return { result: await deploy(), record };
  } catch (error) {
    await record?.finish({ state: 'error', description: messageOf(error) }).catch(() => {});
    throw error;
  }
}

const NOT_FOUND =
  'GitHub answers 404 when the token cannot see the repository or has no access to its deployments (a fine-grained token without the Deployments permission): grant `permissions:` → `deployments: write` to the job, or give a token that has it in `github-token`.';

/** `…/repo@sha256:0123456789ab` for a description. */
function shortImage(image: string): string {
  const [name = image, digest] = image.split('@');
  const repository = name.split('/').at(-1) ?? name;
  return digest ? `${repository}@${digest.slice(0, 19)}` : repository;
}

function explain(error: unknown): string {
  const hint = error instanceof ActionError && error.hint ? ` ${error.hint}` : '';
  return `${messageOf(error)}.${hint}`;
}

/**
 * A failure to record: a warning with `on`, or when the deploy failed anyway (its own error is the one to
 * see); an ActionError that fails the step with `required`.
 */
function report(options: RecordOptions, error: unknown, deployFailed: boolean): void {
  if (options.mode === 'required' && !deployFailed) {
    const cause = error instanceof ActionError ? error : undefined;
    throw new ActionError(`${messageOf(error)} (record-deployment: required)`, {
      hint: cause?.hint,
      details: cause?.details,
      cause: error,
    });
  }
  log.warning(
    `${options.action}: the deploy is not recorded as a GitHub deployment: ${explain(error)} The deploy itself is not affected (record-deployment: required fails the step on this; off skips recording).`,
  );
}

/** The outcome of a rollout (deploy-ecs): deployed or unchanged → success, failed or rolled back → failure. */
export function serviceOutcome(
  result: Pick<DeployServiceResult, 'status' | 'taskDefinitionArn' | 'image' | 'failure'>,
  url?: string,
): RecordOutcome {
  const running = result.taskDefinitionArn?.split('/').at(-1);
  if (result.status === 'deployed' || result.status === 'unchanged') {
    return {
      state: 'success',
      description: `${result.status === 'unchanged' ? 'Already running' : 'Running'} ${running ?? shortImage(result.image)}`,
      url,
    };
  }
  return { state: 'failure', description: result.failure ?? `Deploy ${result.status}`, url };
}

/** The root action's outcome, as a rollout's; a cancelled deploy is an error. */
export function environmentOutcome(result: EnvironmentResult, cancelled: boolean): RecordOutcome {
  const outcome = serviceOutcome({ ...result, failure: result.error }, result.url);
  return cancelled && outcome.state === 'failure' ? { ...outcome, state: 'error' } : outcome;
}
