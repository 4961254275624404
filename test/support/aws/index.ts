// The local AWS endpoint the actions are tested against: moto (one server per startLocalAws call) behind a
// scenario layer that models what moto does not (ECS rollouts and tasks over time, CloudFormation operations
// that take time and fail, ECR pushes and scans), records every call and injects throttling / server errors.
// See README.md in this folder.
import { type CfnScenarios, CloudFormationEngine } from './cloudformation.js';
import { EcrEngine, type EcrScenarios } from './ecr.js';
import { EcsEngine, type EcsScenarios } from './ecs.js';
import { startMoto } from './moto.js';
import { LayerServer, type RecordedCall } from './server.js';
import { MotoClient } from './wire.js';

export type { CfnOperationRecord, CfnScenarios, OperationScenario } from './cloudformation.js';
export type { EcrScenarios, PushImageInput, ScanFinding, ScanScenario } from './ecr.js';
export type {
  EcsScenarios,
  RolloutRecord,
  RolloutScenario,
  RunTaskScenario,
  StoppedTaskSpec,
} from './ecs.js';
export {
  type SeedEcsServiceOptions,
  type SeededService,
  type SeededStackService,
  type SeedStackManagedServiceOptions,
  seedCertificate,
  seedEcsService,
  seedStackManagedService,
  stackManagedServiceTemplate,
} from './seed.js';
export type { RecordedCall } from './server.js';

export const ACCOUNT_ID = '123456789012';

export interface LocalAws {
  /** The layer's base URL, e.g. http://127.0.0.1:PORT: the endpoint for every service. */
  url: string;
  /** moto's own URL (behind the layer). Calls made there are neither recorded nor shaped by scenarios. */
  motoUrl: string;
  region: string;
  accountId: string;
  /** What a child process needs: AWS_ENDPOINT_URL, AWS_REGION, test credentials, no instance metadata. */
  env: Record<string, string>;
  /** For SDK clients in tests: `new ECSClient(aws.clientConfig)`. */
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  /** Every request the layer saw, in arrival order (faults included). */
  calls: RecordedCall[];
  callCount(filter?: { service?: string; action?: string }): number;
  clearCalls(): void;
  faults: {
    /** The next `times` matching calls fail with the protocol's throttling error. */
    throttle(f: { service: string; action?: string; times: number }): void;
    /** The next `times` matching calls fail with InternalFailure (500) or ServiceUnavailable (503). */
    serverError(f: { service: string; action?: string; times: number; status?: 500 | 503 }): void;
  };
  ecs: EcsScenarios;
  cloudformation: CfnScenarios;
  ecr: EcrScenarios;
  /** moto reset (POST /moto-api/reset) and every scenario, fault and recorded call cleared. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalAws(opts: { region?: string } = {}): Promise<LocalAws> {
  const region = opts.region ?? 'us-east-1';
  const moto = await startMoto();
  const layer = new LayerServer(moto.url);
  let url: string;
  try {
    url = await layer.listen();
  } catch (error) {
    await moto.stop();
    throw error;
  }
  const client = new MotoClient(moto.url, region);
  const ecs = new EcsEngine(client, region);
  const cloudformation = new CloudFormationEngine(client, region, ecs);
  const ecr = new EcrEngine(client, region);

  layer.handle('ecs', async (call) => {
    await cloudformation.tick();
    return ecs.handle(call, (body) => layer.forward(call, body));
  });
  layer.handle('logs', async () => {
    await cloudformation.tick();
    await ecs.tick(); // task output due by now is in CloudWatch Logs before anyone reads it
    return undefined;
  });
  layer.handle('cloudformation', async (call) => {
    await cloudformation.tick();
    return cloudformation.handle(call, (body) => layer.forward(call, body));
  });
  layer.handle('ecr', (call) => ecr.handle(call, (body) => layer.forward(call, body)));
  // The control plane over HTTP (POST, JSON body), for processes that are not the test: a recording
  // `docker` stand-in pushing images, or a scenario script.
  const control = <T>(path: string, fn: (body: T) => unknown) =>
    layer.route(path, async (body) => (await fn(body as T)) ?? {});
  control('/_local/ecr/push', (body: Parameters<EcrEngine['pushImage']>[0]) => ecr.pushImage(body));
  control('/_local/ecr/scan', (body: Parameters<EcrEngine['scanResult']>[0]) => ecr.scanResult(body));
  control('/_local/ecs/next-rollout', (body: Parameters<EcsEngine['nextRollout']>[0]) =>
    ecs.nextRollout(body),
  );
  control('/_local/ecs/next-run-task', (body: Parameters<EcsEngine['nextRunTask']>[0]) =>
    ecs.nextRunTask(body),
  );
  control('/_local/ecs/rollouts', (body: { service: string; cluster?: string }) => ({
    rollouts: ecs.rollouts(body.service, body.cluster),
  }));
  control(
    '/_local/cloudformation/next-operation',
    (body: Parameters<CloudFormationEngine['nextOperation']>[0]) => cloudformation.nextOperation(body),
  );
  control('/_local/cloudformation/route-load-balancer', (body: { stack: string; url: string }) =>
    cloudformation.routeLoadBalancer(body),
  );
  control('/_local/cloudformation/operations', (body: { stack: string }) => ({
    operations: cloudformation.operations(body.stack),
  }));
  control('/_local/faults/throttle', (body: Parameters<LayerServer['addFault']>[1]) =>
    layer.addFault('throttle', body),
  );
  control('/_local/faults/server-error', (body: Parameters<LayerServer['addFault']>[1]) =>
    layer.addFault('serverError', body),
  );
  control('/_local/calls', () => ({ calls: layer.calls }));

  const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'local-aws-test-secret-key' };
  let stopped = false;

  const aws: LocalAws = {
    url,
    motoUrl: moto.url,
    region,
    accountId: ACCOUNT_ID,
    // One variable per service, the way the SDK resolves AWS_ENDPOINT_URL_<SERVICE>, and no global
    // AWS_ENDPOINT_URL: a client for a service not listed here would go to AWS itself and fail, so every
    // service the actions call is shown to honour its own variable (the end-to-end runs use the global one).
    env: {
      AWS_ENDPOINT_URL_CLOUDFORMATION: url,
      AWS_ENDPOINT_URL_ECS: url,
      AWS_ENDPOINT_URL_ECR: url,
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: url,
      AWS_ENDPOINT_URL_S3: url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: url,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    clientConfig: { endpoint: url, region, credentials },
    calls: layer.calls,
    callCount(filter = {}) {
      return layer.calls.filter(
        (c) =>
          (filter.service === undefined || c.service === filter.service) &&
          (filter.action === undefined || c.action === filter.action),
      ).length;
    },
    clearCalls() {
      layer.calls.length = 0;
    },
    faults: {
      throttle: (f) => layer.addFault('throttle', f),
      serverError: (f) => layer.addFault('serverError', f),
    },
    ecs,
    cloudformation,
    ecr,
    async reset() {
      await client.post('/moto-api/reset');
      ecs.reset();
      cloudformation.reset();
      ecr.reset();
      layer.clearFaults();
      layer.calls.length = 0;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await layer.close();
      await moto.stop();
    },
  };
  return aws;
}
