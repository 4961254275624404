// ECS scenarios: what moto does not model. Moto validates and stores clusters, task definitions, services
// and tasks; this layer tracks each service's deployments over time (rollouts that complete, fail with the
// deployment circuit breaker and roll back, or hang), runs service and one-off tasks through their lifecycle,
// writes their output to CloudWatch Logs, and rewrites DescribeServices / ListTasks / DescribeTasks answers
// to what AWS returns at that moment.
import { randomUUID } from 'node:crypto';
import { awslogsTarget, writeLogLines } from './logs.js';
import type { IncomingCall } from './server.js';
import {
  deploymentConfigurationProblems,
  type NativeScenario,
  nativeStrategy,
  ServiceDeploymentModel,
  type ServiceDeploymentRecord,
} from './service-deployments.js';
import { isArn, lastSegment, Mutex, randomDigits } from './util.js';
import { AwsError, epoch, jsonError, jsonResponse, type LayerResponse, type MotoClient } from './wire.js';

export interface StoppedTaskSpec {
  stoppedReason: string;
  /** Default EssentialContainerExited. */
  stopCode?: string;
  containers: Array<{ name: string; exitCode?: number; reason?: string }>;
  /** Written to the awslogs stream of the first container with a non-zero exit code (else the first essential). */
  logLines?: string[];
}

export interface RolloutScenario {
  /** Cluster name or ARN; any cluster when omitted. */
  cluster?: string;
  /** Service name or ARN. */
  service: string;
  /**
   * 'fail': tasks stop; with the service's circuit breaker the deployment goes FAILED (and rolls back when
   * its rollback is on); without one it stays IN_PROGRESS, as ECS keeps retrying.
   */
  outcome: 'complete' | 'fail' | 'hang';
  /** Time from the deployment's start to its terminal state (default 600 ms). */
  durationMs?: number;
  /** 'fail': the tasks of the new task definition that start and stop (default: one task, exit code 1). */
  stoppedTasks?: StoppedTaskSpec[];
  /** 'fail': how long the circuit breaker's rollback deployment takes to complete (default 600 ms). */
  rollbackDurationMs?: number;
  /**
   * Services whose deploymentConfiguration.strategy is BLUE_GREEN, CANARY or LINEAR: the pace of the
   * lifecycle stages and what happens on the way (an alarm going to ALARM). `outcome` and `durationMs` do not
   * apply to them.
   */
  native?: NativeScenario;
}

export interface RunTaskScenario {
  exitCode: number;
  /** From RunTask to STOPPED (default 600 ms). */
  durationMs?: number;
  logLines?: string[];
  /** Default `Essential container in task exited`. */
  stoppedReason?: string;
  /** Only RunTask calls on this cluster (name or ARN) take this scenario. */
  cluster?: string;
  /** Only RunTask calls for this task definition (family, family:revision or ARN) take this scenario. */
  taskDefinition?: string;
}

export interface RolloutRecord {
  service: string;
  deploymentId: string;
  taskDefinition: string;
  outcome: 'complete' | 'fail' | 'hang';
  /** 'rollback': the deployment the circuit breaker started to return to the previous task definition. */
  kind: 'rollout' | 'rollback';
  /** Epoch ms. */
  startedAt: number;
  /** Epoch ms when rolloutState became COMPLETED or FAILED; undefined while IN_PROGRESS. */
  terminalAt?: number;
  rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
}

export interface EcsScenarios {
  /** The next deployment of that service follows this scenario (queued: one per deployment). */
  nextRollout(scenario: RolloutScenario): void;
  /** The next RunTask call (matching the optional filters) follows this scenario (queued). */
  nextRunTask(scenario: RunTaskScenario): void;
  /** Every deployment the layer started for that service (name or ARN), oldest first. */
  rollouts(service: string, cluster?: string): RolloutRecord[];
  /** Re-reads every service from moto now (starts rollouts for task definition changes made behind ECS). */
  sync(): Promise<void>;
  /** The service deployments of a BLUE_GREEN / CANARY / LINEAR service, oldest first, as seen now. */
  serviceDeployments(service: string, cluster?: string): Promise<ServiceDeploymentRecord[]>;
  /**
   * Where the service's production and test listener rules send traffic now (weight per task definition
   * ARN), while its newest native-strategy deployment runs; undefined when it has none.
   */
  traffic(
    service: string,
    cluster?: string,
  ): Promise<{ production: Record<string, number>; test: Record<string, number> } | undefined>;
}

type Obj = Record<string, unknown>;

const DEFAULT_DURATION_MS = 600;
const DEFAULT_DEPLOYMENT_CONFIGURATION = {
  deploymentCircuitBreaker: { enable: false, rollback: false },
  maximumPercent: 200,
  minimumHealthyPercent: 100,
};

interface ExitInfo {
  exitCode?: number;
  reason?: string;
}

interface TaskRec {
  arn: string;
  id: string;
  clusterArn: string;
  taskDefinitionArn: string;
  group: string;
  startedBy: string;
  createdAt: number;
  pendingAt: number;
  runningAt?: number;
  stoppingAt?: number;
  stoppedAt?: number;
  stopCode?: string;
  stoppedReason?: string;
  exits: Map<string, ExitInfo>;
  /** Counts towards its deployment's failedTasks once stopped. */
  failed: boolean;
  containerIds: Map<string, string>;
}

interface Dep {
  id: string;
  taskDefinition: string;
  desiredCount: number;
  createdAt: number;
  kind: 'initial' | 'rollout' | 'rollback';
  outcome: 'steady' | 'complete' | 'fail' | 'hang';
  /** Scheduled time of COMPLETED / FAILED. */
  terminalAt?: number;
  rollbackTo?: string;
  /** 'fail': how long the circuit breaker's rollback deployment takes. */
  rollbackDurationMs?: number;
  hiddenAt?: number;
  /** Why it FAILED, when not the circuit breaker (a native strategy's rollback). */
  failureReason?: string;
  tasks: TaskRec[];
  launchType: string;
  networkConfiguration?: unknown;
}

interface Svc {
  arn: string;
  name: string;
  clusterArn: string;
  clusterName: string;
  taskDefinition: string;
  desiredCount: number;
  launchType: string;
  networkConfiguration?: unknown;
  /** As moto stores it (the strategy, hooks and alarms included). */
  deploymentConfiguration: Obj;
  /** deploymentCircuitBreaker.enable: without it a failing deployment never ends (ECS keeps retrying). */
  breakerEnabled: boolean;
  /** deploymentCircuitBreaker.enable and .rollback: a FAILED deployment rolls back. */
  rollbackEnabled: boolean;
  createdAt: number;
  deps: Dep[];
  events: Array<{ id: string; at: number; seq: number; message: string }>;
  lastCompleted?: { id: string; taskDefinition: string };
  deleted: boolean;
}

interface Action {
  at: number;
  seq: number;
  depId?: string;
  run: () => Promise<void>;
}

type TaskStatus = 'PROVISIONING' | 'PENDING' | 'RUNNING' | 'STOPPING' | 'DEPROVISIONING' | 'STOPPED';

export class EcsEngine implements EcsScenarios {
  private readonly mutex = new Mutex();
  private services = new Map<string, Svc>();
  private tasks = new Map<string, TaskRec>();
  private actions: Action[] = [];
  private seq = 0;
  private rolloutQueue: RolloutScenario[] = [];
  private runTaskQueue: RunTaskScenario[] = [];
  private taskDefinitions = new Map<string, Obj>();
  /** Moto calls the layer made on its own that failed (kept for debugging; never thrown at clients). */
  readonly diagnostics: string[] = [];

