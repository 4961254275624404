// The root action: deploy one whole environment (network, database and service stacks from this
// repository's own cloudformation/ templates, then migrations, the rollout and the smoke test) in one step.
// Parses the inputs once, then hands over to actions/lib/environment (loaded only once they are valid).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRegion } from '../actions/lib/aws.js';
import { appendSummary, setOutputs } from '../actions/lib/core.js';
import { IMAGE_ACCEPTED, parseImageReference, splitCommand } from '../actions/lib/ecs/validate.js';
import type { EnvironmentOptions } from '../actions/lib/environment.js';
import { type InputReader, parseInputs } from '../actions/lib/inputs.js';
import { runAction } from '../actions/lib/run.js';

const ACTION = 'deploy-environment';

/** cloudformation/ beside dist/: the bundle reads the templates that ship with the action. */
// (Built from the path at run time: ncc would turn a `new URL('…', import.meta.url)` into a bundled asset.)
const TEMPLATES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'cloudformation');

/** Fargate's CPU units and the memory sizes (MiB) each allows. */
export const FARGATE_SIZES: Record<number, (memory: number) => boolean> = {
  256: (m) => [512, 1024, 2048].includes(m),
  512: (m) => m >= 1024 && m <= 4096 && m % 1024 === 0,
  1024: (m) => m >= 2048 && m <= 8192 && m % 1024 === 0,
  2048: (m) => m >= 4096 && m <= 16384 && m % 1024 === 0,
  4096: (m) => m >= 8192 && m <= 30720 && m % 1024 === 0,
};

function readInputs(i: InputReader): Omit<EnvironmentOptions, 'signal' | 'templatesDir'> {
  const environment =
    i.matching(
      'environment',
      /^[a-z][a-z0-9-]{0,19}$/,
      'an environment name: lower-case letters, digits and -, starting with a letter, at most 20 characters (it prefixes stack and resource names)',
      true,
    ) ?? '';
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
  const cpu = i.integer('cpu', { fallback: 256 }) ?? 256;
  const memory = i.integer('memory', { fallback: 512 }) ?? 512;
  const sizes = FARGATE_SIZES[cpu];
  if (!sizes) i.problem('cpu', `${cpu} is not a Fargate CPU size; use 256, 512, 1024, 2048 or 4096`);
  else if (!sizes(memory)) {
    i.problem(
      'memory',
      `${memory} MiB is not valid with cpu ${cpu} on Fargate (see the cpu input's description for the pairs)`,
    );
  }
  const migrate = i.optional('migrate-command');
  const command = migrate === undefined ? undefined : splitCommand(migrate);
  if (typeof command === 'string') i.problem('migrate-command', command);
  const healthCheckPath =
    i.matching('health-check-path', /^\/[!-~]{0,1023}$/, 'a path starting with /') ?? '/healthz';
  const smokePath = i.matching('smoke-path', /^\/[!-~]{0,1023}$/, 'a path starting with /') ?? '/version';
  return {
    environment,
    image,
    repositoryName,
    appVersion: i.optional('app-version') ?? process.env.GITHUB_SHA,
    containerPort: i.integer('container-port', { fallback: 3000, min: 1, max: 65535 }) ?? 3000,
    healthCheckPath,
    smokePath,
    desiredCount: i.integer('desired-count', { fallback: 2, min: 1, max: 100 }) ?? 2,
    deploymentStrategy: i.oneOf(
      'deployment-strategy',
      ['ROLLING', 'BLUE_GREEN', 'CANARY', 'LINEAR'] as const,
      'ROLLING',
    ),
    cpu,
    memory,
    cpuArchitecture: i.oneOf('cpu-architecture', ['X86_64', 'ARM64'] as const, 'X86_64'),
    egressMode: i.oneOf('egress-mode', ['nat', 'endpoints', 'public'] as const, 'nat'),
    availabilityZones: i.integer('availability-zones', { fallback: 2, min: 2, max: 3 }) ?? 2,
    database: i.oneOf('database', ['on', 'off'] as const, 'on') === 'on',
    databaseInstanceClass:
      i.matching(
        'database-instance-class',
        /^db\.[a-z0-9]+\.[a-z0-9]+$/,
        'an RDS instance class such as db.t4g.micro',
      ) ?? 'db.t4g.micro',
    databaseMultiAz: i.boolean('database-multi-az', false),
    certificateArn: i.matching(
      'certificate-arn',
      /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/,
      'an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)',
    ),
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

export function run(): Promise<void> {
  return runAction(ACTION, async ({ signal }) => {
    const inputs = parseInputs(ACTION, readInputs);
    const { deployEnvironment, renderEnvironmentSummary } = await import('../actions/lib/environment.js');
    const result = await deployEnvironment({ ...inputs, signal, templatesDir: TEMPLATES_DIR });
    setOutputs({
      url: result.url,
      'service-arn': result.serviceArn,
      'task-definition-arn': result.taskDefinitionArn,
      status: result.status,
      error: result.error ?? '',
      stacks: JSON.stringify(Object.fromEntries(result.stacks.map((s) => [s.name, s.status]))),
    });
    await appendSummary(renderEnvironmentSummary(result));
    // Outputs (status, error) are set first, so a later step can report the failure; then it fails the step.
    if (result.failure) throw result.failure;
  });
}
