// ECS service deployments for the native strategies (BLUE_GREEN, CANARY, LINEAR), which moto does not model:
// lifecycle stages over time, the test and production traffic weights of the target revision, CloudWatch
// alarms going to ALARM at a moment the scenario chooses (→ rollback naming the alarm), PAUSE lifecycle
// hooks (AWAITING_ACTION with an expiresAt and a timeout action), and the API that reads and drives them:
// ListServiceDeployments, DescribeServiceDeployments and ContinueServiceDeployment. The ECS layer (ecs.ts)
// owns the service and its tasks; this model tells it when to start the green tasks, when the deployment
// succeeded (clean-up) and when it rolled back.
//
// Rules taken from the ECS API reference:
// - DeploymentConfiguration: strategy ROLLING | BLUE_GREEN | LINEAR | CANARY; bakeTimeInMinutes 0–1440;
//   canaryConfiguration.canaryPercent 0.1–100 and canaryBakeTimeInMinutes 0–1440;
//   linearConfiguration.stepPercent 3.0–100.0 and stepBakeTimeInMinutes 0–1440 (the step bake is not applied
//   after the last step); DeploymentLifecycleHook: PAUSE hooks cannot be configured at TEST_TRAFFIC_SHIFT or
//   PRODUCTION_TRAFFIC_SHIFT; timeoutConfiguration.timeoutInMinutes default 1440, action default ROLLBACK.
//   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html
//   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentLifecycleHook.html
// - ContinueServiceDeployment acts on the paused hook `hookId` of a deployment: an unknown deployment is
//   ServiceDeploymentNotFoundException, anything else that cannot be continued (not IN_PROGRESS, the hook
//   not AWAITING_ACTION) InvalidParameterException.
//   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContinueServiceDeployment.html
// - ListServiceDeployments filters by status and createdAt {after, before}; DescribeServiceDeployments takes
//   up to 20 ARNs and reports unknown ones as failures with reason MISSING.
import { randomUUID } from 'node:crypto';
import { randomDigits } from './util.js';
import { AwsError, epoch } from './wire.js';

export type NativeStrategy = 'BLUE_GREEN' | 'CANARY' | 'LINEAR';
export type Stage =
  | 'RECONCILE_SERVICE'
  | 'PRE_SCALE_UP'
  | 'SCALE_UP'
  | 'POST_SCALE_UP'
  | 'TEST_TRAFFIC_SHIFT'
  | 'POST_TEST_TRAFFIC_SHIFT'
  | 'PRODUCTION_TRAFFIC_SHIFT'
  | 'POST_PRODUCTION_TRAFFIC_SHIFT'
  | 'BAKE_TIME'
  | 'CLEAN_UP';
type HookStage = Exclude<Stage, 'SCALE_UP' | 'BAKE_TIME' | 'CLEAN_UP'> | 'PRE_PRODUCTION_TRAFFIC_SHIFT';
export type ServiceDeploymentStatus =
  | 'PENDING'
  | 'IN_PROGRESS'
  | 'SUCCESSFUL'
  | 'STOPPED'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_SUCCESSFUL'
  | 'ROLLBACK_FAILED';

/** What a native-strategy deployment meets on its way (part of the rollout scenario). */
export interface NativeScenario {
  /** How long each lifecycle stage takes (default 150 ms). */
  stageMs?: number;
  /** How long one configured minute (bake times, hook timeouts) lasts here (default 100 ms). */
  minuteMs?: number;
  /** An alarm of the service's deploymentConfiguration.alarms goes to ALARM halfway through this stage. */
  alarm?: { name: string; stage: Stage; reason?: string };
  /** How long rolling back takes (default 2 stages). */
  rollbackMs?: number;
}

export interface ServiceDeploymentRecord {
  arn: string;
  service: string;
  taskDefinition: string;
  strategy: NativeStrategy;
  status: ServiceDeploymentStatus;
  statusReason?: string;
  lifecycleStage?: Stage;
  /** Every (stage, traffic) the deployment has shown so far, oldest first. */
  history: Array<{ at: number; stage: Stage; production: number; test: number }>;
  rollbackReason?: string;
  /** Epoch ms of the final status, once reached. */
  finishedAt?: number;
  /** `awaitingSince`: epoch ms the hook started awaiting action; `resolvedAt`: when it was acted on. */
  hooks: Array<{
    hookId: string;
    stage: HookStage;
    status: string;
    awaitingSince: number;
    resolvedAt?: number;
  }>;
}

