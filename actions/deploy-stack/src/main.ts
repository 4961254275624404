// deploy-stack: parse the inputs and check the template locally (no AWS call on a mistake), deploy the stack
// through the shared CloudFormation library, set the stack's outputs as step outputs, write the summary.
import { readFileSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { readRegion } from '../../lib/aws.js';
import type { DeployStackResult } from '../../lib/cloudformation/deploy.js';
import { StackOperationError } from '../../lib/cloudformation/errors.js';
import { parseParameterFile } from '../../lib/cloudformation/parameters.js';
import { renderDeploySummary } from '../../lib/cloudformation/summary.js';
import {
  checkParameters,
  type ParsedTemplate,
  parseTemplate,
  TemplateError,
} from '../../lib/cloudformation/template.js';
import { appendSummary, log, mask, setOutputs } from '../../lib/core.js';
import { ActionError, ConfigurationError } from '../../lib/errors.js';
import { type InputReader, parseInputs, splitLines } from '../../lib/inputs.js';
import { resolveInWorkspace, workspaceRoot } from '../../lib/paths.js';
import { runAction } from '../../lib/run.js';

const ACTION = 'deploy-stack';
const CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'] as const;
/** Step outputs the action sets itself; a stack output of the same name is only in `outputs`. */
const RESERVED_OUTPUTS = new Set(['status', 'outputs', 'change-set-id', 'stack-id']);
const MINUTE = 60_000;
/** CloudFormation's limit for a template passed in the request (TemplateBody). */
const TEMPLATE_BODY_LIMIT = 51_200;

export interface Inputs {
  name: string;
  templatePath: string;
  templateText: string;
  templateBucket?: string;
  parameters: Record<string, string>;
  /** Where the parameters came from, for messages: the input, or a file. */
  parametersFrom: string;
  /** Used only where the stack does not have the parameter yet; otherwise it keeps its current value. */
  initialParameters: Record<string, string>;
  tags?: Record<string, string>;
  capabilities: string[];
  roleArn?: string;
  noExecute: boolean;
  terminationProtection?: boolean;
  timeoutMs: number;
  region: string;
}

function readText(i: InputReader, input: string, path: string, what: string): string | undefined {
  const inside = resolveInWorkspace(path);
  if (inside.problem !== undefined) return i.problem(input, inside.problem);
  const full = inside.path;
  try {
    if (!statSync(full).isFile()) return i.problem(input, `${path} is not a file; give the path of ${what}`);
    return readFileSync(full, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(error)})`;
    return i.problem(input, `${path} ${why}; give the path of ${what}, relative to the workspace`);
  }
}

function readParameters(i: InputReader): { parameters: Record<string, string>; from: string } {
  const raw = i.optional('parameters');
  if (raw === undefined) return { parameters: {}, from: 'parameters' };
  const lines = splitLines(raw);
  // One line that is not Key=Value is a file path.
  if (lines.length === 1 && !/^[A-Za-z0-9]+\s*=/.test(lines[0] ?? '')) {
    const path = lines[0] ?? '';
    const text = readText(i, 'parameters', path, 'a JSON parameter file, or give Key=Value lines');
    if (text === undefined) return { parameters: {}, from: path };
    const parsed = parseParameterFile(text, path);
    for (const problem of parsed.problems) i.problem('parameters', problem);
    return { parameters: parsed.parameters, from: path };
  }
  const parameters: Record<string, string> = {};
  for (const [key, value] of i.keyValues('parameters', /^[A-Za-z0-9]+$/)) parameters[key] = value;
  return { parameters, from: 'parameters' };
}

export function readInputs(): Inputs {
  return parseInputs(ACTION, (i) => {
    const name =
      i.matching(
        'name',
        /^[A-Za-z][A-Za-z0-9-]{0,127}$/,
        'a stack name (letters, digits and hyphens, starting with a letter, at most 128 characters)',
        true,
      ) ?? '';
    const templatePath = i.required('template', 'the path of a CloudFormation template (YAML or JSON)');
    const templateText = templatePath
      ? readText(i, 'template', templatePath, 'a CloudFormation template')
      : undefined;
    const templateBucket = i.matching(
      'template-bucket',
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      'an S3 bucket name (lower-case letters, digits, dots and hyphens, 3 to 63 characters)',
    );
    const { parameters, from } = readParameters(i);
    const initialParameters = Object.fromEntries(i.keyValues('initial-parameters', /^[A-Za-z0-9]+$/));
    for (const key of Object.keys(initialParameters)) {
      if (key in parameters)
        i.problem(
          'initial-parameters',
          `${key} is also in parameters; give it in one of them (parameters: always set; initial-parameters: set only when the stack does not have it yet)`,
        );
    }
    const tagPairs = i.keyValues('tags', /^(?!aws:)[\p{L}\p{N} _.:/+@-]{1,128}$/u);
    const capabilities: string[] = [];
    for (const capability of i.list('capabilities')) {
      const match = CAPABILITIES.find((c) => c === capability.toUpperCase());
      if (match) capabilities.push(match);
      else i.problem('capabilities', `"${capability}" is not one of ${CAPABILITIES.join(', ')}`);
    }
    const roleArn = i.matching(
      'role-arn',
      /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
      'an IAM role ARN (arn:aws:iam::123456789012:role/name)',
    );
    const noExecute = i.boolean('no-execute', false);
    const terminationProtection =
      i.optional('termination-protection') === undefined
        ? undefined
        : i.boolean('termination-protection', false);
    const timeoutMs = i.duration('timeout-minutes', {
      unit: 'minutes',
      fallback: 60 * MINUTE,
      min: 10_000,
      max: 6 * 60 * MINUTE,
    });
    const region = readRegion(i);
    return {
      name,
      templatePath,
      templateText: templateText ?? '',
      templateBucket,
      parameters,
      parametersFrom: from,
      initialParameters,
      tags: tagPairs.length > 0 ? Object.fromEntries(tagPairs) : undefined,
      capabilities,
      roleArn,
      noExecute,
      terminationProtection,
      timeoutMs,
      region,
    };
  });
}

/** Parses the template; a syntax error becomes an error annotation on the file, line and column. */
function readTemplate(inputs: Inputs): ParsedTemplate {
  try {
    return parseTemplate(inputs.templateText, inputs.templatePath);
  } catch (error) {
    if (error instanceof TemplateError) {
      const workspace = workspaceRoot();
      const full = resolve(workspace, error.file);
      const file = full.startsWith(workspace) ? relative(workspace, full) : error.file;
      log.error(`${error.reason}`, {
        title: 'CloudFormation template',
        file,
        startLine: error.line,
        startColumn: error.column,
      });
      throw new ConfigurationError(`${ACTION}: template: ${error.message}`);
    }
    if (error instanceof ConfigurationError) {
      throw new ConfigurationError(error.problems.map((p) => `${ACTION}: template: ${p}`));
    }
    throw error;
  }
}

export async function deploy(inputs: Inputs, signal: AbortSignal): Promise<DeployStackResult> {
  const template = readTemplate(inputs);
  for (const [key, value] of Object.entries({ ...inputs.initialParameters, ...inputs.parameters }))
    if (template.parameters[key]?.noEcho) mask(value);
  const unknown = checkParameters(template.parameters, inputs.parameters, { requireAll: false });
  const unknownInitial = checkParameters(template.parameters, inputs.initialParameters, {
    requireAll: false,
  });
  if (unknown.length > 0 || unknownInitial.length > 0) {
    const source = inputs.parametersFrom === 'parameters' ? '' : ` (from ${inputs.parametersFrom})`;
    throw new ConfigurationError([
      ...unknown.map((p) => `${ACTION}: parameters: ${p}${source}`),
      ...unknownInitial.map((p) => `${ACTION}: initial-parameters: ${p}`),
    ]);
  }
  if (template.bytes > TEMPLATE_BODY_LIMIT && !inputs.templateBucket) {
    throw new ConfigurationError(
      `${ACTION}: template: ${inputs.templatePath} is ${template.bytes.toLocaleString('en-US')} bytes, over CloudFormation's ${TEMPLATE_BODY_LIMIT.toLocaleString('en-US')}-byte limit for a template in the request; give template-bucket (an S3 bucket in ${inputs.region}) to deploy it through S3`,
    );
  }
  // Only now, with every input valid, load the SDK.
  const { deployStack } = await import('../../lib/cloudformation/deploy.js');
  const upload = inputs.templateBucket ? await import('../../lib/cloudformation/upload.js') : undefined;
  try {
    return await deployStack({
      name: inputs.name,
      region: inputs.region,
      template: { body: inputs.templateText, path: inputs.templatePath },
      parameters: inputs.parameters,
      initialParameters: inputs.initialParameters,
      tags: inputs.tags,
      capabilities: inputs.capabilities,
      roleArn: inputs.roleArn,
      noExecute: inputs.noExecute,
      terminationProtection: inputs.terminationProtection,
      templateBucket: inputs.templateBucket,
      uploadTemplate: upload?.uploadTemplate,
      timeoutMs: inputs.timeoutMs,
      signal,
    });
  } catch (error) {
    // The library's configuration problems (e.g. a required parameter missing) read as this action's.
    if (error instanceof ConfigurationError && !error.problems.every((p) => p.startsWith(`${ACTION}:`))) {
      throw new ConfigurationError(
        error.problems.map((p) => (p.startsWith(`${ACTION}:`) ? p : `${ACTION}: ${p}`)),
      );
    }
    throw error;
  }
}

