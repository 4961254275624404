// The CloudFormation client and the stack description every module needs. Load this module (and the ones
// importing it) with a dynamic import() after the inputs are validated.
import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { regionalClient } from '../aws.js';
import { aws } from '../errors.js';
import type { StackDescription } from './types.js';

/** One client per region for the life of the process. */
export function cloudFormationClient(region: string): CloudFormationClient {
  return regionalClient(CloudFormationClient, region);
}

function isMissingStack(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return e?.name === 'ValidationError' && /does not exist/i.test(e.message ?? '');
}

/** DescribeStacks on one stack (name or id); undefined when it does not exist. */
export async function describeStackRaw(
  client: CloudFormationClient,
  nameOrId: string,
): Promise<Stack | undefined> {
  try {
    const response = await client.send(new DescribeStacksCommand({ StackName: nameOrId }));
    return response.Stacks?.[0];
  } catch (error) {
    if (isMissingStack(error)) return undefined;
    throw error;
  }
}

export function toDescription(stack: Stack): StackDescription {
  const pairs = <T>(
    items: T[] | undefined,
    key: (t: T) => string | undefined,
    value: (t: T) => string | undefined,
  ) => {
    const out: Record<string, string> = {};
    for (const item of items ?? []) {
      const k = key(item);
      if (k !== undefined) out[k] = value(item) ?? '';
    }
    return out;
  };
  return {
    stackId: stack.StackId ?? '',
    name: stack.StackName ?? '',
    status: stack.StackStatus ?? 'UNKNOWN',
    statusReason: stack.StackStatusReason,
    parameters: pairs(
      stack.Parameters,
      (p) => p.ParameterKey,
      (p) => p.ResolvedValue ?? p.ParameterValue,
    ),
    outputs: pairs(
      stack.Outputs,
      (o) => o.OutputKey,
      (o) => o.OutputValue,
    ),
    tags: pairs(
      stack.Tags,
      (t) => t.Key,
      (t) => t.Value,
    ),
    terminationProtection: stack.EnableTerminationProtection === true,
    lastUpdatedTime: stack.LastUpdatedTime?.toISOString(),
    creationTime: stack.CreationTime?.toISOString(),
  };
}

/** The stack's status, parameters, outputs and tags; undefined when there is no such stack. */
export async function describeStack(name: string, region: string): Promise<StackDescription | undefined> {
  const client = cloudFormationClient(region);
  const stack = await aws('CloudFormation DescribeStacks', () => describeStackRaw(client, name));
  return stack ? toDescription(stack) : undefined;
}
