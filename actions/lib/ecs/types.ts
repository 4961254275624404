// Types shared by the ECS library modules and the summary. No SDK imports: safe to load at any time.
import type { SmokeResult } from '../smoke.js';
import type { TaskDefinitionInput } from './task-definition.js';

export type DeployStatus = 'deployed' | 'unchanged' | 'failed' | 'rolled-back';

/** One point of the rollout's timeline, recorded whenever the deployment's state or counts change. */
export interface RolloutSnapshot {
  /** Epoch ms when it was seen. */
  at: number;
  deploymentId?: string;
  rolloutState: string;
  desired: number;
  pending: number;
  running: number;
  failed: number;
  /** What happened, e.g. "rollout started", "1 task failed", "rolled back to web:3". */
  note?: string;
}

export interface ServiceEventLine {
  id: string;
  /** Epoch ms. */
  at: number;
  message: string;
}

export interface ContainerExit {
  name: string;
  exitCode?: number;
  reason?: string;
  lastStatus?: string;
}

/** Why a task stopped, with the last lines its container(s) logged. */
export interface StoppedTask {
  taskArn: string;
  taskId: string;
  taskDefinitionArn?: string;
  startedBy?: string;
  stoppedReason?: string;
  stopCode?: string;
  /** Epoch ms. */
  stoppedAt?: number;
  containers: ContainerExit[];
  logs: ContainerLogTail[];
}

export interface ContainerLogTail {
  container: string;
  /** `group` / `stream`, for the reader to look further. */
  logGroup?: string;
  logStream?: string;
  lines: string[];
  /** Why there are no lines (no awslogs configuration, no stream yet, access denied…). */
  unavailable?: string;
}

export interface MigrationResult {
  command: string[];
  taskArn?: string;
  taskDefinitionArn: string;
  /** True when the revision was registered only to run the migration (stack-managed services). */
  migrationOnlyRevision: boolean;
  exitCode?: number;
  stoppedReason?: string;
  stopCode?: string;
  durationMs: number;
  succeeded: boolean;
  logs?: ContainerLogTail;
}

/**
 * How long to wait: through bake time and clean-up (`deployed`), until all production traffic is on the
 * new revision and the bake has started (`production-traffic`), or not at all (`none`).
 */
export type WaitUntil = 'deployed' | 'production-traffic' | 'none';

/** The test-traffic gate: what to check through the test listener before production gets traffic. */
export interface TestGate {
  /** Polled until 2xx (and containing expectVersion), with `headers`. */
  url: string;
  /**
   * Sent with every request: e.g. the secret header the test listener rule matches. A function is called
   * once the deployment pauses (a secret the same stack update creates exists by then); its failure fails the
   * gate, so the deployment rolls back.
   */
  headers?: Record<string, string> | (() => Promise<Record<string, string>>);
  expectVersion?: string;
  /** The user's own tests, run through a shell after the URL passed; TEST_URL (and TEST_HEADERS) set. */
  command?: string;
  timeoutMs?: number;
}

export interface GateResult {
  hookId: string;
  /** As shown (no query string). */
  url: string;
  smoke: SmokeResult;
  command?: { command: string; exitCode: number; durationMs: number };
  passed: boolean;
  /** What the action told ECS. */
  action: 'CONTINUE' | 'ROLLBACK';
  message: string;
  durationMs: number;
  /** ContinueServiceDeployment failed (e.g. the hook had expired). */
  continueError?: string;
}

/** A native-strategy rollout as its service deployment reported it. */
export interface ServiceDeploymentReport {
  arn?: string;
  strategy: string;
  /** The last status seen (SUCCESSFUL, ROLLBACK_SUCCESSFUL, IN_PROGRESS…). */
  status?: string;
  statusReason?: string;
  /** Each lifecycle stage, when it was first and last seen (epoch ms). */
  stages: Array<{ stage: string; startedAt: number; endedAt?: number }>;
  /** The new revision's traffic weights, each time they changed. */
  traffic: Array<{ at: number; production: number; test: number }>;
  rollbackReason?: string;
  triggeredAlarms: string[];
  gate?: GateResult;
  /**
   * Why the action stopped following: the final state, wait-until production-traffic, the timeout, or the
   * end of the stack update that carried the deployment (stack path).
   */
  exitedAt?: 'final' | 'production-traffic' | 'timeout' | 'stack';
  /** Why it did not succeed, in words. */
  reason?: string;
}

