// deploy-stack when stack operations fail, are cancelled or cannot start, against the local AWS endpoint
// (operations that take time and fail as CloudFormation's do); and how soon an outcome is reported.
import {
  CloudFormationClient,
  DescribeStacksCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../support/aws/index.js';
import { cfnCalls, queueTemplate, runner, writeFile } from './helpers.js';

let aws: LocalAws;
let cfn: CloudFormationClient;
const run = runner(() => aws);

beforeAll(async () => {
  aws = await startLocalAws();
  cfn = new CloudFormationClient(aws.clientConfig);
});

afterAll(async () => {
  cfn?.destroy();
  await aws?.stop();
});

beforeEach(() => {
  aws.clearCalls();
});

async function describeStack(name: string) {
  const out = await cfn.send(new DescribeStacksCommand({ StackName: name }));
  return out.Stacks?.[0];
}

describe('deploy-stack: failed operations', () => {
  it('names the root cause of a failed create, then deletes the ROLLBACK_COMPLETE stack and creates it again', async () => {
    const name = 'ds-fail-create';
    const template = writeFile(queueTemplate());
    const reason =
      'Resource handler returned message: "Queue name fc-jobs is already in use" (HandlerErrorCode: AlreadyExists)';
    aws.cloudformation.nextOperation({ stack: name, durationMs: 1200, fail: { logicalId: 'Queue', reason } });

    const failed = await run({ name, template, parameters: 'Env=fc' });
    expect(failed.code).toBe(1);
    expect(failed.outputs.status).toBe('failed');
    const errors = failed.errors();
    const line = errors.at(-1) ?? '';
    expect(line).toContain(
      `Stack ${name} failed to create: Queue (AWS::SQS::Queue) CREATE_FAILED: ${reason}`,
    );
    expect(line).toContain('ROLLBACK_COMPLETE');
    expect(line).toContain('the next run deletes the empty stack and creates it again');
    expect(errors.join('\n')).not.toMatch(/Resource creation cancelled/);
    // The cancelled resource shows in the log, the root cause is the failed one.
    expect(failed.stdout).toMatch(/Setting +AWS::SSM::Parameter +CREATE_FAILED +Resource creation cancelled/);
    expect(failed.summary).toContain(`### ❌ Stack ${name}: create failed`);
    expect(failed.summary).toContain('| Final status | ROLLBACK_COMPLETE |');
    expect(failed.summary).toMatch(
      /\| Root cause \| \*\*Queue \\\(AWS::SQS::Queue\\\) CREATE\\_FAILED: Resource handler/,
    );
    expect(failed.summary).toMatch(
      /\| Queue \| AWS::SQS::Queue \| CREATE_FAILED \| \*\*Resource handler returned message/,
    );
    expect(failed.summary).toContain('#### Events');
    const firstId = failed.outputs['stack-id'];
    expect(firstId).toMatch(/:stack\/ds-fail-create\//);
    expect((await describeStack(name))?.StackStatus).toBe('ROLLBACK_COMPLETE');
    aws.clearCalls();

    const again = await run({ name, template, parameters: 'Env=fc' });
    expect(again.errors()).toEqual([]);
    expect(again.code).toBe(0);
    expect(again.outputs.status).toBe('created');
    expect(cfnCalls(aws, 'DeleteStack')).toEqual([expect.objectContaining({ StackName: firstId })]);
    const warnings = again.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(
      warnings.some(
        (w) =>
          w.includes(`Stack ${name} is in ROLLBACK_COMPLETE`) &&
          w.includes('Deleting it and creating it again'),
      ),
    ).toBe(true);
    expect(again.summary).toContain('it was deleted and created again');
    expect(again.outputs['stack-id']).not.toBe(firstId);
    expect((await describeStack(name))?.StackStatus).toBe('CREATE_COMPLETE');
    // The delete finished before the new change set was created.
    const order = aws.calls.filter((c) => c.service === 'cloudformation').map((c) => c.action);
    expect(order.indexOf('DeleteStack')).toBeLessThan(order.indexOf('CreateChangeSet'));
  });

  it('names the root cause of a failed update in the error annotation and the summary', async () => {
    const name = 'ds-fail-update';
    const template = writeFile(queueTemplate());
    expect((await run({ name, template, parameters: 'Env=fu\nNote=v1' })).outputs.status).toBe('created');
    const reason =
      'Invalid request provided: The specified value for parameter Note is invalid (Service: Ssm, Status Code: 400)';
    aws.cloudformation.nextOperation({ stack: name, durationMs: 1200, fail: { logicalId: 'Queue', reason } });
    aws.clearCalls();

    const failed = await run({ name, template, parameters: 'Env=fu2\nNote=v2' });
    expect(failed.code).toBe(1);
    expect(failed.outputs.status).toBe('failed');
    const line = failed.errors().at(-1) ?? '';
    expect(line).toContain(
      `Stack ${name} failed to update: Queue (AWS::SQS::Queue) UPDATE_FAILED: ${reason}`,
    );
    expect(line).toContain('(stack UPDATE_ROLLBACK_COMPLETE)');
    expect(line).toContain('rolled back to its previous state');
    expect(line).not.toMatch(/Resource update cancelled/);
    expect(failed.stdout).toMatch(/Setting +AWS::SSM::Parameter +UPDATE_FAILED +Resource update cancelled/);
    // The rollback's events (its own operation) are streamed too.
    expect(failed.stdout).toMatch(/ds-fail-update +AWS::CloudFormation::Stack +UPDATE_ROLLBACK_COMPLETE/);
    expect(failed.summary).toContain(`### ❌ Stack ${name}: update failed`);
    expect(failed.summary).toContain('| Final status | UPDATE_ROLLBACK_COMPLETE |');
    expect(failed.summary).toContain(
      `| Root cause | **Queue \\(AWS::SQS::Queue\\) UPDATE\\_FAILED: ${reason.replace(/[()]/g, '\\$&')}** |`,
    );
    expect(failed.summary).toMatch(/\| Modify \| Queue \| AWS::SQS::Queue \|/);
    const described = await describeStack(name);
    expect(described?.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(described?.Parameters?.find((p) => p.ParameterKey === 'Note')?.ParameterValue).toBe('v1');

    // A stack rolled back after a failed update is updated normally by the next run.
    aws.clearCalls();
    const next = await run({ name, template, parameters: 'Env=fu\nNote=v3' });
    expect(next.outputs.status).toBe('updated');
    expect(cfnCalls(aws, 'DeleteStack')).toHaveLength(0);
  });

  it('refuses a stack with an operation in progress, saying to wait', async () => {
    const name = 'ds-busy';
    const template = writeFile(queueTemplate());
    expect((await run({ name, template, parameters: 'Env=busy' })).outputs.status).toBe('created');
    const body = (await import('node:fs')).readFileSync(template, 'utf8');
    aws.cloudformation.nextOperation({ stack: name, durationMs: 15_000 });
    await cfn.send(
      new UpdateStackCommand({
        StackName: name,
        TemplateBody: body,
        Parameters: [
          { ParameterKey: 'Env', ParameterValue: 'busy' },
          { ParameterKey: 'Note', ParameterValue: 'someone else' },
        ],
      }),
    );
    aws.clearCalls();
    const refused = await run({ name, template, parameters: 'Env=busy\nNote=mine' });
    expect(refused.code).toBe(1);
    expect(refused.outputs.status).toBe('failed');
    expect(refused.errors().at(-1)).toMatch(
      /Stack ds-busy is busy: another operation is running \(UPDATE_IN_PROGRESS\)\. Wait for the running operation to finish/,
    );
    expect(cfnCalls(aws, 'CreateChangeSet')).toHaveLength(0);
    expect(cfnCalls(aws, 'CancelUpdateStack')).toHaveLength(0);
  });
});

describe('deploy-stack: timeout', () => {
  it('fails with what to do when the operation outlasts timeout-minutes, leaving CloudFormation to carry on', async () => {
    const name = 'ds-timeout';
    aws.cloudformation.nextOperation({ stack: name, durationMs: 25_000 });
    const result = await run({
      name,
      template: writeFile(queueTemplate()),
      parameters: 'Env=to',
      'timeout-minutes': '10s',
    });
    expect(result.code).toBe(1);
    expect(result.outputs.status).toBe('failed');
    expect(result.errors().at(-1)).toMatch(
      /The create of stack ds-timeout did not finish within 10s\. CloudFormation carries on with the create; follow it in the CloudFormation console, and raise timeout-minutes/,
    );
    expect(cfnCalls(aws, 'CancelUpdateStack')).toHaveLength(0);
    expect(cfnCalls(aws, 'DeleteStack')).toHaveLength(0);
    expect(aws.cloudformation.operations(name).at(-1)?.terminalAt).toBeUndefined();
  });
});

describe('deploy-stack: cancellation', () => {
  it('cancels a running update when the job is cancelled (CancelUpdateStack) and says so', async () => {
    const name = 'ds-cancel-update';
    const template = writeFile(queueTemplate());
    expect((await run({ name, template, parameters: 'Env=cu' })).outputs.status).toBe('created');
    aws.cloudformation.nextOperation({ stack: name, durationMs: 30_000 });
    aws.clearCalls();

    const cancelled = await run({ name, template, parameters: 'Env=cu\nNote=new' }, { cancelAfterMs: 6000 });
    expect(cfnCalls(aws, 'ExecuteChangeSet')).toHaveLength(1);
    expect(cfnCalls(aws, 'CancelUpdateStack')).toEqual([
      expect.objectContaining({ StackName: expect.stringContaining(`:stack/${name}/`) }),
    ]);
    expect(cancelled.code).not.toBe(0);
    expect(cancelled.outputs.status).toBe('failed');
    expect(cancelled.stdout).toContain(`cancelled the update of stack ${name} (CancelUpdateStack)`);
    expect(cancelled.errors().at(-1)).toContain(`Deployment of stack ${name} cancelled during the update`);
    const ops = aws.cloudformation.operations(name);
    expect(ops.at(-1)?.finalStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    // The action left well before the 30 s operation would have ended.
    expect(cancelled.durationMs).toBeLessThan(30_000);
  });

  it('says a create carries on (or rolls back) when the job is cancelled, without cancelling anything', async () => {
    const name = 'ds-cancel-create';
    aws.cloudformation.nextOperation({ stack: name, durationMs: 30_000 });
    const cancelled = await run(
      { name, template: writeFile(queueTemplate()), parameters: 'Env=cc' },
      { cancelAfterMs: 6000 },
    );
    expect(cfnCalls(aws, 'ExecuteChangeSet')).toHaveLength(1);
    expect(cfnCalls(aws, 'CancelUpdateStack')).toHaveLength(0);
    expect(cfnCalls(aws, 'DeleteStack')).toHaveLength(0);
    expect(cancelled.code).not.toBe(0);
    expect(cancelled.outputs.status).toBe('failed');
    const warnings = cancelled.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(
      warnings.some((w) =>
        /cancelled while stack ds-cancel-create was being created.*rolls the stack back/.test(w),
      ),
    ).toBe(true);
  });
});

describe('deploy-stack: how soon an outcome is reported (default poll intervals)', () => {
  const measured = runner(() => aws, undefined);
  const figures: string[] = [];

  afterAll(() => {
    console.log(
      `deploy-stack outcome latency (action exit − CloudFormation terminal status):\n${figures.join('\n')}`,
    );
  });

  async function latency(
    label: string,
    name: string,
    inputs: Record<string, string>,
    fail?: { logicalId: string; reason: string },
  ) {
    aws.cloudformation.nextOperation({ stack: name, durationMs: 3500, fail });
    const result = await measured({ name, ...inputs });
    const op = aws.cloudformation.operations(name).at(-1);
    expect(op?.terminalAt).toBeDefined();
    const lag = result.exitedAt - (op?.terminalAt ?? 0);
    figures.push(
      `  ${label}: operation ${(((op?.terminalAt ?? 0) - (op?.startedAt ?? 0)) / 1000).toFixed(1)} s, reported ${(lag / 1000).toFixed(2)} s after its terminal status (${op?.finalStatus}), action total ${(result.durationMs / 1000).toFixed(1)} s`,
    );
    // Exited after CloudFormation was done, never before.
    expect(lag).toBeGreaterThanOrEqual(0);
    return result;
  }

  it('measures a 3.5 s create, update and failed update', async () => {
    const template = writeFile(queueTemplate());
    const created = await latency('create', 'ds-latency', { template, parameters: 'Env=lat' });
    expect(created.outputs.status).toBe('created');
    const updated = await latency('update', 'ds-latency', { template, parameters: 'Env=lat\nNote=2' });
    expect(updated.outputs.status).toBe('updated');
    const failed = await latency(
      'failed update',
      'ds-latency',
      { template, parameters: 'Env=lat\nNote=3' },
      { logicalId: 'Setting', reason: 'boom' },
    );
    expect(failed.outputs.status).toBe('failed');
  });
});
