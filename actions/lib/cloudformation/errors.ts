// The failure of a stack operation, kept apart from the SDK-using modules so summaries and callers can
// recognise it (instanceof) without loading the SDK.
import { ActionError } from '../errors.js';
import type { StackChange, StackEventLine } from './types.js';

export interface StackOperationErrorOptions {
  stackName: string;
  /** The first failed resource's reason: `Queue (AWS::SQS::Queue): <reason>`; not "Resource creation cancelled". */
  rootCause?: string;
  /** The stack's status once CloudFormation was done (e.g. ROLLBACK_COMPLETE, UPDATE_ROLLBACK_COMPLETE). */
  finalStatus?: string;
  stackId?: string;
  changeSetId?: string;
  changes?: StackChange[];
  events?: StackEventLine[];
  /** The operation that failed: a change set's creation, or its execution (create / update). */
  phase: 'change-set' | 'create' | 'update' | 'cancelled' | 'timeout';
  hint?: string;
  details?: string;
  cause?: unknown;
}

/** A stack operation failed, rolled back, was cancelled or timed out; `rootCause` names why. */
export class StackOperationError extends ActionError {
  override readonly name = 'StackOperationError';
  readonly stackName: string;
  readonly rootCause?: string;
  readonly finalStatus?: string;
  readonly stackId?: string;
  readonly changeSetId?: string;
  readonly changes: StackChange[];
  readonly events: StackEventLine[];
  readonly phase: StackOperationErrorOptions['phase'];

  constructor(message: string, options: StackOperationErrorOptions) {
    super(message, { hint: options.hint, details: options.details, cause: options.cause });
    this.stackName = options.stackName;
    this.rootCause = options.rootCause;
    this.finalStatus = options.finalStatus;
    this.stackId = options.stackId;
    this.changeSetId = options.changeSetId;
    this.changes = options.changes ?? [];
    this.events = options.events ?? [];
    this.phase = options.phase;
  }
}
