// Following a BLUE_GREEN, CANARY or LINEAR rollout through its ECS service deployment
// (ListServiceDeployments / DescribeServiceDeployments): each lifecycle stage as it starts and ends, the
// traffic the new revision gets, the final state and why; and the test-traffic gate: when the deployment
// pauses at a PAUSE hook after test traffic has shifted, smoke-test the new revision through the test
// listener and ContinueServiceDeployment with CONTINUE or ROLLBACK.
import {
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  ListServiceDeploymentsCommand,
  type Service,
  type ServiceDeployment,
} from '@aws-sdk/client-ecs';
import { log } from '../core.js';
import { aws, messageOf } from '../errors.js';
import { execShell } from '../exec.js';
import { formatDuration } from '../inputs.js';
import { pollIntervals, sleep, throwIfAborted } from '../poll.js';
import { type SmokeResult, smokeTest } from '../smoke.js';
import { ecsClient } from './clients.js';
import type { GateResult, ServiceDeploymentReport, TestGate, WaitUntil } from './types.js';

export type NativeStrategy = 'BLUE_GREEN' | 'CANARY' | 'LINEAR';

/** A strategy name as a traffic-shifting strategy, or undefined for ROLLING (or none). */
export function nativeStrategy(strategy: string | undefined): NativeStrategy | undefined {
  return strategy === 'BLUE_GREEN' || strategy === 'CANARY' || strategy === 'LINEAR' ? strategy : undefined;
}

/** The service's traffic-shifting strategy, or undefined for ROLLING (or no strategy set). */
export function nativeStrategyOf(service: Service): NativeStrategy | undefined {
  return nativeStrategy(service.deploymentConfiguration?.strategy);
}

/** Final states of a service deployment (the API reference's ServiceDeploymentStatus). */
const FINAL = new Set(['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED']);
/** The stages once production traffic is all on the new revision. */
const AFTER_PRODUCTION_SHIFT = new Set(['BAKE_TIME', 'CLEAN_UP']);
/** The stage the test gate acts at. */
export const GATE_STAGE = 'POST_TEST_TRAFFIC_SHIFT';

export interface FollowOptions {
  region: string;
  cluster: string;
  service: string;
  strategy: NativeStrategy;
  /** The update that started the deployment was made at this time (epoch ms). */
  since: number;
  waitUntil: Exclude<WaitUntil, 'none'>;
  deadline: number;
  signal?: AbortSignal;
  gate?: TestGate;
  /**
   * Aborted when what carried the deployment is over (the CloudFormation update that started it ended):
   * one last look, then the report as it stands (`exitedAt: 'stack'` unless the deployment was final).
   */
  until?: AbortSignal;
  /** Progress lines; default the action log. */
  emit?: (line: string) => void;
}

function sentence(text: string): string {
  return text.trim().replace(/\.+$/, '');
}

async function findDeployment(o: FollowOptions): Promise<string | undefined> {
  const response = await aws(
    'ECS ListServiceDeployments',
    () =>
      ecsClient(o.region).send(
        new ListServiceDeploymentsCommand({
          cluster: o.cluster,
          service: o.service,
          // A second of slack for clocks: the deployment is created by the update, after `since`.
          createdAt: { after: new Date(o.since - 1000) },
        }),
      ),
    'Check the deploy role may call ecs:ListServiceDeployments on this service.',
  );
  const newest = [...(response.serviceDeployments ?? [])].sort(
    (a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0),
  )[0];
  return newest?.serviceDeploymentArn;
}

async function describeDeployment(o: FollowOptions, arn: string): Promise<ServiceDeployment | undefined> {
  const response = await aws(
    'ECS DescribeServiceDeployments',
    () => ecsClient(o.region).send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] })),
    'Check the deploy role may call ecs:DescribeServiceDeployments on this service deployment.',
  );
  return response.serviceDeployments?.[0];
}

/** Why the deployment ended as it did, in words: the rollback's reason, the alarms, a timed-out hook. */
export function deploymentOutcomeReason(sd: ServiceDeployment, gate?: GateResult): string {
  const parts: string[] = [];
  if (gate && !gate.passed) parts.push(`the test gate failed (${gate.message})`);
  const stated = sd.rollback?.reason ?? sd.statusReason;
  // Alarms ECS's own reason does not already name.
  const triggered = (sd.alarms?.triggeredAlarmNames ?? []).filter((name) => !stated?.includes(name));
  if (triggered.length)
    parts.push(
      `CloudWatch alarm${triggered.length === 1 ? '' : 's'} ${triggered.join(', ')} went into ALARM`,
    );
  const timedOut = (sd.lifecycleHookDetails ?? []).filter((h) => h.status === 'TIMED_OUT');
  for (const hook of timedOut)
    parts.push(
      `lifecycle hook ${hook.hookId} timed out${hook.timeoutAction ? ` (timeout action ${hook.timeoutAction})` : ''}`,
    );
  if (
    (sd.deploymentCircuitBreaker?.failureCount ?? 0) > 0 &&
    sd.deploymentCircuitBreaker?.status === 'TRIGGERED'
  )
    parts.push(`the deployment circuit breaker saw ${sd.deploymentCircuitBreaker.failureCount} failed tasks`);
  if (stated) parts.push(`ECS: ${sentence(stated)}`);
  return parts.join('; ') || 'no reason given';
}

