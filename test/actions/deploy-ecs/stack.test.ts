// deploy-ecs on a service a CloudFormation stack owns: the rollout goes through the stack's ImageUri
// parameter (the stack stays the source of truth), with the ECS deployment watched underneath.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, seedStackManagedService, startLocalAws } from '../../support/aws/index.js';
import { deploy, explain, image, serviceTaskDefinition, taskDefinition } from './helpers.js';

let aws: LocalAws;

beforeAll(async () => {
  aws = await startLocalAws();
});

afterAll(async () => {
  await aws?.stop();
});

beforeEach(async () => {
  await aws.reset();
});

const API = { cluster: 'prod', service: 'api' };

async function stackParameters(stack: string): Promise<Record<string, string>> {
  const client = new CloudFormationClient({ ...aws.clientConfig, maxAttempts: 2 });
  const response = await client.send(new DescribeStacksCommand({ StackName: stack }));
  return Object.fromEntries(
    (response.Stacks?.[0]?.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]),
  );
}

/** Every stack-changing CloudFormation call the action made. */
function stackUpdates(): string[] {
  return aws.calls
    .filter(
      (c) =>
        c.service === 'cloudformation' && /^(CreateChangeSet|ExecuteChangeSet|UpdateStack)$/.test(c.action),
    )
    .map((c) => c.action);
}

