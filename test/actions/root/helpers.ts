// Shared set-up for the root action's tests: images, the action run against the local AWS endpoint, a
// stand-in for the environment's load balancer and the tasks behind it, and readers of what the run left.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import type { LocalAws } from '../../support/aws/index.js';
import { MotoClient } from '../../support/aws/wire.js';
import { type ActionRun, runAction } from '../../support/harness.js';

export const REGISTRY = '123456789012.dkr.ecr.us-east-1.amazonaws.com/notes';

/** Per test: up to two whole-environment deploys, each bounded by deployEnvironment's own timeout. */
export const TEST_TIMEOUT_MS = 240_000;

/** An ECR image by digest; `n` picks the digest. */
export function image(n: number): string {
  return `${REGISTRY}@sha256:${n.toString(16).padStart(64, '0')}`;
}

/** The inputs a workflow gives for an environment; `overrides` replace or add (undefined: left out). */
export function inputs(
  environment: string,
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return { environment, image: image(1), 'app-version': 'v1', 'desired-count': '2', ...overrides };
}

export async function deployEnvironment(
  aws: LocalAws,
  given: Record<string, string | undefined>,
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ActionRun> {
  return runAction('root', {
    inputs: given,
    env: { ...aws.env, DEPLOY_ACTIONS_POLL_INTERVAL_MS: '200', ...options.env },
    // A whole environment from nothing is a dozen stack operations and a rollout: generous on 2 busy cores.
    timeoutMs: options.timeoutMs ?? 100_000,
  });
}

/** The run's log and outputs, for a failed assertion's message. */
export function explain(run: ActionRun): string {
  return `exit ${run.code}\noutputs ${JSON.stringify(run.outputs)}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

// ---------------------------------------------------------------------------------------------- readers

/** SDK clients on moto itself: what the tests read is neither recorded nor shaped by the layer. */
function behind(aws: LocalAws) {
  const config = { ...aws.clientConfig, endpoint: aws.motoUrl, maxAttempts: 2 };
  return { cfn: new CloudFormationClient(config), ecs: new ECSClient(config) };
}

/** Through the layer, as a user of the account sees it (these calls are recorded). */
function front(aws: LocalAws) {
  const config = { ...aws.clientConfig, maxAttempts: 2 };
  return { cfn: new CloudFormationClient(config), ecs: new ECSClient(config) };
}

export async function describeStack(aws: LocalAws, name: string): Promise<Stack | undefined> {
  try {
    const response = await front(aws).cfn.send(new DescribeStacksCommand({ StackName: name }));
    return response.Stacks?.[0];
  } catch (error) {
    if (/does not exist/.test(String(error))) return undefined;
    throw error;
  }
}

export function parametersOf(stack: Stack | undefined): Record<string, string> {
  return Object.fromEntries(
    (stack?.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ParameterValue ?? '']),
  );
}

export function outputsOf(stack: Stack | undefined): Record<string, string> {
  return Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
}

export async function templateOf(aws: LocalAws, stack: string): Promise<string> {
  const response = await front(aws).cfn.send(new GetTemplateCommand({ StackName: stack }));
  return response.TemplateBody ?? '';
}

export async function serviceOf(aws: LocalAws, environment: string) {
  const outputs = outputsOf(await describeStack(aws, `${environment}-service`));
  const response = await front(aws).ecs.send(
    new DescribeServicesCommand({ cluster: outputs.ClusterName, services: [outputs.ServiceName ?? ''] }),
  );
  return response.services?.[0];
}

/** A Secrets Manager secret's value, read from moto (not recorded as the action's call). */
export async function secretValue(aws: LocalAws, secretId: string): Promise<string> {
  const moto = new MotoClient(aws.motoUrl, aws.region);
  const found = await moto.json<{ SecretString?: string }>('secretsmanager', 'GetSecretValue', {
    SecretId: secretId,
  });
  return found.SecretString ?? '';
}

export async function taskDefinition(aws: LocalAws, arn: string): Promise<TaskDefinition> {
  const response = await front(aws).ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
  return response.taskDefinition!;
}

export function environmentOf(td: TaskDefinition, container = 'app'): Record<string, string> {
  const found = td.containerDefinitions?.find((c) => c.name === container);
  return Object.fromEntries((found?.environment ?? []).map((e) => [e.name ?? '', e.value ?? '']));
}

/** Stack-changing CloudFormation calls, as `Action StackName`. */
export function stackChanges(aws: LocalAws): string[] {
  return aws.calls
    .filter(
      (c) =>
        c.service === 'cloudformation' &&
        /^(CreateChangeSet|ExecuteChangeSet|CreateStack|UpdateStack|DeleteStack)$/.test(c.action),
    )
    .map((c) => `${c.action} ${String((c.params as Record<string, string>).StackName ?? '')}`.trim());
}

// ---------------------------------------------------------------------------------------------- the service

export interface FakeService {
  /** http://127.0.0.1:PORT: what the test routes the environment's load balancer to. */
  url: string;
  /** Paths requested, in order. */
  requests: string[];
  /** Requests the test listener rule matched (the secret X-Test-Traffic header), with the version answered. */
  testRequests: Array<{ path: string; version?: string }>;
  close(): Promise<void>;
}

export interface FakeServiceOptions {
  /** What a task running this APP_VERSION answers on /version instead of it (a broken build). */
  answer?: (version: string | undefined) => { status: number; body: unknown } | undefined;
}

/**
 * Stands in for the environment's load balancer and the tasks behind it: `/version` answers the
 * APP_VERSION of the task definition the ECS service runs at that moment (read from moto, so the tests'
 * own reads are not recorded as the action's calls), like the real service's /version; anything else 404.
 * The layer routes the service stack's load balancer here (aws.cloudformation.routeLoadBalancer), so the
 * stack's ServiceUrl output names this server and the action's smoke test reaches it.
 */
export async function startFakeService(
  aws: LocalAws,
  environment: string,
  options: FakeServiceOptions = {},
): Promise<FakeService> {
  const requests: string[] = [];
  const testRequests: FakeService['testRequests'] = [];
  const { cfn, ecs } = behind(aws);
  const moto = new MotoClient(aws.motoUrl, aws.region);
  /** The task definition a request reaches: the listener rules' weights during a service deployment. */
  const target = async (testRule: boolean): Promise<string | undefined> => {
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: `${environment}-service` })))
      .Stacks?.[0];
    const outputs = outputsOf(stack);
    const service = (
      await ecs.send(
        new DescribeServicesCommand({ cluster: outputs.ClusterName, services: [outputs.ServiceName ?? ''] }),
      )
    ).services?.[0];
    if (!service?.taskDefinition || !service.desiredCount) return undefined;
    const traffic = await aws.ecs.traffic(service.serviceName ?? '');
    const weights = Object.entries((testRule ? traffic?.test : traffic?.production) ?? {});
    const heaviest = weights.sort((a, b) => b[1] - a[1])[0]?.[0];
    return heaviest ?? service.taskDefinition;
  };
  /** The test listener rule's header value: the stack's secret, as the rule was created with it. */
  const testHeader = async (): Promise<string | undefined> => {
    try {
      const secret = await moto.json<{ SecretString?: string }>('secretsmanager', 'GetSecretValue', {
        SecretId: `${environment}-service/test-traffic-header`,
      });
      return secret.SecretString;
    } catch {
      return undefined; // no traffic-shifting strategy: no test rule
    }
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push(req.url ?? '');
    const answer = async () => {
      const given = req.headers['x-test-traffic'];
      const expected = given === undefined ? undefined : await testHeader();
      const testRule = expected !== undefined && given === expected;
      if (req.url !== '/version') return { status: 404, body: { title: 'Not Found' } };
      const td = await target(testRule);
      // No task to route to: what an ALB answers without healthy targets.
      if (td === undefined) return { status: 503, body: { title: 'Service Unavailable' } };
      const running = environmentOf(
        (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: td }))).taskDefinition!,
      ).APP_VERSION;
      const special = options.answer?.(running);
      if (testRule) testRequests.push({ path: req.url, version: special ? undefined : running });
      return special ?? { status: 200, body: { version: running } };
    };
    answer().then(
      ({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      },
      (error: unknown) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(String(error));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  aws.cloudformation.routeLoadBalancer({ stack: `${environment}-service`, url });
  return {
    url,
    requests,
    testRequests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
