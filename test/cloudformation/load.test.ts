// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub patterns such as ${EnvironmentName}, not JS templates.
// The loader turns CloudFormation's short-form YAML tags into the long form CloudFormation evaluates.
import { describe, expect, it } from 'vitest';
import { loadTemplate, parseTemplate, TEMPLATE_NAMES } from './load.js';

describe('parseTemplate', () => {
  it('maps every short-form tag to its long form', () => {
    const template = parseTemplate(`
Conditions:
  A: !Equals [!Ref P, 'x']
  B: !Not [!Condition A]
  C: !And [!Condition A, !Or [!Condition B, !Condition A]]
Resources:
  R:
    Type: AWS::X::Y
    Properties:
      Ref: !Ref P
      Sub: !Sub '\${AWS::Region}-x'
      SubList: !Sub ['\${V}', { V: !ImportValue 'exp' }]
      Att: !GetAtt Db.Endpoint.Address
      AttList: !GetAtt [Db, Arn]
      If: !If [A, !Join [',', [a, b]], !Ref AWS::NoValue]
      Select: !Select [1, !Split [',', !Cidr [!Ref Cidr, 6, 12]]]
      Azs: !GetAZs ''
      Map: !FindInMap [M, K, V]
      B64: !Base64 text
      Import: !ImportValue
        Fn::Sub: '\${EnvironmentName}-network-VpcId'
`);
    expect(template.Conditions).toEqual({
      A: { 'Fn::Equals': [{ Ref: 'P' }, 'x'] },
      B: { 'Fn::Not': [{ Condition: 'A' }] },
      C: { 'Fn::And': [{ Condition: 'A' }, { 'Fn::Or': [{ Condition: 'B' }, { Condition: 'A' }] }] },
    });
    expect(template.Resources.R?.Properties).toEqual({
      Ref: { Ref: 'P' },
      Sub: { 'Fn::Sub': '${AWS::Region}-x' },
      SubList: { 'Fn::Sub': ['${V}', { V: { 'Fn::ImportValue': 'exp' } }] },
      Att: { 'Fn::GetAtt': ['Db', 'Endpoint.Address'] },
      AttList: { 'Fn::GetAtt': ['Db', 'Arn'] },
      If: { 'Fn::If': ['A', { 'Fn::Join': [',', ['a', 'b']] }, { Ref: 'AWS::NoValue' }] },
      Select: { 'Fn::Select': [1, { 'Fn::Split': [',', { 'Fn::Cidr': [{ Ref: 'Cidr' }, 6, 12] }] }] },
      Azs: { 'Fn::GetAZs': '' },
      Map: { 'Fn::FindInMap': ['M', 'K', 'V'] },
      B64: { 'Fn::Base64': 'text' },
      Import: { 'Fn::ImportValue': { 'Fn::Sub': '${EnvironmentName}-network-VpcId' } },
    });
  });

  it('refuses a document without Resources', () => {
    expect(() => parseTemplate('Description: nothing\n')).toThrow(/Resources/);
  });

  it('refuses an unknown tag rather than guessing', () => {
    expect(() => parseTemplate('Resources:\n  R: !Bogus x\n')).toThrow();
  });

  it('loads every template and hands out independent copies', () => {
    for (const name of TEMPLATE_NAMES) {
      const first = loadTemplate(name);
      expect(Object.keys(first.Resources).length).toBeGreaterThan(0);
      first.Resources = {};
      expect(Object.keys(loadTemplate(name).Resources).length).toBeGreaterThan(0);
    }
  });
});
