// The job summary of a stack deployment: the stack and its outcome, the change set (data loss and security
// changes in bold), the operation's timeline (a Mermaid gantt of each resource, and every event in a
// collapsible table) and the stack's outputs. Works from a result or from the error of a failed deploy.
// No SDK here.
import { code, details, escapeMarkdown, link, mermaid, mermaidLabel, raw, table } from '../summary.js';
import { changeWarning } from './changes.js';
import type { DeployStackResult } from './deploy.js';
import { StackOperationError } from './errors.js';
import type { StackChange, StackEventLine } from './types.js';

const STATUS_TEXT: Record<DeployStackResult['status'], string> = {
  created: '✅ created',
  updated: '✅ updated',
  unchanged: '✅ unchanged (no changes)',
  review: '📝 change set ready for review (not executed)',
};

/** Stack name from `arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/UUID`. */
export function stackNameOf(stackId: string | undefined): string | undefined {
  return stackId?.split(':stack/')[1]?.split('/')[0];
}

function regionOf(stackId: string | undefined): string | undefined {
  return stackId?.startsWith('arn:') ? stackId.split(':')[3] : undefined;
}

export function consoleUrl(stackId: string | undefined, region: string | undefined): string | undefined {
  if (!stackId?.startsWith('arn:') || !region) return undefined;
  return `https://${region}.console.aws.amazon.com/cloudformation/home?region=${region}#/stacks/stackinfo?stackId=${encodeURIComponent(stackId)}`;
}

/** The Markdown job summary for a deployment's result, or for the StackOperationError it threw. */
export function renderDeploySummary(
  outcome: DeployStackResult | StackOperationError | unknown,
  stackName?: string,
): string {
  if (outcome instanceof StackOperationError) return renderFailure(outcome, stackName);
  if (isResult(outcome)) return renderResult(outcome, stackName);
  const message = outcome instanceof Error ? outcome.message : String(outcome);
  return `### ❌ Stack ${escapeMarkdown(stackName ?? '')}\n\n${escapeMarkdown(message)}\n`;
}

function isResult(value: unknown): value is DeployStackResult {
  return (
    value !== null &&
    typeof value === 'object' &&
    'status' in value &&
    'changes' in value &&
    'outputs' in value
  );
}

function renderResult(result: DeployStackResult, stackName?: string): string {
  const name = stackName ?? result.stackName ?? stackNameOf(result.stackId) ?? 'stack';
  const region = result.region ?? regionOf(result.stackId);
  const parts: string[] = [`### Stack ${escapeMarkdown(name)}: ${STATUS_TEXT[result.status]}\n`];
  const facts: Array<[string, unknown]> = [
    ['Stack', raw(link(name, consoleUrl(result.stackId, region)))],
    ['Region', region],
    ['Result', result.status],
    ['Stack status', result.stackStatus],
    [
      'Change set',
      result.changeSetName ?? (result.changeSetId ? stackNameOfChangeSet(result.changeSetId) : undefined),
    ],
    [
      'Duration',
      result.timings?.executionMs === undefined
        ? undefined
        : `${(result.timings.executionMs / 1000).toFixed(1)} s`,
    ],
  ];
  parts.push(
    table(
      ['Property', 'Value'],
      facts.filter(([, v]) => v !== undefined),
    ),
  );
  if (result.recreated) {
    parts.push(
      '> [!NOTE]\n> The stack was in ROLLBACK_COMPLETE (a failed first create); it was deleted and created again.\n',
    );
  }
  if (result.status === 'review' && result.changeSetId) {
    parts.push(
      `The change set was **not executed**. To apply it: ${code(`aws cloudformation execute-change-set --change-set-name ${result.changeSetId}`)}\n`,
    );
  }
  if (result.status === 'unchanged')
    parts.push('No changes: the stack already matches the template and parameters.\n');
  else parts.push(renderChanges(result.changes));
  parts.push(renderTimeline(result.events));
  parts.push(renderOutputs(result.outputs));
  return parts.filter(Boolean).join('\n');
}

function stackNameOfChangeSet(changeSetId: string): string {
  return changeSetId.split(':changeSet/')[1]?.split('/')[0] ?? changeSetId;
}

function renderFailure(error: StackOperationError, stackName?: string): string {
  const name = stackName ?? error.stackName;
  const region = regionOf(error.stackId);
  const what =
    error.phase === 'change-set'
      ? 'change set failed'
      : error.phase === 'cancelled'
        ? 'deployment cancelled'
        : error.phase === 'timeout'
          ? 'timed out'
          : `${error.phase} failed`;
  const parts: string[] = [`### ❌ Stack ${escapeMarkdown(name)}: ${what}\n`];
  const facts: Array<[string, unknown]> = [
    ['Stack', raw(link(name, consoleUrl(error.stackId, region)))],
    ['Region', region],
    ['Final status', error.finalStatus],
    ['Root cause', error.rootCause ? raw(`**${escapeMarkdown(error.rootCause)}**`) : undefined],
  ];
  parts.push(
    table(
      ['Property', 'Value'],
      facts.filter(([, v]) => v !== undefined),
    ),
  );
  if (error.hint) parts.push(`${escapeMarkdown(error.hint)}\n`);
  if (error.phase === 'change-set' && error.details) parts.push(`${error.details}\n`);
  parts.push(renderChanges(error.changes));
  parts.push(renderTimeline(error.events, error.rootCause));
  return parts.filter(Boolean).join('\n');
}

