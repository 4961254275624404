// Loads the CloudFormation templates in cloudformation/ as plain JSON values, with every short-form
// intrinsic function (!Ref, !Sub, ...) turned into its long form ({ Ref: ... }, { 'Fn::Sub': ... }), so
// tests reason about the same structure CloudFormation evaluates instead of searching text.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CollectionTag, parseDocument, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';

export const TEMPLATE_DIR = fileURLToPath(new URL('../../cloudformation/', import.meta.url));

/** Every template of the suite, by stack layer name (file `cloudformation/<name>.yml`). */
export const TEMPLATE_NAMES = ['network', 'database', 'service', 'registry', 'github-oidc'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** Templates deployed once per environment, as `<env>-<layer>`; their exports are `<env>-<layer>-<Name>`. */
export const LAYER_NAMES = ['network', 'database', 'service'] as const;
export type LayerName = (typeof LAYER_NAMES)[number];

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Parameter {
  Type: string;
  Description?: string;
  Default?: string | number;
  AllowedValues?: (string | number)[];
  AllowedPattern?: string;
  MinValue?: number;
  MaxValue?: number;
  MinLength?: number;
  MaxLength?: number;
  NoEcho?: boolean | string;
  ConstraintDescription?: string;
}

export interface Resource {
  Type: string;
  Condition?: string;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Metadata?: JsonObject;
  Properties?: JsonObject;
}

export interface Output {
  Description?: string;
  Value: Json;
  Condition?: string;
  Export?: { Name: Json };
}

export interface Template {
  AWSTemplateFormatVersion?: string;
  Description?: string;
  Metadata?: JsonObject;
  Parameters?: Record<string, Parameter>;
  Rules?: JsonObject;
  Mappings?: JsonObject;
  Conditions?: Record<string, Json>;
  Resources: Record<string, Resource>;
  Outputs?: Record<string, Output>;
}

export type Templates = Record<TemplateName, Template>;

/** Short forms of the intrinsic and condition functions, plus the Rules-only functions. */
const FUNCTIONS = [
  'And',
  'Base64',
  'Cidr',
  'Contains',
  'EachMemberEquals',
  'EachMemberIn',
  'Equals',
  'FindInMap',
  'GetAZs',
  'GetAtt',
  'If',
  'ImportValue',
  'Join',
  'Not',
  'Or',
  'RefAll',
  'Select',
  'Split',
  'Sub',
  'ToJsonString',
  'Transform',
  'ValueOf',
  'ValueOfAll',
] as const;

/** `!GetAtt A.B.C` means attribute `B.C` of resource `A`: CloudFormation splits at the first dot only. */
function getAttFromScalar(value: string): Json {
  const dot = value.indexOf('.');
  if (dot < 0) return { 'Fn::GetAtt': [value] };
  return { 'Fn::GetAtt': [value.slice(0, dot), value.slice(dot + 1)] };
}

function collectionJson(node: YAMLMap.Parsed | YAMLSeq.Parsed): Json {
  return node.toJSON() as Json;
}

function buildCustomTags(): (ScalarTag | CollectionTag)[] {
  const tags: (ScalarTag | CollectionTag)[] = [
    { tag: '!Ref', resolve: (value: string) => ({ Ref: value }) },
    { tag: '!Condition', resolve: (value: string) => ({ Condition: value }) },
  ];
  for (const name of FUNCTIONS) {
    const key = `Fn::${name}`;
    tags.push(
      {
        tag: `!${name}`,
        resolve: (value: string) => (name === 'GetAtt' ? getAttFromScalar(value) : { [key]: value }),
      },
      { tag: `!${name}`, collection: 'seq', resolve: (node) => ({ [key]: collectionJson(node) }) },
      { tag: `!${name}`, collection: 'map', resolve: (node) => ({ [key]: collectionJson(node) }) },
    );
  }
  return tags;
}

const CUSTOM_TAGS = buildCustomTags();

/** Parses CloudFormation YAML text into its long-form JSON structure. */
export function parseTemplate(text: string): Template {
  const document = parseDocument(text, { customTags: CUSTOM_TAGS, uniqueKeys: true });
  // An unknown tag is only a warning to the yaml package; for a template it means a typo CloudFormation rejects.
  const problems = [...document.errors, ...document.warnings];
  if (problems.length > 0) throw new Error(problems.map((problem) => problem.message).join('\n'));
  const value = document.toJS({ maxAliasCount: 0 }) as unknown;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('a template must be a YAML mapping');
  }
  const template = value as Template;
  if (!template.Resources || typeof template.Resources !== 'object') {
    throw new Error('a template must have a Resources section');
  }
  return template;
}

export function templatePath(name: TemplateName): string {
  return `${TEMPLATE_DIR}${name}.yml`;
}

const cache = new Map<TemplateName, Template>();

/** The parsed template; each call returns a fresh deep copy, so callers may mutate what they get. */
export function loadTemplate(name: TemplateName): Template {
  let template = cache.get(name);
  if (!template) {
    template = parseTemplate(readFileSync(templatePath(name), 'utf8'));
    cache.set(name, template);
  }
  return structuredClone(template);
}

/** All templates, freshly copied. */
export function loadTemplates(): Templates {
  return Object.fromEntries(TEMPLATE_NAMES.map((name) => [name, loadTemplate(name)])) as Templates;
}

export interface ParameterSummary {
  Type: string;
  Default?: string | number;
  AllowedValues?: (string | number)[];
}

/**
 * The parameters a template accepts, so code that deploys it (the pipeline, the root action) can check
 * that every parameter it passes exists and, where a list is fixed, that the value is allowed.
 * A parameter without `Default` must be passed.
 */
export function templateParameters(name: TemplateName): Record<string, ParameterSummary> {
  const parameters = loadTemplate(name).Parameters ?? {};
  const summary: Record<string, ParameterSummary> = {};
  for (const [key, parameter] of Object.entries(parameters)) {
    const entry: ParameterSummary = { Type: parameter.Type };
    if (parameter.Default !== undefined) entry.Default = parameter.Default;
    if (parameter.AllowedValues !== undefined) entry.AllowedValues = parameter.AllowedValues;
    summary[key] = entry;
  }
  return summary;
}