/**
 * Follows the service deployment the update started until it ends (or, with `production-traffic`, until all
 * production traffic is on the new revision and the bake has started), running the test gate at the pause.
 */
export async function followServiceDeployment(o: FollowOptions): Promise<ServiceDeploymentReport> {
  const emit = o.emit ?? ((line: string) => log.info(line));
  const report: ServiceDeploymentReport = {
    strategy: o.strategy,
    stages: [],
    traffic: [],
    triggeredAlarms: [],
  };
  const intervals = pollIntervals();
  let interval = intervals.initial;
  const handledHooks = new Set<string>();
  const notedHooks = new Set<string>();
  let lastTraffic = '';
  for (;;) {
    throwIfAborted(o.signal);
    const lastLook = o.until?.aborted === true;
    let changed = false;
    if (!report.arn) {
      report.arn = await findDeployment(o);
      if (report.arn) {
        emit(`Service deployment ${report.arn} (${o.strategy})`);
        changed = true;
      }
    }
    const sd = report.arn ? await describeDeployment(o, report.arn) : undefined;
    if (sd) {
      const now = Date.now();
      report.status = sd.status;
      report.statusReason = sd.statusReason;
      report.triggeredAlarms = sd.alarms?.triggeredAlarmNames ?? [];
      const stage = sd.lifecycleStage;
      const current = report.stages.at(-1);
      if (stage && stage !== current?.stage) {
        if (current) {
          current.endedAt = now;
          emit(`Stage ${current.stage} ended after ${formatDuration(now - current.startedAt)}`);
        }
        report.stages.push({ stage, startedAt: now });
        emit(`Stage ${stage} started`);
        changed = true;
      }
      const target = sd.targetServiceRevision;
      const production = target?.requestedProductionTrafficWeight ?? 0;
      const test = target?.requestedTestTrafficWeight ?? 0;
      const traffic = `${production}/${test}`;
      if (traffic !== lastTraffic) {
        lastTraffic = traffic;
        report.traffic.push({ at: now, production, test });
        emit(`Traffic on the new revision: production ${production}%, test ${test}%`);
        changed = true;
      }
      if (sd.rollback?.reason && !report.rollbackReason) {
        report.rollbackReason = sd.rollback.reason;
        emit(`ECS is rolling back: ${sentence(sd.rollback.reason)}`);
        changed = true;
      }
      if (sd.status && FINAL.has(sd.status)) {
        const last = report.stages.at(-1);
        if (last && last.endedAt === undefined) last.endedAt = now;
        report.exitedAt = 'final';
        report.reason = sd.status === 'SUCCESSFUL' ? undefined : deploymentOutcomeReason(sd, report.gate);
        emit(
          `Service deployment ${sd.status}${report.reason ? `: ${report.reason}` : ''} (${formatDuration(now - o.since)} after the update)`,
        );
        return report;
      }
      const paused = (sd.lifecycleHookDetails ?? []).find(
        (h) => h.targetType === 'PAUSE' && h.status === 'AWAITING_ACTION' && h.hookId,
      );
      if (paused?.hookId && sd.status === 'IN_PROGRESS') {
        const expires = paused.expiresAt ? ` until ${paused.expiresAt.toISOString()}` : '';
        if (o.gate && stage === GATE_STAGE && !handledHooks.has(paused.hookId)) {
          handledHooks.add(paused.hookId);
          emit(`Paused at ${stage} (hook ${paused.hookId}${expires}): running the test gate`);
          report.gate = await runGate(
            o,
            sd.serviceDeploymentArn ?? report.arn ?? '',
            paused.hookId,
            paused.expiresAt,
            emit,
          );
          changed = true;
        } else if (!notedHooks.has(paused.hookId) && !handledHooks.has(paused.hookId)) {
          notedHooks.add(paused.hookId);
          emit(
            `Paused at ${stage} (hook ${paused.hookId}) awaiting action${expires}; then ECS will ${paused.timeoutAction ?? 'ROLLBACK'}. ${o.gate ? `The test gate acts only at ${GATE_STAGE}` : 'No test-url given, so deploy-ecs does not act on it'}.`,
          );
        }
      }
      if (
        o.waitUntil === 'production-traffic' &&
        sd.status === 'IN_PROGRESS' &&
        production >= 100 &&
        stage &&
        AFTER_PRODUCTION_SHIFT.has(stage)
      ) {
        report.exitedAt = 'production-traffic';
        emit(
          `All production traffic is on the new revision and ${stage} has started: not waiting for the rest (wait-until: production-traffic). Alarms can still roll the deployment back.`,
        );
        return report;
      }
    }
    if (lastLook) {
      report.exitedAt = 'stack';
      return report;
    }
    const remaining = o.deadline - Date.now();
    if (remaining <= 0) {
      report.exitedAt = 'timeout';
      return report;
    }
    const pause = Math.min(changed ? intervals.initial : interval, remaining);
    if (!o.until) await sleep(pause, o.signal);
    else {
      // Woken early by `until` for the last look; a cancelled run still throws.
      await sleep(pause, AbortSignal.any([o.until, ...(o.signal ? [o.signal] : [])])).catch(() => {
        throwIfAborted(o.signal);
      });
    }
    interval = changed ? intervals.initial : Math.min(Math.round(interval * 1.5), intervals.max);
  }
}

