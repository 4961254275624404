// Evaluates a parsed template the way CloudFormation does for one set of concrete parameters: pseudo
// parameters, parameter defaults, conditions, and the intrinsic functions the templates use (Ref, Fn::Sub,
// Fn::If, Fn::Join, Fn::Select, Fn::Split, Fn::GetAtt, Fn::ImportValue, Fn::GetAZs), with AWS::NoValue
// removed from lists and objects. Resources that do not exist until deployed (their Ref and attributes)
// and exports come from the caller, so a test states exactly which physical names it assumes.
import { isObject } from './intrinsics.js';
import type { Json, JsonObject, Template } from './load.js';

export interface ResolveContext {
  accountId: string;
  region: string;
  partition?: string;
  stackName: string;
  /** Parameter values; parameters left out take their Default (a missing required one is an error). */
  parameters: Record<string, string>;
  /** Ref value and attributes of resources, by logical id (e.g. { Role: { Ref: 'x', Arn: 'arn:…' } }). */
  resources?: Record<string, Record<string, string>>;
  /** Export values for Fn::ImportValue: by export name, or a function of the name. */
  exports?: Record<string, string> | ((name: string) => string);
}

export interface ResolvedResource {
  Type: string;
  Properties: JsonObject;
}

export interface ResolvedTemplate {
  conditions: Record<string, boolean>;
  /** Only the resources whose condition holds, with every property resolved. */
  resources: Record<string, ResolvedResource>;
}

const NO_VALUE = Symbol('AWS::NoValue');
type Value = Json | typeof NO_VALUE;

class Resolver {
  private readonly conditions: Record<string, boolean> = {};
  private readonly parameters: Record<string, Json> = {};