  private readonly native: ServiceDeploymentModel;

  constructor(
    private readonly moto: MotoClient,
    private readonly region: string,
  ) {
    this.native = new ServiceDeploymentModel(region, {
      schedule: (at, depId, run) => this.schedule(at, depId, run),
      scaleUp: (depId, at, runningBy) => this.nativeScaleUp(depId, at, runningBy),
      succeeded: (depId, at, doneAt) => this.nativeSucceeded(depId, at, doneAt),
      rolledBack: (depId, at, doneAt, reason) => this.nativeRolledBack(depId, at, doneAt, reason),
      planned: (depId, outcome, at, settledAt) => {
        const dep = this.findDep(depId)?.dep;
        if (!dep) return;
        dep.outcome = outcome;
        dep.terminalAt = at;
        dep.rollbackDurationMs = settledAt - at;
      },
    });
  }

  // ------------------------------------------------------------------------------------------ public API

  nextRollout(scenario: RolloutScenario): void {
    if (!scenario.service) throw new Error('nextRollout: service is required');
    if (!['complete', 'fail', 'hang'].includes(scenario.outcome)) {
      throw new Error(`nextRollout: outcome must be complete, fail or hang, got ${scenario.outcome}`);
    }
    this.rolloutQueue.push({ ...scenario });
  }

  nextRunTask(scenario: RunTaskScenario): void {
    if (!Number.isInteger(scenario.exitCode)) throw new Error('nextRunTask: exitCode must be an integer');
    this.runTaskQueue.push({ ...scenario });
  }

  rollouts(service: string, cluster?: string): RolloutRecord[] {
    const now = Date.now();
    const out: RolloutRecord[] = [];
    for (const svc of this.services.values()) {
      if (!matchesService(svc, service, cluster)) continue;
      for (const dep of svc.deps) {
        if (dep.kind === 'initial' || dep.outcome === 'steady') continue;
        const state = rolloutState(dep, now);
        out.push({
          service: svc.name,
          deploymentId: dep.id,
          taskDefinition: dep.taskDefinition,
          outcome: dep.outcome,
          kind: dep.kind === 'rollback' ? 'rollback' : 'rollout',
          startedAt: dep.createdAt,
          terminalAt: state === 'IN_PROGRESS' ? undefined : dep.terminalAt,
          rolloutState: state,
        });
      }
    }
    return out.sort((a, b) => a.startedAt - b.startedAt);
  }

  serviceDeployments(service: string, cluster?: string): Promise<ServiceDeploymentRecord[]> {
    return this.exclusive(async () => {
      const now = Date.now();
      return [...this.services.values()]
        .filter((svc) => matchesService(svc, service, cluster))
        .flatMap((svc) => this.native.records(svc.arn, now));
    });
  }

  traffic(service: string, cluster?: string) {
    return this.exclusive(async () => {
      const svc = [...this.services.values()].find((s) => matchesService(s, service, cluster));
      return svc ? this.native.traffic(svc.arn, Date.now()) : undefined;
    });
  }

  sync(): Promise<void> {
    return this.mutex.run(async () => {
      await this.advance();
      const clusters = await this.moto.json<{ clusterArns: string[] }>('ecs', 'ListClusters', {});
      const active = new Set<string>();
      for (const clusterArn of clusters.clusterArns ?? []) {
        const list = await this.moto.json<{ serviceArns: string[] }>('ecs', 'ListServices', {
          cluster: clusterArn,
        });
        const arns = list.serviceArns ?? [];
        for (let i = 0; i < arns.length; i += 10) {
          const described = await this.moto.json<{ services: Obj[] }>('ecs', 'DescribeServices', {
            cluster: clusterArn,
            services: arns.slice(i, i + 10),
          });
          for (const service of described.services ?? []) {
            if (service.status !== 'ACTIVE') continue;
            active.add(String(service.serviceArn));
            await this.syncService(service, false);
          }
        }
      }
      // Deleted behind ECS's API (a CloudFormation stack deletion): ECS stops the service's tasks.
      const now = Date.now();
      for (const [arn, svc] of this.services) {
        if (active.has(arn)) continue;
        svc.deleted = true;
        for (const dep of svc.deps)
          for (const task of dep.tasks) this.stopTask(task, now, 'ServiceSchedulerInitiated');
        this.services.delete(arn);
      }
    });
  }

  /** Applies everything that is due (task transitions' side effects, terminal states, rollbacks). */
  tick(): Promise<void> {
    return this.mutex.run(() => this.advance());
  }

  /** Deployments started for a service at or after `since` (terminalAt Infinity: never ends). */
  deploymentsSince(
    serviceArn: string,
    since: number,
  ): Array<{
    id: string;
    outcome: 'complete' | 'fail' | 'hang';
    terminalAt: number;
    settledAt: number;
    /** A BLUE_GREEN/CANARY/LINEAR service deployment (ECS rolls it back itself, with `reason`). */
    native: boolean;
    reason?: string;
  }> {
    const svc = this.services.get(serviceArn);
    if (!svc) return [];
    return svc.deps
      .filter((d) => d.kind === 'rollout' && d.createdAt >= since && d.outcome !== 'steady')
      .map((d) => {
        const terminalAt = d.terminalAt ?? Number.POSITIVE_INFINITY;
        const native = this.native.has(d.id);
        // A failed deployment the circuit breaker rolls back leaves the service steady only once the
        // rollback deployment completes; a native one once its rollback has moved the traffic back.
        const rollsBack =
          d.outcome === 'fail' && (native || (svc.rollbackEnabled && svc.lastCompleted !== undefined));
        return {
          id: d.id,
          outcome: d.outcome as 'complete' | 'fail' | 'hang',
          terminalAt,
          settledAt: rollsBack ? terminalAt + (d.rollbackDurationMs ?? DEFAULT_DURATION_MS) : terminalAt,
          native,
          reason: d.failureReason,
        };
      });
  }

  /** Runs fn while no ECS request is being answered (after applying everything due). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      await this.advance();
      return fn();
    });
  }

  /**
   * Puts moto's services back on the task definition the layer shows, after something behind ECS (a
   * CloudFormation rollback replayed in moto) pointed them elsewhere. Call inside exclusive().
   */
  async restoreMotoTaskDefinitions(serviceArns: string[]): Promise<void> {
    for (const arn of serviceArns) {
      const svc = this.services.get(arn);
      if (!svc || svc.deleted) continue;
      try {
        await this.moto.json('ecs', 'UpdateService', {
          cluster: svc.clusterArn,
          service: svc.name,
          taskDefinition: svc.taskDefinition,
        });
      } catch (error) {
        this.diagnostics.push(`restore ${svc.name}: ${String(error)}`);
      }
    }
  }

  reset(): void {
    this.services.clear();
    this.tasks.clear();
    this.actions = [];
    this.rolloutQueue = [];
    this.runTaskQueue = [];
    this.taskDefinitions.clear();
    this.native.reset();
    this.diagnostics.length = 0;
  }

  // ------------------------------------------------------------------------------------------ wire handler

