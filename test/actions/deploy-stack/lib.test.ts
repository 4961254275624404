// The CloudFormation library's pure parts, without AWS: template parsing, parameter checks and files, root
// causes, change classification, event streaming against a scripted client, status rules, the summary.
import { describe, expect, it } from 'vitest';
import { changeWarning, classifyChange } from '../../../actions/lib/cloudformation/changes.js';
import {
  changeSetName,
  isEmptyChangeSetReason,
  toStackChange,
} from '../../../actions/lib/cloudformation/changeset.js';
import type { DeployStackResult } from '../../../actions/lib/cloudformation/deploy.js';
import { StackOperationError } from '../../../actions/lib/cloudformation/errors.js';
import { changeSetFailures, StackEventStream } from '../../../actions/lib/cloudformation/events.js';
import { parseParameterFile } from '../../../actions/lib/cloudformation/parameters.js';
import { findRootCause, formatRootCause } from '../../../actions/lib/cloudformation/rootcause.js';
import { blockedStatus, isOutcome, isSuccess } from '../../../actions/lib/cloudformation/status.js';
import { renderDeploySummary } from '../../../actions/lib/cloudformation/summary.js';
import {
  checkParameters,
  checkRules,
  parseTemplate,
  TemplateError,
} from '../../../actions/lib/cloudformation/template.js';
import type { StackEventLine } from '../../../actions/lib/cloudformation/types.js';
import { ConfigurationError } from '../../../actions/lib/errors.js';