  constructor(
    private readonly template: Template,
    private readonly context: ResolveContext,
  ) {
    for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
      const given = context.parameters[name] ?? parameter.Default;
      if (given === undefined) throw new Error(`parameter ${name} has no value and no Default`);
      this.parameters[name] = parameter.Type.startsWith('CommaDelimitedList')
        ? String(given).split(',')
        : String(given);
    }
    for (const name of Object.keys(context.parameters)) {
      if (!(name in this.parameters)) throw new Error(`the template has no parameter ${name}`);
    }
    for (const name of Object.keys(template.Conditions ?? {})) this.condition(name);
  }

  get resolvedConditions(): Record<string, boolean> {
    return { ...this.conditions };
  }

  condition(name: string): boolean {
    const known = this.conditions[name];
    if (known !== undefined) return known;
    const definition = this.template.Conditions?.[name];
    if (definition === undefined) throw new Error(`no condition ${name}`);
    const value = this.test(definition);
    this.conditions[name] = value;
    return value;
  }

  private test(value: Json): boolean {
    if (!isObject(value)) throw new Error(`not a condition: ${JSON.stringify(value)}`);
    if (typeof value.Condition === 'string') return this.condition(value.Condition);
    const [fn, args] = Object.entries(value)[0] ?? [];
    const list = Array.isArray(args) ? args : [];
    switch (fn) {
      case 'Fn::Equals':
        return JSON.stringify(this.value(list[0] ?? null)) === JSON.stringify(this.value(list[1] ?? null));
      case 'Fn::Not':
        return !this.test(list[0] ?? null);
      case 'Fn::And':
        return list.every((item) => this.test(item));
      case 'Fn::Or':
        return list.some((item) => this.test(item));
      default:
        throw new Error(`not a condition function: ${String(fn)}`);
    }
  }

  private ref(name: string): Json {
    const pseudo: Record<string, string> = {
      'AWS::AccountId': this.context.accountId,
      'AWS::Region': this.context.region,
      'AWS::Partition': this.context.partition ?? 'aws',
      'AWS::StackName': this.context.stackName,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    if (name in pseudo) return pseudo[name] ?? '';
    if (name in this.parameters) return this.parameters[name] ?? '';
    const physical = this.context.resources?.[name]?.Ref;
    if (physical !== undefined) return physical;
    throw new Error(`Ref ${name}: no parameter, and the test gave no physical id for it`);
  }

  private getAtt(resource: string, attribute: string): string {
    const value = this.context.resources?.[resource]?.[attribute];
    if (value === undefined) throw new Error(`Fn::GetAtt ${resource}.${attribute}: not given by the test`);
    return value;
  }

  private sub(pattern: string, variables: Record<string, Json>): string {
    return pattern.replace(/\$\{([^}!]+)\}/g, (_match, name: string) => {
      if (name in variables) return String(variables[name]);
      const dot = name.indexOf('.');
      if (dot > 0 && !name.startsWith('AWS::')) return this.getAtt(name.slice(0, dot), name.slice(dot + 1));
      return String(this.ref(name));
    });
  }

  value(value: Json): Value {
    if (Array.isArray(value)) {
      return value.map((item) => this.value(item)).filter((item): item is Json => item !== NO_VALUE);
    }
    if (!isObject(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]?.startsWith('Fn::'))) return this.call(value);
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      const resolved = this.value(item);
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  }

  private json(value: Json): Json {
    const resolved = this.value(value);
    if (resolved === NO_VALUE) throw new Error('AWS::NoValue where a value is needed');
    return resolved;
  }

  private call(value: JsonObject): Value {
    const [fn, args] = Object.entries(value)[0] as [string, Json];
    const list = Array.isArray(args) ? args : [];
    switch (fn) {
      case 'Ref':
        return args === 'AWS::NoValue' ? NO_VALUE : this.ref(String(args));
      case 'Fn::If':
        return this.condition(String(list[0])) ? this.value(list[1] ?? null) : this.value(list[2] ?? null);
      case 'Fn::Sub': {
        if (typeof args === 'string') return this.sub(args, {});
        const variables: Record<string, Json> = {};
        for (const [name, item] of Object.entries((list[1] as JsonObject | undefined) ?? {})) {
          variables[name] = this.json(item);
        }
        return this.sub(String(list[0]), variables);
      }
      case 'Fn::Join': {
        const items = this.json(list[1] ?? []);
        if (!Array.isArray(items)) throw new Error('Fn::Join of a non-list');
        return items.map(String).join(String(list[0]));
      }
      case 'Fn::Split':
        return String(this.json(list[1] ?? '')).split(String(list[0]));
      case 'Fn::Select': {
        const items = this.json(list[1] ?? []);
        const index = Number(this.json(list[0] ?? 0));
        if (!Array.isArray(items) || index >= items.length) throw new Error('Fn::Select index out of range');
        return items[index] ?? null;
      }
      case 'Fn::GetAtt': {
        const [resource, attribute] = Array.isArray(args) ? args.map(String) : String(args).split('.');
        return this.getAtt(String(resource), String(attribute));
      }
      case 'Fn::ImportValue': {
        const name = String(this.json(args));
        const exports = this.context.exports;
        const exported = typeof exports === 'function' ? exports(name) : exports?.[name];
        if (exported === undefined) throw new Error(`Fn::ImportValue ${name}: not given by the test`);
        return exported;
      }
      case 'Fn::Cidr': {
        // Placeholder blocks: policies never depend on the addresses, only on their count.
        const count = Number(this.json(list[1] ?? 1));
        return Array.from({ length: count }, (_, i) => `10.0.${i}.0/24`);
      }
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((zone) => `${this.context.region}${zone}`);
      default:
        throw new Error(`${fn} is not supported by the test resolver`);
    }
  }
}

/** The template as CloudFormation would deploy it with these parameters. */
export function resolveTemplate(template: Template, context: ResolveContext): ResolvedTemplate {
  const resolver = new Resolver(template, context);
  const resources: Record<string, ResolvedResource> = {};
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Condition && !resolver.condition(resource.Condition)) continue;
    const properties = resolver.value(resource.Properties ?? {});
    resources[id] = {
      Type: resource.Type,
      Properties: isObject(properties as Json) ? (properties as JsonObject) : {},
    };
  }
  return { conditions: resolver.resolvedConditions, resources };
}