  handle = (call: IncomingCall, forward: (body?: Buffer) => Promise<LayerResponse>) =>
    this.mutex.run(async (): Promise<LayerResponse | undefined> => {
      await this.advance();
      switch (call.action) {
        case 'CreateService':
        case 'UpdateService': {
          const problems = deploymentConfigurationProblems(call.params.deploymentConfiguration);
          if (problems.length) return jsonError('InvalidParameterException', `${problems.join('; ')}.`);
          return call.action === 'CreateService'
            ? this.onCreateService(forward)
            : this.onUpdateService(call, forward);
        }
        case 'ListServiceDeployments':
        case 'DescribeServiceDeployments':
        case 'ContinueServiceDeployment':
          return this.onServiceDeployments(call);
        case 'DescribeServices':
          return this.onDescribeServices(forward);
        case 'DeleteService':
          return this.onDeleteService(forward);
        case 'RunTask':
          return this.onRunTask(call, forward);
        case 'DescribeTasks':
          return this.onDescribeTasks(call, forward);
        case 'ListTasks':
          return this.onListTasks(call);
        case 'StopTask':
          return this.onStopTask(forward);
        default:
          return undefined;
      }
    });

  private async onCreateService(forward: (body?: Buffer) => Promise<LayerResponse>): Promise<LayerResponse> {
    const response = await forward();
    if (response.status !== 200) return response;
    const body = JSON.parse(response.body.toString()) as { service: Obj };
    const svc = await this.track(body.service, true);
    return jsonResponse({ ...body, service: this.render(body.service, svc, Date.now()) });
  }

  private async onUpdateService(
    call: IncomingCall,
    forward: (body?: Buffer) => Promise<LayerResponse>,
  ): Promise<LayerResponse> {
    const params = { ...call.params };
    // AWS stores the resolved task definition ARN (moto would keep `family` verbatim).
    if (typeof params.taskDefinition === 'string' && !isArn(params.taskDefinition)) {
      const arn = await this.resolveTaskDefinition(params.taskDefinition).catch(() => undefined);
      if (arn) params.taskDefinition = arn;
    }
    // Know the service as it was before the update.
    if (typeof params.service === 'string') {
      try {
        const described = await this.moto.json<{ services: Obj[] }>('ecs', 'DescribeServices', {
          cluster: params.cluster ?? 'default',
          services: [params.service],
        });
        for (const service of described.services ?? []) {
          if (service.status === 'ACTIVE') await this.syncService(service, false);
        }
      } catch {
        // moto answers the update with the right error
      }
    }
    const response = await forward(Buffer.from(JSON.stringify(params)));
    if (response.status !== 200) return response;
    const body = JSON.parse(response.body.toString()) as { service: Obj };
    const svc = await this.syncService(body.service, params.forceNewDeployment === true);
    return jsonResponse({ ...body, service: this.render(body.service, svc, Date.now()) });
  }

  private async onDescribeServices(
    forward: (body?: Buffer) => Promise<LayerResponse>,
  ): Promise<LayerResponse> {
    // The moment shown, with everything due by then applied, is taken before asking moto: what moto answers
    // then matches the layer's own state (a rollback applied after moto answered would look like a new
    // deployment of the revision moto still reported).
    const now = await this.settledNow();
    const response = await forward();
    if (response.status !== 200) return response;
    const body = JSON.parse(response.body.toString()) as { services?: Obj[]; failures?: unknown[] };
    const services: Obj[] = [];
    for (const service of body.services ?? []) {
      if (service.status !== 'ACTIVE') {
        // deleted (INACTIVE) or DRAINING: no deployments left to follow
        services.push({ ...service, deployments: [], runningCount: 0, pendingCount: 0 });
        continue;
      }
      const svc = await this.syncService(service, false);
      services.push(this.render(service, svc, now));
    }
    return jsonResponse({ ...body, services });
  }

  private async onServiceDeployments(call: IncomingCall): Promise<LayerResponse> {
    const now = await this.settledNow();
    try {
      if (call.action === 'DescribeServiceDeployments')
        return jsonResponse(this.native.describe(call.params, now));
      if (call.action === 'ContinueServiceDeployment')
        return jsonResponse(this.native.continue(call.params, now));
      const service = String(call.params.service ?? '');
      const cluster = String(call.params.cluster ?? 'default');
      const svc = [...this.services.values()].find(
        (s) =>
          !s.deleted &&
          matchesService(s, service.includes('/') ? service : lastSegment(service)) &&
          (s.clusterName === lastSegment(cluster) || s.clusterArn === cluster),
      );
      return jsonResponse(this.native.list(call.params, svc, now));
    } catch (error) {
      if (error instanceof AwsError) return jsonError(error.code, error.message, error.status);
      throw error;
    }
  }

  private async onDeleteService(forward: (body?: Buffer) => Promise<LayerResponse>): Promise<LayerResponse> {
    const response = await forward();
    if (response.status !== 200) return response;
    const body = JSON.parse(response.body.toString()) as { service?: Obj };
    const arn = String(body.service?.serviceArn ?? '');
    const svc = this.services.get(arn);
    if (svc) {
      svc.deleted = true;
      const now = Date.now();
      for (const dep of svc.deps)
        for (const task of dep.tasks) this.stopTask(task, now, 'ServiceSchedulerInitiated');
      this.services.delete(arn);
    }
    return response;
  }

  private async onRunTask(call: IncomingCall, forward: (body?: Buffer) => Promise<LayerResponse>) {
    const response = await forward();
    if (response.status !== 200) return response;
    const body = JSON.parse(response.body.toString()) as { tasks?: Obj[]; failures?: unknown[] };
    const now = Date.now();
    const scenario = this.takeRunTaskScenario(call.params, body.tasks?.[0]);
    const tasks: Obj[] = [];
    for (const task of body.tasks ?? []) {
      const td = await this.taskDefinition(String(task.taskDefinitionArn));
      const rec = this.recordRunTask(task, td, scenario, call.params, now);
      tasks.push(this.renderTask(task, rec, td, now));
    }
    return jsonResponse({ ...body, tasks });
  }

  private async onDescribeTasks(call: IncomingCall, forward: (body?: Buffer) => Promise<LayerResponse>) {
    const response = await forward();
    if (response.status !== 200) return response;
    const body = JSON.parse(response.body.toString()) as { tasks?: Obj[]; failures?: Obj[] };
    const now = await this.settledNow();
    const tasks: Obj[] = [];
    for (const task of body.tasks ?? []) {
      const rec = this.tasks.get(String(task.taskArn));
      const td = await this.taskDefinition(String(task.taskDefinitionArn)).catch(() => undefined);
      tasks.push(rec ? this.renderTask(task, rec, td, now) : task);
    }
    const requested = Array.isArray(call.params.tasks) ? (call.params.tasks as string[]) : [];
    const found = new Set(tasks.map((t) => lastSegment(String(t.taskArn))));
    const failures = [...(body.failures ?? [])];
    for (const wanted of requested) {
      if (found.has(lastSegment(wanted))) continue;
      const arn = isArn(wanted)
        ? wanted
        : `arn:aws:ecs:${this.region}:123456789012:task/${lastSegment(String(call.params.cluster ?? 'default'))}/${wanted}`;
      failures.push({ arn, reason: 'MISSING' });
    }
    return jsonResponse({ ...body, tasks, failures });
  }

