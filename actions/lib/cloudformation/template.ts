// Reads a CloudFormation template locally, before any AWS call: YAML (with CloudFormation's short-form
// tags such as !Ref, !Sub and !GetAtt) or JSON. A syntax error names the file, line and column; the
// parameters it declares let a caller check the parameters it was given. No SDK here.
import { isAlias, LineCounter, parseDocument, type Tags, visit } from 'yaml';
import { ConfigurationError } from '../errors.js';

export interface TemplateParameter {
  type: string;
  default?: string;
  noEcho: boolean;
  description?: string;
  allowedValues?: string[];
  allowedPattern?: string;
  minLength?: number;
  maxLength?: number;
  minValue?: number;
  maxValue?: number;
  /** What the template says to a user whose value breaks a constraint. */
  constraintDescription?: string;
}

/** A Rules entry: when `condition` holds (or there is none), every assertion must hold. */
export interface TemplateRule {
  condition?: unknown;
  assertions: Array<{ assert: unknown; description?: string }>;
}

export interface ParsedTemplate {
  /** The whole template as a plain object (short-form tags become their long form, e.g. { Ref: 'X' }). */
  body: Record<string, unknown>;
  parameters: Record<string, TemplateParameter>;
  rules: Record<string, TemplateRule>;
  resources: Record<string, { type: string }>;
  outputs: string[];
  format: 'yaml' | 'json';
  /** The template's size in bytes (UTF-8), as CloudFormation counts it against the 51,200-byte limit. */
  bytes: number;
}

/** A template that cannot be read: where (file, line, column) and why. */
export class TemplateError extends ConfigurationError {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly reason: string;

  constructor(file: string, reason: string, position: { line?: number; column?: number } = {}) {
    const where = position.line === undefined ? file : `${file}:${position.line}:${position.column ?? 1}`;
    super(`${where}: ${reason}`);
    this.file = file;
    this.line = position.line;
    this.column = position.column;
    this.reason = reason;
  }
}

