// The local AWS endpoint's CloudFormation side (and stack-managed ECS services), driven by the real SDK clients.
import {
  CancelUpdateStackCommand,
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeEventsCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  type StackEvent,
  UpdateStackCommand,
  UpdateTerminationProtectionCommand,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  type Service,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, seedStackManagedService, startLocalAws } from './aws/index.js';
import { until } from './aws/testing.js';

let aws: LocalAws;
let cfn: CloudFormationClient;
let ecs: ECSClient;

beforeAll(async () => {
  aws = await startLocalAws();
  cfn = new CloudFormationClient(aws.clientConfig);
  ecs = new ECSClient(aws.clientConfig);
});

afterAll(async () => {
  await aws?.stop();
});

beforeEach(async () => {
  await aws.reset();
});

const keepParameters = ['DesiredCount', 'AppVersion', 'Subnet', 'SecurityGroup'].map((ParameterKey) => ({
  ParameterKey,
  UsePreviousValue: true,
}));

async function describeService(cluster: string, service: string): Promise<Service> {
  const out = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
  return out.services![0]!;
}

const twoLogGroups = `Resources:
  First:
    Type: AWS::Logs::LogGroup
    Properties: { LogGroupName: /app/first }
  Second:
    Type: AWS::Logs::LogGroup
    Properties: { LogGroupName: /app/second }
  Third:
    Type: AWS::Logs::LogGroup
    Properties: { LogGroupName: /app/third }
`;

async function stackStatus(name: string): Promise<string> {
  const out = await cfn.send(new DescribeStacksCommand({ StackName: name }));
  return out.Stacks![0]!.StackStatus!;
}

async function stackEvents(name: string): Promise<StackEvent[]> {
  return (await cfn.send(new DescribeStackEventsCommand({ StackName: name }))).StackEvents!;
}