export function stackOutputs(result: DeployStackResult): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const [key, value] of Object.entries(result.outputs)) {
    if (RESERVED_OUTPUTS.has(key)) {
      log.warning(
        `Stack output ${key} has the name of one of this action's own outputs: read it from outputs (JSON)`,
      );
      continue;
    }
    outputs[key] = value;
  }
  return outputs;
}

export function run(): Promise<void> {
  return runAction(ACTION, async ({ signal }) => {
    try {
      const inputs = readInputs();
      const result = await deploy(inputs, signal);
      setOutputs({
        ...stackOutputs(result),
        outputs: JSON.stringify(result.outputs),
        status: result.status,
        'change-set-id': result.changeSetId ?? '',
        'stack-id': result.stackId,
      });
      await appendSummary(renderDeploySummary(result));
    } catch (error) {
      if (error instanceof StackOperationError) {
        setOutputs({
          status: 'failed',
          'change-set-id': error.changeSetId ?? '',
          'stack-id': error.stackId ?? '',
        });
        await appendSummary(renderDeploySummary(error));
        // The summary above has the events; the failure line keeps the root cause and what to do.
        throw new ActionError(error.message, { hint: error.hint, cause: error });
      }
      setOutputs({ status: 'failed' });
      throw error;
    }
  });
}