export interface StackRollout {
  name: string;
  /** deployStack's status, or the final status of a failed update. */
  status: string;
  rootCause?: string;
}

export interface DeployServiceOptions {
  region: string;
  cluster: string;
  service: string;
  /** The image to run, ideally by digest. */
  image: string;
  /** Default: the task definition's only essential container. */
  containerName?: string;
  /** A task definition to start from instead of the service's current one (direct path only). */
  template?: TaskDefinitionInput;
  /** Where the template came from, for messages. */
  templatePath?: string;
  /** Variables set on the container (direct path only). */
  environment?: ReadonlyArray<readonly [string, string]>;
  /** The stack that owns the service; default: the service's `aws:cloudformation:stack-name` tag. */
  stack?: string;
  /**
   * Stack path only: more parameters of the owning stack to set in the same update as ImageUri (e.g.
   * AppVersion); every other parameter keeps its previous value.
   */
  stackParameters?: Record<string, string>;
  /** Run this command in a one-off task with the new task definition before rolling out. */
  migrateCommand?: string[];
  /** Wait for the rollout to finish (default true). A stack update always waits. */
  wait?: boolean;
  /** BLUE_GREEN, CANARY, LINEAR: how long to wait (default `deployed`; `none` is `wait: false`). */
  waitUntil?: WaitUntil;
  /** BLUE_GREEN, CANARY, LINEAR: smoke-test the new revision through the test listener at the pause. */
  testGate?: TestGate;
  /**
   * Direct path: when the rollout fails or times out and ECS does not roll it back (no circuit breaker
   * rollback), put the service back on its previous task definition and wait for that (default true).
   */
  rollback?: boolean;
  /** The whole deploy (migration and rollout) must finish within this. */
  timeoutMs: number;
  /** After the rollout, poll this URL until it answers 2xx (and contains `expectVersion`). */
  smoke?: { url: string; expectVersion?: string; timeoutMs?: number };
  signal?: AbortSignal;
  /** Log prefix / action name used in messages. Default "deploy-ecs". */
  action?: string;
  /** Warnings found while reading the inputs, repeated in the summary. */
  warnings?: string[];
}

export interface DeployServiceResult {
  status: DeployStatus;
  region: string;
  cluster: string;
  service: string;
  image: string;
  containerName: string;
  /** How the rollout was made: a new revision + UpdateService, or the owning stack's ImageUri. */
  path: 'direct' | 'stack';
  stack?: StackRollout;
  previousTaskDefinitionArn: string;
  /** The revision rolled out (the current one when unchanged). */
  taskDefinitionArn?: string;
  /** The revision the service runs after a rollback. */
  rolledBackTo?: string;
  deploymentId?: string;
  /** False when the caller asked not to wait: the rollout was started, not watched. */
  waited: boolean;
  startedAt: number;
  finishedAt: number;
  /** Final rollout state seen (COMPLETED, FAILED, IN_PROGRESS…). */
  rolloutState?: string;
  /** The service's deployment strategy (ROLLING when it sets none). */
  strategy?: string;
  /** BLUE_GREEN, CANARY, LINEAR: the service deployment followed. */
  serviceDeployment?: ServiceDeploymentReport;
  timeline: RolloutSnapshot[];
  events: ServiceEventLine[];
  stoppedTasks: StoppedTask[];
  migration?: MigrationResult;
  smoke?: SmokeResult;
  /** Names of the environment variables set (values are never reported). */
  environmentKeys: string[];
  /** One-line cause when the deploy failed. */
  failure?: string;
  /** What the deploy changed in the task definition (dotted paths), when a revision was registered. */
  changes: string[];
  warnings: string[];
}