type Obj = Record<string, unknown>;

interface Step {
  stage: Stage;
  /** The lifecycle hook stage this step runs the hooks of. */
  hook?: HookStage;
  durationMs: number;
  production: number;
  test: number;
}

interface HookRec {
  hookId: string;
  stage: HookStage;
  status: 'AWAITING_ACTION' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  expiresAt: number;
  timeoutAction: 'CONTINUE' | 'ROLLBACK';
  /** The step after the paused one. */
  resume: number;
  awaitingSince: number;
  resolvedAt?: number;
}

interface SdRec {
  arn: string;
  serviceArn: string;
  serviceName: string;
  clusterArn: string;
  createdAt: number;
  updatedAt: number;
  finishedAt?: number;
  /** When the status became ROLLBACK_IN_PROGRESS. */
  rollbackAt?: number;
  final?: ServiceDeploymentStatus;
  statusReason?: string;
  rollbackReason?: string;
  strategy: NativeStrategy;
  config: Obj;
  source?: { revisionArn: string; taskDefinition: string; count: number };
  target: { revisionArn: string; taskDefinition: string; count: number };
  steps: Step[];
  segments: Array<{ at: number; stage: Stage; production: number; test: number }>;
  hooks: HookRec[];
  triggeredAlarms: string[];
  scenario: Required<Pick<NativeScenario, 'stageMs' | 'minuteMs'>> & NativeScenario;
  alarmFired: boolean;
  depId: string;
}

/** What the ECS layer does when the deployment reaches a point that changes the service's tasks. */
export interface NativeHost {
  schedule(at: number, depId: string, run: () => Promise<void>): void;
  /** The green tasks start at `at`, running by `runningBy`. */
  scaleUp(depId: string, at: number, runningBy: number): Promise<void>;
  /** Clean-up started at `at`: the blue tasks stop; the deployment completes at `doneAt`. */
  succeeded(depId: string, at: number, doneAt: number): Promise<void>;
  /** Traffic is back on the source revision at `at` (green stopping), done at `doneAt`. */
  rolledBack(depId: string, at: number, doneAt: number, reason: string): Promise<void>;
  /**
   * How the deployment will end, as far as it is decided now (no pause ahead): succeeded at `at`, or failed at
   * `at` and rolled back by `settledAt`. Lets CloudFormation's wait for the service be planned.
   */
  planned(depId: string, outcome: 'complete' | 'fail', at: number, settledAt: number): void;
}

const DEFAULT_STAGE_MS = 150;
const DEFAULT_MINUTE_MS = 100;
const PAUSE_FORBIDDEN = new Set(['TEST_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT']);
const HOOK_STAGES = new Set<string>([
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
]);

/** The strategy a deployment configuration names, when it is one of the traffic-shifting ones. */
export function nativeStrategy(config: unknown): NativeStrategy | undefined {
  const strategy = (config as Obj | undefined)?.strategy;
  return strategy === 'BLUE_GREEN' || strategy === 'CANARY' || strategy === 'LINEAR' ? strategy : undefined;
}

function inRange(value: unknown, min: number, max: number): boolean {
  return value === undefined || (typeof value === 'number' && value >= min && value <= max);
}

/**
 * The problems CreateService/UpdateService answer with InvalidParameterException for this deployment
 * configuration (empty when valid).
 */