// Short-form intrinsic functions: `!Name value` is `{ "Fn::Name": value }`, except !Ref and !Condition.
const INTRINSICS = [
  'And',
  'Base64',
  'Cidr',
  // Rule-specific functions (the Rules section): !Contains, !EachMemberEquals, …
  'Contains',
  'EachMemberEquals',
  'EachMemberIn',
  'Equals',
  'FindInMap',
  'GetAtt',
  'GetAZs',
  'If',
  'ImportValue',
  'Join',
  'Length',
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

function longForm(name: string, value: unknown): Record<string, unknown> {
  if (name === 'Ref' || name === 'Condition') return { [name]: value };
  if (name === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
}

function cloudFormationTags(): Tags {
  const tags: Tags = [];
  for (const name of ['Ref', 'Condition', ...INTRINSICS]) {
    tags.push({ tag: `!${name}`, resolve: (value: string) => longForm(name, value) });
    tags.push({ tag: `!${name}`, collection: 'seq', resolve: (seq) => longForm(name, seq.toJSON()) });
    tags.push({ tag: `!${name}`, collection: 'map', resolve: (map) => longForm(name, map.toJSON()) });
  }
  return tags;
}

let cachedTags: Tags | undefined;

/** Parses a template's text; `path` is used in messages. Throws TemplateError (a ConfigurationError). */
export function parseTemplate(text: string, path: string): ParsedTemplate {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (text.trim() === '') throw new TemplateError(path, 'the template is empty');
  const json = /^\s*\{/.test(text);
  const body = json ? parseJson(text, path) : parseYaml(text, path);
  return { ...describeTemplate(body, path), body, format: json ? 'json' : 'yaml', bytes };
}

function parseJson(text: string, path: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /position (\d+)/.exec(message);
    const reason = message.replace(/\s*\(line \d+ column \d+\)/, '').replace(/ in JSON at position \d+/, '');
    if (!at) {
      // "Unexpected end of JSON input" has no position: point at the end.
      return failAt(path, `invalid JSON: ${reason}`, text, text.length);
    }
    return failAt(path, `invalid JSON: ${reason}`, text, Number(at[1]));
  }
}

function failAt(path: string, reason: string, text: string, offset: number): never {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  throw new TemplateError(path, reason, { line, column });
}

function parseYaml(text: string, path: string): Record<string, unknown> {
  cachedTags ??= cloudFormationTags();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    customTags: cachedTags,
    prettyErrors: true,
    uniqueKeys: true,
    lineCounter,
  });
  const problem = doc.errors[0] ?? doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (problem) {
    const pos = problem.linePos?.[0];
    let reason = `invalid YAML: ${problem.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`;
    if (problem.code === 'TAG_RESOLVE_FAILED') {
      const tag = /(!\S+)/.exec(problem.message)?.[1] ?? 'tag';
      reason = `unknown tag ${tag}: CloudFormation's short forms are !Ref, !Condition, !${INTRINSICS.join(', !')}`;
    }
    throw new TemplateError(path, reason, { line: pos?.line, column: pos?.col });
  }
  // CloudFormation refuses YAML aliases ("Template error: YAML aliases are not allowed in CloudFormation
  // templates"); `aws cloudformation package` would expand them, a plain deploy does not.
  let alias: { source: string; offset: number } | undefined;
  visit(doc, {
    Alias(_, node) {
      if (!isAlias(node)) return undefined;
      alias = { source: node.source, offset: node.range?.[0] ?? 0 };
      return visit.BREAK;
    },
  });
  if (alias) {
    const pos = lineCounter.linePos(alias.offset);
    throw new TemplateError(
      path,
      `YAML alias *${alias.source}: CloudFormation does not accept YAML aliases (or anchors used through them); write the value out, or expand the template with \`aws cloudformation package\` first`,
      { line: pos.line, column: pos.col },
    );
  }
  const value = doc.toJS() as unknown;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TemplateError(
      path,
      'a template is a mapping (AWSTemplateFormatVersion, Parameters, Resources…)',
      {
        line: 1,
        column: 1,
      },
    );
  }
  return value as Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function scalarText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map((v) => String(v)).join(',');
  return String(value);
}

