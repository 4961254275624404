// Why tasks stopped: the task's stop reason and code, each container's exit code and reason, and the last
// lines each failed container logged.
import {
  type ContainerDefinition,
  DescribeTasksCommand,
  ListTasksCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { escapeData } from '../echo.js';
import { aws } from '../errors.js';
import { ecsClient } from './clients.js';
import { tailContainerLogs, taskIdOf } from './logs.js';
import type { ContainerExit, StoppedTask } from './types.js';

export function toStoppedTask(task: Task): StoppedTask {
  const taskArn = task.taskArn ?? '';
  return {
    taskArn,
    taskId: taskIdOf(taskArn),
    taskDefinitionArn: task.taskDefinitionArn,
    startedBy: task.startedBy,
    stoppedReason: task.stoppedReason,
    stopCode: task.stopCode,
    stoppedAt: task.stoppedAt?.getTime() ?? task.stoppingAt?.getTime(),
    containers: (task.containers ?? []).map(
      (c): ContainerExit => ({
        name: c.name ?? '?',
        exitCode: c.exitCode,
        reason: c.reason,
        lastStatus: c.lastStatus,
      }),
    ),
    logs: [],
  };
}

/** DescribeTasks in batches of 100 (the API's limit). */
export async function describeTasks(region: string, cluster: string, taskArns: string[]): Promise<Task[]> {
  const tasks: Task[] = [];
  for (let i = 0; i < taskArns.length; i += 100) {
    const response = await aws('ECS DescribeTasks', () =>
      ecsClient(region).send(new DescribeTasksCommand({ cluster, tasks: taskArns.slice(i, i + 100) })),
    );
    tasks.push(...(response.tasks ?? []));
  }
  return tasks;
}

/**
 * The service's stopped tasks (ECS keeps them visible for about an hour) that ran `taskDefinitionArn` or
 * were started by `deploymentId`, newest first. Tasks in `seen` are not described again; every task that
 * has finished stopping is added to it (tasks still stopping are looked at again next time).
 */
export async function findStoppedTasks(options: {
  region: string;
  cluster: string;
  service: string;
  taskDefinitionArn?: string;
  deploymentId?: string;
  seen?: Set<string>;
}): Promise<StoppedTask[]> {
  const listed = await aws('ECS ListTasks', () =>
    ecsClient(options.region).send(
      new ListTasksCommand({
        cluster: options.cluster,
        serviceName: options.service,
        desiredStatus: 'STOPPED',
        maxResults: 100,
      }),
    ),
  );
  const arns = (listed.taskArns ?? []).filter((arn) => !options.seen?.has(arn));
  if (arns.length === 0) return [];
  const tasks = (await describeTasks(options.region, options.cluster, arns)).filter(
    (t) => t.lastStatus === 'STOPPED',
  );
  for (const task of tasks) if (task.taskArn) options.seen?.add(task.taskArn);
  return tasks
    .filter(
      (t) =>
        (options.taskDefinitionArn !== undefined && t.taskDefinitionArn === options.taskDefinitionArn) ||
        (options.deploymentId !== undefined && t.startedBy === options.deploymentId),
    )
    .map(toStoppedTask)
    .sort((a, b) => (b.stoppedAt ?? 0) - (a.stoppedAt ?? 0));
}

/** Containers worth reading the logs of: those that failed, else `preferred`, else every container. */
export function containersToTail(task: StoppedTask, preferred?: string): string[] {
  const failed = task.containers.filter((c) => (c.exitCode !== undefined && c.exitCode !== 0) || c.reason);
  if (failed.length > 0) return failed.map((c) => c.name);
  if (preferred && task.containers.some((c) => c.name === preferred)) return [preferred];
  return task.containers.map((c) => c.name);
}

/** Adds the last `lines` log lines of the containers that matter to each task (in place). */
export async function attachLogs(
  tasks: StoppedTask[],
  definitions: (taskDefinitionArn: string | undefined) => Promise<ContainerDefinition[]>,
  region: string,
  preferred?: string,
  lines = 20,
): Promise<void> {
  await Promise.all(
    tasks.map(async (task) => {
      const containers = await definitions(task.taskDefinitionArn);
      task.logs = await Promise.all(
        containersToTail(task, preferred).map((name) =>
          tailContainerLogs(
            containers.find((c) => c.name === name),
            name,
            task.taskArn,
            region,
            lines,
          ),
        ),
      );
    }),
  );
}

/** One line for the log: `Task 1a2b stopped: <reason> (<code>); app exited 1 (<reason>)`. */
export function describeStoppedTask(task: StoppedTask): string {
  const exits = task.containers
    .filter((c) => c.exitCode !== undefined || c.reason)
    .map(
      (c) =>
        `${c.name} ${c.exitCode === undefined ? 'did not exit normally' : `exited ${c.exitCode}`}${c.reason ? ` (${escapeData(c.reason)})` : ''}`,
    );
  // The reasons are ECS's text, which quotes the container's own output (e.g. an essential container's error).
  return `Task ${task.taskId} stopped: ${escapeData(task.stoppedReason ?? 'no reason given')}${task.stopCode ? ` (${task.stopCode})` : ''}${exits.length ? `; ${exits.join(', ')}` : ''}`;
}
