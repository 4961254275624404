// `npm audit --json` (npm 7+: the `vulnerabilities` map and `metadata.vulnerabilities` counts) read into
// counts and findings, and told apart from the outputs npm writes when it could not audit at all (the
// audit endpoint unreachable or refusing, no lockfile): those are "unavailable", never a passed scan.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { clip, quote, redactLine } from './echo.js';
import { execShell } from './exec.js';

export const SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export type SeverityCounts = Record<Severity, number> & { total: number };

export interface AuditAdvisory {
  title: string;
  url?: string;
  severity?: Severity;
  /** The advisory's vulnerable range of the package it is about. */
  range?: string;
}

export interface AuditFinding {
  name: string;
  severity: Severity;
  /** The vulnerable versions installed (npm's `range`). */
  range: string;
  isDirect: boolean;
  /** Advisories about this package itself. */
  advisories: AuditAdvisory[];
  /** Vulnerable dependencies it is affected through. */
  via: string[];
  fix: { available: false } | { available: true; name?: string; version?: string; semverMajor?: boolean };
}

export interface AuditReport {
  kind: 'report';
  counts: SeverityCounts;
  findings: AuditFinding[];
  /** How many dependencies were audited, when npm says. */
  dependencies?: number;
}

export interface AuditUnavailable {
  kind: 'unavailable';
  /** One line: why there is no report. */
  reason: string;
  /** npm's error code when it gave one (ENOTFOUND, ENOLOCK, …). */
  code?: string;
  hint: string;
  /**
   * The text is not an audit report at all (empty, not JSON, not npm's shape), as opposed to npm's own
   * report that the audit endpoint could not be reached. A saved audit-report like this fails the step.
   */
  unreadable?: boolean;
}

const UNREACHABLE_HINT =
  'The npm audit endpoint could not be reached from the runner: check the network, proxy and registry settings (an npm mirror that does not implement the audit endpoint gives the same result), or run the audit in a job that can reach it and pass its output as audit-report.';

export function severityRank(severity: string): number {
  return SEVERITIES.indexOf(severity as Severity);
}

export function emptyCounts(): SeverityCounts {
  return { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 0 };
}

/** How many findings are at or above `level`, from the report's counts. */
export function countAtOrAbove(counts: SeverityCounts, level: Severity): number {
  return SEVERITIES.filter((s) => severityRank(s) >= severityRank(level)).reduce((n, s) => n + counts[s], 0);
}

/** Reads npm's `--json` output; anything that is not an audit report is described as unavailable. */
export function parseNpmAudit(text: string, exitCode?: number): AuditReport | AuditUnavailable {
  const trimmed = text.trim();
  if (trimmed === '') {
    return {
      kind: 'unavailable',
      reason: `npm audit printed no report${exitCode === undefined ? '' : ` and exited with ${exitCode}`}`,
      hint: UNREACHABLE_HINT,
      unreadable: true,
    };
  }
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(trimmed.slice(trimmed.indexOf('{'))) as Record<string, unknown>;
  } catch {
    return {
      kind: 'unavailable',
      reason: `npm audit's output is not JSON: ${quote(redactLine(firstLine(trimmed)), 120)}`,
      unreadable: true,
      hint: 'Pass --json to npm audit (the action does); a saved audit-report must be the output of `npm audit --json`.',
    };
  }
  if (data.vulnerabilities && typeof data.vulnerabilities === 'object') return toReport(data);
  const error = (data.error ?? {}) as { code?: unknown; summary?: unknown; detail?: unknown };
  const code = typeof error.code === 'string' ? error.code : networkCode(String(data.message ?? ''));
  const statusCode = typeof data.statusCode === 'number' ? data.statusCode : undefined;
  const summary = [data.message, error.summary].find(
    (s): s is string => typeof s === 'string' && s.trim() !== '',
  );
  if (code === 'ENOLOCK') {
    return {
      kind: 'unavailable',
      reason: `npm audit needs a lockfile: ${String(error.summary ?? 'no package-lock.json')}`,
      code,
      hint: 'Commit a package-lock.json (npm install --package-lock-only), or set audit: off.',
    };
  }
  if (data.advisories && typeof data.advisories === 'object') {
    return {
      kind: 'unavailable',
      reason: 'the report is in the npm 6 format, which this action does not read',
      unreadable: true,
      hint: 'Run the audit with npm 7 or later (Node.js 16+ ships it).',
    };
  }
  if (summary || code || statusCode || 'error' in data) {
    return {
      kind: 'unavailable',
      reason: `npm audit got no report from the audit endpoint: ${firstLine(summary ?? code ?? `HTTP ${statusCode}`)}`,
      code: code ?? (statusCode ? `HTTP ${statusCode}` : undefined),
      hint: UNREACHABLE_HINT,
    };
  }
  return {
    kind: 'unavailable',
    reason: 'the JSON is not an npm audit report (no `vulnerabilities`)',
    unreadable: true,
    hint: 'audit-report must be the output of `npm audit --json` (npm 7 or later).',
  };
}