export function deploymentConfigurationProblems(config: unknown): string[] {
  const c = (config ?? {}) as Obj;
  const problems: string[] = [];
  const strategy = c.strategy;
  if (strategy !== undefined && !['ROLLING', 'BLUE_GREEN', 'CANARY', 'LINEAR'].includes(String(strategy)))
    problems.push(`strategy must be one of ROLLING, BLUE_GREEN, LINEAR, CANARY (got ${String(strategy)})`);
  if (!inRange(c.bakeTimeInMinutes, 0, 1440)) problems.push('bakeTimeInMinutes must be between 0 and 1440');
  const canary = (c.canaryConfiguration ?? {}) as Obj;
  if (!inRange(canary.canaryPercent, 0.1, 100)) problems.push('canaryPercent must be between 0.1 and 100');
  if (!inRange(canary.canaryBakeTimeInMinutes, 0, 1440))
    problems.push('canaryBakeTimeInMinutes must be between 0 and 1440');
  const linear = (c.linearConfiguration ?? {}) as Obj;
  if (!inRange(linear.stepPercent, 3, 100)) problems.push('stepPercent must be between 3.0 and 100.0');
  if (!inRange(linear.stepBakeTimeInMinutes, 0, 1440))
    problems.push('stepBakeTimeInMinutes must be between 0 and 1440');
  if (c.canaryConfiguration !== undefined && strategy !== 'CANARY')
    problems.push('canaryConfiguration is only valid with the CANARY strategy');
  if (c.linearConfiguration !== undefined && strategy !== 'LINEAR')
    problems.push('linearConfiguration is only valid with the LINEAR strategy');
  for (const hook of (c.lifecycleHooks ?? []) as Obj[]) {
    const stages = (hook.lifecycleStages ?? []) as string[];
    if (stages.length === 0) problems.push('a lifecycle hook needs lifecycleStages');
    for (const stage of stages) {
      if (!HOOK_STAGES.has(stage)) problems.push(`${stage} is not a lifecycle hook stage`);
      if (hook.targetType === 'PAUSE' && PAUSE_FORBIDDEN.has(stage))
        problems.push(`PAUSE hooks cannot be configured at the ${stage} stage`);
    }
    if ((hook.targetType ?? 'AWS_LAMBDA') === 'AWS_LAMBDA' && !hook.hookTargetArn)
      problems.push('an AWS_LAMBDA lifecycle hook needs hookTargetArn');
    const timeout = (hook.timeoutConfiguration ?? {}) as Obj;
    if (!inRange(timeout.timeoutInMinutes, 1, 1440))
      problems.push('timeoutConfiguration.timeoutInMinutes must be between 1 and 1440');
    if (timeout.action !== undefined && !['CONTINUE', 'ROLLBACK'].includes(String(timeout.action)))
      problems.push('timeoutConfiguration.action must be CONTINUE or ROLLBACK');
  }
  return problems;
}

/** The production weights of the target revision, step by step, for the strategy. */
function productionSteps(strategy: NativeStrategy, config: Obj): number[] {
  if (strategy === 'CANARY') {
    const percent = Number((config.canaryConfiguration as Obj | undefined)?.canaryPercent ?? 5);
    return percent >= 100 ? [100] : [percent, 100];
  }
  if (strategy === 'LINEAR') {
    const step = Number((config.linearConfiguration as Obj | undefined)?.stepPercent ?? 10);
    const weights: number[] = [];
    for (let w = step; w < 100; w += step) weights.push(Math.round(w * 10) / 10);
    weights.push(100);
    return weights;
  }
  return [100];
}

