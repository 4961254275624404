// GitHub Actions expressions evaluated with GitHub's own library (@actions/expressions), so tests and the
// e2e runner resolve `${{ … }}` exactly as the runner does, status functions included.
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';

export type Contexts = Record<string, unknown>;

/** The state the status functions read: whether an earlier step/job failed, whether the run was cancelled. */
export interface JobStatus {
  failed?: boolean;
  cancelled?: boolean;
}

interface StatusFunction {
  name: string;
  minArgs: number;
  maxArgs: number;
  call: () => data.BooleanData;
}

function statusFunctions(status: JobStatus): StatusFunction[] {
  const fn = (name: string, value: boolean): StatusFunction => ({
    name,
    minArgs: 0,
    maxArgs: 0,
    call: () => new data.BooleanData(value),
  });
  return [
    fn('success', !status.failed && !status.cancelled),
    fn('failure', Boolean(status.failed) && !status.cancelled),
    fn('cancelled', Boolean(status.cancelled)),
    fn('always', true),
  ];
}

function toData(contexts: Contexts): data.Dictionary {
  return JSON.parse(JSON.stringify(contexts), data.reviver) as data.Dictionary;
}

function run(expression: string, contexts: Contexts, status: JobStatus = {}): data.ExpressionData {
  const functions = statusFunctions(status);
  const lexed = new Lexer(expression).lex();
  const parser = new Parser(lexed.tokens, Object.keys(contexts), functions);
  const map = new Map(functions.map((f) => [f.name.toLowerCase(), f]));
  return new Evaluator(parser.parse(), toData(contexts), map).evaluate();
}

/** Evaluates one expression (without the `${{ }}`) and returns its JavaScript value. */
export function evaluate(expression: string, contexts: Contexts, status?: JobStatus): unknown {
  return JSON.parse(JSON.stringify(run(expression, contexts, status), data.replacer) ?? 'null');
}

/**
 * Evaluates an `if:` condition as the runner does: `${{ }}` optional, and a condition that calls no status
 * function is implicitly `success() && (…)`.
 */
export function evaluateCondition(
  condition: string | undefined,
  contexts: Contexts,
  status: JobStatus = {},
): boolean {
  const text = (condition ?? '').trim();
  if (text === '') return !status.failed && !status.cancelled;
  const inner = text.startsWith('${{') && text.endsWith('}}') ? text.slice(3, -2) : text;
  const usesStatus = /\b(success|failure|cancelled|always)\s*\(/.test(inner);
  const value = evaluate(usesStatus ? inner : `success() && (${inner})`, contexts, status);
  // The language's truthiness: null, false, 0, NaN and '' are false; everything else is true.
  return !(value === null || value === false || value === 0 || value === '' || Number.isNaN(value));
}

/** Replaces every `${{ … }}` in `template` with its value coerced to a string, as the runner does for `with:`. */
export function interpolate(template: string, contexts: Contexts, status?: JobStatus): string {
  return template.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expression: string) =>
    run(expression, contexts, status).coerceString(),
  );
}
