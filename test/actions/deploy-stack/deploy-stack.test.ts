// deploy-stack through its committed bundle against the local AWS endpoint: create, update, no-op,
// no-execute, flagged replacements, parameters (commas, JSON files), templates over 51,200 bytes via S3,
// throttling, and the checks that fail before any AWS call.

import { basename } from 'node:path';
import {
  CloudFormationClient,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ListChangeSetsCommand,
} from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../support/aws/index.js';
import { readActionMetadata } from '../../support/harness.js';
import { cfnCalls, queryParameters, queueTemplate, runner, writeFile } from './helpers.js';

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

async function stack(name: string) {
  const out = await cfn.send(new DescribeStacksCommand({ StackName: name }));
  const s = out.Stacks?.[0];
  if (!s) throw new Error(`no stack ${name}`);
  return {
    status: s.StackStatus,
    parameters: Object.fromEntries((s.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue])),
    tags: Object.fromEntries((s.Tags ?? []).map((t) => [t.Key, t.Value])),
  };
}

describe('deploy-stack action metadata', () => {
  it('declares node24, the documented inputs with descriptions, and the outputs', () => {
    const meta = readActionMetadata('deploy-stack');
    expect(meta.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(Object.keys(meta.inputs).sort()).toEqual(
      [
        'capabilities',
        'initial-parameters',
        'name',
        'no-execute',
        'parameters',
        'region',
        'role-arn',
        'tags',
        'template',
        'template-bucket',
        'termination-protection',
        'timeout-minutes',
      ].sort(),
    );
    for (const [name, spec] of Object.entries(meta.inputs)) expect(spec.description, name).toBeTruthy();
    expect(meta.inputs.capabilities?.default).toBe('CAPABILITY_IAM, CAPABILITY_NAMED_IAM');
    expect(Object.keys(meta.outputs).sort()).toEqual(['change-set-id', 'outputs', 'stack-id', 'status']);
  });
});

describe('deploy-stack against the local AWS endpoint', () => {
  it('creates a stack through a CREATE change set, streams its events and sets every output', async () => {
    const template = writeFile(queueTemplate());
    const result = await run({
      name: 'ds-create',
      template,
      parameters: 'Env=create\nNote=hello',
      tags: 'team=platform\ncost-center=42',
    });
    expect(result.errors()).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.outputs.status).toBe('created');
    expect(result.outputs['stack-id']).toMatch(/^arn:aws:cloudformation:us-east-1:\d{12}:stack\/ds-create\//);
    expect(result.outputs['change-set-id']).toMatch(/:changeSet\/deploy-stack-run4242-a1-/);

    // One change set, CREATE, no nested stacks, the capabilities' default, the tags; then executed.
    const created = cfnCalls(aws, 'CreateChangeSet');
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      StackName: 'ds-create',
      ChangeSetType: 'CREATE',
      IncludeNestedStacks: 'false',
      'Capabilities.member.1': 'CAPABILITY_IAM',
      'Capabilities.member.2': 'CAPABILITY_NAMED_IAM',
    });
    expect(queryParameters(created[0] ?? {})).toEqual({ Env: 'create', Note: 'hello' });
    expect(cfnCalls(aws, 'ExecuteChangeSet')).toHaveLength(1);
    expect(cfnCalls(aws, 'CreateStack')).toHaveLength(0);
    expect(cfnCalls(aws, 'UpdateStack')).toHaveLength(0);

    const described = await stack('ds-create');
    expect(described.status).toBe('CREATE_COMPLETE');
    expect(described.tags).toEqual({ team: 'platform', 'cost-center': '42' });

    // Each resource event is one log line: time, logical id, type, status.
    expect(result.stdout).toMatch(/\d\d:\d\d:\d\d {2}Queue +AWS::SQS::Queue +CREATE_COMPLETE/);
    expect(result.stdout).toMatch(/\d\d:\d\d:\d\d {2}Setting +AWS::SSM::Parameter +CREATE_IN_PROGRESS/);
    expect(result.stdout).toMatch(/ds-create +AWS::CloudFormation::Stack +CREATE_COMPLETE/);

    // Stack outputs: each as an output of its own name, and all of them as JSON.
    const outputs = JSON.parse(result.outputs.outputs ?? '{}') as Record<string, string>;
    expect(outputs.Note).toBe('hello');
    expect(outputs.QueueUrl).toContain('create-jobs');
    expect(outputs.SettingName).toBe('/create/note');
    expect(result.outputs.Note).toBe('hello');
    expect(result.outputs.QueueUrl).toBe(outputs.QueueUrl);

    // The summary: status, the change table, the timeline, the outputs.
    expect(result.summary).toContain('### Stack ds-create: ✅ created');
    expect(result.summary).toContain('| Action | Logical ID | Type | Replacement | Changed |');
    expect(result.summary).toMatch(/\| Add \| Queue \| AWS::SQS::Queue \|/);
    expect(result.summary).toContain('```mermaid\ngantt');
    expect(result.summary).toContain('#### Outputs');
    expect(result.summary).toMatch(/\| SettingName \| `\/create\/note` \|/);
  });

  it('updates the stack through an UPDATE change set and lists what changes', async () => {
    const template = writeFile(queueTemplate());
    const first = await run({ name: 'ds-update', template, parameters: 'Env=upd\nNote=one' });
    expect(first.outputs.status).toBe('created');
    aws.clearCalls();

    const second = await run({
      name: 'ds-update',
      template,
      parameters: 'Env=upd\nNote=two',
      'role-arn': 'arn:aws:iam::123456789012:role/cfn-service',
      capabilities: 'CAPABILITY_NAMED_IAM',
    });
    expect(second.errors()).toEqual([]);
    expect(second.code).toBe(0);
    expect(second.outputs.status).toBe('updated');
    const call = cfnCalls(aws, 'CreateChangeSet')[0] ?? {};
    expect(call).toMatchObject({
      ChangeSetType: 'UPDATE',
      StackName: 'ds-update',
      RoleARN: 'arn:aws:iam::123456789012:role/cfn-service',
      'Capabilities.member.1': 'CAPABILITY_NAMED_IAM',
    });
    expect(call['Capabilities.member.2']).toBeUndefined();
    // No tags input: the stack's tags are left alone (no Tags sent).
    expect(Object.keys(call).some((k) => k.startsWith('Tags.'))).toBe(false);
    expect(second.stdout).toMatch(/Modify +Setting +AWS::SSM::Parameter/);
    expect(second.summary).toMatch(/\| Modify \| Setting \| AWS::SSM::Parameter \| False \| Value \|/);
    expect(second.outputs.Note).toBe('two');
    expect((await stack('ds-update')).parameters.Note).toBe('two');
    // Events of the earlier create are not repeated.
    expect(second.stdout).not.toMatch(/CREATE_COMPLETE/);
    expect(second.stdout).toMatch(/Setting +AWS::SSM::Parameter +UPDATE_COMPLETE/);
  });

  it('reports a no-op as unchanged and deletes the empty change set', async () => {
    const template = writeFile(queueTemplate());
    const inputs = { name: 'ds-noop', template, parameters: 'Env=noop' };
    expect((await run(inputs)).outputs.status).toBe('created');
    aws.clearCalls();

    const again = await run(inputs);
    expect(again.errors()).toEqual([]);
    expect(again.code).toBe(0);
    expect(again.outputs.status).toBe('unchanged');
    expect(again.stdout).toContain('No changes: stack ds-noop is up to date');
    expect(again.summary).toContain('unchanged');
    expect(cfnCalls(aws, 'ExecuteChangeSet')).toHaveLength(0);
    // The empty change set was deleted: not listed, not describable; only the executed CREATE one remains.
    const deleted = cfnCalls(aws, 'DeleteChangeSet');
    expect(deleted).toHaveLength(1);
    const emptyId = String(deleted[0]?.ChangeSetName);
    expect(emptyId).toMatch(/:changeSet\/deploy-stack-run4242-a1-/);
    const listed = await cfn.send(new ListChangeSetsCommand({ StackName: 'ds-noop' }));
    expect((listed.Summaries ?? []).map((s) => s.ChangeSetId)).not.toContain(emptyId);
    expect((listed.Summaries ?? []).filter((s) => s.Status === 'FAILED')).toEqual([]);
    await expect(cfn.send(new DescribeChangeSetCommand({ ChangeSetName: emptyId }))).rejects.toThrow(
      /does not exist|not found/i,
    );
    expect(again.outputs['change-set-id']).toBe('');
    // Outputs still come through on a no-op.
    expect(again.outputs.SettingName).toBe('/noop/note');
  });

  it('no-execute leaves the change set for review and does not change the stack', async () => {
    const template = writeFile(queueTemplate());
    await run({ name: 'ds-review', template, parameters: 'Env=rev\nNote=before' });
    aws.clearCalls();

    const review = await run({
      name: 'ds-review',
      template,
      parameters: 'Env=rev\nNote=after',
      'no-execute': 'true',
    });
    expect(review.code).toBe(0);
    expect(review.outputs.status).toBe('review');
    expect(cfnCalls(aws, 'ExecuteChangeSet')).toHaveLength(0);
    expect(cfnCalls(aws, 'DeleteChangeSet')).toHaveLength(0);
    const changeSet = await cfn.send(
      new DescribeChangeSetCommand({ ChangeSetName: review.outputs['change-set-id'] }),
    );
    expect(changeSet.Status).toBe('CREATE_COMPLETE');
    expect(changeSet.ExecutionStatus).toBe('AVAILABLE');
    expect((await stack('ds-review')).parameters.Note).toBe('before');
    expect(review.summary).toContain('not executed');
    expect(review.summary).toContain('aws cloudformation execute-change-set --change-set-name');
    expect(review.summary).toMatch(/\| Modify \| Setting \|/);
  });

  it('flags the replacement of a stateful resource and a security change in bold and as warnings', async () => {
    const base = (bucket: string, description: string) => `Resources:
  Data:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: ${bucket}
  Firewall:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: ${description}
  Setting:
    Type: AWS::SSM::Parameter
    Properties:
      Type: String
      Value: ${bucket}
`;
    await run({ name: 'ds-replace', template: writeFile(base('ds-replace-data-1', 'web tier')) });
    const result = await run({
      name: 'ds-replace',
      template: writeFile(base('ds-replace-data-2', 'web and admin')),
      'no-execute': 'true',
    });
    expect(result.code).toBe(0);
    const warnings = result.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(
      warnings.some((w) => /Data \(AWS::S3::Bucket\) will be REPLACED because of BucketName/.test(w)),
    ).toBe(true);
    expect(warnings.some((w) => /Firewall \(AWS::EC2::SecurityGroup\).*security-relevant/.test(w))).toBe(
      true,
    );
    expect(warnings.some((w) => w.includes('Setting'))).toBe(false);
    // Bold rows in the summary for the flagged changes, plain for the SSM parameter.
    expect(result.summary).toMatch(
      /\| \*\*Modify\*\* \| \*\*Data\*\* \| \*\*AWS::S3::Bucket\*\* \| \*\*True\*\* \| \*\*BucketName\*\* \| \*\*⚠️ data loss\*\* \|/,
    );
    expect(result.summary).toMatch(/\| \*\*Modify\*\* \| \*\*Firewall\*\* \|.*\*\*🔐 security\*\* \|/);
    expect(result.summary).toMatch(/\| Modify \| Setting \| AWS::SSM::Parameter \| False \| Value \| — \|/);
    expect(result.summary).toContain('a replaced or deleted data store loses its data');
  });

  it('passes parameter values containing commas, equals signs and spaces intact', async () => {
    const template = writeFile(`Parameters:
  Subnets:
    Type: CommaDelimitedList
  Query:
    Type: String
Resources:
  Setting:
    Type: AWS::SSM::Parameter
    Properties:
      Name: /ds-commas/subnets
      Type: String
      Value: !Join [',', !Ref Subnets]
Outputs:
  Query:
    Value: !Ref Query
`);
    const result = await run({
      name: 'ds-commas',
      template,
      parameters: 'Subnets=subnet-a,subnet-b,subnet-c\nQuery=a=1, b=2 & c',
    });
    expect(result.errors()).toEqual([]);
    expect(result.code).toBe(0);
    // Exactly what CloudFormation received.
    expect(queryParameters(cfnCalls(aws, 'CreateChangeSet')[0] ?? {})).toEqual({
      Subnets: 'subnet-a,subnet-b,subnet-c',
      Query: 'a=1, b=2 & c',
    });
    // (DescribeStacks is not compared for the CommaDelimitedList: moto reports it as a Python list.)
    expect((await stack('ds-commas')).parameters.Query).toBe('a=1, b=2 & c');
    expect(result.outputs.Query).toBe('a=1, b=2 & c');
  });

  it('reads parameters from a JSON file in either shape', async () => {
    const template = writeFile(queueTemplate());
    const cli = writeFile(
      JSON.stringify([
        { ParameterKey: 'Env', ParameterValue: 'json' },
        { ParameterKey: 'Note', ParameterValue: 'x,y' },
      ]),
      'params.json',
    );
    const first = await run({ name: 'ds-json', template, parameters: cli });
    expect(first.errors()).toEqual([]);
    expect(first.outputs.status).toBe('created');
    expect((await stack('ds-json')).parameters).toEqual({ Env: 'json', Note: 'x,y' });

    const plain = writeFile(JSON.stringify({ Env: 'json', Note: 42 }), 'params.json');
    const second = await run({ name: 'ds-json', template, parameters: plain });
    expect(second.outputs.status).toBe('updated');
    expect((await stack('ds-json')).parameters).toEqual({ Env: 'json', Note: '42' });
  });

  it('requires parameters without a Default when creating, before any AWS write', async () => {
    const result = await run({
      name: 'ds-missing',
      template: writeFile(queueTemplate()),
      parameters: 'Note=x',
    });
    expect(result.code).toBe(1);
    expect(result.errors().join('\n')).toMatch(
      /deploy-stack: parameters: Env has no Default in the template and must be given when creating the stack/,
    );
    expect(result.outputs.status).toBe('failed');
    expect(cfnCalls(aws, 'CreateChangeSet')).toHaveLength(0);
  });

  it('masks NoEcho parameter values and never shows them', async () => {
    const secret = 'pa55-w0rd-zq81';
    const template = writeFile(`Parameters:
  Password:
    Type: String
    NoEcho: true
Resources:
  Setting:
    Type: AWS::SSM::Parameter
    Properties:
      Name: /ds-secret/password
      Type: String
      Value: !Ref Password
`);
    const result = await run({ name: 'ds-secret', template, parameters: `Password=${secret}` });
    expect(result.code).toBe(0);
    expect(result.masked).toContain(secret);
    expect(result.leaks(secret)).toEqual([]);
  });

  it('retries through throttling', async () => {
    aws.faults.throttle({ service: 'cloudformation', action: 'CreateChangeSet', times: 2 });
    aws.faults.throttle({ service: 'cloudformation', action: 'DescribeStacks', times: 2 });
    const result = await run({
      name: 'ds-throttle',
      template: writeFile(queueTemplate()),
      parameters: 'Env=thr',
    });
    expect(result.errors()).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.outputs.status).toBe('created');
    const attempts = aws.calls.filter((c) => c.action === 'CreateChangeSet');
    expect(attempts.map((c) => c.fault ?? 'ok')).toEqual(['throttle', 'throttle', 'ok']);
    expect(aws.calls.filter((c) => c.action === 'DescribeStacks' && c.fault === 'throttle')).toHaveLength(2);
  });

  it('sends a template over 51,200 bytes through the S3 bucket', async () => {
    const s3 = new S3Client({ ...aws.clientConfig, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'ds-templates' }));
    const padding = Array.from({ length: 700 }, (_, i) => `    Line${i}: '${'x'.repeat(60)}'`).join('\n');
    const body = `${queueTemplate()}Metadata:\n  Padding:\n${padding}\n`;
    expect(Buffer.byteLength(body)).toBeGreaterThan(51_200);
    const template = writeFile(body);
    aws.clearCalls();

    // Without a bucket: a configuration error naming the input, before any AWS call.
    const refused = await run({ name: 'ds-large', template, parameters: 'Env=large' });
    expect(refused.code).toBe(1);
    expect(refused.errors().join('\n')).toMatch(/over CloudFormation's 51,200-byte limit.*template-bucket/);
    expect(aws.calls).toHaveLength(0);

    const result = await run({
      name: 'ds-large',
      template,
      parameters: 'Env=large',
      'template-bucket': 'ds-templates',
    });
    expect(result.errors()).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.outputs.status).toBe('created');
    const put = aws.calls.filter((c) => c.service === 's3' && c.action === 'PutObject');
    expect(put).toHaveLength(1);
    const created = cfnCalls(aws, 'CreateChangeSet')[0] ?? {};
    expect(created.TemplateBody).toBeUndefined();
    expect(String(created.TemplateURL)).toMatch(
      /^https:\/\/ds-templates\.s3\.us-east-1\.amazonaws\.com\/cloudformation-templates\/ds-large\/[0-9a-f]{64}\.template$/,
    );
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'ds-templates' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([
      String(created.TemplateURL).split('amazonaws.com/')[1],
    ]);
    expect(listed.Contents?.[0]?.Size).toBe(Buffer.byteLength(body));
    s3.destroy();
  });

  it('enables termination protection when asked', async () => {
    const result = await run({
      name: 'ds-protect',
      template: writeFile(queueTemplate()),
      parameters: 'Env=prot',
      'termination-protection': 'true',
    });
    expect(result.code).toBe(0);
    expect(cfnCalls(aws, 'UpdateTerminationProtection')[0]).toMatchObject({
      EnableTerminationProtection: 'true',
    });
    const described = await cfn.send(new DescribeStacksCommand({ StackName: 'ds-protect' }));
    expect(described.Stacks?.[0]?.EnableTerminationProtection).toBe(true);
  });
});