  private async onListTasks(call: IncomingCall): Promise<LayerResponse> {
    const p = call.params;
    const query: Obj = {};
    for (const key of ['cluster', 'family', 'startedBy', 'containerInstance'])
      if (p[key] !== undefined) query[key] = p[key];
    let arns: string[];
    try {
      arns = (await this.moto.json<{ taskArns: string[] }>('ecs', 'ListTasks', query)).taskArns ?? [];
    } catch (error) {
      if (error instanceof AwsError) return jsonError(error.code, error.message, error.status);
      throw error;
    }
    const now = await this.settledNow();
    const described: Obj[] = [];
    for (let i = 0; i < arns.length; i += 100) {
      const chunk = await this.moto.json<{ tasks: Obj[] }>('ecs', 'DescribeTasks', {
        cluster: p.cluster ?? 'default',
        tasks: arns.slice(i, i + 100),
      });
      described.push(...(chunk.tasks ?? []));
    }
    const wantedStatus = String(p.desiredStatus ?? 'RUNNING');
    const serviceName = typeof p.serviceName === 'string' ? lastSegment(p.serviceName) : undefined;
    const matching = described
      .filter((task) => {
        const rec = this.tasks.get(String(task.taskArn));
        const desired = rec ? taskState(rec, now).desiredStatus : String(task.desiredStatus);
        if (desired !== wantedStatus) return false;
        if (serviceName && task.group !== `service:${serviceName}`) return false;
        if (p.launchType && task.launchType !== p.launchType) return false;
        return true;
      })
      .map((task) => String(task.taskArn));
    const offset =
      typeof p.nextToken === 'string' ? Number(Buffer.from(p.nextToken, 'base64').toString()) || 0 : 0;
    const max = typeof p.maxResults === 'number' ? p.maxResults : 100;
    const page = matching.slice(offset, offset + max);
    const next =
      offset + max < matching.length ? Buffer.from(String(offset + max)).toString('base64') : undefined;
    return jsonResponse({ taskArns: page, ...(next ? { nextToken: next } : {}) });
  }

  private async onStopTask(forward: (body?: Buffer) => Promise<LayerResponse>): Promise<LayerResponse> {
    const response = await forward();
    if (response.status !== 200) return response;
    const body = JSON.parse(response.body.toString()) as { task: Obj };
    const rec = this.tasks.get(String(body.task.taskArn));
    if (!rec) return response;
    const now = Date.now();
    if (rec.stoppingAt === undefined || rec.stoppingAt > now) {
      rec.stoppingAt = now;
      rec.stoppedAt = now + 200;
      rec.stopCode = 'UserInitiated';
      rec.stoppedReason = String(body.task.stoppedReason || 'Task stopped by user');
      // The containers get SIGTERM before they exited on their own: 128 + 15.
      for (const name of rec.containerIds.keys()) rec.exits.set(name, { exitCode: 143 });
    }
    const td = await this.taskDefinition(rec.taskDefinitionArn).catch(() => undefined);
    return jsonResponse({ ...body, task: this.renderTask(body.task, rec, td, now) });
  }

  // ------------------------------------------------------------------------------------------ services

  /** Starts tracking a service; `created` when the layer saw its CreateService (a first deployment runs). */
  private async track(service: Obj, created: boolean): Promise<Svc> {
    const arn = String(service.serviceArn);
    const existing = this.services.get(arn);
    if (existing) return existing;
    const now = Date.now();
    const taskDefinition =
      (await this.resolveTaskDefinition(String(service.taskDefinition ?? '')).catch(() => '')) || '';
    const deploymentConfiguration = (service.deploymentConfiguration ?? {}) as {
      deploymentCircuitBreaker?: { enable?: boolean; rollback?: boolean };
    };
    const svc: Svc = {
      arn,
      name: String(service.serviceName),
      clusterArn: String(service.clusterArn),
      clusterName: lastSegment(String(service.clusterArn)),
      taskDefinition,
      desiredCount: Number(service.desiredCount ?? 0),
      launchType: String(service.launchType ?? 'FARGATE'),
      networkConfiguration: emptyToUndefined(service.networkConfiguration),
      breakerEnabled: deploymentConfiguration.deploymentCircuitBreaker?.enable === true,
      rollbackEnabled:
        deploymentConfiguration.deploymentCircuitBreaker?.enable === true &&
        deploymentConfiguration.deploymentCircuitBreaker.rollback === true,
      deploymentConfiguration: (service.deploymentConfiguration ?? {}) as Obj,
      createdAt: created ? now : (toMillis(service.createdAt) ?? now),
      deps: [],
      events: [],
      deleted: false,
    };
    this.services.set(arn, svc);
    if (created) {
      this.startDeployment(svc, taskDefinition, now, 'rollout');
    } else {
      // Already deployed before the layer saw it (seeded, or created by CloudFormation): steady state.
      const dep = this.newDep(svc, taskDefinition, svc.createdAt, 'initial', 'steady');
      svc.deps.push(dep);
      svc.lastCompleted = { id: dep.id, taskDefinition };
      if (svc.desiredCount > 0) {
        const tasks = await this.launchTasks(svc, dep, svc.desiredCount);
        for (const task of tasks) {
          task.createdAt = svc.createdAt;
          task.pendingAt = svc.createdAt;
          task.runningAt = svc.createdAt;
        }
      }
      this.event(svc, now, `(service ${svc.name}) has reached a steady state.`);
    }
    return svc;
  }

  /** Compares moto's view of a service with the tracked one: a new task definition starts a deployment. */
  private async syncService(service: Obj, forceNewDeployment: boolean): Promise<Svc> {
    const arn = String(service.serviceArn);
    const existing = this.services.get(arn);
    if (!existing) {
      const svc = await this.track(service, false);
      if (forceNewDeployment) this.startDeployment(svc, svc.taskDefinition, Date.now(), 'rollout');
      return svc;
    }
    const svc = existing;
    const now = Date.now();
    const deploymentConfiguration = service.deploymentConfiguration as
      | { deploymentCircuitBreaker?: { enable?: boolean; rollback?: boolean } }
      | undefined;
    if (deploymentConfiguration) svc.deploymentConfiguration = deploymentConfiguration as Obj;
    const breaker = deploymentConfiguration?.deploymentCircuitBreaker;
    if (breaker) {
      svc.breakerEnabled = breaker.enable === true;
      svc.rollbackEnabled = breaker.enable === true && breaker.rollback === true;
    }
    const network = emptyToUndefined(service.networkConfiguration);
    if (network) svc.networkConfiguration = network;
    const desired = Number(service.desiredCount ?? svc.desiredCount);
    const raw = String(service.taskDefinition ?? '');
    const taskDefinition =
      raw === svc.taskDefinition ? raw : await this.resolveTaskDefinition(raw).catch(() => raw);
    if (desired !== svc.desiredCount) {
      svc.desiredCount = desired;
      const primary = svc.deps.at(-1);
      if (primary) primary.desiredCount = desired;
      if (taskDefinition === svc.taskDefinition && !forceNewDeployment && primary) {
        await this.scale(svc, primary, now);
      }
    }
    if (taskDefinition && taskDefinition !== svc.taskDefinition) {
      this.startDeployment(svc, taskDefinition, now, 'rollout');
    } else if (forceNewDeployment) {
      this.startDeployment(svc, svc.taskDefinition, now, 'rollout');
    }
    return svc;
  }

  private newDep(
    svc: Svc,
    taskDefinition: string,
    createdAt: number,
    kind: Dep['kind'],
    outcome: Dep['outcome'],
  ): Dep {
    return {
      id: `ecs-svc/${randomDigits(19)}`,
      taskDefinition,
      desiredCount: svc.desiredCount,
      createdAt,
      kind,
      outcome,
      tasks: [],
      launchType: svc.launchType,
      networkConfiguration: svc.networkConfiguration,
    };
  }

  private takeRolloutScenario(svc: Svc): RolloutScenario | undefined {
    const index = this.rolloutQueue.findIndex((s) => matchesService(svc, s.service, s.cluster));
    if (index < 0) return undefined;
    return this.rolloutQueue.splice(index, 1)[0];
  }