describe('parseTemplate', () => {
  it('turns short-form tags into their long form, on scalars, sequences and mappings', () => {
    const parsed = parseTemplate(
      `Parameters:
  Env: { Type: String }
  Size: { Type: Number, Default: 3, NoEcho: true, AllowedValues: [1, 3] }
Conditions:
  Prod: !Equals [!Ref Env, prod]
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub '\${Env}-topic'
      DisplayName: !Join ['-', [!Ref Env, !GetAtt Other.Name, !Select [0, !GetAZs '']]]
      KmsMasterKeyId: !If [Prod, !ImportValue shared-key, !Ref AWS::NoValue]
      Tags: !Sub
        - '\${A}'
        - { A: !Base64 x }
Outputs:
  Arn: { Value: !GetAtt Topic.TopicArn, Condition: Prod }
`,
      'stack.yml',
    );
    const topic = (parsed.body.Resources as Record<string, { Properties: Record<string, unknown> }>).Topic;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's ${} syntax, not JavaScript's
    expect(topic?.Properties.TopicName).toEqual({ 'Fn::Sub': '${Env}-topic' });
    expect(topic?.Properties.DisplayName).toEqual({
      'Fn::Join': [
        '-',
        [{ Ref: 'Env' }, { 'Fn::GetAtt': ['Other', 'Name'] }, { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }],
      ],
    });
    expect(topic?.Properties.KmsMasterKeyId).toEqual({
      'Fn::If': ['Prod', { 'Fn::ImportValue': 'shared-key' }, { Ref: 'AWS::NoValue' }],
    });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's ${} syntax, not JavaScript's
    expect(topic?.Properties.Tags).toEqual({ 'Fn::Sub': ['${A}', { A: { 'Fn::Base64': 'x' } }] });
    expect((parsed.body.Conditions as Record<string, unknown>).Prod).toEqual({
      'Fn::Equals': [{ Ref: 'Env' }, 'prod'],
    });
    expect(parsed.parameters).toEqual({
      Env: { type: 'String', noEcho: false },
      Size: { type: 'Number', default: '3', noEcho: true, allowedValues: ['1', '3'] },
    });
    expect(parsed.resources).toEqual({ Topic: { type: 'AWS::SNS::Topic' } });
    expect(parsed.outputs).toEqual(['Arn']);
    expect(parsed.format).toBe('yaml');
  });

  it('reads JSON templates and counts bytes as UTF-8', () => {
    const text = '{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "é"}}}}';
    const parsed = parseTemplate(text, 'stack.json');
    expect(parsed.format).toBe('json');
    expect(parsed.bytes).toBe(Buffer.byteLength(text));
    expect(parsed.bytes).toBe(text.length + 1);
  });

  const position = (text: string) => {
    try {
      parseTemplate(text, 'bad.yml');
    } catch (error) {
      if (error instanceof TemplateError)
        return { line: error.line, column: error.column, message: error.message };
      throw error;
    }
    throw new Error('no error');
  };

  it('refuses a YAML alias with its line, as CloudFormation refuses aliases', () => {
    const text =
      'Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Properties: &props\n      TopicName: a\n  B:\n    Type: AWS::SNS::Topic\n    Properties: *props\n';
    expect(position(text)).toMatchObject({
      line: 8,
      column: 17,
      message: expect.stringMatching(
        /^bad\.yml:8:17: YAML alias \*props: CloudFormation does not accept YAML aliases/,
      ),
    });
    // An anchor nobody refers to changes nothing: CloudFormation accepts it.
    expect(() => parseTemplate('Resources:\n  A: &a\n    Type: AWS::SNS::Topic\n', 'ok.yml')).not.toThrow();
  });

  it('reports YAML errors with line and column', () => {
    expect(position('Resources:\n  A:\n    Type: x\n   B: 1\n')).toMatchObject({ line: 4, column: 1 });
    expect(position('Resources:\n  A:\n\tType: x\n').message).toMatch(/^bad\.yml:3:1: invalid YAML: Tabs/);
    expect(position('Resources:\n  A: 1\n  A: 2\n').message).toMatch(/Map keys must be unique/);
    expect(position('Resources:\n  A:\n    Type: !Foo x\n')).toMatchObject({
      line: 3,
      message: expect.stringMatching(/unknown tag !Foo: CloudFormation's short forms are !Ref/),
    });
  });

  it('reports JSON errors with line and column', () => {
    expect(position('{\n  "Resources": {\n    "A": {"Type": "x",}\n  }\n}')).toMatchObject({
      line: 3,
      column: 23,
    });
    expect(position('{"Resources": ').message).toMatch(/^bad\.yml:1:\d+: invalid JSON/);
  });

  it('requires Resources and resource types', () => {
    expect(() => parseTemplate('Parameters: {}\n', 't.yml')).toThrow(/needs a Resources section/);
    expect(() => parseTemplate('Resources:\n  A: { Properties: {} }\n', 't.yml')).toThrow(
      /Resources\.A needs a Type/,
    );
    expect(() => parseTemplate('- a\n- b\n', 't.yml')).toThrow(/a template is a mapping/);
    expect(() => parseTemplate('  \n', 't.yml')).toThrow(/empty/);
    try {
      parseTemplate('Resources: {}\nParameters:\n  P: {}\n', 't.yml');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).problems).toHaveLength(2);
    }
  });
});