describe('CloudFormation operations', () => {
  it('takes time: *_IN_PROGRESS with events appearing, then the final status', async () => {
    aws.cloudformation.nextOperation({ stack: 'logs', durationMs: 1200 });
    const created = await cfn.send(new CreateStackCommand({ StackName: 'logs', TemplateBody: twoLogGroups }));
    expect(created.OperationId).toBeTruthy();
    expect(await stackStatus('logs')).toBe('CREATE_IN_PROGRESS');
    const early = await stackEvents('logs');
    const final = await until(
      async () => ((await stackStatus('logs')) === 'CREATE_COMPLETE' ? true : undefined),
      'create',
    );
    expect(final).toBe(true);
    const events = await stackEvents('logs');
    expect(events.length).toBeGreaterThan(early.length);
    expect(events[0]).toMatchObject({ LogicalResourceId: 'logs', ResourceStatus: 'CREATE_COMPLETE' });
    expect(events.at(-1)).toMatchObject({
      ResourceStatus: 'CREATE_IN_PROGRESS',
      ResourceStatusReason: 'User Initiated',
    });
    const times = events.map((e) => e.Timestamp!.getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const first = events.find(
      (e) => e.LogicalResourceId === 'First' && e.ResourceStatus === 'CREATE_COMPLETE',
    )!;
    expect(first).toMatchObject({ PhysicalResourceId: '/app/first', ResourceType: 'AWS::Logs::LogGroup' });
    expect(first.EventId).toBeTruthy();
    const [op] = aws.cloudformation.operations('logs');
    expect(op).toMatchObject({
      type: 'CREATE_STACK',
      finalStatus: 'CREATE_COMPLETE',
      operationId: created.OperationId,
    });
    expect(op!.terminalAt! - op!.startedAt).toBe(1200);
  });

  it('fails a create on the chosen resource, rolls back to ROLLBACK_COMPLETE, and deletes', async () => {
    aws.cloudformation.nextOperation({
      stack: 'broken',
      durationMs: 500,
      fail: { logicalId: 'Second', reason: 'Resource handler returned message: "Log group limit exceeded"' },
    });
    await cfn.send(new CreateStackCommand({ StackName: 'broken', TemplateBody: twoLogGroups }));
    await until(
      async () => ((await stackStatus('broken')) === 'ROLLBACK_COMPLETE' ? true : undefined),
      'rollback',
    );
    const events = await stackEvents('broken');
    const firstFailure = [...events].reverse().find((e) => e.ResourceStatus?.endsWith('_FAILED'))!;
    expect(firstFailure).toMatchObject({
      LogicalResourceId: 'Second',
      ResourceStatus: 'CREATE_FAILED',
      ResourceStatusReason: 'Resource handler returned message: "Log group limit exceeded"',
    });
    expect(events.map((e) => e.ResourceStatus)).toContain('ROLLBACK_IN_PROGRESS');
    const failedOnly = await cfn.send(
      new DescribeEventsCommand({ StackName: 'broken', Filters: { FailedEvents: true } }),
    );
    expect(failedOnly.OperationEvents!.every((e) => e.ResourceStatus!.endsWith('_FAILED'))).toBe(true);
    expect(failedOnly.OperationEvents!.at(-1)).toMatchObject({
      LogicalResourceId: 'Second',
      OperationType: 'CREATE_STACK',
      OperationStatus: 'FAILED',
      EventType: 'PROVISIONING_ERROR',
    });
    // the failed create was never applied in moto
    const direct = new CloudWatchLogsClient({ ...aws.clientConfig, endpoint: aws.motoUrl });
    const groups = await direct.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/app/' }));
    expect(groups.logGroups).toEqual([]);

    await cfn.send(new DeleteStackCommand({ StackName: 'broken' }));
    await until(
      async () =>
        cfn.send(new DescribeStacksCommand({ StackName: 'broken' })).then(
          () => undefined,
          (e: Error) => e.message,
        ),
      'the stack to be gone',
    ).then((message) => expect(message).toMatch(/does not exist/));
  });

  it('fails an update: UPDATE_ROLLBACK_COMPLETE and the previous parameters stay', async () => {
    const seeded = await seedStackManagedService(aws, { cluster: 'prod', service: 'api', image: 'api:1' });
    aws.cloudformation.nextOperation({
      stack: seeded.stackName,
      durationMs: 800,
      fail: { logicalId: 'Service', reason: 'Service api did not stabilize.' },
    });
    const update = await cfn.send(
      new UpdateStackCommand({
        StackName: seeded.stackName,
        UsePreviousTemplate: true,
        Parameters: [{ ParameterKey: 'ImageUri', ParameterValue: 'api:2' }, ...keepParameters],
      }),
    );
    expect(await stackStatus(seeded.stackName)).toBe('UPDATE_IN_PROGRESS');
    await until(
      async () => ((await stackStatus(seeded.stackName)) === 'UPDATE_ROLLBACK_COMPLETE' ? true : undefined),
      'update rollback',
    );
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: seeded.stackName }))).Stacks![0]!;
    expect(stack.Parameters!.find((p) => p.ParameterKey === 'ImageUri')!.ParameterValue).toBe('api:1');
    expect(stack.LastOperations!.map((o) => o.OperationType)).toEqual(['ROLLBACK', 'UPDATE_STACK']);
    const events = await stackEvents(seeded.stackName);
    const firstFailure = [...events].reverse().find((e) => e.ResourceStatus?.endsWith('_FAILED'))!;
    expect(firstFailure).toMatchObject({
      LogicalResourceId: 'Service',
      ResourceStatusReason: 'Service api did not stabilize.',
    });
    const byOperation = await cfn.send(new DescribeEventsCommand({ OperationId: update.OperationId }));
    expect(byOperation.OperationEvents!.every((e) => e.OperationId === update.OperationId)).toBe(true);
    expect((await describeService('prod', 'api')).taskDefinition).toBe(seeded.taskDefinitionArn);
    const [op] = aws.cloudformation.operations(seeded.stackName);
    expect(op).toMatchObject({ finalStatus: 'UPDATE_ROLLBACK_COMPLETE', status: 'UPDATE_ROLLBACK_COMPLETE' });
  });

  it('fails an update that removes an export another stack imports, and rolls it back', async () => {
    const exporter = (exported: boolean) => `Resources:
  Group:
    Type: AWS::Logs::LogGroup
    Properties: { LogGroupName: /app/shared }
  Other:
    Type: AWS::Logs::LogGroup
    Properties: { LogGroupName: ${exported ? '/app/other' : '/app/renamed'} }
Outputs:
  GroupName:
    Value: !Ref Group
${exported ? '    Export: { Name: shared-GroupName }\n' : ''}`;
    await cfn.send(new CreateStackCommand({ StackName: 'shared', TemplateBody: exporter(true) }));
    await until(
      async () => ((await stackStatus('shared')) === 'CREATE_COMPLETE' ? true : undefined),
      'shared',
    );
    await cfn.send(
      new CreateStackCommand({
        StackName: 'user',
        TemplateBody: `Resources:
  Copy:
    Type: AWS::Logs::LogGroup
    Properties: { LogGroupName: !Join ['-', [!ImportValue shared-GroupName, copy]] }
`,
      }),
    );
    await until(async () => ((await stackStatus('user')) === 'CREATE_COMPLETE' ? true : undefined), 'user');

    await cfn.send(new UpdateStackCommand({ StackName: 'shared', TemplateBody: exporter(false) }));
    await until(
      async () => ((await stackStatus('shared')) === 'UPDATE_ROLLBACK_COMPLETE' ? true : undefined),
      'update rollback',
    );
    const rollback = (await stackEvents('shared')).find(
      (e) => e.ResourceStatus === 'UPDATE_ROLLBACK_IN_PROGRESS',
    );
    expect(rollback?.ResourceStatusReason).toBe(
      'Cannot delete export shared-GroupName as it is in use by user.',
    );
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'shared' }))).Stacks![0]!;
    expect(stack.Outputs?.[0]).toMatchObject({ ExportName: 'shared-GroupName', OutputValue: '/app/shared' });
    const groups = await new CloudWatchLogsClient(aws.clientConfig).send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: '/app/' }),
    );
    expect(groups.logGroups?.map((g) => g.logGroupName)).not.toContain('/app/renamed');
  });

  it('fails an empty change set with AWS status reason', async () => {
    const seeded = await seedStackManagedService(aws, { cluster: 'prod', service: 'api', image: 'api:1' });
    const created = await cfn.send(
      new CreateChangeSetCommand({
        StackName: seeded.stackName,
        ChangeSetName: 'nothing',
        UsePreviousTemplate: true,
        Parameters: [{ ParameterKey: 'ImageUri', UsePreviousValue: true }, ...keepParameters],
      }),
    );
    expect(created.Id).toMatch(/:changeSet\/nothing\//);
    const described = await until(async () => {
      const cs = await cfn.send(
        new DescribeChangeSetCommand({ StackName: seeded.stackName, ChangeSetName: 'nothing' }),
      );
      return cs.Status === 'FAILED' ? cs : undefined;
    }, 'the change set to fail');
    expect(described).toMatchObject({
      ExecutionStatus: 'UNAVAILABLE',
      StatusReason:
        "The submitted information didn't contain changes. Submit different information to create a change set.",
    });
    await expect(
      cfn.send(new ExecuteChangeSetCommand({ StackName: seeded.stackName, ChangeSetName: 'nothing' })),
    ).rejects.toThrow(/cannot be executed/);
  });

  it('rolls out a stack-managed service updated through a change set with a new ImageUri', async () => {
    const seeded = await seedStackManagedService(aws, { cluster: 'prod', service: 'api', image: 'api:1' });
    aws.ecs.nextRollout({ service: 'api', outcome: 'complete', durationMs: 600 });
    await cfn.send(
      new CreateChangeSetCommand({
        StackName: seeded.stackName,
        ChangeSetName: 'image-2',
        UsePreviousTemplate: true,
        Parameters: [{ ParameterKey: 'ImageUri', ParameterValue: 'api:2' }, ...keepParameters],
      }),
    );
    const cs = await until(async () => {
      const out = await cfn.send(
        new DescribeChangeSetCommand({ StackName: seeded.stackName, ChangeSetName: 'image-2' }),
      );
      return out.Status === 'CREATE_COMPLETE' ? out : undefined;
    }, 'the change set');
    const changes = Object.fromEntries(
      cs.Changes!.map((c) => [c.ResourceChange!.LogicalResourceId, c.ResourceChange!]),
    );
    expect(changes.TaskDefinition).toMatchObject({
      Action: 'Modify',
      Replacement: 'True',
      Details: [
        {
          Target: { Attribute: 'Properties', Name: 'ContainerDefinitions', RequiresRecreation: 'Always' },
          ChangeSource: 'ParameterReference',
          CausingEntity: 'ImageUri',
        },
      ],
    });
    expect(changes.Service).toMatchObject({ Action: 'Modify', Replacement: 'False' });
    expect(changes.Service!.Details![0]).toMatchObject({
      ChangeSource: 'ResourceReference',
      CausingEntity: 'TaskDefinition',
    });

    await cfn.send(new ExecuteChangeSetCommand({ StackName: seeded.stackName, ChangeSetName: 'image-2' }));
    const rolling = await describeService('prod', 'api');
    const primary = rolling.deployments!.find((d) => d.status === 'PRIMARY')!;
    expect(primary.taskDefinition).not.toBe(seeded.taskDefinitionArn);
    const td = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: primary.taskDefinition }));
    expect(td.taskDefinition!.containerDefinitions![0]!.image).toBe('api:2');
    expect(td.taskDefinition!.networkMode).toBe('awsvpc');
    const [rollout] = aws.ecs.rollouts('api');
    expect(rollout).toMatchObject({ taskDefinition: primary.taskDefinition, outcome: 'complete' });
    await until(
      async () => ((await describeService('prod', 'api')).deployments!.length === 1 ? true : undefined),
      'the rollout to complete',
    );
    await until(
      async () => ((await stackStatus(seeded.stackName)) === 'UPDATE_COMPLETE' ? true : undefined),
      'the stack update',
    );
    // CloudFormation waits for the service to reach a steady state
    const [op] = aws.cloudformation.operations(seeded.stackName);
    expect(op!.terminalAt!).toBeGreaterThan(aws.ecs.rollouts('api')[0]!.terminalAt!);
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: seeded.stackName }))).Stacks![0]!;
    expect(stack.Outputs!.find((o) => o.OutputKey === 'TaskDefinitionArn')!.OutputValue).toBe(
      primary.taskDefinition,
    );
  });

  it('fails a stack update whose ECS deployment trips the circuit breaker, and undoes it', async () => {
    const seeded = await seedStackManagedService(aws, { cluster: 'prod', service: 'api', image: 'api:1' });
    aws.ecs.nextRollout({
      service: 'api',
      outcome: 'fail',
      durationMs: 700,
      stoppedTasks: [
        { stoppedReason: 'Essential container in task exited', containers: [{ name: 'app', exitCode: 1 }] },
      ],
    });
    await cfn.send(
      new UpdateStackCommand({
        StackName: seeded.stackName,
        UsePreviousTemplate: true,
        Parameters: [{ ParameterKey: 'ImageUri', ParameterValue: 'api:2' }, ...keepParameters],
      }),
    );
    expect(await stackStatus(seeded.stackName)).toBe('UPDATE_IN_PROGRESS');
    await until(
      async () => ((await stackStatus(seeded.stackName)) === 'UPDATE_ROLLBACK_COMPLETE' ? true : undefined),
      'the stack to roll back',
    );
    const events = await stackEvents(seeded.stackName);
    const firstFailure = [...events].reverse().find((e) => e.ResourceStatus?.endsWith('_FAILED'))!;
    expect(firstFailure).toMatchObject({ LogicalResourceId: 'Service', ResourceStatus: 'UPDATE_FAILED' });
    expect(firstFailure.ResourceStatusReason).toContain("'ECS Deployment Circuit Breaker was triggered'");
    const [rollout] = aws.ecs.rollouts('api');
    const [op] = aws.cloudformation.operations(seeded.stackName);
    expect(rollout!.outcome).toBe('fail');
    expect(firstFailure.Timestamp!.getTime()).toBe(rollout!.terminalAt);
    expect(op!.terminalAt!).toBeGreaterThan(rollout!.terminalAt!);

    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: seeded.stackName }))).Stacks![0]!;
    expect(stack.Parameters!.find((p) => p.ParameterKey === 'ImageUri')!.ParameterValue).toBe('api:1');
    expect(stack.Outputs!.find((o) => o.OutputKey === 'TaskDefinitionArn')!.OutputValue).toBe(
      seeded.taskDefinitionArn,
    );
    const settled = await until(async () => {
      const s = await describeService('prod', 'api');
      return s.deployments!.length === 1 && s.deployments![0]!.rolloutState === 'COMPLETED' ? s : undefined;
    }, 'the ECS rollback');
    expect(settled.taskDefinition).toBe(seeded.taskDefinitionArn);
    const direct = new ECSClient({ ...aws.clientConfig, endpoint: aws.motoUrl });
    const raw = await direct.send(new DescribeServicesCommand({ cluster: 'prod', services: ['api'] }));
    expect(raw.services![0]!.taskDefinition).toBe(seeded.taskDefinitionArn);
    expect(aws.ecs.rollouts('api')).toHaveLength(2); // the failed deployment and the circuit breaker's rollback

    // The next update applies normally.
    await cfn.send(
      new UpdateStackCommand({
        StackName: seeded.stackName,
        UsePreviousTemplate: true,
        Parameters: [{ ParameterKey: 'ImageUri', ParameterValue: 'api:3' }, ...keepParameters],
      }),
    );
    await until(
      async () => ((await stackStatus(seeded.stackName)) === 'UPDATE_COMPLETE' ? true : undefined),
      'the next update',
    );
    const current = await describeService('prod', 'api');
    const td = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: current.taskDefinition }));
    expect(td.taskDefinition!.containerDefinitions![0]!.image).toBe('api:3');
  });

  it('creates a stack through a CREATE change set and protects it from deletion', async () => {
    const created = await cfn.send(
      new CreateChangeSetCommand({
        StackName: 'fresh',
        ChangeSetName: 'initial',
        ChangeSetType: 'CREATE',
        TemplateBody: twoLogGroups,
      }),
    );
    expect(await stackStatus('fresh')).toBe('REVIEW_IN_PROGRESS');
    const cs = await until(async () => {
      const out = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: created.Id }));
      return out.Status === 'CREATE_COMPLETE' ? out : undefined;
    }, 'the change set');
    expect(cs.Changes!.map((c) => [c.ResourceChange!.Action, c.ResourceChange!.LogicalResourceId])).toEqual([
      ['Add', 'First'],
      ['Add', 'Second'],
      ['Add', 'Third'],
    ]);
    await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: created.Id }));
    await until(
      async () => ((await stackStatus('fresh')) === 'CREATE_COMPLETE' ? true : undefined),
      'the create',
    );
    const executed = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: created.Id }));
    expect(executed.ExecutionStatus).toBe('EXECUTE_COMPLETE');
    const byChangeSet = await cfn.send(new DescribeEventsCommand({ ChangeSetName: created.Id }));
    expect(new Set(byChangeSet.OperationEvents!.map((e) => e.OperationType))).toEqual(
      new Set(['CREATE_STACK']),
    );
    expect(byChangeSet.OperationEvents![0]).toMatchObject({
      OperationStatus: 'SUCCEEDED',
      ResourceStatus: 'CREATE_COMPLETE',
    });

    await cfn.send(
      new UpdateTerminationProtectionCommand({ StackName: 'fresh', EnableTerminationProtection: true }),
    );
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'fresh' }))).Stacks![0]!;
    expect(stack.EnableTerminationProtection).toBe(true);
    await expect(cfn.send(new DeleteStackCommand({ StackName: 'fresh' }))).rejects.toThrow(
      'Stack [fresh] cannot be deleted while TerminationProtection is enabled',
    );
  });

  it('cancels an update in progress (UPDATE_ROLLBACK_COMPLETE) and refuses to cancel otherwise', async () => {
    const seeded = await seedStackManagedService(aws, { cluster: 'prod', service: 'api', image: 'api:1' });
    aws.cloudformation.nextOperation({ stack: seeded.stackName, durationMs: 3000 });
    await cfn.send(
      new UpdateStackCommand({
        StackName: seeded.stackName,
        UsePreviousTemplate: true,
        Parameters: [
          { ParameterKey: 'ImageUri', UsePreviousValue: true },
          { ParameterKey: 'AppVersion', ParameterValue: 'v2' },
          ...keepParameters.filter((p) => p.ParameterKey !== 'AppVersion'),
        ],
      }),
    );
    await cfn.send(new CancelUpdateStackCommand({ StackName: seeded.stackName }));
    await until(
      async () => ((await stackStatus(seeded.stackName)) === 'UPDATE_ROLLBACK_COMPLETE' ? true : undefined),
      'the cancelled update to roll back',
    );
    const events = await stackEvents(seeded.stackName);
    expect(events.find((e) => e.ResourceStatus === 'UPDATE_ROLLBACK_IN_PROGRESS')!.ResourceStatusReason).toBe(
      'Stack update cancelled',
    );
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: seeded.stackName }))).Stacks![0]!;
    expect(stack.Parameters!.find((p) => p.ParameterKey === 'AppVersion')!.ParameterValue).toBe('v1');
    await expect(cfn.send(new CancelUpdateStackCommand({ StackName: seeded.stackName }))).rejects.toThrow(
      /CancelUpdateStack cannot be called from current stack status/,
    );
  });
});
