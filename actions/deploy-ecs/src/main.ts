// deploy-ecs: roll an image out to an ECS service (through its CloudFormation stack when one owns it),
// optionally after a one-off migration task and before a smoke test. Parses the inputs once, then hands
// over to actions/lib/ecs (loaded only once the inputs are valid), sets the outputs and writes the summary.
import { readRegion } from '../../lib/aws.js';
import { appendSummary, log, mask, setOutputs } from '../../lib/core.js';
import { type RecordInputs, readRecordInputs, serviceOutcome, startRecord } from '../../lib/deployments.js';
import {
  readTaskDefinitionTemplate,
  selectContainer,
  type TaskDefinitionInput,
} from '../../lib/ecs/task-definition.js';
import type { DeployServiceResult, TestGate, WaitUntil } from '../../lib/ecs/types.js';
import {
  IMAGE_ACCEPTED,
  mutableImageWarning,
  parseImageReference,
  secretLikeReason,
  splitCommand,
} from '../../lib/ecs/validate.js';
import { ConfigurationError, messageOf } from '../../lib/errors.js';
import { type InputReader, parseInputs } from '../../lib/inputs.js';
import { runAction } from '../../lib/run.js';

const ACTION = 'deploy-ecs';

export interface DeployEcsInputs {
  cluster: string;
  service: string;
  image: string;
  containerName?: string;
  taskDefinition?: { path: string; definition: TaskDefinitionInput };
  environment: Array<[string, string]>;
  stack?: string;
  /** Other parameters of the owning stack changed in the same update as ImageUri. */
  stackParameters: Record<string, string>;
  migrateCommand?: string[];
  wait: boolean;
  /** BLUE_GREEN, CANARY, LINEAR: how long to wait. */
  waitUntil: WaitUntil;
  /** BLUE_GREEN, CANARY, LINEAR: the test-traffic gate (test-url, test-header, smoke-command). */
  testGate?: TestGate;
  rollback: boolean;
  timeoutMs: number;
  smokeUrl?: string;
  expectVersion?: string;
  region: string;
  /** Things worth a warning annotation (mutable image tag, secrets in environment). */
  warnings: string[];
  /** The GitHub deployment record, when github-environment is given. */
  record?: RecordInputs & { environment: string };
}

const WAIT_UNTIL: WaitUntil[] = ['deployed', 'production-traffic', 'none'];
const NAME = /^[A-Za-z0-9_-]{1,255}$/;
const CLUSTER = /^([A-Za-z0-9_-]{1,255}|arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255})$/;
const SERVICE =
  /^([A-Za-z0-9_-]{1,255}|arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/([A-Za-z0-9_-]+\/)?[A-Za-z0-9_-]{1,255})$/;
const STACK =
  /^([A-Za-z][A-Za-z0-9-]{0,127}|arn:aws[a-z-]*:cloudformation:[a-z0-9-]+:\d{12}:stack\/[A-Za-z][A-Za-z0-9-]*\/[0-9a-f-]+)$/;

