// The library contract other actions build on (deploy-ecs rolls an image out by updating only a stack's
// ImageUri parameter; the root action deploys its layers), called in-process against the local endpoint.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../actions/lib/errors.js';
import { type LocalAws, startLocalAws } from '../../support/aws/index.js';
import { cfnCalls, queueTemplate } from './helpers.js';

let aws: LocalAws;
type Library = typeof import('../../../actions/lib/cloudformation/deploy.js');
let lib: Library;
const saved = { ...process.env };

beforeAll(async () => {
  aws = await startLocalAws();
  Object.assign(process.env, aws.env, {
    DEPLOY_ACTIONS_POLL_INTERVAL_MS: '100',
    DEPLOY_ACTIONS_AWS_MAX_ATTEMPTS: '3',
  });
  lib = await import('../../../actions/lib/cloudformation/deploy.js');
});

afterAll(async () => {
  process.env = saved;
  await aws?.stop();
});

beforeEach(() => aws.clearCalls());

const body = queueTemplate();

describe('deployStack / describeStack', () => {
  it('updates one parameter with the previous template and the other parameters kept', async () => {
    const created = await lib.deployStack({
      name: 'lib-image',
      region: aws.region,
      template: { body, path: 'queue.yml' },
      parameters: { Env: 'lib', Note: 'image-1' },
      timeoutMs: 60_000,
    });
    expect(created.status).toBe('created');
    expect(created.stackName).toBe('lib-image');
    expect(created.outputs.Note).toBe('image-1');
    expect(created.changes.map((c) => `${c.action} ${c.logicalId}`)).toEqual(['Add Queue', 'Add Setting']);
    expect(created.events.some((e) => e.logicalId === 'Queue' && e.status === 'CREATE_COMPLETE')).toBe(true);
    aws.clearCalls();

    let executed = 0;
    const updated = await lib.deployStack({
      name: 'lib-image',
      region: aws.region,
      template: { usePrevious: true },
      parameters: { Note: 'image-2' },
      keepPreviousParameters: true,
      timeoutMs: 60_000,
      onExecute: () => executed++,
    });
    expect(updated.status).toBe('updated');
    expect(executed).toBe(1);
    expect(updated.outputs.Note).toBe('image-2');
    expect(updated.stackId).toBe(created.stackId);
    const call = cfnCalls(aws, 'CreateChangeSet')[0] ?? {};
    expect(call.UsePreviousTemplate).toBe('true');
    expect(call.TemplateBody).toBeUndefined();
    const parameters: Record<string, string> = {};
    for (let i = 1; call[`Parameters.member.${i}.ParameterKey`]; i++) {
      parameters[String(call[`Parameters.member.${i}.ParameterKey`])] = String(
        call[`Parameters.member.${i}.UsePreviousValue`] === 'true'
          ? 'previous'
          : call[`Parameters.member.${i}.ParameterValue`],
      );
    }
    expect(parameters).toEqual({ Note: 'image-2', Env: 'previous' });

    const described = await lib.describeStack('lib-image', aws.region);
    expect(described).toMatchObject({
      name: 'lib-image',
      status: 'UPDATE_COMPLETE',
      stackId: created.stackId,
      parameters: { Env: 'lib', Note: 'image-2' },
      outputs: { Note: 'image-2', SettingName: '/lib/note' },
    });
  });

  it('returns undefined for a stack that does not exist', async () => {
    expect(await lib.describeStack('lib-nothing-here', aws.region)).toBeUndefined();
  });

  it('refuses usePrevious for a stack that does not exist, before creating anything', async () => {
    await expect(
      lib.deployStack({
        name: 'lib-missing',
        region: aws.region,
        template: { usePrevious: true },
        parameters: { ImageUri: 'x' },
        keepPreviousParameters: true,
        timeoutMs: 10_000,
      }),
    ).rejects.toThrow(ConfigurationError);
    expect(cfnCalls(aws, 'CreateChangeSet')).toHaveLength(0);
  });

  it('refuses a parameter the deployed template does not declare', async () => {
    await expect(
      lib.deployStack({
        name: 'lib-image',
        region: aws.region,
        template: { usePrevious: true },
        parameters: { ImageUri: 'x' },
        keepPreviousParameters: true,
        timeoutMs: 10_000,
      }),
    ).rejects.toThrow(/parameters: ImageUri is not a parameter of the template \(accepted: Env, Note\)/);
    expect(cfnCalls(aws, 'CreateChangeSet')).toHaveLength(0);
  });

  it('throws a StackOperationError with the root cause, final status and events when an update fails', async () => {
    aws.cloudformation.nextOperation({
      stack: 'lib-image',
      durationMs: 800,
      fail: { logicalId: 'Setting', reason: 'Parameter /lib/note is not writable' },
    });
    const error = await lib
      .deployStack({
        name: 'lib-image',
        region: aws.region,
        template: { usePrevious: true },
        parameters: { Note: 'image-3' },
        keepPreviousParameters: true,
        timeoutMs: 60_000,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(lib.StackOperationError);
    const failure = error as InstanceType<Library['StackOperationError']>;
    expect(failure.rootCause).toBe(
      'Setting (AWS::SSM::Parameter) UPDATE_FAILED: Parameter /lib/note is not writable',
    );
    expect(failure.finalStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(failure.phase).toBe('update');
    expect(failure.message).toContain('Parameter /lib/note is not writable');
    expect(failure.details).toContain('UPDATE_ROLLBACK_COMPLETE');
    expect(failure.events.length).toBeGreaterThan(2);
    expect(failure.changes.map((c) => c.logicalId)).toEqual(['Setting']);
    expect((await lib.describeStack('lib-image', aws.region))?.parameters.Note).toBe('image-2');
  });

  it('reports unchanged without executing anything', async () => {
    const result = await lib.deployStack({
      name: 'lib-image',
      region: aws.region,
      template: { usePrevious: true },
      parameters: {},
      keepPreviousParameters: true,
      timeoutMs: 60_000,
      onExecute: () => {
        throw new Error('must not execute');
      },
    });
    expect(result.status).toBe('unchanged');
    expect(result.changeSetId).toBeUndefined();
    expect(result.outputs.Note).toBe('image-2');
    expect(cfnCalls(aws, 'ExecuteChangeSet')).toHaveLength(0);
    expect(cfnCalls(aws, 'DeleteChangeSet')).toHaveLength(1);
  });
});
