// Rolls an image out to an ECS service, on one of two paths (see DESIGN.md, "Rollouts without drift"):
// - a service a CloudFormation stack owns: update that stack's ImageUri parameter (every other parameter
//   keeps its value) and watch the ECS deployment CloudFormation starts;
// - any other service: register a task definition revision with the image and UpdateService.
// Both: an optional one-off migration task first, the shared watcher, a precise diagnosis of failures
// (stopped tasks, exit codes, last log lines) and an optional smoke test after.
import {
  type ContainerDefinition,
  RegisterTaskDefinitionCommand,
  type Service,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { log } from '../core.js';
import { ActionError, aws, ConfigurationError, messageOf, TimeoutError } from '../errors.js';
import { formatDuration } from '../inputs.js';
import { smokeTest } from '../smoke.js';
import { ecsClient } from './clients.js';
import { runMigration } from './migration.js';
import {
  circuitBreakerRollback,
  describeService,
  describeTaskDefinition,
  primaryDeployment,
  stackOfService,
} from './service.js';
import {
  followServiceDeployment,
  followWhile,
  type NativeStrategy,
  nativeStrategy,
  nativeStrategyOf,
} from './service-deployment.js';
import { describeStoppedTask } from './stopped-tasks.js';
import { formatFailureDetails } from './summary.js';
import {
  secretNames,
  selectContainer,
  shortTaskDefinition,
  type TaskDefinitionInput,
  taskDefinitionChanges,
  toRegisterInput,
  withImage,
} from './task-definition.js';
import type { DeployServiceOptions, DeployServiceResult, StoppedTask } from './types.js';
import { isTerminal, type RolloutVerdict, RolloutWatcher } from './watcher.js';

export type { DeployServiceOptions, DeployServiceResult } from './types.js';

/** The deploy failed; `result` says how far it got (status, stopped tasks, migration…) for outputs and summary. */
export class DeployServiceError extends ActionError {
  override readonly name = 'DeployServiceError';
  constructor(
    message: string,
    readonly result: DeployServiceResult,
    options: { hint?: string; details?: string; cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/** The stack parameter that carries the image on stack-managed services (cloudformation/service.yml). */
export const IMAGE_PARAMETER = 'ImageUri';

class Deployment {
  readonly action: string;
  readonly deadline: number;
  readonly result: DeployServiceResult;
  private readonly definitions = new Map<string, Promise<ContainerDefinition[]>>();

  constructor(
    readonly options: DeployServiceOptions,
    readonly service: Service,
    readonly current: TaskDefinitionInput,
    startedAt: number,
  ) {
    this.action = options.action ?? 'deploy-ecs';
    this.deadline = startedAt + options.timeoutMs;
    this.result = {
      status: 'failed',
      region: options.region,
      cluster: options.cluster,
      service: options.service,
      image: options.image,
      containerName: options.containerName ?? '',
      path: 'direct',
      previousTaskDefinitionArn: service.taskDefinition ?? '',
      waited: options.wait !== false,
      startedAt,
      finishedAt: startedAt,
      timeline: [],
      events: [],
      stoppedTasks: [],
      environmentKeys: (options.environment ?? []).map(([key]) => key),
      changes: [],
      warnings: [...(options.warnings ?? [])],
    };
    this.definitions.set(service.taskDefinition ?? '', Promise.resolve(current.containerDefinitions ?? []));
  }

  remaining(): number {
    return Math.max(1000, this.deadline - Date.now());
  }

  /** Container definitions of a revision, described once. */
  containersOf = (arn: string | undefined): Promise<ContainerDefinition[]> => {
    if (!arn) return Promise.resolve([]);
    let found = this.definitions.get(arn);
    if (!found) {
      found = describeTaskDefinition(this.options.region, arn).then(
        (d) => d.containerDefinitions ?? [],
        () => [],
      );
      this.definitions.set(arn, found);
    }
    return found;
  };

  rememberContainers(arn: string, definition: TaskDefinitionInput): void {
    this.definitions.set(arn, Promise.resolve(definition.containerDefinitions ?? []));
  }

  /** Ends with `status` and throws a DeployServiceError whose message is the one-line cause. */
  async fail(
    status: 'failed' | 'rolled-back',
    message: string,
    hint?: string,
    cause?: unknown,
  ): Promise<never> {
    this.result.status = status;
    this.result.failure = message;
    this.result.finishedAt = Date.now();
    const details = formatFailureDetails(this.result);
    if (details) await log.group('Why the deploy failed', async () => log.info(details));
    throw new DeployServiceError(message, this.result, { hint, cause });
  }

  async register(definition: TaskDefinitionInput, purpose: string): Promise<string> {
    const response = await aws(
      'ECS RegisterTaskDefinition',
      () => ecsClient(this.options.region).send(new RegisterTaskDefinitionCommand(definition)),
      'Check the task definition is valid and the deploy role may call ecs:RegisterTaskDefinition and iam:PassRole on its task and execution roles.',
    );
    const arn = response.taskDefinition?.taskDefinitionArn;
    if (!arn) throw new ActionError('ECS RegisterTaskDefinition returned no task definition ARN');
    this.rememberContainers(arn, definition);
    log.info(`Registered ${shortTaskDefinition(arn)} (${purpose})`);
    return arn;
  }

  async migrate(
    taskDefinitionArn: string,
    definition: TaskDefinitionInput,
    migrationOnly: boolean,
  ): Promise<void> {
    const command = this.options.migrateCommand;
    if (!command) return;
    const migration = await runMigration({
      region: this.options.region,
      cluster: this.options.cluster,
      service: this.service,
      taskDefinitionArn,
      containerName: this.result.containerName,
      containers: definition.containerDefinitions ?? [],
      command,
      migrationOnlyRevision: migrationOnly,
      timeoutMs: this.remaining(),
      signal: this.options.signal,
    });
    this.result.migration = migration;
    if (migration.succeeded) return;
    const lastLine = lastLogLine(migration.logs?.lines);
    const how =
      migration.exitCode === undefined
        ? `stopped without an exit code: ${migration.stoppedReason ?? 'no reason given'}`
        : `exited ${migration.exitCode}`;
    await this.fail(
      'failed',
      `Migration \`${command.join(' ')}\` ${how}${lastLine ? ` (last log line: ${lastLine})` : ''}; the service was not updated`,
      'Fix the migration and deploy again; the service still runs the previous task definition.',
    );
  }

  async smoke(): Promise<void> {
    const smoke = this.options.smoke;
    if (!smoke) return;
    const timeoutMs = smoke.timeoutMs ?? Math.min(this.options.timeoutMs, 5 * 60_000);
    log.info(
      `Smoke test: polling ${smoke.url.replace(/[?#].*$/, '')} for up to ${formatDuration(timeoutMs)}`,
    );
    const result = await smokeTest({
      url: smoke.url,
      expectVersion: smoke.expectVersion,
      timeoutMs,
      signal: this.options.signal,
    });
    this.result.smoke = result;
    if (!result.passed) {
      await this.fail(
        'failed',
        `Smoke test failed: ${result.message}`,
        this.result.status === 'unchanged'
          ? 'The service was already running this image; check the service and the smoke URL.'
          : `The new task definition ${shortTaskDefinition(this.result.taskDefinitionArn)} is live: check the service's logs, or deploy the previous image to go back.`,
      );
    }
  }

  /** Turns the watcher's verdict into the result (and throws unless the rollout completed). */
  async conclude(watcher: RolloutWatcher, verdict: RolloutVerdict, what: string): Promise<void> {
    const r = this.result;
    r.deploymentId = watcher.deploymentId ?? r.deploymentId;
    r.taskDefinitionArn = watcher.taskDefinitionArn ?? r.taskDefinitionArn;
    r.rolloutState = r.serviceDeployment?.status ?? watcher.finalState();
    r.timeline = watcher.timeline;
    r.events = watcher.events;
    if (verdict.kind === 'completed') {
      r.status = 'deployed';
      r.stoppedTasks = watcher.stoppedTasks;
      log.info(
        `Rolled out ${shortTaskDefinition(r.taskDefinitionArn)} to ${r.service} in ${formatDuration(Date.now() - r.startedAt)}`,
      );
      return;
    }
    r.stoppedTasks = await watcher.diagnose();
    const cause = stoppedCause(r.stoppedTasks);
    const subject = `The rollout of ${shortTaskDefinition(r.taskDefinitionArn)} to ${r.service}`;
    switch (verdict.kind) {
      case 'rolled-back':
        r.rolledBackTo = verdict.rolledBackTo;
        return this.fail(
          'rolled-back',
          `${subject} failed and ${verdict.by === 'action' ? `${this.action}` : 'ECS'} rolled the service back to ${shortTaskDefinition(verdict.rolledBackTo)}: ${verdict.reason}${cause}`,
          'The service runs the previous task definition again; fix the cause above and deploy again.',
        );
      case 'failed':
      case 'superseded':
        return this.fail(
          'failed',
          `${subject} failed: ${verdict.reason}${cause}`,
          circuitBreakerRollback(this.service)
            ? undefined
            : 'The service has no circuit breaker rollback: it keeps trying to start the new tasks; deploy a working image or enable deploymentCircuitBreaker with rollback.',
        );
      case 'timeout':
        return this.fail(
          'failed',
          `${subject} did not finish within ${formatDuration(this.options.timeoutMs)}: ${watcher.describeState()}`,
          `The deployment goes on in ECS. Raise timeout-minutes if it is just slow, or look at the service events${what}.`,
        );
      default:
        return this.fail('failed', `${subject} ended in an unexpected state: ${verdict.kind}`);
    }
  }
}

function lastLogLine(lines: string[] | undefined): string | undefined {
  const line = [...(lines ?? [])].reverse().find((l) => l.trim());
  if (!line) return undefined;
  const clean = line.trim().replace(/\s+/g, ' ');
  return clean.length > 200 ? `${clean.slice(0, 199)}…` : clean;
}

/** `; task 1a2b stopped: … (last log line: …)` for the newest stopped task, or empty. */
function stoppedCause(tasks: StoppedTask[]): string {
  const task = tasks[0];
  if (!task) return '';
  const line = lastLogLine(task.logs.find((l) => l.lines.length)?.lines);
  const more = tasks.length > 1 ? ` (${tasks.length} tasks stopped)` : '';
  return `; ${describeStoppedTask(task).replace(/^Task/, 'task')}${line ? ` (last log line: ${line})` : ''}${more}`;
}

/**
 * Deploys `options.image` to the service and, unless `wait` is false, waits for the rollout. Resolves with
 * the result on success (`deployed` or `unchanged`); throws a DeployServiceError carrying the result when
 * the deploy failed (`failed`, `rolled-back`), a ConfigurationError for a mistake found against the live
 * service (ambiguous container, environment on a stack-managed service), an ActionError for AWS errors.
 */
export async function deployService(given: DeployServiceOptions): Promise<DeployServiceResult> {
  const startedAt = Date.now();
  const action = given.action ?? 'deploy-ecs';
  const service = await describeService(given.region, given.cluster, given.service);
  // A service ARN works for DescribeServices; ListTasks and messages want the name.
  const options = { ...given, service: service.serviceName ?? given.service };
  const controller = service.deploymentController?.type ?? 'ECS';
  if (controller !== 'ECS') {
    throw new ActionError(
      `ECS service ${options.service} uses the ${controller} deployment controller; ${action} rolls out services that use the ECS (rolling update) controller`,
      { hint: 'Deploy this service with its own controller (CodeDeploy or your external tool).' },
    );
  }
  if (!service.taskDefinition) throw new ActionError(`ECS service ${options.service} has no task definition`);
  const current = toRegisterInput(await describeTaskDefinition(options.region, service.taskDefinition));
  const deployment = new Deployment(options, service, current, startedAt);
  deployment.result.strategy = service.deploymentConfiguration?.strategy ?? 'ROLLING';
  if (options.testGate && !nativeStrategyOf(service)) {
    deployment.result.warnings.push(
      `test-url: service ${options.service} uses the ${deployment.result.strategy} strategy, which has no test listener or pause; the test gate runs only for BLUE_GREEN, CANARY and LINEAR`,
    );
    log.warning(`${action}: ${deployment.result.warnings.at(-1)}`);
  }
  const stack = options.stack ?? stackOfService(service);
  if (stack) {
    log.info(
      `Service ${options.service} is managed by CloudFormation stack ${stack}${options.stack ? '' : ' (from its aws:cloudformation:stack-name tag)'}: rolling out through the stack's ${IMAGE_PARAMETER} parameter`,
    );
    await deployThroughStack(deployment, stack);
  } else {
    await deployDirectly(deployment);
  }
  deployment.result.finishedAt = Date.now();
  await deployment.smoke();
  deployment.result.finishedAt = Date.now();
  return deployment.result;
}

async function deployDirectly(d: Deployment): Promise<void> {
  const { options, result, service, current, action } = d;
  if (options.stackParameters && Object.keys(options.stackParameters).length > 0) {
    throw new ActionError(
      `${action}: stack parameters (${Object.keys(options.stackParameters).join(', ')}) were given, but no CloudFormation stack manages service ${options.service}`,
      { hint: 'Give the stack that owns the service, or leave the stack parameters out.' },
    );
  }
  const base = options.template ?? current;
  const where = options.template
    ? `the task definition in ${options.templatePath ?? 'the task-definition file'}`
    : `the service's task definition ${shortTaskDefinition(service.taskDefinition)}`;
  const container = selectContainer(base, options.containerName, where, action);
  const name = container.name as string;
  result.containerName = name;
  const environment = options.environment ?? [];
  const fromSecrets = secretNames(container);
  const clashes = environment.filter(([key]) => fromSecrets.includes(key)).map(([key]) => key);
  if (clashes.length > 0) {
    throw new ConfigurationError(
      `${action}: environment: ${clashes.join(', ')} ${clashes.length === 1 ? 'is' : 'are'} already set from secrets in ${where}; a variable cannot be both, remove ${clashes.length === 1 ? 'it' : 'them'} from environment`,
    );
  }
  const desired = withImage(base, name, options.image, environment);
  const changes = taskDefinitionChanges(desired, current);
  result.changes = changes;
  if (changes.length === 0) {
    result.status = 'unchanged';
    result.taskDefinitionArn = service.taskDefinition;
    result.deploymentId = primaryDeployment(service)?.id;
    log.info(
      `No changes: ${options.service} already runs ${options.image} on container ${name} (${shortTaskDefinition(service.taskDefinition)})${environment.length ? ' with the same environment' : ''}; nothing registered, no deployment started`,
    );
    return;
  }
  log.info(`Task definition changes: ${changes.join(', ')}`);
  const arn = await d.register(desired, `${options.image} on container ${name}`);
  result.taskDefinitionArn = arn;
  await d.migrate(arn, desired, false);
  const updatedAt = Date.now();
  const started = await pointServiceAt(d, arn);
  result.deploymentId = started?.id;
  log.info(
    `Updated ${options.service}: deployment ${started?.id ?? '(id not returned)'} rolls ${shortTaskDefinition(service.taskDefinition)} → ${shortTaskDefinition(arn)}${result.strategy === 'ROLLING' ? '' : ` (${result.strategy})`}`,
  );
  const strategy = nativeStrategyOf(service);
  if (strategy && options.wait !== false && options.waitUntil !== 'none') {
    await followNative(d, strategy, updatedAt, started?.id, arn);
    return;
  }
  if (options.wait === false || options.waitUntil === 'none') {
    result.status = 'deployed';
    result.waited = false;
    log.info('wait is false: not waiting for the rollout to finish');
    return;
  }
  const watcher = new RolloutWatcher({
    region: options.region,
    cluster: options.cluster,
    service: options.service,
    baseline: service,
    previousTaskDefinitionArn: service.taskDefinition ?? '',
    deploymentId: started?.id,
    taskDefinitionArn: arn,
    containerName: name,
    definitions: d.containersOf,
  });
  let verdict = await watcher.watch({ deadline: d.deadline, signal: options.signal });
  if ((verdict.kind === 'failed' || verdict.kind === 'timeout') && options.rollback !== false) {
    verdict = await rollBack(d, watcher, verdict);
  }
  await d.conclude(
    watcher,
    verdict,
    ` (aws ecs describe-services --cluster ${options.cluster} --services ${options.service})`,
  );
}

/**
 * BLUE_GREEN, CANARY, LINEAR: ECS shifts the traffic and rolls back itself; follow the service deployment
 * (running the test gate at its pause) and report how it ended, with the stopped tasks when tasks failed.
 */
async function followNative(
  d: Deployment,
  strategy: NativeStrategy,
  since: number,
  deploymentId: string | undefined,
  taskDefinitionArn: string,
): Promise<void> {
  const { options, result, service } = d;
  const report = await followServiceDeployment({
    region: options.region,
    cluster: options.cluster,
    service: options.service,
    strategy,
    since,
    waitUntil: options.waitUntil === 'production-traffic' ? 'production-traffic' : 'deployed',
    deadline: d.deadline,
    signal: options.signal,
    gate: options.testGate,
  });
  result.serviceDeployment = report;
  result.rolloutState = report.status;
  const subject = `The ${strategy} rollout of ${shortTaskDefinition(taskDefinitionArn)} to ${options.service}`;
  if (report.exitedAt === 'production-traffic' || report.status === 'SUCCESSFUL') {
    result.status = 'deployed';
    log.info(
      `${subject} ${report.status === 'SUCCESSFUL' ? 'succeeded' : 'has all production traffic'} after ${formatDuration(Date.now() - result.startedAt)}`,
    );
    return;
  }
  // What the failed tasks said, when tasks failed (not the ones ECS stopped to roll back).
  const watcher = new RolloutWatcher({
    region: options.region,
    cluster: options.cluster,
    service: options.service,
    baseline: service,
    previousTaskDefinitionArn: service.taskDefinition ?? '',
    deploymentId,
    taskDefinitionArn,
    containerName: result.containerName,
    definitions: d.containersOf,
  });
  await watcher.check().catch(() => undefined);
  result.timeline = watcher.timeline;
  result.events = watcher.events;
  result.stoppedTasks = (await watcher.diagnose().catch(() => [])).filter(
    (t) => t.stopCode !== 'ServiceSchedulerInitiated',
  );
  const cause = stoppedCause(result.stoppedTasks);
  if (report.exitedAt === 'timeout') {
    const stage = report.stages.at(-1)?.stage;
    return d.fail(
      'failed',
      `${subject} did not finish within ${formatDuration(options.timeoutMs)}: the service deployment was ${report.status ?? 'not found'}${stage ? ` at ${stage}` : ''}${cause}`,
      `The deployment goes on in ECS (it rolls back by itself on its alarms and hook timeouts). Raise timeout-minutes, or look at it with aws ecs describe-service-deployments --service-deployment-arns ${report.arn ?? '<arn>'}.`,
    );
  }
  if (report.status === 'ROLLBACK_SUCCESSFUL') {
    result.rolledBackTo = service.taskDefinition;
    const production = Math.max(0, ...report.traffic.map((t) => t.production));
    return d.fail(
      'rolled-back',
      `${subject} failed and ECS rolled the service back to ${shortTaskDefinition(service.taskDefinition)}: ${report.reason}${cause}`,
      `${production === 0 ? 'The new revision never got production traffic. ' : `The new revision had up to ${production}% of production traffic before the rollback. `}The service runs the previous task definition again; fix the cause above and deploy again.`,
    );
  }
  return d.fail(
    'failed',
    `${subject} ended ${report.status ?? 'without a final state'}: ${report.reason ?? 'no reason given'}${cause}`,
    report.status === 'ROLLBACK_FAILED'
      ? 'ECS could not roll back: look at the service in the console and fix it by hand before deploying again.'
      : 'Look at the service deployment in the console, then deploy again.',
  );
}

/** UpdateService to `taskDefinition`; returns the PRIMARY deployment ECS started for it. */
async function pointServiceAt(d: Deployment, taskDefinition: string) {
  const { options } = d;
  const updated = await aws(
    'ECS UpdateService',
    () =>
      ecsClient(options.region).send(
        new UpdateServiceCommand({ cluster: options.cluster, service: options.service, taskDefinition }),
      ),
    'Check the deploy role may call ecs:UpdateService on this service and iam:PassRole on its roles.',
  );
  return updated.service?.deployments?.find(
    (x) => x.taskDefinition === taskDefinition && x.status === 'PRIMARY',
  );
}

/** How long the action waits for its own rollback, beyond the deploy's timeout. */
const ROLLBACK_TIMEOUT_MS = 10 * 60_000;

/**
 * The rollout failed or timed out and ECS is not rolling it back: put the service back on the task
 * definition it ran before and wait until that deployment completes, so a failed deploy leaves the last
 * good version serving. Returns 'rolled-back' (by the action), or 'failed' saying the rollback did not finish.
 */
async function rollBack(
  d: Deployment,
  failed: RolloutWatcher,
  verdict: RolloutVerdict,
): Promise<RolloutVerdict> {
  const { options, service } = d;
  const previous = service.taskDefinition;
  const why =
    verdict.kind === 'failed'
      ? verdict.reason
      : `it did not finish within ${formatDuration(options.timeoutMs)} (${failed.describeState()})`;
  if (!previous || previous === failed.taskDefinitionArn) return verdict;
  log.warning(
    `The rollout of ${shortTaskDefinition(failed.taskDefinitionArn)} failed: ${why}. Rolling ${options.service} back to ${shortTaskDefinition(previous)}.`,
  );
  let started: Awaited<ReturnType<typeof pointServiceAt>>;
  try {
    started = await pointServiceAt(d, previous);
  } catch (error) {
    return {
      kind: 'failed',
      reason: `${why}; rolling back to ${shortTaskDefinition(previous)} failed too: ${messageOf(error)}`,
    };
  }
  const back = new RolloutWatcher({
    region: options.region,
    cluster: options.cluster,
    service: options.service,
    baseline: failed.service ?? service,
    previousTaskDefinitionArn: failed.taskDefinitionArn ?? '',
    deploymentId: started?.id,
    taskDefinitionArn: previous,
    containerName: d.result.containerName,
    definitions: d.containersOf,
  });
  const outcome = await back.watch({ deadline: Date.now() + ROLLBACK_TIMEOUT_MS, signal: options.signal });
  failed.timeline.push(...back.timeline);
  if (outcome.kind === 'completed') {
    return { kind: 'rolled-back', reason: why, rolledBackTo: previous, by: 'action' };
  }
  const state =
    outcome.kind === 'timeout' ? back.describeState() : 'reason' in outcome ? outcome.reason : outcome.kind;
  return {
    kind: 'failed',
    reason: `${why}; the rollback to ${shortTaskDefinition(previous)} did not complete either (${state})`,
  };
}

async function deployThroughStack(d: Deployment, stackName: string): Promise<void> {
  const { options, result, service, current, action } = d;
  result.path = 'stack';
  result.stack = { name: stackName, status: 'not started' };
  const why = `service ${options.service} is managed by CloudFormation stack ${stackName}, which would revert it on its next update; change it in the stack's template instead`;
  const problems: string[] = [];
  if (options.template) problems.push(`${action}: task-definition: ${why}`);
  if (options.environment?.length) problems.push(`${action}: environment: ${why}`);
  if (problems.length) throw new ConfigurationError(problems);
  const where = `the service's task definition ${shortTaskDefinition(service.taskDefinition)}`;
  const container = selectContainer(current, options.containerName, where, action);
  const name = container.name as string;
  result.containerName = name;
  if (options.wait === false) {
    log.notice(
      `wait: false does not apply to a service managed by CloudFormation: a stack update finishes only once the service is stable`,
    );
    result.waited = true;
  } else if (options.waitUntil && options.waitUntil !== 'deployed') {
    log.notice(
      `wait-until: ${options.waitUntil} does not apply to a service managed by CloudFormation: the stack update ends only once the service deployment has (bake time and clean-up included), so the action waits for it`,
    );
  }
  const cfn = await import('../cloudformation/deploy.js');
  const stack = await cfn.describeStack(stackName, options.region);
  if (!stack) {
    throw new ActionError(
      `CloudFormation stack ${stackName}, which manages service ${options.service}, was not found`,
      {
        hint: options.stack
          ? 'Check the stack input.'
          : 'The service carries the aws:cloudformation:stack-name tag of a stack that no longer exists; set the stack input.',
      },
    );
  }
  const running = stack.parameters[IMAGE_PARAMETER];
  if (running === undefined) {
    throw new ActionError(
      `CloudFormation stack ${stackName} has no ${IMAGE_PARAMETER} parameter, so ${action} cannot roll out a new image through it`,
      {
        hint: `Give the stack an ${IMAGE_PARAMETER} parameter used as the container's Image (see cloudformation/service.yml).`,
      },
    );
  }
  const extra = options.stackParameters ?? {};
  const missing = Object.keys(extra).filter((key) => !(key in stack.parameters));
  if (missing.length > 0) {
    throw new ActionError(`CloudFormation stack ${stackName} has no parameter ${missing.join(', ')}`, {
      hint: 'Only parameters the stack declares can be set with the rollout.',
    });
  }
  const changedParameters = Object.keys(extra).filter((key) => stack.parameters[key] !== extra[key]);
  if (container.image === options.image && running === options.image && changedParameters.length === 0) {
    result.status = 'unchanged';
    result.taskDefinitionArn = service.taskDefinition;
    result.deploymentId = primaryDeployment(service)?.id;
    result.stack.status = 'unchanged';
    log.info(
      `No changes: ${options.service} already runs ${options.image} on container ${name} and stack ${stackName} has it as ${IMAGE_PARAMETER}${Object.keys(extra).length ? ' (and the same other parameters)' : ''}; no stack update`,
    );
    return;
  }
  result.changes = [...(running === options.image ? [] : [IMAGE_PARAMETER]), ...changedParameters].map(
    (key) => `${key} (stack parameter)`,
  );
  let baseline = service;
  if (options.migrateCommand) {
    if (container.image === options.image) {
      // The service already runs the image (only other parameters change): its own revision will do.
      await d.migrate(service.taskDefinition ?? '', current, false);
    } else {
      const migration = withImage(current, name, options.image);
      const arn = await d.register(
        migration,
        'migration only: the stack registers the service revision itself',
      );
      await d.migrate(arn, migration, true);
    }
    baseline = await describeService(options.region, options.cluster, options.service);
  }
  const watcher = new RolloutWatcher({
    region: options.region,
    cluster: options.cluster,
    service: options.service,
    baseline,
    previousTaskDefinitionArn: service.taskDefinition ?? '',
    containerName: name,
    definitions: d.containersOf,
  });
  const stopWatching = new AbortController();
  let watchError: unknown;
  const watching = watcher
    .watch({ deadline: d.deadline, signal: options.signal, until: stopWatching.signal, observeOnly: true })
    .catch((error: unknown) => {
      watchError = error;
    });
  // BLUE_GREEN, CANARY, LINEAR: CloudFormation's update of the service starts a service deployment, which
  // is followed as on the direct path (stages, traffic) and gated at its pause: CloudFormation waits for it.
  // A DeploymentStrategy stack parameter (cloudformation/service.yml's) sets the strategy of that deployment.
  const strategy = nativeStrategy(extra.DeploymentStrategy ?? service.deploymentConfiguration?.strategy);
  let stackError: unknown;
  let stackStatus: string | undefined;
  const { outcome, report, followError } = await followWhile(
    strategy && {
      region: options.region,
      cluster: options.cluster,
      service: options.service,
      strategy,
      deadline: d.deadline,
      signal: options.signal,
      gate: options.testGate,
    },
    () =>
      cfn.deployStack({
        name: stackName,
        region: options.region,
        template: { usePrevious: true },
        parameters: { ...extra, [IMAGE_PARAMETER]: options.image },
        keepPreviousParameters: true,
        timeoutMs: d.remaining(),
        signal: options.signal,
      }),
  );
  if (outcome.status === 'fulfilled') stackStatus = outcome.value.status;
  else stackError = outcome.reason;
  stopWatching.abort();
  await watching;
  if (options.signal?.aborted) throw options.signal.reason;
  if (watchError) log.warning(`Could not follow the ECS deployment: ${messageOf(watchError)}`);
  if (followError) log.warning(`Could not follow the service deployment: ${messageOf(followError)}`);
  if (report?.arn) {
    result.serviceDeployment = report;
    result.rolloutState = report.status;
  }
  // One last look: the deployment CloudFormation started, and where the service ended up.
  let verdict = await watcher.check().catch(() => watcher.verdict);
  if (!stackError) {
    result.stack.status = stackStatus ?? 'updated';
    if (stackStatus === 'unchanged' && container.image !== options.image) {
      return d.fail(
        'failed',
        `Stack ${stackName} already has ${IMAGE_PARAMETER} ${options.image}, but service ${options.service} runs ${container.image ?? 'another image'} (changed outside CloudFormation)`,
        `Fix the drift: update the stack with another ${IMAGE_PARAMETER} and back, or redeploy the stack.`,
      );
    }
    // CloudFormation reports the service stable; should the ECS deployment still be settling, see it end.
    if (watcher.deploymentId && !isTerminal(verdict)) {
      verdict = await watcher.watch({ deadline: d.deadline, signal: options.signal });
    }
    // Known before conclude() reports it (a scale-only update starts no new revision of its own).
    result.taskDefinitionArn =
      watcher.taskDefinitionArn ?? watcher.service?.taskDefinition ?? result.taskDefinitionArn;
    await d.conclude(
      watcher,
      isTerminal(verdict) || verdict.kind === 'timeout' ? verdict : { kind: 'completed' },
      '',
    );
    result.taskDefinitionArn =
      watcher.taskDefinitionArn ?? watcher.service?.taskDefinition ?? result.taskDefinitionArn;
    return;
  }
  const now = watcher.service ?? service;
  const error = stackError as Error & { rootCause?: string; finalStatus?: string };
  result.stack.status = error.finalStatus ?? 'failed';
  result.stack.rootCause = error.rootCause;
  result.deploymentId = watcher.deploymentId;
  result.taskDefinitionArn = watcher.taskDefinitionArn;
  result.rolloutState = report?.status ?? watcher.finalState();
  result.timeline = watcher.timeline;
  result.events = watcher.events;
  result.stoppedTasks = watcher.deploymentId ? await watcher.diagnose() : [];
  // A native strategy's rollback stops the new tasks itself: only tasks that failed on their own tell why.
  if (report)
    result.stoppedTasks = result.stoppedTasks.filter((t) => t.stopCode !== 'ServiceSchedulerInitiated');
  const rolledBack =
    /ROLLBACK_COMPLETE$/.test(error.finalStatus ?? '') && !/FAILED/.test(error.finalStatus ?? '');
  const native =
    report?.status && report.status !== 'SUCCESSFUL'
      ? `the ${report.strategy} service deployment ended ${report.status}: ${report.reason ?? 'no reason given'}`
      : undefined;
  const ecs =
    native ??
    (watcher.deploymentId
      ? `ECS ${watcher.failureReason(`was ${watcher.deployment?.rolloutState ?? watcher.deployment?.status ?? 'not seen'}`)}`
      : undefined);
  const cause = [
    ecs,
    stoppedCause(result.stoppedTasks).replace(/^; /, ''),
    error instanceof TimeoutError ? watcher.describeState() : undefined,
  ]
    .filter(Boolean)
    .join('; ');
  const stackPart = `stack ${stackName} ${rolledBack ? 'rolled back' : `ended in ${error.finalStatus ?? 'failure'}`}${error.rootCause ? ` (${error.rootCause})` : ''}`;
  if (rolledBack) {
    result.rolledBackTo = now.taskDefinition;
    return d.fail(
      'rolled-back',
      `The rollout of ${options.image} to ${options.service} failed${cause ? `: ${cause}` : ''}; ${stackPart}, the service is back on ${shortTaskDefinition(now.taskDefinition)}`,
      'Fix the cause above and deploy again.',
      stackError,
    );
  }
  return d.fail(
    'failed',
    `The rollout of ${options.image} to ${options.service} through stack ${stackName} failed: ${messageOf(stackError)}${cause ? ` (${cause})` : ''}`,
    (stackError as ActionError).hint,
    stackError,
  );
}