  /** A new PRIMARY deployment, following the next scenario queued for the service (default: completes). */
  private startDeployment(
    svc: Svc,
    taskDefinition: string,
    start: number,
    kind: 'rollout' | 'rollback',
    rollbackTo?: { id: string; durationMs: number },
  ): Dep {
    const scenario = kind === 'rollout' ? this.takeRolloutScenario(svc) : undefined;
    const outcome = kind === 'rollback' ? 'complete' : (scenario?.outcome ?? 'complete');
    const duration = Math.max(
      0,
      kind === 'rollback'
        ? (rollbackTo?.durationMs ?? DEFAULT_DURATION_MS)
        : (scenario?.durationMs ?? DEFAULT_DURATION_MS),
    );
    // A newer deployment supersedes unfinished ones: their pending terminal states never come.
    for (const older of svc.deps) {
      if (older.hiddenAt === undefined && (older.terminalAt === undefined || older.terminalAt > start)) {
        if (older.outcome !== 'steady') older.terminalAt = undefined;
        this.actions = this.actions.filter((a) => a.depId !== older.id);
      }
    }
    const dep = this.newDep(svc, taskDefinition, start, kind, outcome);
    if (rollbackTo) dep.rollbackTo = rollbackTo.id;
    svc.deps.push(dep);
    svc.taskDefinition = taskDefinition;
    const n = svc.desiredCount;

    // BLUE_GREEN, CANARY, LINEAR: the service deployment's lifecycle decides (service-deployments.ts).
    const strategy = kind === 'rollout' ? nativeStrategy(svc.deploymentConfiguration) : undefined;
    if (strategy && svc.lastCompleted) {
      dep.outcome = 'complete';
      dep.terminalAt = undefined;
      this.native.start({
        depId: dep.id,
        serviceArn: svc.arn,
        serviceName: svc.name,
        clusterArn: svc.clusterArn,
        config: svc.deploymentConfiguration,
        source: { taskDefinition: svc.lastCompleted.taskDefinition, count: n },
        target: { taskDefinition, count: n },
        at: start,
        scenario: scenario?.native,
      });
      return dep;
    }

    if (outcome === 'complete') {
      dep.terminalAt = start + duration;
      this.schedule(start + duration * 0.1, dep.id, async () => {
        const placedAt = start + duration * 0.1;
        const tasks = await this.launchTasks(svc, dep, n);
        tasks.forEach((task, i) => {
          task.createdAt = placedAt;
          task.pendingAt = placedAt + duration * 0.1;
          task.runningAt = start + duration * (0.35 + (0.45 * (i + 1)) / Math.max(1, tasks.length));
        });
        if (tasks.length) this.event(svc, placedAt, startedMessage(svc.name, tasks));
      });
      this.schedule(start + duration * 0.85, dep.id, async () =>
        this.retireOlder(svc, dep, start + duration * 0.85, duration * 0.1),
      );
      this.schedule(start + duration, dep.id, async () => this.completed(svc, dep, start + duration));
    } else if (outcome === 'fail') {
      // Without a circuit breaker, ECS never fails the deployment: it keeps starting tasks that stop.
      dep.terminalAt = svc.breakerEnabled ? start + duration : undefined;
      dep.rollbackDurationMs = Math.max(0, scenario?.rollbackDurationMs ?? DEFAULT_DURATION_MS);
      const specs = scenario?.stoppedTasks?.length
        ? scenario.stoppedTasks
        : [{ stoppedReason: 'Essential container in task exited', containers: [], logLines: [] }];
      const slot = (duration * 0.9) / specs.length;
      specs.forEach((spec, k) => {
        const placedAt = start + duration * 0.05 + k * slot;
        this.schedule(placedAt, dep.id, async () => {
          const [task] = await this.launchTasks(svc, dep, 1);
          if (!task) return;
          const td = await this.taskDefinition(dep.taskDefinition).catch(() => undefined);
          const neverRan =
            spec.containers.length > 0 && spec.containers.every((c) => c.exitCode === undefined);
          task.createdAt = placedAt;
          task.pendingAt = placedAt + slot * 0.15;
          task.runningAt = neverRan ? undefined : placedAt + slot * 0.35;
          task.stoppingAt = placedAt + slot * 0.7;
          task.stoppedAt = placedAt + slot * 0.85;
          task.stopCode = spec.stopCode ?? 'EssentialContainerExited';
          task.stoppedReason = spec.stoppedReason;
          task.failed = true;
          const defaultContainer = essentialContainerName(td);
          if (spec.containers.length === 0 && defaultContainer)
            task.exits.set(defaultContainer, { exitCode: 1 });
          for (const c of spec.containers) task.exits.set(c.name, { exitCode: c.exitCode, reason: c.reason });
          this.event(svc, placedAt, startedMessage(svc.name, [task]));
          const logContainer =
            spec.containers.find((c) => c.exitCode !== undefined && c.exitCode !== 0)?.name ??
            defaultContainer;
          const lines = spec.logLines ?? [];
          const from = task.runningAt ?? task.pendingAt;
          this.schedule(from, dep.id, () =>
            this.writeTaskLogs(task, td, logContainer, lines, from, task.stoppingAt!),
          );
          this.stopTaskSoon(task, task.stoppedAt);
        });
      });
      this.schedule(start + duration, dep.id, async () => {
        const at = start + duration;
        if (!svc.breakerEnabled) return;
        this.event(
          svc,
          at,
          `(service ${svc.name}) (deployment ${dep.id}) deployment failed: tasks failed to start.`,
        );
        const previous = svc.lastCompleted;
        if (!previous || !svc.rollbackEnabled || svc.deleted) return;
        this.event(svc, at, `(service ${svc.name}) rolling back to deployment ${previous.id}.`);
        await this.pointMotoAt(svc, previous.taskDefinition);
        const rollback = this.startDeployment(svc, previous.taskDefinition, at, 'rollback', {
          id: previous.id,
          durationMs: dep.rollbackDurationMs ?? DEFAULT_DURATION_MS,
        });
        // The failed deployment stays ACTIVE (FAILED) until the rollback completes.
        dep.hiddenAt = rollback.terminalAt;
        dep.terminalAt = at;
      });
    } else {
      // hang: tasks are placed and never become RUNNING; the deployment stays IN_PROGRESS.
      this.schedule(start + duration * 0.1, dep.id, async () => {
        const placedAt = start + duration * 0.1;
        const tasks = await this.launchTasks(svc, dep, n);
        for (const task of tasks) {
          task.createdAt = placedAt;
          task.pendingAt = placedAt + duration * 0.1;
          task.runningAt = undefined;
        }
        if (tasks.length) this.event(svc, placedAt, startedMessage(svc.name, tasks));
      });
    }
    return dep;
  }

  /** The tasks of the deployments before `dep` stop at `at` (their records stop `drainMs` later). */
  private retireOlder(svc: Svc, dep: Dep, at: number, drainMs: number): void {
    const stopped: TaskRec[] = [];
    for (const older of svc.deps) {
      if (older === dep || older.createdAt > dep.createdAt || older.hiddenAt !== undefined) continue;
      for (const task of older.tasks) {
        if (task.stoppingAt !== undefined && task.stoppingAt <= at) continue;
        const wasRunning = task.runningAt !== undefined && task.runningAt <= at;
        this.stopTask(
          task,
          at,
          'ServiceSchedulerInitiated',
          `Scaling activity initiated by (deployment ${dep.id})`,
        );
        this.stopTaskSoon(task, at + drainMs);
        if (wasRunning) stopped.push(task);
      }
    }
    if (stopped.length) this.event(svc, at, stoppedMessage(svc.name, stopped));
  }