function readInputs(i: InputReader): DeployEcsInputs {
  const warnings: string[] = [];
  const cluster = i.matching(
    'cluster',
    CLUSTER,
    'an ECS cluster name (letters, digits, - and _) or ARN',
    true,
  );
  const service = i.matching(
    'service',
    SERVICE,
    'an ECS service name (letters, digits, - and _) or ARN',
    true,
  );
  const image = i.required('image', IMAGE_ACCEPTED);
  if (image) {
    const reference = parseImageReference(image);
    if (!reference)
      i.problem('image', `"${image}" is not a container image reference; give ${IMAGE_ACCEPTED}`);
    else {
      const warning = mutableImageWarning(reference, image);
      if (warning) warnings.push(warning);
    }
  }
  const containerName = i.matching('container-name', NAME, 'a container name (letters, digits, - and _)');
  const templatePath = i.optional('task-definition');
  let taskDefinition: DeployEcsInputs['taskDefinition'];
  if (templatePath) {
    try {
      taskDefinition = {
        path: templatePath,
        definition: readTaskDefinitionTemplate(templatePath, 'task-definition', ACTION),
      };
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      i.problems.push(...error.problems);
    }
    // The container the image goes to, checked against the file before any AWS call.
    if (taskDefinition) {
      try {
        selectContainer(
          taskDefinition.definition,
          containerName,
          `the task definition in ${templatePath}`,
          ACTION,
        );
      } catch (error) {
        if (!(error instanceof ConfigurationError)) throw error;
        i.problems.push(...error.problems);
      }
    }
  }
  const environment = i.keyValues('environment', /^[A-Za-z_][A-Za-z0-9_]*$/);
  for (const [key, value] of environment) {
    const reason = secretLikeReason(key, value);
    if (reason) {
      mask(value);
      warnings.push(
        `environment: ${key} looks like a secret (${reason}); environment values are stored in plain text in the task definition, readable by anyone allowed ecs:DescribeTaskDefinition: store it in Secrets Manager or SSM Parameter Store and reference it from the container's "secrets" instead`,
      );
    }
  }
  const stack = i.matching('stack', STACK, 'a CloudFormation stack name or ARN');
  const stackParameters = Object.fromEntries(i.keyValues('stack-parameters', /^[A-Za-z0-9]+$/));
  if ('ImageUri' in stackParameters)
    i.problem('stack-parameters', 'ImageUri is set from the image input; leave it out');
  const command = i.optional('migrate-command');
  let migrateCommand: string[] | undefined;
  if (command !== undefined) {
    const split = splitCommand(command);
    if (typeof split === 'string') i.problem('migrate-command', `"${command}" ${split}`);
    else migrateCommand = split;
  }
  const wait = i.boolean('wait', true);
  const waitUntilInput = i.optional('wait-until');
  let waitUntil: WaitUntil = wait ? 'deployed' : 'none';
  if (waitUntilInput !== undefined) {
    if (!WAIT_UNTIL.includes(waitUntilInput as WaitUntil)) {
      i.problem('wait-until', `"${waitUntilInput}" is not accepted; give one of ${WAIT_UNTIL.join(', ')}`);
    } else if (!wait && waitUntilInput !== 'none') {
      i.problem('wait-until', `${waitUntilInput} contradicts wait: false; leave one of them out`);
    } else {
      waitUntil = waitUntilInput as WaitUntil;
    }
  }
  const testUrl = i.url('test-url');
  const testHeader = i.optional('test-header');
  let headers: Record<string, string> | undefined;
  if (testHeader !== undefined) {
    const match = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+):\s*(\S.*)$/.exec(testHeader.trim());
    if (!match) {
      i.problem('test-header', 'is not a header; give Name: value (e.g. X-Test-Traffic: <secret>)');
    } else {
      mask(match[2] as string);
      headers = { [match[1] as string]: (match[2] as string).trim() };
    }
    if (i.optional('test-url') === undefined)
      i.problem('test-header', 'needs test-url: the header is sent with the test requests');
  }
  const smokeCommand = i.optional('smoke-command');
  if (smokeCommand !== undefined && i.optional('test-url') === undefined)
    i.problem('smoke-command', 'needs test-url: it runs against the new revision through the test listener');
  if (testUrl !== undefined && waitUntil === 'none')
    i.problem('test-url', 'needs the action to wait (the gate runs while the deployment is paused)');
  const rollback = i.boolean('rollback', true);
  const timeoutMs = i.duration('timeout-minutes', {
    unit: 'minutes',
    fallback: 20 * 60_000,
    min: 5_000,
    max: 360 * 60_000,
  });
  const smokeUrl = i.url('smoke-url');
  const expectVersion = i.optional('expect-version');
  if (expectVersion !== undefined && i.optional('smoke-url') === undefined && testUrl === undefined) {
    i.problem(
      'expect-version',
      'needs smoke-url or test-url: the version is looked for in the body they answer with',
    );
  }
  if (smokeUrl !== undefined && !wait) {
    i.problem('smoke-url', 'needs wait: true (the smoke test runs once the rollout has finished)');
  }
  const region = readRegion(i);
  const githubEnvironment = i.optional('github-environment');
  const record = githubEnvironment ? readRecordInputs(i) : undefined;
  return {
    cluster: cluster ?? '',
    service: service ?? '',
    image,
    containerName,
    taskDefinition,
    environment,
    stack,
    stackParameters,
    migrateCommand,
    wait,
    waitUntil,
    testGate: testUrl
      ? { url: testUrl, headers, expectVersion: i.optional('expect-version'), command: smokeCommand }
      : undefined,
    rollback,
    timeoutMs,
    smokeUrl,
    expectVersion,
    region,
    warnings,
    record: record && githubEnvironment ? { ...record, environment: githubEnvironment } : undefined,
  };
}

