// Deploys a CloudFormation stack, always through a change set: check the template and parameters locally,
// look at the stack (re-create one left in ROLLBACK_COMPLETE by a failed first create, refuse one that is
// busy or broken, saying what to do), create the change set and show it (data loss and security changes
// flagged), execute it while streaming the operation's events, and name the root cause when it fails.
// Load with a dynamic import() after the inputs are validated: this module loads the CloudFormation SDK.
import {
  CancelUpdateStackCommand,
  type Capability,
  type CloudFormationClient,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  ExecuteChangeSetCommand,
  GetTemplateSummaryCommand,
  type Parameter,
  type Stack,
  UpdateTerminationProtectionCommand,
} from '@aws-sdk/client-cloudformation';
import { readRunContext } from '../context.js';
import { log, mask } from '../core.js';
import {
  ActionError,
  aws,
  ConfigurationError,
  describeAwsError,
  messageOf,
  TimeoutError,
} from '../errors.js';
import { formatDuration } from '../inputs.js';
import { onChange, poll } from '../poll.js';
import { changeWarning } from './changes.js';
import {
  changeSetName,
  createChangeSet,
  deleteChangeSet,
  isEmptyChangeSetReason,
  waitForChangeSet,
} from './changeset.js';
import { cloudFormationClient, describeStackRaw, toDescription } from './client.js';
import { StackOperationError } from './errors.js';
import {
  changeSetFailures,
  formatEventLine,
  newestEventId,
  StackEventStream,
  type ValidationFailure,
} from './events.js';
import { findRootCause, formatRootCause, isConsequence } from './rootcause.js';
import { blockedStatus, isInProgress, isOutcome, isSuccess } from './status.js';
import { checkParameters, parseTemplate, type TemplateParameter } from './template.js';
import type { StackChange, StackEventLine } from './types.js';

export { describeStack } from './client.js';
export { StackOperationError } from './errors.js';
export type { StackChange, StackDescription, StackEventLine } from './types.js';

export interface DeployStackOptions {
  name: string;
  region: string;
  /** a template body (already read; the caller passes its path for messages), an S3 URL, or the stack's current template */
  template: { body: string; path?: string } | { url: string } | { usePrevious: true };
  parameters: Record<string, string>;
  /** parameters of the existing stack not in `parameters` keep their previous values (UsePreviousValue) */
  keepPreviousParameters?: boolean;
  /**
   * Values used only where the stack does not have the parameter yet (it is created, or the template adds
   * it); otherwise the parameter keeps its current value. For values another step owns after creation,
   * such as the image a rollout changes.
   */
  initialParameters?: Record<string, string>;
  tags?: Record<string, string>;
  capabilities?: string[];
  roleArn?: string;
  noExecute?: boolean;
  terminationProtection?: boolean;
  templateBucket?: string;
  /** Uploads a template to templateBucket (./upload.js's uploadTemplate); required with templateBucket. */
  uploadTemplate?: (args: { bucket: string; region: string; stackName: string; body: string }) => Promise<{
    url: string;
    key: string;
  }>;
  timeoutMs: number;
  signal?: AbortSignal;
  /** called once the change set starts executing (lets a caller watch something else alongside, e.g. an ECS rollout) */
  onExecute?: () => void;
}

export interface DeployStackResult {
  /** 'review' = no-execute: the change set was created and left for review. */
  status: 'created' | 'updated' | 'unchanged' | 'review';
  stackId: string;
  changeSetId?: string;
  outputs: Record<string, string>;
  changes: StackChange[];
  events: StackEventLine[];
  /** A stack left in ROLLBACK_COMPLETE by a failed first create was deleted and created again. */
  recreated: boolean;
  /** The stack's name and region (for summaries and messages). */
  stackName: string;
  region: string;
  /** The stack's status at the end (e.g. CREATE_COMPLETE, REVIEW_IN_PROGRESS for a new stack under review). */
  stackStatus?: string;
  changeSetName?: string;
  /** How long the change set took to compute and, when executed, the stack operation took. */
  timings: { changeSetMs?: number; executionMs?: number };
}

