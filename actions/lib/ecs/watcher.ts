// Watches an ECS deployment until it completes, fails, is rolled back or replaced, logging a progress line
// whenever something changes (rollout state, task counts) and each new service event, oldest first.
// Both rollout paths use it: the direct path knows its deployment ID from UpdateService; the stack path
// waits for the deployment CloudFormation starts (a new one, not among those seen before the update).
import type { ContainerDefinition, Deployment, Service } from '@aws-sdk/client-ecs';
import { log } from '../core.js';
import { pollIntervals, sleep, throwIfAborted } from '../poll.js';
import { circuitBreakerRollback, describeService } from './service.js';
import { attachLogs, describeStoppedTask, findStoppedTasks } from './stopped-tasks.js';
import { shortTaskDefinition } from './task-definition.js';
import type { RolloutSnapshot, ServiceEventLine, StoppedTask } from './types.js';

export type RolloutVerdict =
  | { kind: 'waiting' }
  | { kind: 'in-progress' }
  | { kind: 'completed' }
  | { kind: 'failed'; reason: string }
  | {
      kind: 'rolled-back';
      reason: string;
      rolledBackTo: string;
      /** Who rolled back: ECS's circuit breaker (default), or the action itself. */
      by?: 'ecs' | 'action';
    }
  | { kind: 'superseded'; reason: string; by?: string }
  | { kind: 'timeout' };

export interface RolloutWatcherOptions {
  region: string;
  cluster: string;
  service: string;
  /** The service before the rollout: its deployments and events are not the rollout's. */
  baseline: Service;
  previousTaskDefinitionArn: string;
  /** Known on the direct path (UpdateService returns it); found on the first look otherwise. */
  deploymentId?: string;
  taskDefinitionArn?: string;
  /** The container whose logs to prefer when a task stopped without a failed container. */
  containerName?: string;
  /** Container definitions of a task definition (cached by the caller). */
  definitions: (taskDefinitionArn: string | undefined) => Promise<ContainerDefinition[]>;
  /** Progress lines; default the action log. */
  log?: (line: string) => void;
}

const TERMINAL = new Set(['completed', 'failed', 'rolled-back', 'superseded']);

export function isTerminal(verdict: RolloutVerdict): boolean {
  return TERMINAL.has(verdict.kind);
}

export class RolloutWatcher {
  readonly timeline: RolloutSnapshot[] = [];
  readonly events: ServiceEventLine[] = [];
  /** Stopped tasks of the rollout, newest first. */
  stoppedTasks: StoppedTask[] = [];
  deploymentId?: string;
  taskDefinitionArn?: string;
  /** The rollout's deployment as last seen. */
  deployment?: Deployment;
  service?: Service;
  verdict: RolloutVerdict = { kind: 'waiting' };

  private readonly seenEvents: Set<string>;
  private readonly baselineDeployments: Set<string>;
  private readonly knownStopped = new Set<string>();
  private readonly emit: (line: string) => void;
  private lastFailedCount = 0;
  private rollbackGrace = 0;
  private lastKey = '';
  private changed = false;

  constructor(private readonly options: RolloutWatcherOptions) {
    this.deploymentId = options.deploymentId;
    this.taskDefinitionArn = options.taskDefinitionArn;
    this.seenEvents = new Set((options.baseline.events ?? []).map((e) => e.id ?? ''));
    this.baselineDeployments = new Set((options.baseline.deployments ?? []).map((d) => d.id ?? ''));
    this.emit = options.log ?? ((line) => log.info(line));
  }