function numberOf(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function readRules(body: Record<string, unknown>): Record<string, TemplateRule> {
  const rules: Record<string, TemplateRule> = {};
  for (const [name, rule] of Object.entries(isRecord(body.Rules) ? body.Rules : {})) {
    if (!isRecord(rule)) continue;
    const assertions = (Array.isArray(rule.Assertions) ? rule.Assertions : []).filter(isRecord).map((a) => ({
      assert: a.Assert,
      description: typeof a.AssertDescription === 'string' ? a.AssertDescription : undefined,
    }));
    rules[name] = { condition: rule.RuleCondition, assertions };
  }
  return rules;
}

function describeTemplate(
  body: Record<string, unknown>,
  path: string,
): Pick<ParsedTemplate, 'parameters' | 'rules' | 'resources' | 'outputs'> {
  const problems: string[] = [];
  const parameters: Record<string, TemplateParameter> = {};
  const resources: Record<string, { type: string }> = {};
  if (body.Parameters !== undefined && !isRecord(body.Parameters)) {
    problems.push(`${path}: Parameters must be a mapping of parameter names to declarations`);
  }
  for (const [name, declaration] of Object.entries(isRecord(body.Parameters) ? body.Parameters : {})) {
    if (!isRecord(declaration) || typeof declaration.Type !== 'string') {
      problems.push(`${path}: Parameters.${name} needs a Type (String, Number, CommaDelimitedList…)`);
      continue;
    }
    parameters[name] = {
      type: declaration.Type,
      default: scalarText(declaration.Default),
      noEcho: declaration.NoEcho === true || String(declaration.NoEcho).toLowerCase() === 'true',
      description: typeof declaration.Description === 'string' ? declaration.Description : undefined,
      allowedValues: Array.isArray(declaration.AllowedValues)
        ? declaration.AllowedValues.map((v) => String(v))
        : undefined,
      allowedPattern: typeof declaration.AllowedPattern === 'string' ? declaration.AllowedPattern : undefined,
      minLength: numberOf(declaration.MinLength),
      maxLength: numberOf(declaration.MaxLength),
      minValue: numberOf(declaration.MinValue),
      maxValue: numberOf(declaration.MaxValue),
      constraintDescription:
        typeof declaration.ConstraintDescription === 'string' ? declaration.ConstraintDescription : undefined,
    };
  }
  if (!isRecord(body.Resources) || Object.keys(body.Resources).length === 0) {
    problems.push(`${path}: a template needs a Resources section with at least one resource`);
  }
  for (const [logicalId, resource] of Object.entries(isRecord(body.Resources) ? body.Resources : {})) {
    if (!isRecord(resource) || typeof resource.Type !== 'string') {
      problems.push(`${path}: Resources.${logicalId} needs a Type (e.g. AWS::S3::Bucket)`);
      continue;
    }
    resources[logicalId] = { type: resource.Type };
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return {
    parameters,
    rules: readRules(body),
    resources,
    outputs: Object.keys(isRecord(body.Outputs) ? body.Outputs : {}),
  };
}

export interface ParameterCheck {
  /** Parameters the stack already has, kept with UsePreviousValue when not given. */
  kept?: Iterable<string>;
  /** Check that every parameter without a Default is given (or kept). */
  requireAll: boolean;
}

/**
 * Problems with `given` parameters against a template's declarations: unknown names (listing the accepted
 * ones), missing required parameters, values outside AllowedValues. One line each; empty when all is well.
 */
export function checkParameters(
  declared: Record<string, TemplateParameter>,
  given: Record<string, string>,
  options: ParameterCheck,
): string[] {
  const problems: string[] = [];
  const names = Object.keys(declared);
  const accepted =
    names.length === 0 ? 'the template declares no parameters' : `accepted: ${names.join(', ')}`;
  for (const name of Object.keys(given)) {
    if (!(name in declared)) problems.push(`${name} is not a parameter of the template (${accepted})`);
  }
  const kept = new Set(options.kept ?? []);
  if (options.requireAll) {
    const missing = names.filter(
      (name) => declared[name]?.default === undefined && !(name in given) && !kept.has(name),
    );
    if (missing.length > 0) {
      problems.push(
        `${missing.join(', ')} ${missing.length === 1 ? 'has' : 'have'} no Default in the template and must be given`,
      );
    }
  }
  for (const [name, value] of Object.entries(given)) {
    const declaration = declared[name];
    if (!declaration) continue;
    const problem = constraintProblem(declaration, value);
    if (problem) problems.push(`${name}: ${problem}`);
  }
  return problems;
}

/**
 * What is wrong with `value` for a parameter, as CloudFormation checks it before anything else (Type Number,
 * AllowedValues, AllowedPattern, MinLength/MaxLength, MinValue/MaxValue), followed by the template's
 * ConstraintDescription; undefined when the value is accepted.
 */
export function constraintProblem(declaration: TemplateParameter, value: string): string | undefined {
  const shown = declaration.noEcho ? '(hidden: NoEcho)' : `"${value}"`;
  const list = declaration.type === 'CommaDelimitedList' || declaration.type.startsWith('List<');
  const numeric = declaration.type === 'Number' || declaration.type === 'List<Number>';
  const because = (what: string) =>
    `${shown} ${what}${declaration.constraintDescription ? `: ${declaration.constraintDescription}` : ''}`;
  for (const item of list ? value.split(',') : [value]) {
    if (numeric && (item.trim() === '' || !Number.isFinite(Number(item)))) return because('is not a number');
    const allowed = declaration.allowedValues;
    if (allowed && !allowed.includes(item)) {
      return because(`is not one of the AllowedValues: ${allowed.join(', ')}`);
    }
    if (declaration.allowedPattern !== undefined && !matchesWhole(declaration.allowedPattern, item)) {
      return because(`does not match the AllowedPattern ${declaration.allowedPattern}`);
    }
    if (declaration.minLength !== undefined && item.length < declaration.minLength) {
      return because(`is shorter than the MinLength ${declaration.minLength}`);
    }
    if (declaration.maxLength !== undefined && item.length > declaration.maxLength) {
      return because(`is longer than the MaxLength ${declaration.maxLength}`);
    }
    if (numeric && declaration.minValue !== undefined && Number(item) < declaration.minValue) {
      return because(`is less than the MinValue ${declaration.minValue}`);
    }
    if (numeric && declaration.maxValue !== undefined && Number(item) > declaration.maxValue) {
      return because(`is greater than the MaxValue ${declaration.maxValue}`);
    }
  }
  return undefined;
}

/** CloudFormation's AllowedPattern must match the whole value; a pattern JavaScript cannot read is not checked. */
function matchesWhole(pattern: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    return true;
  }
}

export interface RuleFailure {
  rule: string;
  /** The AssertDescription (or a generic line when the template gives none). */
  description: string;
  /** The parameters the rule refers to: the failing assertion's first, then its condition's. */
  parameters: string[];
}

class UnknownFunction extends Error {}

/**
 * The template's Rules evaluated for the stack's full parameter values (given ones and defaults), as
 * CloudFormation evaluates them before it creates a change set. A rule using a function that needs AWS
 * (Fn::ValueOf, Fn::RefAll…) is left to CloudFormation.
 */
export function checkRules(
  rules: Record<string, TemplateRule>,
  values: Record<string, string>,
): RuleFailure[] {
  const failures: RuleFailure[] = [];
  for (const [name, rule] of Object.entries(rules)) {
    try {
      if (rule.condition !== undefined && evaluateRule(rule.condition, values) !== true) continue;
      for (const assertion of rule.assertions) {
        if (evaluateRule(assertion.assert, values) === true) continue;
        failures.push({
          rule: name,
          description: assertion.description ?? `Template assertion in rule ${name} failed`,
          parameters: [...new Set([...refsOf(assertion.assert), ...refsOf(rule.condition)])],
        });
        break;
      }
    } catch (error) {
      if (!(error instanceof UnknownFunction)) throw error;
    }
  }
  return failures;
}

function refsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsOf);
  if (!isRecord(value)) return [];
  if (typeof value.Ref === 'string') return value.Ref.startsWith('AWS::') ? [] : [value.Ref];
  return Object.values(value).flatMap(refsOf);
}

