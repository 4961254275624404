export const id = 454;
export const ids = [454,516];
export const modules = {

/***/ 2454:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  DeployServiceError: () => (/* binding */ DeployServiceError),
  deployService: () => (/* binding */ deployService)
});

// UNUSED EXPORTS: IMAGE_PARAMETER

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-ecs/dist-cjs/index.js
var dist_cjs = __webpack_require__(212);
// EXTERNAL MODULE: ./actions/lib/core.ts + 21 modules
var core = __webpack_require__(2161);
// EXTERNAL MODULE: ./actions/lib/errors.ts
var errors = __webpack_require__(2863);
// EXTERNAL MODULE: ./actions/lib/inputs.ts
var inputs = __webpack_require__(7721);
// EXTERNAL MODULE: ./actions/lib/poll.ts
var poll = __webpack_require__(7481);
;// CONCATENATED MODULE: ./actions/lib/http.ts
// HTTP with bounded retries, for Slack and smoke tests: retries 429 (honouring Retry-After), 5xx and
// network errors with back-off; every attempt has its own timeout. Errors name the host only, never the
// full URL, which can carry a secret (a Slack webhook URL is one).


function retryAfterMs(header, now = Date.now()) {
    if (!header)
        return undefined;
    if (/^\d+(\.\d+)?$/.test(header.trim()))
        return Math.round(Number(header) * 1000);
    const date = Date.parse(header);
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
async function httpRequest(request) {
    const retries = request.retries ?? 3;
    const maxDelay = request.maxDelayMs ?? 30_000;
    const host = safeHost(request.url);
    let lastReason = '';
    for (let attempt = 1;; attempt++) {
        let delay = Math.min(1000 * 2 ** (attempt - 1), maxDelay);
        try {
            const timeout = AbortSignal.timeout(request.timeoutMs ?? 10_000);
            const response = await fetch(request.url, {
                method: request.method ?? 'GET',
                headers: request.headers,
                body: request.body,
                signal: request.signal ? AbortSignal.any([request.signal, timeout]) : timeout,
                redirect: 'follow',
            });
            const text = await response.text();
            const retryable = response.status === 429 || response.status >= 500;
            if (!retryable || attempt > retries)
                return { status: response.status, headers: response.headers, text, attempts: attempt };
            lastReason = `HTTP ${response.status}`;
            const after = retryAfterMs(response.headers.get('retry-after'));
            if (after !== undefined)
                delay = Math.min(after, maxDelay);
        }
        catch (error) {
            if (request.signal?.aborted)
                throw request.signal.reason;
            lastReason = describeFetchError(error);
            if (attempt > retries) {
                throw new errors/* ActionError */.lZ(`${host} could not be reached after ${attempt} attempts: ${lastReason}`, {
                    cause: error,
                });
            }
        }
        request.onRetry?.({ attempt, delayMs: delay, reason: lastReason });
        await (0,poll/* sleep */.yy)(delay, request.signal);
    }
}
function safeHost(url) {
    try {
        return new URL(url).host;
    }
    catch {
        return 'the server';
    }
}
function describeFetchError(error) {
    if (error instanceof Error) {
        if (error.name === 'TimeoutError')
            return 'timed out';
        const cause = error.cause;
        if (cause?.code)
            return cause.code;
        return error.message;
    }
    return String(error);
}

;// CONCATENATED MODULE: ./actions/lib/smoke.ts
// The smoke test after a rollout: poll a URL until it answers 2xx and, when a version is expected, its body
// contains that version. Polls with the same back-off as every other wait; each attempt has its own timeout.



/** The URL without credentials or query string (either may carry a secret). */
function displayUrl(url) {
    try {
        const parsed = new URL(url);
        return `${parsed.origin}${parsed.pathname}${parsed.search ? '?…' : ''}`;
    }
    catch {
        return 'the smoke URL';
    }
}
function snippet(text, max = 200) {
    const line = text.replace(/\s+/g, ' ').trim();
    return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
/** Polls `url` until it passes or `timeoutMs` runs out; resolves with what was seen (never throws but on abort). */
async function smokeTest(options) {
    const shown = displayUrl(options.url);
    const started = Date.now();
    const deadline = started + options.timeoutMs;
    const progress = options.onProgress ?? ((line) => core/* log */.Rm.info(line));
    const intervals = (0,poll/* pollIntervals */.YG)();
    let interval = intervals.initial;
    let attempts = 0;
    let last = {};
    let lastLine = '';
    for (;;) {
        (0,poll/* throwIfAborted */.Te)(options.signal);
        attempts++;
        const remaining = Math.max(1, deadline - Date.now());
        try {
            const response = await httpRequest({
                url: options.url,
                retries: 0,
                // Never so short that a slow but healthy answer counts as none.
                timeoutMs: Math.min(options.attemptTimeoutMs ?? 10_000, Math.max(2000, remaining)),
                signal: options.signal,
                headers: { accept: 'application/json, text/plain;q=0.9, */*;q=0.5' },
            });
            const ok = response.status >= 200 && response.status < 300;
            const versionFound = options.expectVersion === undefined ? undefined : response.text.includes(options.expectVersion);
            last = {
                status: response.status,
                body: snippet(response.text),
                versionFound,
                expectVersion: options.expectVersion,
            };
            if (ok && versionFound !== false) {
                const message = `GET ${shown} answered ${response.status}${options.expectVersion ? ` with version ${options.expectVersion}` : ''}`;
                progress(`Smoke test passed: ${message} (attempt ${attempts})`);
                return { url: shown, passed: true, attempts, durationMs: Date.now() - started, ...last, message };
            }
        }
        catch (error) {
            if (options.signal?.aborted)
                throw error;
            last = { error: error.message, expectVersion: options.expectVersion };
        }
        const line = `Smoke test: GET ${shown} → ${describe(last)}; retrying`;
        if (line !== lastLine)
            progress(line);
        lastLine = line;
        if (Date.now() + interval > deadline) {
            return {
                url: shown,
                passed: false,
                attempts,
                durationMs: Date.now() - started,
                ...last,
                message: `GET ${shown} ${describe(last)} after ${attempts} attempt${attempts === 1 ? '' : 's'} over ${Math.round((Date.now() - started) / 1000)}s`,
            };
        }
        await (0,poll/* sleep */.yy)(interval, options.signal);
        interval = Math.min(Math.round(interval * 1.5), intervals.max);
    }
}
function describe(seen) {
    if (seen.status === undefined)
        return `got no answer (${seen.error ?? 'no response'})`;
    const body = seen.body ? `: ${seen.body}` : '';
    if (seen.status < 200 || seen.status >= 300)
        return `answered ${seen.status}${body}`;
    return `answered ${seen.status} but the body does not contain the version ${seen.expectVersion}${body ? ` (got${body})` : ''}`;
}

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-cloudwatch-logs/dist-cjs/index.js
var client_cloudwatch_logs_dist_cjs = __webpack_require__(303);
// EXTERNAL MODULE: ./actions/lib/aws.ts
var aws = __webpack_require__(1183);
;// CONCATENATED MODULE: ./actions/lib/ecs/clients.ts
// One SDK client per service and region for the whole run. Loaded only after inputs are validated.



const ecsClients = new Map();
const logsClients = new Map();
function ecsClient(region) {
    let client = ecsClients.get(region);
    if (!client) {
        client = new dist_cjs/* ECSClient */.Zgc((0,aws/* awsClientConfig */.rw)(region));
        ecsClients.set(region, client);
    }
    return client;
}
function logsClient(region) {
    let client = logsClients.get(region);
    if (!client) {
        client = new client_cloudwatch_logs_dist_cjs/* CloudWatchLogsClient */.TFr((0,aws/* awsClientConfig */.rw)(region));
        logsClients.set(region, client);
    }
    return client;
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ./actions/lib/ecs/logs.ts
// The last lines a container wrote to CloudWatch Logs, found from its awslogs configuration: the stream is
// `<awslogs-stream-prefix>/<container-name>/<task-id>` in `awslogs-group`, in `awslogs-region`.



/** The task ID: the last part of a task ARN. */
function taskIdOf(taskArn) {
    return taskArn.split('/').pop() ?? taskArn;
}
/**
 * Where a container of a task logs, or why it cannot be known (no awslogs driver, no stream prefix: then
 * the stream name is the container instance's, not derivable from the task).
 */
function awslogsLocation(container, taskArn, defaultRegion) {
    const config = container?.logConfiguration;
    if (!container || !config)
        return 'the container has no log configuration';
    if (config.logDriver !== 'awslogs') {
        return `the container logs with the ${config.logDriver} driver, not awslogs`;
    }
    const options = config.options ?? {};
    const group = options['awslogs-group'];
    const prefix = options['awslogs-stream-prefix'];
    if (!group)
        return 'the awslogs configuration has no awslogs-group';
    if (!prefix)
        return 'the awslogs configuration has no awslogs-stream-prefix, so the stream cannot be found';
    return {
        region: options['awslogs-region'] ?? defaultRegion,
        group,
        stream: `${prefix}/${container.name}/${taskIdOf(taskArn)}`,
    };
}
/** The last `limit` lines of a container's awslogs stream; never throws (reports why lines are missing). */
async function tailContainerLogs(container, containerName, taskArn, region, limit = 20) {
    const location = awslogsLocation(container, taskArn, region);
    if (typeof location === 'string')
        return { container: containerName, lines: [], unavailable: location };
    const tail = {
        container: containerName,
        logGroup: location.group,
        logStream: location.stream,
        lines: [],
    };
    try {
        const response = await (0,errors/* aws */.o2)('CloudWatch Logs GetLogEvents', () => logsClient(location.region).send(new client_cloudwatch_logs_dist_cjs/* GetLogEventsCommand */.h7S({
            logGroupName: location.group,
            logStreamName: location.stream,
            limit,
            startFromHead: false,
        })));
        tail.lines = (response.events ?? []).map((e) => (e.message ?? '').replace(/\r?\n$/, '')).slice(-limit);
        if (tail.lines.length === 0)
            tail.unavailable = 'the log stream is empty';
    }
    catch (error) {
        const name = error.cause?.name;
        tail.unavailable =
            name === 'ResourceNotFoundException'
                ? `no log stream ${location.stream} in ${location.group} (the container may never have started)`
                : (0,errors/* messageOf */.bD)(error);
    }
    return tail;
}

;// CONCATENATED MODULE: ./actions/lib/ecs/stopped-tasks.ts
// Why tasks stopped: the task's stop reason and code, each container's exit code and reason, and the last
// lines each failed container logged.




function toStoppedTask(task) {
    const taskArn = task.taskArn ?? '';
    return {
        taskArn,
        taskId: taskIdOf(taskArn),
        taskDefinitionArn: task.taskDefinitionArn,
        startedBy: task.startedBy,
        stoppedReason: task.stoppedReason,
        stopCode: task.stopCode,
        stoppedAt: task.stoppedAt?.getTime() ?? task.stoppingAt?.getTime(),
        containers: (task.containers ?? []).map((c) => ({
            name: c.name ?? '?',
            exitCode: c.exitCode,
            reason: c.reason,
            lastStatus: c.lastStatus,
        })),
        logs: [],
    };
}
/** DescribeTasks in batches of 100 (the API's limit). */
async function describeTasks(region, cluster, taskArns) {
    const tasks = [];
    for (let i = 0; i < taskArns.length; i += 100) {
        const response = await (0,errors/* aws */.o2)('ECS DescribeTasks', () => ecsClient(region).send(new dist_cjs/* DescribeTasksCommand */.z8X({ cluster, tasks: taskArns.slice(i, i + 100) })));
        tasks.push(...(response.tasks ?? []));
    }
    return tasks;
}
/**
 * The service's stopped tasks (ECS keeps them visible for about an hour) that ran `taskDefinitionArn` or
 * were started by `deploymentId`, newest first. Tasks in `seen` are not described again; every task that
 * has finished stopping is added to it (tasks still stopping are looked at again next time).
 */
async function findStoppedTasks(options) {
    const listed = await (0,errors/* aws */.o2)('ECS ListTasks', () => ecsClient(options.region).send(new dist_cjs/* ListTasksCommand */.MYg({
        cluster: options.cluster,
        serviceName: options.service,
        desiredStatus: 'STOPPED',
        maxResults: 100,
    })));
    const arns = (listed.taskArns ?? []).filter((arn) => !options.seen?.has(arn));
    if (arns.length === 0)
        return [];
    const tasks = (await describeTasks(options.region, options.cluster, arns)).filter((t) => t.lastStatus === 'STOPPED');
    for (const task of tasks)
        if (task.taskArn)
            options.seen?.add(task.taskArn);
    return tasks
        .filter((t) => (options.taskDefinitionArn !== undefined && t.taskDefinitionArn === options.taskDefinitionArn) ||
        (options.deploymentId !== undefined && t.startedBy === options.deploymentId))
        .map(toStoppedTask)
        .sort((a, b) => (b.stoppedAt ?? 0) - (a.stoppedAt ?? 0));
}
/** Containers worth reading the logs of: those that failed, else `preferred`, else every container. */
function containersToTail(task, preferred) {
    const failed = task.containers.filter((c) => (c.exitCode !== undefined && c.exitCode !== 0) || c.reason);
    if (failed.length > 0)
        return failed.map((c) => c.name);
    if (preferred && task.containers.some((c) => c.name === preferred))
        return [preferred];
    return task.containers.map((c) => c.name);
}
/** Adds the last `lines` log lines of the containers that matter to each task (in place). */
async function attachLogs(tasks, definitions, region, preferred, lines = 20) {
    await Promise.all(tasks.map(async (task) => {
        const containers = await definitions(task.taskDefinitionArn);
        task.logs = await Promise.all(containersToTail(task, preferred).map((name) => tailContainerLogs(containers.find((c) => c.name === name), name, task.taskArn, region, lines)));
    }));
}
/** One line for the log: `Task 1a2b stopped: <reason> (<code>); app exited 1 (<reason>)`. */
function describeStoppedTask(task) {
    const exits = task.containers
        .filter((c) => c.exitCode !== undefined || c.reason)
        .map((c) => `${c.name} ${c.exitCode === undefined ? 'did not exit normally' : `exited ${c.exitCode}`}${c.reason ? ` (${c.reason})` : ''}`);
    return `Task ${task.taskId} stopped: ${task.stoppedReason ?? 'no reason given'}${task.stopCode ? ` (${task.stopCode})` : ''}${exits.length ? `; ${exits.join(', ')}` : ''}`;
}

;// CONCATENATED MODULE: ./actions/lib/ecs/migration.ts
// A one-off task before the rollout (database migrations): the new task definition with the command
// overridden on the target container, in the service's own network configuration and capacity, waited
// for until it stops. The deploy goes on only if the container exits 0.









/** RunTask's input: the service's placement, the command on the target container. */
function migrationTaskInput(options) {
    const { service } = options;
    const strategy = service.capacityProviderStrategy?.length ? service.capacityProviderStrategy : undefined;
    return {
        cluster: options.cluster,
        taskDefinition: options.taskDefinitionArn,
        count: 1,
        startedBy: 'deploy-ecs-migration',
        // Idempotent: an SDK retry of this call cannot start a second migration.
        clientToken: (0,external_node_crypto_.randomUUID)(),
        ...(strategy
            ? { capacityProviderStrategy: strategy }
            : service.launchType
                ? { launchType: service.launchType }
                : {}),
        ...(service.platformVersion ? { platformVersion: service.platformVersion } : {}),
        ...(service.networkConfiguration ? { networkConfiguration: service.networkConfiguration } : {}),
        overrides: { containerOverrides: [{ name: options.containerName, command: options.command }] },
    };
}
/** Runs the migration task and waits for it; resolves with its outcome (a non-zero exit is not thrown). */
async function runMigration(options) {
    const started = Date.now();
    const shown = options.command.join(' ');
    core/* log */.Rm.info(`Migration: running \`${shown}\` in a one-off task of the new task definition`);
    const response = await (0,errors/* aws */.o2)('ECS RunTask', () => ecsClient(options.region).send(new dist_cjs/* RunTaskCommand */._eD(migrationTaskInput(options))));
    const failure = response.failures?.[0];
    const taskArn = response.tasks?.[0]?.taskArn;
    if (failure || !taskArn) {
        throw new errors/* ActionError */.lZ(`ECS could not start the migration task: ${failure?.reason ?? 'no task returned'}${failure?.detail ? ` (${failure.detail})` : ''}`, {
            hint: 'Check the cluster has capacity for one more task and the service network configuration is valid; nothing was rolled out.',
        });
    }
    const taskId = taskIdOf(taskArn);
    core/* log */.Rm.info(`Migration task ${taskId} started`);
    let lastStatus = '';
    const task = await (0,poll/* poll */.wt)({
        what: `the migration task ${taskId}`,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        timeoutHint: 'The task may still be running (see it in the ECS console); nothing was rolled out.',
        describeState: () => `The migration task was ${lastStatus || 'not yet seen'}.`,
        check: async () => {
            const [described] = await describeTasks(options.region, options.cluster, [taskArn]);
            const status = described?.lastStatus ?? 'unknown';
            if (status !== lastStatus)
                core/* log */.Rm.info(`Migration task ${taskId}: ${status}`);
            lastStatus = status;
            if (!described || status !== 'STOPPED')
                return { done: false };
            return { done: true, value: described };
        },
    }).catch((error) => {
        if (error instanceof errors/* TimeoutError */.MU) {
            throw new errors/* TimeoutError */.MU(`${error.message} (it was ${lastStatus || 'not yet seen'}); nothing was rolled out`, {
                hint: error.hint,
            });
        }
        throw error;
    });
    const container = task.containers?.find((c) => c.name === options.containerName);
    const exitCode = container?.exitCode;
    const logs = await tailContainerLogs(options.containers.find((c) => c.name === options.containerName), options.containerName, taskArn, options.region, options.logLines ?? 20);
    const result = {
        command: options.command,
        taskArn,
        taskDefinitionArn: options.taskDefinitionArn,
        migrationOnlyRevision: options.migrationOnlyRevision,
        exitCode,
        stoppedReason: task.stoppedReason ?? container?.reason,
        stopCode: task.stopCode,
        durationMs: Date.now() - started,
        succeeded: exitCode === 0,
        logs,
    };
    core/* log */.Rm.info(`Migration task ${taskId} ${exitCode === undefined ? `stopped without an exit code: ${result.stoppedReason ?? 'no reason given'}` : `exited ${exitCode}`} after ${(0,inputs/* formatDuration */.a3)(result.durationMs)}`);
    return result;
}

;// CONCATENATED MODULE: ./actions/lib/ecs/service.ts
// Reading an ECS service and its task definition, with errors that say what to check.



const STACK_NAME_TAG = 'aws:cloudformation:stack-name';
/** The service, with its tags; an ActionError if it does not exist or is being deleted. */
async function describeService(region, cluster, service) {
    const response = await (0,errors/* aws */.o2)('ECS DescribeServices', () => ecsClient(region).send(new dist_cjs/* DescribeServicesCommand */.H7c({ cluster, services: [service], include: ['TAGS'] })), `Check the cluster name "${cluster}" and the region ${region}.`);
    const found = response.services?.[0];
    if (!found || found.status === 'INACTIVE') {
        const reason = response.failures?.[0]?.reason;
        throw new errors/* ActionError */.lZ(`ECS service ${service} was not found in cluster ${cluster} (${region})${reason && reason !== 'MISSING' ? `: ${reason}` : ''}`, {
            hint: 'Check the service and cluster names and the region; deploy the service stack first if it does not exist yet.',
        });
    }
    if (found.status === 'DRAINING') {
        throw new errors/* ActionError */.lZ(`ECS service ${service} in cluster ${cluster} is being deleted (DRAINING)`, {
            hint: 'Wait for the deletion to finish and create the service again (deploy its stack), then deploy.',
        });
    }
    return found;
}
/** Reads a task definition by ARN or `family[:revision]`. */
async function describeTaskDefinition(region, taskDefinition) {
    const response = await (0,errors/* aws */.o2)('ECS DescribeTaskDefinition', () => ecsClient(region).send(new dist_cjs/* DescribeTaskDefinitionCommand */.Zy$({ taskDefinition })));
    if (!response.taskDefinition)
        throw new errors/* ActionError */.lZ(`ECS task definition ${taskDefinition} was not found`);
    return response.taskDefinition;
}
/** The stack that manages the service, from the tag CloudFormation puts on the resources it creates. */
function stackOfService(service) {
    return service.tags?.find((t) => t.key === STACK_NAME_TAG)?.value || undefined;
}
function primaryDeployment(service) {
    return service.deployments?.find((d) => d.status === 'PRIMARY');
}
function circuitBreakerRollback(service) {
    const breaker = service.deploymentConfiguration?.deploymentCircuitBreaker;
    return breaker?.enable === true && breaker.rollback === true;
}

// EXTERNAL MODULE: ./actions/lib/ecs/summary.ts
var summary = __webpack_require__(8516);
// EXTERNAL MODULE: ./actions/lib/ecs/task-definition.ts
var task_definition = __webpack_require__(2857);
;// CONCATENATED MODULE: ./actions/lib/ecs/watcher.ts





const TERMINAL = new Set(['completed', 'failed', 'rolled-back', 'superseded']);
function isTerminal(verdict) {
    return TERMINAL.has(verdict.kind);
}
class RolloutWatcher {
    options;
    timeline = [];
    events = [];
    /** Stopped tasks of the rollout, newest first. */
    stoppedTasks = [];
    deploymentId;
    taskDefinitionArn;
    /** The rollout's deployment as last seen. */
    deployment;
    service;
    verdict = { kind: 'waiting' };
    seenEvents;
    baselineDeployments;
    knownStopped = new Set();
    emit;
    lastFailedCount = 0;
    rollbackGrace = 0;
    lastKey = '';
    changed = false;
    constructor(options) {
        this.options = options;
        this.deploymentId = options.deploymentId;
        this.taskDefinitionArn = options.taskDefinitionArn;
        this.seenEvents = new Set((options.baseline.events ?? []).map((e) => e.id ?? ''));
        this.baselineDeployments = new Set((options.baseline.deployments ?? []).map((d) => d.id ?? ''));
        this.emit = options.log ?? ((line) => core/* log */.Rm.info(line));
    }
    /** Looks once (one DescribeServices, plus ListTasks/DescribeTasks when tasks failed) and judges. */
    async check() {
        const { region, cluster, service: name } = this.options;
        const service = await describeService(region, cluster, name);
        this.service = service;
        this.changed = false;
        const fresh = this.recordEvents(service);
        const deployments = service.deployments ?? [];
        let ours = this.deploymentId ? deployments.find((d) => d.id === this.deploymentId) : undefined;
        if (!this.deploymentId) {
            ours = deployments.find((d) => d.id &&
                !this.baselineDeployments.has(d.id) &&
                d.taskDefinition !== this.options.previousTaskDefinitionArn);
            if (ours) {
                this.deploymentId = ours.id;
                this.taskDefinitionArn = ours.taskDefinition;
                this.emit(`ECS started deployment ${ours.id} of ${(0,task_definition/* shortTaskDefinition */.P5)(ours.taskDefinition)}`);
            }
        }
        const primary = deployments.find((d) => d.status === 'PRIMARY');
        if (!ours) {
            if (!this.deploymentId) {
                this.snapshot(undefined, 'waiting for the service update to start a deployment');
                this.verdict = { kind: 'waiting' };
                return this.verdict;
            }
            // Our deployment is gone: finished draining after a rollback, or replaced by another one.
            this.verdict = this.judgeReplaced(primary, 'did not complete');
            this.snapshot(primary, this.verdict.kind === 'rolled-back' ? this.verdict.reason : undefined);
            await this.collectStopped();
            return this.verdict;
        }
        this.deployment = ours;
        const failedCount = ours.failedTasks ?? 0;
        if (failedCount > this.lastFailedCount ||
            fresh.some((e) => /stopped|failed|unhealthy/i.test(e.message))) {
            await this.collectStopped();
        }
        this.lastFailedCount = Math.max(this.lastFailedCount, failedCount);
        const state = ours.rolloutState;
        if (primary && primary.id !== ours.id) {
            this.verdict = this.judgeReplaced(primary, state === 'FAILED' ? 'failed' : 'was replaced');
        }
        else if (state === 'COMPLETED') {
            this.verdict = { kind: 'completed' };
        }
        else if (state === 'FAILED') {
            if (circuitBreakerRollback(service) && this.rollbackGrace < 3) {
                // The circuit breaker starts the rollback deployment right after failing this one.
                this.rollbackGrace++;
                this.verdict = { kind: 'in-progress' };
            }
            else {
                this.verdict = {
                    kind: 'failed',
                    reason: `deployment ${ours.id} failed${ours.rolloutStateReason ? `: ${sentence(ours.rolloutStateReason)}` : ''}`,
                };
            }
        }
        else if (state === undefined &&
            deployments.length === 1 &&
            ours.runningCount === ours.desiredCount &&
            (ours.pendingCount ?? 0) === 0) {
            // No rollout state (older controllers): stable when it is the only deployment and all tasks run.
            this.verdict = { kind: 'completed' };
        }
        else {
            this.verdict = { kind: 'in-progress' };
        }
        const note = this.verdict.kind === 'rolled-back'
            ? `rolled back to ${(0,task_definition/* shortTaskDefinition */.P5)(this.verdict.rolledBackTo)}`
            : this.verdict.kind === 'failed' || this.verdict.kind === 'superseded'
                ? this.verdict.reason
                : undefined;
        this.snapshot(ours, note);
        if (this.verdict.kind !== 'in-progress' && this.verdict.kind !== 'completed')
            await this.collectStopped();
        return this.verdict;
    }
    /** Checks until a terminal verdict, the deadline (`timeout`), `until` aborting (returns the last verdict), or cancellation. */
    async watch(options) {
        const intervals = (0,poll/* pollIntervals */.YG)();
        let interval = intervals.initial;
        for (;;) {
            (0,poll/* throwIfAborted */.Te)(options.signal);
            if (options.until?.aborted)
                return this.verdict;
            const verdict = await this.check();
            if (isTerminal(verdict) && !options.observeOnly)
                return verdict;
            const remaining = options.deadline - Date.now();
            if (remaining <= 0) {
                this.verdict = { kind: 'timeout' };
                await this.collectStopped();
                return this.verdict;
            }
            const signals = [options.signal, options.until].filter((s) => s !== undefined);
            try {
                await (0,poll/* sleep */.yy)(Math.min(interval, remaining), signals.length ? AbortSignal.any(signals) : undefined);
            }
            catch (error) {
                if (options.signal?.aborted)
                    throw error;
                return this.verdict;
            }
            interval = this.changed ? intervals.initial : Math.min(Math.round(interval * 1.5), intervals.max);
        }
    }
    /** The rollout's final state: FAILED when it failed, even if the rollback finished before a look saw it. */
    finalState() {
        const state = this.deployment?.rolloutState;
        if (state === 'FAILED' || state === 'COMPLETED')
            return state;
        const id = this.deploymentId;
        const failed = id && this.events.some((e) => e.message.includes(`${id})`) && /fail/i.test(e.message));
        return failed ? 'FAILED' : state;
    }
    /** What the rollout was doing, for a timeout message. */
    describeState() {
        const d = this.deployment;
        if (!d)
            return 'no ECS deployment of a new task definition had started';
        const last = this.stoppedTasks[0];
        return `deployment ${d.id} of ${(0,task_definition/* shortTaskDefinition */.P5)(d.taskDefinition)} was ${d.rolloutState ?? d.status}: ${d.runningCount ?? 0} of ${d.desiredCount ?? 0} tasks running, ${d.pendingCount ?? 0} pending${this.stoppedTasks.length ? `, ${this.stoppedTasks.length} stopped (last: ${describeStoppedTask(last)})` : ''}`;
    }
    /** Adds the last log lines of the newest `max` stopped tasks; returns every stopped task. */
    async diagnose(max = 3, lines = 20) {
        await this.collectStopped();
        await attachLogs(this.stoppedTasks.slice(0, max), this.options.definitions, this.options.region, this.options.containerName, lines);
        return this.stoppedTasks;
    }
    judgeReplaced(primary, what) {
        const reason = this.failureReason(what);
        if (!primary)
            return { kind: 'failed', reason };
        if (primary.taskDefinition === this.taskDefinitionArn) {
            return primary.rolloutState === 'COMPLETED' ? { kind: 'completed' } : { kind: 'in-progress' };
        }
        const rollback = primary.taskDefinition === this.options.previousTaskDefinitionArn ||
            this.deployment?.rolloutState === 'FAILED' ||
            this.events.some((e) => /roll(ing|ed)? ?back/i.test(e.message));
        if (rollback) {
            return { kind: 'rolled-back', reason, rolledBackTo: primary.taskDefinition ?? 'unknown' };
        }
        return {
            kind: 'superseded',
            reason: `deployment ${this.deploymentId} was replaced by deployment ${primary.id} of ${(0,task_definition/* shortTaskDefinition */.P5)(primary.taskDefinition)} (another deploy started meanwhile)`,
            by: primary.taskDefinition,
        };
    }
    /**
     * Why our deployment ended: its FAILED reason when seen, else the service event that says it failed (the
     * rollback can finish between two looks, taking the failed deployment with it).
     */
    failureReason(what) {
        const id = this.deploymentId ?? '';
        if (this.deployment?.rolloutState === 'FAILED') {
            const stated = this.deployment.rolloutStateReason;
            return `deployment ${id} failed${stated ? `: ${sentence(stated)}` : ''}`;
        }
        const event = [...this.events]
            .reverse()
            .find((e) => id && e.message.includes(id) && /fail/i.test(e.message));
        if (event) {
            const said = event.message
                .split(`${id})`)
                .pop()
                ?.replace(/^\s*deployment\s*/i, '')
                .trim() ?? '';
            return `deployment ${id} ${sentence(said) || 'failed'}`;
        }
        return `deployment ${id} ${what}`;
    }
    recordEvents(service) {
        // Newest first from the API: reversed before the (stable) sort so equal timestamps keep their order.
        const fresh = [...(service.events ?? [])]
            .reverse()
            .filter((e) => e.id && !this.seenEvents.has(e.id))
            .map((e) => ({
            id: e.id,
            at: e.createdAt?.getTime() ?? Date.now(),
            message: e.message ?? '',
        }))
            .sort((a, b) => a.at - b.at);
        for (const event of fresh) {
            this.seenEvents.add(event.id);
            this.events.push(event);
            this.emit(`Event: ${event.message}`);
            this.changed = true;
        }
        return fresh;
    }
    snapshot(deployment, note) {
        const snap = {
            at: Date.now(),
            deploymentId: deployment?.id,
            rolloutState: deployment ? (deployment.rolloutState ?? deployment.status ?? '?') : 'WAITING',
            desired: deployment?.desiredCount ?? 0,
            pending: deployment?.pendingCount ?? 0,
            running: deployment?.runningCount ?? 0,
            failed: deployment?.failedTasks ?? 0,
            note,
        };
        const key = JSON.stringify({ ...snap, at: 0 });
        if (key === this.lastKey)
            return;
        this.lastKey = key;
        this.changed = true;
        this.timeline.push(snap);
        if (!deployment) {
            this.emit(`Waiting: ${note ?? 'no deployment yet'}`);
            return;
        }
        const stated = deployment.rolloutStateReason;
        const reason = stated && !/ in progress\.?$/i.test(stated) ? ` — ${sentence(stated)}` : '';
        this.emit(`Rollout ${deployment.id} (${(0,task_definition/* shortTaskDefinition */.P5)(deployment.taskDefinition)}): ${snap.rolloutState}${reason} · desired ${snap.desired} · pending ${snap.pending} · running ${snap.running} · failed tasks ${snap.failed}${note ? ` · ${note}` : ''}`);
    }
    async collectStopped() {
        if (!this.taskDefinitionArn && !this.deploymentId)
            return;
        const found = await findStoppedTasks({
            region: this.options.region,
            cluster: this.options.cluster,
            service: this.options.service,
            taskDefinitionArn: this.taskDefinitionArn,
            deploymentId: this.deploymentId,
            seen: this.knownStopped,
        });
        for (const task of found.reverse()) {
            this.stoppedTasks.unshift(task);
            this.emit(describeStoppedTask(task));
            this.changed = true;
        }
    }
}
/** A reason without its trailing full stop, to go inside a longer sentence. */
function sentence(text) {
    return text.trim().replace(/\.+$/, '');
}

;// CONCATENATED MODULE: ./actions/lib/ecs/deploy.ts
// Rolls an image out to an ECS service, on one of two paths (see DESIGN.md, "Rollouts without drift"):
// - a service a CloudFormation stack owns: update that stack's ImageUri parameter (every other parameter
//   keeps its value) and watch the ECS deployment CloudFormation starts;
// - any other service: register a task definition revision with the image and UpdateService.
// Both: an optional one-off migration task first, the shared watcher, a precise diagnosis of failures
// (stopped tasks, exit codes, last log lines) and an optional smoke test after.












/** The deploy failed; `result` says how far it got (status, stopped tasks, migration…) for outputs and summary. */
class DeployServiceError extends errors/* ActionError */.lZ {
    result;
    name = 'DeployServiceError';
    constructor(message, result, options = {}) {
        super(message, options);
        this.result = result;
    }
}
/** The stack parameter that carries the image on stack-managed services (cloudformation/service.yml). */
const IMAGE_PARAMETER = 'ImageUri';
class Deployment {
    options;
    service;
    current;
    action;
    deadline;
    result;
    definitions = new Map();
    constructor(options, service, current, startedAt) {
        this.options = options;
        this.service = service;
        this.current = current;
        this.action = options.action ?? 'deploy-ecs';
        this.deadline = startedAt + options.timeoutMs;
        this.result = {
            status: 'failed',
            region: options.region,
            cluster: options.cluster,
            service: options.service,
            image: options.image,
            containerName: options.containerName ?? '',
            path: 'direct',
            previousTaskDefinitionArn: service.taskDefinition ?? '',
            waited: options.wait !== false,
            startedAt,
            finishedAt: startedAt,
            timeline: [],
            events: [],
            stoppedTasks: [],
            environmentKeys: (options.environment ?? []).map(([key]) => key),
            changes: [],
            warnings: [...(options.warnings ?? [])],
        };
        this.definitions.set(service.taskDefinition ?? '', Promise.resolve(current.containerDefinitions ?? []));
    }
    remaining() {
        return Math.max(1000, this.deadline - Date.now());
    }
    /** Container definitions of a revision, described once. */
    containersOf = (arn) => {
        if (!arn)
            return Promise.resolve([]);
        let found = this.definitions.get(arn);
        if (!found) {
            found = describeTaskDefinition(this.options.region, arn).then((d) => d.containerDefinitions ?? [], () => []);
            this.definitions.set(arn, found);
        }
        return found;
    };
    rememberContainers(arn, definition) {
        this.definitions.set(arn, Promise.resolve(definition.containerDefinitions ?? []));
    }
    /** Ends with `status` and throws a DeployServiceError whose message is the one-line cause. */
    async fail(status, message, hint, cause) {
        this.result.status = status;
        this.result.failure = message;
        this.result.finishedAt = Date.now();
        const details = (0,summary/* formatFailureDetails */.i)(this.result);
        if (details)
            await core/* log */.Rm.group('Why the deploy failed', async () => core/* log */.Rm.info(details));
        throw new DeployServiceError(message, this.result, { hint, cause });
    }
    async register(definition, purpose) {
        const response = await (0,errors/* aws */.o2)('ECS RegisterTaskDefinition', () => ecsClient(this.options.region).send(new dist_cjs/* RegisterTaskDefinitionCommand */.$Hl(definition)), 'Check the task definition is valid and the deploy role may call ecs:RegisterTaskDefinition and iam:PassRole on its task and execution roles.');
        const arn = response.taskDefinition?.taskDefinitionArn;
        if (!arn)
            throw new errors/* ActionError */.lZ('ECS RegisterTaskDefinition returned no task definition ARN');
        this.rememberContainers(arn, definition);
        core/* log */.Rm.info(`Registered ${(0,task_definition/* shortTaskDefinition */.P5)(arn)} (${purpose})`);
        return arn;
    }
    async migrate(taskDefinitionArn, definition, migrationOnly) {
        const command = this.options.migrateCommand;
        if (!command)
            return;
        const migration = await runMigration({
            region: this.options.region,
            cluster: this.options.cluster,
            service: this.service,
            taskDefinitionArn,
            containerName: this.result.containerName,
            containers: definition.containerDefinitions ?? [],
            command,
            migrationOnlyRevision: migrationOnly,
            timeoutMs: this.remaining(),
            signal: this.options.signal,
        });
        this.result.migration = migration;
        if (migration.succeeded)
            return;
        const lastLine = lastLogLine(migration.logs?.lines);
        const how = migration.exitCode === undefined
            ? `stopped without an exit code: ${migration.stoppedReason ?? 'no reason given'}`
            : `exited ${migration.exitCode}`;
        await this.fail('failed', `Migration \`${command.join(' ')}\` ${how}${lastLine ? ` (last log line: ${lastLine})` : ''}; the service was not updated`, 'Fix the migration and deploy again; the service still runs the previous task definition.');
    }
    async smoke() {
        const smoke = this.options.smoke;
        if (!smoke)
            return;
        const timeoutMs = smoke.timeoutMs ?? Math.min(this.options.timeoutMs, 5 * 60_000);
        core/* log */.Rm.info(`Smoke test: polling ${smoke.url.replace(/[?#].*$/, '')} for up to ${(0,inputs/* formatDuration */.a3)(timeoutMs)}`);
        const result = await smokeTest({
            url: smoke.url,
            expectVersion: smoke.expectVersion,
            timeoutMs,
            signal: this.options.signal,
        });
        this.result.smoke = result;
        if (!result.passed) {
            await this.fail('failed', `Smoke test failed: ${result.message}`, this.result.status === 'unchanged'
                ? 'The service was already running this image; check the service and the smoke URL.'
                : `The new task definition ${(0,task_definition/* shortTaskDefinition */.P5)(this.result.taskDefinitionArn)} is live: check the service's logs, or deploy the previous image to go back.`);
        }
    }
    /** Turns the watcher's verdict into the result (and throws unless the rollout completed). */
    async conclude(watcher, verdict, what) {
        const r = this.result;
        r.deploymentId = watcher.deploymentId ?? r.deploymentId;
        r.taskDefinitionArn = watcher.taskDefinitionArn ?? r.taskDefinitionArn;
        r.rolloutState = watcher.finalState();
        r.timeline = watcher.timeline;
        r.events = watcher.events;
        if (verdict.kind === 'completed') {
            r.status = 'deployed';
            r.stoppedTasks = watcher.stoppedTasks;
            core/* log */.Rm.info(`Rolled out ${(0,task_definition/* shortTaskDefinition */.P5)(r.taskDefinitionArn)} to ${r.service} in ${(0,inputs/* formatDuration */.a3)(Date.now() - r.startedAt)}`);
            return;
        }
        r.stoppedTasks = await watcher.diagnose();
        const cause = stoppedCause(r.stoppedTasks);
        const subject = `The rollout of ${(0,task_definition/* shortTaskDefinition */.P5)(r.taskDefinitionArn)} to ${r.service}`;
        switch (verdict.kind) {
            case 'rolled-back':
                r.rolledBackTo = verdict.rolledBackTo;
                return this.fail('rolled-back', `${subject} failed and ECS rolled the service back to ${(0,task_definition/* shortTaskDefinition */.P5)(verdict.rolledBackTo)}: ${verdict.reason}${cause}`, 'The service runs the previous task definition again; fix the cause above and deploy again.');
            case 'failed':
            case 'superseded':
                return this.fail('failed', `${subject} failed: ${verdict.reason}${cause}`, circuitBreakerRollback(this.service)
                    ? undefined
                    : 'The service has no circuit breaker rollback: it keeps trying to start the new tasks; deploy a working image or enable deploymentCircuitBreaker with rollback.');
            case 'timeout':
                return this.fail('failed', `${subject} did not finish within ${(0,inputs/* formatDuration */.a3)(this.options.timeoutMs)}: ${watcher.describeState()}`, `The deployment goes on in ECS. Raise timeout-minutes if it is just slow, or look at the service events${what}.`);
            default:
                return this.fail('failed', `${subject} ended in an unexpected state: ${verdict.kind}`);
        }
    }
}
function lastLogLine(lines) {
    const line = [...(lines ?? [])].reverse().find((l) => l.trim());
    if (!line)
        return undefined;
    const clean = line.trim().replace(/\s+/g, ' ');
    return clean.length > 200 ? `${clean.slice(0, 199)}…` : clean;
}
/** `; task 1a2b stopped: … (last log line: …)` for the newest stopped task, or empty. */
function stoppedCause(tasks) {
    const task = tasks[0];
    if (!task)
        return '';
    const line = lastLogLine(task.logs.find((l) => l.lines.length)?.lines);
    const more = tasks.length > 1 ? ` (${tasks.length} tasks stopped)` : '';
    return `; ${describeStoppedTask(task).replace(/^Task/, 'task')}${line ? ` (last log line: ${line})` : ''}${more}`;
}
/**
 * Deploys `options.image` to the service and, unless `wait` is false, waits for the rollout. Resolves with
 * the result on success (`deployed` or `unchanged`); throws a DeployServiceError carrying the result when
 * the deploy failed (`failed`, `rolled-back`), a ConfigurationError for a mistake found against the live
 * service (ambiguous container, environment on a stack-managed service), an ActionError for AWS errors.
 */
async function deployService(given) {
    const startedAt = Date.now();
    const action = given.action ?? 'deploy-ecs';
    const service = await describeService(given.region, given.cluster, given.service);
    // A service ARN works for DescribeServices; ListTasks and messages want the name.
    const options = { ...given, service: service.serviceName ?? given.service };
    const controller = service.deploymentController?.type ?? 'ECS';
    if (controller !== 'ECS') {
        throw new errors/* ActionError */.lZ(`ECS service ${options.service} uses the ${controller} deployment controller; ${action} rolls out services that use the ECS (rolling update) controller`, { hint: 'Deploy this service with its own controller (CodeDeploy or your external tool).' });
    }
    if (!service.taskDefinition)
        throw new errors/* ActionError */.lZ(`ECS service ${options.service} has no task definition`);
    const current = (0,task_definition/* toRegisterInput */.Rv)(await describeTaskDefinition(options.region, service.taskDefinition));
    const deployment = new Deployment(options, service, current, startedAt);
    const stack = options.stack ?? stackOfService(service);
    if (stack) {
        core/* log */.Rm.info(`Service ${options.service} is managed by CloudFormation stack ${stack}${options.stack ? '' : ' (from its aws:cloudformation:stack-name tag)'}: rolling out through the stack's ${IMAGE_PARAMETER} parameter`);
        await deployThroughStack(deployment, stack);
    }
    else {
        await deployDirectly(deployment);
    }
    deployment.result.finishedAt = Date.now();
    await deployment.smoke();
    deployment.result.finishedAt = Date.now();
    return deployment.result;
}
async function deployDirectly(d) {
    const { options, result, service, current, action } = d;
    if (options.stackParameters && Object.keys(options.stackParameters).length > 0) {
        throw new errors/* ActionError */.lZ(`${action}: stack parameters (${Object.keys(options.stackParameters).join(', ')}) were given, but no CloudFormation stack manages service ${options.service}`, { hint: 'Give the stack that owns the service, or leave the stack parameters out.' });
    }
    const base = options.template ?? current;
    const where = options.template
        ? `the task definition in ${options.templatePath ?? 'the task-definition file'}`
        : `the service's task definition ${(0,task_definition/* shortTaskDefinition */.P5)(service.taskDefinition)}`;
    const container = (0,task_definition/* selectContainer */.e6)(base, options.containerName, where, action);
    const name = container.name;
    result.containerName = name;
    const environment = options.environment ?? [];
    const fromSecrets = (0,task_definition/* secretNames */.XG)(container);
    const clashes = environment.filter(([key]) => fromSecrets.includes(key)).map(([key]) => key);
    if (clashes.length > 0) {
        throw new errors/* ConfigurationError */.j1(`${action}: environment: ${clashes.join(', ')} ${clashes.length === 1 ? 'is' : 'are'} already set from secrets in ${where}; a variable cannot be both, remove ${clashes.length === 1 ? 'it' : 'them'} from environment`);
    }
    const desired = (0,task_definition/* withImage */.Mo)(base, name, options.image, environment);
    const changes = (0,task_definition/* taskDefinitionChanges */.wS)(desired, current);
    result.changes = changes;
    if (changes.length === 0) {
        result.status = 'unchanged';
        result.taskDefinitionArn = service.taskDefinition;
        result.deploymentId = primaryDeployment(service)?.id;
        core/* log */.Rm.info(`No changes: ${options.service} already runs ${options.image} on container ${name} (${(0,task_definition/* shortTaskDefinition */.P5)(service.taskDefinition)})${environment.length ? ' with the same environment' : ''}; nothing registered, no deployment started`);
        return;
    }
    core/* log */.Rm.info(`Task definition changes: ${changes.join(', ')}`);
    const arn = await d.register(desired, `${options.image} on container ${name}`);
    result.taskDefinitionArn = arn;
    await d.migrate(arn, desired, false);
    const updated = await (0,errors/* aws */.o2)('ECS UpdateService', () => ecsClient(options.region).send(new dist_cjs/* UpdateServiceCommand */.kZr({ cluster: options.cluster, service: options.service, taskDefinition: arn })), 'Check the deploy role may call ecs:UpdateService on this service and iam:PassRole on its roles.');
    const started = updated.service?.deployments?.find((x) => x.taskDefinition === arn && x.status === 'PRIMARY');
    result.deploymentId = started?.id;
    core/* log */.Rm.info(`Updated ${options.service}: deployment ${started?.id ?? '(id not returned)'} rolls ${(0,task_definition/* shortTaskDefinition */.P5)(service.taskDefinition)} → ${(0,task_definition/* shortTaskDefinition */.P5)(arn)}`);
    if (options.wait === false) {
        result.status = 'deployed';
        result.waited = false;
        core/* log */.Rm.info('wait is false: not waiting for the rollout to finish');
        return;
    }
    const watcher = new RolloutWatcher({
        region: options.region,
        cluster: options.cluster,
        service: options.service,
        baseline: service,
        previousTaskDefinitionArn: service.taskDefinition ?? '',
        deploymentId: started?.id,
        taskDefinitionArn: arn,
        containerName: name,
        definitions: d.containersOf,
    });
    const verdict = await watcher.watch({ deadline: d.deadline, signal: options.signal });
    await d.conclude(watcher, verdict, ` (aws ecs describe-services --cluster ${options.cluster} --services ${options.service})`);
}
async function deployThroughStack(d, stackName) {
    const { options, result, service, current, action } = d;
    result.path = 'stack';
    result.stack = { name: stackName, status: 'not started' };
    const why = `service ${options.service} is managed by CloudFormation stack ${stackName}, which would revert it on its next update; change it in the stack's template instead`;
    const problems = [];
    if (options.template)
        problems.push(`${action}: task-definition: ${why}`);
    if (options.environment?.length)
        problems.push(`${action}: environment: ${why}`);
    if (problems.length)
        throw new errors/* ConfigurationError */.j1(problems);
    const where = `the service's task definition ${(0,task_definition/* shortTaskDefinition */.P5)(service.taskDefinition)}`;
    const container = (0,task_definition/* selectContainer */.e6)(current, options.containerName, where, action);
    const name = container.name;
    result.containerName = name;
    if (options.wait === false) {
        core/* log */.Rm.notice(`wait: false does not apply to a service managed by CloudFormation: a stack update finishes only once the service is stable`);
        result.waited = true;
    }
    const cfn = await Promise.all(/* import() */[__webpack_require__.e(219), __webpack_require__.e(755)]).then(__webpack_require__.bind(__webpack_require__, 6755));
    const stack = await cfn.describeStack(stackName, options.region);
    if (!stack) {
        throw new errors/* ActionError */.lZ(`CloudFormation stack ${stackName}, which manages service ${options.service}, was not found`, {
            hint: options.stack
                ? 'Check the stack input.'
                : 'The service carries the aws:cloudformation:stack-name tag of a stack that no longer exists; set the stack input.',
        });
    }
    const running = stack.parameters[IMAGE_PARAMETER];
    if (running === undefined) {
        throw new errors/* ActionError */.lZ(`CloudFormation stack ${stackName} has no ${IMAGE_PARAMETER} parameter, so ${action} cannot roll out a new image through it`, {
            hint: `Give the stack an ${IMAGE_PARAMETER} parameter used as the container's Image (see cloudformation/service.yml).`,
        });
    }
    const extra = options.stackParameters ?? {};
    const missing = Object.keys(extra).filter((key) => !(key in stack.parameters));
    if (missing.length > 0) {
        throw new errors/* ActionError */.lZ(`CloudFormation stack ${stackName} has no parameter ${missing.join(', ')}`, {
            hint: 'Only parameters the stack declares can be set with the rollout.',
        });
    }
    const changedParameters = Object.keys(extra).filter((key) => stack.parameters[key] !== extra[key]);
    if (container.image === options.image && running === options.image && changedParameters.length === 0) {
        result.status = 'unchanged';
        result.taskDefinitionArn = service.taskDefinition;
        result.deploymentId = primaryDeployment(service)?.id;
        result.stack.status = 'unchanged';
        core/* log */.Rm.info(`No changes: ${options.service} already runs ${options.image} on container ${name} and stack ${stackName} has it as ${IMAGE_PARAMETER}${Object.keys(extra).length ? ' (and the same other parameters)' : ''}; no stack update`);
        return;
    }
    result.changes = [...(running === options.image ? [] : [IMAGE_PARAMETER]), ...changedParameters].map((key) => `${key} (stack parameter)`);
    let baseline = service;
    if (options.migrateCommand) {
        if (container.image === options.image) {
            // The service already runs the image (only other parameters change): its own revision will do.
            await d.migrate(service.taskDefinition ?? '', current, false);
        }
        else {
            const migration = (0,task_definition/* withImage */.Mo)(current, name, options.image);
            const arn = await d.register(migration, 'migration only: the stack registers the service revision itself');
            await d.migrate(arn, migration, true);
        }
        baseline = await describeService(options.region, options.cluster, options.service);
    }
    const watcher = new RolloutWatcher({
        region: options.region,
        cluster: options.cluster,
        service: options.service,
        baseline,
        previousTaskDefinitionArn: service.taskDefinition ?? '',
        containerName: name,
        definitions: d.containersOf,
    });
    const stopWatching = new AbortController();
    let watchError;
    const watching = watcher
        .watch({ deadline: d.deadline, signal: options.signal, until: stopWatching.signal, observeOnly: true })
        .catch((error) => {
        watchError = error;
    });
    let stackError;
    let stackStatus;
    try {
        const outcome = await cfn.deployStack({
            name: stackName,
            region: options.region,
            template: { usePrevious: true },
            parameters: { ...extra, [IMAGE_PARAMETER]: options.image },
            keepPreviousParameters: true,
            timeoutMs: d.remaining(),
            signal: options.signal,
        });
        stackStatus = outcome.status;
    }
    catch (error) {
        stackError = error;
    }
    finally {
        stopWatching.abort();
        await watching;
    }
    if (options.signal?.aborted)
        throw options.signal.reason;
    if (watchError)
        core/* log */.Rm.warning(`Could not follow the ECS deployment: ${(0,errors/* messageOf */.bD)(watchError)}`);
    // One last look: the deployment CloudFormation started, and where the service ended up.
    let verdict = await watcher.check().catch(() => watcher.verdict);
    if (!stackError) {
        result.stack.status = stackStatus ?? 'updated';
        if (stackStatus === 'unchanged' && container.image !== options.image) {
            return d.fail('failed', `Stack ${stackName} already has ${IMAGE_PARAMETER} ${options.image}, but service ${options.service} runs ${container.image ?? 'another image'} (changed outside CloudFormation)`, `Fix the drift: update the stack with another ${IMAGE_PARAMETER} and back, or redeploy the stack.`);
        }
        // CloudFormation reports the service stable; should the ECS deployment still be settling, see it end.
        if (watcher.deploymentId && !isTerminal(verdict)) {
            verdict = await watcher.watch({ deadline: d.deadline, signal: options.signal });
        }
        await d.conclude(watcher, isTerminal(verdict) || verdict.kind === 'timeout' ? verdict : { kind: 'completed' }, '');
        result.taskDefinitionArn =
            watcher.taskDefinitionArn ?? watcher.service?.taskDefinition ?? result.taskDefinitionArn;
        return;
    }
    const now = watcher.service ?? service;
    const error = stackError;
    result.stack.status = error.finalStatus ?? 'failed';
    result.stack.rootCause = error.rootCause;
    result.deploymentId = watcher.deploymentId;
    result.taskDefinitionArn = watcher.taskDefinitionArn;
    result.rolloutState = watcher.finalState();
    result.timeline = watcher.timeline;
    result.events = watcher.events;
    result.stoppedTasks = watcher.deploymentId ? await watcher.diagnose() : [];
    const rolledBack = /ROLLBACK_COMPLETE$/.test(error.finalStatus ?? '') && !/FAILED/.test(error.finalStatus ?? '');
    const ecs = watcher.deploymentId
        ? `ECS ${watcher.failureReason(`was ${watcher.deployment?.rolloutState ?? watcher.deployment?.status ?? 'not seen'}`)}`
        : undefined;
    const cause = [
        ecs,
        stoppedCause(result.stoppedTasks).replace(/^; /, ''),
        error instanceof errors/* TimeoutError */.MU ? watcher.describeState() : undefined,
    ]
        .filter(Boolean)
        .join('; ');
    const stackPart = `stack ${stackName} ${rolledBack ? 'rolled back' : `ended in ${error.finalStatus ?? 'failure'}`}${error.rootCause ? ` (${error.rootCause})` : ''}`;
    if (rolledBack) {
        result.rolledBackTo = now.taskDefinition;
        return d.fail('rolled-back', `The rollout of ${options.image} to ${options.service} failed${cause ? `: ${cause}` : ''}; ${stackPart}, the service is back on ${(0,task_definition/* shortTaskDefinition */.P5)(now.taskDefinition)}`, 'Fix the cause above and deploy again.', stackError);
    }
    return d.fail('failed', `The rollout of ${options.image} to ${options.service} through stack ${stackName} failed: ${(0,errors/* messageOf */.bD)(stackError)}${cause ? ` (${cause})` : ''}`, stackError.hint, stackError);
}


/***/ }),

/***/ 8516:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   i: () => (/* binding */ formatFailureDetails),
/* harmony export */   renderDeploySummary: () => (/* binding */ renderDeploySummary)
/* harmony export */ });
/* harmony import */ var _inputs_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7721);
/* harmony import */ var _summary_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(7834);
/* harmony import */ var _task_definition_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(2857);
// The job summary of a deploy (service, image, old → new task definition, a timeline of the rollout, the
// migration and smoke test results, stopped tasks with their last log lines) and the plain-text details
// written to the log when a deploy fails. No SDK imports.