export function getInputs(): DeployEcsInputs {
  return parseInputs(ACTION, readInputs);
}

function setResultOutputs(result: DeployServiceResult): void {
  setOutputs({
    status: result.status,
    'task-definition-arn': result.taskDefinitionArn,
    'deployment-id': result.deploymentId,
    'previous-task-definition-arn': result.previousTaskDefinitionArn,
  });
}

export async function run(): Promise<void> {
  await runAction(ACTION, async ({ signal }) => {
    let inputs: DeployEcsInputs;
    try {
      inputs = getInputs();
    } catch (error) {
      setOutputs({ status: 'failed' });
      throw error;
    }
    for (const warning of inputs.warnings) log.warning(`${ACTION}: ${warning}`);
    const { deployService, DeployServiceError } = await import('../../lib/ecs/deploy.js');
    const { renderDeploySummary } = await import('../../lib/ecs/summary.js');
    // With github-environment, a GitHub deployment: in_progress now, the rollout's outcome at the end.
    const url = inputs.smokeUrl ? new URL(inputs.smokeUrl).origin : undefined;
    const record =
      inputs.record &&
      (await startRecord({
        ...inputs.record,
        action: ACTION,
        image: inputs.image,
        // The family when the task definition file names it; the final status names the revision.
        taskDefinition: inputs.taskDefinition?.definition.family,
        strategy: 'ROLLING',
        signal,
      }));
    let result: DeployServiceResult;
    try {
      result = await deployService({
        region: inputs.region,
        cluster: inputs.cluster,
        service: inputs.service,
        image: inputs.image,
        containerName: inputs.containerName,
        template: inputs.taskDefinition?.definition,
        templatePath: inputs.taskDefinition?.path,
        environment: inputs.environment,
        stack: inputs.stack,
        stackParameters: inputs.stackParameters,
        migrateCommand: inputs.migrateCommand,
        wait: inputs.wait,
        waitUntil: inputs.waitUntil,
        testGate: inputs.testGate,
        rollback: inputs.rollback,
        timeoutMs: inputs.timeoutMs,
        smoke: inputs.smokeUrl ? { url: inputs.smokeUrl, expectVersion: inputs.expectVersion } : undefined,
        signal,
        action: ACTION,
        warnings: inputs.warnings,
      });
    } catch (error) {
      if (error instanceof DeployServiceError) {
        setResultOutputs(error.result);
        await appendSummary(renderDeploySummary(error.result));
      } else {
        setOutputs({ status: 'failed' });
      }
      await record?.finish(
        error instanceof DeployServiceError
          ? serviceOutcome(error.result, url)
          : { state: 'error', description: messageOf(error) },
      );
      throw error;
    }
    setResultOutputs(result);
    await appendSummary(renderDeploySummary(result));
    await record?.finish(serviceOutcome(result, url));
  });
}
