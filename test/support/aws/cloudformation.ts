// CloudFormation scenarios. Moto validates templates and applies stack operations synchronously; this layer
// makes every operation take time (DescribeStacks shows *_IN_PROGRESS, DescribeStackEvents gains resource
// events as they happen), makes chosen operations fail and roll back as AWS does (a failing update is never
// applied in moto), answers what moto lacks or gets wrong (empty change sets, change set details, the
// DescribeEvents API, CancelUpdateStack, UpdateTerminationProtection, OperationId) and records when each
// operation reached its terminal state. Templates reach moto compiled for their parameter values (see
// compile.ts); GetTemplate answers the template as sent. Deletions AWS refuses (an export in use, a protected
// DB instance) fail here too; a test may route a stack's load balancers to a local server.
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { compileTemplate } from './compile.js';
import type { EcsEngine } from './ecs.js';
import type { IncomingCall } from './server.js';
import {
  diffStack,
  parseTemplate,
  type ResourceChange,
  references,
  resolveParameters,
  type Template,
  TemplateRefusal,
} from './template.js';
import {
  AwsError,
  fromQueryShape,
  type LayerResponse,
  type MotoClient,
  parseXml,
  queryError,
  queryList,
  queryResponse,
} from './wire.js';

export interface OperationScenario {
  /** Stack name. */
  stack: string;
  /** From the call to the terminal status (default 300 ms). */
  durationMs?: number;
  /** This resource fails with this reason; the stack rolls back. */
  fail?: { logicalId: string; reason: string };
}

export interface CfnOperationRecord {
  stack: string;
  stackId: string;
  operationId: string;
  /** The automatic rollback that followed a failure (its own operation, as on AWS). */
  rollbackOperationId?: string;
  type: 'CREATE_STACK' | 'UPDATE_STACK' | 'DELETE_STACK';
  changeSetId?: string;
  /** Epoch ms. */
  startedAt: number;
  /** Epoch ms of the terminal status; undefined while in progress. */
  terminalAt?: number;
  /** The status the operation ends in (CREATE_COMPLETE, ROLLBACK_COMPLETE, UPDATE_ROLLBACK_COMPLETE, ...). */
  finalStatus: string;
  /** The stack's status now, as far as this operation goes. */
  status: string;
  fail?: { logicalId: string; reason: string };
}

export interface CfnScenarios {
  /** The next CreateStack / UpdateStack / ExecuteChangeSet / DeleteStack on that stack follows this (queued). */
  nextOperation(scenario: OperationScenario): void;
  /** Operations the layer ran on that stack (name), oldest first. */
  operations(stack: string): CfnOperationRecord[];
  /**
   * Test facility: the load balancers of `stack` are served by a local HTTP server at `url`
   * (http://127.0.0.1:PORT): the stack's outputs name its host and port wherever they name a load
   * balancer's DNS name, so a ServiceUrl output leads a smoke test there.
   */
  routeLoadBalancer(route: { stack: string; url: string }): void;
}

type Obj = Record<string, unknown>;
type Forward = (body?: Buffer) => Promise<LayerResponse>;

const DEFAULT_DURATION_MS = 300;
/** A change set is CREATE_IN_PROGRESS this long before CREATE_COMPLETE (or FAILED), as AWS computes it. */
const CHANGE_SET_CREATION_MS = 150;
const EMPTY_CHANGE_SET_REASON =
  "The submitted information didn't contain changes. Submit different information to create a change set.";
const STACK_TYPE = 'AWS::CloudFormation::Stack';
const ACCOUNT_ID = '123456789012';
const LOAD_BALANCER_TYPE = 'AWS::ElasticLoadBalancingV2::LoadBalancer';

interface StackEvent {
  EventId: string;
  StackId: string;
  StackName: string;
  LogicalResourceId: string;
  PhysicalResourceId: string;
  ResourceType: string;
  ResourceStatus: string;
  ResourceStatusReason?: string;
  OperationId: string;
  at: number;
  seq: number;
}

interface Step {
  logicalId: string;
  type: string;
  action: 'Add' | 'Modify' | 'Remove';
  physicalId: string;
  oldPhysicalId?: string;
  replacement: boolean;
}

interface Op {
  operationId: string;
  rollbackOperationId?: string;
  type: CfnOperationRecord['type'];
  stackName: string;
  stackId: string;
  changeSetId?: string;
  startedAt: number;
  terminalAt: number;
  finalStatus: string;
  failedAt?: number;
  fail?: { logicalId: string; reason: string };
  events: StackEvent[];
  /** For DescribeStacks while moto no longer (delete) or not yet (failed create) has the stack. */
  snapshot?: Obj;
  parameters?: Array<{ ParameterKey: string; ParameterValue: string }>;
  /** Undoes a forwarded update (CancelUpdateStack). */
  revert?: { template: StoredTemplate; parameters: Record<string, string> };
  forwarded: boolean;
  steps: Step[];
  /** A forwarded update that failed later (ECS circuit breaker): moto is put back at this time. */
  revertAt?: number;
  reverted?: boolean;
  /** ECS services whose deployment this operation waited for. */
  services: string[];
  previousOutputs?: unknown;
  /** The planned duration (before any wait for an ECS deployment). */
  durationMs: number;
  /**
   * Waiting for an ECS service deployment whose end is not decided yet (paused at a lifecycle hook until
   * ContinueServiceDeployment or the hook's timeout): re-planned once ECS decides (tick()).
   */
  awaiting?: Coupling;
}

/** A stack's template as the user sent it, and the compiled copy moto got (see compile.ts). */
interface StoredTemplate {
  original: string;
  compiled: string;
  /** Export names it imports. */
  imports: string[];
}

interface Coupling {
  /** logicalId → time the resource's ECS deployment ends (CloudFormation waits for a steady service). */
  waits: Map<string, number>;
  /** settledAt: when the service is steady again (the circuit breaker's rollback completed). */
  fail?: { logicalId: string; reason: string; settledAt: number };
  services: string[];
  /** What was coupled, to look again once an undecided deployment ends. */
  resources: Array<{ logicalId: string; type: string; physicalId: string }>;
  since: number;
}

interface KnownChangeSet {
  id: string;
  name: string;
  stackId: string;
  stackName: string;
  type: 'CREATE' | 'UPDATE';
  createdAt: number;
  changes: ResourceChange[];
  /** Layer-owned change sets (moto never saw them): the FAILED empty ones. */
  local?: { parameters: Array<{ ParameterKey: string; ParameterValue: string }>; description?: string };
  executedBy?: string;
}

export class CloudFormationEngine implements CfnScenarios {
  private queue: OperationScenario[] = [];
  private ops = new Map<string, Op[]>();
  private changeSets = new Map<string, KnownChangeSet>();
  private protection = new Map<string, boolean>();
  private seq = 0;
  /** stackId → the template its last applied operation used. */
  private templates = new Map<string, StoredTemplate>();
  /** change set id → the template it applies. */
  private pendingTemplates = new Map<string, StoredTemplate>();
  /** stack name → the local URL that stands in for its load balancers (test facility). */
  private loadBalancerRoutes = new Map<string, URL>();
  private availabilityZones?: string[];

  constructor(
    private readonly moto: MotoClient,
    private readonly region: string,
    private readonly ecs: EcsEngine,
  ) {}

  // ------------------------------------------------------------------------------------------ public API

  nextOperation(scenario: OperationScenario): void {
    if (!scenario.stack) throw new Error('nextOperation: stack is required');
    if (scenario.fail && (!scenario.fail.logicalId || !scenario.fail.reason)) {
      throw new Error('nextOperation: fail needs logicalId and reason');
    }
    this.queue.push({ ...scenario });
  }

  /**
   * Test facility: the load balancers of `stack` answer at `url` (a local HTTP server), so what the stack
   * outputs with their DNS name (ServiceUrl, LoadBalancerDnsName…) names that server's host and port.
   */
  routeLoadBalancer(route: { stack: string; url: string }): void {
    if (!route.stack) throw new Error('routeLoadBalancer: stack is required');
    const url = new URL(route.url);
    if (!/^https?:$/.test(url.protocol))
      throw new Error('routeLoadBalancer: url must be http(s)://host:port');
    this.loadBalancerRoutes.set(route.stack, url);
  }

  operations(stack: string): CfnOperationRecord[] {
    const now = Date.now();
    const out: CfnOperationRecord[] = [];
    for (const list of this.ops.values()) {
      for (const op of list) {
        if (op.stackName !== stack && op.stackId !== stack) continue;
        out.push({
          stack: op.stackName,
          stackId: op.stackId,
          operationId: op.operationId,
          rollbackOperationId: op.rollbackOperationId,
          type: op.type,
          changeSetId: op.changeSetId,
          startedAt: op.startedAt,
          terminalAt: now >= op.terminalAt ? op.terminalAt : undefined,
          finalStatus: op.finalStatus,
          status: statusAt(op, now)?.status ?? op.finalStatus,
          fail: op.fail,
        });
      }
    }
    return out.sort((a, b) => a.startedAt - b.startedAt);
  }

  /**
   * Applies what is due: a forwarded update that failed afterwards (its ECS deployment tripped the circuit
   * breaker) is undone in moto, as CloudFormation's rollback would, without moving the service again.
   */
  async tick(): Promise<void> {
    const waiting = this.allOps().filter((op) => op.awaiting);
    if (waiting.length > 0) {
      await this.ecs.tick(); // what ECS decided by now (a continued or rolled-back deployment)
      for (const op of waiting) this.replanIfDecided(op);
    }
    const now = Date.now();
    for (const op of this.allOps()) {
      if (op.revertAt === undefined || op.revertAt > now || op.reverted || !op.revert) continue;
      op.reverted = true;
      const revert = op.revert;
      await this.ecs.exclusive(async () => {
        await this.revertInMoto(op.stackId, revert);
        await this.ecs.restoreMotoTaskDefinitions(op.services);
      });
    }
  }

  /** The ECS deployments a stack update started: CloudFormation waits for them, and fails with them. */
  private async couple(
    resources: Array<{ logicalId: string; type: string; physicalId: string }>,
    since: number,
  ): Promise<Coupling> {
    await this.ecs.sync();
    return this.coupling(resources, since);
  }

