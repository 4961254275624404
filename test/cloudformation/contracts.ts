// Contracts between the templates: the export names layers share (`<env>-<layer>-<Name>`), which layer
// imports which, and the deploy order that follows. Also the conventions every template keeps
// (documented parameters, EnvironmentName on every layer).
import { exportNamePattern, importName, isObject, walk } from './intrinsics.js';
import {
  type Json,
  LAYER_NAMES,
  type LayerName,
  type Template,
  type TemplateName,
  type Templates,
} from './load.js';

const IMPORT_PATTERN = /^\$\{EnvironmentName\}-([a-z]+)-([A-Za-z0-9]+)$/;

function isLayer(name: string): name is LayerName {
  return (LAYER_NAMES as readonly string[]).includes(name);
}

function entries(templates: Templates): [TemplateName, Template][] {
  return Object.entries(templates) as [TemplateName, Template][];
}

export interface ImportUse {
  template: TemplateName;
  path: string;
  name: string | undefined;
}

/** Every Fn::ImportValue of every template, with the export name it asks for (undefined if not static). */
export function importsOf(templates: Templates): ImportUse[] {
  const uses: ImportUse[] = [];
  for (const [name, template] of entries(templates)) {
    walk(template as unknown as Json, (value, path) => {
      if (isObject(value) && 'Fn::ImportValue' in value) {
        uses.push({ template: name, path: path.join('.'), name: importName(value) });
      }
    });
  }
  return uses;
}

/** Every import names `${EnvironmentName}-<layer>-<Name>`, and that layer exports exactly that name. */
export function importViolations(templates: Templates): string[] {
  const violations: string[] = [];
  for (const use of importsOf(templates)) {
    const where = `${use.template}.yml ${use.path}`;
    const match = use.name ? IMPORT_PATTERN.exec(use.name) : null;
    if (!match?.[1] || !match[2]) {
      violations.push(
        `${where}: import ${JSON.stringify(use.name)} is not \${EnvironmentName}-<layer>-<Name>`,
      );
      continue;
    }
    const [, layer, output] = match;
    if (!isLayer(layer)) {
      violations.push(`${where}: imports from ${layer}, which is not a layer (${LAYER_NAMES.join(', ')})`);
      continue;
    }
    if (layer === use.template) violations.push(`${where}: a stack cannot import its own export`);
    if (!templates[use.template].Parameters?.EnvironmentName) {
      violations.push(`${where}: imports by environment but has no EnvironmentName parameter`);
    }
    const exported = templates[layer].Outputs?.[output];
    if (!exported) {
      violations.push(`${where}: ${layer}.yml has no output ${output}`);
    } else if (exportNamePattern(exported.Export?.Name) !== use.name) {
      violations.push(`${where}: ${layer}.yml output ${output} is not exported as ${use.name}`);
    }
  }
  return violations;
}

/** Every export of a layer is named `${EnvironmentName}-<layer>-<OutputName>`. */
export function exportNamingViolations(templates: Templates): string[] {
  const violations: string[] = [];
  for (const layer of LAYER_NAMES) {
    for (const [output, definition] of Object.entries(templates[layer].Outputs ?? {})) {
      const expected = `\${EnvironmentName}-${layer}-${output}`;
      const actual = exportNamePattern(definition.Export?.Name);
      if (actual !== expected)
        violations.push(
          `${layer}.yml output ${output}: exported as ${JSON.stringify(actual)}, expected ${expected}`,
        );
    }
  }
  return violations;
}

/** Which layers each layer imports from. */
export function layerDependencies(templates: Templates): Record<LayerName, Set<LayerName>> {
  const dependencies = Object.fromEntries(
    LAYER_NAMES.map((layer) => [layer, new Set<LayerName>()]),
  ) as Record<LayerName, Set<LayerName>>;
  for (const use of importsOf(templates)) {
    const layer = use.name ? IMPORT_PATTERN.exec(use.name)?.[1] : undefined;
    if (layer && isLayer(layer) && isLayer(use.template) && layer !== use.template) {
      dependencies[use.template].add(layer);
    }
  }
  return dependencies;
}

/**
 * The order in which the layers of an environment can be deployed (each after every layer it imports),
 * or an error naming the layers caught in a cycle.
 */
export function deployOrder(templates: Templates): LayerName[] {
  const dependencies = layerDependencies(templates);
  const order: LayerName[] = [];
  const remaining = new Set<LayerName>(LAYER_NAMES);
  while (remaining.size > 0) {
    // Stable: among the deployable layers, keep the declared order of LAYER_NAMES.
    const ready = [...remaining].find((layer) => [...dependencies[layer]].every((d) => order.includes(d)));
    if (!ready) throw new Error(`import cycle between ${[...remaining].join(', ')}`);
    order.push(ready);
    remaining.delete(ready);
  }
  return order;
}

/** Every parameter has a Description and sits in exactly one Metadata AWS::CloudFormation::Interface group. */
export function documentationViolations(templates: Templates): string[] {
  const violations: string[] = [];
  for (const [name, template] of entries(templates)) {
    const parameters = Object.keys(template.Parameters ?? {});
    const ui = template.Metadata?.['AWS::CloudFormation::Interface'];
    const groups = isObject(ui) && Array.isArray(ui.ParameterGroups) ? ui.ParameterGroups : [];
    const grouped = groups.flatMap((group) =>
      isObject(group) && Array.isArray(group.Parameters) ? group.Parameters : [],
    );
    if (!template.Description) violations.push(`${name}.yml: no Description`);
    for (const parameter of parameters) {
      const definition = template.Parameters?.[parameter];
      if (!definition?.Description || definition.Description.trim().length < 10) {
        violations.push(`${name}.yml parameter ${parameter}: no Description`);
      }
      const count = grouped.filter((p) => p === parameter).length;
      if (count !== 1)
        violations.push(`${name}.yml parameter ${parameter}: in ${count} interface groups, expected 1`);
      const allowed = definition?.AllowedValues;
      if (
        allowed &&
        definition.Default !== undefined &&
        !allowed.map(String).includes(String(definition.Default))
      ) {
        violations.push(`${name}.yml parameter ${parameter}: Default is not among AllowedValues`);
      }
    }
    for (const p of grouped) {
      if (typeof p !== 'string' || !parameters.includes(p))
        violations.push(`${name}.yml: interface group lists unknown ${JSON.stringify(p)}`);
    }
    if (isLayer(name) && !parameters.includes('EnvironmentName'))
      violations.push(`${name}.yml: no EnvironmentName parameter`);
  }
  return violations;
}
