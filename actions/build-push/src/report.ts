// build-push's job summary: the image reference to deploy, its tags, platforms and size, the repository (and
// what was created), and the scan's severity counts and top findings.

import type { RepositoryInfo, ScanResult } from '../../lib/ecr.js';
import type { ActionError } from '../../lib/errors.js';
import { formatDuration } from '../../lib/inputs.js';
import { code, escapeMarkdown, link, raw, table } from '../../lib/summary.js';

export interface ScanOutcome {
  results: Array<ScanResult & { platform?: string }>;
  counts: Record<string, number>;
  threshold: string;
  /** Findings at or above the threshold. */
  over?: number;
  failure?: ActionError;
}

export interface BuildSummary {
  pushed: boolean;
  repository: string;
  repositoryInfo?: RepositoryInfo;
  keepImages?: number;
  image?: string;
  digest?: string;
  registry?: string;
  tags: string[];
  platforms: string[];
  sizeBytes?: number;
  cache: string;
  buildMs: number;
  totalMs: number;
  scan?: ScanOutcome;
}

const ORDER = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'];
const ICON: Record<string, string> = {
  CRITICAL: '🟥',
  HIGH: '🟧',
  MEDIUM: '🟨',
  LOW: '🟦',
  INFORMATIONAL: '⬜',
  UNDEFINED: '⬜',
};
const MAX_FINDINGS = 20;

export function renderSummary(s: BuildSummary): string {
  const parts: string[] = [];
  if (!s.pushed) {
    parts.push(`## 🏗️ Image built (not pushed): ${code(s.repository)}\n`);
    parts.push(
      table(
        ['Property', 'Value'],
        [
          ['Tags', raw(s.tags.map(code).join(', '))],
          ['Platforms', s.platforms.join(', ')],
          ['Cache', s.cache],
          ['Build time', formatDuration(s.buildMs)],
        ],
      ),
    );
    parts.push('push: false: nothing was pushed to ECR and no image reference was produced.\n');
    return `${parts.join('\n')}\n`;
  }
  parts.push(`## 📦 Image pushed: ${code(s.repository)}\n`);
  parts.push(`Deploy this reference (it names these exact bytes, whatever happens to the tags):\n`);
  parts.push(`\`\`\`text\n${s.image}\n\`\`\`\n`);
  const repo = s.repositoryInfo;
  const rows: Array<[string, unknown]> = [
    ['Digest', raw(code(s.digest ?? ''))],
    ['Tags', raw(s.tags.map(code).join('<br>'))],
    ['Platforms', s.platforms.join(', ')],
  ];
  if (s.sizeBytes !== undefined) rows.push(['Size (compressed)', formatBytes(s.sizeBytes)]);
  if (repo) {
    rows.push([
      'Repository',
      repo.created
        ? `${repo.name}: created now (scan on push, ${repo.tagMutability.toLowerCase().replace(/_/g, ' ')} tags, ${repo.encryption ?? 'AES256'} encryption, keeps the last ${s.keepImages} images, untagged images expire after 1 day)`
        : `${repo.name} (${repo.tagMutability.toLowerCase().replace(/_/g, ' ')} tags, scan on push ${repo.scanOnPush ? 'on' : 'off'})`,
    ]);
  }
  rows.push(['Cache', s.cache]);
  rows.push(['Build and push', formatDuration(s.buildMs)]);
  parts.push(table(['Property', 'Value'], rows));
  if (s.scan) parts.push(renderScan(s.scan));
  return `${parts.join('\n')}\n`;
}

function renderScan(scan: ScanOutcome): string {
  const unfinished = scan.results.find((r) => r.status !== 'COMPLETE' && r.status !== 'ACTIVE');
  const total = Object.values(scan.counts).reduce((a, b) => a + b, 0);
  let headline: string;
  if (unfinished) headline = `❌ the scan ended ${unfinished.status}: the image was not checked`;
  else if (scan.threshold === 'none') headline = `ℹ️ ${total} findings (fail-on-severity: none)`;
  else if ((scan.over ?? 0) > 0) headline = `❌ ${scan.over} at or above ${scan.threshold}`;
  else headline = `✅ nothing at or above ${scan.threshold}${total > 0 ? ` (${total} below it)` : ''}`;
  const parts = [`### Image scan: ${escapeMarkdown(headline)}\n`];
  if (unfinished?.description) parts.push(`${escapeMarkdown(unfinished.description)}\n`);
  parts.push(
    table(
      ORDER.map((s) => `${ICON[s]} ${s}`),
      [ORDER.map((s) => scan.counts[s] ?? 0)],
    ),
  );
  const multi = scan.results.length > 1;
  const findings = scan.results
    .flatMap((r) => r.findings.map((f) => ({ ...f, platform: r.platform })))
    .sort((a, b) => ORDER.indexOf(a.severity) - ORDER.indexOf(b.severity) || a.name.localeCompare(b.name));
  if (findings.length > 0) {
    const rows = findings
      .slice(0, MAX_FINDINGS)
      .map((f) => [
        raw(`${ICON[f.severity] ?? '⬜'} ${f.severity}`),
        raw(link(f.name, f.uri)),
        f.package ?? '',
        f.version ?? '',
        f.fixedIn ?? '',
        ...(multi ? [f.platform ?? ''] : []),
      ]);
    parts.push(
      table(
        ['Severity', 'Vulnerability', 'Package', 'Version', 'Fixed in', ...(multi ? ['Platform'] : [])],
        rows,
      ),
    );
    if (findings.length > MAX_FINDINGS) {
      parts.push(`_${findings.length - MAX_FINDINGS} more findings: see the image in the ECR console._\n`);
    }
    if (findings.every((f) => !f.fixedIn)) {
      parts.push(
        '_Basic scanning does not report fixed versions; enhanced scanning (Amazon Inspector) does._\n',
      );
    }
  }
  return parts.join('\n');
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
