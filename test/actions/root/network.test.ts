// The root action when an existing environment's network changes. Another egress-mode or number of zones
// changes exports the service stack imports, and CloudFormation refuses to update an export in use (the
// local endpoint enforces it too, see test/support/aws/templates.test.ts): the action refuses before any
// change, naming the stack, the export and what to do. nat-gateways changes no export and goes through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../support/aws/index.js';
import {
  deployEnvironment,
  describeStack,
  explain,
  type FakeService,
  image,
  inputs,
  parametersOf,
  stackChanges,
  startFakeService,
  TEST_TIMEOUT_MS,
} from './helpers.js';

let aws: LocalAws;
let app: FakeService;

beforeAll(async () => {
  aws = await startLocalAws();
  app = await startFakeService(aws, 'net');
});

afterAll(async () => {
  await app?.close();
  await aws?.stop();
});

const given = (overrides: Record<string, string> = {}) =>
  inputs('net', { database: 'off', image: image(3), 'app-version': 'v3', ...overrides });

describe('root action: changing an existing environment’s network', { timeout: TEST_TIMEOUT_MS }, () => {
  it('refuses another egress-mode before any change: the service imports the tasks’ subnets', async () => {
    const first = await deployEnvironment(aws, given());
    expect(first.code, explain(first)).toBe(0);
    const before = parametersOf(await describeStack(aws, 'net-network'));
    aws.clearCalls();

    const run = await deployEnvironment(aws, given({ 'egress-mode': 'public' }));

    expect(run.code, explain(run)).toBe(1);
    expect(run.outputs.status).toBe('failed');
    const error = run.errors().join('\n');
    expect(error).toContain(
      'deploy-environment: egress-mode: net-network runs with EgressMode nat; public changes its exports net-network-AssignPublicIp, net-network-TaskSubnets, which net-service imports',
    );
    expect(error).toContain(
      '"Export net-network-AssignPublicIp cannot be updated as it is in use by net-service"',
    );
    expect(error).toContain(
      'Nothing was changed. Keep egress-mode: nat, or move net-service off the export first',
    );
    expect(stackChanges(aws)).toEqual([]);
    expect(parametersOf(await describeStack(aws, 'net-network'))).toEqual(before);
    expect(JSON.parse(run.outputs.stacks ?? '{}')).toEqual({
      'net-network': 'not started',
      'net-database': 'skipped',
      'net-service': 'not started',
    });
  });

  it('refuses a third availability zone the same way', async () => {
    aws.clearCalls();
    const run = await deployEnvironment(aws, given({ 'availability-zones': '3' }));
    expect(run.code, explain(run)).toBe(1);
    expect(run.errors().join('\n')).toMatch(
      /deploy-environment: availability-zones: net-network runs with AvailabilityZoneCount 2; 3 changes its exports? [\w, -]*net-network-PublicSubnets[\w, -]*, which net-service imports/,
    );
    expect(stackChanges(aws)).toEqual([]);
  });

  it('deploys nat-gateways: per-az, which changes no export', async () => {
    const run = await deployEnvironment(aws, given({ 'nat-gateways': 'per-az' }));
    expect(run.code, explain(run)).toBe(0);
    expect(JSON.parse(run.outputs.stacks ?? '{}')).toMatchObject({ 'net-network': 'updated' });
    expect(parametersOf(await describeStack(aws, 'net-network')).NatGateways).toBe('per-az');
  });
});
