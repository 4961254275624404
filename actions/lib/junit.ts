// JUnit XML reports (vitest, jest-junit, pytest, go-junit-report and others of the same shape) parsed into
// suites and test cases, and the place each failure points at (file and line) found from the testcase's
// `file`/`line` attributes or its stack trace, relative to the workspace.
import { existsSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export type TestStatus = 'passed' | 'failed' | 'error' | 'skipped';

export interface TestCaseResult {
  suite: string;
  classname?: string;
  name: string;
  status: TestStatus;
  /** Seconds. */
  time?: number;
  /** The failure's one-line message (the `message` attribute, else the first line of the text). */
  message?: string;
  /** The failure's full text (assertion diff, stack trace). */
  details?: string;
  /** The `file` and `line` attributes, when the runner writes them. */
  file?: string;
  line?: number;
}

export interface TestSuiteResult {
  name: string;
  /** Seconds. */
  time?: number;
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
  cases: TestCaseResult[];
}

export interface JUnitReport {
  /** The report file, as given. */
  path: string;
  /** What wrote it, when it can be told: vitest, jest, pytest, go. */
  producer?: 'vitest' | 'jest' | 'pytest' | 'go';
  suites: TestSuiteResult[];
}

export interface TestTotals {
  tests: number;
  passed: number;
  /** Failures plus errors. */
  failed: number;
  skipped: number;
}

/** A report that is not well-formed XML or not JUnit. */
export class JUnitParseError extends Error {
  override readonly name = 'JUnitParseError';
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(`${path}${line ? `:${line}${column ? `:${column}` : ''}` : ''}: ${reason}`);
  }
}

type XmlNode = Record<string, unknown>;

const ARRAY_TAGS = new Set(['testsuite', 'testcase', 'failure', 'error', 'skipped', 'property']);

export function parseJUnit(xml: string, path: string): JUnitReport {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new JUnitParseError(path, `not well-formed XML: ${valid.err.msg}`, valid.err.line, valid.err.col);
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    textNodeName: '#text',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    processEntities: true,
    // Character references (pytest writes a newline in `message` as &#10;) are decoded too, not only the
    // five named XML entities; `&amp;#10;` stays the literal text `&#10;`.
    htmlEntities: true,
    isArray: (name) => ARRAY_TAGS.has(name),
  });
  const doc = parser.parse(xml) as XmlNode;
  const root = (doc.testsuites ?? undefined) as XmlNode | undefined;
  const topSuites = root ? asArray(root.testsuite) : asArray(doc.testsuite);
  if (!root && topSuites.length === 0) {
    const element = Object.keys(doc).find((k) => !k.startsWith('?')) ?? 'nothing';
    throw new JUnitParseError(path, `not a JUnit report: the root element is <${element}>, not <testsuites>`);
  }
  const suites: TestSuiteResult[] = [];
  for (const suite of topSuites) collectSuite(suite, suites, undefined);
  const rootName = str(root?.['@name']);
  return { path, producer: detectProducer(rootName, suites), suites };
}

function collectSuite(node: XmlNode, into: TestSuiteResult[], parentName: string | undefined): void {
  const ownName = str(node['@name']) ?? '(unnamed suite)';
  const name = parentName ? `${parentName} › ${ownName}` : ownName;
  const cases = asArray(node.testcase).map((tc) => toCase(tc, name));
  if (cases.length > 0 || asArray(node.testsuite).length === 0) {
    into.push({
      name,
      time: num(node['@time']),
      passed: cases.filter((c) => c.status === 'passed').length,
      failed: cases.filter((c) => c.status === 'failed').length,
      errors: cases.filter((c) => c.status === 'error').length,
      skipped: cases.filter((c) => c.status === 'skipped').length,
      cases,
    });
  }
  for (const child of asArray(node.testsuite)) collectSuite(child, into, name);
}