describe('checkParameters', () => {
  const declared = {
    Env: { type: 'String', noEcho: false },
    Size: { type: 'Number', default: '1', noEcho: false, allowedValues: ['1', '2'] },
    Secret: { type: 'String', noEcho: true, allowedValues: ['s3cr3t'] },
  };
  it('names unknown parameters with the accepted ones', () => {
    expect(checkParameters(declared, { Envv: 'x' }, { requireAll: false })).toEqual([
      'Envv is not a parameter of the template (accepted: Env, Size, Secret)',
    ]);
    expect(checkParameters({}, { A: 'x' }, { requireAll: false })).toEqual([
      'A is not a parameter of the template (the template declares no parameters)',
    ]);
  });
  it('requires parameters without a Default unless kept', () => {
    expect(checkParameters(declared, {}, { requireAll: true })).toEqual([
      'Env, Secret have no Default in the template and must be given',
    ]);
    expect(checkParameters(declared, { Env: 'a' }, { requireAll: true, kept: ['Secret'] })).toEqual([]);
  });
  it('checks AllowedValues without showing NoEcho values', () => {
    expect(checkParameters(declared, { Env: 'a', Size: '3', Secret: 'nope' }, { requireAll: true })).toEqual([
      'Size: "3" is not one of the AllowedValues: 1, 2',
      'Secret: (hidden: NoEcho) is not one of the AllowedValues: s3cr3t',
    ]);
  });
  it('checks every constraint the template declares, with its ConstraintDescription', () => {
    const { parameters } = parseTemplate(
      `Parameters:
  Port: { Type: Number, MinValue: 1024, MaxValue: 65535 }
  Name:
    Type: String
    AllowedPattern: '[a-z]+'
    MinLength: 2
    MaxLength: 4
    ConstraintDescription: 2-4 lower-case letters.
Resources:
  T: { Type: AWS::SNS::Topic }
`,
      't.yml',
    );
    const check = (given: Record<string, string>) =>
      checkParameters(parameters, given, { requireAll: false });
    expect(check({ Port: '80' })).toEqual(['Port: "80" is less than the MinValue 1024']);
    expect(check({ Port: '70000' })).toEqual(['Port: "70000" is greater than the MaxValue 65535']);
    expect(check({ Port: 'eighty' })).toEqual(['Port: "eighty" is not a number']);
    expect(check({ Name: 'a' })).toEqual([
      'Name: "a" is shorter than the MinLength 2: 2-4 lower-case letters.',
    ]);
    expect(check({ Name: 'abcde' })).toEqual([
      'Name: "abcde" is longer than the MaxLength 4: 2-4 lower-case letters.',
    ]);
    // The pattern must match the whole value, as CloudFormation's does.
    expect(check({ Name: 'ab1' })).toEqual([
      'Name: "ab1" does not match the AllowedPattern [a-z]+: 2-4 lower-case letters.',
    ]);
    expect(check({ Port: '3000', Name: 'abc' })).toEqual([]);
  });
});

describe('checkRules', () => {
  const { rules } = parseTemplate(
    `Parameters:
  Cpu: { Type: String }
  Memory: { Type: String }
  Domain: { Type: String, Default: '' }
  Certificate: { Type: String, Default: '' }
Rules:
  Memory256:
    RuleCondition: !Equals [!Ref Cpu, '256']
    Assertions:
      - Assert: !Contains [['512', '1024'], !Ref Memory]
        AssertDescription: With Cpu 256 Memory is 512 or 1024.
  DomainNeedsCertificate:
    RuleCondition: !Not [!Equals [!Ref Domain, '']]
    Assertions:
      - Assert: !Not [!Equals [!Ref Certificate, '']]
  NeedsAws:
    Assertions:
      - Assert: !EachMemberIn [!ValueOfAll ['AWS::EC2::Subnet::Id', VpcId], [vpc-1]]
Resources:
  T: { Type: AWS::SNS::Topic }
`,
    't.yml',
  );
  it('evaluates each rule for the full values and names the parameters it refers to', () => {
    expect(checkRules(rules, { Cpu: '256', Memory: '2048', Domain: '', Certificate: '' })).toEqual([
      {
        rule: 'Memory256',
        description: 'With Cpu 256 Memory is 512 or 1024.',
        parameters: ['Memory', 'Cpu'],
      },
    ]);
    expect(
      checkRules(rules, { Cpu: '512', Memory: '2048', Domain: 'a.example.com', Certificate: '' }),
    ).toEqual([
      {
        rule: 'DomainNeedsCertificate',
        description: 'Template assertion in rule DomainNeedsCertificate failed',
        parameters: ['Certificate', 'Domain'],
      },
    ]);
    // A rule that needs AWS to evaluate (Fn::ValueOfAll) is left to CloudFormation.
    expect(checkRules(rules, { Cpu: '256', Memory: '512', Domain: '', Certificate: '' })).toEqual([]);
  });
});