export const DEFAULT_CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'];

/** CloudFormation's limit for a template passed in the request (TemplateBody). */
const TEMPLATE_BODY_LIMIT = 51_200;

export async function deployStack(options: DeployStackOptions): Promise<DeployStackResult> {
  const { name, region, signal } = options;
  const deadline = Date.now() + options.timeoutMs;
  const remaining = () => Math.max(1000, deadline - Date.now());

  // 1. Everything that can be checked without AWS.
  const templatePath = 'body' in options.template ? options.template.path : undefined;
  const local =
    'body' in options.template ? parseTemplate(options.template.body, templatePath ?? 'template') : undefined;
  if (local) {
    const all = { ...options.initialParameters, ...options.parameters };
    maskNoEcho(local.parameters, all);
    const unknown = checkParameters(local.parameters, all, { requireAll: false });
    if (unknown.length > 0) throw new ConfigurationError(unknown.map((p) => `parameters: ${p}`));
    if (local.bytes > TEMPLATE_BODY_LIMIT && !options.templateBucket) {
      throw new ConfigurationError(
        `template: ${templatePath ?? 'the template'} is ${local.bytes.toLocaleString('en-US')} bytes, over CloudFormation's ${TEMPLATE_BODY_LIMIT.toLocaleString('en-US')}-byte limit for a template in the request; give template-bucket (an S3 bucket in ${region}) to deploy it through S3`,
      );
    }
  }

  const client = cloudFormationClient(region);

  // 2. The stack as it is.
  let existing = await aws('CloudFormation DescribeStacks', () => describeStackRaw(client, name));
  if (existing?.StackStatus?.endsWith('_CLEANUP_IN_PROGRESS')) {
    existing = await waitForCleanup(client, existing, { timeoutMs: remaining(), signal });
  }
  let recreated = false;
  const noDeployedTemplate =
    !existing ||
    existing.StackStatus === 'ROLLBACK_COMPLETE' ||
    existing.StackStatus === 'REVIEW_IN_PROGRESS';
  if ('usePrevious' in options.template && noDeployedTemplate) {
    throw new ConfigurationError(
      `template: stack ${name} ${existing ? `is in ${existing.StackStatus}` : 'does not exist'}, so there is no deployed template to reuse; give a template`,
    );
  }
  if (existing?.StackStatus === 'ROLLBACK_COMPLETE') {
    await deleteRolledBackStack(client, existing, { timeoutMs: remaining(), signal });
    existing = undefined;
    recreated = true;
  }
  if (existing?.StackStatus) {
    const blocked = blockedStatus(name, existing.StackStatus);
    if (blocked) throw new ActionError(blocked.message, { hint: blocked.hint });
  }
  const creating = !existing || existing.StackStatus === 'REVIEW_IN_PROGRESS';

  // 3. Parameters against the template's declarations and the stack's current parameters.
  const declared = local?.parameters ?? (await templateParameters(client, options.template, existing));
  const previous = new Set(creating ? [] : (existing?.Parameters ?? []).map((p) => p.ParameterKey ?? ''));
  // Initial values apply where the stack does not have the parameter yet; elsewhere it keeps its value.
  const initial = Object.entries(options.initialParameters ?? {}).filter(
    ([key]) => !(key in options.parameters),
  );
  const given: Record<string, string> = {
    ...Object.fromEntries(initial.filter(([key]) => !previous.has(key))),
    ...options.parameters,
  };
  if (!local) maskNoEcho(declared, { ...options.initialParameters, ...options.parameters });
  const kept = [
    ...new Set([
      ...(options.keepPreviousParameters ? Object.keys(declared) : []),
      ...initial.map(([key]) => key),
    ]),
  ].filter((key) => key in declared && previous.has(key) && !(key in given));
  const parameterProblems = checkParameters(declared, given, { requireAll: true, kept });
  if (parameterProblems.length > 0) {
    throw new ConfigurationError(
      parameterProblems.map(
        (p) => `parameters: ${p}${creating && /must be given/.test(p) ? ' when creating the stack' : ''}`,
      ),
    );
  }
  const parameters: Parameter[] = [
    ...Object.entries(given).map(([key, value]) => ({
      ParameterKey: key,
      ParameterValue: value,
    })),
    ...kept.map((key) => ({ ParameterKey: key, UsePreviousValue: true })),
  ];

  // 4. Where CloudFormation reads the template from.
  let templateSource: { TemplateBody?: string; TemplateURL?: string; UsePreviousTemplate?: boolean };
  if ('body' in options.template) {
    if ((local?.bytes ?? 0) > TEMPLATE_BODY_LIMIT && options.templateBucket) {
      // The S3 client comes from the caller (deploy-stack passes ./upload.js), so actions that never
      // upload a template do not bundle it.
      const uploadTemplate = options.uploadTemplate;
      if (!uploadTemplate)
        throw new ActionError('deployStack: templateBucket was given without uploadTemplate');
      const uploaded = await uploadTemplate({
        bucket: options.templateBucket,
        region,
        stackName: name,
        body: options.template.body,
      });
      log.info(
        `The template is ${local?.bytes.toLocaleString('en-US')} bytes (over ${TEMPLATE_BODY_LIMIT.toLocaleString('en-US')}): uploaded to s3://${options.templateBucket}/${uploaded.key}`,
      );
      templateSource = { TemplateURL: uploaded.url };
    } else {
      templateSource = { TemplateBody: options.template.body };
    }
  } else if ('url' in options.template) {
    templateSource = { TemplateURL: options.template.url };
  } else {
    templateSource = { UsePreviousTemplate: true };
  }

  // 5. The change set.
  const csName = changeSetName();
  const run = readRunContext();
  const changeSetStarted = Date.now();
  log.info(
    `${creating ? 'Creating' : 'Updating'} stack ${name} in ${region}: change set ${csName} (${creating ? 'CREATE' : 'UPDATE'})`,
  );
  const created = await createChangeSet(client, {
    StackName: name,
    ChangeSetName: csName,
    ChangeSetType: creating ? 'CREATE' : 'UPDATE',
    IncludeNestedStacks: false,
    ...templateSource,
    Parameters: parameters,
    Capabilities: (options.capabilities ?? DEFAULT_CAPABILITIES) as Capability[],
    RoleARN: options.roleArn,
    Tags: options.tags ? Object.entries(options.tags).map(([Key, Value]) => ({ Key, Value })) : undefined,
    Description: run.repository
      ? `deploy-stack: ${run.repository} ${run.sha.slice(0, 12)} run ${run.runId}/${run.runAttempt}`.slice(
          0,
          1024,
        )
      : undefined,
  });
  const changeSetId = created.id;
  const stackId = created.stackId;

  let computed: Awaited<ReturnType<typeof waitForChangeSet>>;
  try {
    computed = await waitForChangeSet(client, changeSetId, {
      timeoutMs: remaining(),
      signal,
      stackName: name,
    });
  } catch (error) {
    if (signal?.aborted) {
      await bestEffort(`delete change set ${csName}`, () => deleteChangeSet(client, changeSetId));
      throw new StackOperationError(
        `Deployment of stack ${name} cancelled before its change set was executed`,
        {
          stackName: name,
          stackId,
          changeSetId,
          phase: 'cancelled',
          hint: 'The stack was not changed',
        },
      );
    }
    throw error;
  }
  const changeSetMs = Date.now() - changeSetStarted;

  if (computed.status === 'FAILED') {
    if (isEmptyChangeSetReason(computed.statusReason)) {
      await deleteChangeSet(client, changeSetId);
      log.info(`No changes: stack ${name} is up to date (the empty change set ${csName} was deleted)`);
      const current =
        existing ?? (await aws('CloudFormation DescribeStacks', () => describeStackRaw(client, stackId)));
      const settled = await applyTerminationProtection(client, name, current, options.terminationProtection);
      return {
        status: 'unchanged',
        stackId: current?.StackId ?? stackId,
        outputs: settled ? toDescription(settled).outputs : {},
        changes: [],
        events: [],
        recreated,
        stackName: name,
        region,
        stackStatus: settled?.StackStatus,
        timings: { changeSetMs },
      };
    }
    throw await changeSetFailed(client, {
      name,
      changeSetId,
      stackId,
      reason: computed.statusReason,
      creating,
    });
  }

  const changes = computed.changes;
  logChanges(name, changes);

  if (options.noExecute) {
    log.info(
      `no-execute: change set ${csName} is left for review; run it with \`aws cloudformation execute-change-set --change-set-name ${changeSetId}\`, or delete it with \`aws cloudformation delete-change-set --change-set-name ${changeSetId}\``,
    );
    return {
      status: 'review',
      stackId,
      changeSetId,
      changeSetName: csName,
      outputs: existing ? toDescription(existing).outputs : {},
      changes,
      events: [],
      recreated,
      stackName: name,
      region,
      stackStatus: existing?.StackStatus ?? 'REVIEW_IN_PROGRESS',
      timings: { changeSetMs },
    };
  }

  // 6. Execute, streaming this operation's events.
  const before =
    existing ?? (await aws('CloudFormation DescribeStacks', () => describeStackRaw(client, stackId)));
  const boundary = await newestEventId(client, stackId);
  const priorOperations = new Set((before?.LastOperations ?? []).map((o) => o.OperationId));
  const executedAt = new Date();
  await executeChangeSet(client, changeSetId, csName);
  log.info(`Executing change set ${csName}: ${creating ? 'creating' : 'updating'} stack ${name}`);
  try {
    options.onExecute?.();
  } catch (error) {
    log.warning(`onExecute callback failed: ${messageOf(error)}`);
  }

  const stream = new StackEventStream(client, { stack: stackId, afterEventId: boundary, since: executedAt });
  const verb = creating ? 'create' : 'update';
  let started = false;
  let announcedCause = false;
  let last: Stack | undefined;
  const progress = onChange((line) => log.info(line));
  const collectOperations = (stack: Stack) => {
    for (const operation of stack.LastOperations ?? []) {
      if (operation.OperationType === 'CREATE_CHANGESET') continue;
      if (operation.OperationId && !priorOperations.has(operation.OperationId))
        stream.addOperation(operation.OperationId);
    }
  };

  let final: Stack;
  try {
    final = await poll<Stack>({
      what: `the ${verb} of stack ${name}`,
      timeoutMs: remaining(),
      signal,
      check: async () => {
        const stack = await aws('CloudFormation DescribeStacks', () => describeStackRaw(client, stackId));
        if (!stack) {
          throw new ActionError(`Stack ${name} disappeared while it was being deployed`, {
            hint: 'Someone or something deleted it during the deployment; re-run the job',
          });
        }
        last = stack;
        collectOperations(stack);
        const status = stack.StackStatus ?? '';
        const fresh = await stream.next();
        for (const event of fresh) {
          log.info(formatEventLine(event));
          // The first resource failing for a reason of its own: say so right there, not only at the end.
          if (
            !announcedCause &&
            event.status.endsWith('_FAILED') &&
            event.logicalId !== name &&
            !isConsequence(event.reason)
          ) {
            announcedCause = true;
            log.info(`>>> root cause: ${event.logicalId} (${event.type}) ${event.status}: ${event.reason}`);
          }
        }
        if (
          fresh.length > 0 ||
          status !== before?.StackStatus ||
          stack.LastUpdatedTime?.getTime() !== before?.LastUpdatedTime?.getTime()
        ) {
          started = true;
        }
        if (started && isOutcome(status)) return { done: true, value: stack };
        if (fresh.length === 0) progress(`... ${name}: ${status}`);
        return { done: false };
      },
      timeoutHint: `CloudFormation carries on with the ${verb}; follow it in the CloudFormation console, and raise timeout-minutes if it needs longer`,
      describeState: () => (last ? `Last status: ${last.StackStatus}` : undefined),
    });
  } catch (error) {
    const events = stream.events;
    if (signal?.aborted) {
      throw await cancelled(client, { name, stackId, changeSetId, creating, changes, events });
    }
    if (error instanceof TimeoutError) {
      throw new StackOperationError(
        `The ${verb} of stack ${name} did not finish within ${formatDuration(options.timeoutMs)}`,
        {
          stackName: name,
          stackId,
          changeSetId,
          changes,
          events,
          finalStatus: last?.StackStatus,
          phase: 'timeout',
          hint: error.hint,
          details: eventDetails(events),
        },
      );
    }
    throw error;
  }
  // Events CloudFormation recorded together with the final status.
  for (const event of await stream.next()) log.info(formatEventLine(event));
  const executionMs = Date.now() - executedAt.getTime();
  const status = final.StackStatus ?? '';
  const events = stream.events;

  if (!isSuccess(status)) {
    const cause = findRootCause(events, name);
    const rootCause = cause ? formatRootCause(cause) : final.StackStatusReason;
    const blocked = blockedStatus(name, status);
    const hint =
      blocked?.hint ??
      (creating
        ? 'Fix the cause and re-run: the next run deletes the empty stack and creates it again'
        : 'The stack was rolled back to its previous state; fix the cause and re-run');
    throw new StackOperationError(
      `Stack ${name} failed to ${verb}: ${rootCause ?? `it ended in ${status}`}${rootCause ? ` (stack ${status})` : ''}`,
      {
        stackName: name,
        stackId,
        changeSetId,
        changes,
        events,
        rootCause,
        finalStatus: status,
        phase: creating ? 'create' : 'update',
        hint,
        details: eventDetails(events),
      },
    );
  }

  const settled =
    (await applyTerminationProtection(client, name, final, options.terminationProtection)) ?? final;
  log.info(`Stack ${name}: ${status} in ${formatDuration(executionMs)}`);
  return {
    status: creating ? 'created' : 'updated',
    stackId,
    changeSetId,
    changeSetName: csName,
    outputs: toDescription(settled).outputs,
    changes,
    events,
    recreated,
    stackName: name,
    region,
    stackStatus: status,
    timings: { changeSetMs, executionMs },
  };
}

