// test: runs the project's tests with live output, reads its JUnit reports into a job summary and
// annotations at file and line, audits the dependencies (npm audit), and exits with the command's status.
import { readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import type { AuditReport, AuditUnavailable, Severity } from '../../lib/audit.js';
import { appendSummary, log, quote, setOutputs } from '../../lib/core.js';
import { ActionError, ConfigurationError } from '../../lib/errors.js';
import { execShell } from '../../lib/exec.js';
import { type InputReader, parseInputs } from '../../lib/inputs.js';
import { isInside, resolveInWorkspace, workspaceRoot } from '../../lib/paths.js';
import { runAction } from '../../lib/run.js';
import { code } from '../../lib/summary.js';
import {
  type AuditOutcome,
  type Failure,
  type ReportsOutcome,
  type RunOutcome,
  renderSummary,
  testTitle,
} from './report.js';

export const ACTION = 'test';
const AUDIT_LEVELS = ['low', 'moderate', 'high', 'critical'] as const;
/** GitHub shows at most 10 error annotations per step; one is kept for the step's own failure line. */
const MAX_FAILURE_ANNOTATIONS = 9;

export interface Inputs {
  command: string;
  workingDirectory: string;
  junit: string[];
  audit: 'npm' | 'off';
  auditLevel: (typeof AUDIT_LEVELS)[number];
  auditReport?: string;
}

export function readInputs(): Inputs {
  return parseInputs(ACTION, (input) => {
    const audit = input.oneOf('audit', ['npm', 'off'] as const, 'npm');
    const auditReport = input.optional('audit-report');
    if (audit === 'off' && auditReport !== undefined) {
      input.problem('audit-report', 'is given but audit is off; remove one of them');
    }
    return {
      command: input.required('command', 'the command that runs the tests, e.g. npm test'),
      workingDirectory: input.optional('working-directory') ?? '.',
      junit: junitPatterns(input),
      audit,
      auditLevel: input.oneOf('audit-level', AUDIT_LEVELS, 'high'),
      auditReport,
    };
  });
}

/** Longer than any path a file system accepts (PATH_MAX is 4096 on Linux): not a pattern, a mistake. */
const MAX_PATTERN_LENGTH = 4096;

function junitPatterns(input: InputReader): string[] {
  const patterns = input.lines('junit');
  for (const pattern of patterns) {
    if (pattern.length > MAX_PATTERN_LENGTH) {
      input.problem(
        'junit',
        `the pattern ${quote(pattern)} is ${pattern.length} characters long; give glob patterns of report files (up to ${MAX_PATTERN_LENGTH} characters each), e.g. reports/junit.xml or **/junit-*.xml`,
      );
    }
  }
  return patterns;
}

export async function run(): Promise<void> {
  let commandStatus = 0;
  await runAction(ACTION, async ({ signal }) => {
    const inputs = readInputs();
    const workspace = workspaceRoot();
    const inWorkspace = resolveInWorkspace(inputs.workingDirectory, { root: workspace });
    if (inWorkspace.problem !== undefined) {
      throw new ConfigurationError(`${ACTION}: working-directory: ${inWorkspace.problem}`);
    }
    const dir = inWorkspace.path;
    if (!isDirectory(dir)) {
      throw new ConfigurationError(
        `${ACTION}: working-directory: "${inputs.workingDirectory}" is not a folder (looked for ${dir}); give a path relative to the workspace`,
      );
    }

    const outcome: RunOutcome = { command: inputs.command, dir: display(workspace, dir) } as RunOutcome;
    log.info(`Running \`${inputs.command}\` in ${outcome.dir}`);
    const started = Date.now();
    const result = await execShell(inputs.command, {
      cwd: dir,
      env: childEnv(),
      signal,
      captureLimit: 0,
      notFoundHint: 'No shell was found on the runner.',
    });
    if (result.cancelled)
      throw new ActionError(`${ACTION}: cancelled while \`${inputs.command}\` was running`);
    commandStatus = result.status;
    outcome.status = result.status;
    outcome.signal = result.signal ?? undefined;
    outcome.durationMs = result.durationMs;
    log.info(`\`${inputs.command}\` exited with ${describeExit(result.status, result.signal)}`);

    const reports = await readReports(inputs.junit, dir, workspace, started);
    outcome.junit = reports;
    outcome.audit = await audit(inputs, dir, workspace, signal);

    reports.notAnnotated = annotate(reports.failures);
    setOutputs({
      passed: reports.totals?.passed,
      failed: reports.totals?.failed,
      skipped: reports.totals?.skipped,
      vulnerabilities: outcome.audit.report ? JSON.stringify(outcome.audit.report.counts) : undefined,
      'audit-status': outcome.audit.status,
    });
    await appendSummary(renderSummary(outcome));

    const problems: string[] = [];
    if (result.status !== 0) {
      const failed = reports.totals?.failed;
      problems.push(
        `\`${inputs.command}\` exited with ${describeExit(result.status, result.signal)}${failed ? ` (${failed} failed ${failed === 1 ? 'test' : 'tests'})` : ''}`,
      );
    } else if (reports.totals && reports.totals.failed > 0) {
      log.warning(
        `\`${inputs.command}\` exited with 0 but the JUnit reports list ${reports.totals.failed} failed tests: does the command hide the test runner's exit status (e.g. \`|| true\`)?`,
      );
    }
    if (outcome.audit.status === 'failed' && outcome.audit.report) {
      problems.push(
        `npm audit found ${describeGate(outcome.audit.report, inputs.auditLevel, outcome.audit.atOrAbove ?? 0)}`,
      );
    }
    if (outcome.audit.missingReport) problems.push(outcome.audit.missingReport);
    if (problems.length > 0) {
      throw new ActionError(`${ACTION}: ${problems.join('; ')}`, {
        hint:
          outcome.audit.status === 'failed'
            ? `Upgrade the packages listed in the job summary (npm audit fix), or raise audit-level if the risk is accepted.`
            : undefined,
      });
    }
    log.info(
      `${ACTION}: passed${reports.totals ? ` (${reports.totals.passed} passed, ${reports.totals.skipped} skipped)` : ''}; audit ${outcome.audit.status}`,
    );
  });
  // The step ends with the command's own status (GitHub only tells zero from non-zero, scripts may not).
  if (commandStatus !== 0) process.exitCode = commandStatus;
}

// --- JUnit --------------------------------------------------------------------------------------------------

async function readReports(
  patterns: string[],
  dir: string,
  workspace: string,
  startedAt: number,
): Promise<ReportsOutcome> {
  const outcome: ReportsOutcome = { patterns, files: [], reports: [], failures: [], warnings: [] };
  if (patterns.length === 0) return outcome;
  const warn = (message: string, file?: string) => {
    outcome.warnings.push(message);
    log.warning(message, file ? { file, title: 'JUnit report' } : { title: 'JUnit report' });
  };
  const [{ findFiles }, junit] = await Promise.all([
    import('../../lib/glob.js'),
    import('../../lib/junit.js'),
  ]);
  const matched = await findFiles(patterns, { cwd: dir });
  outcome.files = matched.filter((file) => isInside(workspace, file));
  if (outcome.files.length < matched.length) {
    warn(
      `${matched.length - outcome.files.length} file(s) matching ${patterns.map((p) => code(p)).join(', ')} are outside the workspace (${workspace}) and were not read: reports must be inside the repository checkout.`,
    );
  }
  if (outcome.files.length === 0) {
    warn(
      `No JUnit report matched ${patterns.map((p) => `\`${p}\``).join(', ')} in ${display(workspace, dir)}: check the test runner writes one there (vitest --reporter=junit --outputFile=…, jest-junit, pytest --junitxml=…, go-junit-report) — or that it ran at all.`,
    );
    return outcome;
  }
  for (const file of outcome.files) {
    const shown = display(workspace, file);
    try {
      if (statSync(file).mtimeMs < startedAt - 2000) {
        warn(`${shown} was written before the command ran: it may be left over from an earlier run.`, shown);
      }
      outcome.reports.push(junit.parseJUnit(readFileSync(file, 'utf8'), shown));
    } catch (error) {
      if (error instanceof junit.JUnitParseError) {
        warn(`JUnit report ${error.message}; it was left out of the results.`, shown);
      } else {
        warn(`JUnit report ${shown} could not be read: ${(error as Error).message}`, shown);
      }
    }
  }
  if (outcome.reports.length === 0) return outcome;
  outcome.totals = junit.totals(outcome.reports);
  for (const report of outcome.reports) {
    for (const suite of report.suites) {
      for (const testCase of suite.cases) {
        if (testCase.status !== 'failed' && testCase.status !== 'error') continue;
        const location = junit.locateFailure(testCase, {
          workspace,
          baseDir: dir,
          producer: report.producer,
        });
        outcome.failures.push({ testCase, location });
      }
    }
  }
  log.info(
    `JUnit: ${outcome.reports.length} report(s): ${outcome.totals.passed} passed, ${outcome.totals.failed} failed, ${outcome.totals.skipped} skipped`,
  );
  return outcome;
}

/** Annotates the first failures at their file and line; returns how many were left without an annotation. */
function annotate(failures: Failure[]): number {
  for (const { testCase, location } of failures.slice(0, MAX_FAILURE_ANNOTATIONS)) {
    const title = testTitle(testCase);
    const body = [testCase.message, excerpt(testCase.details, testCase.message)].filter(Boolean).join('\n\n');
    log.error(body || `${title} failed`, {
      title: `${testCase.status === 'error' ? 'Error' : 'Failed'}: ${title}`,
      file: location?.file,
      startLine: location?.line,
      startColumn: location?.column,
    });
  }
  const rest = Math.max(failures.length - MAX_FAILURE_ANNOTATIONS, 0);
  if (rest > 0) {
    log.info(
      `${rest} more failed ${rest === 1 ? 'test is' : 'tests are'} not annotated (GitHub shows at most 10 error annotations per step; the first ${MAX_FAILURE_ANNOTATIONS} are annotated): see the job summary.`,
    );
  }
  return rest;
}

/** The failure text minus the message it repeats, at most 30 lines. */
function excerpt(details: string | undefined, message: string | undefined): string | undefined {
  if (!details) return undefined;
  let lines = details.trimEnd().split('\n');
  // Most runners start the text with the message again (vitest: "AssertionError: <message>").
  const first = lines.findIndex((l) => l.trim() !== '');
  if (message && first >= 0 && lines[first]?.includes(message.split('\n')[0] ?? message))
    lines = lines.slice(first + 1);
  while (lines.length > 0 && lines[0]?.trim() === '') lines.shift();
  if (lines.join('').trim() === '') return undefined;
  return lines.length > 30 ? `${lines.slice(0, 30).join('\n')}\n…` : lines.join('\n');
}

// --- Audit --------------------------------------------------------------------------------------------------

async function audit(
  inputs: Inputs,
  dir: string,
  workspace: string,
  signal: AbortSignal,
): Promise<AuditOutcome> {
  const level = inputs.auditLevel;
  if (inputs.audit === 'off') return { status: 'skipped', level, reason: 'audit is off' };
  const lib = await import('../../lib/audit.js');
  let result: AuditReport | AuditUnavailable;
  let source: string;
  if (inputs.auditReport !== undefined) {
    const inWorkspace = resolveInWorkspace(inputs.auditReport, { base: dir, root: workspace });
    if (inWorkspace.problem !== undefined) {
      // Never read (and never echo a line of) a file outside the checkout.
      const message = `audit-report: ${inWorkspace.problem}`;
      log.error(`${ACTION}: ${message}`);
      return { status: 'failed', level, reason: message, missingReport: `${ACTION}: ${message}` };
    }
    const path = inWorkspace.path;
    source = display(workspace, path);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      const message = `audit-report: ${source} does not exist (the path is relative to working-directory)`;
      log.error(`${ACTION}: ${message}`);
      return {
        status: 'unavailable',
        level,
        source,
        reason: message,
        missingReport: `${ACTION}: ${message}`,
      };
    }
    result = lib.parseNpmAudit(text);
    if (result.kind === 'unavailable' && result.unreadable) {
      // A saved report that is not an audit report proves nothing: the step fails rather than pass unchecked.
      const message = `audit-report: ${source} cannot be read as an npm audit report: ${result.reason}. ${result.hint}`;
      log.error(`${ACTION}: ${message}`, { title: 'Dependency audit', file: source });
      return {
        status: 'failed',
        level,
        source,
        reason: result.reason,
        hint: result.hint,
        missingReport: `${ACTION}: audit-report: ${source} cannot be read as an npm audit report (${result.reason})`,
      };
    }
  } else {
    if (!lib.isNpmProject(dir)) {
      const reason = `no package.json in ${display(workspace, dir)}, so there is nothing for npm audit to check`;
      log.warning(`Dependency audit skipped: ${reason}. Set audit: off to silence this.`, {
        title: 'Dependency audit',
      });
      return { status: 'skipped', level, reason };
    }
    source = '`npm audit --json`';
    log.info(`Running npm audit in ${display(workspace, dir)}`);
    const audited = await lib.runNpmAudit({ cwd: dir, signal });
    if (signal.aborted) throw new ActionError(`${ACTION}: cancelled while npm audit was running`);
    result = audited.result;
    if (result.kind === 'unavailable' && audited.stderr.trim()) {
      await log.group('npm audit output', async () => log.info(audited.stderr.trimEnd()));
    }
  }
  if (result.kind === 'unavailable') {
    log.warning(
      `Dependency audit unavailable: ${result.reason}. ${result.hint} The dependencies were NOT checked.`,
      {
        title: 'Dependency audit unavailable',
      },
    );
    return {
      status: 'unavailable',
      level,
      source,
      reason: result.reason,
      hint: result.hint,
      code: result.code,
    };
  }
  const atOrAbove = lib.countAtOrAbove(result.counts, level as Severity);
  const status = atOrAbove > 0 ? 'failed' : 'passed';
  log.info(
    `npm audit: ${result.counts.total} vulnerabilities (${lib.SEVERITIES.map((s) => `${result.counts[s]} ${s}`).join(', ')}); ${atOrAbove} at or above ${level}`,
  );
  return { status, level, source, report: result, atOrAbove };
}

function describeGate(report: AuditReport, level: string, atOrAbove: number): string {
  const rank = (severity: string) => (AUDIT_LEVELS as readonly string[]).indexOf(severity);
  const parts = (['critical', 'high', 'moderate', 'low'] as const)
    .filter((s) => report.counts[s] > 0 && rank(s) >= rank(level))
    .map((s) => `${report.counts[s]} ${s}`);
  return `${atOrAbove} ${atOrAbove === 1 ? 'vulnerability' : 'vulnerabilities'} at or above audit-level ${level} (${parts.join(', ')})`;
}

// --- Helpers ------------------------------------------------------------------------------------------------

/** The command's environment: the step's, without the action's own INPUT_* variables (a `run:` step has none). */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('INPUT_')) env[name] = value;
  return env;
}

export function describeExit(status: number, signal: NodeJS.Signals | null | undefined): string {
  return signal ? `status ${status} (killed by ${signal})` : `status ${status}`;
}

function display(workspace: string, path: string): string {
  const rel = relative(workspace, path);
  if (rel === '') return '.';
  return rel.startsWith('..') ? path : rel.split('\\').join('/');
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
