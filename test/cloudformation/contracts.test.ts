// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub patterns such as ${EnvironmentName}, not JS templates.
// Contracts between the stacks of one environment: every import names an export another layer really
// has, export names follow <env>-<layer>-<Name>, and the layers deploy network -> database -> service.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  deployOrder,
  documentationViolations,
  exportNamingViolations,
  importsOf,
  importViolations,
  layerDependencies,
} from './contracts.js';
import { loadTemplates, TEMPLATE_DIR, TEMPLATE_NAMES, type Templates, templateParameters } from './load.js';

function output(t: Templates, layer: 'network' | 'database' | 'service', name: string) {
  const found = t[layer].Outputs?.[name];
  if (!found) throw new Error(`${layer}.yml has no output ${name}`);
  return found;
}

describe('imports and exports', () => {
  it('every Fn::ImportValue names an export of another layer, as <env>-<layer>-<Name>', () => {
    const templates = loadTemplates();
    expect(importsOf(templates).length).toBeGreaterThan(10);
    expect(importViolations(templates)).toEqual([]);
  });

  it('reports an import whose export was renamed', () => {
    const broken = loadTemplates();
    const outputs = broken.network.Outputs ?? {};
    outputs.SubnetsForTasks = output(broken, 'network', 'TaskSubnets');
    delete outputs.TaskSubnets;
    expect(importViolations(broken).join('\n')).toContain('network.yml has no output TaskSubnets');
  });

  it('reports an import whose export name does not match the output', () => {
    const broken = loadTemplates();
    output(broken, 'database', 'SecretArn').Export = {
      Name: { 'Fn::Sub': '${EnvironmentName}-db-SecretArn' },
    };
    expect(importViolations(broken).join('\n')).toContain(
      'is not exported as ${EnvironmentName}-database-SecretArn',
    );
  });

  it('every layer export is named <env>-<layer>-<OutputName>', () => {
    expect(exportNamingViolations(loadTemplates())).toEqual([]);
    const broken = loadTemplates();
    output(broken, 'network', 'VpcId').Export = { Name: { 'Fn::Sub': '${AWS::StackName}-VpcId' } };
    expect(exportNamingViolations(broken)).toHaveLength(1);
  });

  it('exports what the pipeline documents', () => {
    const t = loadTemplates();
    const names = (layer: 'network' | 'database' | 'service') => Object.keys(t[layer].Outputs ?? {});
    expect(names('network')).toEqual(
      expect.arrayContaining([
        'VpcId',
        'VpcCidr',
        'PublicSubnets',
        'PrivateSubnets',
        'TaskSubnets',
        'AssignPublicIp',
        'EgressMode',
      ]),
    );
    expect(names('database')).toEqual(
      expect.arrayContaining([
        'Endpoint',
        'Port',
        'DatabaseName',
        'SecretArn',
        'DatabaseSecurityGroupId',
        'ServiceSecurityGroupId',
      ]),
    );
    expect(names('service')).toEqual(
      expect.arrayContaining([
        'ServiceUrl',
        'ClusterName',
        'ServiceName',
        'ServiceArn',
        'TaskDefinitionArn',
        'LoadBalancerDnsName',
        'LogGroupName',
      ]),
    );
  });
});

describe('deploy order', () => {
  it('is network, then database, then service, without cycles', () => {
    const templates = loadTemplates();
    const dependencies = layerDependencies(templates);
    expect([...dependencies.network]).toEqual([]);
    expect([...dependencies.database]).toEqual(['network']);
    expect([...dependencies.service].sort()).toEqual(['database', 'network']);
    expect(deployOrder(templates)).toEqual(['network', 'database', 'service']);
  });

  it('reports a cycle (the database importing from the service)', () => {
    const broken = loadTemplates();
    const group = broken.database.Resources.ServiceSecurityGroup;
    if (!group?.Properties) throw new Error('no ServiceSecurityGroup');
    group.Properties.VpcId = {
      'Fn::ImportValue': { 'Fn::Sub': '${EnvironmentName}-service-LoadBalancerSecurityGroupId' },
    };
    expect(() => deployOrder(broken)).toThrow(/import cycle between database, service/);
  });
});