describe('parseParameterFile', () => {
  it('reads both shapes', () => {
    expect(
      parseParameterFile(
        '[{"ParameterKey":"A","ParameterValue":"x,y"},{"ParameterKey":"B","ParameterValue":2}]',
        'p.json',
      ),
    ).toEqual({ parameters: { A: 'x,y', B: '2' }, problems: [] });
    expect(parseParameterFile('{"A": "x", "B": true, "C": ["a", "b"]}', 'p.json')).toEqual({
      parameters: { A: 'x', B: 'true', C: 'a,b' },
      problems: [],
    });
  });
  it('explains what is wrong', () => {
    expect(parseParameterFile('{oops', 'p.json').problems[0]).toMatch(/^p\.json is not valid JSON/);
    expect(parseParameterFile('"x"', 'p.json').problems[0]).toMatch(/the file must be either \[/);
    expect(
      parseParameterFile('[{"ParameterKey":"A","UsePreviousValue":true}]', 'p.json').problems[0],
    ).toMatch(/A has no ParameterValue/);
    expect(parseParameterFile('{"A": {"nested": 1}, "b-c": "x"}', 'p.json').problems).toEqual([
      'p.json: A: the value must be a string, number, boolean or list of those',
      'p.json: b-c: "b-c" is not a parameter name (letters and digits only)',
    ]);
  });
});

function event(
  time: string,
  logicalId: string,
  type: string,
  status: string,
  reason?: string,
): StackEventLine {
  return { time: `2025-01-01T00:00:${time}.000Z`, logicalId, type, status, reason };
}

describe('findRootCause', () => {
  it('picks the first failed resource with a reason of its own', () => {
    const events = [
      event('01', 'web', 'AWS::CloudFormation::Stack', 'UPDATE_IN_PROGRESS', 'User Initiated'),
      event('02', 'Table', 'AWS::DynamoDB::Table', 'UPDATE_FAILED', 'Resource update cancelled'),
      event('02', 'Role', 'AWS::IAM::Role', 'UPDATE_FAILED', 'Policy is malformed'),
      event('03', 'Queue', 'AWS::SQS::Queue', 'UPDATE_FAILED', 'Queue limit reached'),
      event(
        '04',
        'web',
        'AWS::CloudFormation::Stack',
        'UPDATE_ROLLBACK_IN_PROGRESS',
        'The following resource(s) failed to update: [Role, Table].',
      ),
    ];
    const cause = findRootCause([...events].reverse(), 'web');
    expect(cause).toMatchObject({
      logicalId: 'Role',
      status: 'UPDATE_FAILED',
      reason: 'Policy is malformed',
    });
    expect(formatRootCause(cause!)).toBe('Role (AWS::IAM::Role) UPDATE_FAILED: Policy is malformed');
  });
  it('falls back to a cancelled resource, then to the stack reason', () => {
    expect(
      findRootCause(
        [event('01', 'A', 'AWS::SQS::Queue', 'CREATE_FAILED', 'Resource creation cancelled')],
        's',
      ),
    ).toMatchObject({ logicalId: 'A' });
    expect(
      findRootCause(
        [event('01', 's', 'AWS::CloudFormation::Stack', 'ROLLBACK_IN_PROGRESS', 'Template error: bad Ref')],
        's',
      ),
    ).toMatchObject({ reason: 'Template error: bad Ref' });
    expect(findRootCause([event('01', 'A', 'AWS::SQS::Queue', 'CREATE_COMPLETE')], 's')).toBeUndefined();
  });
});

describe('change classification', () => {
  const base = { properties: ['BucketName'], physicalId: 'x' };
  it('flags stateful replacements and removals unless retained', () => {
    const replaced = classifyChange({
      ...base,
      action: 'Modify',
      logicalId: 'B',
      type: 'AWS::S3::Bucket',
      replacement: 'True',
    });
    expect(replaced.stateful).toBe(true);
    expect(changeWarning(replaced)).toMatch(
      /^B \(AWS::S3::Bucket\) will be REPLACED because of BucketName: it holds data/,
    );
    const conditional = classifyChange({
      ...base,
      action: 'Modify',
      logicalId: 'D',
      type: 'AWS::RDS::DBInstance',
      replacement: 'Conditional',
    });
    expect(changeWarning(conditional)).toMatch(/may be REPLACED \(replacement: Conditional\)/);
    expect(
      classifyChange({ ...base, action: 'Remove', logicalId: 'T', type: 'AWS::DynamoDB::Table' }).stateful,
    ).toBe(true);
    expect(
      classifyChange({
        ...base,
        action: 'Remove',
        logicalId: 'T',
        type: 'AWS::DynamoDB::Table',
        policyAction: 'Retain',
      }).stateful,
    ).toBe(false);
    expect(
      classifyChange({
        ...base,
        action: 'Modify',
        logicalId: 'B',
        type: 'AWS::S3::Bucket',
        replacement: 'False',
      }).stateful,
    ).toBe(false);
    expect(
      classifyChange({
        ...base,
        action: 'Modify',
        logicalId: 'F',
        type: 'AWS::Lambda::Function',
        replacement: 'True',
      }).stateful,
    ).toBe(false);
    expect(
      classifyChange({
        ...base,
        action: 'Modify',
        logicalId: 'L',
        type: 'AWS::ElastiCache::ReplicationGroup',
        replacement: 'True',
      }).stateful,
    ).toBe(true);
  });
  it('flags security-relevant resources', () => {
    for (const type of [
      'AWS::IAM::Role',
      'AWS::EC2::SecurityGroupIngress',
      'AWS::KMS::Key',
      'AWS::S3::BucketPolicy',
    ]) {
      expect(classifyChange({ action: 'Add', logicalId: 'X', type, properties: [] }).security, type).toBe(
        true,
      );
    }
    expect(
      classifyChange({ action: 'Add', logicalId: 'X', type: 'AWS::SQS::Queue', properties: [] }).security,
    ).toBe(false);
  });
  it('reads a change set entry: properties changed, replacement', () => {
    const change = toStackChange({
      Type: 'Resource',
      ResourceChange: {
        Action: 'Modify',
        LogicalResourceId: 'Db',
        PhysicalResourceId: 'db-1',
        ResourceType: 'AWS::RDS::DBInstance',
        Replacement: 'True',
        Scope: ['Properties', 'Tags'],
        Details: [
          { Target: { Attribute: 'Properties', Name: 'Engine', RequiresRecreation: 'Always' } },
          { Target: { Attribute: 'Properties', Name: 'Engine', RequiresRecreation: 'Always' } },
          { Target: { Attribute: 'Tags', RequiresRecreation: 'Never' } },
        ],
      },
    });
    expect(change).toEqual({
      action: 'Modify',
      logicalId: 'Db',
      physicalId: 'db-1',
      type: 'AWS::RDS::DBInstance',
      replacement: 'True',
      properties: ['Engine', 'Tags'],
      stateful: true,
      security: false,
    });
  });
});

describe('change sets and statuses', () => {
  it('recognises empty change sets by either message', () => {
    expect(
      isEmptyChangeSetReason(
        "The submitted information didn't contain changes. Submit different information to create a change set.",
      ),
    ).toBe(true);
    expect(isEmptyChangeSetReason('No updates are to be performed.')).toBe(true);
    expect(isEmptyChangeSetReason('Template format error: Unresolved resource dependencies [X]')).toBe(false);
    expect(isEmptyChangeSetReason(undefined)).toBe(false);
  });
  it('names change sets uniquely per run, attempt and time', () => {
    const name = changeSetName({ GITHUB_RUN_ID: '123', GITHUB_RUN_ATTEMPT: '2' }, 1_700_000_000_000);
    expect(name).toBe(`deploy-stack-run123-a2-${(1_700_000_000_000).toString(36)}`);
    expect(name).toMatch(/^[a-zA-Z][-a-zA-Z0-9]*$/);
    expect(changeSetName({}, 5)).toBe('deploy-stack-5');
  });
  it('says what to do with a stack that cannot be deployed to', () => {
    expect(blockedStatus('s', 'UPDATE_ROLLBACK_FAILED')?.hint).toContain(
      'aws cloudformation continue-update-rollback --stack-name s',
    );
    expect(blockedStatus('s', 'DELETE_FAILED')?.hint).toContain('--retain-resources');
    expect(blockedStatus('s', 'UPDATE_IN_PROGRESS')?.message).toBe(
      'Stack s is busy: another operation is running (UPDATE_IN_PROGRESS)',
    );
    expect(blockedStatus('s', 'UPDATE_ROLLBACK_IN_PROGRESS')?.hint).toMatch(/Wait for the rollback/);
    expect(blockedStatus('s', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS')).toBeDefined();
    expect(blockedStatus('s', 'REVIEW_IN_PROGRESS')).toBeUndefined();
    expect(blockedStatus('s', 'UPDATE_ROLLBACK_COMPLETE')).toBeUndefined();
    expect(isOutcome('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS')).toBe(false);
    expect(isOutcome('UPDATE_ROLLBACK_COMPLETE')).toBe(true);
    expect(isSuccess('UPDATE_ROLLBACK_COMPLETE')).toBe(false);
  });
});

/** A client answering from a script: name of the command → function of its input. */
function scriptedClient(script: Record<string, (input: Record<string, unknown>) => unknown>) {
  const calls: string[] = [];
  return {
    calls,
    client: {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        const name = command.constructor.name.replace(/Command$/, '');
        calls.push(name);
        const answer = script[name];
        if (!answer) throw new Error(`unexpected ${name}`);
        return answer(command.input);
      },
    } as never,
  };
}

function stackEvent(id: string, seconds: number, logicalId: string, status: string) {
  return {
    EventId: id,
    Timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, seconds)),
    LogicalResourceId: logicalId,
    ResourceType: 'AWS::SQS::Queue',
    ResourceStatus: status,
    StackName: 's',
  };
}

