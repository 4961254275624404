// One whole environment in one step, for the root action: the network, database and service stacks from
// the action's own cloudformation/ templates (each a change set, skipped when unchanged), then the rollout of
// the image through the service stack (migrations first, the ECS deployment watched, a smoke test last).
// Everything here composes lib/cloudformation and lib/ecs; nothing is re-implemented.
import { readFileSync } from 'node:fs';
import { type DeployStackResult, deployStack, describeStack } from './cloudformation/deploy.js';
import { renderDeploySummary as renderStackSummary } from './cloudformation/summary.js';
import { log } from './core.js';
import { DeployServiceError, deployService } from './ecs/deploy.js';
import { followWhile, nativeStrategy } from './ecs/service-deployment.js';
import { renderDeploySummary as renderServiceSummary } from './ecs/summary.js';
import type { DeployServiceResult, TestGate } from './ecs/types.js';
import {
  databaseParameters,
  exportsDependingOn,
  importsOf,
  networkParameters,
  PARAMETER_INPUTS,
  serviceParameters,
  templatePath,
  versionOf,
} from './environment-parameters.js';
import { ActionError, ConfigurationError, messageOf } from './errors.js';
import { formatDuration } from './inputs.js';
import { readSecretString } from './secrets.js';
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
  /** nat mode: one NAT gateway (single) or one per zone (per-az). */
  natGateways: 'single' | 'per-az';
  availabilityZones: number;
  database: boolean;
  databaseInstanceClass: string;
  databaseMultiAz: boolean;
  certificateArn?: string;
  /** The host name users reach the service at (covered by the certificate): the smoke test and `url` use it. */
  domainName?: string;
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
  /** With a certificate: the host name in `url`, and the load balancer its DNS record must point at. */
  domainName?: string;
  loadBalancerDnsName?: string;
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
  const body = readFileSync(templatePath(options.templatesDir, layer), 'utf8');
  return { body, path: `cloudformation/${layer}.yml` };
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
    domainName: o.domainName,
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
    await refuseExportChangesInUse(o);
    await deploy(network, () =>
      deployStack({
        ...common,
        name: network.name,
        template: template(o, 'network'),
        parameters: networkParameters(o),
        timeoutMs: remaining(),
      }),
    );
    if (o.database) {
      await deploy(database, () =>
        deployStack({
          ...common,
          name: database.name,
          template: template(o, 'database'),
          parameters: databaseParameters(o),
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
    const version = versionOf(o);
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
      // An infrastructure change can start a service deployment of its own (a new task definition revision:
      // cpu, memory, port); with a traffic-shifting strategy it pauses for the test gate like a rollout, and
      // runs the version the service already runs.
      const strategy = nativeStrategy(o.deploymentStrategy);
      const { ClusterName: cluster, ServiceName: serviceName, ServiceUrl: url } = existing.outputs;
      await deploy(service, async () => {
        const { outcome } = await followWhile(
          strategy && cluster && serviceName
            ? {
                region: o.region,
                cluster,
                service: serviceName,
                strategy,
                deadline: Date.now() + remaining(),
                signal: o.signal,
                gate: testGate(o, existing, url, existing.parameters.AppVersion),
              }
            : undefined,
          () =>
            deployStack({
              ...common,
              name: service.name,
              template: template(o, 'service'),
              parameters: infrastructure,
              keepPreviousParameters: true,
              timeoutMs: remaining(),
            }),
        );
        if (outcome.status === 'rejected') throw outcome.reason;
        return outcome.value;
      });
    }
    const outputs = service.result?.outputs ?? {};
    result.url = outputs.ServiceUrl;
    result.serviceArn = outputs.ServiceArn;
    result.loadBalancerDnsName = outputs.LoadBalancerDnsName;
    if (o.domainName) log.info(dnsRecordLine(o.domainName, outputs.LoadBalancerDnsName));
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
      testGate: testGate(o, service.result, result.url, o.appVersion),
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

/**
 * CloudFormation refuses to change an export another stack imports, and fails the network update only after
 * it has rebuilt subnets and NAT gateways. So a change of the network's parameters that changes an export
 * the database or service stack imports is refused here, before any change, naming the stack, the export
 * and what to do.
 */
async function refuseExportChangesInUse(o: EnvironmentOptions): Promise<void> {
  const networkStack = stackName(o.environment, 'network');
  const current = await describeStack(networkStack, o.region);
  if (!current) return;
  const wanted = networkParameters(o);
  const changed = Object.keys(wanted).filter(
    (key) => key in current.parameters && current.parameters[key] !== wanted[key],
  );
  if (changed.length === 0) return;
  const affected = exportsDependingOn(o.templatesDir, 'network', changed, o.environment);
  const problems: string[] = [];
  for (const layer of ['database', 'service'] as const) {
    const used = importsOf(o.templatesDir, layer, o.environment).filter((name) => affected.includes(name));
    if (used.length === 0) continue;
    const importer = stackName(o.environment, layer);
    const stack = await describeStack(importer, o.region);
    if (!stack || stack.status === 'DELETE_COMPLETE') continue;
    for (const key of changed) {
      const input = PARAMETER_INPUTS[key] ?? key;
      problems.push(
        `deploy-environment: ${input}: ${networkStack} runs with ${key} ${current.parameters[key]}; ${wanted[key]} changes its export${used.length === 1 ? '' : 's'} ${used.join(', ')}, which ${importer} imports, and CloudFormation refuses to update an export in use ("Export ${used[0]} cannot be updated as it is in use by ${importer}"). Nothing was changed. Keep ${input}: ${current.parameters[key]}, or move ${importer} off the export first: delete the stack ${importer}${layer === 'service' ? ' (the service and its load balancer are gone until the next deploy recreates them on the new network; a DNS record must then point at the new load balancer)' : ' (after a snapshot: the database is recreated empty)'} and deploy again, or deploy the new network as another environment and move the traffic to it.`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
}

/** Which DNS record makes the domain name reach the load balancer (CloudFormation does not create it). */
export function dnsRecordLine(
  domainName: string,
  loadBalancerDnsName = 'the load balancer',
  code = (text: string) => text,
): string {
  return `DNS: ${code(domainName)} must point at the load balancer: a CNAME record ${code(domainName)} → ${code(loadBalancerDnsName)} (or, in Route 53, an alias A record to the load balancer). Without it the smoke test and users cannot reach ${code(`https://${domainName}`)}.`;
}

/** The header the service stack's test listener rule matches (cloudformation/service.yml). */
export const TEST_TRAFFIC_HEADER = 'X-Test-Traffic';

/**
 * The test-traffic gate of a BLUE_GREEN/CANARY/LINEAR environment: the smoke path through the load
 * balancer with the secret header that the test listener rule forwards to the new revision, expecting
 * `version`. The header's value is read from the stack's secret once the deployment pauses (the update
 * that turns a strategy on creates the secret). Undefined for ROLLING.
 */
function testGate(
  o: EnvironmentOptions,
  stack: { outputs: Record<string, string> } | undefined,
  url: string | undefined,
  version: string | undefined,
): TestGate | undefined {
  if (!url || !nativeStrategy(o.deploymentStrategy)) return undefined;
  // The stack's output once it has one; before that the name the template gives the secret.
  const secret =
    stack?.outputs.TestTrafficSecretArn ?? `${stackName(o.environment, 'service')}/test-traffic-header`;
  return {
    url: joinUrl(url, o.smokePath),
    expectVersion: version,
    headers: async () => ({
      [TEST_TRAFFIC_HEADER]: await readSecretString(o.region, secret, 'the test-traffic header'),
    }),
    timeoutMs: 5 * 60_000,
  };
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
        ...(r.domainName ? [['Load balancer', r.loadBalancerDnsName ?? '—']] : []),
        ['Image', r.image],
        ['Region', r.region],
        ['Duration', formatDuration(r.durationMs)],
      ],
    ),
  );
  if (r.domainName) {
    parts.push(`${dnsRecordLine(r.domainName, r.loadBalancerDnsName, (t) => `\`${t}\``)}\n\n`);
  }
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
