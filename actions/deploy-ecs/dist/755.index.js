export const id = 755;
export const ids = [755];
export const modules = {

/***/ 6755:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  DEFAULT_CAPABILITIES: () => (/* binding */ DEFAULT_CAPABILITIES),
  StackOperationError: () => (/* reexport */ StackOperationError),
  deployStack: () => (/* binding */ deployStack),
  describeStack: () => (/* reexport */ describeStack),
  isInProgress: () => (/* reexport */ isInProgress),
  isOutcome: () => (/* reexport */ isOutcome),
  isSuccess: () => (/* reexport */ isSuccess)
});

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-cloudformation/dist-cjs/index.js
var dist_cjs = __webpack_require__(3805);
;// CONCATENATED MODULE: ./actions/lib/context.ts
// The run's GitHub context, read from the runner's environment without loading Octokit.
function readRunContext(env = process.env) {
    const repository = env.GITHUB_REPOSITORY ?? '';
    const [owner = '', repo = ''] = repository.split('/');
    const serverUrl = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '');
    const runId = env.GITHUB_RUN_ID ?? '';
    const sha = env.GITHUB_SHA ?? '';
    return {
        repository,
        owner,
        repo,
        sha,
        ref: env.GITHUB_REF ?? '',
        actor: env.GITHUB_ACTOR ?? '',
        workflow: env.GITHUB_WORKFLOW ?? '',
        job: env.GITHUB_JOB ?? '',
        runId,
        runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1',
        serverUrl,
        apiUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''),
        eventName: env.GITHUB_EVENT_NAME ?? '',
        runUrl: repository && runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : '',
        commitUrl: repository && sha ? `${serverUrl}/${repository}/commit/${sha}` : '',
    };
}

// EXTERNAL MODULE: ./actions/lib/core.ts + 21 modules
var core = __webpack_require__(2161);
// EXTERNAL MODULE: ./actions/lib/errors.ts
var errors = __webpack_require__(2863);
// EXTERNAL MODULE: ./actions/lib/inputs.ts
var inputs = __webpack_require__(7721);
// EXTERNAL MODULE: ./actions/lib/poll.ts
var poll = __webpack_require__(7481);
;// CONCATENATED MODULE: ./actions/lib/cloudformation/changes.ts
/** Resource types that hold data: replacing or removing one loses it (a database replaced is data lost). */
const STATEFUL = [
    /^AWS::RDS::(DBInstance|DBCluster|GlobalCluster)$/,
    /^AWS::DynamoDB::(Table|GlobalTable)$/,
    /^AWS::S3::Bucket$/,
    /^AWS::S3Express::DirectoryBucket$/,
    /^AWS::EFS::FileSystem$/,
    /^AWS::FSx::FileSystem$/,
    /^AWS::ElastiCache::/,
    /^AWS::MemoryDB::Cluster$/,
    /^AWS::Logs::LogGroup$/,
    /^AWS::DocDB::(DBCluster|DBInstance)$/,
    /^AWS::Neptune::(DBCluster|DBInstance)$/,
    /^AWS::Redshift::Cluster$/,
    /^AWS::OpenSearchService::Domain$/,
    /^AWS::Elasticsearch::Domain$/,
    /^AWS::Kinesis::Stream$/,
    /^AWS::SQS::Queue$/,
    /^AWS::EC2::Volume$/,
    /^AWS::ECR::Repository$/,
    /^AWS::SecretsManager::Secret$/,
    /^AWS::Cognito::UserPool$/,
    /^AWS::Backup::BackupVault$/,
    /^AWS::Timestream::Table$/,
    /^AWS::KMS::Key$/,
];
/** Resource types that grant or restrict access. */
const SECURITY = [
    /^AWS::IAM::/,
    /^AWS::EC2::SecurityGroup/,
    /^AWS::EC2::NetworkAcl/,
    /^AWS::KMS::/,
    /^AWS::S3::BucketPolicy$/,
    /^AWS::S3::AccessPoint$/,
    /^AWS::SQS::QueuePolicy$/,
    /^AWS::SNS::TopicPolicy$/,
    /^AWS::Lambda::Permission$/,
    /^AWS::SecretsManager::ResourcePolicy$/,
    /^AWS::WAFv2::/,
    /^AWS::Cognito::/,
    /^AWS::SSO::/,
    /^AWS::Organizations::/,
    /^AWS::ECR::RepositoryPolicy$/,
    /^AWS::Events::EventBusPolicy$/,
];
function isStatefulType(type) {
    return STATEFUL.some((pattern) => pattern.test(type));
}
function isSecurityType(type) {
    return SECURITY.some((pattern) => pattern.test(type));
}
/** Policy actions that keep the data of a removed or replaced resource (DeletionPolicy / UpdateReplacePolicy). */
const KEEPS_DATA = new Set(['Retain', 'Snapshot', 'ReplaceAndRetain', 'ReplaceAndSnapshot']);
/**
 * Flags a change: `stateful` when a data-holding resource is removed or (possibly) replaced and its
 * DeletionPolicy/UpdateReplacePolicy does not keep the data; `security` when an access-control resource is
 * added, changed or removed.
 */
function classifyChange(change) {
    const replaced = change.action === 'Modify' && (change.replacement === 'True' || change.replacement === 'Conditional');
    const removed = change.action === 'Remove';
    const keeps = change.policyAction !== undefined && KEEPS_DATA.has(change.policyAction);
    return {
        action: change.action,
        logicalId: change.logicalId,
        physicalId: change.physicalId,
        type: change.type,
        replacement: change.replacement,
        properties: change.properties,
        stateful: isStatefulType(change.type) && (replaced || removed) && !keeps,
        security: isSecurityType(change.type),
    };
}
/** A warning line for a flagged change, or undefined. */
function changeWarning(change) {
    const what = `${change.logicalId} (${change.type})`;
    if (change.stateful) {
        const how = change.action === 'Remove'
            ? 'will be DELETED'
            : change.replacement === 'Conditional'
                ? 'may be REPLACED (replacement: Conditional)'
                : 'will be REPLACED';
        const props = change.properties.length > 0 ? ` because of ${change.properties.join(', ')}` : '';
        return `${what} ${how}${props}: it holds data, and a replaced or deleted data store loses its data unless it is backed up or retained`;
    }
    if (change.security) {
        const verb = change.action === 'Add' ? 'is added' : change.action === 'Remove' ? 'is removed' : 'changes';
        const props = change.properties.length > 0 ? ` (${change.properties.join(', ')})` : '';
        return `${what} ${verb}${props}: a security-relevant change (access, network or encryption); review it`;
    }
    return undefined;
}

;// CONCATENATED MODULE: ./actions/lib/cloudformation/changeset.ts
// Change sets: create one, wait until CloudFormation has computed it, read its changes (flagging data loss
// and security changes), tell an empty one apart from a failed one, and delete it.