  private coupling(
    resources: Array<{ logicalId: string; type: string; physicalId: string }>,
    since: number,
  ): Coupling {
    const coupling: Coupling = { waits: new Map(), services: [], resources, since };
    for (const r of resources) {
      if (r.type !== 'AWS::ECS::Service') continue;
      const deployment = this.ecs.deploymentsSince(r.physicalId, since).at(-1);
      if (!deployment) continue;
      coupling.services.push(r.physicalId);
      coupling.waits.set(r.logicalId, deployment.terminalAt);
      if (deployment.outcome === 'fail' && !coupling.fail) {
        // A native strategy's rollback (alarm, hook, ContinueServiceDeployment ROLLBACK) fails the resource
        // as the circuit breaker's does; ECS's own reason is in the service deployment.
        const operation = deployment.native
          ? `ECS service deployment was rolled back${deployment.reason ? `: ${deployment.reason}` : ''}`
          : 'ECS Deployment Circuit Breaker was triggered';
        coupling.fail = {
          logicalId: r.logicalId,
          reason: `Resource handler returned message: "Error occurred during operation '${operation}'." (RequestToken: ${randomUUID()}, HandlerErrorCode: GeneralServiceException)`,
          settledAt: deployment.settledAt,
        };
      }
    }
    return coupling;
  }

  /**
   * CloudFormation's update of an AWS::ECS::Service waits for the service deployment and fails the resource
   * when ECS rolls it back (the ECS team on CloudFormation and deployment rollbacks:
   * https://github.com/aws/containers-roadmap/issues/1205; a paused deployment waits for
   * ContinueServiceDeployment or its hook's timeout action:
   * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-lifecycle-hooks.html).
   * An operation waiting for a paused service deployment: once ECS has decided how it ends (continued to
   * the end, or rolled back), plan the rest of the operation from that. What was already planned stays:
   * the plan is deterministic, so the events up to the decision are the same and only later ones are added.
   */
  private replanIfDecided(op: Op): void {
    const before = op.awaiting;
    if (!before) return;
    const now = coupledNow(this.coupling(before.resources, before.since));
    if (!now) return;
    op.awaiting = undefined;
    const seen = new Set(op.events.map(eventKey));
    const kept = op.events;
    op.events = [];
    op.fail = now.fail;
    op.failedAt = undefined;
    this.planCreateOrUpdate(op, op.steps, op.startedAt, op.durationMs, now.fail, now.waits);
    op.events = [...kept, ...op.events.filter((e) => !seen.has(eventKey(e)))];
    if (op.forwarded && now.fail && op.failedAt !== undefined) op.revertAt = op.failedAt;
  }

  reset(): void {
    this.queue = [];
    this.ops.clear();
    this.changeSets.clear();
    this.protection.clear();
    this.templates.clear();
    this.pendingTemplates.clear();
    this.loadBalancerRoutes.clear();
  }

  /** Puts moto's stack back on a previous template and parameters (a rollback the layer plays). */
  private async revertInMoto(
    stackId: string,
    revert: { template: StoredTemplate; parameters: Record<string, string> },
  ): Promise<void> {
    const form: Record<string, string> = { StackName: stackId, TemplateBody: revert.template.compiled };
    Object.entries(revert.parameters).forEach(([key, value], i) => {
      form[`Parameters.member.${i + 1}.ParameterKey`] = key;
      form[`Parameters.member.${i + 1}.ParameterValue`] = value;
    });
    await this.moto.query('cloudformation', 'UpdateStack', form).catch(() => undefined);
    this.templates.set(stackId, revert.template);
  }

  // ------------------------------------------------------------------------------------------ wire handler

  handle = async (call: IncomingCall, forward: Forward): Promise<LayerResponse | undefined> => {
    const p = call.params as Record<string, string>;
    try {
      switch (call.action) {
        case 'CreateStack':
          return await this.onCreateStack(p, forward);
        case 'UpdateStack':
          return await this.onUpdateStack(p, forward);
        case 'DeleteStack':
          return await this.onDeleteStack(p, forward);
        case 'CreateChangeSet':
          return await this.onCreateChangeSet(p, forward);
        case 'DescribeChangeSet':
          return await this.onDescribeChangeSet(p, forward);
        case 'ExecuteChangeSet':
          return await this.onExecuteChangeSet(p, forward);
        case 'DeleteChangeSet':
          return await this.onDeleteChangeSet(p, forward);
        case 'ListChangeSets':
          return await this.onListChangeSets(p, forward);
        case 'DescribeStacks':
          return await this.onDescribeStacks(p, forward);
        case 'ListStacks':
          return await this.onListStacks(forward);
        case 'DescribeStackEvents':
          return await this.onDescribeStackEvents(p);
        case 'DescribeEvents':
          return await this.onDescribeEvents(p);
        case 'CancelUpdateStack':
          return await this.onCancelUpdateStack(p);
        case 'UpdateTerminationProtection':
          return await this.onUpdateTerminationProtection(p);
        case 'GetTemplate':
          return await this.onGetTemplate(p, forward);
        case 'GetTemplateSummary':
        case 'ValidateTemplate':
          return await this.onReadTemplate(p, forward);
        default:
          return undefined;
      }
    } catch (error) {
      if (error instanceof AwsError) return queryError(error.code, error.message, error.status);
      throw error;
    }
  };

  // ------------------------------------------------------------------------------------------ operations

  private async onCreateStack(p: Record<string, string>, forward: Forward): Promise<LayerResponse> {
    const name = p.StackName ?? '';
    const given = queryList(p, 'Parameters');
    const original = await this.templateBodyOf(p);
    const template = parseOrRefuse(original);
    const values = requireParameters(template, given, {});
    const stored = await this.prepare(name, undefined, original, values);
    const scenario = this.take(name);
    if (!scenario?.fail) {
      const response = await forward(encodeForm(withTemplate(p, stored.compiled, values)));
      if (response.status !== 200) return response;
      const stackId = String(resultOf(response, 'CreateStack').StackId);
      this.templates.set(stackId, stored);
      const steps = (await this.resources(stackId)).map((r) => ({
        ...r,
        action: 'Add' as const,
        replacement: false,
      }));
      const op = this.addOp('CREATE_STACK', name, stackId, Date.now(), scenario, steps, true);
      if (p.EnableTerminationProtection === 'true') this.protection.set(stackId, true);
      await this.ecs.sync();
      return queryResponse('cloudformation', 'CreateStack', {
        StackId: stackId,
        OperationId: op.operationId,
      });
    }
    // A create that fails is never applied: moto gets an empty stack (a CREATE change set it validates and
    // that is never executed), the layer plays the failure and the rollback.
    const form: Record<string, string> = {
      ...withTemplate(p, stored.compiled, values),
      ChangeSetName: `local-failed-create-${Date.now()}`,
      ChangeSetType: 'CREATE',
    };
    for (const key of [
      'Action',
      'Version',
      'DisableRollback',
      'OnFailure',
      'TimeoutInMinutes',
      'EnableTerminationProtection',
    ]) {
      delete form[key];
    }
    const created = await this.moto.query('cloudformation', 'CreateChangeSet', form);
    await this.moto
      .query('cloudformation', 'DeleteChangeSet', { ChangeSetName: String(created.Id) })
      .catch(() => undefined);
    const stackId = String(created.StackId);
    this.templates.set(stackId, stored);
    const steps = Object.entries(parseTemplate(stored.compiled).Resources ?? {}).map(([logicalId, r]) => ({
      logicalId,
      type: r.Type,
      action: 'Add' as const,
      physicalId: '',
      replacement: false,
    }));
    const op = this.addOp('CREATE_STACK', name, stackId, Date.now(), scenario, steps, false);
    op.parameters = Object.entries(values).map(([ParameterKey, ParameterValue]) => ({
      ParameterKey,
      ParameterValue,
    }));
    if (p.EnableTerminationProtection === 'true') this.protection.set(stackId, true);
    return queryResponse('cloudformation', 'CreateStack', { StackId: stackId, OperationId: op.operationId });
  }

  private async onUpdateStack(p: Record<string, string>, forward: Forward): Promise<LayerResponse> {
    const stack = await this.describeStack(p.StackName ?? '');
    this.assertUpdatable(stack);
    const stackId = String(stack.StackId);
    const current = await this.currentTemplate(stackId);
    const oldParams = parametersOf(stack);
    const newOriginal = p.UsePreviousTemplate === 'true' ? current.original : await this.templateBodyOf(p);
    const values = requireParameters(parseOrRefuse(newOriginal), queryList(p, 'Parameters'), oldParams);
    const next = await this.prepare(String(stack.StackName), stackId, newOriginal, values);
    const changes = diffStack(
      parseTemplate(current.compiled),
      parseTemplate(next.compiled),
      oldParams,
      values,
    );
    if (changes.length === 0) throw new AwsError('ValidationError', 'No updates are to be performed.', 400);
    const scenario = await this.refuseExportChanges(
      stack,
      current,
      next,
      changes,
      { old: oldParams, new: values },
      this.take(String(stack.StackName)),
    );
    const now = Date.now();
    const before = await this.resources(stackId);
    let forwarded = false;
    if (!scenario?.fail) {
      const response = await forward(encodeForm(withTemplate(p, next.compiled, values)));
      if (response.status !== 200) return response;
      forwarded = true;
      this.templates.set(stackId, next);
    }
    const after = forwarded ? await this.resources(stackId) : before;
    const coupling = forwarded ? await this.couple(after, now) : undefined;
    const op = this.addOp(
      'UPDATE_STACK',
      String(stack.StackName),
      stackId,
      Date.now(),
      scenario,
      stepsOf(changes, before, after),
      forwarded,
      coupling,
    );
    op.revert = { template: current, parameters: oldParams };
    op.previousOutputs = stack.Outputs;
    return queryResponse('cloudformation', 'UpdateStack', { StackId: stackId, OperationId: op.operationId });
  }