function networkCode(message: string): string | undefined {
  return /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|CERT_\w+)\b/.exec(
    message,
  )?.[1];
}

function toReport(data: Record<string, unknown>): AuditReport {
  const vulnerabilities = data.vulnerabilities as Record<string, Record<string, unknown>>;
  const findings: AuditFinding[] = [];
  for (const [key, entry] of Object.entries(vulnerabilities)) {
    const severity = (SEVERITIES as readonly string[]).includes(String(entry.severity))
      ? (entry.severity as Severity)
      : 'info';
    const advisories: AuditAdvisory[] = [];
    const via: string[] = [];
    for (const item of Array.isArray(entry.via) ? entry.via : []) {
      if (typeof item === 'string') via.push(item);
      else if (item && typeof item === 'object') {
        const advisory = item as Record<string, unknown>;
        advisories.push({
          title: String(advisory.title ?? advisory.name ?? 'advisory'),
          url: typeof advisory.url === 'string' ? advisory.url : undefined,
          severity: (SEVERITIES as readonly string[]).includes(String(advisory.severity))
            ? (advisory.severity as Severity)
            : undefined,
          range: typeof advisory.range === 'string' ? advisory.range : undefined,
        });
        const dependency = String(advisory.dependency ?? advisory.name ?? key);
        if (dependency !== key && !via.includes(dependency)) via.push(dependency);
      }
    }
    const fixAvailable = entry.fixAvailable;
    const fix: AuditFinding['fix'] =
      fixAvailable === true
        ? { available: true }
        : fixAvailable && typeof fixAvailable === 'object'
          ? {
              available: true,
              name: String((fixAvailable as Record<string, unknown>).name ?? key),
              version: String((fixAvailable as Record<string, unknown>).version ?? ''),
              semverMajor: (fixAvailable as Record<string, unknown>).isSemVerMajor === true,
            }
          : { available: false };
    findings.push({
      name: String(entry.name ?? key),
      severity,
      range: String(entry.range ?? ''),
      isDirect: entry.isDirect === true,
      advisories,
      via,
      fix,
    });
  }
  findings.sort(
    (a, b) => severityRank(b.severity) - severityRank(a.severity) || a.name.localeCompare(b.name),
  );
  const counts = emptyCounts();
  const metadata = (data.metadata ?? {}) as Record<string, unknown>;
  const given = (metadata.vulnerabilities ?? undefined) as Record<string, unknown> | undefined;
  for (const severity of SEVERITIES) {
    counts[severity] =
      given && Number.isFinite(Number(given[severity]))
        ? Number(given[severity])
        : findings.filter((f) => f.severity === severity).length;
  }
  counts.total = SEVERITIES.reduce((n, s) => n + counts[s], 0);
  const deps = (metadata.dependencies ?? undefined) as Record<string, unknown> | number | undefined;
  const dependencies =
    typeof deps === 'number'
      ? deps
      : deps && Number.isFinite(Number(deps.total))
        ? Number(deps.total)
        : undefined;
  return { kind: 'report', counts, findings, dependencies };
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? text;
  return clip(line.trim(), 300);
}

export interface NpmAuditRun {
  result: AuditReport | AuditUnavailable;
  exitCode: number;
  stderr: string;
}

/**
 * Runs `npm audit --json` in `cwd` and reads its output. npm exits non-zero both when it finds
 * vulnerabilities and when it cannot audit, so the output decides, not the exit code.
 */
export async function runNpmAudit(options: {
  cwd: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}): Promise<NpmAuditRun> {
  const run = await execShell('npm audit --json', {
    cwd: options.cwd,
    signal: options.signal,
    stream: false,
    timeoutMs: options.timeoutMs ?? 300_000,
    notFoundHint: 'npm is not on PATH: run actions/setup-node first, or set audit: off.',
  });
  if (run.timedOut) {
    return {
      result: {
        kind: 'unavailable',
        reason: `npm audit did not finish within ${Math.round((options.timeoutMs ?? 300_000) / 1000)}s`,
        code: 'ETIMEDOUT',
        hint: UNREACHABLE_HINT,
      },
      exitCode: run.status,
      stderr: run.stderr,
    };
  }
  return { result: parseNpmAudit(run.stdout, run.status), exitCode: run.status, stderr: run.stderr };
}

/** Whether `dir` is an npm project (a package.json), so an npm audit means something there. */
export function isNpmProject(dir: string): boolean {
  return existsSync(join(dir, 'package.json'));
}