describe('deploy-ecs, stack-managed service', () => {
  it("rolls out through the stack's ImageUri parameter, keeping every other parameter", async () => {
    const seeded = await seedStackManagedService(aws, { ...API, image: image(1), appVersion: 'v7' });
    const before = await stackParameters(seeded.stackName);
    aws.ecs.nextRollout({ service: 'api', outcome: 'complete', durationMs: 1200 });

    const run = await deploy(aws, { ...API, image: image(2) });

    expect(run.code, explain(run)).toBe(0);
    expect(run.outputs.status).toBe('deployed');
    expect(run.stdout).toContain(
      'Service api is managed by CloudFormation stack api-stack (from its aws:cloudformation:stack-name tag)',
    );
    // No task definition registered or service updated behind CloudFormation's back.
    expect(aws.callCount({ service: 'ecs', action: 'RegisterTaskDefinition' })).toBe(0);
    expect(aws.callCount({ service: 'ecs', action: 'UpdateService' })).toBe(0);
    expect(stackUpdates()).toEqual(['CreateChangeSet', 'ExecuteChangeSet']);
    const changeSet = aws.calls.find((c) => c.action === 'CreateChangeSet')!.params;
    expect(changeSet.UsePreviousTemplate).toBe('true');
    expect(await stackParameters(seeded.stackName)).toEqual({ ...before, ImageUri: image(2) });

    const current = await serviceTaskDefinition(aws, 'prod', 'api');
    expect(current).not.toBe(seeded.taskDefinitionArn);
    expect((await taskDefinition(aws, current)).containerDefinitions?.[0]?.image).toBe(image(2));
    expect(run.outputs['task-definition-arn']).toBe(current);
    expect(run.outputs['previous-task-definition-arn']).toBe(seeded.taskDefinitionArn);
    const rollouts = aws.ecs.rollouts('api');
    expect(rollouts.map((r) => r.rolloutState)).toEqual(['COMPLETED']);
    expect(run.outputs['deployment-id']).toBe(rollouts[0]?.deploymentId);
    expect(run.stdout).toMatch(/ECS started deployment ecs-svc\/\d+ of api:2/);
    expect(run.stdout).toMatch(/Rollout ecs-svc\/\d+ \(api:2\): COMPLETED/);
    expect(run.summary).toContain('CloudFormation stack `api-stack`');
    expect(run.summary).toContain('api:1 → api:2');
  });

  it('changes stack-parameters in the same stack update as ImageUri, keeping the others', async () => {
    const seeded = await seedStackManagedService(aws, { ...API, image: image(1), appVersion: 'v7' });
    const before = await stackParameters(seeded.stackName);

    const run = await deploy(aws, { ...API, image: image(2), 'stack-parameters': 'AppVersion=v8' });

    expect(run.code, explain(run)).toBe(0);
    expect(run.outputs.status).toBe('deployed');
    expect(stackUpdates()).toEqual(['CreateChangeSet', 'ExecuteChangeSet']);
    expect(await stackParameters(seeded.stackName)).toEqual({
      ...before,
      ImageUri: image(2),
      AppVersion: 'v8',
    });
  });

  it('refuses stack-parameters the stack does not have, and ImageUri among them, before changing anything', async () => {
    await seedStackManagedService(aws, { ...API, image: image(1) });

    const unknown = await deploy(aws, { ...API, image: image(2), 'stack-parameters': 'Version=v8' });
    expect(unknown.code, explain(unknown)).toBe(1);
    expect(unknown.errors()[0]).toContain('has no parameter Version');
    expect(stackUpdates()).toEqual([]);

    aws.clearCalls();
    const image2 = await deploy(aws, { ...API, image: image(2), 'stack-parameters': `ImageUri=${image(3)}` });
    expect(image2.code, explain(image2)).toBe(1);
    expect(image2.errors()[0]).toBe(
      'deploy-ecs: stack-parameters: ImageUri is set from the image input; leave it out',
    );
    expect(aws.calls).toEqual([]);
  });

  it('is a no-op when the service and the stack already have the image: no stack update', async () => {
    const seeded = await seedStackManagedService(aws, { ...API, image: image(1) });

    const run = await deploy(aws, { ...API, image: image(1) });

    expect(run.code, explain(run)).toBe(0);
    expect(run.outputs.status).toBe('unchanged');
    expect(run.outputs['task-definition-arn']).toBe(seeded.taskDefinitionArn);
    expect(stackUpdates()).toEqual([]);
    expect(aws.callCount({ service: 'ecs', action: 'RegisterTaskDefinition' })).toBe(0);
    expect(run.stdout).toContain('no stack update');
  });

  it('reports the ECS cause when the circuit breaker fails the stack update and it rolls back', async () => {
    const seeded = await seedStackManagedService(aws, { ...API, image: image(1) });
    aws.ecs.nextRollout({
      service: 'api',
      outcome: 'fail',
      durationMs: 1500,
      stoppedTasks: [
        {
          stoppedReason: 'Essential container in task exited',
          containers: [{ name: 'app', exitCode: 137 }],
          logLines: ['Listening on :8080', 'FATAL: out of memory'],
        },
      ],
    });

    const run = await deploy(aws, { ...API, image: image(2) });

    expect(run.code, explain(run)).toBe(1);
    expect(run.outputs.status).toBe('rolled-back');
    expect(run.outputs['previous-task-definition-arn']).toBe(seeded.taskDefinitionArn);
    const [error] = run.errors();
    expect(error).toContain(`The rollout of ${image(2)} to api failed`);
    expect(error).toContain('tasks failed to start');
    expect(error).toContain('app exited 137');
    expect(error).toContain('FATAL: out of memory');
    expect(error).toContain('stack api-stack rolled back');
    expect(error).toContain('ECS Deployment Circuit Breaker was triggered');
    expect(run.summary).toContain('FATAL: out of memory');
    expect(run.summary).toMatch(
      /\| `[\w-]+` \| Essential container in task exited \| EssentialContainerExited \| app: 137 \|/,
    );
    expect(await stackParameters(seeded.stackName)).toMatchObject({ ImageUri: image(1) });
  });

  it('runs the migration with a migration-only revision, then updates the stack', async () => {
    const seeded = await seedStackManagedService(aws, { ...API, image: image(1) });
    aws.ecs.nextRunTask({ exitCode: 0, logLines: ['migrated'] });

    const run = await deploy(aws, { ...API, image: image(2), 'migrate-command': 'npm run migrate' });

    expect(run.code, explain(run)).toBe(0);
    expect(run.outputs.status).toBe('deployed');
    expect(aws.callCount({ service: 'ecs', action: 'RegisterTaskDefinition' })).toBe(1);
    const registered = aws.calls.find((c) => c.action === 'RegisterTaskDefinition')!.params as {
      family: string;
      containerDefinitions: Array<{ image: string }>;
    };
    expect(registered.family).toBe('api');
    expect(registered.containerDefinitions[0]?.image).toBe(image(2));
    const runTask = aws.calls.find((c) => c.action === 'RunTask')!.params as { taskDefinition: string };
    expect(runTask.taskDefinition).toMatch(/:task-definition\/api:2$/);
    expect(aws.callCount({ service: 'ecs', action: 'UpdateService' })).toBe(0);
    expect(stackUpdates()).toEqual(['CreateChangeSet', 'ExecuteChangeSet']);
    expect(run.summary).toContain('migration-only revision');
    expect(run.outputs['task-definition-arn']).toBe(await serviceTaskDefinition(aws, 'prod', 'api'));
    expect(run.outputs['task-definition-arn']).not.toBe(seeded.taskDefinitionArn);
  });

  it('does not touch the stack when the migration fails', async () => {
    await seedStackManagedService(aws, { ...API, image: image(1) });
    aws.ecs.nextRunTask({ exitCode: 1, logLines: ['connection refused'] });

    const run = await deploy(aws, { ...API, image: image(2), 'migrate-command': 'npm run migrate' });

    expect(run.code, explain(run)).toBe(1);
    expect(run.outputs.status).toBe('failed');
    expect(run.errors()[0]).toContain('exited 1 (last log line: connection refused)');
    expect(stackUpdates()).toEqual([]);
  });

  it('refuses environment and task-definition on a stack-managed service (they would drift)', async () => {
    await seedStackManagedService(aws, { ...API, image: image(1) });

    const run = await deploy(aws, { ...API, image: image(2), environment: 'A=1' });

    expect(run.code, explain(run)).toBe(1);
    expect(run.errors()[0]).toBe(
      "deploy-ecs: environment: service api is managed by CloudFormation stack api-stack, which would revert it on its next update; change it in the stack's template instead",
    );
    expect(stackUpdates()).toEqual([]);
    expect(aws.callCount({ service: 'ecs', action: 'RegisterTaskDefinition' })).toBe(0);
  });
});