function stepsFor(strategy: NativeStrategy, config: Obj, stageMs: number, minuteMs: number): Step[] {
  const steps: Step[] = [
    { stage: 'PRE_SCALE_UP', hook: 'PRE_SCALE_UP', durationMs: stageMs, production: 0, test: 0 },
    { stage: 'SCALE_UP', durationMs: stageMs, production: 0, test: 0 },
    { stage: 'POST_SCALE_UP', hook: 'POST_SCALE_UP', durationMs: stageMs, production: 0, test: 0 },
    {
      stage: 'TEST_TRAFFIC_SHIFT',
      hook: 'TEST_TRAFFIC_SHIFT',
      durationMs: stageMs,
      production: 0,
      test: 100,
    },
    {
      stage: 'POST_TEST_TRAFFIC_SHIFT',
      hook: 'POST_TEST_TRAFFIC_SHIFT',
      durationMs: stageMs,
      production: 0,
      test: 100,
    },
  ];
  const weights = productionSteps(strategy, config);
  const stepBake =
    strategy === 'CANARY'
      ? Number((config.canaryConfiguration as Obj | undefined)?.canaryBakeTimeInMinutes ?? 10)
      : strategy === 'LINEAR'
        ? Number((config.linearConfiguration as Obj | undefined)?.stepBakeTimeInMinutes ?? 6)
        : 0;
  let previous = 0;
  weights.forEach((weight, i) => {
    // PRE_PRODUCTION_TRAFFIC_SHIFT hooks run before every traffic shift step.
    steps.push({
      stage: 'PRODUCTION_TRAFFIC_SHIFT',
      hook: 'PRE_PRODUCTION_TRAFFIC_SHIFT',
      durationMs: 0,
      production: previous,
      test: 100,
    });
    const last = i === weights.length - 1;
    steps.push({
      stage: 'PRODUCTION_TRAFFIC_SHIFT',
      hook: last ? 'PRODUCTION_TRAFFIC_SHIFT' : undefined,
      durationMs: stageMs + (last ? 0 : stepBake * minuteMs),
      production: weight,
      test: 100,
    });
    previous = weight;
  });
  const bake = Number(config.bakeTimeInMinutes ?? 0);
  steps.push(
    {
      stage: 'POST_PRODUCTION_TRAFFIC_SHIFT',
      hook: 'POST_PRODUCTION_TRAFFIC_SHIFT',
      durationMs: stageMs,
      production: 100,
      test: 100,
    },
    { stage: 'BAKE_TIME', durationMs: Math.max(stageMs, bake * minuteMs), production: 100, test: 100 },
    { stage: 'CLEAN_UP', durationMs: stageMs, production: 100, test: 100 },
  );
  return steps;
}

/** A client-side (400) ECS error. */
function clientError(code: string, message: string): AwsError {
  return new AwsError(code, message, 400);
}

export class ServiceDeploymentModel {
  private deployments = new Map<string, SdRec>();

  constructor(
    private readonly region: string,
    private readonly host: NativeHost,
  ) {}

  reset(): void {
    this.deployments.clear();
  }

  /** Whether the layer's deployment `depId` is a service deployment this model plays. */
  has(depId: string): boolean {
    for (const sd of this.deployments.values()) if (sd.depId === depId) return true;
    return false;
  }

  private revisionArn(clusterArn: string, service: string): string {
    const cluster = clusterArn.split('/').pop();
    return `arn:aws:ecs:${this.region}:123456789012:service-revision/${cluster}/${service}/${randomDigits(19)}`;
  }

  /** A new service deployment for the layer's deployment `depId`, following `scenario`. */
  start(options: {
    depId: string;
    serviceArn: string;
    serviceName: string;
    clusterArn: string;
    config: Obj;
    source?: { taskDefinition: string; count: number };
    target: { taskDefinition: string; count: number };
    at: number;
    scenario?: NativeScenario;
  }): void {
    const strategy = nativeStrategy(options.config) as NativeStrategy;
    // A deployment still running is replaced by the new one (ECS stops it).
    for (const other of this.deployments.values()) {
      if (other.serviceArn === options.serviceArn && other.final === undefined) {
        other.final = 'STOPPED';
        other.finishedAt = options.at;
        other.statusReason = 'Service deployment stopped: a newer service deployment started';
      }
    }
    const scenario = {
      stageMs: options.scenario?.stageMs ?? DEFAULT_STAGE_MS,
      minuteMs: options.scenario?.minuteMs ?? DEFAULT_MINUTE_MS,
      ...options.scenario,
    };
    const cluster = options.clusterArn.split('/').pop();
    const sd: SdRec = {
      arn: `arn:aws:ecs:${this.region}:123456789012:service-deployment/${cluster}/${options.serviceName}/${randomUUID().replace(/-/g, '').slice(0, 22)}`,
      serviceArn: options.serviceArn,
      serviceName: options.serviceName,
      clusterArn: options.clusterArn,
      createdAt: options.at,
      updatedAt: options.at,
      strategy,
      config: structuredClone(options.config),
      source: options.source
        ? { ...options.source, revisionArn: this.revisionArn(options.clusterArn, options.serviceName) }
        : undefined,
      target: { ...options.target, revisionArn: this.revisionArn(options.clusterArn, options.serviceName) },
      steps: stepsFor(strategy, options.config, scenario.stageMs, scenario.minuteMs),
      segments: [],
      hooks: [],
      triggeredAlarms: [],
      scenario,
      alarmFired: false,
      depId: options.depId,
    };
    this.deployments.set(sd.arn, sd);
    this.plan(sd, 0, options.at);
  }

