// The last lines a container wrote to CloudWatch Logs, found from its awslogs configuration: the stream is
// `<awslogs-stream-prefix>/<container-name>/<task-id>` in `awslogs-group`, in `awslogs-region`.
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import { escapeData } from '../echo.js';
import { aws, messageOf } from '../errors.js';
import { logsClient } from './clients.js';
import type { ContainerLogTail } from './types.js';

export interface AwsLogsLocation {
  region: string;
  group: string;
  stream: string;
}

/** The task ID: the last part of a task ARN. */
export function taskIdOf(taskArn: string): string {
  return taskArn.split('/').pop() ?? taskArn;
}

/**
 * Where a container of a task logs, or why it cannot be known (no awslogs driver, no stream prefix: then
 * the stream name is the container instance's, not derivable from the task).
 */
export function awslogsLocation(
  container: ContainerDefinition | undefined,
  taskArn: string,
  defaultRegion: string,
): AwsLogsLocation | string {
  const config = container?.logConfiguration;
  if (!container || !config) return 'the container has no log configuration';
  if (config.logDriver !== 'awslogs') {
    return `the container logs with the ${config.logDriver} driver, not awslogs`;
  }
  const options = config.options ?? {};
  const group = options['awslogs-group'];
  const prefix = options['awslogs-stream-prefix'];
  if (!group) return 'the awslogs configuration has no awslogs-group';
  if (!prefix) return 'the awslogs configuration has no awslogs-stream-prefix, so the stream cannot be found';
  return {
    region: options['awslogs-region'] ?? defaultRegion,
    group,
    stream: `${prefix}/${container.name}/${taskIdOf(taskArn)}`,
  };
}

/** The last `limit` lines of a container's awslogs stream; never throws (reports why lines are missing). */
export async function tailContainerLogs(
  container: ContainerDefinition | undefined,
  containerName: string,
  taskArn: string,
  region: string,
  limit = 20,
): Promise<ContainerLogTail> {
  const location = awslogsLocation(container, taskArn, region);
  if (typeof location === 'string') return { container: containerName, lines: [], unavailable: location };
  const tail: ContainerLogTail = {
    container: containerName,
    logGroup: location.group,
    logStream: location.stream,
    lines: [],
  };
  try {
    const response = await aws('CloudWatch Logs GetLogEvents', () =>
      logsClient(location.region).send(
        new GetLogEventsCommand({
          logGroupName: location.group,
          logStreamName: location.stream,
          limit,
          startFromHead: false,
        }),
      ),
    );
    // What the container wrote is printed in the log: one event is one line, its own line breaks (and `%`)
    // escaped as the toolkit escapes command data, so no event can start a workflow command of its own.
    tail.lines = (response.events ?? [])
      .map((e) => escapeData((e.message ?? '').replace(/\r?\n$/, '')))
      .slice(-limit);
    if (tail.lines.length === 0) tail.unavailable = 'the log stream is empty';
  } catch (error) {
    const name = ((error as Error).cause as { name?: string } | undefined)?.name;
    tail.unavailable =
      name === 'ResourceNotFoundException'
        ? `no log stream ${location.stream} in ${location.group} (the container may never have started)`
        : messageOf(error);
  }
  return tail;
}