  private async onDeleteStack(p: Record<string, string>, forward: Forward): Promise<LayerResponse> {
    let stack: Obj;
    try {
      stack = await this.describeStack(p.StackName ?? '');
    } catch {
      return forward(); // AWS answers a delete of an unknown stack with success; so does moto
    }
    const stackId = String(stack.StackId);
    if (this.protection.get(stackId)) {
      throw new AwsError(
        'ValidationError',
        `Stack [${String(stack.StackName)}] cannot be deleted while TerminationProtection is enabled`,
        400,
      );
    }
    let scenario = this.take(String(stack.StackName));
    const resources = (await this.resources(stackId)).reverse();
    const steps = resources.map((r) => ({ ...r, action: 'Remove' as const, replacement: false }));
    // What AWS refuses to delete: an export another stack imports, a DB instance with deletion protection.
    const refusal = (await this.exportInUse(stack)) ?? (await this.protectedDatabase(resources));
    if (refusal && !scenario?.fail) scenario = { ...scenario, stack: String(stack.StackName), fail: refusal };
    const forwarded = !scenario?.fail;
    if (forwarded) {
      const response = await forward();
      if (response.status !== 200) return response;
    }
    const op = this.addOp(
      'DELETE_STACK',
      String(stack.StackName),
      stackId,
      Date.now(),
      scenario,
      steps,
      forwarded,
    );
    op.snapshot = stack;
    if (forwarded) await this.ecs.sync();
    return queryResponse('cloudformation', 'DeleteStack', {});
  }

  /** The first export of `stack` another live stack imports, as the failure AWS reports for the delete. */
  private async exportInUse(stack: Obj): Promise<{ logicalId: string; reason: string } | undefined> {
    const outputs = (Array.isArray(stack.Outputs) ? stack.Outputs : []) as Obj[];
    const exports = outputs.map((o) => o.ExportName).filter((n): n is string => typeof n === 'string');
    if (exports.length === 0) return undefined;
    for (const name of exports) {
      const importer = await this.importerOf(name, String(stack.StackId));
      if (!importer) continue;
      return {
        logicalId: String(stack.StackName),
        reason: `Export ${name} cannot be deleted as it is in use by ${importer}`,
      };
    }
    return undefined;
  }

  /**
   * An update that changes or removes an export another stack imports fails as on AWS, and rolls back with
   * nothing changed: "You can't modify or remove an output value that is referenced by another stack"
   * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-importvalue.html),
   * reported as "Export <name> cannot be updated as it is in use by <stack>" (AWS knowledge center,
   * cloudformation-stack-export-name-error) or "Cannot delete export <name> as it is in use by <stack>".
   * A value changes when its compiled expression does, or when a resource it refers to is replaced, added or
   * removed (a new physical ID).
   */
  private async refuseExportChanges(
    stack: Obj,
    current: StoredTemplate,
    next: StoredTemplate,
    changes: ResourceChange[],
    parameters: { old: Record<string, string>; new: Record<string, string> },
    scenario: OperationScenario | undefined,
  ): Promise<OperationScenario | undefined> {
    if (scenario?.fail) return scenario;
    const exportsOf = (compiled: string, parameters: Record<string, string>) => {
      const found = new Map<string, unknown>();
      for (const output of Object.values((parseTemplate(compiled).Outputs ?? {}) as Record<string, Obj>)) {
        const name = exportName(
          (output?.Export as Obj | undefined)?.Name,
          String(stack.StackName),
          parameters,
        );
        if (name) found.set(name, output.Value);
      }
      return found;
    };
    const before = exportsOf(current.compiled, parameters.old);
    const after = exportsOf(next.compiled, parameters.new);
    const renewed = new Set(
      changes
        .filter((c) => c.Action !== 'Modify' || c.Replacement === 'True')
        .map((c) => c.LogicalResourceId),
    );
    for (const [name, value] of before) {
      const removed = !after.has(name);
      const changed =
        removed ||
        JSON.stringify(value) !== JSON.stringify(after.get(name)) ||
        [...references(after.get(name))].some((ref) => renewed.has(ref));
      if (!changed) continue;
      const importer = await this.importerOf(name, String(stack.StackId));
      if (!importer) continue;
      return {
        ...scenario,
        stack: String(stack.StackName),
        fail: {
          logicalId: String(stack.StackName),
          reason: removed
            ? `Cannot delete export ${name} as it is in use by ${importer}.`
            : `Export ${name} cannot be updated as it is in use by ${importer}`,
        },
      };
    }
    return scenario;
  }

  /** The name of a live stack (other than `exporterId`) that imports `exportName`. */
  private async importerOf(exportName: string, exporterId: string): Promise<string | undefined> {
    for (const [stackId, template] of this.templates) {
      if (stackId === exporterId || !template.imports.includes(exportName)) continue;
      const importer = await this.describeStack(stackId).catch(() => undefined);
      if (!importer || String(importer.StackStatus) === 'DELETE_COMPLETE' || this.deletingOp(stackId))
        continue;
      return String(importer.StackName);
    }
    return undefined;
  }

  /** An RDS DB instance of the stack with deletion protection on: its delete fails, and with it the stack's. */
  private async protectedDatabase(
    resources: Array<{ logicalId: string; type: string; physicalId: string }>,
  ): Promise<{ logicalId: string; reason: string } | undefined> {
    for (const r of resources) {
      if (r.type !== 'AWS::RDS::DBInstance' || !r.physicalId) continue;
      const described = await this.moto
        .query('rds', 'DescribeDBInstances', { DBInstanceIdentifier: r.physicalId })
        .catch(() => undefined);
      const list = (described?.DBInstances ?? {}) as { DBInstance?: unknown };
      const instances = (Array.isArray(list.DBInstance) ? list.DBInstance : [list.DBInstance]) as Array<
        Obj | undefined
      >;
      if (instances.some((db) => String(db?.DeletionProtection) === 'true')) {
        return {
          logicalId: r.logicalId,
          reason: `Resource handler returned message: "Cannot delete protected DB Instance, please disable deletion protection and try again. (Service: Rds, Status Code: 400, Request ID: ${randomUUID()})" (RequestToken: ${randomUUID()}, HandlerErrorCode: InvalidRequest)`,
        };
      }
    }
    return undefined;
  }

  private async onCreateChangeSet(p: Record<string, string>, forward: Forward): Promise<LayerResponse> {
    const type = (p.ChangeSetType ?? 'UPDATE') as 'CREATE' | 'UPDATE' | 'IMPORT';
    const name = p.ChangeSetName ?? '';
    const given = queryList(p, 'Parameters');
    if (type === 'UPDATE') {
      const stack = await this.describeStack(p.StackName ?? '');
      const stackId = String(stack.StackId);
      const status = this.stackStatus(stack);
      if (
        status === 'REVIEW_IN_PROGRESS' ||
        status === 'ROLLBACK_COMPLETE' ||
        status.endsWith('_IN_PROGRESS')
      ) {
        throw new AwsError(
          'ValidationError',
          `Stack:${stackId} is in ${status} state and can not be updated.`,
          400,
        );
      }
      const current = await this.currentTemplate(stackId);
      const oldParams = parametersOf(stack);
      const newOriginal = p.UsePreviousTemplate === 'true' ? current.original : await this.templateBodyOf(p);
      const values = requireParameters(parseOrRefuse(newOriginal), given, oldParams);
      const next = await this.prepare(String(stack.StackName), stackId, newOriginal, values);
      const resolved = { values };
      const changes = diffStack(
        parseTemplate(current.compiled),
        parseTemplate(next.compiled),
        oldParams,
        values,
      );
      if (changes.length === 0) {
        // AWS accepts the change set and fails it; moto would refuse the call (or crash).
        const id = `arn:aws:cloudformation:${this.region}:123456789012:changeSet/${name}/${randomUUID()}`;
        this.changeSets.set(id, {
          id,
          name,
          stackId,
          stackName: String(stack.StackName),
          type: 'UPDATE',
          createdAt: Date.now(),
          changes: [],
          local: {
            parameters: Object.entries(resolved.values).map(([ParameterKey, ParameterValue]) => ({
              ParameterKey,
              ParameterValue,
            })),
            description: p.Description,
          },
        });
        return queryResponse('cloudformation', 'CreateChangeSet', { Id: id, StackId: stackId });
      }
      const response = await forward(
        encodeForm({ ...withTemplate(p, next.compiled, values), ChangeSetType: 'UPDATE' }),
      );
      if (response.status !== 200) return response;
      const result = resultOf(response, 'CreateChangeSet');
      this.pendingTemplates.set(String(result.Id), next);
      this.changeSets.set(String(result.Id), {
        id: String(result.Id),
        name,
        stackId,
        stackName: String(stack.StackName),
        type: 'UPDATE',
        createdAt: Date.now(),
        changes,
      });
      return response;
    }
    const original = await this.templateBodyOf(p);
    const values = requireParameters(parseOrRefuse(original), given, {});
    const stored = await this.prepare(p.StackName ?? '', undefined, original, values);
    const response = await forward(encodeForm(withTemplate(p, stored.compiled, values)));
    if (response.status !== 200) return response;
    const result = resultOf(response, 'CreateChangeSet');
    this.pendingTemplates.set(String(result.Id), stored);
    this.changeSets.set(String(result.Id), {
      id: String(result.Id),
      name,
      stackId: String(result.StackId),
      stackName: p.StackName ?? '',
      type: type === 'IMPORT' ? 'UPDATE' : 'CREATE',
      createdAt: Date.now(),
      changes: diffStack(undefined, parseTemplate(stored.compiled), {}, values),
    });
    return response;
  }

  private findChangeSet(nameOrId: string, stackName?: string): KnownChangeSet | undefined {
    const direct = this.changeSets.get(nameOrId);
    if (direct) return direct;
    const matches = [...this.changeSets.values()].filter(
      (cs) => cs.name === nameOrId && (!stackName || cs.stackName === stackName || cs.stackId === stackName),
    );
    return matches.at(-1);
  }