  /** Lays out the steps from `index` at `at` until the end, a paused hook, or the alarm. */
  private plan(sd: SdRec, index: number, at: number): void {
    let t = at;
    for (let i = index; i < sd.steps.length; i++) {
      const step = sd.steps[i] as Step;
      sd.segments.push({ at: t, stage: step.stage, production: step.production, test: step.test });
      if (step.stage === 'SCALE_UP' && step.durationMs > 0) {
        const from = t;
        this.host.schedule(from, sd.depId, () =>
          this.host.scaleUp(sd.depId, from, from + step.durationMs * 0.8),
        );
      } else if (step.stage === 'SCALE_UP') {
        const from = t;
        this.host.schedule(from, sd.depId, () => this.host.scaleUp(sd.depId, from, from));
      }
      const alarm = sd.scenario.alarm;
      if (alarm && !sd.alarmFired && alarm.stage === step.stage && this.alarmWatched(sd, alarm.name)) {
        const fireAt = t + step.durationMs / 2;
        sd.alarmFired = true;
        this.host.schedule(fireAt, sd.depId, async () => {
          if (sd.final !== undefined || sd.rollbackAt !== undefined) return;
          sd.triggeredAlarms.push(alarm.name);
          const reason = `CloudWatch alarm ${alarm.name} went into ALARM state${alarm.reason ? `: ${alarm.reason}` : ''}`;
          if ((sd.config.alarms as Obj | undefined)?.rollback === true) this.rollBack(sd, fireAt, reason);
          else this.stop(sd, fireAt, reason);
        });
        // What follows the alarm is decided when it fires.
        if ((sd.config.alarms as Obj | undefined)?.rollback === true)
          this.host.planned(
            sd.depId,
            'fail',
            fireAt,
            fireAt + (sd.scenario.rollbackMs ?? 2 * sd.scenario.stageMs),
          );
        return;
      }
      const pause = step.hook ? this.pauseHook(sd, step.hook) : undefined;
      if (pause) {
        const timeoutMinutes = Number(
          (pause.timeoutConfiguration as Obj | undefined)?.timeoutInMinutes ?? 1440,
        );
        const hook: HookRec = {
          hookId: randomUUID(),
          stage: step.hook as HookStage,
          status: 'AWAITING_ACTION',
          expiresAt: t + timeoutMinutes * sd.scenario.minuteMs,
          timeoutAction:
            (pause.timeoutConfiguration as Obj | undefined)?.action === 'CONTINUE' ? 'CONTINUE' : 'ROLLBACK',
          resume: i + 1,
          awaitingSince: t,
        };
        // Shown from the moment the stage starts.
        this.host.schedule(t, sd.depId, async () => {
          sd.hooks.push(hook);
          sd.updatedAt = Math.max(sd.updatedAt, t);
        });
        this.host.schedule(hook.expiresAt, sd.depId, async () => {
          if (hook.status !== 'AWAITING_ACTION' || sd.final !== undefined) return;
          hook.status = 'TIMED_OUT';
          hook.resolvedAt = hook.expiresAt;
          if (hook.timeoutAction === 'ROLLBACK') {
            this.rollBack(
              sd,
              hook.expiresAt,
              `Lifecycle hook ${hook.hookId} (PAUSE at ${hook.stage}) timed out; its timeout action is ROLLBACK`,
            );
          } else {
            this.plan(sd, hook.resume, hook.expiresAt);
          }
        });
        return;
      }
      t += step.durationMs;
    }
    // Clean-up is the last step: the blue tasks stop when it starts; done when it ends.
    this.host.planned(sd.depId, 'complete', t, t);
    const cleanUp = sd.segments.at(-1)?.at ?? t;
    this.host.schedule(cleanUp, sd.depId, () => this.host.succeeded(sd.depId, cleanUp, t));
    this.host.schedule(t, sd.depId, async () => {
      if (sd.final !== undefined) return;
      sd.final = 'SUCCESSFUL';
      sd.finishedAt = t;
      sd.updatedAt = t;
      sd.statusReason = 'Service deployment completed successfully';
    });
  }