  /** `dep` completed at `at`: the older deployments leave the list, the service is steady. */
  private completed(svc: Svc, dep: Dep, at: number): void {
    for (const older of svc.deps)
      if (older !== dep && older.createdAt <= dep.createdAt) older.hiddenAt ??= at;
    svc.lastCompleted = { id: dep.id, taskDefinition: dep.taskDefinition };
    this.event(svc, at, `(service ${svc.name}) (deployment ${dep.id}) deployment completed.`);
    this.event(svc, at, `(service ${svc.name}) has reached a steady state.`);
  }

  private findDep(depId: string): { svc: Svc; dep: Dep } | undefined {
    for (const svc of this.services.values()) {
      const dep = svc.deps.find((d) => d.id === depId);
      if (dep) return svc.deleted ? undefined : { svc, dep };
    }
    return undefined;
  }

  /** A native-strategy deployment's SCALE_UP: the green tasks start. */
  private async nativeScaleUp(depId: string, at: number, runningBy: number): Promise<void> {
    const found = this.findDep(depId);
    if (!found) return;
    const tasks = await this.launchTasks(found.svc, found.dep, found.dep.desiredCount);
    for (const task of tasks) {
      task.createdAt = at;
      task.pendingAt = at + (runningBy - at) * 0.3;
      task.runningAt = runningBy;
    }
    if (tasks.length) this.event(found.svc, at, startedMessage(found.svc.name, tasks));
  }

  /** A native-strategy deployment's CLEAN_UP started at `at`: blue stops; COMPLETED at `doneAt`. */
  private async nativeSucceeded(depId: string, at: number, doneAt: number): Promise<void> {
    const found = this.findDep(depId);
    if (!found) return;
    const { svc, dep } = found;
    dep.terminalAt = doneAt;
    this.retireOlder(svc, dep, at, Math.max(0, doneAt - at));
    this.schedule(doneAt, dep.id, async () => this.completed(svc, dep, doneAt));
  }

  /**
   * A native-strategy deployment rolls back at `at`: traffic is already back on the source revision (which
   * kept running), the green tasks stop, the service is on its previous task definition again at `doneAt`.
   */
  private async nativeRolledBack(depId: string, at: number, doneAt: number, reason: string): Promise<void> {
    const found = this.findDep(depId);
    if (!found) return;
    const { svc, dep } = found;
    const previous = svc.lastCompleted;
    dep.outcome = 'fail';
    dep.terminalAt = at;
    dep.hiddenAt = doneAt;
    dep.rollbackDurationMs = Math.max(0, doneAt - at);
    dep.failureReason = reason;
    this.event(svc, at, `(service ${svc.name}) (deployment ${dep.id}) deployment failed: ${reason}.`);
    if (!previous) return;
    this.event(svc, at, `(service ${svc.name}) rolling back to deployment ${previous.id}.`);
    const stopped: TaskRec[] = [];
    for (const task of dep.tasks) {
      if (task.stoppingAt !== undefined && task.stoppingAt <= at) continue;
      this.stopTask(
        task,
        at,
        'ServiceSchedulerInitiated',
        `Scaling activity initiated by (deployment ${dep.id}) rollback`,
      );
      this.stopTaskSoon(task, doneAt);
      stopped.push(task);
    }
    if (stopped.length) this.event(svc, at, stoppedMessage(svc.name, stopped));
    svc.taskDefinition = previous.taskDefinition;
    await this.pointMotoAt(svc, previous.taskDefinition);
    this.schedule(doneAt, undefined, async () =>
      this.event(svc, doneAt, `(service ${svc.name}) has reached a steady state.`),
    );
  }

  /** A rollback: moto's service goes back to the task definition the layer returns it to. */
  private async pointMotoAt(svc: Svc, taskDefinition: string): Promise<void> {
    try {
      await this.moto.json('ecs', 'UpdateService', {
        cluster: svc.clusterArn,
        service: svc.name,
        taskDefinition,
      });
    } catch (error) {
      this.diagnostics.push(`rollback of ${svc.name}: ${String(error)}`);
    }
  }

  /** desiredCount changed on a deployment that keeps its task definition: start or stop tasks now. */
  private async scale(svc: Svc, primary: Dep, now: number): Promise<void> {
    const live = primary.tasks.filter((t) => t.stoppingAt === undefined);
    if (svc.desiredCount > live.length) {
      const tasks = await this.launchTasks(svc, primary, svc.desiredCount - live.length);
      for (const task of tasks) {
        task.createdAt = now;
        task.pendingAt = now + 100;
        task.runningAt = now + 300;
      }
      if (tasks.length) this.event(svc, now, startedMessage(svc.name, tasks));
    } else if (svc.desiredCount < live.length) {
      const surplus = live.slice(svc.desiredCount);
      for (const task of surplus) {
        this.stopTask(
          task,
          now,
          'ServiceSchedulerInitiated',
          'Scaling activity initiated by (service scaling)',
        );
        this.stopTaskSoon(task, now + 200);
      }
      this.event(svc, now, stoppedMessage(svc.name, surplus));
    }
  }

  // ------------------------------------------------------------------------------------------ tasks

  /** Creates service tasks in moto (validated by it), tracked by the layer; timing is set by the caller. */
  private async launchTasks(svc: Svc, dep: Dep, count: number): Promise<TaskRec[]> {
    if (count <= 0 || svc.deleted) return [];
    let created: Obj[] = [];
    try {
      const response = await this.moto.json<{ tasks: Obj[] }>('ecs', 'RunTask', {
        cluster: svc.clusterArn,
        taskDefinition: dep.taskDefinition,
        count,
        launchType: svc.launchType === 'EC2' ? 'EC2' : 'FARGATE',
        ...(svc.networkConfiguration ? { networkConfiguration: svc.networkConfiguration } : {}),
        startedBy: dep.id,
        group: `service:${svc.name}`,
      });
      created = response.tasks ?? [];
    } catch (error) {
      this.diagnostics.push(`tasks for ${svc.name}: ${String(error)}`);
      return [];
    }
    const td = await this.taskDefinition(dep.taskDefinition).catch(() => undefined);
    const now = Date.now();
    const recs = created.map((task) => {
      const rec = this.newTaskRec(task, td, now);
      dep.tasks.push(rec);
      return rec;
    });
    return recs;
  }

  private newTaskRec(task: Obj, td: Obj | undefined, now: number): TaskRec {
    const arn = String(task.taskArn);
    const rec: TaskRec = {
      arn,
      id: lastSegment(arn),
      clusterArn: String(task.clusterArn),
      taskDefinitionArn: String(task.taskDefinitionArn),
      group: String(task.group ?? ''),
      startedBy: String(task.startedBy ?? ''),
      createdAt: now,
      pendingAt: now,
      exits: new Map(),
      failed: false,
      containerIds: new Map(),
    };
    for (const container of containerDefinitions(td))
      rec.containerIds.set(String(container.name), randomUUID());
    this.tasks.set(arn, rec);
    return rec;
  }

  private takeRunTaskScenario(params: Obj, firstTask: Obj | undefined): RunTaskScenario | undefined {
    const cluster = String(params.cluster ?? 'default');
    const td = String(firstTask?.taskDefinitionArn ?? params.taskDefinition ?? '');
    const index = this.runTaskQueue.findIndex((s) => {
      if (s.cluster && lastSegment(s.cluster) !== lastSegment(cluster)) return false;
      if (s.taskDefinition) {
        const wanted = lastSegment(s.taskDefinition);
        const actual = lastSegment(td);
        if (wanted !== actual && wanted !== actual.split(':')[0]) return false;
      }
      return true;
    });
    return index < 0 ? undefined : this.runTaskQueue.splice(index, 1)[0];
  }