function toCase(node: XmlNode, suite: string): TestCaseResult {
  const failure = asArray(node.failure)[0];
  const error = asArray(node.error)[0];
  const skipped = asArray(node.skipped)[0];
  const problem = failure ?? error;
  const status: TestStatus = failure
    ? 'failed'
    : error
      ? 'error'
      : skipped !== undefined
        ? 'skipped'
        : 'passed';
  const result: TestCaseResult = {
    suite,
    classname: str(node['@classname']),
    name: str(node['@name']) ?? '(unnamed test)',
    status,
    time: num(node['@time']),
    file: str(node['@file']),
    line: int(node['@line']),
  };
  if (problem !== undefined) {
    const details = textOf(problem)
      .replace(/^\s*\n/, '')
      .trimEnd();
    const attr = typeof problem === 'object' ? str((problem as XmlNode)['@message']) : undefined;
    const firstLine = details
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '' && !/^●/.test(l));
    result.message = (attr?.trim() || firstLine || (status === 'error' ? 'error' : 'failed')).trim();
    if (details) result.details = details;
  } else if (skipped !== undefined && typeof skipped === 'object') {
    const reason = str((skipped as XmlNode)['@message']);
    if (reason) result.message = reason;
  }
  return result;
}

function detectProducer(rootName: string | undefined, suites: TestSuiteResult[]): JUnitReport['producer'] {
  if (rootName === 'vitest tests') return 'vitest';
  if (rootName === 'jest tests') return 'jest';
  if (rootName === 'pytest tests' || suites.some((s) => s.name === 'pytest')) return 'pytest';
  const cases = suites.flatMap((s) => s.cases);
  const goLike = (c: TestCaseResult) =>
    /^(Test|Example|Fuzz|\[build failed\])/.test(c.name) && /^[\w.-]+(\/[\w.-]+)+$/.test(c.classname ?? '');
  if (cases.length > 0 && cases.every(goLike)) return 'go';
  return undefined;
}

export function totals(reports: JUnitReport[]): TestTotals {
  const all = reports.flatMap((r) => r.suites);
  const passed = sum(all.map((s) => s.passed));
  const failed = sum(all.map((s) => s.failed + s.errors));
  const skipped = sum(all.map((s) => s.skipped));
  return { tests: passed + failed + skipped, passed, failed, skipped };
}

// --- Where a failure points -------------------------------------------------------------------------------

export interface SourceLocation {
  /** Relative to the workspace, with forward slashes. */
  file: string;
  line: number;
  column?: number;
}

export interface LocateContext {
  workspace: string;
  /** Where the tests ran (paths in reports are often relative to it). */
  baseDir: string;
  producer?: JUnitReport['producer'];
}