  private alarmWatched(sd: SdRec, name: string): boolean {
    const alarms = (sd.config.alarms ?? {}) as Obj;
    return alarms.enable === true && ((alarms.alarmNames ?? []) as string[]).includes(name);
  }

  private pauseHook(sd: SdRec, stage: HookStage): Obj | undefined {
    return ((sd.config.lifecycleHooks ?? []) as Obj[]).find(
      (h) => h.targetType === 'PAUSE' && ((h.lifecycleStages ?? []) as string[]).includes(stage),
    );
  }

  private rollBack(sd: SdRec, at: number, reason: string): void {
    const stage = this.segmentAt(sd, at)?.stage ?? 'PRE_SCALE_UP';
    sd.segments = sd.segments.filter((s) => s.at <= at);
    sd.segments.push({ at, stage, production: 0, test: 0 });
    sd.rollbackAt = at;
    sd.rollbackReason = reason;
    sd.statusReason = `Service deployment rolling back: ${reason}`;
    sd.updatedAt = at;
    const done = at + (sd.scenario.rollbackMs ?? 2 * sd.scenario.stageMs);
    this.host.schedule(at, sd.depId, () => this.host.rolledBack(sd.depId, at, done, reason));
    this.host.schedule(done, sd.depId, async () => {
      sd.final = 'ROLLBACK_SUCCESSFUL';
      sd.finishedAt = done;
      sd.updatedAt = done;
      sd.statusReason = `Service deployment rolled back: ${reason}`;
    });
  }

  private stop(sd: SdRec, at: number, reason: string): void {
    sd.segments = sd.segments.filter((s) => s.at <= at);
    sd.final = 'STOPPED';
    sd.finishedAt = at;
    sd.updatedAt = at;
    sd.statusReason = `Service deployment stopped: ${reason}`;
  }

  private segmentAt(sd: SdRec, now: number) {
    return sd.segments.filter((s) => s.at <= now).at(-1);
  }

  private status(sd: SdRec, now: number): ServiceDeploymentStatus {
    if (sd.final !== undefined && (sd.finishedAt ?? 0) <= now) return sd.final;
    if (sd.rollbackAt !== undefined && sd.rollbackAt <= now) return 'ROLLBACK_IN_PROGRESS';
    return sd.createdAt <= now ? 'IN_PROGRESS' : 'PENDING';
  }

  // ------------------------------------------------------------------------------------------ API

  list(params: Obj, service: { arn: string } | undefined, now: number): Obj {
    if (!service) throw clientError('ServiceNotFoundException', 'Service not found.');
    const statuses = Array.isArray(params.status) ? (params.status as string[]) : undefined;
    const created = (params.createdAt ?? {}) as { after?: number; before?: number };
    const after = typeof created.after === 'number' ? created.after * 1000 : undefined;
    const before = typeof created.before === 'number' ? created.before * 1000 : undefined;
    const matching = [...this.deployments.values()]
      .filter((sd) => sd.serviceArn === service.arn && sd.createdAt <= now)
      .filter((sd) => !statuses || statuses.includes(this.status(sd, now)))
      .filter(
        (sd) =>
          (after === undefined || sd.createdAt >= after) && (before === undefined || sd.createdAt <= before),
      )
      .sort((a, b) => b.createdAt - a.createdAt);
    const offset = typeof params.nextToken === 'string' ? Number(params.nextToken) || 0 : 0;
    const max = typeof params.maxResults === 'number' ? params.maxResults : 20;
    const page = matching.slice(offset, offset + max);
    return {
      serviceDeployments: page.map((sd) => ({
        serviceDeploymentArn: sd.arn,
        serviceArn: sd.serviceArn,
        clusterArn: sd.clusterArn,
        createdAt: epoch(sd.createdAt),
        startedAt: epoch(sd.createdAt),
        ...(sd.finishedAt !== undefined && sd.finishedAt <= now ? { finishedAt: epoch(sd.finishedAt) } : {}),
        targetServiceRevisionArn: sd.target.revisionArn,
        status: this.status(sd, now),
        ...(sd.statusReason && this.status(sd, now) !== 'IN_PROGRESS'
          ? { statusReason: sd.statusReason }
          : {}),
      })),
      ...(offset + max < matching.length ? { nextToken: String(offset + max) } : {}),
    };
  }

