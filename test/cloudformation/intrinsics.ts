// Small, static readings of CloudFormation values: which resource a value refers to, which values a
// conditional (Fn::If) can take, which export an Fn::ImportValue names. Enough for policy checks without
// evaluating a whole stack.
import type { Json, JsonObject, Resource, Template, TemplateName, Templates } from './load.js';

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isNoValue(value: Json | undefined): boolean {
  return isObject(value) && value.Ref === 'AWS::NoValue';
}

/** `{ 'Fn::If': [condition, then, else] }` split into its parts, or undefined for any other value. */
export function asIf(
  value: Json | undefined,
): { condition: string; whenTrue: Json; whenFalse: Json } | undefined {
  if (!isObject(value)) return undefined;
  const args = value['Fn::If'];
  if (!Array.isArray(args) || args.length !== 3 || typeof args[0] !== 'string') return undefined;
  return { condition: args[0], whenTrue: args[1] as Json, whenFalse: args[2] as Json };
}

/** Every value `value` may take once conditions are known: Fn::If expands to both branches; NoValue drops. */
export function alternatives(value: Json | undefined): Json[] {
  if (value === undefined || isNoValue(value)) return [];
  const conditional = asIf(value);
  if (conditional) return [...alternatives(conditional.whenTrue), ...alternatives(conditional.whenFalse)];
  return [value];
}

/** Every item a list property may hold, across all conditions (a list or an Fn::If of lists, items may be Fn::If). */
export function listItems(value: Json | undefined): Json[] {
  const items: Json[] = [];
  for (const list of alternatives(value)) {
    if (!Array.isArray(list)) {
      items.push(list);
      continue;
    }
    for (const item of list) items.push(...alternatives(item));
  }
  return items;
}

/** Items of a plain list that hold whatever the conditions are (not inside an Fn::If). */
export function unconditionalItems(value: Json | undefined): Json[] {
  return Array.isArray(value) ? value.filter((item) => asIf(item) === undefined && !isNoValue(item)) : [];
}

/** The logical id a value points at through Ref or Fn::GetAtt, if any. */
export function refTarget(value: Json | undefined): string | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

/** The export name an Fn::ImportValue asks for, as written (the Fn::Sub pattern or a plain string). */
export function importName(value: Json | undefined): string | undefined {
  if (!isObject(value) || !('Fn::ImportValue' in value)) return undefined;
  const name = value['Fn::ImportValue'];
  if (typeof name === 'string') return name;
  if (isObject(name) && typeof name['Fn::Sub'] === 'string') return name['Fn::Sub'];
  return undefined;
}

/** An export name as written in `Export: Name:` (Fn::Sub pattern or plain string). */
export function exportNamePattern(name: Json | undefined): string | undefined {
  if (typeof name === 'string') return name;
  if (isObject(name) && typeof name['Fn::Sub'] === 'string') return name['Fn::Sub'];
  return undefined;
}

/** Calls `visit` for every value in the tree, depth first, with its path. */
export function walk(
  value: Json | undefined,
  visit: (value: Json, path: string[]) => void,
  path: string[] = [],
): void {
  if (value === undefined) return;
  visit(value, path);
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      walk(item, visit, [...path, String(index)]);
    });
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) walk(item, visit, [...path, key]);
  }
}

export function resourcesOfType(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

/** A resource named across templates, e.g. the database stack's ServiceSecurityGroup. */
export interface ResourceRef {
  template: TemplateName;
  id: string;
}

export function sameResource(a: ResourceRef, b: ResourceRef): boolean {
  return a.template === b.template && a.id === b.id;
}

export function describe(ref: ResourceRef): string {
  return `${ref.template}.yml ${ref.id}`;
}

/** Where each export pattern (e.g. `${EnvironmentName}-database-SecretArn`) is defined. */
export function exportIndex(templates: Templates): Map<string, { template: TemplateName; output: string }> {
  const index = new Map<string, { template: TemplateName; output: string }>();
  for (const [name, template] of Object.entries(templates) as [TemplateName, Template][]) {
    for (const [outputName, output] of Object.entries(template.Outputs ?? {})) {
      const pattern = exportNamePattern(output.Export?.Name);
      if (pattern) index.set(pattern, { template: name, output: outputName });
    }
  }
  return index;
}

/**
 * The resources (of the given types) a value can stand for, following Ref/GetAtt within the template,
 * Fn::If into both branches, and Fn::ImportValue into the exporting template's output.
 */
export function resolveResources(
  templates: Templates,
  from: TemplateName,
  value: Json | undefined,
  types: readonly string[],
  depth = 0,
): ResourceRef[] {
  if (depth > 5) return [];
  const found: ResourceRef[] = [];
  for (const option of alternatives(value)) {
    const target = refTarget(option);
    const resource = target ? templates[from].Resources[target] : undefined;
    if (target && resource && types.includes(resource.Type)) {
      found.push({ template: from, id: target });
      continue;
    }
    const imported = importName(option);
    if (imported) {
      const source = exportIndex(templates).get(imported);
      if (!source) continue;
      const output = templates[source.template].Outputs?.[source.output];
      found.push(...resolveResources(templates, source.template, output?.Value, types, depth + 1));
    }
  }
  return found;
}

/** A plain number for a literal or a Ref to a Number parameter's Default, else undefined. */
export function numberValue(template: Template, value: Json | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  const target = refTarget(value);
  const parameter = target ? template.Parameters?.[target] : undefined;
  if (parameter?.Default !== undefined) return Number(parameter.Default);
  return undefined;
}