/**
 * ExecuteChangeSet with a client request token, so CloudFormation recognises the SDK's retries of a call
 * it already received. If a retry is refused because the change set is already executing (the first
 * attempt got through but its answer was lost), that is the outcome wanted: carry on watching.
 */
async function executeChangeSet(
  client: CloudFormationClient,
  changeSetId: string,
  token: string,
): Promise<void> {
  try {
    await client.send(new ExecuteChangeSetCommand({ ChangeSetName: changeSetId, ClientRequestToken: token }));
  } catch (error) {
    const e = error as { name?: string; $metadata?: { attempts?: number } };
    if (/InvalidChangeSetStatus/.test(e?.name ?? '') && (e.$metadata?.attempts ?? 1) > 1) {
      const described = await aws('CloudFormation DescribeChangeSet', () =>
        client.send(new DescribeChangeSetCommand({ ChangeSetName: changeSetId })),
      );
      if (described.ExecutionStatus?.startsWith('EXECUTE_')) {
        log.debug(`ExecuteChangeSet was retried; the change set is already ${described.ExecutionStatus}`);
        return;
      }
    }
    throw describeAwsError('CloudFormation ExecuteChangeSet', error);
  }
}

function maskNoEcho(declared: Record<string, TemplateParameter>, given: Record<string, string>): void {
  for (const [key, value] of Object.entries(given)) if (declared[key]?.noEcho) mask(value);
}