  describe(params: Obj, now: number): Obj {
    const arns = Array.isArray(params.serviceDeploymentArns)
      ? (params.serviceDeploymentArns as string[])
      : [];
    if (arns.length === 0 || arns.length > 20)
      throw clientError('InvalidParameterException', 'serviceDeploymentArns must list 1 to 20 ARNs.');
    const found: Obj[] = [];
    const failures: Obj[] = [];
    for (const arn of arns) {
      const sd = this.deployments.get(arn);
      if (!sd || sd.createdAt > now) failures.push({ arn, reason: 'MISSING' });
      else found.push(this.render(sd, now));
    }
    return { serviceDeployments: found, failures };
  }

  continue(params: Obj, now: number): Obj {
    const arn = String(params.serviceDeploymentArn ?? '');
    const sd = this.deployments.get(arn);
    if (!sd)
      throw clientError(
        'ServiceDeploymentNotFoundException',
        `The service deployment ${arn} does not exist.`,
      );
    const status = this.status(sd, now);
    if (status !== 'IN_PROGRESS')
      throw clientError(
        'InvalidParameterException',
        `The service deployment is ${status}; only an IN_PROGRESS service deployment paused at a lifecycle hook can be continued.`,
      );
    const hook = sd.hooks.find((h) => h.hookId === params.hookId);
    if (hook?.status !== 'AWAITING_ACTION')
      throw clientError(
        'InvalidParameterException',
        `Lifecycle hook ${String(params.hookId)} is not awaiting action on this service deployment.`,
      );
    const action = params.action === undefined ? 'CONTINUE' : String(params.action);
    if (action !== 'CONTINUE' && action !== 'ROLLBACK')
      throw clientError('InvalidParameterException', 'action must be CONTINUE or ROLLBACK.');
    sd.updatedAt = now;
    hook.resolvedAt = now;
    if (action === 'CONTINUE') {
      hook.status = 'SUCCEEDED';
      this.plan(sd, hook.resume, now);
    } else {
      hook.status = 'FAILED';
      this.rollBack(
        sd,
        now,
        `ContinueServiceDeployment asked to roll back at lifecycle hook ${hook.hookId} (${hook.stage})`,
      );
    }
    return { serviceDeploymentArn: sd.arn };
  }

