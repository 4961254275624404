// The test action's job summary: the command's result, tests per suite, the failures with where they point,
// and the dependency audit by severity.
import type { AuditReport, Severity } from '../../lib/audit.js';
import { readRunContext } from '../../lib/context.js';
import { formatDuration } from '../../lib/inputs.js';
import type { JUnitReport, TestCaseResult } from '../../lib/junit.js';
import { code, codeBlock, details, escapeMarkdown, link, raw, table } from '../../lib/summary.js';

export interface Failure {
  testCase: TestCaseResult;
  location?: { file: string; line: number; column?: number };
}

export interface ReportsOutcome {
  patterns: string[];
  files: string[];
  reports: JUnitReport[];
  totals?: { tests: number; passed: number; failed: number; skipped: number };
  failures: Failure[];
  /** Failures past the ones annotated (GitHub shows at most 10 error annotations per step). */
  notAnnotated?: number;
  warnings: string[];
}

export type AuditStatus = 'passed' | 'failed' | 'unavailable' | 'skipped';

export interface AuditOutcome {
  status: AuditStatus;
  level: string;
  /** Where the report came from: the audit run, or the audit-report file. */
  source?: string;
  reason?: string;
  hint?: string;
  code?: string;
  report?: AuditReport;
  atOrAbove?: number;
  /** Set when the audit-report file is missing: a configuration mistake that fails the step. */
  missingReport?: string;
}

export interface RunOutcome {
  command: string;
  dir: string;
  status: number;
  signal?: string;
  durationMs: number;
  junit: ReportsOutcome;
  audit: AuditOutcome;
}

const MAX_SUITES = 100;
const MAX_FAILURES = 50;
const MAX_FINDINGS = 100;
const MAX_DETAIL_LINES = 40;

export function renderSummary(outcome: RunOutcome): string {
  const { junit, audit } = outcome;
  const ok = outcome.status === 0 && audit.status !== 'failed' && !audit.missingReport;
  const parts: string[] = [];
  parts.push(`## ${ok ? '✅' : '❌'} Tests\n`);
  const rows: Array<[string, unknown]> = [
    ['Command', raw(`${code(outcome.command)} in ${code(outcome.dir)}`)],
    [
      'Result',
      `${outcome.status === 0 ? '✅' : '❌'} exited with status ${outcome.status}${outcome.signal ? ` (${outcome.signal})` : ''} after ${formatDuration(outcome.durationMs)}`,
    ],
  ];
  if (junit.totals) {
    const t = junit.totals;
    rows.push([
      'Tests',
      `${t.passed} passed · ${t.failed} failed · ${t.skipped} skipped (${junit.reports.length} ${junit.reports.length === 1 ? 'report' : 'reports'})`,
    ]);
  } else if (junit.patterns.length > 0) {
    rows.push(['Tests', '⚠️ no readable JUnit report']);
  }
  rows.push(['Dependency audit', auditHeadline(audit)]);
  parts.push(table(['Check', 'Result'], rows));

  if (junit.warnings.length > 0) {
    parts.push(junit.warnings.map((w) => `> ⚠️ ${escapeMarkdown(w)}`).join('\n>\n'), '\n');
  }
  if (junit.reports.length > 0) parts.push(renderSuites(junit));
  if (junit.failures.length > 0) parts.push(renderFailures(junit.failures, junit.notAnnotated));
  parts.push(renderAudit(audit));
  return `${parts.join('\n')}\n`;
}

function renderSuites(junit: ReportsOutcome): string {
  const suites = junit.reports.flatMap((r) => r.suites);
  const rows = suites
    .slice(0, MAX_SUITES)
    .map((s) => [
      raw(
        `${s.failed + s.errors > 0 ? '❌' : s.passed === 0 && s.skipped > 0 ? '⏭️' : '✅'} ${escapeMarkdown(s.name)}`,
      ),
      s.passed,
      s.failed + s.errors,
      s.skipped,
      s.time === undefined ? '' : formatSeconds(s.time),
    ]);
  const more = suites.length > MAX_SUITES ? `\n_${suites.length - MAX_SUITES} more suites not shown._\n` : '';
  return `### Suites\n\n${table(['Suite', 'Passed', 'Failed', 'Skipped', 'Time'], rows)}${more}`;
}

function renderFailures(failures: Failure[], notAnnotated?: number): string {
  const context = readRunContext();
  const blob = (file: string, line: number) =>
    context.repository && context.sha
      ? `${context.serverUrl}/${context.repository}/blob/${context.sha}/${file}#L${line}`
      : undefined;
  const items = failures.slice(0, MAX_FAILURES).map(({ testCase, location }) => {
    const where = location
      ? ` — ${link(`${location.file}:${location.line}`, blob(location.file, location.line))}`
      : '';
    const kind = testCase.status === 'error' ? 'error' : 'failed';
    const heading = `**❌ ${escapeMarkdown(testTitle(testCase))}** (${kind})${where}`;
    const message = testCase.message
      ? `\n\n${testCase.message
          .split('\n')
          .slice(0, 5)
          .map((l) => `> ${escapeMarkdown(l)}`)
          .join('\n')}`
      : '';
    const body = testCase.details
      ? `\n\n${details('Details', codeBlock(clip(testCase.details), 'text'))}`
      : '\n';
    return `${heading}${message}${body}`;
  });
  const more =
    failures.length > MAX_FAILURES ? `\n_${failures.length - MAX_FAILURES} more failures not shown._\n` : '';
  const annotated = failures.length - (notAnnotated ?? 0);
  const note = notAnnotated
    ? `_The first ${annotated} failures are annotated at their file and line; ${notAnnotated} more are not (GitHub shows at most 10 error annotations per step)._\n\n`
    : '';
  return `### Failures (${failures.length})\n\n${note}${items.join('\n')}${more}`;
}

