// A one-off task before the rollout (database migrations): the new task definition with the command
// overridden on the target container, in the service's own network configuration and capacity, waited
// for until it stops. The deploy goes on only if the container exits 0.
import { randomUUID } from 'node:crypto';
import {
  type ContainerDefinition,
  RunTaskCommand,
  type RunTaskCommandInput,
  type Service,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { log } from '../core.js';
import { ActionError, aws, messageOf, TimeoutError } from '../errors.js';
import { formatDuration } from '../inputs.js';
import { poll } from '../poll.js';
import { ecsClient } from './clients.js';
import { tailContainerLogs, taskIdOf } from './logs.js';
import { describeTasks } from './stopped-tasks.js';
import type { MigrationResult } from './types.js';

export interface MigrationOptions {
  region: string;
  cluster: string;
  /** The service whose network configuration, launch type / capacity providers and platform version the task uses. */
  service: Service;
  taskDefinitionArn: string;
  containerName: string;
  /** The container definitions of `taskDefinitionArn` (for the log stream). */
  containers: ContainerDefinition[];
  command: string[];
  migrationOnlyRevision: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  logLines?: number;
}

/** RunTask's input: the service's placement, the command on the target container. */
export function migrationTaskInput(options: MigrationOptions): RunTaskCommandInput {
  const { service } = options;
  const strategy = service.capacityProviderStrategy?.length ? service.capacityProviderStrategy : undefined;
  return {
    cluster: options.cluster,
    taskDefinition: options.taskDefinitionArn,
    count: 1,
    startedBy: 'deploy-ecs-migration',
    // Idempotent: an SDK retry of this call cannot start a second migration.
    clientToken: randomUUID(),
    ...(strategy
      ? { capacityProviderStrategy: strategy }
      : service.launchType
        ? { launchType: service.launchType }
        : {}),
    ...(service.platformVersion ? { platformVersion: service.platformVersion } : {}),
    ...(service.networkConfiguration ? { networkConfiguration: service.networkConfiguration } : {}),
    overrides: { containerOverrides: [{ name: options.containerName, command: options.command }] },
  };
}

/** Runs the migration task and waits for it; resolves with its outcome (a non-zero exit is not thrown). */
export async function runMigration(options: MigrationOptions): Promise<MigrationResult> {
  const started = Date.now();
  const shown = options.command.join(' ');
  log.info(`Migration: running \`${shown}\` in a one-off task of the new task definition`);
  const response = await aws('ECS RunTask', () =>
    ecsClient(options.region).send(new RunTaskCommand(migrationTaskInput(options))),
  );
  const failure = response.failures?.[0];
  const taskArn = response.tasks?.[0]?.taskArn;
  if (failure || !taskArn) {
    throw new ActionError(
      `ECS could not start the migration task: ${failure?.reason ?? 'no task returned'}${failure?.detail ? ` (${failure.detail})` : ''}`,
      {
        hint: 'Check the cluster has capacity for one more task and the service network configuration is valid; nothing was rolled out.',
      },
    );
  }
  const taskId = taskIdOf(taskArn);
  log.info(`Migration task ${taskId} started`);
  let lastStatus = '';
  const task = await poll<Task>({
    what: `the migration task ${taskId}`,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    timeoutHint: 'The task may still be running (see it in the ECS console); nothing was rolled out.',
    describeState: () => `The migration task was ${lastStatus || 'not yet seen'}.`,
    check: async () => {
      const [described] = await describeTasks(options.region, options.cluster, [taskArn]);
      const status = described?.lastStatus ?? 'unknown';
      if (status !== lastStatus) log.info(`Migration task ${taskId}: ${status}`);
      lastStatus = status;
      if (!described || status !== 'STOPPED') return { done: false };
      return { done: true, value: described };
    },
  }).catch(async (error: unknown) => {
    if (options.signal?.aborted) throw await stopCancelledMigration(options, taskArn, error);
    if (error instanceof TimeoutError) {
      throw new TimeoutError(
        `${error.message} (it was ${lastStatus || 'not yet seen'}); nothing was rolled out`,
        {
          hint: error.hint,
        },
      );
    }
    throw error;
  });
  const container = task.containers?.find((c) => c.name === options.containerName);
  const exitCode = container?.exitCode;
  const logs = await tailContainerLogs(
    options.containers.find((c) => c.name === options.containerName),
    options.containerName,
    taskArn,
    options.region,
    options.logLines ?? 20,
  );
  const result: MigrationResult = {
    command: options.command,
    taskArn,
    taskDefinitionArn: options.taskDefinitionArn,
    migrationOnlyRevision: options.migrationOnlyRevision,
    exitCode,
    stoppedReason: task.stoppedReason ?? container?.reason,
    stopCode: task.stopCode,
    durationMs: Date.now() - started,
    succeeded: exitCode === 0,
    logs,
  };
  log.info(
    `Migration task ${taskId} ${exitCode === undefined ? `stopped without an exit code: ${result.stoppedReason ?? 'no reason given'}` : `exited ${exitCode}`} after ${formatDuration(result.durationMs)}`,
  );
  return result;
}

/**
 * The job was cancelled while the migration ran: a one-off task does not stop with the job, so it is stopped
 * here (a migration half applied is what the migration's own transaction and advisory lock are for), and
 * the error says so.
 */
async function stopCancelledMigration(
  options: MigrationOptions,
  taskArn: string,
  cancelled: unknown,
): Promise<ActionError> {
  const taskId = taskIdOf(taskArn);
  try {
    await aws('ECS StopTask', () =>
      ecsClient(options.region).send(
        new StopTaskCommand({
          cluster: options.cluster,
          task: taskArn,
          reason: 'The deploy job was cancelled while the migration ran',
        }),
      ),
    );
    log.warning(`The job was cancelled: stopped the migration task ${taskId}; nothing was rolled out.`);
    return new ActionError(
      `${messageOf(cancelled)}; the migration task ${taskId} was stopped, nothing was rolled out`,
      {
        hint: 'Deploy again to run the migration from the start.',
        cause: cancelled,
      },
    );
  } catch (error) {
    log.warning(
      `The job was cancelled, but the migration task ${taskId} could not be stopped: ${messageOf(error)}`,
    );
    return new ActionError(
      `${messageOf(cancelled)}; the migration task ${taskId} could not be stopped (${messageOf(error)}) and may still be running`,
      {
        hint: `Stop it in the ECS console or with: aws ecs stop-task --cluster ${options.cluster} --task ${taskArn}`,
        cause: cancelled,
      },
    );
  }
}