  private async onDescribeChangeSet(p: Record<string, string>, forward: Forward): Promise<LayerResponse> {
    const known = this.findChangeSet(p.ChangeSetName ?? '', p.StackName);
    const now = Date.now();
    const creating = known !== undefined && now < known.createdAt + CHANGE_SET_CREATION_MS;
    if (known?.local) {
      return queryResponse('cloudformation', 'DescribeChangeSet', {
        ChangeSetName: known.name,
        ChangeSetId: known.id,
        StackId: known.stackId,
        StackName: known.stackName,
        Description: known.local.description,
        Parameters: known.local.parameters,
        CreationTime: new Date(known.createdAt),
        ExecutionStatus: 'UNAVAILABLE',
        Status: creating ? 'CREATE_IN_PROGRESS' : 'FAILED',
        StatusReason: creating ? undefined : EMPTY_CHANGE_SET_REASON,
        NotificationARNs: [],
        Capabilities: [],
        Tags: [],
        Changes: [],
        IncludeNestedStacks: false,
      });
    }
    const response = await forward();
    if (response.status !== 200) return response;
    const result = resultOf(response, 'DescribeChangeSet');
    const cs = known ?? this.changeSets.get(String(result.ChangeSetId));
    if (cs) {
      const physical = new Map(
        (await this.resources(cs.stackId).catch(() => [])).map((r) => [r.logicalId, r.physicalId]),
      );
      result.Changes = cs.changes.map((c) => ({
        Type: 'Resource',
        ResourceChange: {
          Action: c.Action,
          LogicalResourceId: c.LogicalResourceId,
          ...(c.Action !== 'Add' && physical.get(c.LogicalResourceId)
            ? { PhysicalResourceId: physical.get(c.LogicalResourceId) }
            : {}),
          ResourceType: c.ResourceType,
          ...(c.Replacement ? { Replacement: c.Replacement } : {}),
          Scope: c.Scope,
          Details: c.Details,
        },
      }));
      if (now < cs.createdAt + CHANGE_SET_CREATION_MS) {
        result.Status = 'CREATE_IN_PROGRESS';
        result.ExecutionStatus = 'UNAVAILABLE';
      }
      const op = cs.executedBy ? this.findOp(cs.executedBy) : undefined;
      if (op) {
        result.ExecutionStatus =
          now < op.terminalAt && !(op.failedAt !== undefined && now >= op.failedAt)
            ? 'EXECUTE_IN_PROGRESS'
            : op.fail
              ? 'EXECUTE_FAILED'
              : 'EXECUTE_COMPLETE';
      }
    }
    return queryResponse('cloudformation', 'DescribeChangeSet', result);
  }

  private async onExecuteChangeSet(p: Record<string, string>, forward: Forward): Promise<LayerResponse> {
    const known = this.findChangeSet(p.ChangeSetName ?? '', p.StackName);
    const now = Date.now();
    if (known?.local) {
      throw new AwsError(
        'InvalidChangeSetStatus',
        `ChangeSet [${known.id}] cannot be executed in its current status of [FAILED]`,
        400,
      );
    }
    const described = await this.moto.query('cloudformation', 'DescribeChangeSet', {
      ChangeSetName: p.ChangeSetName ?? '',
      ...(p.StackName ? { StackName: p.StackName } : {}),
    });
    const changeSetId = String(described.ChangeSetId);
    const cs = known ?? this.changeSets.get(changeSetId);
    if (cs && now < cs.createdAt + CHANGE_SET_CREATION_MS) {
      throw new AwsError(
        'InvalidChangeSetStatus',
        `ChangeSet [${changeSetId}] cannot be executed in its current status of [CREATE_IN_PROGRESS]`,
        400,
      );
    }
    if (cs?.executedBy || described.ExecutionStatus !== 'AVAILABLE') {
      throw new AwsError(
        'InvalidChangeSetStatus',
        `ChangeSet [${changeSetId}] cannot be executed in its current execution status of [${cs?.executedBy ? 'EXECUTE_COMPLETE' : String(described.ExecutionStatus)}]`,
        400,
      );
    }
    const stackId = String(described.StackId);
    const stack = await this.describeStack(stackId);
    const status = this.stackStatus(stack);
    const isCreate = cs ? cs.type === 'CREATE' : status === 'REVIEW_IN_PROGRESS';
    if (!isCreate) this.assertUpdatable(stack);
    const stackName = String(stack.StackName);
    const old = isCreate ? undefined : await this.currentTemplate(stackId);
    const oldParams = parametersOf(stack);
    const pending = this.pendingTemplates.get(changeSetId);
    const listed = described.Parameters as Obj[] | Obj | undefined;
    const newParams = Object.fromEntries(
      (Array.isArray(listed) ? listed : listed ? [listed] : []).map((p) => [
        String(p.ParameterKey),
        String(p.ParameterValue ?? ''),
      ]),
    );
    const scenario =
      old && pending && cs
        ? await this.refuseExportChanges(
            stack,
            old,
            pending,
            cs.changes,
            { old: oldParams, new: { ...oldParams, ...newParams } },
            this.take(stackName),
          )
        : this.take(stackName);
    const before = isCreate ? [] : await this.resources(stackId);
    let forwarded = false;
    if (!scenario?.fail) {
      const response = await forward();
      if (response.status !== 200) return response;
      forwarded = true;
      const applied = this.pendingTemplates.get(changeSetId);
      if (applied) this.templates.set(stackId, applied);
    }
    const after = forwarded ? await this.resources(stackId) : before;
    let changes = cs?.changes;
    if (!changes) {
      changes = ((described.Changes ?? []) as Obj[]).map((c) => {
        const rc = (c.ResourceChange ?? {}) as Obj;
        return {
          Action: rc.Action as ResourceChange['Action'],
          LogicalResourceId: String(rc.LogicalResourceId),
          ResourceType: String(rc.ResourceType),
          Scope: [],
          Details: [],
        };
      });
    }
    const coupling = forwarded && !isCreate ? await this.couple(after, now) : undefined;
    if (forwarded && isCreate) await this.ecs.sync();
    const op = this.addOp(
      isCreate ? 'CREATE_STACK' : 'UPDATE_STACK',
      stackName,
      stackId,
      Date.now(),
      scenario,
      stepsOf(changes, before, after),
      forwarded,
      coupling,
    );
    op.changeSetId = changeSetId;
    if (old) {
      op.revert = { template: old, parameters: oldParams };
      op.previousOutputs = stack.Outputs;
    }
    if (isCreate && !forwarded) {
      op.parameters =
        ((described.Parameters || []) as Array<{ ParameterKey: string; ParameterValue: string }>) ?? [];
    }
    if (cs) cs.executedBy = op.operationId;
    else {
      this.changeSets.set(changeSetId, {
        id: changeSetId,
        name: String(described.ChangeSetName),
        stackId,
        stackName,
        type: isCreate ? 'CREATE' : 'UPDATE',
        createdAt: 0,
        changes,
        executedBy: op.operationId,
      });
    }
    return queryResponse('cloudformation', 'ExecuteChangeSet', {});
  }

  private async onDeleteChangeSet(p: Record<string, string>, forward: Forward): Promise<LayerResponse> {
    const known = this.findChangeSet(p.ChangeSetName ?? '', p.StackName);
    if (known?.local) {
      this.changeSets.delete(known.id);
      return queryResponse('cloudformation', 'DeleteChangeSet', {});
    }
    const response = await forward();
    if (response.status === 200 && known) this.changeSets.delete(known.id);
    return response;
  }

  private async onListChangeSets(p: Record<string, string>, forward: Forward): Promise<LayerResponse> {
    const response = await forward();
    if (response.status !== 200) return response;
    const result = resultOf(response, 'ListChangeSets');
    const stack = p.StackName ?? '';
    const summaries = (Array.isArray(result.Summaries) ? result.Summaries : []) as Obj[];
    // moto lists every stack's change sets
    const filtered = summaries.filter((s) => s.StackName === stack || s.StackId === stack);
    for (const cs of this.changeSets.values()) {
      if (!cs.local || (cs.stackName !== stack && cs.stackId !== stack)) continue;
      filtered.push({
        StackId: cs.stackId,
        StackName: cs.stackName,
        ChangeSetId: cs.id,
        ChangeSetName: cs.name,
        ExecutionStatus: 'UNAVAILABLE',
        Status: 'FAILED',
        StatusReason: EMPTY_CHANGE_SET_REASON,
        CreationTime: new Date(cs.createdAt),
      });
    }
    return queryResponse('cloudformation', 'ListChangeSets', { Summaries: filtered });
  }

  private async onDescribeStacks(p: Record<string, string>, forward: Forward): Promise<LayerResponse> {
    const response = await forward();
    if (response.status !== 200) {
      // A stack being deleted: moto has already dropped it, AWS still shows DELETE_IN_PROGRESS.
      const op = p.StackName ? this.deletingOp(p.StackName) : undefined;
      if (!op?.snapshot) return response;
      return queryResponse('cloudformation', 'DescribeStacks', {
        Stacks: [this.overlay({ ...op.snapshot })],
      });
    }
    const result = resultOf(response, 'DescribeStacks');
    const stacks = (Array.isArray(result.Stacks) ? result.Stacks : []) as Obj[];
    const shown: Obj[] = [];
    for (const stack of stacks) shown.push(await this.routeOutputs(this.overlay(stack)));
    return queryResponse('cloudformation', 'DescribeStacks', { ...result, Stacks: shown });
  }

  private async onListStacks(forward: Forward): Promise<LayerResponse> {
    const response = await forward();
    if (response.status !== 200) return response;
    const result = resultOf(response, 'ListStacks');
    const summaries = (Array.isArray(result.StackSummaries) ? result.StackSummaries : []) as Obj[];
    const now = Date.now();
    for (const summary of summaries) {
      const op = this.latestOp(String(summary.StackId));
      const status = op ? statusAt(op, now) : undefined;
      if (status) {
        summary.StackStatus = status.status;
        if (status.reason) summary.StackStatusReason = status.reason;
      }
    }
    return queryResponse('cloudformation', 'ListStacks', { ...result, StackSummaries: summaries });
  }

  private async onDescribeStackEvents(p: Record<string, string>): Promise<LayerResponse> {
    const name = p.StackName ?? '';
    const deleting = this.deletingOp(name);
    let stackId: string;
    if (deleting) stackId = deleting.stackId;
    else stackId = String((await this.describeStack(name)).StackId);
    const now = Date.now();
    const ops = this.ops.get(stackId) ?? [];
    const firstStart = ops[0]?.startedAt ?? Number.POSITIVE_INFINITY;
    const layerEvents = ops.flatMap((op) => op.events.filter((e) => e.at <= now)).map(eventShape);
    let motoEvents: Obj[] = [];
    try {
      const described = await this.moto.query('cloudformation', 'DescribeStackEvents', {
        StackName: stackId,
      });
      motoEvents = ((Array.isArray(described.StackEvents) ? described.StackEvents : []) as Obj[]).filter(
        (e) => Date.parse(String(e.Timestamp)) < firstStart,
      );
    } catch {
      // the stack only exists in the layer's records now
    }
    const all = [...layerEvents, ...motoEvents].sort(
      (a, b) =>
        Date.parse(String(b.Timestamp)) - Date.parse(String(a.Timestamp)) ||
        Number(b.__seq ?? 0) - Number(a.__seq ?? 0),
    );
    for (const e of all) delete e.__seq;
    return queryResponse('cloudformation', 'DescribeStackEvents', { StackEvents: all });
  }