  /** Looks once (one DescribeServices, plus ListTasks/DescribeTasks when tasks failed) and judges. */
  async check(): Promise<RolloutVerdict> {
    const { region, cluster, service: name } = this.options;
    const service = await describeService(region, cluster, name);
    this.service = service;
    this.changed = false;
    const fresh = this.recordEvents(service);
    const deployments = service.deployments ?? [];
    let ours = this.deploymentId ? deployments.find((d) => d.id === this.deploymentId) : undefined;
    if (!this.deploymentId) {
      ours = deployments.find(
        (d) =>
          d.id &&
          !this.baselineDeployments.has(d.id) &&
          d.taskDefinition !== this.options.previousTaskDefinitionArn,
      );
      if (ours) {
        this.deploymentId = ours.id;
        this.taskDefinitionArn = ours.taskDefinition;
        this.emit(`ECS started deployment ${ours.id} of ${shortTaskDefinition(ours.taskDefinition)}`);
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
    if (
      failedCount > this.lastFailedCount ||
      fresh.some((e) => /stopped|failed|unhealthy/i.test(e.message))
    ) {
      await this.collectStopped();
    }
    this.lastFailedCount = Math.max(this.lastFailedCount, failedCount);
    const state = ours.rolloutState;
    if (primary && primary.id !== ours.id) {
      this.verdict = this.judgeReplaced(primary, state === 'FAILED' ? 'failed' : 'was replaced');
    } else if (state === 'COMPLETED') {
      this.verdict = { kind: 'completed' };
    } else if (state === 'FAILED') {
      if (circuitBreakerRollback(service) && this.rollbackGrace < 3) {
        // The circuit breaker starts the rollback deployment right after failing this one.
        this.rollbackGrace++;
        this.verdict = { kind: 'in-progress' };
      } else {
        this.verdict = {
          kind: 'failed',
          reason: `deployment ${ours.id} failed${ours.rolloutStateReason ? `: ${sentence(ours.rolloutStateReason)}` : ''}`,
        };
      }
    } else if (
      state === undefined &&
      deployments.length === 1 &&
      ours.runningCount === ours.desiredCount &&
      (ours.pendingCount ?? 0) === 0
    ) {
      // No rollout state (older controllers): stable when it is the only deployment and all tasks run.
      this.verdict = { kind: 'completed' };
    } else {
      this.verdict = { kind: 'in-progress' };
    }
    const note =
      this.verdict.kind === 'rolled-back'
        ? `rolled back to ${shortTaskDefinition(this.verdict.rolledBackTo)}`
        : this.verdict.kind === 'failed' || this.verdict.kind === 'superseded'
          ? this.verdict.reason
          : undefined;
    this.snapshot(ours, note);
    if (this.verdict.kind !== 'in-progress' && this.verdict.kind !== 'completed') await this.collectStopped();
    return this.verdict;
  }

  /** Checks until a terminal verdict, the deadline (`timeout`), `until` aborting (returns the last verdict), or cancellation. */
  async watch(options: {
    deadline: number;
    signal?: AbortSignal;
    /** Stop watching (e.g. CloudFormation finished) and return the last verdict. */
    until?: AbortSignal;
    /** Keep watching after a terminal verdict until `until` aborts (CloudFormation decides the outcome). */
    observeOnly?: boolean;
  }): Promise<RolloutVerdict> {
    const intervals = pollIntervals();
    let interval = intervals.initial;
    for (;;) {
      throwIfAborted(options.signal);
      if (options.until?.aborted) return this.verdict;
      const verdict = await this.check();
      if (isTerminal(verdict) && !options.observeOnly) return verdict;
      const remaining = options.deadline - Date.now();
      if (remaining <= 0) {
        this.verdict = { kind: 'timeout' };
        await this.collectStopped();
        return this.verdict;
      }
      const signals = [options.signal, options.until].filter((s): s is AbortSignal => s !== undefined);
      try {
        await sleep(Math.min(interval, remaining), signals.length ? AbortSignal.any(signals) : undefined);
      } catch (error) {
        if (options.signal?.aborted) throw error;
        return this.verdict;
      }
      interval = this.changed ? intervals.initial : Math.min(Math.round(interval * 1.5), intervals.max);
    }
  }

  /** The rollout's final state: FAILED when it failed, even if the rollback finished before a look saw it. */
  finalState(): string | undefined {
    const state = this.deployment?.rolloutState;
    if (state === 'FAILED' || state === 'COMPLETED') return state;
    const id = this.deploymentId;
    const failed = id && this.events.some((e) => e.message.includes(`${id})`) && /fail/i.test(e.message));
    return failed ? 'FAILED' : state;
  }

  /** What the rollout was doing, for a timeout message. */
  describeState(): string {
    const d = this.deployment;
    if (!d) return 'no ECS deployment of a new task definition had started';
    const last = this.stoppedTasks[0];
    return `deployment ${d.id} of ${shortTaskDefinition(d.taskDefinition)} was ${d.rolloutState ?? d.status}: ${d.runningCount ?? 0} of ${d.desiredCount ?? 0} tasks running, ${d.pendingCount ?? 0} pending${this.stoppedTasks.length ? `, ${this.stoppedTasks.length} stopped (last: ${describeStoppedTask(last as StoppedTask)})` : ''}`;
  }

  /** Adds the last log lines of the newest `max` stopped tasks; returns every stopped task. */
  async diagnose(max = 3, lines = 20): Promise<StoppedTask[]> {
    await this.collectStopped();
    await attachLogs(
      this.stoppedTasks.slice(0, max),
      this.options.definitions,
      this.options.region,
      this.options.containerName,
      lines,
    );
    return this.stoppedTasks;
  }

  private judgeReplaced(primary: Deployment | undefined, what: string): RolloutVerdict {
    const reason = this.failureReason(what);
    if (!primary) return { kind: 'failed', reason };
    if (primary.taskDefinition === this.taskDefinitionArn) {
      return primary.rolloutState === 'COMPLETED' ? { kind: 'completed' } : { kind: 'in-progress' };
    }
    const rollback =
      primary.taskDefinition === this.options.previousTaskDefinitionArn ||
      this.deployment?.rolloutState === 'FAILED' ||
      this.events.some((e) => /roll(ing|ed)? ?back/i.test(e.message));
    if (rollback) {
      return { kind: 'rolled-back', reason, rolledBackTo: primary.taskDefinition ?? 'unknown' };
    }
    return {
      kind: 'superseded',
      reason: `deployment ${this.deploymentId} was replaced by deployment ${primary.id} of ${shortTaskDefinition(primary.taskDefinition)} (another deploy started meanwhile)`,
      by: primary.taskDefinition,
    };
  }

  /**
   * Why our deployment ended: its FAILED reason when seen, else the service event that says it failed (the
   * rollback can finish between two looks, taking the failed deployment with it).
   */
  failureReason(what: string): string {
    const id = this.deploymentId ?? '';
    if (this.deployment?.rolloutState === 'FAILED') {
      const stated = this.deployment.rolloutStateReason;
      return `deployment ${id} failed${stated ? `: ${sentence(stated)}` : ''}`;
    }
    const event = [...this.events]
      .reverse()
      .find((e) => id && e.message.includes(id) && /fail/i.test(e.message));
    if (event) {
      const said =
        event.message
          .split(`${id})`)
          .pop()
          ?.replace(/^\s*deployment\s*/i, '')
          .trim() ?? '';
      return `deployment ${id} ${sentence(said) || 'failed'}`;
    }
    return `deployment ${id} ${what}`;
  }

  private recordEvents(service: Service): ServiceEventLine[] {
    // Newest first from the API: reversed before the (stable) sort so equal timestamps keep their order.
    const fresh = [...(service.events ?? [])]
      .reverse()
      .filter((e) => e.id && !this.seenEvents.has(e.id))
      .map((e) => ({
        id: e.id as string,
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

  private snapshot(deployment: Deployment | undefined, note?: string): void {
    const snap: RolloutSnapshot = {
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
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.changed = true;
    this.timeline.push(snap);
    if (!deployment) {
      this.emit(`Waiting: ${note ?? 'no deployment yet'}`);
      return;
    }
    const stated = deployment.rolloutStateReason;
    const reason = stated && !/ in progress\.?$/i.test(stated) ? ` — ${sentence(stated)}` : '';
    this.emit(
      `Rollout ${deployment.id} (${shortTaskDefinition(deployment.taskDefinition)}): ${snap.rolloutState}${reason} · desired ${snap.desired} · pending ${snap.pending} · running ${snap.running} · failed tasks ${snap.failed}${note ? ` · ${note}` : ''}`,
    );
  }

  private async collectStopped(): Promise<void> {
    if (!this.taskDefinitionArn && !this.deploymentId) return;
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
export function sentence(text: string): string {
  return text.trim().replace(/\.+$/, '');
}
