// One whole environment in one step, for the root action: the network, database and service stacks from
// the action's own cloudformation/ templates (each a change set, skipped when unchanged), then the rollout of
// the image through the service stack (migrations first, the ECS deployment watched, a smoke test last).
// Everything here composes lib/cloudformation and lib/ecs; nothing is re-implemented.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DeployStackResult, deployStack, describeStack } from './cloudformation/deploy.js';
import { renderDeploySummary as renderStackSummary } from './cloudformation/summary.js';
import { log } from './core.js';
import { DeployServiceError, deployService } from './ecs/deploy.js';
import { renderDeploySummary as renderServiceSummary } from './ecs/summary.js';
import type { DeployServiceResult } from './ecs/types.js';
import { ActionError, messageOf } from './errors.js';
import { formatDuration } from './inputs.js';
import { escapeMarkdown, heading, table } from './summary.js';

export interface EnvironmentOptions {
  environment: string;
  image: string;
  /** The ECR repository the image is in: the task execution role may pull only from it. */
  repositoryName: string;
  appVersion?: string;
  containerPort: number;
  healthCheckPath: string;
  smokePath: string;
  desiredCount: number;
  /** The service stack's DeploymentStrategy (default ROLLING). */
  deploymentStrategy?: 'ROLLING' | 'BLUE_GREEN' | 'CANARY' | 'LINEAR';
  cpu: number;
  memory: number;
  cpuArchitecture: 'X86_64' | 'ARM64';
  egressMode: 'nat' | 'endpoints' | 'public';
  availabilityZones: number;
  database: boolean;
  databaseInstanceClass: string;
  databaseMultiAz: boolean;
  certificateArn?: string;
  /** The CloudFormation service role the stacks are deployed with (the github-oidc stack's CloudFormationRoleArn). */
  cloudFormationRoleArn?: string;
  migrateCommand?: string[];
  region: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Where network.yml, database.yml and service.yml are. */
  templatesDir: string;
}

export type StackStatus = DeployStackResult['status'] | 'skipped' | 'failed' | 'not started';

export interface EnvironmentStack {
  layer: 'network' | 'database' | 'service';
  name: string;
  status: StackStatus;
  result?: DeployStackResult;
  error?: unknown;
}

export interface EnvironmentResult {
  environment: string;
  region: string;
  image: string;
  stacks: EnvironmentStack[];
  status: DeployServiceResult['status'];
  url?: string;
  serviceArn?: string;
  taskDefinitionArn?: string;
  service?: DeployServiceResult;
  /** One line: why the deploy failed. */
  error?: string;
  /** The error to fail the step with, once the outputs are set. */
  failure?: unknown;
  durationMs: number;
}

export function stackName(environment: string, layer: EnvironmentStack['layer']): string {
  return `${environment}-${layer}`;
}

function template(options: EnvironmentOptions, layer: EnvironmentStack['layer']) {
  const path = join(options.templatesDir, `${layer}.yml`);
  return { body: readFileSync(path, 'utf8'), path: `cloudformation/${layer}.yml` };
}

/** The infrastructure parameters of the service stack: everything but the image and the version. */
export function serviceParameters(o: EnvironmentOptions): Record<string, string> {
  return {
    EnvironmentName: o.environment,
    Database: o.database ? 'on' : 'off',
    RepositoryName: o.repositoryName,
    ContainerPort: String(o.containerPort),
    HealthCheckPath: o.healthCheckPath,
    Cpu: String(o.cpu),
    Memory: String(o.memory),
    CpuArchitecture: o.cpuArchitecture,
    DesiredCount: String(o.desiredCount),
    CertificateArn: o.certificateArn ?? '',
    DeploymentStrategy: o.deploymentStrategy ?? 'ROLLING',
    // The root action does not run the test-traffic gate (deploy-ecs's test-url) yet: no PAUSE hook.
    TestTrafficGate: 'off',
  };
}