function renderChanges(changes: StackChange[]): string {
  if (changes.length === 0) return '';
  const rows = changes.map((c) => {
    const flagged = c.stateful || c.security;
    const cell = (text: string | undefined) => {
      const value = text === undefined || text === '' ? '—' : escapeMarkdown(text);
      return raw(flagged && value !== '—' ? `**${value}**` : value);
    };
    const flag = c.stateful ? '⚠️ data loss' : c.security ? '🔐 security' : '';
    return [
      cell(c.action),
      cell(c.logicalId),
      cell(c.type),
      cell(
        c.replacement && c.replacement !== 'False'
          ? c.replacement
          : c.action === 'Modify'
            ? 'False'
            : undefined,
      ),
      cell(c.properties.join(', ')),
      flag ? raw(`**${flag}**`) : '',
    ];
  });
  const warnings = changes
    .map((c) => changeWarning(c))
    .filter((w): w is string => w !== undefined)
    .map((w) => `- **${escapeMarkdown(w)}**`);
  return [
    `#### Changes (${changes.length})\n`,
    table(['Action', 'Logical ID', 'Type', 'Replacement', 'Changed', ''], rows),
    warnings.length > 0 ? `> [!WARNING]\n${warnings.map((w) => `> ${w}`).join('\n')}\n` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

interface Span {
  logicalId: string;
  type: string;
  start: number;
  end: number;
  /** The last status, or the first failure when there was one (a rollback may end in *_COMPLETE). */
  status: string;
  failed: boolean;
}

/** Each resource's span from its first event to its last, in order of appearance. */
function spans(events: StackEventLine[]): Span[] {
  const byId = new Map<string, Span>();
  for (const event of [...events].sort((a, b) => a.time.localeCompare(b.time))) {
    const t = Date.parse(event.time);
    if (Number.isNaN(t)) continue;
    const failed = event.status.endsWith('_FAILED');
    let span = byId.get(event.logicalId);
    if (!span) {
      span = { logicalId: event.logicalId, type: event.type, start: t, end: t, status: event.status, failed };
      byId.set(event.logicalId, span);
    }
    span.end = t;
    if (!span.failed) span.status = event.status;
    if (failed && !span.failed) {
      span.failed = true;
      span.status = event.status;
    }
    if (event.type === 'AWS::CloudFormation::Stack') {
      span.status = event.status;
      span.failed ||= event.status.includes('ROLLBACK') || failed;
    }
  }
  return [...byId.values()];
}

function renderTimeline(events: StackEventLine[], rootCause?: string): string {
  if (events.length === 0) return '';
  const parts = [`#### Events (${events.length})\n`];
  const resources = spans(events).slice(0, 60);
  if (resources.length > 0) {
    const lines = ['gantt', '  dateFormat x', '  axisFormat %H:%M:%S'];
    for (const span of resources) {
      const failed = span.failed;
      // Mermaid needs a visible bar: at least one second.
      const end = Math.max(span.end, span.start + 1000);
      lines.push(
        `  ${mermaidLabel(`${span.logicalId} ${span.status}`) || 'resource'} :${failed ? 'crit, ' : ''}${span.start}, ${end}`,
      );
    }
    parts.push(mermaid(lines.join('\n')));
  }
  const rows = [...events]
    .sort((a, b) => a.time.localeCompare(b.time))
    .map((e) => {
      const isCause =
        rootCause !== undefined &&
        e.reason !== undefined &&
        rootCause.includes(e.reason) &&
        rootCause.startsWith(e.logicalId);
      const reason = e.reason ? escapeMarkdown(e.reason.replace(/\s+/g, ' ')) : '';
      return [e.time.slice(11, 19), e.logicalId, e.type, e.status, raw(isCause ? `**${reason}**` : reason)];
    });
  parts.push(
    details(
      `All ${events.length} events`,
      table(['Time (UTC)', 'Logical ID', 'Type', 'Status', 'Reason'], rows),
    ),
  );
  return parts.join('\n');
}

function renderOutputs(outputs: Record<string, string>): string {
  const entries = Object.entries(outputs);
  if (entries.length === 0) return '';
  return `#### Outputs\n\n${table(
    ['Output', 'Value'],
    // A pipe inside a code span still ends a table cell unless escaped.
    entries.map(([k, v]) => [k, raw(code(v).replace(/\|/g, '\\|'))]),
  )}`;
}