// `path:line` or `path:line:col`, the path ending in a file extension; a URL-ish `file://` prefix is allowed.
const LOCATION =
  /(?:file:\/\/)?((?:[A-Za-z]:)?[^\s():'"`<>|,]*[^\s():'"`<>|,/\\]\.[A-Za-z][A-Za-z0-9]{0,9}):(\d+)(?::(\d+))?/g;

/** Candidate `file:line` locations in a failure's text, in order of appearance. */
export function locationsIn(text: string): Array<{ path: string; line: number; column?: number }> {
  const found: Array<{ path: string; line: number; column?: number }> = [];
  for (const match of text.matchAll(LOCATION)) {
    const [whole, raw, line, column] = match as unknown as [string, string, string, string | undefined];
    const path = whole.startsWith('file://') ? safeDecode(raw) : raw;
    if (/(^|[/\\])node_modules[/\\]|^node:/.test(path)) continue;
    found.push({ path, line: Number(line), column: column ? Number(column) : undefined });
  }
  return found;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The source location a failed test points at: a location from its stack trace in the test's own file
 * (the assertion that failed) when there is one, else the testcase's file/line attributes, else the first
 * stack location that exists in the workspace. `undefined` when nothing resolves to a file in the workspace.
 */
export function locateFailure(testCase: TestCaseResult, context: LocateContext): SourceLocation | undefined {
  const attrFile = testCase.file ? resolveSource(testCase.file, testCase, context) : undefined;
  const ownFile = attrFile ?? guessTestFile(testCase, context);
  const candidates = locationsIn(`${testCase.details ?? ''}\n${testCase.message ?? ''}`);
  const resolved = candidates
    .map((c) => ({ ...c, file: resolveSource(c.path, testCase, context) }))
    .filter((c): c is { path: string; line: number; column?: number; file: string } => c.file !== undefined);
  const inOwnFile = ownFile ? resolved.find((c) => c.file === ownFile) : undefined;
  const pick = inOwnFile ?? (attrFile ? undefined : resolved[0]);
  if (pick) return { file: pick.file, line: pick.line, column: pick.column };
  if (attrFile) {
    // pytest writes a 0-based line (the test function's definition); every other runner a 1-based one.
    const line = testCase.line === undefined ? 1 : testCase.line + (context.producer === 'pytest' ? 1 : 0);
    return { file: attrFile, line: Math.max(1, line) };
  }
  return undefined;
}

/** The test's own file when the runner does not write a `file` attribute but names it otherwise. */
function guessTestFile(testCase: TestCaseResult, context: LocateContext): string | undefined {
  const names = [testCase.classname, testCase.suite].filter((n): n is string => !!n);
  for (const name of names) {
    if (/\.[A-Za-z]{1,5}$/.test(name) && /[/\\]/.test(name)) {
      const file = resolveSource(name, testCase, context);
      if (file) return file;
    }
    // pytest: tests.test_orders.TestRefunds → tests/test_orders.py
    if (context.producer === 'pytest' && /^[\w.]+$/.test(name)) {
      const parts = name.split('.');
      for (let n = parts.length; n > 0; n--) {
        const file = resolveSource(`${parts.slice(0, n).join('/')}.py`, testCase, context);
        if (file) return file;
      }
    }
  }
  return undefined;
}

/** `path` (absolute, relative to where the tests ran, or package-relative as Go prints it) → workspace-relative. */
export function resolveSource(
  path: string,
  testCase: Pick<TestCaseResult, 'classname'>,
  context: LocateContext,
): string | undefined {
  const workspace = resolve(context.workspace);
  const tryPath = (absolute: string) => (isFile(absolute) ? toWorkspace(absolute, workspace) : undefined);
  if (isAbsolute(path)) {
    const inside = toWorkspace(resolve(path), workspace);
    if (inside !== undefined && isFile(resolve(path))) return inside;
    // Written on another machine or in a container (/home/runner/work/x/x/src/a.ts, /app/src/a.ts): the
    // longest tail of the path that exists in the workspace.
    const parts = resolve(path)
      .split(/[/\\]+/)
      .filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const tail = parts.slice(i);
      if (tail.includes('node_modules')) continue;
      for (const base of [context.baseDir, workspace]) {
        const found = tryPath(join(base, ...tail));
        if (found) return found;
      }
    }
    return undefined;
  }
  for (const base of [context.baseDir, workspace]) {
    const found = tryPath(resolve(base, path));
    if (found) return found;
  }
  // Go prints paths relative to the package folder (orders_test.go:27); the classname is the import path
  // (github.com/acme/notes/internal/orders): try the import path's trailing folders.
  const pkg = testCase.classname;
  if (pkg && /^[\w.-]+(\/[\w.-]+)+$/.test(pkg) && !/[/\\]/.test(path)) {
    const parts = pkg.split('/');
    for (let i = parts.length - 1; i >= 0; i--) {
      for (const base of [context.baseDir, workspace]) {
        const found = tryPath(join(base, ...parts.slice(i), basename(path)));
        if (found) return found;
      }
    }
  }
  return undefined;
}

function toWorkspace(absolute: string, workspace: string): string | undefined {
  const rel = relative(workspace, absolute);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

function isFile(path: string): boolean {
  try {
    return existsSync(path) && statSync(path).isFile();
  } catch {
    return false;
  }
}

// --- Helpers ---------------------------------------------------------------------------------------------

function asArray(value: unknown): XmlNode[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map((v) =>
    typeof v === 'object' && v ? v : { '#text': v },
  );
}

function textOf(node: unknown): string {
  if (node === undefined || node === null) return '';
  if (typeof node !== 'object') return String(node);
  const text = (node as XmlNode)['#text'];
  if (Array.isArray(text)) return text.join('');
  return text === undefined ? '' : String(text);
}

function str(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value);
  return text === '' ? undefined : text;
}

function num(value: unknown): number | undefined {
  const n = Number(value);
  return value === undefined || value === '' || !Number.isFinite(n) ? undefined : n;
}

function int(value: unknown): number | undefined {
  const n = num(value);
  return n === undefined ? undefined : Math.trunc(n);
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