describe('StackEventStream', () => {
  it('falls back to DescribeStackEvents after the boundary when DescribeEvents is not available', async () => {
    let history = [
      stackEvent('old-2', 2, 'Q', 'CREATE_COMPLETE'),
      stackEvent('old-1', 1, 'Q', 'CREATE_IN_PROGRESS'),
    ];
    const unavailable = Object.assign(new Error('Could not find operation DescribeEvents'), {
      name: 'InvalidAction',
      $metadata: { httpStatusCode: 400 },
    });
    const { client, calls } = scriptedClient({
      DescribeEvents: () => {
        throw unavailable;
      },
      DescribeStackEvents: () => ({ StackEvents: history }),
    });
    const stream = new StackEventStream(client, { stack: 's', afterEventId: 'old-2', since: new Date() });
    stream.addOperation('op-1');
    expect(await stream.next()).toEqual([]);
    history = [
      stackEvent('new-2', 11, 'Q', 'UPDATE_COMPLETE'),
      stackEvent('new-1', 10, 'Q', 'UPDATE_IN_PROGRESS'),
      ...history,
    ];
    const fresh = await stream.next();
    expect(fresh.map((e) => `${e.eventId} ${e.status}`)).toEqual([
      'new-1 UPDATE_IN_PROGRESS',
      'new-2 UPDATE_COMPLETE',
    ]);
    expect(await stream.next()).toEqual([]);
    // DescribeEvents was tried once, then never again.
    expect(calls.filter((c) => c === 'DescribeEvents')).toHaveLength(1);
    expect(stream.source).toBe('DescribeStackEvents');
    expect(stream.events).toHaveLength(2);
  });

  it('reads the events of every operation it follows through DescribeEvents', async () => {
    const byOperation: Record<string, unknown[]> = {
      update: [
        {
          EventId: 'u2',
          OperationId: 'update',
          Timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, 2)),
          LogicalResourceId: 'Q',
          ResourceType: 'AWS::SQS::Queue',
          ResourceStatus: 'UPDATE_FAILED',
          ResourceStatusReason: 'boom',
          EventType: 'PROVISIONING_ERROR',
        },
        {
          EventId: 'u1',
          OperationId: 'update',
          Timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, 1)),
          LogicalResourceId: 'Q',
          ResourceType: 'AWS::SQS::Queue',
          ResourceStatus: 'UPDATE_IN_PROGRESS',
          EventType: 'PROGRESS_EVENT',
        },
      ],
      rollback: [
        {
          EventId: 'r1',
          OperationId: 'rollback',
          Timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, 3)),
          LogicalResourceId: 's',
          ResourceType: 'AWS::CloudFormation::Stack',
          ResourceStatus: 'UPDATE_ROLLBACK_COMPLETE',
          EventType: 'STACK_EVENT',
        },
      ],
    };
    const { client } = scriptedClient({
      DescribeEvents: (input) => ({ OperationEvents: byOperation[String(input.OperationId)] ?? [] }),
    });
    const stream = new StackEventStream(client, { stack: 's', since: new Date() });
    stream.addOperation('update');
    expect((await stream.next()).map((e) => e.eventId)).toEqual(['u1', 'u2']);
    stream.addOperation('rollback');
    expect((await stream.next()).map((e) => e.eventId)).toEqual(['r1']);
    expect(stream.source).toBe('DescribeEvents');
    expect(findRootCause(stream.events, 's')).toMatchObject({ logicalId: 'Q', reason: 'boom' });
  });
});