  private async onDescribeEvents(p: Record<string, string>): Promise<LayerResponse> {
    const now = Date.now();
    let selected: Array<{ op: Op; operationId?: string }> = [];
    if (p.OperationId) {
      for (const op of this.allOps()) {
        if (op.operationId === p.OperationId || op.rollbackOperationId === p.OperationId) {
          selected.push({ op, operationId: p.OperationId });
        }
      }
      if (!selected.length)
        throw new AwsError('ValidationError', `Operation [${p.OperationId}] does not exist`, 400);
    } else if (p.ChangeSetName) {
      const cs = this.findChangeSet(p.ChangeSetName, p.StackName);
      if (!cs) throw new AwsError('ChangeSetNotFound', `ChangeSet [${p.ChangeSetName}] does not exist`, 404);
      selected = this.allOps()
        .filter((op) => op.changeSetId === cs.id)
        .map((op) => ({ op }));
    } else if (p.StackName) {
      const deleting = this.deletingOp(p.StackName);
      const stackId = deleting ? deleting.stackId : String((await this.describeStack(p.StackName)).StackId);
      selected = (this.ops.get(stackId) ?? []).map((op) => ({ op }));
    } else {
      throw new AwsError(
        'ValidationError',
        'One of ChangeSetName, OperationId or StackName must be specified.',
        400,
      );
    }
    const failedOnly = p['Filters.FailedEvents'] === 'true';
    const events: Obj[] = [];
    for (const { op, operationId } of selected) {
      for (const e of op.events) {
        if (e.at > now) continue;
        if (operationId && e.OperationId !== operationId) continue;
        if (failedOnly && !e.ResourceStatus.endsWith('_FAILED')) continue;
        const isRollback = e.OperationId === op.rollbackOperationId;
        const operationStatus = isRollback
          ? now >= op.terminalAt
            ? 'SUCCEEDED'
            : 'IN_PROGRESS'
          : op.failedAt !== undefined && now >= op.failedAt
            ? 'FAILED'
            : now >= op.terminalAt
              ? 'SUCCEEDED'
              : 'IN_PROGRESS';
        events.push({
          EventId: e.EventId,
          StackId: e.StackId,
          OperationId: e.OperationId,
          OperationType: isRollback ? 'ROLLBACK' : op.type,
          OperationStatus: operationStatus,
          EventType:
            e.ResourceType === STACK_TYPE
              ? 'STACK_EVENT'
              : e.ResourceStatus.endsWith('_FAILED')
                ? 'PROVISIONING_ERROR'
                : 'PROGRESS_EVENT',
          LogicalResourceId: e.LogicalResourceId,
          PhysicalResourceId: e.PhysicalResourceId,
          ResourceType: e.ResourceType,
          Timestamp: new Date(e.at),
          ResourceStatus: e.ResourceStatus,
          ResourceStatusReason: e.ResourceStatusReason,
          __at: e.at,
          __seq: e.seq,
        });
      }
    }
    events.sort((a, b) => Number(b.__at) - Number(a.__at) || Number(b.__seq) - Number(a.__seq));
    for (const e of events) {
      delete e.__at;
      delete e.__seq;
    }
    return queryResponse('cloudformation', 'DescribeEvents', { OperationEvents: events });
  }

  private async onCancelUpdateStack(p: Record<string, string>): Promise<LayerResponse> {
    const stack = await this.describeStack(p.StackName ?? '');
    const stackId = String(stack.StackId);
    const op = this.latestOp(stackId);
    const now = Date.now();
    const current = op ? statusAt(op, now) : undefined;
    if (op?.type !== 'UPDATE_STACK' || current?.status !== 'UPDATE_IN_PROGRESS') {
      throw new AwsError(
        'ValidationError',
        'CancelUpdateStack cannot be called from current stack status',
        400,
      );
    }
    // Everything not yet visible never happens; the update rolls back from here.
    const started = new Set(
      op.events.filter((e) => e.at <= now && e.ResourceType !== STACK_TYPE).map((e) => e.LogicalResourceId),
    );
    op.events = op.events.filter((e) => e.at <= now);
    op.awaiting = undefined; // no longer waits for its ECS deployment
    op.rollbackOperationId = randomUUID();
    const duration = DEFAULT_DURATION_MS * 2;
    const rollback = op.steps.filter((s) => started.has(s.logicalId));
    let t = now + 1;
    const gap = duration / (rollback.length * 2 + 3);
    this.ev(
      op,
      op.rollbackOperationId,
      STACK_TYPE,
      op.stackName,
      op.stackId,
      'UPDATE_ROLLBACK_IN_PROGRESS',
      t,
      'Stack update cancelled',
    );
    for (const step of [...rollback].reverse()) {
      t += gap;
      this.ev(
        op,
        op.rollbackOperationId,
        step.type,
        step.logicalId,
        step.oldPhysicalId ?? step.physicalId,
        'UPDATE_IN_PROGRESS',
        t,
      );
      t += gap;
      this.ev(
        op,
        op.rollbackOperationId,
        step.type,
        step.logicalId,
        step.oldPhysicalId ?? step.physicalId,
        'UPDATE_COMPLETE',
        t,
      );
    }
    t += gap;
    this.ev(
      op,
      op.rollbackOperationId,
      STACK_TYPE,
      op.stackName,
      op.stackId,
      'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
      t,
    );
    const end = now + duration;
    this.ev(
      op,
      op.rollbackOperationId,
      STACK_TYPE,
      op.stackName,
      op.stackId,
      'UPDATE_ROLLBACK_COMPLETE',
      end,
    );
    op.terminalAt = end;
    op.failedAt = now;
    op.finalStatus = 'UPDATE_ROLLBACK_COMPLETE';
    op.fail = { logicalId: op.stackName, reason: 'Stack update cancelled' };
    if (op.forwarded && op.revert) {
      await this.revertInMoto(stackId, op.revert);
      await this.ecs.sync();
    }
    return queryResponse('cloudformation', 'CancelUpdateStack', {});
  }

  /** The template the user sent (moto holds the compiled copy). */
  private async onGetTemplate(p: Record<string, string>, forward: Forward): Promise<LayerResponse> {
    let stored: StoredTemplate | undefined;
    if (p.ChangeSetName) {
      const cs = this.findChangeSet(p.ChangeSetName, p.StackName);
      stored = cs ? this.pendingTemplates.get(cs.id) : undefined;
    } else if (p.StackName) {
      const deleting = this.deletingOp(p.StackName);
      const stackId = deleting
        ? deleting.stackId
        : await this.describeStack(p.StackName).then(
            (s) => String(s.StackId),
            () => undefined,
          );
      stored = stackId ? this.templates.get(stackId) : undefined;
    }
    if (!stored) return forward();
    return queryResponse('cloudformation', 'GetTemplate', {
      TemplateBody: stored.original,
      StagesAvailable: ['Original', 'Processed'],
    });
  }

  /**
   * GetTemplateSummary / ValidateTemplate read the template the user sent, in its long JSON form (moto's
   * YAML reader mis-reads nested short-form tags).
   */
  private async onReadTemplate(p: Record<string, string>, forward: Forward): Promise<LayerResponse> {
    let body: string | undefined;
    if (p.TemplateBody || p.TemplateURL) body = await this.templateBodyOf(p);
    else if (p.StackName) {
      const stackId = await this.describeStack(p.StackName).then(
        (s) => String(s.StackId),
        () => undefined,
      );
      body = stackId ? this.templates.get(stackId)?.original : undefined;
    }
    if (body === undefined) return forward();
    const form: Record<string, string> = { ...p, TemplateBody: JSON.stringify(parseOrRefuse(body)) };
    delete form.TemplateURL;
    delete form.StackName;
    return forward(encodeForm(form));
  }

  private async onUpdateTerminationProtection(p: Record<string, string>): Promise<LayerResponse> {
    const stack = await this.describeStack(p.StackName ?? '');
    const stackId = String(stack.StackId);
    this.protection.set(stackId, p.EnableTerminationProtection === 'true');
    return queryResponse('cloudformation', 'UpdateTerminationProtection', { StackId: stackId });
  }

  // ------------------------------------------------------------------------------------------ timelines

  private take(stack: string): OperationScenario | undefined {
    const index = this.queue.findIndex((s) => s.stack === stack);
    return index < 0 ? undefined : this.queue.splice(index, 1)[0];
  }

  /** Plans an operation's events and statuses over its duration. */
  private addOp(
    type: Op['type'],
    stackName: string,
    stackId: string,
    start: number,
    scenario: OperationScenario | undefined,
    steps: Step[],
    forwarded: boolean,
    coupling?: Coupling,
  ): Op {
    const duration = Math.max(0, scenario?.durationMs ?? DEFAULT_DURATION_MS);
    const fail = scenario?.fail ?? coupling?.fail;
    const op: Op = {
      operationId: randomUUID(),
      type,
      stackName,
      stackId,
      startedAt: start,
      terminalAt: start + duration,
      finalStatus: '',
      fail,
      events: [],
      forwarded,
      steps,
      services: coupling?.services ?? [],
      durationMs: duration,
    };
    const list = this.ops.get(stackId) ?? [];
    list.push(op);
    this.ops.set(stackId, list);
    if (fail && fail.logicalId !== stackName && !steps.some((s) => s.logicalId === fail.logicalId)) {
      // The failing resource is one the operation touches.
      steps.push({
        logicalId: fail.logicalId,
        type: 'AWS::CloudFormation::WaitCondition',
        action: type === 'CREATE_STACK' ? 'Add' : type === 'DELETE_STACK' ? 'Remove' : 'Modify',
        physicalId: '',
        replacement: false,
      });
    }
    if (type === 'DELETE_STACK') this.planDelete(op, steps, start, duration, fail);
    else this.planCreateOrUpdate(op, steps, start, duration, fail, coupling?.waits);
    if (forwarded && coupling?.fail && op.failedAt !== undefined) op.revertAt = op.failedAt;
    if (forwarded && coupling && !coupling.fail && [...coupling.waits.values()].some((w) => w === Infinity))
      op.awaiting = coupling;
    return op;
  }