  private render(sd: SdRec, now: number): Obj {
    const status = this.status(sd, now);
    const segment = this.segmentAt(sd, now);
    const production = segment?.production ?? 0;
    const test = segment?.test ?? 0;
    const alarms = (sd.config.alarms ?? {}) as Obj;
    const breaker = (sd.config.deploymentCircuitBreaker ?? {}) as Obj;
    const out: Obj = {
      serviceDeploymentArn: sd.arn,
      serviceArn: sd.serviceArn,
      clusterArn: sd.clusterArn,
      createdAt: epoch(sd.createdAt),
      startedAt: epoch(sd.createdAt),
      updatedAt: epoch(Math.max(sd.updatedAt, segment?.at ?? sd.createdAt)),
      sourceServiceRevisions: sd.source
        ? [
            {
              arn: sd.source.revisionArn,
              requestedTaskCount: sd.source.count,
              runningTaskCount: sd.source.count,
              pendingTaskCount: 0,
              requestedTestTrafficWeight: 100 - test,
              requestedProductionTrafficWeight: 100 - production,
            },
          ]
        : [],
      targetServiceRevision: {
        arn: sd.target.revisionArn,
        requestedTaskCount: sd.target.count,
        runningTaskCount: status === 'ROLLBACK_SUCCESSFUL' ? 0 : sd.target.count,
        pendingTaskCount: 0,
        requestedTestTrafficWeight: test,
        requestedProductionTrafficWeight: production,
      },
      status,
      lifecycleStage: segment?.stage ?? 'PRE_SCALE_UP',
      lifecycleHookDetails: sd.hooks.map((h) => ({
        hookId: h.hookId,
        targetType: 'PAUSE',
        status: h.status,
        expiresAt: epoch(h.expiresAt),
        timeoutAction: h.timeoutAction,
      })),
      deploymentConfiguration: sd.config,
      deploymentCircuitBreaker: {
        status: breaker.enable === true ? 'MONITORING' : 'DISABLED',
        failureCount: 0,
        threshold: 3,
      },
      alarms: {
        status:
          alarms.enable !== true
            ? 'DISABLED'
            : sd.triggeredAlarms.length
              ? 'TRIGGERED'
              : status === 'SUCCESSFUL'
                ? 'MONITORING_COMPLETE'
                : 'MONITORING',
        alarmNames: (alarms.alarmNames ?? []) as string[],
        triggeredAlarmNames: [...sd.triggeredAlarms],
      },
    };
    if (status !== 'IN_PROGRESS' && status !== 'PENDING' && sd.statusReason)
      out.statusReason = sd.statusReason;
    if (sd.finishedAt !== undefined && sd.finishedAt <= now) out.finishedAt = epoch(sd.finishedAt);
    if (status === 'STOPPED' && sd.finishedAt !== undefined) out.stoppedAt = epoch(sd.finishedAt);
    if (sd.rollbackAt !== undefined && sd.rollbackAt <= now)
      out.rollback = {
        reason: sd.rollbackReason,
        startedAt: epoch(sd.rollbackAt),
        serviceRevisionArn: sd.source?.revisionArn,
      };
    return out;
  }

  /** For tests: the service's deployments, oldest first, with what they showed so far. */
  records(serviceArn: string, now: number): ServiceDeploymentRecord[] {
    return [...this.deployments.values()]
      .filter((sd) => sd.serviceArn === serviceArn)
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((sd) => ({
        arn: sd.arn,
        service: sd.serviceName,
        taskDefinition: sd.target.taskDefinition,
        strategy: sd.strategy,
        status: this.status(sd, now),
        statusReason: sd.statusReason,
        lifecycleStage: this.segmentAt(sd, now)?.stage,
        history: sd.segments.filter((s) => s.at <= now),
        rollbackReason: sd.rollbackReason,
        finishedAt: sd.finishedAt !== undefined && sd.finishedAt <= now ? sd.finishedAt : undefined,
        hooks: sd.hooks.map((h) => ({
          hookId: h.hookId,
          stage: h.stage,
          status: h.status,
          awaitingSince: h.awaitingSince,
          resolvedAt: h.resolvedAt,
        })),
      }));
  }

  /** Where the listener rules send traffic now: weight per task definition. */
  traffic(
    serviceArn: string,
    now: number,
  ): { production: Record<string, number>; test: Record<string, number> } | undefined {
    const sd = [...this.deployments.values()]
      .filter((d) => d.serviceArn === serviceArn && d.createdAt <= now)
      .sort((a, b) => b.createdAt - a.createdAt)[0];
    if (!sd) return undefined;
    const segment = this.segmentAt(sd, now);
    const done = this.status(sd, now);
    const production = done === 'ROLLBACK_SUCCESSFUL' || done === 'STOPPED' ? 0 : (segment?.production ?? 0);
    const test = done === 'ROLLBACK_SUCCESSFUL' || done === 'STOPPED' ? 0 : (segment?.test ?? 0);
    const weights = (target: number) => {
      const out: Record<string, number> = {};
      if (target > 0) out[sd.target.taskDefinition] = target;
      if (target < 100 && sd.source) out[sd.source.taskDefinition] = 100 - target;
      return out;
    };
    return { production: weights(production), test: weights(test) };
  }
}
