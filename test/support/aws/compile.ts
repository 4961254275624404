// What CloudFormation evaluates before any resource handler runs, done here because moto gets it wrong or
// not at all: parameter constraints, Rules, Conditions (resources and outputs whose condition is false
// disappear, Fn::If picks its branch, AWS::NoValue removes the property or list item), Fn::Cidr and
// Fn::GetAZs, and the long form of every short-form YAML tag (moto's YAML reader mis-reads nested ones such
// as `!ImportValue` around `Fn::Sub`). The result is a JSON template for the given parameter values: the
// layer forwards it to moto and keeps the template the user sent for GetTemplate.

import { parseTemplate, type Template, TemplateRefusal } from './template.js';
import { AwsError } from './wire.js';

type Obj = Record<string, unknown>;

export interface CompileContext {
  region: string;
  accountId: string;
  stackName: string;
  /** Known once the stack exists (not for the first change set of a new stack). */
  stackId?: string;
  /** Every declared parameter's value (given, previous or default). */
  parameters: Record<string, string>;
  /** What Fn::GetAZs answers for this region. */
  availabilityZones: string[];
}

export interface CompiledTemplate {
  /** The JSON body moto gets. */
  body: string;
  template: Template;
  /** Condition name → value, for reading. */
  conditions: Record<string, boolean>;
  /** The exports the template imports (Fn::ImportValue names known from parameters alone). */
  imports: string[];
}

const NO_VALUE = Symbol('AWS::NoValue');
const UNKNOWN = Symbol('unknown until resources exist');

class TemplateError extends AwsError {
  constructor(message: string) {
    super('ValidationError', message, 400);
  }
}

