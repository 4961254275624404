// Evaluates a parsed template the way CloudFormation does for one set of concrete parameters. The local
// AWS endpoint's compiler (test/support/aws/compile.ts) does what CloudFormation does before any resource
// exists - parameter constraints, Rules, Conditions, Fn::If, AWS::NoValue, Fn::Cidr, Fn::GetAZs - and this
// module resolves the rest: Ref, Fn::Sub, Fn::Join, Fn::Split, Fn::Select, Fn::GetAtt, Fn::ImportValue.
// Resources that do not exist until deployed (their Ref and attributes) and exports come from the caller,
// so a test states exactly which physical names it assumes.
import { compileTemplate } from '../support/aws/compile.js';
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

class Resolver {
  private readonly parameters: Record<string, Json> = {};

  constructor(
    template: Template,
    private readonly context: ResolveContext,
  ) {
    for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
      const value = String(context.parameters[name] ?? parameter.Default ?? '');
      this.parameters[name] = parameter.Type.startsWith('CommaDelimitedList') ? value.split(',') : value;
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

  value(value: Json): Json {
    if (Array.isArray(value)) return value.map((item) => this.value(item));
    if (!isObject(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]?.startsWith('Fn::'))) return this.call(value);
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) out[key] = this.value(item);
    return out;
  }

  private call(value: JsonObject): Json {
    const [fn, args] = Object.entries(value)[0] as [string, Json];
    const list = Array.isArray(args) ? args : [];
    switch (fn) {
      case 'Ref':
        return this.ref(String(args));
      case 'Fn::Sub': {
        if (typeof args === 'string') return this.sub(args, {});
        const variables: Record<string, Json> = {};
        for (const [name, item] of Object.entries((list[1] as JsonObject | undefined) ?? {})) {
          variables[name] = this.value(item);
        }
        return this.sub(String(list[0]), variables);
      }
      case 'Fn::Join': {
        const items = this.value(list[1] ?? []);
        if (!Array.isArray(items)) throw new Error('Fn::Join of a non-list');
        return items.map(String).join(String(list[0]));
      }
      case 'Fn::Split':
        return String(this.value(list[1] ?? '')).split(String(list[0]));
      case 'Fn::Select': {
        const items = this.value(list[1] ?? []);
        const index = Number(this.value(list[0] ?? 0));
        if (!Array.isArray(items) || index >= items.length) throw new Error('Fn::Select index out of range');
        return items[index] ?? null;
      }
      case 'Fn::GetAtt': {
        const [resource, attribute] = Array.isArray(args) ? args.map(String) : String(args).split('.');
        return this.getAtt(String(resource), String(attribute));
      }
      case 'Fn::ImportValue': {
        const name = String(this.value(args));
        const exports = this.context.exports;
        const exported = typeof exports === 'function' ? exports(name) : exports?.[name];
        if (exported === undefined) throw new Error(`Fn::ImportValue ${name}: not given by the test`);
        return exported;
      }
      default:
        throw new Error(`${fn} is not supported by the test resolver`);
    }
  }
}

/**
 * The template as CloudFormation would deploy it with these parameters. Parameter values are checked as
 * CloudFormation checks them (AllowedPattern, AllowedValues, Rules), so a test cannot use values a real
 * deployment would refuse.
 */
export function resolveTemplate(template: Template, context: ResolveContext): ResolvedTemplate {
  const parameters: Record<string, string> = {};
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    const value = context.parameters[name] ?? parameter.Default;
    if (value === undefined) throw new Error(`parameter ${name} has no value and no Default`);
    parameters[name] = String(value);
  }
  for (const name of Object.keys(context.parameters)) {
    if (!(name in parameters)) throw new Error(`the template has no parameter ${name}`);
  }
  const compiled = compileTemplate(JSON.stringify(template), {
    region: context.region,
    accountId: context.accountId,
    stackName: context.stackName,
    parameters,
    availabilityZones: ['a', 'b', 'c'].map((zone) => `${context.region}${zone}`),
  });
  const resolver = new Resolver(template, context);
  const resources: Record<string, ResolvedResource> = {};
  for (const [id, resource] of Object.entries(compiled.template.Resources ?? {})) {
    const properties = resolver.value(((resource as JsonObject).Properties as Json) ?? {});
    resources[id] = {
      Type: String((resource as JsonObject).Type),
      Properties: isObject(properties) ? properties : {},
    };
  }
  return { conditions: compiled.conditions, resources };
}