  private ev(
    op: Op,
    operationId: string,
    type: string,
    logicalId: string,
    physicalId: string,
    status: string,
    at: number,
    reason?: string,
  ): void {
    if (!Number.isFinite(at)) return; // never happens (an operation waiting forever)
    op.events.push({
      EventId: type === STACK_TYPE ? randomUUID() : `${logicalId}-${status}-${new Date(at).toISOString()}`,
      StackId: op.stackId,
      StackName: op.stackName,
      LogicalResourceId: logicalId,
      PhysicalResourceId: physicalId,
      ResourceType: type,
      ResourceStatus: status,
      ResourceStatusReason: reason,
      OperationId: operationId,
      at,
      seq: this.seq++,
    });
  }

  private planCreateOrUpdate(
    op: Op,
    steps: Step[],
    t0: number,
    d: number,
    fail?: { logicalId: string; reason: string; settledAt?: number },
    waits?: Map<string, number>,
  ): void {
    const create = op.type === 'CREATE_STACK';
    const verb = create ? 'CREATE' : 'UPDATE';
    const stackEv = (status: string, at: number, reason?: string, id = op.operationId) =>
      this.ev(op, id, STACK_TYPE, op.stackName, op.stackId, status, at, reason);
    stackEv(`${verb}_IN_PROGRESS`, t0, 'User Initiated');
    const active = steps.filter((s) => s.action !== 'Remove');
    const removed = steps.filter((s) => s.action === 'Remove');
    const span = create ? 0.8 : 0.7;
    const gap = active.length ? (d * span) / (active.length + 0.5) : 0;
    const timing = active.map((_, i) => {
      const s = t0 + d * 0.05 + i * gap;
      return { s, init: s + gap * 0.1, done: s + gap * 1.5 };
    });
    active.forEach((step, i) => {
      const until = waits?.get(step.logicalId);
      if (until !== undefined && until > timing[i]!.done) timing[i]!.done = until;
    });
    const failIndex = fail ? active.findIndex((s) => s.logicalId === fail.logicalId) : -1;
    const lastDone = timing.reduce((max, t) => Math.max(max, t.done), t0);
    // A failure of the stack itself (an export in use): every resource is updated, then the exports are not.
    const stackLevel = !create && fail?.logicalId === op.stackName;
    const tf =
      failIndex >= 0
        ? timing[failIndex]!.done
        : stackLevel
          ? lastDone + Math.max(10, d * 0.05)
          : Number.POSITIVE_INFINITY;
    // The planned duration, unless a resource waits longer (an ECS deployment CloudFormation waits for).
    const end = fail
      ? tf < t0 + d
        ? t0 + d
        : tf + Math.max(100, d * 0.3)
      : lastDone <= t0 + d * 0.9
        ? t0 + d
        : lastDone + Math.max(50, d * 0.1);
    op.terminalAt = end;

    const touched: Step[] = [];
    const failedIds: string[] = [];
    active.forEach((step, i) => {
      const { s, init, done } = timing[i]!;
      if (s > tf) return;
      touched.push(step);
      const adding = step.action === 'Add';
      const prefix = adding ? 'CREATE' : 'UPDATE';
      if (adding) {
        this.ev(op, op.operationId, step.type, step.logicalId, '', 'CREATE_IN_PROGRESS', s);
        if (step.physicalId) {
          this.ev(
            op,
            op.operationId,
            step.type,
            step.logicalId,
            step.physicalId,
            'CREATE_IN_PROGRESS',
            init,
            'Resource creation Initiated',
          );
        }
      } else if (step.replacement) {
        this.ev(
          op,
          op.operationId,
          step.type,
          step.logicalId,
          step.oldPhysicalId ?? step.physicalId,
          'UPDATE_IN_PROGRESS',
          s,
          'Requested update requires the creation of a new physical resource; hence creating one.',
        );
        if (fail === undefined || i !== failIndex) {
          this.ev(
            op,
            op.operationId,
            step.type,
            step.logicalId,
            step.physicalId,
            'UPDATE_IN_PROGRESS',
            init,
            'Resource creation Initiated',
          );
        }
      } else {
        this.ev(
          op,
          op.operationId,
          step.type,
          step.logicalId,
          step.oldPhysicalId ?? step.physicalId,
          'UPDATE_IN_PROGRESS',
          s,
        );
      }
      const physical = adding
        ? step.physicalId
        : step.replacement
          ? step.physicalId
          : (step.oldPhysicalId ?? step.physicalId);
      if (i === failIndex) {
        this.ev(
          op,
          op.operationId,
          step.type,
          step.logicalId,
          physical,
          `${prefix}_FAILED`,
          tf,
          fail!.reason,
        );
        failedIds.unshift(step.logicalId);
      } else if (done <= tf) {
        this.ev(op, op.operationId, step.type, step.logicalId, physical, `${prefix}_COMPLETE`, done);
      } else {
        const cancelled = adding ? 'Resource creation cancelled' : 'Resource update cancelled';
        this.ev(op, op.operationId, step.type, step.logicalId, physical, `${prefix}_FAILED`, tf, cancelled);
        failedIds.push(step.logicalId);
      }
    });

    if (!fail) {
      if (create) {
        stackEv('CREATE_COMPLETE', end);
        op.finalStatus = 'CREATE_COMPLETE';
        return;
      }
      const cleanup = Math.max(t0 + d * 0.8, lastDone + 1, end - Math.max(50, d * 0.2));
      stackEv('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', cleanup);
      const deletions = [
        ...active
          .filter((s) => s.replacement && s.oldPhysicalId && s.oldPhysicalId !== s.physicalId)
          .map((s) => ({ ...s, physicalId: s.oldPhysicalId! })),
        ...removed,
      ];
      this.planDeletions(op, op.operationId, deletions, cleanup + 1, cleanup + (end - cleanup) * 0.9);
      stackEv('UPDATE_COMPLETE', end);
      op.finalStatus = 'UPDATE_COMPLETE';
      return;
    }

    op.failedAt = tf;
    op.rollbackOperationId = randomUUID();
    const rb = op.rollbackOperationId;
    const list = `[${failedIds.join(', ')}]`;
    if (create) {
      stackEv(
        'ROLLBACK_IN_PROGRESS',
        tf + 1,
        `The following resource(s) failed to create: ${list}. Rollback requested by user.`,
        rb,
      );
      this.planDeletions(op, rb, [...touched].reverse(), tf + 2, end - 1);
      stackEv('ROLLBACK_COMPLETE', end, undefined, rb);
      op.finalStatus = 'ROLLBACK_COMPLETE';
      return;
    }
    stackEv(
      'UPDATE_ROLLBACK_IN_PROGRESS',
      tf + 1,
      stackLevel ? fail.reason : `The following resource(s) failed to update: ${list}. `,
      rb,
    );
    // Rolling back an ECS service waits, as CloudFormation does, until the service is steady again (the
    // circuit breaker's rollback deployment completed).
    const settled = Math.max(tf, fail.settledAt ?? tf);
    let rollbackEnd = Math.max(end, settled + Math.max(50, d * 0.1));
    if (!Number.isFinite(rollbackEnd)) rollbackEnd = end;
    op.terminalAt = rollbackEnd;
    const reverted = [...touched].reverse().filter((s) => s.action === 'Modify');
    const middle = Math.max(tf + 2 + (rollbackEnd - tf - 2) * 0.6, Math.min(settled + 1, rollbackEnd - 2));
    const rgap = reverted.length ? (middle - tf - 2) / (reverted.length * 2) : 0;
    reverted.forEach((step, i) => {
      const at = tf + 2 + i * 2 * rgap;
      const physical = step.oldPhysicalId ?? step.physicalId;
      const done =
        step.logicalId === fail.logicalId ? Math.max(at + rgap, Math.min(settled, middle)) : at + rgap;
      this.ev(op, rb, step.type, step.logicalId, physical, 'UPDATE_IN_PROGRESS', at);
      this.ev(op, rb, step.type, step.logicalId, physical, 'UPDATE_COMPLETE', done);
    });
    stackEv('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', middle, undefined, rb);
    const added = touched.filter((s) => s.action === 'Add' && s.physicalId);
    this.planDeletions(op, rb, added, middle + 1, rollbackEnd - 1);
    stackEv('UPDATE_ROLLBACK_COMPLETE', rollbackEnd, undefined, rb);
    op.finalStatus = 'UPDATE_ROLLBACK_COMPLETE';
  }

  private planDeletions(op: Op, operationId: string, steps: Step[], from: number, to: number): void {
    const gap = steps.length ? Math.max(0, to - from) / (steps.length * 2) : 0;
    steps.forEach((step, i) => {
      const at = from + i * 2 * gap;
      this.ev(op, operationId, step.type, step.logicalId, step.physicalId, 'DELETE_IN_PROGRESS', at);
      this.ev(op, operationId, step.type, step.logicalId, step.physicalId, 'DELETE_COMPLETE', at + gap);
    });
  }

