// Names why a stack operation failed: the first resource that failed with a reason of its own, not the
// resources CloudFormation cancelled because of it ("Resource creation cancelled") nor the stack's final
// status ("The following resource(s) failed to create: [...]"). No SDK.
import type { StackEventLine } from './types.js';

/** Reasons that are a consequence of another failure, never the cause. */
const CONSEQUENCES: RegExp[] = [
  /^Resource (creation|update|deletion) cancelled\.?$/i,
  /^Resource (creation|update|deletion) (was )?cancelled/i,
  /^The following resource\(s\) failed to (create|update|delete)/i,
  /^Stack operation (was )?cancelled/i,
  /^Resource handler returned message: "?Resource (creation|update) cancelled/i,
];

export interface RootCause {
  logicalId: string;
  type: string;
  status: string;
  reason: string;
  time: string;
}

export function isConsequence(reason: string | undefined): boolean {
  return reason === undefined || reason.trim() === '' || CONSEQUENCES.some((p) => p.test(reason.trim()));
}

function isFailure(status: string): boolean {
  return status.endsWith('_FAILED') || status === 'VALIDATION_ERROR' || status === 'PROVISIONING_ERROR';
}

/**
 * The root cause among `events` (any order; sorted by time here): the earliest failed resource event whose
 * reason is its own. Falls back to a failed resource with a consequential reason, then to the stack's own
 * failure reason. `stackName` tells the stack's own events apart from its resources'.
 */
export function findRootCause(events: StackEventLine[], stackName: string): RootCause | undefined {
  const sorted = [...events].sort((a, b) => a.time.localeCompare(b.time));
  const isStack = (e: StackEventLine) =>
    e.type === 'AWS::CloudFormation::Stack' && (e.logicalId === stackName || e.stackName === e.logicalId);
  const failed = sorted.filter((e) => isFailure(e.status));
  const pick =
    failed.find((e) => !isStack(e) && !isConsequence(e.reason)) ??
    failed.find((e) => !isConsequence(e.reason)) ??
    failed.find((e) => !isStack(e)) ??
    sorted.filter((e) => isStack(e) && e.status.includes('ROLLBACK') && !isConsequence(e.reason))[0];
  if (!pick) return undefined;
  return {
    logicalId: pick.logicalId,
    type: pick.type,
    status: pick.status,
    reason: pick.reason?.trim() || 'no reason given',
    time: pick.time,
  };
}

/** `Queue (AWS::SQS::Queue) CREATE_FAILED: <reason>` */
export function formatRootCause(cause: RootCause): string {
  return `${cause.logicalId} (${cause.type}) ${cause.status}: ${cause.reason}`;
}
