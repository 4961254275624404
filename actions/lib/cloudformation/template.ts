// Reads a CloudFormation template locally, before any AWS call: YAML (with CloudFormation's short-form
// tags such as !Ref, !Sub and !GetAtt) or JSON. A syntax error names the file, line and column; the
// parameters it declares let a caller check the parameters it was given. No SDK here.
import { parseDocument, type Tags } from 'yaml';
import { ConfigurationError } from '../errors.js';

export interface TemplateParameter {
  type: string;
  default?: string;
  noEcho: boolean;
  description?: string;
  allowedValues?: string[];
}

export interface ParsedTemplate {
  /** The whole template as a plain object (short-form tags become their long form, e.g. { Ref: 'X' }). */
  body: Record<string, unknown>;
  parameters: Record<string, TemplateParameter>;
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
  const doc = parseDocument(text, {
    customTags: cachedTags,
    prettyErrors: true,
    uniqueKeys: true,
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
  const value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
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

function describeTemplate(
  body: Record<string, unknown>,
  path: string,
): Pick<ParsedTemplate, 'parameters' | 'resources' | 'outputs'> {
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
  return { parameters, resources, outputs: Object.keys(isRecord(body.Outputs) ? body.Outputs : {}) };
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
    const allowed = declared[name]?.allowedValues;
    if (allowed && !allowed.includes(value)) {
      const shown = declared[name]?.noEcho ? '(hidden: NoEcho)' : `"${value}"`;
      problems.push(`${name}: ${shown} is not one of the AllowedValues: ${allowed.join(', ')}`);
    }
  }
  return problems;
}