/** Smoke-tests the new revision through the test listener, then continues or rolls back the deployment. */
async function runGate(
  o: FollowOptions,
  arn: string,
  hookId: string,
  expiresAt: Date | undefined,
  emit: (line: string) => void,
): Promise<GateResult> {
  const gate = o.gate as TestGate;
  const started = Date.now();
  // Decide before the hook expires (its timeout action would decide otherwise), and within the deploy.
  const left = expiresAt ? expiresAt.getTime() - Date.now() : Number.POSITIVE_INFINITY;
  const untilExpiry = left - Math.min(5000, left / 4);
  const timeoutMs = Math.max(
    1000,
    Math.min(gate.timeoutMs ?? 5 * 60_000, o.deadline - Date.now(), untilExpiry),
  );
  let headers: Record<string, string> | undefined;
  let headersError: string | undefined;
  try {
    headers = typeof gate.headers === 'function' ? await gate.headers() : gate.headers;
  } catch (error) {
    headersError = `could not read the test-traffic header: ${messageOf(error)}`;
  }
  const smoke: SmokeResult = headersError
    ? { url: gate.url, passed: false, message: headersError, attempts: 0, durationMs: 0 }
    : await smokeTest({
        url: gate.url,
        expectVersion: gate.expectVersion,
        headers,
        timeoutMs,
        signal: o.signal,
        onProgress: (line) => emit(`Test gate: ${line}`),
      });
  const result: GateResult = {
    hookId,
    url: smoke.url,
    smoke,
    passed: smoke.passed,
    action: 'ROLLBACK',
    message: smoke.message,
    durationMs: 0,
  };
  if (smoke.passed && gate.command) {
    emit(`Test gate: running ${gate.command}`);
    const run = await execShell(gate.command, {
      env: {
        ...process.env,
        TEST_URL: gate.url,
        ...(headers
          ? {
              TEST_HEADERS: Object.entries(headers)
                .map(([k, v]) => `${k}: ${v}`)
                .join('\n'),
            }
          : {}),
      },
      signal: o.signal,
      timeoutMs: Math.max(1000, Math.min(o.deadline, started + untilExpiry) - Date.now()),
      captureLimit: 4000,
    });
    result.command = { command: gate.command, exitCode: run.status, durationMs: run.durationMs };
    if (run.status !== 0) {
      result.passed = false;
      result.message = `smoke-command \`${gate.command}\` ${run.timedOut ? 'timed out' : `exited ${run.status}`}`;
    }
  }
  result.action = result.passed ? 'CONTINUE' : 'ROLLBACK';
  try {
    await aws(
      'ECS ContinueServiceDeployment',
      () =>
        ecsClient(o.region).send(
          new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId, action: result.action }),
        ),
      'Check the deploy role may call ecs:ContinueServiceDeployment on this service deployment, and that the hook had not expired.',
    );
    emit(
      `Test gate ${result.passed ? 'passed' : 'failed'} (${result.message}): ContinueServiceDeployment ${result.action}`,
    );
  } catch (error) {
    result.continueError = messageOf(error);
    emit(`Test gate ${result.passed ? 'passed' : 'failed'}, but ${result.continueError}`);
  }
  result.durationMs = Date.now() - started;
  return result;
}

/**
 * Runs `work` (a CloudFormation update that may start a service deployment of the service) while following
 * the deployment it starts, as on the direct path: stages, traffic, the test gate at the pause (CloudFormation
 * waits for the deployment, so without the gate it would wait for the hook's timeout). Without `follow`
 * (a ROLLING service) only `work` runs. The report is given only when a deployment was found.
 */
export async function followWhile<T>(
  follow: Omit<FollowOptions, 'since' | 'until' | 'waitUntil'> | undefined,
  work: () => Promise<T>,
): Promise<{ outcome: PromiseSettledResult<T>; report?: ServiceDeploymentReport; followError?: unknown }> {
  const ended = new AbortController();
  let followError: unknown;
  const following = follow
    ? followServiceDeployment({
        ...follow,
        since: Date.now(),
        waitUntil: 'deployed',
        until: ended.signal,
      }).catch((error: unknown) => {
        followError = error;
        return undefined;
      })
    : Promise.resolve(undefined);
  const [outcome] = await Promise.allSettled([work()]);
  ended.abort();
  const report = await following;
  return {
    outcome: outcome as PromiseSettledResult<T>,
    report: report?.arn ? report : undefined,
    followError,
  };
}