  private recordRunTask(
    task: Obj,
    td: Obj | undefined,
    scenario: RunTaskScenario | undefined,
    params: Obj,
    now: number,
  ) {
    const rec = this.newTaskRec(task, td, now);
    const duration = Math.max(0, scenario?.durationMs ?? DEFAULT_DURATION_MS);
    rec.pendingAt = now + duration * 0.15;
    rec.runningAt = now + duration * 0.35;
    rec.stoppingAt = now + duration * 0.85;
    rec.stoppedAt = now + duration;
    rec.stopCode = 'EssentialContainerExited';
    rec.stoppedReason = scenario?.stoppedReason ?? 'Essential container in task exited';
    const overrides = ((params.overrides as Obj | undefined)?.containerOverrides ?? []) as Obj[];
    const main =
      String(overrides.find((o) => o.command !== undefined)?.name ?? '') || essentialContainerName(td) || '';
    for (const container of containerDefinitions(td)) {
      const name = String(container.name);
      rec.exits.set(name, { exitCode: name === main ? (scenario?.exitCode ?? 0) : 0 });
    }
    const lines = scenario?.logLines ?? [];
    this.schedule(rec.runningAt, undefined, () =>
      this.writeTaskLogs(rec, td, main, lines, rec.runningAt!, rec.stoppingAt!),
    );
    this.stopTaskSoon(rec, rec.stoppedAt);
    return rec;
  }

  private stopTask(task: TaskRec, at: number, stopCode: string, reason?: string): void {
    if (task.stoppingAt !== undefined && task.stoppingAt <= at) return;
    task.stoppingAt = at;
    task.stoppedAt = at + 150;
    task.stopCode = stopCode;
    task.stoppedReason = reason ?? 'Task stopped';
    for (const name of task.containerIds.keys())
      if (!task.exits.has(name)) task.exits.set(name, { exitCode: 0 });
  }

  /** Keeps moto's own task record in step (desiredStatus STOPPED) once the task has stopped. */
  private stopTaskSoon(task: TaskRec, at: number): void {
    this.schedule(at, undefined, async () => {
      try {
        await this.moto.json('ecs', 'StopTask', {
          cluster: task.clusterArn,
          task: task.arn,
          reason: task.stoppedReason ?? '',
        });
      } catch (error) {
        this.diagnostics.push(`stop ${task.arn}: ${String(error)}`);
      }
    });
  }

  private async writeTaskLogs(
    task: TaskRec,
    td: Obj | undefined,
    containerName: string | undefined,
    lines: string[],
    from: number,
    to: number,
  ): Promise<void> {
    if (!lines.length || !containerName) return;
    const container = containerDefinitions(td).find((c) => c.name === containerName);
    const target = awslogsTarget(container, task.id);
    if (!target) {
      this.diagnostics.push(`logs of ${task.arn}: container ${containerName} has no awslogs configuration`);
      return;
    }
    try {
      await writeLogLines(this.moto, target, lines, from, Math.max(from, to - 1));
    } catch (error) {
      this.diagnostics.push(`logs of ${task.arn}: ${String(error)}`);
    }
  }

  // ------------------------------------------------------------------------------------------ rendering

  private render(service: Obj, svc: Svc, now: number): Obj {
    const visible = svc.deps.filter(
      (d) => d.createdAt <= now && (d.hiddenAt === undefined || d.hiddenAt > now),
    );
    const primary = visible.at(-1);
    const deployments = [...visible].reverse().map((dep) => renderDeployment(dep, dep === primary, now));
    const running = deployments.reduce((sum, d) => sum + Number(d.runningCount), 0);
    const pending = deployments.reduce((sum, d) => sum + Number(d.pendingCount), 0);
    const events = svc.events
      .filter((e) => e.at <= now)
      .sort((a, b) => b.at - a.at || b.seq - a.seq)
      .slice(0, 100)
      .map((e) => ({ id: e.id, createdAt: epoch(e.at), message: e.message }));
    const out: Obj = {
      ...service,
      taskDefinition: primary?.taskDefinition ?? svc.taskDefinition,
      runningCount: running,
      pendingCount: pending,
      deployments,
      events,
      createdAt: toMillis(service.createdAt) !== undefined ? service.createdAt : epoch(svc.createdAt),
      deploymentConfiguration: service.deploymentConfiguration ?? DEFAULT_DEPLOYMENT_CONFIGURATION,
    };
    if (svc.launchType === 'FARGATE' && !out.platformVersion) out.platformVersion = 'LATEST';
    if (svc.launchType === 'FARGATE' && !out.platformFamily) out.platformFamily = 'Linux';
    return out;
  }

  private renderTask(task: Obj, rec: TaskRec, td: Obj | undefined, now: number): Obj {
    const state = taskState(rec, now);
    const out: Obj = { ...task, lastStatus: state.lastStatus, desiredStatus: state.desiredStatus };
    out.createdAt = epoch(rec.createdAt);
    out.version = transitions(rec, now);
    if (now >= rec.pendingAt) {
      out.connectivity = 'CONNECTED';
      out.connectivityAt = epoch(rec.pendingAt);
      out.pullStartedAt = epoch(rec.pendingAt);
    }
    if (
      rec.runningAt !== undefined &&
      now >= rec.runningAt &&
      (rec.stoppingAt === undefined || rec.runningAt < rec.stoppingAt)
    ) {
      out.pullStoppedAt = epoch(rec.runningAt - 1);
      out.startedAt = epoch(rec.runningAt);
    }
    const stopping = rec.stoppingAt !== undefined && now >= rec.stoppingAt;
    if (stopping) {
      out.stoppingAt = epoch(rec.stoppingAt!);
      out.executionStoppedAt = epoch(rec.stoppingAt!);
      if (rec.stopCode) out.stopCode = rec.stopCode;
      out.stoppedReason = rec.stoppedReason ?? '';
    } else {
      delete out.stopCode;
      delete out.stoppedReason;
    }
    if (rec.stoppedAt !== undefined && now >= rec.stoppedAt) {
      out.stoppedAt = epoch(rec.stoppedAt);
      out.connectivity = 'DISCONNECTED';
    }
    if (td) {
      if (td.cpu) out.cpu = td.cpu;
      if (td.memory) out.memory = td.memory;
      const attachment = ((task.attachments ?? []) as Obj[])[0];
      const details = ((attachment?.details ?? []) as Array<{ name: string; value: string }>) ?? [];
      const ip = details.find((d) => d.name === 'privateIPv4Address')?.value;
      out.containers = containerDefinitions(td).map((c) => {
        const name = String(c.name);
        const exit = rec.exits.get(name);
        const containerStatus = stopping
          ? 'STOPPED'
          : rec.runningAt !== undefined && now >= rec.runningAt
            ? 'RUNNING'
            : 'PENDING';
        const container: Obj = {
          containerArn: `arn:aws:ecs:${this.region}:123456789012:container/${lastSegment(rec.clusterArn)}/${rec.id}/${rec.containerIds.get(name) ?? randomUUID()}`,
          taskArn: rec.arn,
          name,
          image: c.image,
          lastStatus: containerStatus,
          networkInterfaces:
            attachment && ip ? [{ attachmentId: attachment.id, privateIpv4Address: ip }] : [],
          healthStatus: 'UNKNOWN',
          cpu: String(c.cpu ?? 0),
        };
        if (c.memory !== undefined) container.memory = String(c.memory);
        if (c.memoryReservation !== undefined) container.memoryReservation = String(c.memoryReservation);
        if (stopping && exit) {
          if (exit.exitCode !== undefined) container.exitCode = exit.exitCode;
          if (exit.reason) container.reason = exit.reason;
        }
        return container;
      });
    }
    if (out.launchType === 'FARGATE') {
      out.platformVersion ??= '1.4.0';
      out.platformFamily ??= 'Linux';
      out.availabilityZone ??= `${this.region}a`;
    }
    if (!out.startedBy) delete out.startedBy;
    return out;
  }

