// Writes container output into moto's CloudWatch Logs, the way the awslogs driver would.
import { AwsError, type MotoClient } from './wire.js';

export interface AwslogsTarget {
  group: string;
  stream: string;
}

/** The awslogs stream of a container in a task (`<prefix>/<container>/<taskId>`), if it logs with awslogs. */
export function awslogsTarget(
  containerDefinition: Record<string, unknown> | undefined,
  taskId: string,
): AwslogsTarget | undefined {
  const config = containerDefinition?.logConfiguration as
    | { logDriver?: string; options?: Record<string, string> }
    | undefined;
  if (config?.logDriver !== 'awslogs') return undefined;
  const group = config.options?.['awslogs-group'];
  const prefix = config.options?.['awslogs-stream-prefix'];
  if (!group || !prefix) return undefined;
  return { group, stream: `${prefix}/${String(containerDefinition?.name)}/${taskId}` };
}

/** Appends lines to a stream, timestamps spread evenly over [fromMs, toMs]. */
export async function writeLogLines(
  moto: MotoClient,
  target: AwslogsTarget,
  lines: string[],
  fromMs: number,
  toMs: number,
): Promise<void> {
  if (lines.length === 0) return;
  await ignoring('ResourceAlreadyExistsException', () =>
    moto.json('logs', 'CreateLogGroup', { logGroupName: target.group }),
  );
  await ignoring('ResourceAlreadyExistsException', () =>
    moto.json('logs', 'CreateLogStream', { logGroupName: target.group, logStreamName: target.stream }),
  );
  const step = lines.length > 1 ? Math.max(0, (toMs - fromMs) / (lines.length - 1)) : 0;
  await moto.json('logs', 'PutLogEvents', {
    logGroupName: target.group,
    logStreamName: target.stream,
    logEvents: lines.map((message, i) => ({ timestamp: Math.round(fromMs + i * step), message })),
  });
}

async function ignoring(code: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    if (!(error instanceof AwsError && error.code === code)) throw error;
  }
}