function auditHeadline(audit: AuditOutcome): string {
  switch (audit.status) {
    case 'skipped':
      return `⏭️ skipped: ${audit.reason ?? 'audit is off'}`;
    case 'unavailable':
      return `⚠️ unavailable: ${audit.reason ?? 'no report'} — the dependencies were not checked`;
    case 'passed':
      return `✅ passed: no vulnerabilities at or above ${audit.level}${audit.report && audit.report.counts.total > 0 ? ` (${countsText(audit.report)} below it)` : ''}`;
    case 'failed':
      if (!audit.report) return `❌ failed: ${audit.reason ?? 'no report'}`;
      return `❌ failed: ${audit.atOrAbove} at or above ${audit.level} (${audit.report ? countsText(audit.report) : ''})`;
  }
}

const ORDER: Severity[] = ['critical', 'high', 'moderate', 'low', 'info'];
const ICON: Record<Severity, string> = { critical: '🟥', high: '🟧', moderate: '🟨', low: '🟦', info: '⬜' };

function countsText(report: AuditReport): string {
  return ORDER.filter((s) => report.counts[s] > 0)
    .map((s) => `${report.counts[s]} ${s}`)
    .join(', ');
}

function renderAudit(audit: AuditOutcome): string {
  const head = `### Dependency audit\n\n${escapeMarkdown(auditHeadline(audit))}\n`;
  if (audit.status === 'unavailable') {
    return `${head}\n${audit.hint ? `${escapeMarkdown(audit.hint)}\n` : ''}${audit.source ? `\nSource: ${escapeMarkdown(audit.source)}\n` : ''}`;
  }
  const report = audit.report;
  if (!report) return head;
  const counts = table(
    [...ORDER.map((s) => `${ICON[s]} ${s}`), 'Total'],
    [[...ORDER.map((s) => report.counts[s]), report.counts.total]],
  );
  const scanned = report.dependencies === undefined ? '' : ` (${report.dependencies} dependencies audited)`;
  if (report.findings.length === 0) return `${head}\n${counts}\nNo vulnerable packages${scanned}.\n`;
  const rows = report.findings
    .slice(0, MAX_FINDINGS)
    .map((f) => [
      raw(`${ICON[f.severity]} ${f.severity}${rank(f.severity) >= rank(audit.level) ? ' **(gate)**' : ''}`),
      raw(`${code(f.name)}${f.isDirect ? '' : ' (indirect)'}`),
      f.range,
      raw(advisoryCell(f)),
      fixText(f),
    ]);
  const more =
    report.findings.length > MAX_FINDINGS
      ? `\n_${report.findings.length - MAX_FINDINGS} more vulnerable packages not shown._\n`
      : '';
  return `${head}\n${counts}\n${table(['Severity', 'Package', 'Vulnerable versions', 'Advisory', 'Fix'], rows)}${more}${scanned ? `\n_${scanned.trim()}._\n` : ''}`;
}

function advisoryCell(finding: AuditReport['findings'][number]): string {
  const own = finding.advisories.map((a) => link(a.title, a.url));
  const via = finding.via.length > 0 ? [`via ${finding.via.map((v) => code(v)).join(', ')}`] : [];
  return [...own, ...via].join('<br>') || '—';
}

function fixText(finding: AuditReport['findings'][number]): string {
  const fix = finding.fix;
  if (!fix.available) return 'no fix available';
  if (!fix.name) return 'npm audit fix';
  const target = `${fix.name}@${fix.version}`;
  const how = fix.name === finding.name ? `upgrade to ${target}` : `upgrade ${target}`;
  return fix.semverMajor ? `${how} (semver-major: npm audit fix --force)` : `${how} (npm audit fix)`;
}

function rank(severity: string): number {
  return ['info', 'low', 'moderate', 'high', 'critical'].indexOf(severity);
}

export function testTitle(testCase: TestCaseResult): string {
  const { classname, name, suite } = testCase;
  if (classname && classname !== name && !name.startsWith(classname)) return `${classname} › ${name}`;
  if (!classname && suite && suite !== name) return `${suite} › ${name}`;
  return name;
}

function clip(text: string): string {
  const lines = text.split('\n');
  const kept = lines.length > MAX_DETAIL_LINES ? [...lines.slice(0, MAX_DETAIL_LINES), '…'] : lines;
  return kept.join('\n').slice(0, 8000);
}

function formatSeconds(seconds: number): string {
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : formatDuration(Math.round(seconds * 1000));
}