  // ------------------------------------------------------------------------------------------ plumbing

  private schedule(at: number, depId: string | undefined, run: () => Promise<void>): void {
    this.actions.push({ at, seq: this.seq++, depId, run });
  }

  /**
   * The time a response shows, with everything due by then applied: the request already advanced before
   * going to moto, but time moved on while moto answered, and a state that follows from time alone (FAILED at
   * terminalAt) must not show without what happens at that moment (the rollback deployment, its events).
   */
  private async settledNow(): Promise<number> {
    const now = Date.now();
    await this.advance();
    return now;
  }

  private async advance(): Promise<void> {
    for (;;) {
      const now = Date.now();
      const due = this.actions.filter((a) => a.at <= now).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) return;
      this.actions = this.actions.filter((a) => a !== due);
      try {
        await due.run();
      } catch (error) {
        this.diagnostics.push(`scheduled action: ${String(error)}`);
      }
    }
  }

  private event(svc: Svc, at: number, message: string): void {
    svc.events.push({ id: randomUUID(), at, seq: this.seq++, message });
  }

  private async resolveTaskDefinition(value: string): Promise<string> {
    if (!value || isArn(value)) return value;
    const td = await this.moto.json<{ taskDefinition: Obj }>('ecs', 'DescribeTaskDefinition', {
      taskDefinition: value,
    });
    return String(td.taskDefinition.taskDefinitionArn);
  }

  private async taskDefinition(arn: string): Promise<Obj> {
    const cached = this.taskDefinitions.get(arn);
    if (cached) return cached;
    const td = await this.moto.json<{ taskDefinition: Obj }>('ecs', 'DescribeTaskDefinition', {
      taskDefinition: arn,
    });
    this.taskDefinitions.set(arn, td.taskDefinition);
    return td.taskDefinition;
  }
}

// -------------------------------------------------------------------------------------------- pure helpers

function matchesService(svc: Svc, service: string, cluster?: string): boolean {
  if (service !== svc.name && service !== svc.arn) return false;
  if (cluster && cluster !== svc.clusterName && cluster !== svc.clusterArn) return false;
  return true;
}

function rolloutState(dep: Dep, now: number): 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' {
  if (dep.outcome === 'steady') return 'COMPLETED';
  if (dep.terminalAt === undefined || dep.terminalAt > now) return 'IN_PROGRESS';
  return dep.outcome === 'fail' ? 'FAILED' : 'COMPLETED';
}

function taskState(
  task: TaskRec,
  now: number,
): { lastStatus: TaskStatus; desiredStatus: 'RUNNING' | 'STOPPED' } {
  if (task.stoppedAt !== undefined && now >= task.stoppedAt)
    return { lastStatus: 'STOPPED', desiredStatus: 'STOPPED' };
  if (task.stoppingAt !== undefined && now >= task.stoppingAt) {
    const midpoint =
      task.stoppedAt === undefined ? Number.POSITIVE_INFINITY : (task.stoppingAt + task.stoppedAt) / 2;
    return { lastStatus: now >= midpoint ? 'DEPROVISIONING' : 'STOPPING', desiredStatus: 'STOPPED' };
  }
  if (task.runningAt !== undefined && now >= task.runningAt)
    return { lastStatus: 'RUNNING', desiredStatus: 'RUNNING' };
  if (now >= task.pendingAt) return { lastStatus: 'PENDING', desiredStatus: 'RUNNING' };
  return { lastStatus: 'PROVISIONING', desiredStatus: 'RUNNING' };
}

function transitions(task: TaskRec, now: number): number {
  return [task.createdAt, task.pendingAt, task.runningAt, task.stoppingAt, task.stoppedAt].filter(
    (t) => t !== undefined && t <= now,
  ).length;
}

function renderDeployment(dep: Dep, primary: boolean, now: number): Obj {
  let running = 0;
  let pending = 0;
  let failed = 0;
  let updatedAt = dep.createdAt;
  for (const task of dep.tasks) {
    const { lastStatus } = taskState(task, now);
    if (lastStatus === 'RUNNING') running += 1;
    if (lastStatus === 'PROVISIONING' || lastStatus === 'PENDING') pending += 1;
    if (task.failed && task.stoppedAt !== undefined && now >= task.stoppedAt) failed += 1;
    for (const t of [task.createdAt, task.pendingAt, task.runningAt, task.stoppingAt, task.stoppedAt]) {
      if (t !== undefined && t <= now && t > updatedAt) updatedAt = t;
    }
  }
  const state = rolloutState(dep, now);
  if (state !== 'IN_PROGRESS' && dep.terminalAt !== undefined && dep.terminalAt > updatedAt)
    updatedAt = dep.terminalAt;
  let reason = `ECS deployment ${dep.id} in progress.`;
  if (state === 'COMPLETED') reason = `ECS deployment ${dep.id} completed.`;
  else if (state === 'FAILED')
    reason = dep.failureReason
      ? `ECS deployment ${dep.id} failed: ${dep.failureReason}.`
      : 'ECS deployment circuit breaker: tasks failed to start.';
  else if (dep.rollbackTo)
    reason = `ECS deployment circuit breaker: rolling back to deploymentId ${dep.rollbackTo}.`;
  const out: Obj = {
    id: dep.id,
    status: primary ? 'PRIMARY' : 'ACTIVE',
    taskDefinition: dep.taskDefinition,
    desiredCount: primary ? dep.desiredCount : state === 'FAILED' ? 0 : running + pending,
    pendingCount: pending,
    runningCount: running,
    failedTasks: failed,
    createdAt: epoch(dep.createdAt),
    updatedAt: epoch(updatedAt),
    launchType: dep.launchType,
    rolloutState: state,
    rolloutStateReason: reason,
  };
  if (dep.launchType === 'FARGATE') {
    out.platformVersion = '1.4.0';
    out.platformFamily = 'Linux';
  }
  if (dep.networkConfiguration) out.networkConfiguration = dep.networkConfiguration;
  return out;
}

function startedMessage(service: string, tasks: TaskRec[]): string {
  return `(service ${service}) has started ${tasks.length} tasks: ${tasks.map((t) => `(task ${t.id})`).join(' ')}.`;
}

function stoppedMessage(service: string, tasks: TaskRec[]): string {
  return `(service ${service}) has stopped ${tasks.length} running tasks: ${tasks.map((t) => `(task ${t.id})`).join(' ')}.`;
}

function containerDefinitions(td: Obj | undefined): Obj[] {
  return ((td?.containerDefinitions ?? []) as Obj[]) ?? [];
}

function essentialContainerName(td: Obj | undefined): string | undefined {
  const containers = containerDefinitions(td);
  const essential = containers.find((c) => c.essential !== false) ?? containers[0];
  return essential ? String(essential.name) : undefined;
}

function emptyToUndefined(value: unknown): unknown {
  if (!value || (typeof value === 'object' && Object.keys(value).length === 0)) return undefined;
  return value;
}

/** moto writes timestamps as epoch seconds or ISO strings. */
function toMillis(value: unknown): number | undefined {
  if (typeof value === 'number') return value * 1000;
  if (typeof value === 'string' && value) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}