export async function deployEnvironment(o: EnvironmentOptions): Promise<EnvironmentResult> {
  const started = Date.now();
  const deadline = started + o.timeoutMs;
  const remaining = () => Math.max(60_000, deadline - Date.now());
  const result: EnvironmentResult = {
    environment: o.environment,
    region: o.region,
    image: o.image,
    status: 'failed',
    durationMs: 0,
    stacks: [
      { layer: 'network', name: stackName(o.environment, 'network'), status: 'not started' },
      {
        layer: 'database',
        name: stackName(o.environment, 'database'),
        status: o.database ? 'not started' : 'skipped',
      },
      { layer: 'service', name: stackName(o.environment, 'service'), status: 'not started' },
    ],
  };
  const [network, database, service] = result.stacks as [
    EnvironmentStack,
    EnvironmentStack,
    EnvironmentStack,
  ];
  const common = { region: o.region, roleArn: o.cloudFormationRoleArn, signal: o.signal };

  const deploy = async (stack: EnvironmentStack, run: () => Promise<DeployStackResult>) => {
    log.info(`── ${stack.name} ──`);
    try {
      stack.result = await run();
      stack.status = stack.result.status;
    } catch (error) {
      stack.status = 'failed';
      stack.error = error;
      throw error;
    }
  };

  try {
    await deploy(network, () =>
      deployStack({
        ...common,
        name: network.name,
        template: template(o, 'network'),
        parameters: {
          EnvironmentName: o.environment,
          EgressMode: o.egressMode,
          AvailabilityZoneCount: String(o.availabilityZones),
        },
        timeoutMs: remaining(),
      }),
    );
    if (o.database) {
      await deploy(database, () =>
        deployStack({
          ...common,
          name: database.name,
          template: template(o, 'database'),
          parameters: {
            EnvironmentName: o.environment,
            InstanceClass: o.databaseInstanceClass,
            MultiAZ: String(o.databaseMultiAz),
          },
          timeoutMs: remaining(),
        }),
      );
    }

    // The service stack: infrastructure changes first, with the image and version it already runs, so a
    // rollout only ever changes ImageUri/AppVersion (through deployService, with migrations before it).
    const existing = await describeStack(service.name, o.region);
    const creating =
      !existing || existing.status === 'ROLLBACK_COMPLETE' || existing.status === 'REVIEW_IN_PROGRESS';
    const infrastructure = serviceParameters(o);
    // AppVersion must match the template's pattern: without one, the image digest's start identifies the build.
    const version = o.appVersion ?? o.image.split('@sha256:')[1]?.slice(0, 12) ?? 'unknown';
    if (creating) {
      // No task may serve before the migrations ran: with a migrate command, create the service with no
      // tasks, and let the rollout below run the migration and then scale it to the desired count.
      await deploy(service, () =>
        deployStack({
          ...common,
          name: service.name,
          template: template(o, 'service'),
          parameters: {
            ...infrastructure,
            ...(o.migrateCommand ? { DesiredCount: '0' } : {}),
            ImageUri: o.image,
            AppVersion: version,
          },
          timeoutMs: remaining(),
        }),
      );
    } else {
      await deploy(service, () =>
        deployStack({
          ...common,
          name: service.name,
          template: template(o, 'service'),
          parameters: infrastructure,
          keepPreviousParameters: true,
          timeoutMs: remaining(),
        }),
      );
    }
    const outputs = service.result?.outputs ?? {};
    result.url = outputs.ServiceUrl;
    result.serviceArn = outputs.ServiceArn;
    if (!outputs.ClusterName || !outputs.ServiceName) {
      throw new ActionError(`Stack ${service.name} has no ClusterName/ServiceName outputs`, {
        hint: 'The service stack must come from this action’s cloudformation/service.yml.',
      });
    }

    log.info(`── rollout of ${o.image} ──`);
    const rollout = await deployService({
      action: 'deploy-environment',
      region: o.region,
      cluster: outputs.ClusterName,
      service: outputs.ServiceName,
      image: o.image,
      stack: service.name,
      stackParameters: {
        AppVersion: version,
        ...(creating && o.migrateCommand ? { DesiredCount: String(o.desiredCount) } : {}),
      },
      migrateCommand: o.migrateCommand,
      timeoutMs: remaining(),
      smoke: result.url
        ? { url: joinUrl(result.url, o.smokePath), expectVersion: o.appVersion, timeoutMs: 5 * 60_000 }
        : undefined,
      signal: o.signal,
    });
    result.service = rollout;
    result.taskDefinitionArn = rollout.taskDefinitionArn;
    const infrastructureChanged = result.stacks.some((s) => s.status === 'created' || s.status === 'updated');
    result.status = rollout.status === 'unchanged' && infrastructureChanged ? 'deployed' : rollout.status;
  } catch (error) {
    if (error instanceof DeployServiceError) {
      result.service = error.result;
      result.status = error.result.status;
      result.taskDefinitionArn = error.result.taskDefinitionArn;
    } else {
      result.status = 'failed';
    }
    result.error = messageOf(error);
    result.failure = error;
  }
  result.durationMs = Date.now() - started;
  return result;
}

function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

const STATUS_WORDS: Record<StackStatus, string> = {
  created: '🆕 created',
  updated: '✅ updated',
  unchanged: '➖ unchanged',
  review: '📝 change set for review',
  skipped: '⏭️ skipped',
  failed: '❌ failed',
  'not started': '· not started',
};

export function renderEnvironmentSummary(r: EnvironmentResult): string {
  const parts: string[] = [];
  const headline =
    r.status === 'failed' || r.status === 'rolled-back'
      ? `❌ ${escapeMarkdown(r.environment)}: deploy ${r.status === 'rolled-back' ? 'rolled back' : 'failed'}`
      : `✅ ${escapeMarkdown(r.environment)}: ${r.status === 'unchanged' ? 'already up to date' : 'deployed'}`;
  parts.push(heading(2, headline));
  if (r.error) parts.push(`**${escapeMarkdown(r.error)}**\n\n`);
  parts.push(
    table(
      ['', ''],
      [
        ['Service URL', r.url ?? '—'],
        ['Image', r.image],
        ['Region', r.region],
        ['Duration', formatDuration(r.durationMs)],
      ],
    ),
  );
  parts.push(heading(3, 'Stacks'));
  parts.push(
    table(
      ['stack', 'result'],
      r.stacks.map((s) => [s.name, STATUS_WORDS[s.status]]),
    ),
  );
  for (const stack of r.stacks) {
    const outcome = stack.result ?? stack.error;
    if (outcome && (stack.status !== 'unchanged' || stack.error))
      parts.push(renderStackSummary(outcome, stack.name));
  }
  if (r.service) parts.push(renderServiceSummary(r.service));
  return parts.join('\n');
}