describe('deploy-stack: mistakes caught before any AWS call', () => {
  it('reports a YAML syntax error with file, line and column', async () => {
    const template = writeFile(`Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: [unclosed
  Other:
    Type: AWS::SQS::Queue
`);
    const result = await run({ name: 'ds-bad-yaml', template });
    expect(result.code).toBe(1);
    const annotation = result.annotations.find((a) => a.level === 'error' && a.properties.file);
    expect(annotation?.properties).toMatchObject({ title: 'CloudFormation template', line: '6' });
    // Annotations name files relative to the workspace (here the folder the template was written to).
    expect(annotation?.properties.file).toBe(basename(template));
    expect(annotation?.properties.col).toMatch(/^\d+$/);
    expect(result.errors().some((e) => e.startsWith(`deploy-stack: template: ${template}:6:`))).toBe(true);
    expect(result.outputs.status).toBe('failed');
    expect(aws.calls).toHaveLength(0);
  });

  it('points at an unknown short-form tag', async () => {
    const template = writeFile(
      'Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Reff Name\n',
    );
    const result = await run({ name: 'ds-bad-tag', template });
    expect(result.code).toBe(1);
    expect(result.errors().join('\n')).toMatch(/:5:\d+: unknown tag !Reff/);
    expect(aws.calls).toHaveLength(0);
  });

  it('reports an invalid JSON template with line and column', async () => {
    const template = writeFile(
      '{\n  "Resources": {\n    "Q": { "Type": "AWS::SQS::Queue", }\n  }\n}\n',
      'template.json',
    );
    const result = await run({ name: 'ds-bad-json', template });
    expect(result.code).toBe(1);
    expect(result.errors().join('\n')).toMatch(new RegExp(`${template}:3:\\d+: invalid JSON`));
    expect(aws.calls).toHaveLength(0);
  });

  it('uses initial-parameters only where the stack lacks the parameter, keeping the current value after', async () => {
    const template = writeFile(queueTemplate());
    const first = await run({
      name: 'ds-initial',
      template,
      parameters: 'Env=init',
      'initial-parameters': 'Note=first',
    });
    expect(first.code, first.errors().join('\n')).toBe(0);
    expect(first.outputs.status).toBe('created');
    expect((await stack('ds-initial')).parameters.Note).toBe('first');
    // Another step changes the value (as deploy-ecs does with ImageUri) ...
    const moved = await run({ name: 'ds-initial', template, parameters: 'Env=init\nNote=moved' });
    expect(moved.outputs.status).toBe('updated');
    aws.clearCalls();

    // ... and the next run with a different initial value keeps it.
    const again = await run({
      name: 'ds-initial',
      template,
      parameters: 'Env=init',
      'initial-parameters': 'Note=first',
    });
    expect(again.code, again.errors().join('\n')).toBe(0);
    expect(again.outputs.status).toBe('unchanged');
    expect(queryParameters(cfnCalls(aws, 'CreateChangeSet')[0] ?? {})).toMatchObject({ Env: 'init' });
    const sent = cfnCalls(aws, 'CreateChangeSet')[0] ?? {};
    const notes = Object.entries(sent).filter(([k, v]) => k.endsWith('.ParameterKey') && v === 'Note');
    expect(notes).toHaveLength(1);
    const prefix = notes[0]?.[0].replace(/ParameterKey$/, '') ?? '';
    expect(sent[`${prefix}UsePreviousValue`]).toBe('true');
    expect(sent[`${prefix}ParameterValue`]).toBeUndefined();
    expect((await stack('ds-initial')).parameters.Note).toBe('moved');
  });

  it('refuses a key in both parameters and initial-parameters, and an unknown initial parameter', async () => {
    const result = await run({
      name: 'ds-initial-bad',
      template: writeFile(queueTemplate()),
      parameters: 'Env=x\nNote=a',
      'initial-parameters': 'Note=b\nImage=c',
    });
    expect(result.code).toBe(1);
    expect(result.errors()[0]).toContain('initial-parameters: Note is also in parameters');
    expect(aws.calls).toHaveLength(0);

    const unknown = await run({
      name: 'ds-initial-bad',
      template: writeFile(queueTemplate()),
      parameters: 'Env=x',
      'initial-parameters': 'Image=c',
    });
    expect(unknown.code).toBe(1);
    expect(unknown.errors()[0]).toBe(
      'deploy-stack: initial-parameters: Image is not a parameter of the template (accepted: Env, Note)',
    );
    expect(aws.calls).toHaveLength(0);
  });

  it('names the accepted parameters when one is unknown', async () => {
    const result = await run({
      name: 'ds-unknown',
      template: writeFile(queueTemplate()),
      parameters: 'Env=x\nEnvironment=prod',
    });
    expect(result.code).toBe(1);
    expect(result.errors()[0]).toBe(
      'deploy-stack: parameters: Environment is not a parameter of the template (accepted: Env, Note)',
    );
    expect(result.outputs.status).toBe('failed');
    expect(aws.calls).toHaveLength(0);
  });

  it('collects every bad input into one failure', async () => {
    const result = await run({
      name: '1-not a stack',
      template: 'missing/template.yml',
      capabilities: 'CAPABILITY_IAM, CAPABILITY_ROOT',
      'role-arn': 'admin',
      'timeout-minutes': 'forever',
      'no-execute': 'maybe',
      tags: 'aws:reserved=x',
      region: 'moon-1',
    });
    expect(result.code).toBe(1);
    const text = [result.errors().join('\n'), result.stdout].join('\n');
    for (const expected of [
      'deploy-stack: name: "1-not a stack" is not a stack name',
      'deploy-stack: template: missing/template.yml does not exist',
      'deploy-stack: capabilities: "CAPABILITY_ROOT" is not one of CAPABILITY_IAM, CAPABILITY_NAMED_IAM, CAPABILITY_AUTO_EXPAND',
      'deploy-stack: role-arn: "admin" is not an IAM role ARN',
      'deploy-stack: timeout-minutes: "forever" is not a duration',
      'deploy-stack: no-execute: "maybe" is not a boolean',
      'deploy-stack: tags: "aws:reserved=x" is not KEY=VALUE',
      'deploy-stack: region: "moon-1" is not an AWS region name',
    ]) {
      expect(text).toContain(expected);
    }
    expect(result.errors().filter((e) => /\(and 7 more, listed above\)$/.test(e))).toHaveLength(1);
    expect(result.outputs.status).toBe('failed');
    expect(aws.calls).toHaveLength(0);
  });

  it('rejects a malformed parameter file', async () => {
    const file = writeFile('[{"ParameterKey": "Env"}]', 'params.json');
    const result = await run({
      name: 'ds-bad-params',
      template: writeFile(queueTemplate()),
      parameters: file,
    });
    expect(result.code).toBe(1);
    expect(result.errors()[0]).toContain(`deploy-stack: parameters: ${file}: Env has no ParameterValue`);
    expect(aws.calls).toHaveLength(0);
  });
});