function evaluateRule(node: unknown, values: Record<string, string>): unknown {
  if (Array.isArray(node)) return node.map((n) => evaluateRule(n, values));
  if (!isRecord(node)) return typeof node === 'number' || typeof node === 'boolean' ? String(node) : node;
  const [fn, arg] = Object.entries(node)[0] ?? [];
  const args = () => (Array.isArray(arg) ? arg.map((a) => evaluateRule(a, values)) : []);
  const text = (v: unknown) => (Array.isArray(v) ? v.map(String) : [String(v)]);
  switch (fn) {
    case 'Ref':
      if (typeof arg !== 'string' || !(arg in values)) throw new UnknownFunction();
      return values[arg];
    case 'Fn::Equals': {
      const [a, b] = args();
      return String(a) === String(b);
    }
    case 'Fn::Not':
      return args()[0] !== true;
    case 'Fn::And':
      return args().every((v) => v === true);
    case 'Fn::Or':
      return args().some((v) => v === true);
    case 'Fn::Contains': {
      const [list, value] = args();
      return text(list).includes(String(value));
    }
    case 'Fn::EachMemberEquals': {
      const [list, value] = args();
      return text(list).every((v) => v === String(value));
    }
    case 'Fn::EachMemberIn': {
      const [list, allowed] = args();
      return text(list).every((v) => text(allowed).includes(v));
    }
    default:
      throw new UnknownFunction();
  }
}