const HEADLINES = {
    deployed: '✅ deployed',
    unchanged: '➖ unchanged (already running this image)',
    failed: '❌ failed',
    'rolled-back': '↩️ rolled back',
};
function consoleUrl(r) {
    return `https://${r.region}.console.aws.amazon.com/ecs/v2/clusters/${encodeURIComponent(r.cluster)}/services/${encodeURIComponent(r.service)}/deployments?region=${r.region}`;
}
function since(r, at) {
    return at === undefined ? '—' : `+${(0,_inputs_js__WEBPACK_IMPORTED_MODULE_0__/* .formatDuration */ .a3)(Math.max(0, at - r.startedAt))}`;
}
function exits(task) {
    return (task.containers
        .filter((c) => c.exitCode !== undefined || c.reason)
        .map((c) => `${c.name}: ${c.exitCode ?? '—'}${c.reason ? ` (${c.reason})` : ''}`)
        .join('; ') || '—');
}
function logBlock(tail, label) {
    if (tail.lines.length === 0)
        return `${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .escapeMarkdown */ .FV)(label)}: _no log lines: ${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .escapeMarkdown */ .FV)(tail.unavailable ?? 'none')}_\n\n`;
    const where = tail.logStream ? ` (${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .code */ .aY)(`${tail.logGroup}`)} → ${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .code */ .aY)(tail.logStream)})` : '';
    return `**${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .escapeMarkdown */ .FV)(label)}**, last ${tail.lines.length} log lines${where}:\n\n${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .codeBlock */ .DV)(tail.lines.join('\n'))}\n`;
}
function phaseDiagram(r) {
    const nodes = [];
    if (r.migration) {
        const m = r.migration;
        nodes.push(`Migration ${m.succeeded ? 'passed' : `failed, exit ${m.exitCode ?? 'none'}`} ${(0,_inputs_js__WEBPACK_IMPORTED_MODULE_0__/* .formatDuration */ .a3)(m.durationMs)}`);
    }
    if (r.status === 'unchanged')
        nodes.push('No rollout, image already running');
    else if (!(r.migration && !r.migration.succeeded)) {
        const rollout = r.status === 'rolled-back'
            ? `Rollout failed, rolled back to ${(0,_task_definition_js__WEBPACK_IMPORTED_MODULE_1__/* .shortTaskDefinition */ .P5)(r.rolledBackTo)}`
            : r.smoke && !r.smoke.passed
                ? 'Rollout completed'
                : r.status === 'deployed'
                    ? r.waited
                        ? 'Rollout completed'
                        : 'Rollout started, not waited for'
                    : `Rollout ${r.rolloutState ?? 'failed'}`;
        nodes.push(`${r.path === 'stack' ? 'Stack update, ' : ''}${rollout}`);
    }
    if (r.smoke)
        nodes.push(`Smoke test ${r.smoke.passed ? 'passed' : 'failed'}`);
    if (nodes.length < 2)
        return '';
    const lines = nodes.map((n, i) => `  p${i}["${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .mermaidLabel */ ._b)(n)}"]`);
    const edges = nodes.slice(1).map((_, i) => `  p${i} --> p${i + 1}`);
    return (0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .mermaid */ .a4)(['flowchart LR', ...lines, ...edges].join('\n'));
}
/** The job summary of a deploy, successful or not. */
function renderDeploySummary(r) {
    const out = [];
    out.push((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .heading */ .R_)(3, `${HEADLINES[r.status]}: ${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .escapeMarkdown */ .FV)(r.service)}`));
    if (r.failure)
        out.push(`**${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .escapeMarkdown */ .FV)(r.failure)}**\n\n`);
    const newDefinition = r.status === 'unchanged'
        ? `${(0,_task_definition_js__WEBPACK_IMPORTED_MODULE_1__/* .shortTaskDefinition */ .P5)(r.taskDefinitionArn)} (unchanged)`
        : `${(0,_task_definition_js__WEBPACK_IMPORTED_MODULE_1__/* .shortTaskDefinition */ .P5)(r.previousTaskDefinitionArn)} → ${(0,_task_definition_js__WEBPACK_IMPORTED_MODULE_1__/* .shortTaskDefinition */ .P5)(r.taskDefinitionArn)}${r.rolledBackTo ? ` → back to ${(0,_task_definition_js__WEBPACK_IMPORTED_MODULE_1__/* .shortTaskDefinition */ .P5)(r.rolledBackTo)}` : ''}`;
    const rows = [
        ['Service', (0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .raw */ .lS)(`[${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .escapeMarkdown */ .FV)(`${r.cluster}/${r.service}`)}](${consoleUrl(r)}) (${r.region})`)],
        ['Image', (0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .raw */ .lS)((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .code */ .aY)(r.image))],
        ['Container', r.containerName],
        ['Task definition', newDefinition],
        [
            'Rolled out through',
            r.path === 'stack'
                ? (0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .raw */ .lS)(`CloudFormation stack ${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .code */ .aY)(r.stack?.name ?? '')} (${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .code */ .aY)('ImageUri')} parameter): ${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .escapeMarkdown */ .FV)(r.stack?.status ?? '')}`)
                : 'a new task definition revision and UpdateService',
        ],
    ];
    if (r.deploymentId)
        rows.push([
            'Deployment',
            (0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .raw */ .lS)(`${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .code */ .aY)(r.deploymentId)}${r.rolloutState ? ` ${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .escapeMarkdown */ .FV)(r.rolloutState)}` : ''}${r.waited ? '' : ' (started; not waited for: wait is false)'}`),
        ]);
    if (r.environmentKeys.length)
        rows.push(['Environment set', r.environmentKeys.join(', ')]);
    rows.push(['Duration', (0,_inputs_js__WEBPACK_IMPORTED_MODULE_0__/* .formatDuration */ .a3)(r.finishedAt - r.startedAt)]);
    out.push((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .table */ .tp)([' ', ' '], rows), '\n');
    const diagram = phaseDiagram(r);
    if (diagram)
        out.push(diagram, '\n');
    if (r.migration) {
        const m = r.migration;
        out.push((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .heading */ .R_)(4, `Migration ${m.succeeded ? 'passed' : 'failed'}`));
        out.push((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .table */ .tp)(['Command', 'Exit code', 'Stopped reason', 'Duration', 'Task definition'], [
            [
                (0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .raw */ .lS)((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .code */ .aY)(m.command.join(' '))),
                m.exitCode,
                m.stoppedReason,
                (0,_inputs_js__WEBPACK_IMPORTED_MODULE_0__/* .formatDuration */ .a3)(m.durationMs),
                `${(0,_task_definition_js__WEBPACK_IMPORTED_MODULE_1__/* .shortTaskDefinition */ .P5)(m.taskDefinitionArn)}${m.migrationOnlyRevision ? ' (migration-only revision)' : ''}`,
            ],
        ]), '\n');
        if (m.logs) {
            const block = logBlock(m.logs, `Migration task ${m.taskArn?.split('/').pop() ?? ''}`);
            out.push(m.succeeded ? (0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .details */ .zH)('Migration log', block) : block);
        }
    }
    if (r.timeline.length) {
        out.push((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .heading */ .R_)(4, 'Rollout timeline'));
        out.push((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .table */ .tp)(['Time', 'Deployment', 'State', 'Desired', 'Pending', 'Running', 'Failed tasks', 'Note'], r.timeline.map((s) => [
            since(r, s.at),
            s.deploymentId,
            s.rolloutState,
            s.desired,
            s.pending,
            s.running,
            s.failed,
            s.note,
        ])), '\n');
    }
    if (r.events.length) {
        out.push((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .details */ .zH)(`Service events (${r.events.length})`, (0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .table */ .tp)(['Time', 'Event'], r.events.map((e) => [since(r, e.at), e.message]))));
    }
    if (r.stoppedTasks.length) {
        out.push((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .heading */ .R_)(4, `Stopped tasks (${r.stoppedTasks.length})`));
        out.push((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .table */ .tp)(['Task', 'Stopped reason', 'Stop code', 'Container exit codes', 'Stopped'], r.stoppedTasks.map((t) => [
            (0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .raw */ .lS)((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .code */ .aY)(t.taskId)),
            t.stoppedReason,
            t.stopCode,
            exits(t),
            since(r, t.stoppedAt),
        ])), '\n');
        for (const task of r.stoppedTasks) {
            for (const tail of task.logs)
                out.push(logBlock(tail, `Task ${task.taskId}, container ${tail.container}`));
        }
    }
    if (r.smoke) {
        const s = r.smoke;
        out.push((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .heading */ .R_)(4, `Smoke test ${s.passed ? 'passed' : 'failed'}`));
        out.push((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .table */ .tp)(['URL', 'Status', 'Expected version', 'Attempts', 'Duration', 'Result'], [
            [
                s.url,
                s.status ?? s.error,
                s.expectVersion === undefined
                    ? '—'
                    : `${s.expectVersion} (${s.versionFound ? 'found' : 'not found'})`,
                s.attempts,
                (0,_inputs_js__WEBPACK_IMPORTED_MODULE_0__/* .formatDuration */ .a3)(s.durationMs),
                s.message,
            ],
        ]), '\n');
    }
    if (r.warnings.length)
        out.push(r.warnings.map((w) => `> ⚠️ ${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .escapeMarkdown */ .FV)(w)}`).join('\n>\n'), '\n\n');
    return out.join('');
}
function indent(lines) {
    return lines.map((l) => `    ${l}`).join('\n');
}
/** Plain-text details of a failed deploy for the log: migration output, stopped tasks and their log lines. */
function formatFailureDetails(r) {
    const parts = [];
    if (r.migration && !r.migration.succeeded) {
        const m = r.migration;
        parts.push(`Migration task ${m.taskArn ?? ''}: ${m.exitCode === undefined ? 'no exit code' : `exit code ${m.exitCode}`}${m.stoppedReason ? `, ${m.stoppedReason}` : ''}${m.stopCode ? ` (${m.stopCode})` : ''}`);
        if (m.logs)
            parts.push(tailText(m.logs));
    }
    for (const task of r.stoppedTasks) {
        parts.push(`Task ${task.taskArn}\n  stopped reason: ${task.stoppedReason ?? '—'}\n  stop code: ${task.stopCode ?? '—'}\n  containers: ${exits(task)}`);
        for (const tail of task.logs)
            parts.push(tailText(tail));
    }
    if (r.rolledBackTo)
        parts.push(`The service is back on ${r.rolledBackTo}.`);
    if (r.smoke && !r.smoke.passed)
        parts.push(`Smoke test: ${r.smoke.message}`);
    return parts.join('\n');
}
function tailText(tail) {
    if (tail.lines.length === 0)
        return `  ${tail.container}: no log lines (${tail.unavailable ?? 'none'})`;
    return `  ${tail.container}: last ${tail.lines.length} log lines from ${tail.logGroup} ${tail.logStream}:\n${indent(tail.lines)}`;
}