  private planDelete(
    op: Op,
    steps: Step[],
    t0: number,
    d: number,
    fail?: { logicalId: string; reason: string },
  ): void {
    this.ev(
      op,
      op.operationId,
      STACK_TYPE,
      op.stackName,
      op.stackId,
      'DELETE_IN_PROGRESS',
      t0,
      'User Initiated',
    );
    if (fail && fail.logicalId === op.stackName) {
      // Refused as a whole (an export in use): no resource is touched.
      op.failedAt = t0 + d;
      this.ev(op, op.operationId, STACK_TYPE, op.stackName, op.stackId, 'DELETE_FAILED', t0 + d, fail.reason);
      op.finalStatus = 'DELETE_FAILED';
      return;
    }
    const gap = steps.length ? (d * 0.9) / (steps.length * 2) : 0;
    for (const [i, step] of steps.entries()) {
      const at = t0 + d * 0.05 + i * 2 * gap;
      this.ev(op, op.operationId, step.type, step.logicalId, step.physicalId, 'DELETE_IN_PROGRESS', at);
      if (fail && step.logicalId === fail.logicalId) {
        this.ev(
          op,
          op.operationId,
          step.type,
          step.logicalId,
          step.physicalId,
          'DELETE_FAILED',
          at + gap,
          fail.reason,
        );
        op.failedAt = at + gap;
        this.ev(
          op,
          op.operationId,
          STACK_TYPE,
          op.stackName,
          op.stackId,
          'DELETE_FAILED',
          t0 + d,
          `The following resource(s) failed to delete: [${step.logicalId}]. `,
        );
        op.finalStatus = 'DELETE_FAILED';
        return;
      }
      this.ev(op, op.operationId, step.type, step.logicalId, step.physicalId, 'DELETE_COMPLETE', at + gap);
    }
    this.ev(op, op.operationId, STACK_TYPE, op.stackName, op.stackId, 'DELETE_COMPLETE', t0 + d);
    op.finalStatus = 'DELETE_COMPLETE';
  }

  // ------------------------------------------------------------------------------------------ views

  private allOps(): Op[] {
    return [...this.ops.values()].flat();
  }

  private findOp(operationId: string): Op | undefined {
    return this.allOps().find((op) => op.operationId === operationId);
  }

  private latestOp(stackId: string): Op | undefined {
    return this.ops.get(stackId)?.at(-1);
  }

  /** A delete the layer is still playing (moto has already removed the stack). */
  private deletingOp(nameOrId: string): Op | undefined {
    const now = Date.now();
    return this.allOps()
      .filter(
        (op) =>
          op.type === 'DELETE_STACK' &&
          op.forwarded &&
          now < op.terminalAt &&
          (op.stackName === nameOrId || op.stackId === nameOrId),
      )
      .at(-1);
  }

  private stackStatus(stack: Obj): string {
    const op = this.latestOp(String(stack.StackId));
    return (op ? statusAt(op, Date.now())?.status : undefined) ?? String(stack.StackStatus);
  }

  private assertUpdatable(stack: Obj): void {
    const status = this.stackStatus(stack);
    if (status.endsWith('_IN_PROGRESS') || status === 'ROLLBACK_COMPLETE' || status.endsWith('_FAILED')) {
      throw new AwsError(
        'ValidationError',
        `Stack:${String(stack.StackId)} is in ${status} state and can not be updated.`,
        400,
      );
    }
  }

  /** DescribeStacks entry with the layer's view: status, reason, last operations, termination protection. */
  private overlay(stack: Obj): Obj {
    const stackId = String(stack.StackId);
    const ops = this.ops.get(stackId) ?? [];
    const op = ops.at(-1);
    const now = Date.now();
    const out: Obj = { ...stack };
    if (op) {
      const status = statusAt(op, now);
      if (status) {
        out.StackStatus = status.status;
        if (status.reason) out.StackStatusReason = status.reason;
        else delete out.StackStatusReason;
      }
      if (op.parameters && op.type === 'CREATE_STACK' && !op.forwarded) out.Parameters = op.parameters;
      if (op.forwarded && op.revert && op.failedAt !== undefined && now >= op.failedAt) {
        // the update was undone: the previous parameters and outputs, whatever moto replayed
        out.Parameters = Object.entries(op.revert.parameters).map(([ParameterKey, ParameterValue]) => ({
          ParameterKey,
          ParameterValue,
        }));
        if (op.previousOutputs !== undefined) out.Outputs = op.previousOutputs;
      }
      const last: Obj[] = [];
      for (const o of [...ops].reverse()) {
        if (o.rollbackOperationId && o.failedAt !== undefined && o.failedAt <= now) {
          last.push({ OperationType: 'ROLLBACK', OperationId: o.rollbackOperationId });
        }
        last.push({ OperationType: o.type, OperationId: o.operationId });
      }
      out.LastOperations = last.slice(0, 5);
    }
    out.EnableTerminationProtection = this.protection.get(stackId) ? 'true' : 'false';
    return out;
  }

  /**
   * A stack whose load balancers a test routed to a local server: its outputs name that server's host and
   * port wherever they name a load balancer's DNS name (see routeLoadBalancer).
   */
  private async routeOutputs(stack: Obj): Promise<Obj> {
    const route = this.loadBalancerRoutes.get(String(stack.StackName));
    const outputs = (Array.isArray(stack.Outputs) ? stack.Outputs : []) as Obj[];
    if (!route || outputs.length === 0) return stack;
    const names: string[] = [];
    try {
      for (const r of await this.resources(String(stack.StackId))) {
        if (r.type !== LOAD_BALANCER_TYPE || !r.physicalId) continue;
        const described = await this.moto.query('elasticloadbalancing', 'DescribeLoadBalancers', {
          'LoadBalancerArns.member.1': r.physicalId,
        });
        for (const lb of (Array.isArray(described.LoadBalancers) ? described.LoadBalancers : []) as Obj[]) {
          if (lb.DNSName) names.push(String(lb.DNSName));
        }
      }
    } catch {
      return stack; // the stack is going away
    }
    if (names.length === 0) return stack;
    const local = route.host;
    return {
      ...stack,
      Outputs: outputs.map((o) => {
        let value = String(o.OutputValue ?? '');
        for (const name of names) value = value.split(name).join(local);
        return { ...o, OutputValue: value };
      }),
    };
  }

  // ------------------------------------------------------------------------------------------ moto reads

  private async describeStack(nameOrId: string): Promise<Obj> {
    const result = await this.moto.query('cloudformation', 'DescribeStacks', { StackName: nameOrId });
    const stacks = (Array.isArray(result.Stacks) ? result.Stacks : []) as Obj[];
    const stack = stacks[0];
    if (!stack) throw new AwsError('ValidationError', `Stack with id ${nameOrId} does not exist`, 400);
    return stack;
  }

  private async resources(
    stackId: string,
  ): Promise<Array<{ logicalId: string; type: string; physicalId: string }>> {
    const result = await this.moto.query('cloudformation', 'DescribeStackResources', { StackName: stackId });
    const list = (Array.isArray(result.StackResources) ? result.StackResources : []) as Obj[];
    return list.map((r) => ({
      logicalId: String(r.LogicalResourceId),
      type: String(r.ResourceType),
      physicalId: String(r.PhysicalResourceId ?? ''),
    }));
  }

  /** The stack's template: the layer's record, or moto's (a stack seeded behind the layer). */
  private async currentTemplate(stackId: string): Promise<StoredTemplate> {
    const known = this.templates.get(stackId);
    if (known) return known;
    const result = await this.moto.query('cloudformation', 'GetTemplate', { StackName: stackId });
    const body = String(result.TemplateBody ?? '');
    return { original: body, compiled: body, imports: [] };
  }

  /** Compiles a template for moto (see compile.ts) with these parameter values. */
  private async prepare(
    stackName: string,
    stackId: string | undefined,
    original: string,
    parameters: Record<string, string>,
  ): Promise<StoredTemplate> {
    const compiled = compileTemplate(original, {
      region: this.region,
      accountId: ACCOUNT_ID,
      stackName,
      stackId,
      parameters,
      availabilityZones: await this.zones(),
    });
    const body = await this.materializeSkipped(stackName, compiled.body, parameters);
    return { original, compiled: body, imports: compiled.imports };
  }

  /**
   * moto builds neither AWS::SecretsManager::Secret nor AWS::CloudWatch::Alarm from a template: it skips
   * the resource, drops the outputs that Ref it, leaves `{{resolve:secretsmanager:…}}` unresolved, and a Ref
   * elsewhere (an ECS service's alarm names) becomes null. The layer plays CloudFormation's part:
   * (Ref values: the secret's ARN, the alarm's name —
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-secret.html,
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html;
   * dynamic references are resolved before the resource is created:
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html.)
   * - a secret is created in moto's Secrets Manager (GenerateSecretString: a random value; an existing
   *   secret of that name is kept, as an update keeps it); its Ref is its ARN, and the dynamic references
   *   resolve to its value, as CloudFormation resolves them before the resource handlers run;
   * - an alarm's Ref is its name: AlarmName, or the name CloudFormation generates (stack name, logical id,
   *   a suffix), kept from one update to the next. The alarm itself is not built (what goes to ALARM is the
   *   ECS scenario's choice, see service-deployments.ts).
   * (CloudFormation creates the secret when the change set runs; the layer does it when the template is
   * first compiled for a change set, a difference no caller can see.)
   */
  private async materializeSkipped(
    stackName: string,
    body: string,
    parameters: Record<string, string>,
  ): Promise<string> {
    const template = JSON.parse(body) as { Resources?: Record<string, Obj> };
    const resources = template.Resources ?? {};
    const skipped = Object.entries(resources).filter(
      ([, r]) => r.Type === 'AWS::SecretsManager::Secret' || r.Type === 'AWS::CloudWatch::Alarm',
    );
    if (skipped.length === 0) return body;
    const known: Array<{ id: string; name: string; arn: string; value?: string }> = [];
    for (const [id, resource] of skipped) {
      const props = (resource.Properties ?? {}) as Obj;
      if (resource.Type === 'AWS::CloudWatch::Alarm') {
        const name = exportName(props.AlarmName, stackName, parameters) ?? generatedName(stackName, id);
        known.push({ id, name, arn: name });
      } else {
        const name = exportName(props.Name, stackName, parameters) ?? generatedName(stackName, id);
        known.push({ id, name, ...(await this.ensureSecret(name, props)) });
      }
      delete resources[id];
    }
    const walk = (node: unknown, inSub: boolean): unknown => {
      if (typeof node === 'string') {
        let text = node;
        if (inSub) for (const k of known) text = text.split(`\${${k.id}}`).join(k.arn);
        return text.replace(
          /\{\{resolve:secretsmanager:(.+?):SecretString\}\}/g,
          (whole, ref: string) =>
            known.find((k) => k.value !== undefined && (k.arn === ref || k.name === ref))?.value ?? whole,
        );
      }
      if (Array.isArray(node)) return node.map((n) => walk(n, inSub));
      if (node && typeof node === 'object') {
        const obj = node as Obj;
        const keys = Object.keys(obj);
        if (keys.length === 1 && keys[0] === 'Ref') {
          const hit = known.find((k) => k.id === obj.Ref);
          if (hit) return hit.arn;
        }
        if (Array.isArray(obj.DependsOn))
          obj.DependsOn = obj.DependsOn.filter((d) => !known.some((k) => k.id === d));
        else if (known.some((k) => k.id === obj.DependsOn)) delete obj.DependsOn;
        return Object.fromEntries(
          Object.entries(obj).map(([key, value]) => [key, walk(value, inSub || key === 'Fn::Sub')]),
        );
      }
      return node;
    };
    return JSON.stringify(walk(template, false));
  }