describe('changeSetFailures', () => {
  it('lists early validation errors (resource, property path, reason) from DescribeEvents', async () => {
    const inputs: Array<Record<string, unknown>> = [];
    const { client } = scriptedClient({
      DescribeEvents: (input) => {
        inputs.push(input);
        return {
          OperationEvents: [
            {
              EventType: 'VALIDATION_ERROR',
              LogicalResourceId: 'Bucket',
              ValidationPath: '/Resources/Bucket/Properties/BucketName',
              ValidationName: 'PROPERTY_VALIDATION',
              ValidationStatus: 'FAILED',
              ValidationStatusReason: 'Bucket name already exists',
            },
            { EventType: 'STACK_EVENT', ResourceStatus: 'FAILED' },
          ],
        };
      },
    });
    const arn = 'arn:aws:cloudformation:us-east-1:123456789012:changeSet/cs/1';
    expect(await changeSetFailures(client, arn, 'web')).toEqual([
      {
        logicalId: 'Bucket',
        path: '/Resources/Bucket/Properties/BucketName',
        reason: 'Bucket name already exists',
        validation: 'PROPERTY_VALIDATION',
      },
    ]);
    expect(inputs[0]).toMatchObject({ ChangeSetName: arn, Filters: { FailedEvents: true } });
    expect(inputs[0]?.StackName).toBeUndefined();
  });

  it('returns undefined when DescribeEvents is not available, and rethrows throttling', async () => {
    const denied = Object.assign(new Error('not authorized to perform: cloudformation:DescribeEvents'), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    const { client } = scriptedClient({
      DescribeEvents: () => {
        throw denied;
      },
    });
    expect(await changeSetFailures(client, 'cs', 'web')).toBeUndefined();
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'Throttling',
      $metadata: { httpStatusCode: 400 },
    });
    const { client: busy } = scriptedClient({
      DescribeEvents: () => {
        throw throttled;
      },
    });
    await expect(changeSetFailures(busy, 'cs', 'web')).rejects.toThrow(
      /CloudFormation DescribeEvents failed: Throttling/,
    );
  });
});

