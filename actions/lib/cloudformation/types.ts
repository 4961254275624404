// Types shared by the CloudFormation library modules (no SDK imports here: safe to load before inputs are valid).

/** One line of a stack operation's timeline. */
export interface StackEventLine {
  /** ISO timestamp of the event. */
  time: string;
  logicalId: string;
  physicalId?: string;
  type: string;
  status: string;
  reason?: string;
  /** The stack the event belongs to (differs from the deployed stack for nested stacks). */
  stackName?: string;
  eventId?: string;
}

export interface StackChange {
  action: string;
  logicalId: string;
  physicalId?: string;
  type: string;
  /** `True`, `Conditional` or `False` (CloudFormation's words), when the change modifies a resource. */
  replacement?: string;
  /** Properties (or tags, metadata…) that change, e.g. `Properties.BucketName`. */
  properties: string[];
  /** A stateful resource (database, table, bucket, file system, cache, log group…) replaced or removed. */
  stateful: boolean;
  /** A security-relevant resource (IAM, security groups, KMS, bucket policies…) changed. */
  security: boolean;
}

export interface StackDescription {
  stackId: string;
  name: string;
  status: string;
  statusReason?: string;
  parameters: Record<string, string>;
  outputs: Record<string, string>;
  tags: Record<string, string>;
  terminationProtection: boolean;
  lastUpdatedTime?: string;
  creationTime?: string;
}
