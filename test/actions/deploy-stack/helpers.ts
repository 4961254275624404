// Shared by the deploy-stack tests: templates written to temporary files, and a runner with the local AWS
// endpoint's environment.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalAws } from '../../support/aws/index.js';
import { type ActionRun, type RunOptions, runAction } from '../../support/harness.js';

const scratch = mkdtempSync(join(tmpdir(), 'deploy-stack-test-'));
let counter = 0;

/** Writes `text` to a fresh file (name ends in `name`) and returns its path. */
export function writeFile(text: string, name = 'template.yml'): string {
  const path = join(scratch, `${++counter}-${name}`);
  writeFileSync(path, text);
  return path;
}

/** A queue and an SSM parameter; `Env` is required, `Note` has a default. */
export function queueTemplate(extra = ''): string {
  return `AWSTemplateFormatVersion: '2010-09-09'
Description: deploy-stack test stack
Parameters:
  Env:
    Type: String
  Note:
    Type: String
    Default: none
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub '\${Env}-jobs'
  Setting:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub '/\${Env}/note'
      Type: String
      Value: !Ref Note
${extra}Outputs:
  QueueUrl:
    Value: !Ref Queue
  SettingName:
    Value: !Ref Setting
  Note:
    Value: !Ref Note
`;
}

export type Runner = (
  inputs: RunOptions['inputs'],
  options?: Omit<RunOptions, 'inputs'>,
) => Promise<ActionRun>;

export function runner(aws: () => LocalAws, pollMs: string | undefined = '200'): Runner {
  return (inputs, options = {}) =>
    runAction('deploy-stack', {
      // The templates and parameter files are written to `scratch`: it is the workspace (files outside it are refused).
      cwd: scratch,
      ...options,
      inputs,
      env: {
        ...aws().env,
        ...(pollMs ? { DEPLOY_ACTIONS_POLL_INTERVAL_MS: pollMs } : {}),
        DEPLOY_ACTIONS_AWS_MAX_ATTEMPTS: '4',
        ...options.env,
      },
    });
}

/** Calls the layer recorded for one CloudFormation action. */
export function cfnCalls(aws: LocalAws, action: string): Array<Record<string, unknown>> {
  return aws.calls.filter((c) => c.service === 'cloudformation' && c.action === action).map((c) => c.params);
}

/** Parameters of a recorded Query call as key → value (`Parameters.member.N.ParameterKey/Value`). */
export function queryParameters(params: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    const match = /^Parameters\.member\.(\d+)\.ParameterKey$/.exec(key);
    if (match) out[String(value)] = String(params[`Parameters.member.${match[1]}.ParameterValue`] ?? '');
  }
  return out;
}
