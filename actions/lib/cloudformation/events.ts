// Streams one stack operation's events as they happen. Prefers CloudFormation's DescribeEvents API (events
// grouped by operation id, which also covers the automatic rollback an operation may trigger), and falls
// back to DescribeStackEvents, keeping only events newer than the last one seen before the operation began,
// when DescribeEvents is not available (older endpoints, or a policy without cloudformation:DescribeEvents).
import {
  type CloudFormationClient,
  DescribeEventsCommand,
  DescribeStackEventsCommand,
  type OperationEvent,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { log } from '../core.js';
import { aws, describeAwsError, isNetworkError, messageOf } from '../errors.js';
import type { StackEventLine } from './types.js';

export function fromStackEvent(event: StackEvent): StackEventLine {
  return {
    time: (event.Timestamp ?? new Date()).toISOString(),
    logicalId: event.LogicalResourceId ?? '',
    physicalId: event.PhysicalResourceId,
    type: event.ResourceType ?? '',
    status: event.ResourceStatus ?? '',
    reason: event.ResourceStatusReason || event.HookStatusReason || undefined,
    stackName: event.StackName,
    eventId: event.EventId,
  };
}

export function fromOperationEvent(event: OperationEvent): StackEventLine {
  const validation = event.EventType === 'VALIDATION_ERROR';
  return {
    time: (event.Timestamp ?? event.StartTime ?? new Date()).toISOString(),
    logicalId: event.LogicalResourceId ?? '',
    physicalId: event.PhysicalResourceId,
    type: event.ResourceType ?? '',
    status: event.ResourceStatus ?? event.EventType ?? '',
    reason:
      (validation ? event.ValidationStatusReason : undefined) ||
      event.ResourceStatusReason ||
      event.HookStatusReason ||
      event.ValidationStatusReason ||
      undefined,
    stackName: event.StackId?.split(':stack/')[1]?.split('/')[0],
    eventId: event.EventId,
  };
}

/** An error meaning "this endpoint or role cannot use DescribeEvents", as opposed to a transient failure. */
function describeEventsUnavailable(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (!e || typeof e !== 'object' || isNetworkError(error)) return false;
  if (/Throttl|TooManyRequests|RequestLimitExceeded/.test(e.name ?? '')) return false;
  const status = e.$metadata?.httpStatusCode;
  return status === undefined || (status >= 400 && status < 500) || status === 501;
}

export interface EventStreamOptions {
  /** The stack (its id is best: events of a deleted namesake never mix in). */
  stack: string;
  /** The newest event id seen before the operation started (fallback boundary). */
  afterEventId?: string;
  /** When the operation started, from this machine's clock (fallback boundary when there is no event id). */
  since: Date;
}

/** One line per event, as it appears in the log: time, logical id, type, status, reason. */
export function formatEventLine(event: StackEventLine): string {
  const time = event.time.slice(11, 19);
  const reason = event.reason ? `  ${event.reason.replace(/\s+/g, ' ')}` : '';
  return `${time}  ${event.logicalId.padEnd(28)} ${event.type.padEnd(32)} ${event.status.padEnd(22)}${reason}`.trimEnd();
}

export class StackEventStream {
  private readonly seen = new Set<string>();
  private readonly operations = new Set<string>();
  private useDescribeEvents = true;
  readonly events: StackEventLine[] = [];

  constructor(
    private readonly client: CloudFormationClient,
    private readonly options: EventStreamOptions,
  ) {}

  /** Follows the events of this operation id too (an operation and the rollback it triggered). */
  addOperation(operationId: string | undefined): void {
    if (operationId) this.operations.add(operationId);
  }

  get source(): 'DescribeEvents' | 'DescribeStackEvents' {
    return this.useDescribeEvents && this.operations.size > 0 ? 'DescribeEvents' : 'DescribeStackEvents';
  }

  /** Fetches the events that appeared since the last call, oldest first, and remembers them. */
  async next(): Promise<StackEventLine[]> {
    let fresh: StackEventLine[] | undefined;
    if (this.useDescribeEvents && this.operations.size > 0) fresh = await this.fromOperations();
    fresh ??= await this.fromStackEvents();
    // Both APIs list newest first; reversed, events with the same timestamp keep their real order.
    fresh.reverse();
    fresh.sort((a, b) => a.time.localeCompare(b.time));
    this.events.push(...fresh);
    return fresh;
  }

  private remember(line: StackEventLine): boolean {
    const key = line.eventId ?? `${line.time}|${line.logicalId}|${line.status}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }

  private async fromOperations(): Promise<StackEventLine[] | undefined> {
    const fresh: StackEventLine[] = [];
    try {
      for (const operationId of this.operations) {
        let token: string | undefined;
        do {
          const page = await this.client.send(
            new DescribeEventsCommand({ OperationId: operationId, NextToken: token }),
          );
          for (const event of page.OperationEvents ?? []) {
            // Progress events of a hook or a validation without a resource status add nothing to the timeline.
            if (
              !event.ResourceStatus &&
              event.EventType !== 'PROVISIONING_ERROR' &&
              event.EventType !== 'HOOK_INVOCATION_ERROR'
            )
              continue;
            const line = fromOperationEvent(event);
            if (this.remember(line)) fresh.push(line);
          }
          token = page.NextToken;
        } while (token);
      }
      return fresh;
    } catch (error) {
      if (!describeEventsUnavailable(error)) throw describeAwsError('CloudFormation DescribeEvents', error);
      log.debug(`DescribeEvents is not available (${messageOf(error)}); reading DescribeStackEvents instead`);
      this.useDescribeEvents = false;
      return undefined;
    }
  }

  private async fromStackEvents(): Promise<StackEventLine[]> {
    const fresh: StackEventLine[] = [];
    const { afterEventId, since } = this.options;
    // A few seconds of slack for the difference between this machine's clock and AWS's.
    const notBefore = since.getTime() - 5000;
    let token: string | undefined;
    pages: do {
      const page = await aws('CloudFormation DescribeStackEvents', () =>
        this.client.send(new DescribeStackEventsCommand({ StackName: this.options.stack, NextToken: token })),
      );
      // Newest first: stop at the boundary or at an event already seen.
      for (const event of page.StackEvents ?? []) {
        if (afterEventId !== undefined && event.EventId === afterEventId) break pages;
        if (afterEventId === undefined && event.Timestamp && event.Timestamp.getTime() < notBefore)
          break pages;
        const line = fromStackEvent(event);
        if (!this.remember(line)) break pages;
        fresh.push(line);
      }
      token = page.NextToken;
    } while (token);
    return fresh;
  }
}

/** The newest event id of a stack (the boundary for streaming the next operation's events). */
export async function newestEventId(
  client: CloudFormationClient,
  stack: string,
): Promise<string | undefined> {
  const page = await aws('CloudFormation DescribeStackEvents', () =>
    client.send(new DescribeStackEventsCommand({ StackName: stack })),
  );
  return page.StackEvents?.[0]?.EventId;
}

export interface ValidationFailure {
  logicalId?: string;
  /** The property path CloudFormation's early validation points at, e.g. /Resources/Bucket/Properties/BucketName. */
  path?: string;
  reason: string;
  validation?: string;
}

/**
 * The failed events of a change set's creation (early validation errors) from DescribeEvents; undefined
 * when the API is not available, so the caller falls back to the change set's StatusReason.
 */
export async function changeSetFailures(
  client: CloudFormationClient,
  changeSetId: string,
  stackName: string,
): Promise<ValidationFailure[] | undefined> {
  const failures: ValidationFailure[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await client.send(
        new DescribeEventsCommand({
          ChangeSetName: changeSetId,
          StackName: changeSetId.startsWith('arn:') ? undefined : stackName,
          Filters: { FailedEvents: true },
          NextToken: token,
        }),
      );
      for (const event of page.OperationEvents ?? []) {
        const reason = event.ValidationStatusReason || event.ResourceStatusReason || event.HookStatusReason;
        if (!reason) continue;
        failures.push({
          logicalId: event.LogicalResourceId,
          path: event.ValidationPath,
          reason,
          validation: event.ValidationName,
        });
      }
      token = page.NextToken;
    } while (token);
    return failures;
  } catch (error) {
    if (!describeEventsUnavailable(error)) throw describeAwsError('CloudFormation DescribeEvents', error);
    log.debug(`DescribeEvents is not available (${messageOf(error)}); using the change set's status reason`);
    return undefined;
  }
}