describe('parameters', () => {
  it('are all described and grouped in the console interface; layers take EnvironmentName', () => {
    expect(documentationViolations(loadTemplates())).toEqual([]);
  });

  it('reports an undocumented parameter', () => {
    const broken = loadTemplates();
    broken.service.Parameters = { ...broken.service.Parameters, Extra: { Type: 'String' } };
    expect(documentationViolations(broken)).toEqual([
      'service.yml parameter Extra: no Description',
      'service.yml parameter Extra: in 0 interface groups, expected 1',
    ]);
  });

  it("lists each template's parameters for the code that deploys them", () => {
    const listing = Object.fromEntries(
      TEMPLATE_NAMES.map((name) => [name, Object.keys(templateParameters(name)).sort()]),
    );
    // Printed so a reader of the test log sees the contract the pipeline must follow.
    console.log(JSON.stringify(listing, null, 2));
    expect(listing.network).toEqual(
      expect.arrayContaining([
        'EnvironmentName',
        'EgressMode',
        'NatGateways',
        'AvailabilityZoneCount',
        'FlowLogs',
      ]),
    );
    expect(listing.database).toEqual(
      expect.arrayContaining([
        'EnvironmentName',
        'EngineVersion',
        'InstanceClass',
        'MultiAZ',
        'DeletionProtection',
      ]),
    );
    expect(listing.registry).not.toContain('EnvironmentName');
    // One github-oidc stack per environment: its roles reach only that environment's stacks.
    expect(listing['github-oidc']).toContain('EnvironmentName');

    const service = templateParameters('service');
    // The rollout passes only these two; everything else keeps its previous value.
    expect(service.ImageUri).toEqual({ Type: 'String' });
    expect(service.AppVersion?.Default).toBe('unknown');
    expect(service.ContainerPort).toEqual({ Type: 'Number', Default: 3000 });
    expect(service.HealthCheckPath?.Default).toBe('/healthz');
    expect(service.Database?.AllowedValues).toEqual(['on', 'off']);
    expect(service.CpuArchitecture?.AllowedValues).toEqual(['X86_64', 'ARM64']);
    expect(templateParameters('network').EgressMode?.AllowedValues).toEqual(['nat', 'endpoints', 'public']);
  });

  it('names the parameters a stack cannot do without (no Default)', () => {
    const required = Object.fromEntries(
      TEMPLATE_NAMES.map((name) => [
        name,
        Object.entries(templateParameters(name))
          .filter(([, p]) => p.Default === undefined)
          .map(([key]) => key)
          .sort(),
      ]),
    );
    expect(required).toEqual({
      network: ['EnvironmentName'],
      database: ['EnvironmentName'],
      service: ['EnvironmentName', 'ImageUri'],
      registry: [],
      'github-oidc': ['EnvironmentName', 'GitHubOwner', 'GitHubRepository'],
    });
  });

  it('are all documented in cloudformation/README.md, template by template', () => {
    const readme = readFileSync(`${TEMPLATE_DIR}README.md`, 'utf8');
    const missing: string[] = [];
    for (const name of TEMPLATE_NAMES) {
      const section = readme.split(`### ${name}.yml`)[1]?.split('\n### ')[0] ?? '';
      for (const parameter of Object.keys(templateParameters(name))) {
        if (!section.includes(`| \`${parameter}\` |`)) missing.push(`${name}.yml ${parameter}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('accept exactly the Fargate CPU/memory pairs (service.yml Rules)', () => {
    const range = (from: number, to: number) =>
      Array.from({ length: (to - from) / 1024 + 1 }, (_, i) => String(from + i * 1024));
    const fargate: Record<string, string[]> = {
      '256': ['512', '1024', '2048'],
      '512': range(1024, 4096),
      '1024': range(2048, 8192),
      '2048': range(4096, 16384),
      '4096': range(8192, 30720),
    };
    const service = loadTemplates().service;
    const accepted: Record<string, string[]> = {};
    for (const rule of Object.values(service.Rules ?? {})) {
      const condition = (rule as { RuleCondition?: { 'Fn::Equals'?: [unknown, string] } }).RuleCondition;
      const cpu = condition?.['Fn::Equals']?.[1];
      const assertions = (rule as { Assertions?: { Assert: { 'Fn::Contains'?: [string[], unknown] } }[] })
        .Assertions;
      const memory = assertions?.[0]?.Assert['Fn::Contains']?.[0];
      if (cpu && memory) accepted[cpu] = memory;
    }
    expect(accepted).toEqual(fargate);
    expect(service.Parameters?.Cpu?.AllowedValues).toEqual(
      Object.keys(fargate).sort((a, b) => Number(a) - Number(b)),
    );
    const allMemory = [...new Set(Object.values(fargate).flat())].sort((a, b) => Number(a) - Number(b));
    expect(service.Parameters?.Memory?.AllowedValues).toEqual(allMemory);
    expect(fargate[String(service.Parameters?.Cpu?.Default)]).toContain(
      String(service.Parameters?.Memory?.Default),
    );
  });
});
