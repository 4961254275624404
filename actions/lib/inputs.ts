// Inputs are parsed once, into a typed object, before any network call. Every problem is collected so a
// user fixes all of them in one go; each reads `<action>: <input>: what is wrong and what is accepted`.
import { readRawInput } from './core.js';
import { quote, redactLine } from './echo.js';
import { ConfigurationError } from './errors.js';

export type InputSource = (name: string) => string | undefined;

const TRUE = new Set(['true', 'True', 'TRUE']);
const FALSE = new Set(['false', 'False', 'FALSE']);

export class InputReader {
  readonly problems: string[] = [];

  constructor(
    readonly action: string,
    private readonly source: InputSource,
  ) {}

  /** Records a problem with `input`; parsing continues so every problem is reported at once. */
  problem(input: string, message: string): undefined {
    this.problems.push(`${this.action}: ${input}: ${message}`);
    return undefined;
  }

  optional(name: string): string | undefined {
    return this.source(name);
  }

  required(name: string, accepted = 'a value'): string {
    const value = this.source(name);
    if (value === undefined) {
      this.problem(name, `is required; give ${accepted}`);
      return '';
    }
    return value;
  }

  /** `true`/`false` in the forms the YAML 1.2 core schema accepts, as `core.getBooleanInput` does. */
  boolean(name: string, fallback: boolean): boolean {
    const value = this.source(name);
    if (value === undefined) return fallback;
    if (TRUE.has(value)) return true;
    if (FALSE.has(value)) return false;
    this.problem(name, `${quote(value)} is not a boolean; use true or false`);
    return fallback;
  }

  integer(name: string, options: { fallback?: number; min?: number; max?: number } = {}): number | undefined {
    const value = this.source(name);
    if (value === undefined) return options.fallback;
    const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = options;
    if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      return this.problem(name, `${quote(value)} is not a whole number from ${min} to ${max}`);
    }
    return Number(value);
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T;
  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined;
  oneOf<T extends string>(name: string, values: readonly T[], fallback?: T): T | undefined {
    const value = this.source(name);
    if (value === undefined) return fallback;
    const match = values.find((v) => v.toLowerCase() === value.toLowerCase());
    if (match === undefined)
      return this.problem(name, `${quote(value)} is not one of: ${values.join(', ')}`) ?? fallback;
    return match;
  }

  /** Items separated by newlines or commas, trimmed, empty ones dropped. */
  list(name: string): string[] {
    return splitList(this.source(name) ?? '');
  }

  /** Non-empty lines, trimmed; lines starting with `#` are comments. */
  lines(name: string): string[] {
    return splitLines(this.source(name) ?? '');
  }

  /**
   * Multiline `KEY=VALUE` pairs. A value may hold `=`, commas and spaces; blank lines and `#` comments are
   * skipped. Keys must match `keyPattern`; a repeated key is an error rather than a silent override.
   */
  keyValues(name: string, keyPattern = /^[A-Za-z_][A-Za-z0-9_.-]*$/): Array<[string, string]> {
    const pairs: Array<[string, string]> = [];
    const seen = new Set<string>();
    for (const line of splitLines(this.source(name) ?? '')) {
      const eq = line.indexOf('=');
      const key = eq < 0 ? line : line.slice(0, eq).trim();
      if (eq < 0 || !keyPattern.test(key)) {
        this.problem(
          name,
          `${quote(redactLine(line))} is not KEY=VALUE (one per line; keys match ${keyPattern.source})`,
        );
        continue;
      }
      if (seen.has(key)) {
        this.problem(name, `${key} is given twice`);
        continue;
      }
      seen.add(key);
      pairs.push([key, line.slice(eq + 1).trim()]);
    }
    return pairs;
  }

  /** A duration in milliseconds: `90s`, `20m`, `1h30m`, or a bare number in `unit`. */
  duration(
    name: string,
    options: { unit: 'seconds' | 'minutes'; fallback: number; min?: number; max?: number },
  ): number {
    const value = this.source(name);
    if (value === undefined) return options.fallback;
    const ms = parseDuration(value, options.unit);
    const min = options.min ?? 0;
    const max = options.max ?? 24 * 3600_000;
    if (ms === undefined || ms < min || ms > max) {
      this.problem(
        name,
        `${quote(value)} is not a duration from ${formatDuration(min)} to ${formatDuration(max)} (a number of ${options.unit}, or e.g. 90s, 20m, 1h)`,
      );
      return options.fallback;
    }
    return ms;
  }

  url(name: string, options: { protocols?: string[] } = {}): string | undefined {
    const value = this.source(name);
    if (value === undefined) return undefined;
    const protocols = options.protocols ?? ['http:', 'https:'];
    try {
      const url = new URL(value);
      if (protocols.includes(url.protocol)) return value;
    } catch {
      // reported below
    }
    return this.problem(
      name,
      `${quote(value)} is not a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    );
  }

  /** A value that must match `pattern`; `accepted` describes the pattern to the user. */
  matching(name: string, pattern: RegExp, accepted: string, required = false): string | undefined {
    const value = required ? this.required(name, accepted) : this.source(name);
    if (value === undefined || value === '') return undefined;
    if (!pattern.test(value)) return this.problem(name, `${quote(value)} is not ${accepted}`);
    return value;
  }
}

/**
 * Parses an action's inputs with `build`, which reads them through an InputReader. Throws one
 * ConfigurationError listing every problem if any input is wrong.
 */
export function parseInputs<T>(
  action: string,
  build: (input: InputReader) => T,
  source: InputSource = readRawInput,
): T {
  const reader = new InputReader(action, source);
  const result = build(reader);
  if (reader.problems.length > 0) throw new ConfigurationError(reader.problems);
  return result;
}

export function splitList(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function splitLines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.startsWith('#'));
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3600_000 } as const;

export function parseDuration(value: string, unit: 'seconds' | 'minutes'): number | undefined {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * (unit === 'seconds' ? 1000 : 60_000));
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2] as keyof typeof UNIT_MS], 0));
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes < 60) return rest ? `${minutes}m ${rest}s` : `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours}h ${minutes % 60}m` : `${hours}h`;
}