/** CloudFormation's two ways of saying a change set has nothing to do. */
const EMPTY = [
    /didn'?t contain changes/i,
    /did not contain changes/i,
    /No updates are to be performed/i,
    /submitted information (didn'?t|did not) contain changes/i,
];
function isEmptyChangeSetReason(reason) {
    return reason !== undefined && EMPTY.some((pattern) => pattern.test(reason));
}
/** A change set name unique to this run and attempt (letters, digits and hyphens; starts with a letter). */
function changeSetName(env = process.env, now = Date.now()) {
    const run = (env.GITHUB_RUN_ID ?? '').replace(/[^0-9A-Za-z]/g, '');
    const attempt = (env.GITHUB_RUN_ATTEMPT ?? '').replace(/[^0-9A-Za-z]/g, '');
    const parts = ['deploy-stack', run && `run${run}`, attempt && `a${attempt}`, now.toString(36)].filter(Boolean);
    return parts.join('-').slice(0, 128);
}
async function createChangeSet(client, input) {
    const response = await (0,errors/* aws */.o2)('CloudFormation CreateChangeSet', () => client.send(new dist_cjs/* CreateChangeSetCommand */.YDU(input)), undefined);
    return {
        id: response.Id ?? String(input.ChangeSetName),
        stackId: response.StackId ?? String(input.StackName),
    };
}
/** Waits until the change set is computed (CREATE_COMPLETE) or FAILED, and reads all its changes. */
async function waitForChangeSet(client, changeSetId, options) {
    let last;
    const first = await (0,poll/* poll */.wt)({
        what: `the change set of stack ${options.stackName}`,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        // A change set takes a second or a few: look early.
        initialIntervalMs: Math.min(1000, Number(process.env.DEPLOY_ACTIONS_POLL_INTERVAL_MS) || 1000),
        timeoutHint: 'CloudFormation is still computing the change set; look at it in the CloudFormation console',
        describeState: () => (last ? `Last status: ${last.Status} ${last.StatusReason ?? ''}` : undefined),
        check: async () => {
            const current = await (0,errors/* aws */.o2)('CloudFormation DescribeChangeSet', () => client.send(new dist_cjs/* DescribeChangeSetCommand */.TTT({ ChangeSetName: changeSetId })));
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
        const page = await (0,errors/* aws */.o2)('CloudFormation DescribeChangeSet', () => client.send(new dist_cjs/* DescribeChangeSetCommand */.TTT({ ChangeSetName: changeSetId, NextToken: token })));
        changes.push(...(page.Changes ?? []));
        token = page.NextToken;
    }
    return {
        status: first.Status ?? 'UNKNOWN',
        executionStatus: first.ExecutionStatus,
        statusReason: first.StatusReason,
        changes: changes.map(toStackChange).filter((c) => c !== undefined),
        stackId: first.StackId,
    };
}
function toStackChange(change) {
    const resource = change.ResourceChange;
    if (!resource)
        return undefined;
    const properties = [];
    for (const detail of resource.Details ?? []) {
        const target = detail.Target;
        if (!target?.Attribute)
            continue;
        const name = target.Attribute === 'Properties' ? (target.Name ?? target.Path ?? 'Properties') : target.Attribute;
        if (!properties.includes(name))
            properties.push(name);
    }
    if (properties.length === 0 && resource.Action === 'Modify') {
        for (const scope of resource.Scope ?? [])
            if (!properties.includes(scope))
                properties.push(scope);
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
async function deleteChangeSet(client, changeSetId) {
    await (0,errors/* aws */.o2)('CloudFormation DeleteChangeSet', () => client.send(new dist_cjs/* DeleteChangeSetCommand */.$GE({ ChangeSetName: changeSetId })));
}

// EXTERNAL MODULE: ./actions/lib/aws.ts
var aws = __webpack_require__(1183);
;// CONCATENATED MODULE: ./actions/lib/cloudformation/client.ts
// The CloudFormation client and the stack description every module needs. Load this module (and the ones
// importing it) with a dynamic import() after the inputs are validated.



const clients = new Map();
/** One client per region for the life of the process. */
function cloudFormationClient(region) {
    let client = clients.get(region);
    if (!client) {
        client = new dist_cjs/* CloudFormationClient */.m1N((0,aws/* awsClientConfig */.rw)(region));
        clients.set(region, client);
    }
    return client;
}
function isMissingStack(error) {
    const e = error;
    return e?.name === 'ValidationError' && /does not exist/i.test(e.message ?? '');
}
/** DescribeStacks on one stack (name or id); undefined when it does not exist. */
async function describeStackRaw(client, nameOrId) {
    try {
        const response = await client.send(new dist_cjs/* DescribeStacksCommand */.Y47({ StackName: nameOrId }));
        return response.Stacks?.[0];
    }
    catch (error) {
        if (isMissingStack(error))
            return undefined;
        throw error;
    }
}
function toDescription(stack) {
    const pairs = (items, key, value) => {
        const out = {};
        for (const item of items ?? []) {
            const k = key(item);
            if (k !== undefined)
                out[k] = value(item) ?? '';
        }
        return out;
    };
    return {
        stackId: stack.StackId ?? '',
        name: stack.StackName ?? '',
        status: stack.StackStatus ?? 'UNKNOWN',
        statusReason: stack.StackStatusReason,
        parameters: pairs(stack.Parameters, (p) => p.ParameterKey, (p) => p.ResolvedValue ?? p.ParameterValue),
        outputs: pairs(stack.Outputs, (o) => o.OutputKey, (o) => o.OutputValue),
        tags: pairs(stack.Tags, (t) => t.Key, (t) => t.Value),
        terminationProtection: stack.EnableTerminationProtection === true,
        lastUpdatedTime: stack.LastUpdatedTime?.toISOString(),
        creationTime: stack.CreationTime?.toISOString(),
    };
}
/** The stack's status, parameters, outputs and tags; undefined when there is no such stack. */
async function describeStack(name, region) {
    const client = cloudFormationClient(region);
    const stack = await (0,errors/* aws */.o2)('CloudFormation DescribeStacks', () => describeStackRaw(client, name));
    return stack ? toDescription(stack) : undefined;
}

;// CONCATENATED MODULE: ./actions/lib/cloudformation/errors.ts
// The failure of a stack operation, kept apart from the SDK-using modules so summaries and callers can
// recognise it (instanceof) without loading the SDK.

/** A stack operation failed, rolled back, was cancelled or timed out; `rootCause` names why. */
class StackOperationError extends errors/* ActionError */.lZ {
    name = 'StackOperationError';
    stackName;
    rootCause;
    finalStatus;
    stackId;
    changeSetId;
    changes;
    events;
    phase;
    constructor(message, options) {
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

;// CONCATENATED MODULE: ./actions/lib/cloudformation/events.ts
// Streams one stack operation's events as they happen. Prefers CloudFormation's DescribeEvents API (events
// grouped by operation id, which also covers the automatic rollback an operation may trigger), and falls
// back to DescribeStackEvents, keeping only events newer than the last one seen before the operation began,
// when DescribeEvents is not available (older endpoints, or a policy without cloudformation:DescribeEvents).



function fromStackEvent(event) {
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
function fromOperationEvent(event) {
    const validation = event.EventType === 'VALIDATION_ERROR';
    return {
        time: (event.Timestamp ?? event.StartTime ?? new Date()).toISOString(),
        logicalId: event.LogicalResourceId ?? '',
        physicalId: event.PhysicalResourceId,
        type: event.ResourceType ?? '',
        status: event.ResourceStatus ?? event.EventType ?? '',
        reason: (validation ? event.ValidationStatusReason : undefined) ||
            event.ResourceStatusReason ||
            event.HookStatusReason ||
            event.ValidationStatusReason ||
            undefined,
        stackName: event.StackId?.split(':stack/')[1]?.split('/')[0],
        eventId: event.EventId,
    };
}
/** An error meaning "this endpoint or role cannot use DescribeEvents", as opposed to a transient failure. */
function describeEventsUnavailable(error) {
    const e = error;
    if (!e || typeof e !== 'object' || (0,errors/* isNetworkError */.TX)(error))
        return false;
    if (/Throttl|TooManyRequests|RequestLimitExceeded/.test(e.name ?? ''))
        return false;
    const status = e.$metadata?.httpStatusCode;
    return status === undefined || (status >= 400 && status < 500) || status === 501;
}
/** One line per event, as it appears in the log: time, logical id, type, status, reason. */
function formatEventLine(event) {
    const time = event.time.slice(11, 19);
    const reason = event.reason ? `  ${event.reason.replace(/\s+/g, ' ')}` : '';
    return `${time}  ${event.logicalId.padEnd(28)} ${event.type.padEnd(32)} ${event.status.padEnd(22)}${reason}`.trimEnd();
}
class StackEventStream {
    client;
    options;
    seen = new Set();
    operations = new Set();
    useDescribeEvents = true;
    events = [];
    constructor(client, options) {
        this.client = client;
        this.options = options;
    }
    /** Follows the events of this operation id too (an operation and the rollback it triggered). */
    addOperation(operationId) {
        if (operationId)
            this.operations.add(operationId);
    }
    get source() {
        return this.useDescribeEvents && this.operations.size > 0 ? 'DescribeEvents' : 'DescribeStackEvents';
    }
    /** Fetches the events that appeared since the last call, oldest first, and remembers them. */
    async next() {
        let fresh;
        if (this.useDescribeEvents && this.operations.size > 0)
            fresh = await this.fromOperations();
        fresh ??= await this.fromStackEvents();
        // Both APIs list newest first; reversed, events with the same timestamp keep their real order.
        fresh.reverse();
        fresh.sort((a, b) => a.time.localeCompare(b.time));
        this.events.push(...fresh);
        return fresh;
    }
    remember(line) {
        const key = line.eventId ?? `${line.time}|${line.logicalId}|${line.status}`;
        if (this.seen.has(key))
            return false;
        this.seen.add(key);
        return true;
    }
    async fromOperations() {
        const fresh = [];
        try {
            for (const operationId of this.operations) {
                let token;
                do {
                    const page = await this.client.send(new dist_cjs/* DescribeEventsCommand */.w6x({ OperationId: operationId, NextToken: token }));
                    for (const event of page.OperationEvents ?? []) {
                        // Progress events of a hook or a validation without a resource status add nothing to the timeline.
                        if (!event.ResourceStatus &&
                            event.EventType !== 'PROVISIONING_ERROR' &&
                            event.EventType !== 'HOOK_INVOCATION_ERROR')
                            continue;
                        const line = fromOperationEvent(event);
                        if (this.remember(line))
                            fresh.push(line);
                    }
                    token = page.NextToken;
                } while (token);
            }
            return fresh;
        }
        catch (error) {
            if (!describeEventsUnavailable(error))
                throw (0,errors/* describeAwsError */.Pp)('CloudFormation DescribeEvents', error);
            core/* log */.Rm.debug(`DescribeEvents is not available (${(0,errors/* messageOf */.bD)(error)}); reading DescribeStackEvents instead`);
            this.useDescribeEvents = false;
            return undefined;
        }
    }
    async fromStackEvents() {
        const fresh = [];
        const { afterEventId, since } = this.options;
        // A few seconds of slack for the difference between this machine's clock and AWS's.
        const notBefore = since.getTime() - 5000;
        let token;
        pages: do {
            const page = await (0,errors/* aws */.o2)('CloudFormation DescribeStackEvents', () => this.client.send(new dist_cjs/* DescribeStackEventsCommand */.Ie9({ StackName: this.options.stack, NextToken: token })));
            // Newest first: stop at the boundary or at an event already seen.
            for (const event of page.StackEvents ?? []) {
                if (afterEventId !== undefined && event.EventId === afterEventId)
                    break pages;
                if (afterEventId === undefined && event.Timestamp && event.Timestamp.getTime() < notBefore)
                    break pages;
                const line = fromStackEvent(event);
                if (!this.remember(line))
                    break pages;
                fresh.push(line);
            }
            token = page.NextToken;
        } while (token);
        return fresh;
    }
}
/** The newest event id of a stack (the boundary for streaming the next operation's events). */
async function newestEventId(client, stack) {
    const page = await (0,errors/* aws */.o2)('CloudFormation DescribeStackEvents', () => client.send(new dist_cjs/* DescribeStackEventsCommand */.Ie9({ StackName: stack })));
    return page.StackEvents?.[0]?.EventId;
}
/**
 * The failed events of a change set's creation (early validation errors) from DescribeEvents; undefined
 * when the API is not available, so the caller falls back to the change set's StatusReason.
 */
async function changeSetFailures(client, changeSetId, stackName) {
    const failures = [];
    let token;
    try {
        do {
            const page = await client.send(new dist_cjs/* DescribeEventsCommand */.w6x({
                ChangeSetName: changeSetId,
                StackName: changeSetId.startsWith('arn:') ? undefined : stackName,
                Filters: { FailedEvents: true },
                NextToken: token,
            }));
            for (const event of page.OperationEvents ?? []) {
                const reason = event.ValidationStatusReason || event.ResourceStatusReason || event.HookStatusReason;
                if (!reason)
                    continue;
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
    }
    catch (error) {
        if (!describeEventsUnavailable(error))
            throw (0,errors/* describeAwsError */.Pp)('CloudFormation DescribeEvents', error);
        core/* log */.Rm.debug(`DescribeEvents is not available (${(0,errors/* messageOf */.bD)(error)}); using the change set's status reason`);
        return undefined;
    }
}

;// CONCATENATED MODULE: ./actions/lib/cloudformation/rootcause.ts
/** Reasons that are a consequence of another failure, never the cause. */
const CONSEQUENCES = [
    /^Resource (creation|update|deletion) cancelled\.?$/i,
    /^Resource (creation|update|deletion) (was )?cancelled/i,
    /^The following resource\(s\) failed to (create|update|delete)/i,
    /^Stack operation (was )?cancelled/i,
    /^Resource handler returned message: "?Resource (creation|update) cancelled/i,
];
function isConsequence(reason) {
    return reason === undefined || reason.trim() === '' || CONSEQUENCES.some((p) => p.test(reason.trim()));
}
function isFailure(status) {
    return status.endsWith('_FAILED') || status === 'VALIDATION_ERROR' || status === 'PROVISIONING_ERROR';
}
/**
 * The root cause among `events` (any order; sorted by time here): the earliest failed resource event whose
 * reason is its own. Falls back to a failed resource with a consequential reason, then to the stack's own
 * failure reason. `stackName` tells the stack's own events apart from its resources'.
 */
function findRootCause(events, stackName) {
    const sorted = [...events].sort((a, b) => a.time.localeCompare(b.time));
    const isStack = (e) => e.type === 'AWS::CloudFormation::Stack' && (e.logicalId === stackName || e.stackName === e.logicalId);
    const failed = sorted.filter((e) => isFailure(e.status));
    const pick = failed.find((e) => !isStack(e) && !isConsequence(e.reason)) ??
        failed.find((e) => !isConsequence(e.reason)) ??
        failed.find((e) => !isStack(e)) ??
        sorted.filter((e) => isStack(e) && e.status.includes('ROLLBACK') && !isConsequence(e.reason))[0];
    if (!pick)
        return undefined;
    return {
        logicalId: pick.logicalId,
        type: pick.type,
        status: pick.status,
        reason: pick.reason?.trim() || 'no reason given',
        time: pick.time,
    };
}
/** `Queue (AWS::SQS::Queue) CREATE_FAILED: <reason>` */
function formatRootCause(cause) {
    return `${cause.logicalId} (${cause.type}) ${cause.status}: ${cause.reason}`;
}

;// CONCATENATED MODULE: ./actions/lib/cloudformation/status.ts
// What a stack status means for a deployment: can it be deployed to, is an operation running, did the
// last operation succeed. Pure functions: no SDK.
/** An operation is running (including REVIEW_IN_PROGRESS, a stack created by an unexecuted change set). */
function isInProgress(status) {
    return status.endsWith('_IN_PROGRESS');
}
/**
 * The stack operation is over: the stack left every in-progress state. The `*_CLEANUP_IN_PROGRESS` states
 * are not the end: the stack cannot be updated again until CloudFormation has removed the old resources.
 */
function isOutcome(status) {
    return !isInProgress(status);
}
function isSuccess(status) {
    return status === 'CREATE_COMPLETE' || status === 'UPDATE_COMPLETE' || status === 'IMPORT_COMPLETE';
}
function isRollingBack(status) {
    return status.includes('ROLLBACK') && isInProgress(status);
}
/** Why a stack in `status` cannot be deployed to, and what to do; undefined when it can. */
function blockedStatus(name, status) {
    switch (status) {
        case 'UPDATE_ROLLBACK_FAILED':
            return {
                message: `Stack ${name} is in UPDATE_ROLLBACK_FAILED: a previous update failed and so did its rollback`,
                hint: `Fix the resource that could not roll back (see the stack's events), then run \`aws cloudformation continue-update-rollback --stack-name ${name}\` (add \`--resources-to-skip <LogicalId>\` for a resource that cannot be fixed) and re-run this job`,
            };
        case 'ROLLBACK_FAILED':
            return {
                message: `Stack ${name} is in ROLLBACK_FAILED: its first create failed and so did the clean-up`,
                hint: `Delete the stack (\`aws cloudformation delete-stack --stack-name ${name}\`, with \`--retain-resources <LogicalId>\` for a resource that cannot be deleted) and re-run this job`,
            };
        case 'DELETE_FAILED':
            return {
                message: `Stack ${name} is in DELETE_FAILED: a delete of the stack failed`,
                hint: `Finish deleting it (see the stack's events for the resource that could not be deleted; \`aws cloudformation delete-stack --stack-name ${name} --retain-resources <LogicalId>\`) and re-run this job`,
            };
        case 'IMPORT_ROLLBACK_FAILED':
            return {
                message: `Stack ${name} is in IMPORT_ROLLBACK_FAILED: a resource import failed and so did its rollback`,
                hint: `Fix the resource named in the stack's events, run \`aws cloudformation continue-update-rollback --stack-name ${name}\`, then re-run this job`,
            };
        default:
            break;
    }
    if (status === 'REVIEW_IN_PROGRESS')
        return undefined;
    if (isInProgress(status)) {
        const rollback = isRollingBack(status);
        return {
            message: `Stack ${name} is busy: another operation is running (${status})`,
            hint: rollback
                ? 'Wait for the rollback to finish (see the stack events in the CloudFormation console), then re-run this job'
                : 'Wait for the running operation to finish (or cancel an update with `aws cloudformation cancel-update-stack`), then re-run this job; use a workflow `concurrency` group so two deployments of one stack never overlap',
        };
    }
    return undefined;
}

// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
;// CONCATENATED MODULE: ./actions/lib/cloudformation/template.ts
// Reads a CloudFormation template locally, before any AWS call: YAML (with CloudFormation's short-form
// tags such as !Ref, !Sub and !GetAtt) or JSON. A syntax error names the file, line and column; the
// parameters it declares let a caller check the parameters it was given. No SDK here.


/** A template that cannot be read: where (file, line, column) and why. */
class TemplateError extends errors/* ConfigurationError */.j1 {
    file;
    line;
    column;
    reason;
    constructor(file, reason, position = {}) {
        const where = position.line === undefined ? file : `${file}:${position.line}:${position.column ?? 1}`;
        super(`${where}: ${reason}`);
        this.file = file;
        this.line = position.line;
        this.column = position.column;
        this.reason = reason;
    }
}
// Short-form intrinsic functions: `!Name value` is `{ "Fn::Name": value }`, except !Ref and !Condition.
const INTRINSICS = [
    'And',
    'Base64',
    'Cidr',
    'Equals',
    'FindInMap',
    'GetAtt',
    'GetAZs',
    'If',
    'ImportValue',
    'Join',
    'Length',
    'Not',
    'Or',
    'Select',
    'Split',
    'Sub',
    'ToJsonString',
    'Transform',
];
function longForm(name, value) {
    if (name === 'Ref' || name === 'Condition')
        return { [name]: value };
    if (name === 'GetAtt' && typeof value === 'string') {
        const dot = value.indexOf('.');
        return { 'Fn::GetAtt': dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
    }
    return { [`Fn::${name}`]: value };
}
function cloudFormationTags() {
    const tags = [];
    for (const name of ['Ref', 'Condition', ...INTRINSICS]) {
        tags.push({ tag: `!${name}`, resolve: (value) => longForm(name, value) });
        tags.push({ tag: `!${name}`, collection: 'seq', resolve: (seq) => longForm(name, seq.toJSON()) });
        tags.push({ tag: `!${name}`, collection: 'map', resolve: (map) => longForm(name, map.toJSON()) });
    }
    return tags;
}
let cachedTags;
/** Parses a template's text; `path` is used in messages. Throws TemplateError (a ConfigurationError). */
function parseTemplate(text, path) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (text.trim() === '')
        throw new TemplateError(path, 'the template is empty');
    const json = /^\s*\{/.test(text);
    const body = json ? parseJson(text, path) : parseYaml(text, path);
    return { ...describeTemplate(body, path), body, format: json ? 'json' : 'yaml', bytes };
}
function parseJson(text, path) {
    try {
        return JSON.parse(text);
    }
    catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const at = /position (\d+)/.exec(message);
        const reason = message.replace(/\s*\(line \d+ column \d+\)/, '').replace(/ in JSON at position \d+/, '');
        if (!at) {
            // "Unexpected end of JSON input" has no position: point at the end.
            return failAt(path, `invalid JSON: ${reason}`, text, text.length);
        }
        return failAt(path, `invalid JSON: ${reason}`, text, Number(at[1]));
    }
}
function failAt(path, reason, text, offset) {
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - (before.lastIndexOf('\n') + 1) + 1;
    throw new TemplateError(path, reason, { line, column });
}
function parseYaml(text, path) {
    cachedTags ??= cloudFormationTags();
    const doc = (0,dist/* parseDocument */.Tp)(text, {
        customTags: cachedTags,
        prettyErrors: true,
        uniqueKeys: true,
    });
    const problem = doc.errors[0] ?? doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
    if (problem) {
        const pos = problem.linePos?.[0];
        let reason = `invalid YAML: ${problem.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`;
        if (problem.code === 'TAG_RESOLVE_FAILED') {
            const tag = /(!\S+)/.exec(problem.message)?.[1] ?? 'tag';
            reason = `unknown tag ${tag}: CloudFormation's short forms are !Ref, !Condition, !${INTRINSICS.join(', !')}`;
        }
        throw new TemplateError(path, reason, { line: pos?.line, column: pos?.col });
    }
    const value = doc.toJS({ maxAliasCount: 1000 });
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new TemplateError(path, 'a template is a mapping (AWSTemplateFormatVersion, Parameters, Resources…)', {
            line: 1,
            column: 1,
        });
    }
    return value;
}
function isRecord(value) {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
}
function scalarText(value) {
    if (value === undefined || value === null)
        return undefined;
    if (Array.isArray(value))
        return value.map((v) => String(v)).join(',');
    return String(value);
}
function describeTemplate(body, path) {
    const problems = [];
    const parameters = {};
    const resources = {};
    if (body.Parameters !== undefined && !isRecord(body.Parameters)) {
        problems.push(`${path}: Parameters must be a mapping of parameter names to declarations`);
    }
    for (const [name, declaration] of Object.entries(isRecord(body.Parameters) ? body.Parameters : {})) {
        if (!isRecord(declaration) || typeof declaration.Type !== 'string') {
            problems.push(`${path}: Parameters.${name} needs a Type (String, Number, CommaDelimitedList…)`);
            continue;
        }
        parameters[name] = {
            type: declaration.Type,
            default: scalarText(declaration.Default),
            noEcho: declaration.NoEcho === true || String(declaration.NoEcho).toLowerCase() === 'true',
            description: typeof declaration.Description === 'string' ? declaration.Description : undefined,
            allowedValues: Array.isArray(declaration.AllowedValues)
                ? declaration.AllowedValues.map((v) => String(v))
                : undefined,
        };
    }
    if (!isRecord(body.Resources) || Object.keys(body.Resources).length === 0) {
        problems.push(`${path}: a template needs a Resources section with at least one resource`);
    }
    for (const [logicalId, resource] of Object.entries(isRecord(body.Resources) ? body.Resources : {})) {
        if (!isRecord(resource) || typeof resource.Type !== 'string') {
            problems.push(`${path}: Resources.${logicalId} needs a Type (e.g. AWS::S3::Bucket)`);
            continue;
        }
        resources[logicalId] = { type: resource.Type };
    }
    if (problems.length > 0)
        throw new errors/* ConfigurationError */.j1(problems);
    return { parameters, resources, outputs: Object.keys(isRecord(body.Outputs) ? body.Outputs : {}) };
}
/**
 * Problems with `given` parameters against a template's declarations: unknown names (listing the accepted
 * ones), missing required parameters, values outside AllowedValues. One line each; empty when all is well.
 */
function checkParameters(declared, given, options) {
    const problems = [];
    const names = Object.keys(declared);
    const accepted = names.length === 0 ? 'the template declares no parameters' : `accepted: ${names.join(', ')}`;
    for (const name of Object.keys(given)) {
        if (!(name in declared))
            problems.push(`${name} is not a parameter of the template (${accepted})`);
    }
    const kept = new Set(options.kept ?? []);
    if (options.requireAll) {
        const missing = names.filter((name) => declared[name]?.default === undefined && !(name in given) && !kept.has(name));
        if (missing.length > 0) {
            problems.push(`${missing.join(', ')} ${missing.length === 1 ? 'has' : 'have'} no Default in the template and must be given`);
        }
    }
    for (const [name, value] of Object.entries(given)) {
        const allowed = declared[name]?.allowedValues;
        if (allowed && !allowed.includes(value)) {
            const shown = declared[name]?.noEcho ? '(hidden: NoEcho)' : `"${value}"`;
            problems.push(`${name}: ${shown} is not one of the AllowedValues: ${allowed.join(', ')}`);
        }
    }
    return problems;
}

;// CONCATENATED MODULE: ./actions/lib/cloudformation/deploy.ts
// Deploys a CloudFormation stack, always through a change set: check the template and parameters locally,
// look at the stack (re-create one left in ROLLBACK_COMPLETE by a failed first create, refuse one that is
// busy or broken, saying what to do), create the change set and show it (data loss and security changes
// flagged), execute it while streaming the operation's events, and name the root cause when it fails.
// Load with a dynamic import() after the inputs are validated: this module loads the CloudFormation SDK.
















const DEFAULT_CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'];
/** CloudFormation's limit for a template passed in the request (TemplateBody). */
const TEMPLATE_BODY_LIMIT = 51_200;
async function deployStack(options) {
    const { name, region, signal } = options;
    const deadline = Date.now() + options.timeoutMs;
    const remaining = () => Math.max(1000, deadline - Date.now());
    // 1. Everything that can be checked without AWS.
    const templatePath = 'body' in options.template ? options.template.path : undefined;
    const local = 'body' in options.template ? parseTemplate(options.template.body, templatePath ?? 'template') : undefined;
    if (local) {
        maskNoEcho(local.parameters, options.parameters);
        const unknown = checkParameters(local.parameters, options.parameters, { requireAll: false });
        if (unknown.length > 0)
            throw new errors/* ConfigurationError */.j1(unknown.map((p) => `parameters: ${p}`));
        if (local.bytes > TEMPLATE_BODY_LIMIT && !options.templateBucket) {
            throw new errors/* ConfigurationError */.j1(`template: ${templatePath ?? 'the template'} is ${local.bytes.toLocaleString('en-US')} bytes, over CloudFormation's ${TEMPLATE_BODY_LIMIT.toLocaleString('en-US')}-byte limit for a template in the request; give template-bucket (an S3 bucket in ${region}) to deploy it through S3`);
        }
    }
    const client = cloudFormationClient(region);
    // 2. The stack as it is.
    let existing = await (0,errors/* aws */.o2)('CloudFormation DescribeStacks', () => describeStackRaw(client, name));
    if (existing?.StackStatus?.endsWith('_CLEANUP_IN_PROGRESS')) {
        existing = await waitForCleanup(client, existing, { timeoutMs: remaining(), signal });
    }
    let recreated = false;
    const noDeployedTemplate = !existing ||
        existing.StackStatus === 'ROLLBACK_COMPLETE' ||
        existing.StackStatus === 'REVIEW_IN_PROGRESS';
    if ('usePrevious' in options.template && noDeployedTemplate) {
        throw new errors/* ConfigurationError */.j1(`template: stack ${name} ${existing ? `is in ${existing.StackStatus}` : 'does not exist'}, so there is no deployed template to reuse; give a template`);
    }
    if (existing?.StackStatus === 'ROLLBACK_COMPLETE') {
        await deleteRolledBackStack(client, existing, { timeoutMs: remaining(), signal });
        existing = undefined;
        recreated = true;
    }
    if (existing?.StackStatus) {
        const blocked = blockedStatus(name, existing.StackStatus);
        if (blocked)
            throw new errors/* ActionError */.lZ(blocked.message, { hint: blocked.hint });
    }
    const creating = !existing || existing.StackStatus === 'REVIEW_IN_PROGRESS';
    // 3. Parameters against the template's declarations and the stack's current parameters.
    const declared = local?.parameters ?? (await templateParameters(client, options.template, existing));
    if (!local)
        maskNoEcho(declared, options.parameters);
    const previous = new Set((existing?.Parameters ?? []).map((p) => p.ParameterKey ?? ''));
    const kept = options.keepPreviousParameters && !creating
        ? Object.keys(declared).filter((key) => previous.has(key) && !(key in options.parameters))
        : [];
    const parameterProblems = checkParameters(declared, options.parameters, { requireAll: true, kept });
    if (parameterProblems.length > 0) {
        throw new errors/* ConfigurationError */.j1(parameterProblems.map((p) => `parameters: ${p}${creating && /must be given/.test(p) ? ' when creating the stack' : ''}`));
    }
    const parameters = [
        ...Object.entries(options.parameters).map(([key, value]) => ({
            ParameterKey: key,
            ParameterValue: value,
        })),
        ...kept.map((key) => ({ ParameterKey: key, UsePreviousValue: true })),
    ];
    // 4. Where CloudFormation reads the template from.
    let templateSource;
    if ('body' in options.template) {
        if ((local?.bytes ?? 0) > TEMPLATE_BODY_LIMIT && options.templateBucket) {
            const { uploadTemplate } = await Promise.all(/* import() */[__webpack_require__.e(711), __webpack_require__.e(610)]).then(__webpack_require__.bind(__webpack_require__, 7610));
            const uploaded = await uploadTemplate({
                bucket: options.templateBucket,
                region,
                stackName: name,
                body: options.template.body,
            });
            core/* log */.Rm.info(`The template is ${local?.bytes.toLocaleString('en-US')} bytes (over ${TEMPLATE_BODY_LIMIT.toLocaleString('en-US')}): uploaded to s3://${options.templateBucket}/${uploaded.key}`);
            templateSource = { TemplateURL: uploaded.url };
        }
        else {
            templateSource = { TemplateBody: options.template.body };
        }
    }
    else if ('url' in options.template) {
        templateSource = { TemplateURL: options.template.url };
    }
    else {
        templateSource = { UsePreviousTemplate: true };
    }
    // 5. The change set.
    const csName = changeSetName();
    const run = readRunContext();
    const changeSetStarted = Date.now();
    core/* log */.Rm.info(`${creating ? 'Creating' : 'Updating'} stack ${name} in ${region}: change set ${csName} (${creating ? 'CREATE' : 'UPDATE'})`);
    const created = await createChangeSet(client, {
        StackName: name,
        ChangeSetName: csName,
        ChangeSetType: creating ? 'CREATE' : 'UPDATE',
        IncludeNestedStacks: false,
        ...templateSource,
        Parameters: parameters,
        Capabilities: (options.capabilities ?? DEFAULT_CAPABILITIES),
        RoleARN: options.roleArn,
        Tags: options.tags ? Object.entries(options.tags).map(([Key, Value]) => ({ Key, Value })) : undefined,
        Description: run.repository
            ? `deploy-stack: ${run.repository} ${run.sha.slice(0, 12)} run ${run.runId}/${run.runAttempt}`.slice(0, 1024)
            : undefined,
    });
    const changeSetId = created.id;
    const stackId = created.stackId;
    let computed;
    try {
        computed = await waitForChangeSet(client, changeSetId, {
            timeoutMs: remaining(),
            signal,
            stackName: name,
        });
    }
    catch (error) {
        if (signal?.aborted) {
            await bestEffort(`delete change set ${csName}`, () => deleteChangeSet(client, changeSetId));
            throw new StackOperationError(`Deployment of stack ${name} cancelled before its change set was executed`, {
                stackName: name,
                stackId,
                changeSetId,
                phase: 'cancelled',
                hint: 'The stack was not changed',
            });
        }
        throw error;
    }
    const changeSetMs = Date.now() - changeSetStarted;
    if (computed.status === 'FAILED') {
        if (isEmptyChangeSetReason(computed.statusReason)) {
            await deleteChangeSet(client, changeSetId);
            core/* log */.Rm.info(`No changes: stack ${name} is up to date (the empty change set ${csName} was deleted)`);
            const current = existing ?? (await (0,errors/* aws */.o2)('CloudFormation DescribeStacks', () => describeStackRaw(client, stackId)));
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
        core/* log */.Rm.info(`no-execute: change set ${csName} is left for review; run it with \`aws cloudformation execute-change-set --change-set-name ${changeSetId}\`, or delete it with \`aws cloudformation delete-change-set --change-set-name ${changeSetId}\``);
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
    const before = existing ?? (await (0,errors/* aws */.o2)('CloudFormation DescribeStacks', () => describeStackRaw(client, stackId)));
    const boundary = await newestEventId(client, stackId);
    const priorOperations = new Set((before?.LastOperations ?? []).map((o) => o.OperationId));
    const executedAt = new Date();
    await executeChangeSet(client, changeSetId, csName);
    core/* log */.Rm.info(`Executing change set ${csName}: ${creating ? 'creating' : 'updating'} stack ${name}`);
    try {
        options.onExecute?.();
    }
    catch (error) {
        core/* log */.Rm.warning(`onExecute callback failed: ${(0,errors/* messageOf */.bD)(error)}`);
    }
    const stream = new StackEventStream(client, { stack: stackId, afterEventId: boundary, since: executedAt });
    const verb = creating ? 'create' : 'update';
    let started = false;
    let announcedCause = false;
    let last;
    const progress = (0,poll/* onChange */.k9)((line) => core/* log */.Rm.info(line));
    const collectOperations = (stack) => {
        for (const operation of stack.LastOperations ?? []) {
            if (operation.OperationType === 'CREATE_CHANGESET')
                continue;
            if (operation.OperationId && !priorOperations.has(operation.OperationId))
                stream.addOperation(operation.OperationId);
        }
    };
    let final;
    try {
        final = await (0,poll/* poll */.wt)({
            what: `the ${verb} of stack ${name}`,
            timeoutMs: remaining(),
            signal,
            check: async () => {
                const stack = await (0,errors/* aws */.o2)('CloudFormation DescribeStacks', () => describeStackRaw(client, stackId));
                if (!stack) {
                    throw new errors/* ActionError */.lZ(`Stack ${name} disappeared while it was being deployed`, {
                        hint: 'Someone or something deleted it during the deployment; re-run the job',
                    });
                }
                last = stack;
                collectOperations(stack);
                const status = stack.StackStatus ?? '';
                const fresh = await stream.next();
                for (const event of fresh) {
                    core/* log */.Rm.info(formatEventLine(event));
                    // The first resource failing for a reason of its own: say so right there, not only at the end.
                    if (!announcedCause &&
                        event.status.endsWith('_FAILED') &&
                        event.logicalId !== name &&
                        !isConsequence(event.reason)) {
                        announcedCause = true;
                        core/* log */.Rm.info(`>>> root cause: ${event.logicalId} (${event.type}) ${event.status}: ${event.reason}`);
                    }
                }
                if (fresh.length > 0 ||
                    status !== before?.StackStatus ||
                    stack.LastUpdatedTime?.getTime() !== before?.LastUpdatedTime?.getTime()) {
                    started = true;
                }
                if (started && isOutcome(status))
                    return { done: true, value: stack };
                if (fresh.length === 0)
                    progress(`... ${name}: ${status}`);
                return { done: false };
            },
            timeoutHint: `CloudFormation carries on with the ${verb}; follow it in the CloudFormation console, and raise timeout-minutes if it needs longer`,
            describeState: () => (last ? `Last status: ${last.StackStatus}` : undefined),
        });
    }
    catch (error) {
        const events = stream.events;
        if (signal?.aborted) {
            throw await cancelled(client, { name, stackId, changeSetId, creating, changes, events });
        }
        if (error instanceof errors/* TimeoutError */.MU) {
            throw new StackOperationError(`The ${verb} of stack ${name} did not finish within ${(0,inputs/* formatDuration */.a3)(options.timeoutMs)}`, {
                stackName: name,
                stackId,
                changeSetId,
                changes,
                events,
                finalStatus: last?.StackStatus,
                phase: 'timeout',
                hint: error.hint,
                details: eventDetails(events),
            });
        }
        throw error;
    }
    // Events CloudFormation recorded together with the final status.
    for (const event of await stream.next())
        core/* log */.Rm.info(formatEventLine(event));
    const executionMs = Date.now() - executedAt.getTime();
    const status = final.StackStatus ?? '';
    const events = stream.events;
    if (!isSuccess(status)) {
        const cause = findRootCause(events, name);
        const rootCause = cause ? formatRootCause(cause) : final.StackStatusReason;
        const blocked = blockedStatus(name, status);
        const hint = blocked?.hint ??
            (creating
                ? 'Fix the cause and re-run: the next run deletes the empty stack and creates it again'
                : 'The stack was rolled back to its previous state; fix the cause and re-run');
        throw new StackOperationError(`Stack ${name} failed to ${verb}: ${rootCause ?? `it ended in ${status}`}${rootCause ? ` (stack ${status})` : ''}`, {
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
        });
    }
    const settled = (await applyTerminationProtection(client, name, final, options.terminationProtection)) ?? final;
    core/* log */.Rm.info(`Stack ${name}: ${status} in ${(0,inputs/* formatDuration */.a3)(executionMs)}`);
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
async function executeChangeSet(client, changeSetId, token) {
    try {
        await client.send(new dist_cjs/* ExecuteChangeSetCommand */.PB_({ ChangeSetName: changeSetId, ClientRequestToken: token }));
    }
    catch (error) {
        const e = error;
        if (/InvalidChangeSetStatus/.test(e?.name ?? '') && (e.$metadata?.attempts ?? 1) > 1) {
            const described = await (0,errors/* aws */.o2)('CloudFormation DescribeChangeSet', () => client.send(new dist_cjs/* DescribeChangeSetCommand */.TTT({ ChangeSetName: changeSetId })));
            if (described.ExecutionStatus?.startsWith('EXECUTE_')) {
                core/* log */.Rm.debug(`ExecuteChangeSet was retried; the change set is already ${described.ExecutionStatus}`);
                return;
            }
        }
        throw (0,errors/* describeAwsError */.Pp)('CloudFormation ExecuteChangeSet', error);
    }
}
function maskNoEcho(declared, given) {
    for (const [key, value] of Object.entries(given))
        if (declared[key]?.noEcho)
            (0,core/* mask */.dK)(value);
}
/** Parameter declarations of a template CloudFormation reads itself (an S3 URL, or the stack's current one). */
async function templateParameters(client, template, existing) {
    const input = 'url' in template
        ? { TemplateURL: template.url }
        : { StackName: existing?.StackId ?? existing?.StackName };
    const summary = await (0,errors/* aws */.o2)('CloudFormation GetTemplateSummary', () => client.send(new dist_cjs/* GetTemplateSummaryCommand */.A55(input)));
    const declared = {};
    for (const p of summary.Parameters ?? []) {
        if (!p.ParameterKey)
            continue;
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
async function waitForCleanup(client, stack, options) {
    const name = stack.StackName ?? '';
    const id = stack.StackId ?? name;
    core/* log */.Rm.info(`Stack ${name} is in ${stack.StackStatus}: waiting for CloudFormation to finish removing old resources`);
    return (0,poll/* poll */.wt)({
        what: `the clean-up of stack ${name}`,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        timeoutHint: 'CloudFormation is still removing old resources; re-run the job once the stack is stable',
        check: async () => {
            const current = await (0,errors/* aws */.o2)('CloudFormation DescribeStacks', () => describeStackRaw(client, id));
            if (current?.StackStatus?.endsWith('_CLEANUP_IN_PROGRESS'))
                return { done: false };
            return { done: true, value: current };
        },
    });
}
async function deleteRolledBackStack(client, stack, options) {
    const name = stack.StackName ?? '';
    const id = stack.StackId ?? name;
    const why = stack.StackStatusReason ? ` (${stack.StackStatusReason})` : '';
    core/* log */.Rm.warning(`Stack ${name} is in ROLLBACK_COMPLETE: its first create failed${why} and a stack in that state cannot be updated. Deleting it and creating it again.`);
    await (0,errors/* aws */.o2)('CloudFormation DeleteStack', () => client.send(new dist_cjs/* DeleteStackCommand */.fAr({ StackName: id })));
    const progress = (0,poll/* onChange */.k9)((line) => core/* log */.Rm.info(line));
    await (0,poll/* poll */.wt)({
        what: `the deletion of stack ${name} (left in ROLLBACK_COMPLETE)`,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        check: async () => {
            const current = await (0,errors/* aws */.o2)('CloudFormation DescribeStacks', () => describeStackRaw(client, id));
            const status = current?.StackStatus ?? 'DELETE_COMPLETE';
            progress(`... ${name}: ${status}`);
            if (status === 'DELETE_COMPLETE')
                return { done: true, value: undefined };
            if (status === 'DELETE_FAILED') {
                throw new errors/* ActionError */.lZ(`Stack ${name} (ROLLBACK_COMPLETE) could not be deleted: ${current?.StackStatusReason ?? 'DELETE_FAILED'}`, {
                    hint: `Delete it by hand (\`aws cloudformation delete-stack --stack-name ${name}\`, with \`--retain-resources\` for a resource that cannot be deleted) and re-run`,
                });
            }
            return { done: false };
        },
    });
    core/* log */.Rm.info(`Deleted stack ${name} (it was in ROLLBACK_COMPLETE); creating it again`);
}
async function applyTerminationProtection(client, name, stack, wanted) {
    if (wanted === undefined || !stack)
        return stack;
    if ((stack.EnableTerminationProtection === true) === wanted)
        return stack;
    await (0,errors/* aws */.o2)('CloudFormation UpdateTerminationProtection', () => client.send(new dist_cjs/* UpdateTerminationProtectionCommand */.mP2({
        StackName: stack.StackId ?? name,
        EnableTerminationProtection: wanted,
    })));
    core/* log */.Rm.info(`Termination protection of stack ${name}: ${wanted ? 'enabled' : 'disabled'}`);
    return { ...stack, EnableTerminationProtection: wanted };
}
function logChanges(name, changes) {
    if (changes.length === 0) {
        core/* log */.Rm.info(`Change set for ${name}: no resource changes (outputs, parameters or tags only)`);
        return;
    }
    core/* log */.Rm.info(`Change set for ${name}: ${changes.length} resource change${changes.length === 1 ? '' : 's'}`);
    for (const change of changes) {
        const replacement = change.replacement && change.replacement !== 'False' ? `  replacement: ${change.replacement}` : '';
        const props = change.properties.length > 0 ? `  (${change.properties.join(', ')})` : '';
        core/* log */.Rm.info(`  ${change.action.padEnd(7)} ${change.logicalId.padEnd(28)} ${change.type}${replacement}${props}`);
    }
    for (const change of changes) {
        const warning = changeWarning(change);
        if (warning)
            core/* log */.Rm.warning(`${name}: ${warning}`, { title: change.stateful ? 'Data loss' : 'Security change' });
    }
}
function describeFailure(failure) {
    const where = [failure.logicalId, failure.path].filter(Boolean).join(' ');
    return `${where ? `${where}: ` : ''}${failure.reason}`;
}
async function changeSetFailed(client, context) {
    const failures = await changeSetFailures(client, context.changeSetId, context.name);
    const reasons = failures && failures.length > 0 ? failures.map(describeFailure) : undefined;
    for (const reason of reasons ?? [])
        core/* log */.Rm.error(`${context.name}: ${reason}`, { title: 'Change set validation' });
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
async function cancelled(client, context) {
    const { name } = context;
    let hint;
    if (context.creating) {
        core/* log */.Rm.warning(`The job was cancelled while stack ${name} was being created. CloudFormation cannot cancel a create: it finishes it, or rolls the stack back if a resource fails; a stack left in ROLLBACK_COMPLETE is deleted and created again by the next run.`);
        hint = 'CloudFormation finishes the create (or rolls the stack back); re-run the job to deploy again';
    }
    else {
        try {
            await (0,errors/* aws */.o2)('CloudFormation CancelUpdateStack', () => client.send(new dist_cjs/* CancelUpdateStackCommand */.v6j({ StackName: context.stackId })));
            core/* log */.Rm.warning(`The job was cancelled: cancelled the update of stack ${name} (CancelUpdateStack); CloudFormation rolls it back to its previous state.`);
            hint = 'The update was cancelled and CloudFormation rolls the stack back to its previous state';
        }
        catch (error) {
            core/* log */.Rm.warning(`The job was cancelled, but the update of stack ${name} could not be cancelled: ${(0,errors/* messageOf */.bD)(error)}`);
            hint =
                'The update could not be cancelled (it may have just finished); look at the stack in the CloudFormation console';
        }
    }
    return new StackOperationError(`Deployment of stack ${name} cancelled during the ${context.creating ? 'create' : 'update'}`, {
        stackName: name,
        stackId: context.stackId,
        changeSetId: context.changeSetId,
        changes: context.changes,
        events: context.events,
        phase: 'cancelled',
        hint,
        details: eventDetails(context.events),
    });
}
function eventDetails(events) {
    if (events.length === 0)
        return undefined;
    return `Stack events:\n\n\`\`\`\n${events.map(formatEventLine).join('\n')}\n\`\`\``;
}
async function bestEffort(what, fn) {
    try {
        await fn();
    }
    catch (error) {
        core/* log */.Rm.debug(`Could not ${what}: ${(0,errors/* messageOf */.bD)(error)}`);
    }
}
// Status helpers re-exported for callers that watch stacks themselves.



/***/ })

};