/** Parameter declarations of a template CloudFormation reads itself (an S3 URL, or the stack's current one). */
async function templateParameters(
  client: CloudFormationClient,
  template: DeployStackOptions['template'],
  existing: Stack | undefined,
): Promise<Record<string, TemplateParameter>> {
  const input =
    'url' in template
      ? { TemplateURL: template.url }
      : { StackName: existing?.StackId ?? existing?.StackName };
  const summary = await aws('CloudFormation GetTemplateSummary', () =>
    client.send(new GetTemplateSummaryCommand(input)),
  );
  const declared: Record<string, TemplateParameter> = {};
  for (const p of summary.Parameters ?? []) {
    if (!p.ParameterKey) continue;
    declared[p.ParameterKey] = {
      type: p.ParameterType ?? 'String',
      default: p.DefaultValue,
      noEcho: p.NoEcho === true,
      description: p.Description,
      allowedValues: p.ParameterConstraints?.AllowedValues,
    };
  }
  return declared;
}

/**
 * A stack whose last update (or its rollback) is over but whose old resources CloudFormation is still
 * removing cannot be updated yet; that takes seconds to minutes, so wait for it rather than fail.
 */
async function waitForCleanup(
  client: CloudFormationClient,
  stack: Stack,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<Stack | undefined> {
  const name = stack.StackName ?? '';
  const id = stack.StackId ?? name;
  log.info(
    `Stack ${name} is in ${stack.StackStatus}: waiting for CloudFormation to finish removing old resources`,
  );
  return poll<Stack | undefined>({
    what: `the clean-up of stack ${name}`,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    timeoutHint: 'CloudFormation is still removing old resources; re-run the job once the stack is stable',
    check: async () => {
      const current = await aws('CloudFormation DescribeStacks', () => describeStackRaw(client, id));
      if (current?.StackStatus?.endsWith('_CLEANUP_IN_PROGRESS')) return { done: false };
      return { done: true, value: current };
    },
  });
}

async function deleteRolledBackStack(
  client: CloudFormationClient,
  stack: Stack,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<void> {
  const name = stack.StackName ?? '';
  const id = stack.StackId ?? name;
  const why = stack.StackStatusReason ? ` (${stack.StackStatusReason})` : '';
  log.warning(
    `Stack ${name} is in ROLLBACK_COMPLETE: its first create failed${why} and a stack in that state cannot be updated. Deleting it and creating it again.`,
  );
  await aws('CloudFormation DeleteStack', () => client.send(new DeleteStackCommand({ StackName: id })));
  const progress = onChange((line) => log.info(line));
  await poll({
    what: `the deletion of stack ${name} (left in ROLLBACK_COMPLETE)`,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    check: async () => {
      const current = await aws('CloudFormation DescribeStacks', () => describeStackRaw(client, id));
      const status = current?.StackStatus ?? 'DELETE_COMPLETE';
      progress(`... ${name}: ${status}`);
      if (status === 'DELETE_COMPLETE') return { done: true, value: undefined };
      if (status === 'DELETE_FAILED') {
        throw new ActionError(
          `Stack ${name} (ROLLBACK_COMPLETE) could not be deleted: ${current?.StackStatusReason ?? 'DELETE_FAILED'}`,
          {
            hint: `Delete it by hand (\`aws cloudformation delete-stack --stack-name ${name}\`, with \`--retain-resources\` for a resource that cannot be deleted) and re-run`,
          },
        );
      }
      return { done: false };
    },
  });
  log.info(`Deleted stack ${name} (it was in ROLLBACK_COMPLETE); creating it again`);
}

async function applyTerminationProtection(
  client: CloudFormationClient,
  name: string,
  stack: Stack | undefined,
  wanted: boolean | undefined,
): Promise<Stack | undefined> {
  if (wanted === undefined || !stack) return stack;
  if ((stack.EnableTerminationProtection === true) === wanted) return stack;
  await aws('CloudFormation UpdateTerminationProtection', () =>
    client.send(
      new UpdateTerminationProtectionCommand({
        StackName: stack.StackId ?? name,
        EnableTerminationProtection: wanted,
      }),
    ),
  );
  log.info(`Termination protection of stack ${name}: ${wanted ? 'enabled' : 'disabled'}`);
  return { ...stack, EnableTerminationProtection: wanted };
}

function logChanges(name: string, changes: StackChange[]): void {
  if (changes.length === 0) {
    log.info(`Change set for ${name}: no resource changes (outputs, parameters or tags only)`);
    return;
  }
  log.info(`Change set for ${name}: ${changes.length} resource change${changes.length === 1 ? '' : 's'}`);
  for (const change of changes) {
    const replacement =
      change.replacement && change.replacement !== 'False' ? `  replacement: ${change.replacement}` : '';
    const props = change.properties.length > 0 ? `  (${change.properties.join(', ')})` : '';
    log.info(
      `  ${change.action.padEnd(7)} ${change.logicalId.padEnd(28)} ${change.type}${replacement}${props}`,
    );
  }
  for (const change of changes) {
    const warning = changeWarning(change);
    if (warning)
      log.warning(`${name}: ${warning}`, { title: change.stateful ? 'Data loss' : 'Security change' });
  }
}

function describeFailure(failure: ValidationFailure): string {
  const where = [failure.logicalId, failure.path].filter(Boolean).join(' ');
  return `${where ? `${where}: ` : ''}${failure.reason}`;
}

async function changeSetFailed(
  client: CloudFormationClient,
  context: { name: string; changeSetId: string; stackId: string; reason?: string; creating: boolean },
): Promise<StackOperationError> {
  const failures = await changeSetFailures(client, context.changeSetId, context.name);
  const reasons = failures && failures.length > 0 ? failures.map(describeFailure) : undefined;
  for (const reason of reasons ?? [])
    log.error(`${context.name}: ${reason}`, { title: 'Change set validation' });
  await bestEffort('delete the failed change set', () => deleteChangeSet(client, context.changeSetId));
  const first = reasons?.[0] ?? context.reason ?? 'no reason given';
  const more = reasons && reasons.length > 1 ? ` (and ${reasons.length - 1} more)` : '';
  return new StackOperationError(`The change set for stack ${context.name} failed: ${first}${more}`, {
    stackName: context.name,
    stackId: context.stackId,
    changeSetId: context.changeSetId,
    rootCause: first,
    phase: 'change-set',
    hint: 'Fix the template or parameters; the stack was not changed',
    details: reasons
      ? reasons.map((r) => `- ${r}`).join('\n')
      : context.reason
        ? `CloudFormation: ${context.reason}`
        : undefined,
  });
}

async function cancelled(
  client: CloudFormationClient,
  context: {
    name: string;
    stackId: string;
    changeSetId: string;
    creating: boolean;
    changes: StackChange[];
    events: StackEventLine[];
  },
): Promise<StackOperationError> {
  const { name } = context;
  let hint: string;
  if (context.creating) {
    log.warning(
      `The job was cancelled while stack ${name} was being created. CloudFormation cannot cancel a create: it finishes it, or rolls the stack back if a resource fails; a stack left in ROLLBACK_COMPLETE is deleted and created again by the next run.`,
    );
    hint = 'CloudFormation finishes the create (or rolls the stack back); re-run the job to deploy again';
  } else {
    try {
      await aws('CloudFormation CancelUpdateStack', () =>
        client.send(new CancelUpdateStackCommand({ StackName: context.stackId })),
      );
      log.warning(
        `The job was cancelled: cancelled the update of stack ${name} (CancelUpdateStack); CloudFormation rolls it back to its previous state.`,
      );
      hint = 'The update was cancelled and CloudFormation rolls the stack back to its previous state';
    } catch (error) {
      log.warning(
        `The job was cancelled, but the update of stack ${name} could not be cancelled: ${messageOf(error)}`,
      );
      hint =
        'The update could not be cancelled (it may have just finished); look at the stack in the CloudFormation console';
    }
  }
  return new StackOperationError(
    `Deployment of stack ${name} cancelled during the ${context.creating ? 'create' : 'update'}`,
    {
      stackName: name,
      stackId: context.stackId,
      changeSetId: context.changeSetId,
      changes: context.changes,
      events: context.events,
      phase: 'cancelled',
      hint,
      details: eventDetails(context.events),
    },
  );
}

function eventDetails(events: StackEventLine[]): string | undefined {
  if (events.length === 0) return undefined;
  return `Stack events:\n\n\`\`\`\n${events.map(formatEventLine).join('\n')}\n\`\`\``;
}

async function bestEffort(what: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    log.debug(`Could not ${what}: ${messageOf(error)}`);
  }
}

// Status helpers re-exported for callers that watch stacks themselves.
export { isInProgress, isOutcome, isSuccess };
