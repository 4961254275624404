// Shared set-up for the deploy-ecs tests: the local AWS endpoint, images, a tiny HTTP server for smoke
// tests, and SDK clients pointed at the endpoint to look at what the action left behind.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import type { LocalAws } from '../../support/aws/index.js';
import { type ActionRun, runAction } from '../../support/harness.js';

export const REGISTRY = '123456789012.dkr.ecr.us-east-1.amazonaws.com/notes';

/** An image reference by digest; `n` picks the digest. */
export function image(n: number): string {
  return `${REGISTRY}@sha256:${n.toString(16).padStart(64, '0')}`;
}

/** The environment every run gets: the endpoint, fast polling for tests. */
export function runEnv(aws: LocalAws, extra: Record<string, string> = {}): Record<string, string> {
  return { ...aws.env, DEPLOY_ACTIONS_POLL_INTERVAL_MS: '200', ...extra };
}

export async function deploy(
  aws: LocalAws,
  inputs: Record<string, string | undefined>,
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<ActionRun> {
  return runAction('deploy-ecs', {
    inputs,
    env: options.env ?? runEnv(aws),
    cwd: options.cwd,
    timeoutMs: options.timeoutMs ?? 45_000,
  });
}

export function ecs(aws: LocalAws): ECSClient {
  return new ECSClient({ ...aws.clientConfig, maxAttempts: 2 });
}

export async function taskDefinition(aws: LocalAws, arn: string): Promise<TaskDefinition> {
  const response = await ecs(aws).send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
  return response.taskDefinition!;
}

export async function serviceTaskDefinition(
  aws: LocalAws,
  cluster: string,
  service: string,
): Promise<string> {
  const response = await ecs(aws).send(new DescribeServicesCommand({ cluster, services: [service] }));
  return response.services?.[0]?.taskDefinition ?? '';
}

/** Calls the action made, as `service:Action`, in order. */
export function callsOf(aws: LocalAws, service?: string): string[] {
  return aws.calls.filter((c) => !service || c.service === service).map((c) => `${c.service}:${c.action}`);
}

export interface SmokeServer {
  url: string;
  hits: number;
  close(): Promise<void>;
}

/** A local HTTP server answering `respond(hitNumber)` on every path. */
export async function smokeServer(
  respond: (hit: number, req: IncomingMessage) => { status: number; body: string },
): Promise<SmokeServer> {
  const state = { hits: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.hits += 1;
    const { status, body } = respond(state.hits, req);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/version`,
    get hits() {
      return state.hits;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The run's log and outputs, for a failed assertion's message. */
export function explain(run: ActionRun): string {
  return `exit ${run.code}\noutputs ${JSON.stringify(run.outputs)}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}