describe('renderDeploySummary', () => {
  const result: DeployStackResult = {
    status: 'updated',
    stackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/web/abc',
    changeSetId: 'arn:aws:cloudformation:eu-west-1:123456789012:changeSet/cs-1/def',
    changeSetName: 'cs-1',
    outputs: { Url: 'https://example.com/a|b' },
    changes: [
      classifyChange({
        action: 'Modify',
        logicalId: 'Db',
        type: 'AWS::RDS::DBInstance',
        replacement: 'True',
        properties: ['Engine'],
      }),
      classifyChange({ action: 'Add', logicalId: 'Role', type: 'AWS::IAM::Role', properties: [] }),
      classifyChange({
        action: 'Modify',
        logicalId: 'Fn',
        type: 'AWS::Lambda::Function',
        replacement: 'False',
        properties: ['Code'],
      }),
    ],
    events: [
      event('01', 'Db', 'AWS::RDS::DBInstance', 'UPDATE_IN_PROGRESS'),
      event('09', 'Db', 'AWS::RDS::DBInstance', 'UPDATE_COMPLETE'),
    ],
    recreated: true,
    stackName: 'web',
    region: 'eu-west-1',
    stackStatus: 'UPDATE_COMPLETE',
    timings: { executionMs: 9000 },
  };

  it('renders status, the changes with flagged ones in bold, the timeline and the outputs', () => {
    const md = renderDeploySummary(result);
    expect(md).toContain('### Stack web: ✅ updated');
    expect(md).toContain(
      'https://eu-west-1.console.aws.amazon.com/cloudformation/home?region=eu-west-1#/stacks/stackinfo?stackId=',
    );
    expect(md).toContain('deleted and created again');
    expect(md).toContain(
      '| **Modify** | **Db** | **AWS::RDS::DBInstance** | **True** | **Engine** | **⚠️ data loss** |',
    );
    expect(md).toContain('| **Add** | **Role** | **AWS::IAM::Role** | — | — | **🔐 security** |');
    expect(md).toContain('| Modify | Fn | AWS::Lambda::Function | False | Code | — |');
    expect(md).toContain('> [!WARNING]');
    expect(md).toContain('```mermaid\ngantt\n  dateFormat x');
    expect(md).toContain(
      `Db UPDATE_COMPLETE :${Date.UTC(2025, 0, 1, 0, 0, 1)}, ${Date.UTC(2025, 0, 1, 0, 0, 9)}`,
    );
    expect(md).toContain('| Url | `https://example.com/a\\|b` |');
  });

  it('renders a failure with its root cause', () => {
    const error = new StackOperationError('Stack web failed to update: x', {
      stackName: 'web',
      stackId: result.stackId,
      rootCause: 'Db (AWS::RDS::DBInstance) UPDATE_FAILED: quota',
      finalStatus: 'UPDATE_ROLLBACK_COMPLETE',
      phase: 'update',
      hint: 'Fix it',
      events: [event('01', 'Db', 'AWS::RDS::DBInstance', 'UPDATE_FAILED', 'quota')],
    });
    const md = renderDeploySummary(error);
    expect(md).toContain('### ❌ Stack web: update failed');
    expect(md).toContain('| Final status | UPDATE\\_ROLLBACK\\_COMPLETE |'.replace(/\\_/g, '_'));
    expect(md).toContain('| Root cause | **Db \\(AWS::RDS::DBInstance\\) UPDATE\\_FAILED: quota** |');
    expect(md).toContain('| 00:00:01 | Db | AWS::RDS::DBInstance | UPDATE_FAILED | **quota** |');
    expect(md).toContain(':crit, ');
  });
});