/** Compiles a template body (YAML or JSON) for these parameter values. Throws AwsError as AWS would refuse it. */
export function compileTemplate(body: string, context: CompileContext): CompiledTemplate {
  let source: Template;
  try {
    source = parseTemplate(body);
  } catch (error) {
    if (error instanceof TemplateRefusal) throw new TemplateError(error.message);
    throw new TemplateError(`Template format error: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!source || typeof source !== 'object' || Array.isArray(source)) {
    throw new TemplateError('Template format error: JSON not well-formed.');
  }
  if (!source.Resources || typeof source.Resources !== 'object') {
    throw new TemplateError('Template format error: At least one Resources member must be defined.');
  }
  return new Compiler(structuredClone(source), context).run();
}

class Compiler {
  private readonly conditionValues = new Map<string, boolean>();
  private readonly evaluating = new Set<string>();
  private readonly imports = new Set<string>();

  constructor(
    private readonly source: Template,
    private readonly context: CompileContext,
  ) {}

  run(): CompiledTemplate {
    this.checkParameters();
    this.checkRules();
    const conditions = (this.source.Conditions ?? {}) as Obj;
    for (const name of Object.keys(conditions)) this.condition(name);

    const out: Template = {};
    for (const [key, value] of Object.entries(this.source)) {
      if (key === 'Conditions' || key === 'Rules' || key === 'Resources' || key === 'Outputs') continue;
      out[key] = value;
    }
    const resources: NonNullable<Template['Resources']> = {};
    const dropped = new Set<string>();
    for (const [id, resource] of Object.entries(this.source.Resources ?? {})) {
      if (resource.Condition !== undefined && !this.condition(String(resource.Condition))) {
        dropped.add(id);
        continue;
      }
      const compiled: Obj = {};
      for (const [key, value] of Object.entries(resource)) {
        if (key === 'Condition') continue;
        const v = this.resolve(value);
        if (v !== NO_VALUE) compiled[key] = v;
      }
      resources[id] = compiled as (typeof resources)[string];
    }
    for (const resource of Object.values(resources)) {
      const dependsOn = resource.DependsOn;
      const names = Array.isArray(dependsOn) ? dependsOn : dependsOn === undefined ? [] : [dependsOn];
      const unresolved = names.filter((n) => typeof n !== 'string' || !(n in resources));
      if (unresolved.length) {
        throw new TemplateError(
          `Template format error: Unresolved resource dependencies [${unresolved.join(', ')}] in the Resources block of the template`,
        );
      }
      // A reference to a resource whose condition is false is an error on AWS too.
      for (const ref of referencedIds(resource)) {
        if (dropped.has(ref)) {
          throw new TemplateError(
            `Template format error: Unresolved resource dependencies [${ref}] in the Resources block of the template`,
          );
        }
      }
    }
    out.Resources = resources;
    if (this.source.Outputs) {
      const outputs: Obj = {};
      for (const [name, output] of Object.entries(this.source.Outputs as Record<string, Obj>)) {
        if (output.Condition !== undefined && !this.condition(String(output.Condition))) continue;
        const compiled: Obj = {};
        for (const [key, value] of Object.entries(output)) {
          if (key === 'Condition') continue;
          const v = this.resolve(value);
          if (v !== NO_VALUE) compiled[key] = v;
        }
        outputs[name] = compiled;
      }
      out.Outputs = outputs;
    }
    return {
      body: JSON.stringify(out),
      template: out,
      conditions: Object.fromEntries(this.conditionValues),
      imports: [...this.imports].sort(),
    };
  }

  // ------------------------------------------------------------------------------------------ parameters

  /** AWS refuses values outside a parameter's constraints before it looks at anything else. */
  private checkParameters(): void {
    for (const [key, spec] of Object.entries(this.source.Parameters ?? {}) as Array<[string, Obj]>) {
      const value = this.context.parameters[key];
      if (value === undefined) continue;
      const type = String(spec.Type ?? 'String');
      const values = type.startsWith('List<') || type === 'CommaDelimitedList' ? value.split(',') : [value];
      for (const v of values) {
        if (type === 'Number' || type === 'List<Number>') {
          if (v.trim() === '' || Number.isNaN(Number(v))) {
            throw new TemplateError(`Parameter '${key}' must be a number`);
          }
          if (spec.MinValue !== undefined && Number(v) < Number(spec.MinValue)) {
            throw new TemplateError(`Parameter '${key}' must be a number not less than ${spec.MinValue}`);
          }
          if (spec.MaxValue !== undefined && Number(v) > Number(spec.MaxValue)) {
            throw new TemplateError(`Parameter '${key}' must be a number not greater than ${spec.MaxValue}`);
          }
        }
        if (Array.isArray(spec.AllowedValues) && !spec.AllowedValues.map(String).includes(v)) {
          throw new TemplateError(`Parameter '${key}' must be one of AllowedValues`);
        }
        if (typeof spec.AllowedPattern === 'string' && !new RegExp(`^(?:${spec.AllowedPattern})$`).test(v)) {
          throw new TemplateError(`Parameter '${key}' must match pattern ${spec.AllowedPattern}`);
        }
        if (spec.MinLength !== undefined && v.length < Number(spec.MinLength)) {
          throw new TemplateError(`Parameter '${key}' must contain at least ${spec.MinLength} characters`);
        }
        if (spec.MaxLength !== undefined && v.length > Number(spec.MaxLength)) {
          throw new TemplateError(`Parameter '${key}' must contain at most ${spec.MaxLength} characters`);
        }
      }
    }
  }

  /** Template Rules: an assertion that fails refuses the whole request with its AssertDescription. */
  private checkRules(): void {
    for (const [name, rule] of Object.entries((this.source.Rules ?? {}) as Record<string, Obj>)) {
      if (rule.RuleCondition !== undefined && !this.truth(rule.RuleCondition, `rule ${name}`)) continue;
      for (const assertion of (rule.Assertions ?? []) as Obj[]) {
        if (this.truth(assertion.Assert, `rule ${name}`)) continue;
        throw new TemplateError(
          String(assertion.AssertDescription ?? `Template assertion in rule ${name} failed`),
        );
      }
    }
  }

  // ------------------------------------------------------------------------------------------ conditions

  private condition(name: string): boolean {
    const known = this.conditionValues.get(name);
    if (known !== undefined) return known;
    const conditions = (this.source.Conditions ?? {}) as Obj;
    if (!(name in conditions)) {
      throw new TemplateError(`Template format error: Unresolved condition dependency ${name} in Fn::If`);
    }
    if (this.evaluating.has(name)) {
      throw new TemplateError(`Template error: circular dependency between conditions involving ${name}`);
    }
    this.evaluating.add(name);
    const value = this.truth(conditions[name], `condition ${name}`);
    this.evaluating.delete(name);
    this.conditionValues.set(name, value);
    return value;
  }

  private truth(node: unknown, where: string): boolean {
    if (typeof node === 'boolean') return node;
    if (node === 'true' || node === 'false') return node === 'true';
    if (!isObject(node)) throw new TemplateError(`Template error: ${where} is not a condition function`);
    const [fn, args] = single(node);
    const list = Array.isArray(args) ? args : [args];
    switch (fn) {
      case 'Condition':
        return this.condition(String(args));
      case 'Fn::Equals': {
        const [a, b] = list.map((x) => this.value(x));
        return a !== UNKNOWN && b !== UNKNOWN && String(a) === String(b);
      }
      case 'Fn::Not':
        return !this.truth(list[0], where);
      case 'Fn::And':
        return list.every((x) => this.truth(x, where));
      case 'Fn::Or':
        return list.some((x) => this.truth(x, where));
      case 'Fn::If':
        return this.truth(this.condition(String(list[0])) ? list[1] : list[2], where);
      case 'Fn::Contains': {
        const [haystack, needle] = [this.value(list[0]), this.value(list[1])];
        return Array.isArray(haystack) && haystack.map(String).includes(String(needle));
      }
      case 'Fn::EachMemberEquals': {
        const [members, v] = [this.value(list[0]), this.value(list[1])];
        return Array.isArray(members) && members.every((m) => String(m) === String(v));
      }
      case 'Fn::EachMemberIn': {
        const [members, allowed] = [this.value(list[0]), this.value(list[1])];
        return (
          Array.isArray(members) &&
          Array.isArray(allowed) &&
          members.every((m) => allowed.map(String).includes(String(m)))
        );
      }
      default:
        // Rule functions over AWS-specific parameter types (Fn::RefAll, Fn::ValueOf…) are not modelled: pass.
        return true;
    }
  }

  /** The value of an expression that depends on parameters only (UNKNOWN when it needs resources). */
  private value(node: unknown): unknown {
    return this.staticOf(this.resolve(node));
  }

  // ------------------------------------------------------------------------------------------ values

  /**
   * Resolves what does not need resources (conditions, parameters in Fn::Cidr, Fn::GetAZs), normalises the
   * rest to the long JSON form moto reads.
   */
  private resolve(node: unknown): unknown {
    if (Array.isArray(node)) {
      return node.map((item) => this.resolve(item)).filter((item) => item !== NO_VALUE);
    }
    if (!isObject(node)) return node;
    const keys = Object.keys(node);
    if (keys.length === 1) {
      const [fn, args] = single(node);
      switch (fn) {
        case 'Ref':
          if (args === 'AWS::NoValue') return NO_VALUE;
          return node;
        case 'Fn::If': {
          const list = Array.isArray(args) ? args : [];
          if (list.length !== 3)
            throw new TemplateError('Template error: Fn::If requires a list of 3 elements');
          return this.resolve(this.condition(String(list[0])) ? list[1] : list[2]);
        }
        case 'Fn::GetAtt': {
          if (typeof args === 'string') {
            const dot = args.indexOf('.');
            return { 'Fn::GetAtt': dot < 0 ? [args] : [args.slice(0, dot), args.slice(dot + 1)] };
          }
          return { 'Fn::GetAtt': this.resolve(args) };
        }
        case 'Fn::GetAZs':
          return [...this.context.availabilityZones];
        case 'Fn::ImportValue': {
          const name = this.resolve(args);
          const known = this.staticOf(name);
          if (typeof known === 'string') this.imports.add(known);
          return { 'Fn::ImportValue': name };
        }
        case 'Fn::Cidr': {
          const list = this.resolve(args);
          const [block, count, bits] = Array.isArray(list) ? list.map((x) => this.staticOf(x)) : [];
          if (block === UNKNOWN || count === UNKNOWN || bits === UNKNOWN || block === undefined) {
            return { 'Fn::Cidr': list };
          }
          return cidr(String(block), Number(count), Number(bits));
        }
        case 'Fn::Select': {
          const list = this.resolve(args);
          if (Array.isArray(list) && list.length === 2 && Array.isArray(list[1])) {
            const index = this.staticOf(list[0]);
            if (index !== UNKNOWN) {
              const items = list[1] as unknown[];
              const i = Number(index);
              if (!Number.isInteger(i) || i < 0 || i >= items.length) {
                throw new TemplateError(
                  'Template error: Fn::Select cannot select nonexistent value at index ' + String(index),
                );
              }
              return items[i];
            }
          }
          return { 'Fn::Select': list };
        }
        default:
          break;
      }
    }
    const out: Obj = {};
    for (const [key, value] of Object.entries(node)) {
      const v = this.resolve(value);
      if (v !== NO_VALUE) out[key] = v;
    }
    return out;
  }

  /** A resolved node's static value: literals, parameter Refs and pseudo parameters; else UNKNOWN. */
  private staticOf(node: unknown): unknown {
    if (node === null || ['string', 'number', 'boolean'].includes(typeof node)) return node;
    if (Array.isArray(node)) {
      const items = node.map((x) => this.staticOf(x));
      return items.includes(UNKNOWN) ? UNKNOWN : items;
    }
    if (!isObject(node)) return UNKNOWN;
    const [fn, args] = single(node);
    if (fn === 'Ref' && typeof args === 'string') {
      const pseudo = this.pseudo(args);
      if (pseudo !== undefined) return pseudo;
      const spec = this.source.Parameters?.[args] as Obj | undefined;
      const value = this.context.parameters[args];
      if (spec === undefined || value === undefined) return UNKNOWN;
      const type = String(spec.Type ?? 'String');
      return type.startsWith('List<') || type === 'CommaDelimitedList' ? value.split(',') : value;
    }
    if (fn === 'Fn::Join' && Array.isArray(args)) {
      const items = this.staticOf(args[1]);
      return Array.isArray(items) ? items.map(String).join(String(args[0])) : UNKNOWN;
    }
    if (fn === 'Fn::Split' && Array.isArray(args)) {
      const text = this.staticOf(args[1]);
      return typeof text === 'string' ? text.split(String(args[0])) : UNKNOWN;
    }
    if (fn === 'Fn::Sub') {
      const [text, vars] = Array.isArray(args) ? [args[0], (args[1] ?? {}) as Obj] : [args, {}];
      if (typeof text !== 'string') return UNKNOWN;
      let unknown = false;
      const result = text.replace(/\$\{([^}]+)\}/g, (match, name: string) => {
        if (name.startsWith('!')) return `\${${name.slice(1)}}`;
        const v = name in vars ? this.staticOf(this.resolve(vars[name])) : this.staticOf({ Ref: name });
        if (v === UNKNOWN || typeof v === 'object') {
          unknown = true;
          return match;
        }
        return String(v);
      });
      return unknown ? UNKNOWN : result;
    }
    if (fn === 'Fn::FindInMap' && Array.isArray(args)) {
      const path = args.map((x) => this.staticOf(x));
      if (path.includes(UNKNOWN)) return UNKNOWN;
      let at: unknown = this.source.Mappings;
      for (const key of path) at = isObject(at) ? at[String(key)] : undefined;
      return at === undefined ? UNKNOWN : at;
    }
    return UNKNOWN;
  }

  private pseudo(name: string): string | undefined {
    const c = this.context;
    switch (name) {
      case 'AWS::Region':
        return c.region;
      case 'AWS::AccountId':
        return c.accountId;
      case 'AWS::StackName':
        return c.stackName;
      case 'AWS::StackId':
        return c.stackId;
      case 'AWS::Partition':
        return c.region.startsWith('cn-') ? 'aws-cn' : c.region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
      case 'AWS::URLSuffix':
        return c.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
      default:
        return undefined;
    }
  }
}

// ------------------------------------------------------------------------------------------ helpers

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function single(node: Obj): [string, unknown] {
  const [key] = Object.keys(node);
  return [key ?? '', key === undefined ? undefined : node[key]];
}

/** Logical ids a compiled resource refers to through Ref and Fn::GetAtt (Properties and Metadata). */
function referencedIds(resource: Obj): Set<string> {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(walk);
      return;
    }
    if (!isObject(v)) return;
    for (const [key, inner] of Object.entries(v)) {
      if (key === 'Ref' && typeof inner === 'string' && !inner.startsWith('AWS::')) found.add(inner);
      else if (key === 'Fn::GetAtt' && Array.isArray(inner) && typeof inner[0] === 'string')
        found.add(inner[0]);
      else walk(inner);
    }
  };
  walk(resource.Properties);
  walk(resource.Metadata);
  return found;
}

/**
 * Fn::Cidr as AWS computes it: `count` consecutive blocks of 2^bits addresses each, from the start of
 * `block` (IPv4 only here; an IPv6 block is left for moto, which refuses it).
 */
export function cidr(block: string, count: number, bits: number): string[] {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(block);
  if (!match) throw new TemplateError(`Template error: Fn::Cidr: ${block} is not a valid IPv4 CIDR block`);
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) {
    throw new TemplateError(`Template error: Fn::Cidr: ${block} is not a valid IPv4 CIDR block`);
  }
  if (!Number.isInteger(count) || count < 1 || count > 256) {
    throw new TemplateError('Template error: Fn::Cidr: count must be between 1 and 256');
  }
  const subnetPrefix = 32 - bits;
  if (!Number.isInteger(bits) || bits < 0 || subnetPrefix < prefix) {
    throw new TemplateError(`Template error: Fn::Cidr: cidrBits ${bits} does not fit in ${block}`);
  }
  const base = octets.reduce((n, o) => n * 256 + o, 0);
  const network = base - (base % 2 ** (32 - prefix));
  const size = 2 ** bits;
  if (count * size > 2 ** (32 - prefix)) {
    throw new TemplateError(
      `Template error: Fn::Cidr: ${count} blocks of /${subnetPrefix} do not fit in ${block}`,
    );
  }
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let n = network + i * size;
    const parts: number[] = [];
    for (let k = 0; k < 4; k++) {
      parts.unshift(n % 256);
      n = Math.floor(n / 256);
    }
    out.push(`${parts.join('.')}/${subnetPrefix}`);
  }
  return out;
}
