// Change sets: create one, wait until CloudFormation has computed it, read its changes (flagging data loss
// and security changes), tell an empty one apart from a failed one, and delete it.
import {
  type Change,
  type CloudFormationClient,
  CreateChangeSetCommand,
  type CreateChangeSetCommandInput,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  type DescribeChangeSetCommandOutput,
} from '@aws-sdk/client-cloudformation';
import { aws } from '../errors.js';
import { poll } from '../poll.js';
import { classifyChange } from './changes.js';
import type { StackChange } from './types.js';

/** CloudFormation's two ways of saying a change set has nothing to do. */
const EMPTY = [
  /didn'?t contain changes/i,
  /did not contain changes/i,
  /No updates are to be performed/i,
  /submitted information (didn'?t|did not) contain changes/i,
];

export function isEmptyChangeSetReason(reason: string | undefined): boolean {
  return reason !== undefined && EMPTY.some((pattern) => pattern.test(reason));
}

/** A change set name unique to this run and attempt (letters, digits and hyphens; starts with a letter). */
export function changeSetName(env: NodeJS.ProcessEnv = process.env, now = Date.now()): string {
  const run = (env.GITHUB_RUN_ID ?? '').replace(/[^0-9A-Za-z]/g, '');
  const attempt = (env.GITHUB_RUN_ATTEMPT ?? '').replace(/[^0-9A-Za-z]/g, '');
  const parts = ['deploy-stack', run && `run${run}`, attempt && `a${attempt}`, now.toString(36)].filter(
    Boolean,
  );
  return parts.join('-').slice(0, 128);
}

export async function createChangeSet(
  client: CloudFormationClient,
  input: CreateChangeSetCommandInput,
): Promise<{ id: string; stackId: string }> {
  const response = await aws(
    'CloudFormation CreateChangeSet',
    () => client.send(new CreateChangeSetCommand(input)),
    undefined,
  );
  return {
    id: response.Id ?? String(input.ChangeSetName),
    stackId: response.StackId ?? String(input.StackName),
  };
}

export interface ComputedChangeSet {
  status: string;
  executionStatus?: string;
  statusReason?: string;
  changes: StackChange[];
  stackId?: string;
}

/** Waits until the change set is computed (CREATE_COMPLETE) or FAILED, and reads all its changes. */
export async function waitForChangeSet(
  client: CloudFormationClient,
  changeSetId: string,
  options: { timeoutMs: number; signal?: AbortSignal; stackName: string },
): Promise<ComputedChangeSet> {
  let last: DescribeChangeSetCommandOutput | undefined;
  const first = await poll<DescribeChangeSetCommandOutput>({
    what: `the change set of stack ${options.stackName}`,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    // A change set takes a second or a few: look early.
    initialIntervalMs: Math.min(1000, Number(process.env.DEPLOY_ACTIONS_POLL_INTERVAL_MS) || 1000),
    timeoutHint: 'CloudFormation is still computing the change set; look at it in the CloudFormation console',
    describeState: () => (last ? `Last status: ${last.Status} ${last.StatusReason ?? ''}` : undefined),
    check: async () => {
      const current = await aws('CloudFormation DescribeChangeSet', () =>
        client.send(new DescribeChangeSetCommand({ ChangeSetName: changeSetId })),
      );
      last = current;
      const status = current.Status ?? '';
      if (status === 'CREATE_COMPLETE' || status === 'FAILED' || status.startsWith('DELETE'))
        return { done: true, value: current };
      return { done: false };
    },
  });
  const changes = [...(first.Changes ?? [])];
  let token = first.NextToken;
  while (token) {
    const page = await aws('CloudFormation DescribeChangeSet', () =>
      client.send(new DescribeChangeSetCommand({ ChangeSetName: changeSetId, NextToken: token })),
    );
    changes.push(...(page.Changes ?? []));
    token = page.NextToken;
  }
  return {
    status: first.Status ?? 'UNKNOWN',
    executionStatus: first.ExecutionStatus,
    statusReason: first.StatusReason,
    changes: changes.map(toStackChange).filter((c): c is StackChange => c !== undefined),
    stackId: first.StackId,
  };
}

export function toStackChange(change: Change): StackChange | undefined {
  const resource = change.ResourceChange;
  if (!resource) return undefined;
  const properties: string[] = [];
  for (const detail of resource.Details ?? []) {
    const target = detail.Target;
    if (!target?.Attribute) continue;
    const name =
      target.Attribute === 'Properties' ? (target.Name ?? target.Path ?? 'Properties') : target.Attribute;
    if (!properties.includes(name)) properties.push(name);
  }
  if (properties.length === 0 && resource.Action === 'Modify') {
    for (const scope of resource.Scope ?? []) if (!properties.includes(scope)) properties.push(scope);
  }
  return classifyChange({
    action: resource.Action ?? 'Unknown',
    logicalId: resource.LogicalResourceId ?? '',
    physicalId: resource.PhysicalResourceId || undefined,
    type: resource.ResourceType ?? '',
    replacement: resource.Action === 'Modify' ? resource.Replacement : undefined,
    properties,
    policyAction: resource.PolicyAction,
  });
}

export async function deleteChangeSet(client: CloudFormationClient, changeSetId: string): Promise<void> {
  await aws('CloudFormation DeleteChangeSet', () =>
    client.send(new DeleteChangeSetCommand({ ChangeSetName: changeSetId })),
  );
}