/***/ }),

/***/ 7481:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Te: () => (/* binding */ throwIfAborted),
/* harmony export */   YG: () => (/* binding */ pollIntervals),
/* harmony export */   k9: () => (/* binding */ onChange),
/* harmony export */   wt: () => (/* binding */ poll),
/* harmony export */   yy: () => (/* binding */ sleep)
/* harmony export */ });
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2863);
/* harmony import */ var _inputs_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7721);
// Waiting for something in the cloud: a first look after a short interval, backing off to a ceiling low
// enough that a terminal state is reported within a few seconds, a hard timeout, and cancellation.


function pollIntervals() {
    const override = Number(process.env.DEPLOY_ACTIONS_POLL_INTERVAL_MS);
    if (Number.isFinite(override) && override > 0)
        return { initial: override, max: override };
    return { initial: 2000, max: 4000 };
}
async function poll(options) {
    const defaults = pollIntervals();
    const factor = options.factor ?? 1.5;
    const max = options.maxIntervalMs ?? defaults.max;
    let interval = options.initialIntervalMs ?? defaults.initial;
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
        throwIfAborted(options.signal);
        const result = await options.check();
        if (result.done)
            return result.value;
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .TimeoutError */ .MU(`${options.what} did not finish within ${(0,_inputs_js__WEBPACK_IMPORTED_MODULE_1__/* .formatDuration */ .a3)(options.timeoutMs)}`, {
                hint: options.timeoutHint,
                details: options.describeState?.(),
            });
        }
        await sleep(Math.min(interval, remaining), options.signal);
        interval = Math.min(Math.round(interval * factor), max);
    }
}
function throwIfAborted(signal) {
    if (signal?.aborted)
        throw signal.reason instanceof Error ? signal.reason : new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ActionError */ .lZ('cancelled');
}
function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
        if (signal?.aborted) {
            reject(signal.reason);
            return;
        }
        const timer = setTimeout(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
        }, ms);
        const onAbort = () => {
            clearTimeout(timer);
            reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}
/** Returns a function that logs a line only when it differs from the previous one (progress without noise). */
function onChange(emit) {
    let last;
    return (line) => {
        if (line !== last)
            emit(line);
        last = line;
    };
}


/***/ })

};
