// The root action: deploy one whole environment (network, database and service stacks from this
// repository's own cloudformation/ templates, then migrations, the rollout and the smoke test) in one step.
// Parses the inputs once, then hands over to actions/lib/environment (loaded only once they are valid).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRegion } from '../actions/lib/aws.js';
import { appendSummary, setOutputs } from '../actions/lib/core.js';
import { environmentOutcome, readRecordInputs, withDeploymentRecord } from '../actions/lib/deployments.js';
import { IMAGE_ACCEPTED, parseImageReference, splitCommand } from '../actions/lib/ecs/validate.js';
import type { EnvironmentOptions } from '../actions/lib/environment.js';
import { templateProblems } from '../actions/lib/environment-parameters.js';
import { type InputReader, parseInputs } from '../actions/lib/inputs.js';
import { runAction } from '../actions/lib/run.js';

const ACTION = 'deploy-environment';

/** cloudformation/ beside dist/: the bundle reads the templates that ship with the action. */
// (Built from the path at run time: ncc would turn a `new URL('…', import.meta.url)` into a bundled asset.)
const TEMPLATES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'cloudformation');

/**
 * The inputs, parsed once. Their values are checked against the templates' own parameter constraints and
 * Rules (environment-parameters.ts), so the checks here are only what the templates cannot say.
 */
function readInputs(i: InputReader): Omit<EnvironmentOptions, 'signal' | 'templatesDir'> {
  const environment = i.required('environment', 'an environment name such as staging');
  const image = i.required('image', IMAGE_ACCEPTED);
  let repositoryName = '';
  if (image) {
    const reference = parseImageReference(image);
    if (!reference)
      i.problem('image', `"${image}" is not a container image reference; give ${IMAGE_ACCEPTED}`);
    else if (
      !reference.registry ||
      !/\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(reference.registry)
    ) {
      i.problem(
        'image',
        `"${image}" is not in Amazon ECR; give the build-push action's image output (<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:…): the task execution role may pull only from that repository`,
      );
    } else {
      repositoryName = reference.repository;
      if (!reference.digest) {
        i.problem(
          'image',
          `"${image}" has no digest; deploy by digest (…@sha256:…) so every environment runs the same bytes`,
        );
      }
    }
  }
  const migrate = i.optional('migrate-command');
  const command = migrate === undefined ? undefined : splitCommand(migrate);
  if (typeof command === 'string') i.problem('migrate-command', command);
  const smokePath = i.matching('smoke-path', /^\/[!-~]{0,1023}$/, 'a path starting with /') ?? '/version';
  const certificateArn = i.optional('certificate-arn');
  const domainName = i.optional('domain-name');
  if (certificateArn && !domainName) {
    // No certificate covers the load balancer's own DNS name: the smoke test and every user need the name
    // the certificate is for.
    i.problem(
      'domain-name',
      'is required with certificate-arn: give the host name the certificate covers (e.g. api.example.com); the smoke test and the url output use it, and the summary says which DNS record to point at the load balancer',
    );
  }
  return {
    environment,
    image,
    repositoryName,
    appVersion: i.optional('app-version') ?? process.env.GITHUB_SHA,
    containerPort: i.integer('container-port', { fallback: 3000 }) ?? 3000,
    healthCheckPath: i.optional('health-check-path') ?? '/healthz',
    smokePath,
    // The template allows 0; the action smoke-tests the service, which needs a task.
    desiredCount: i.integer('desired-count', { fallback: 2, min: 1 }) ?? 2,
    cpu: i.integer('cpu', { fallback: 256 }) ?? 256,
    memory: i.integer('memory', { fallback: 512 }) ?? 512,
    deploymentStrategy: i.oneOf(
      'deployment-strategy',
      ['ROLLING', 'BLUE_GREEN', 'CANARY', 'LINEAR'] as const,
      'ROLLING',
    ),
    cpuArchitecture: i.oneOf('cpu-architecture', ['X86_64', 'ARM64'] as const, 'X86_64'),
    egressMode: i.oneOf('egress-mode', ['nat', 'endpoints', 'public'] as const, 'nat'),
    natGateways: i.oneOf('nat-gateways', ['single', 'per-az'] as const, 'single'),
    availabilityZones: i.integer('availability-zones', { fallback: 2 }) ?? 2,
    database: i.oneOf('database', ['on', 'off'] as const, 'on') === 'on',
    databaseInstanceClass: i.optional('database-instance-class') ?? 'db.t4g.micro',
    databaseMultiAz: i.boolean('database-multi-az', false),
    certificateArn,
    domainName,
    cloudFormationRoleArn: i.matching(
      'cloudformation-role-arn',
      /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
      'an IAM role ARN (the CloudFormationRoleArn output of the github-oidc stack)',
    ),
    migrateCommand: typeof command === 'string' ? undefined : command,
    timeoutMs: i.duration('timeout-minutes', {
      unit: 'minutes',
      fallback: 60 * 60_000,
      min: 60_000,
      max: 6 * 3600_000,
    }),
    region: readRegion(i),
  };
}

/** readInputs, then every value checked against the templates (for the inputs not already refused). */
function readAndCheckInputs(i: InputReader): Omit<EnvironmentOptions, 'signal' | 'templatesDir'> {
  const options = readInputs(i);
  const refused = (input: string) => i.problems.some((p) => p.startsWith(`${ACTION}: ${input}: `));
  for (const { input, message } of templateProblems(options, TEMPLATES_DIR)) {
    if (!refused(input)) i.problem(input, message);
  }
  return options;
}

export function run(): Promise<void> {
  return runAction(ACTION, async ({ signal }) => {
    const { record: recordInputs, ...inputs } = parseInputs(ACTION, (i) => ({
      ...readAndCheckInputs(i),
      record: readRecordInputs(i),
    }));
    const { deployEnvironment, renderEnvironmentSummary } = await import('../actions/lib/environment.js');
    // A GitHub deployment of the commit to the environment: in_progress now, its outcome once outputs are set.
    const { result, record } = await withDeploymentRecord(
      {
        ...recordInputs,
        action: ACTION,
        environment: inputs.environment,
        image: inputs.image,
        taskDefinition: `${inputs.environment}-service`, // the family: service.yml names it after the stack
        strategy: inputs.deploymentStrategy ?? 'ROLLING',
        signal,
      },
      () => deployEnvironment({ ...inputs, signal, templatesDir: TEMPLATES_DIR }),
    );
    setOutputs({
      url: result.url,
      'service-arn': result.serviceArn,
      'task-definition-arn': result.taskDefinitionArn,
      status: result.status,
      error: result.error ?? '',
      stacks: JSON.stringify(Object.fromEntries(result.stacks.map((s) => [s.name, s.status]))),
    });
    await appendSummary(renderEnvironmentSummary(result));
    await record?.finish(environmentOutcome(result, signal.aborted));
    // Outputs (status, error) are set first, so a later step can report the failure; then it fails the step.
    if (result.failure) throw result.failure;
  });
}