  /** The secret `name` in moto's Secrets Manager, created with a generated value when missing. */
  private async ensureSecret(name: string, props: Obj): Promise<{ arn: string; value: string }> {
    try {
      const found = await this.moto.json<{ ARN: string; SecretString?: string }>(
        'secretsmanager',
        'GetSecretValue',
        { SecretId: name },
      );
      return { arn: found.ARN, value: found.SecretString ?? '' };
    } catch (error) {
      if ((error as AwsError).code !== 'ResourceNotFoundException') throw error;
    }
    const generate = (props.GenerateSecretString ?? {}) as Obj;
    const value = typeof props.SecretString === 'string' ? props.SecretString : generatedSecret(generate);
    const created = await this.moto.json<{ ARN: string }>('secretsmanager', 'CreateSecret', {
      Name: name,
      ...(typeof props.Description === 'string' ? { Description: props.Description } : {}),
      SecretString: value,
    });
    return { arn: created.ARN, value };
  }

  /** What Fn::GetAZs answers: the region's zones as EC2 lists them. */
  private async zones(): Promise<string[]> {
    if (this.availabilityZones) return this.availabilityZones;
    let zones: string[] = [];
    try {
      const result = await this.moto.query('ec2', 'DescribeAvailabilityZones', {});
      const info = (result.availabilityZoneInfo ?? {}) as { item?: unknown };
      const items = (Array.isArray(info.item) ? info.item : info.item ? [info.item] : []) as Obj[];
      zones = items.map((z) => String(z.zoneName)).filter((z) => z.startsWith(this.region));
    } catch {
      // fall back below
    }
    if (zones.length === 0) zones = ['a', 'b', 'c'].map((z) => `${this.region}${z}`);
    this.availabilityZones = zones.sort();
    return this.availabilityZones;
  }

  private async templateBodyOf(p: Record<string, string>): Promise<string> {
    if (p.TemplateBody) return p.TemplateBody;
    if (p.TemplateURL) return this.fetchTemplateUrl(p.TemplateURL);
    throw new AwsError('ValidationError', 'Either Template URL or Template Body must be specified.', 400);
  }

  /** TemplateURL objects live in moto's S3 (https://BUCKET.s3.amazonaws.com/KEY or path style). */
  private async fetchTemplateUrl(templateUrl: string): Promise<string> {
    const url = new URL(templateUrl);
    let bucket: string;
    let key: string;
    const hostBucket = /^(.+)\.s3[.-]/.exec(url.hostname);
    if (hostBucket) {
      bucket = hostBucket[1]!;
      key = url.pathname.slice(1);
    } else {
      const [first, ...rest] = url.pathname.slice(1).split('/');
      bucket = first ?? '';
      key = rest.join('/');
    }
    const response = await fetch(`${this.moto.url}/${bucket}/${key}`, {
      headers: {
        authorization: `AWS4-HMAC-SHA256 Credential=LOCALAWSINTERNAL/20240101/${this.region}/s3/aws4_request, SignedHeaders=host, Signature=0`,
      },
    });
    if (!response.ok) throw new AwsError('ValidationError', `TemplateURL must be a supported URL.`, 400);
    return response.text();
  }
}

// -------------------------------------------------------------------------------------------- helpers

/** An output's Export Name as CloudFormation resolves it (a string, or Fn::Sub of parameters and pseudo parameters). */
function exportName(
  name: unknown,
  stackName: string,
  parameters: Record<string, string>,
): string | undefined {
  if (typeof name === 'string') return name;
  const sub = (name as Obj | undefined)?.['Fn::Sub'];
  if (typeof sub !== 'string') return undefined;
  const pseudo: Record<string, string> = { 'AWS::StackName': stackName, 'AWS::AccountId': ACCOUNT_ID };
  return sub.replace(/\$\{([^}]+)\}/g, (whole, key: string) => parameters[key] ?? pseudo[key] ?? whole);
}

function resultOf(response: LayerResponse, action: string): Obj {
  const parsed = parseXml(response.body.toString());
  const root = (parsed[`${action}Response`] ?? {}) as Obj;
  return (fromQueryShape(root[`${action}Result`] ?? {}) ?? {}) as Obj;
}

/** A template body as CloudFormation reads it, or the ValidationError it answers. */
function parseOrRefuse(body: string): Template {
  let template: Template;
  try {
    template = parseTemplate(body);
  } catch (error) {
    if (error instanceof TemplateRefusal) throw new AwsError('ValidationError', error.message, 400);
    throw new AwsError(
      'ValidationError',
      `Template format error: ${(error as Error).message.split('\n')[0]}`,
      400,
    );
  }
  if (!template || typeof template !== 'object' || Array.isArray(template)) {
    throw new AwsError('ValidationError', 'Template format error: unsupported structure.', 400);
  }
  return template;
}

/** Every parameter's value, or the ValidationError AWS answers for missing and undeclared ones. */
function requireParameters(
  template: Template,
  given: Array<Record<string, string>>,
  previous: Record<string, string>,
): Record<string, string> {
  const declared = template.Parameters ?? {};
  const unknown = given.map((g) => g.ParameterKey ?? '').filter((key) => !(key in declared));
  if (unknown.length) {
    throw new AwsError(
      'ValidationError',
      `Parameters: [${unknown.join(', ')}] do not exist in the template`,
      400,
    );
  }
  const resolved = resolveParameters(template, given, previous);
  if (resolved.missing.length) {
    throw new AwsError(
      'ValidationError',
      `Parameters: [${resolved.missing.join(', ')}] must have values`,
      400,
    );
  }
  return resolved.values;
}

/**
 * A request's form with the compiled template in place of the user's (TemplateBody, URL or previous) and
 * every parameter's value spelled out: moto takes a UsePreviousValue as the typed value it stored (30, not
 * '30') and then sees a change in every Number parameter kept.
 */
function withTemplate(
  p: Record<string, string>,
  compiled: string,
  values: Record<string, string>,
): Record<string, string> {
  const form: Record<string, string> = { ...p, TemplateBody: compiled };
  delete form.TemplateURL;
  delete form.UsePreviousTemplate;
  for (const key of Object.keys(form)) if (key.startsWith('Parameters.')) delete form[key];
  Object.entries(values).forEach(([key, value], i) => {
    form[`Parameters.member.${i + 1}.ParameterKey`] = key;
    form[`Parameters.member.${i + 1}.ParameterValue`] = value;
  });
  return form;
}

function encodeForm(form: Record<string, string>): Buffer {
  return Buffer.from(new URLSearchParams(form).toString());
}

function parametersOf(stack: Obj): Record<string, string> {
  const list = (Array.isArray(stack.Parameters) ? stack.Parameters : []) as Obj[];
  return Object.fromEntries(list.map((p) => [String(p.ParameterKey), String(p.ParameterValue ?? '')]));
}

/** A coupling whose deployments have all been decided (an end time, or a failure), else undefined. */
function coupledNow(c: Coupling): Coupling | undefined {
  if (c.fail) return c;
  return [...c.waits.values()].every(Number.isFinite) ? c : undefined;
}

/** The physical name CloudFormation gives a resource without one: stable for the stack and logical id. */
function generatedName(stackName: string, logicalId: string): string {
  const suffix = createHash('sha256').update(`${stackName}/${logicalId}`).digest('hex').slice(0, 12);
  return `${stackName}-${logicalId}-${suffix.toUpperCase()}`;
}

/** A GenerateSecretString value: PasswordLength (32) characters, without punctuation when excluded. */
function generatedSecret(options: Obj): string {
  const length = typeof options.PasswordLength === 'number' ? options.PasswordLength : 32;
  let alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  if (options.ExcludePunctuation !== true) alphabet += '!#$%&()*+,-.:;<=>?@[]^_{|}~';
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
}

function eventKey(e: StackEvent): string {
  return `${e.LogicalResourceId}|${e.ResourceStatus}|${e.at}`;
}

function statusAt(op: Op, now: number): { status: string; reason?: string } | undefined {
  const stackEvents = op.events.filter((e) => e.ResourceType === STACK_TYPE && e.at <= now);
  const last = stackEvents.sort((a, b) => a.at - b.at || a.seq - b.seq).at(-1);
  return last ? { status: last.ResourceStatus, reason: last.ResourceStatusReason } : undefined;
}

function stepsOf(
  changes: ResourceChange[],
  before: Array<{ logicalId: string; physicalId: string }>,
  after: Array<{ logicalId: string; physicalId: string }>,
): Step[] {
  const old = new Map(before.map((r) => [r.logicalId, r.physicalId]));
  const now = new Map(after.map((r) => [r.logicalId, r.physicalId]));
  return changes.map((c) => {
    const oldPhysicalId = old.get(c.LogicalResourceId);
    const physicalId = now.get(c.LogicalResourceId) ?? oldPhysicalId ?? '';
    return {
      logicalId: c.LogicalResourceId,
      type: c.ResourceType,
      action: c.Action,
      physicalId,
      oldPhysicalId,
      replacement: c.Replacement === 'True',
    };
  });
}

function eventShape(e: StackEvent): Obj {
  return {
    StackId: e.StackId,
    EventId: e.EventId,
    StackName: e.StackName,
    OperationId: e.OperationId,
    LogicalResourceId: e.LogicalResourceId,
    PhysicalResourceId: e.PhysicalResourceId,
    ResourceType: e.ResourceType,
    Timestamp: new Date(e.at).toISOString(),
    ResourceStatus: e.ResourceStatus,
    ...(e.ResourceStatusReason ? { ResourceStatusReason: e.ResourceStatusReason } : {}),
    __seq: e.seq,
  };
}
