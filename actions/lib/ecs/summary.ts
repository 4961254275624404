// The job summary of a deploy (service, image, old → new task definition, a timeline of the rollout, the
// migration and smoke test results, stopped tasks with their last log lines) and the plain-text details
// written to the log when a deploy fails. No SDK imports.
import { formatDuration } from '../inputs.js';
import {
  code,
  codeBlock,
  details,
  escapeMarkdown,
  heading,
  mermaid,
  mermaidLabel,
  raw,
  table,
} from '../summary.js';
import { shortTaskDefinition } from './task-definition.js';
import type { ContainerLogTail, DeployServiceResult, ServiceDeploymentReport, StoppedTask } from './types.js';

const HEADLINES: Record<DeployServiceResult['status'], string> = {
  deployed: '✅ deployed',
  unchanged: '➖ unchanged (already running this image)',
  failed: '❌ failed',
  'rolled-back': '↩️ rolled back',
};

function consoleUrl(r: DeployServiceResult): string {
  return `https://${r.region}.console.aws.amazon.com/ecs/v2/clusters/${encodeURIComponent(r.cluster)}/services/${encodeURIComponent(r.service)}/deployments?region=${r.region}`;
}

function since(r: DeployServiceResult, at: number | undefined): string {
  return at === undefined ? '—' : `+${formatDuration(Math.max(0, at - r.startedAt))}`;
}

function exits(task: StoppedTask): string {
  return (
    task.containers
      .filter((c) => c.exitCode !== undefined || c.reason)
      .map((c) => `${c.name}: ${c.exitCode ?? '—'}${c.reason ? ` (${c.reason})` : ''}`)
      .join('; ') || '—'
  );
}

function logBlock(tail: ContainerLogTail, label: string): string {
  if (tail.lines.length === 0)
    return `${escapeMarkdown(label)}: _no log lines: ${escapeMarkdown(tail.unavailable ?? 'none')}_\n\n`;
  const where = tail.logStream ? ` (${code(`${tail.logGroup}`)} → ${code(tail.logStream)})` : '';
  return `**${escapeMarkdown(label)}**, last ${tail.lines.length} log lines${where}:\n\n${codeBlock(tail.lines.join('\n'))}\n`;
}

function phaseDiagram(r: DeployServiceResult): string {
  const nodes: string[] = [];
  if (r.migration) {
    const m = r.migration;
    nodes.push(
      `Migration ${m.succeeded ? 'passed' : `failed, exit ${m.exitCode ?? 'none'}`} ${formatDuration(m.durationMs)}`,
    );
  }
  if (r.status === 'unchanged') nodes.push('No rollout, image already running');
  else if (!(r.migration && !r.migration.succeeded)) {
    const rollout =
      r.status === 'rolled-back'
        ? `Rollout failed, rolled back to ${shortTaskDefinition(r.rolledBackTo)}`
        : r.smoke && !r.smoke.passed
          ? 'Rollout completed'
          : r.status === 'deployed'
            ? r.waited
              ? 'Rollout completed'
              : 'Rollout started, not waited for'
            : `Rollout ${r.rolloutState ?? 'failed'}`;
    nodes.push(`${r.path === 'stack' ? 'Stack update, ' : ''}${rollout}`);
  }
  if (r.smoke) nodes.push(`Smoke test ${r.smoke.passed ? 'passed' : 'failed'}`);
  if (nodes.length < 2) return '';
  const lines = nodes.map((n, i) => `  p${i}["${mermaidLabel(n)}"]`);
  const edges = nodes.slice(1).map((_, i) => `  p${i} --> p${i + 1}`);
  return mermaid(['flowchart LR', ...lines, ...edges].join('\n'));
}

/** The job summary of a deploy, successful or not. */
export function renderDeploySummary(r: DeployServiceResult): string {
  const out: string[] = [];
  out.push(heading(3, `${HEADLINES[r.status]}: ${escapeMarkdown(r.service)}`));
  if (r.failure) out.push(`**${escapeMarkdown(r.failure)}**\n\n`);
  const newDefinition =
    r.status === 'unchanged'
      ? `${shortTaskDefinition(r.taskDefinitionArn)} (unchanged)`
      : `${shortTaskDefinition(r.previousTaskDefinitionArn)} → ${shortTaskDefinition(r.taskDefinitionArn)}${r.rolledBackTo ? ` → back to ${shortTaskDefinition(r.rolledBackTo)}` : ''}`;
  const rows: unknown[][] = [
    ['Service', raw(`[${escapeMarkdown(`${r.cluster}/${r.service}`)}](${consoleUrl(r)}) (${r.region})`)],
    ['Image', raw(code(r.image))],
    ['Container', r.containerName],
    ['Task definition', newDefinition],
    [
      'Rolled out through',
      r.path === 'stack'
        ? raw(
            `CloudFormation stack ${code(r.stack?.name ?? '')} (${code('ImageUri')} parameter): ${escapeMarkdown(r.stack?.status ?? '')}`,
          )
        : 'a new task definition revision and UpdateService',
    ],
  ];
  if (r.deploymentId)
    rows.push([
      'Deployment',
      raw(
        `${code(r.deploymentId)}${r.rolloutState ? ` ${escapeMarkdown(r.rolloutState)}` : ''}${r.waited ? '' : ' (started; not waited for: wait is false)'}`,
      ),
    ]);
  if (r.environmentKeys.length) rows.push(['Environment set', r.environmentKeys.join(', ')]);
  rows.push(['Duration', formatDuration(r.finishedAt - r.startedAt)]);
  out.push(table([' ', ' '], rows), '\n');
  const diagram = phaseDiagram(r);
  if (diagram) out.push(diagram, '\n');

  if (r.migration) {
    const m = r.migration;
    out.push(heading(4, `Migration ${m.succeeded ? 'passed' : 'failed'}`));
    out.push(
      table(
        ['Command', 'Exit code', 'Stopped reason', 'Duration', 'Task definition'],
        [
          [
            raw(code(m.command.join(' '))),
            m.exitCode,
            m.stoppedReason,
            formatDuration(m.durationMs),
            `${shortTaskDefinition(m.taskDefinitionArn)}${m.migrationOnlyRevision ? ' (migration-only revision)' : ''}`,
          ],
        ],
      ),
      '\n',
    );
    if (m.logs) {
      const block = logBlock(m.logs, `Migration task ${m.taskArn?.split('/').pop() ?? ''}`);
      out.push(m.succeeded ? details('Migration log', block) : block);
    }
  }

  if (r.serviceDeployment) out.push(serviceDeploymentSection(r, r.serviceDeployment));

  if (r.timeline.length) {
    out.push(heading(4, 'Rollout timeline'));
    out.push(
      table(
        ['Time', 'Deployment', 'State', 'Desired', 'Pending', 'Running', 'Failed tasks', 'Note'],
        r.timeline.map((s) => [
          since(r, s.at),
          s.deploymentId,
          s.rolloutState,
          s.desired,
          s.pending,
          s.running,
          s.failed,
          s.note,
        ]),
      ),
      '\n',
    );
  }
  if (r.events.length) {
    out.push(
      details(
        `Service events (${r.events.length})`,
        table(
          ['Time', 'Event'],
          r.events.map((e) => [since(r, e.at), e.message]),
        ),
      ),
    );
  }

  if (r.stoppedTasks.length) {
    out.push(heading(4, `Stopped tasks (${r.stoppedTasks.length})`));
    out.push(
      table(
        ['Task', 'Stopped reason', 'Stop code', 'Container exit codes', 'Stopped'],
        r.stoppedTasks.map((t) => [
          raw(code(t.taskId)),
          t.stoppedReason,
          t.stopCode,
          exits(t),
          since(r, t.stoppedAt),
        ]),
      ),
      '\n',
    );
    for (const task of r.stoppedTasks) {
      for (const tail of task.logs)
        out.push(logBlock(tail, `Task ${task.taskId}, container ${tail.container}`));
    }
  }

  if (r.smoke) {
    const s = r.smoke;
    out.push(heading(4, `Smoke test ${s.passed ? 'passed' : 'failed'}`));
    out.push(
      table(
        ['URL', 'Status', 'Expected version', 'Attempts', 'Duration', 'Result'],
        [
          [
            s.url,
            s.status ?? s.error,
            s.expectVersion === undefined
              ? '—'
              : `${s.expectVersion} (${s.versionFound ? 'found' : 'not found'})`,
            s.attempts,
            formatDuration(s.durationMs),
            s.message,
          ],
        ],
      ),
      '\n',
    );
  }
  if (r.warnings.length) out.push(r.warnings.map((w) => `> ⚠️ ${escapeMarkdown(w)}`).join('\n>\n'), '\n\n');
  return out.join('');
}

/** A native-strategy rollout: its lifecycle stages, the traffic steps, the test gate and how it ended. */
function serviceDeploymentSection(r: DeployServiceResult, sd: ServiceDeploymentReport): string {
  const out: string[] = [];
  out.push(heading(4, `${sd.strategy} service deployment: ${sd.status ?? 'not found'}`));
  if (sd.arn) out.push(`${code(sd.arn)}\n\n`);
  if (sd.exitedAt === 'production-traffic')
    out.push(
      '> All production traffic was on the new revision and the bake had started when the action returned (wait-until: production-traffic). The service’s alarms can still roll the deployment back during the bake; the final state is in the ECS console.\n\n',
    );
  if (sd.reason) out.push(`**Why:** ${escapeMarkdown(sd.reason)}\n\n`);
  if (sd.stages.length)
    out.push(
      table(
        ['Stage', 'Started', 'Ended', 'Took'],
        sd.stages.map((s) => [
          s.stage,
          since(r, s.startedAt),
          since(r, s.endedAt),
          s.endedAt === undefined ? '—' : formatDuration(s.endedAt - s.startedAt),
        ]),
      ),
      '\n',
    );
  if (sd.traffic.length)
    out.push(
      table(
        ['Time', 'Production traffic on the new revision', 'Test traffic on the new revision'],
        sd.traffic.map((t) => [since(r, t.at), `${t.production}%`, `${t.test}%`]),
      ),
      '\n',
    );
  const gate = sd.gate;
  if (gate) {
    out.push(heading(4, `Test gate ${gate.passed ? 'passed' : 'failed'}: ${gate.action}`));
    const rows: unknown[][] = [
      [
        raw(`GET ${code(gate.url)} through the test listener`),
        gate.smoke.status ?? gate.smoke.error,
        gate.smoke.expectVersion === undefined
          ? '—'
          : `${gate.smoke.expectVersion} (${gate.smoke.versionFound ? 'found' : 'not found'})`,
        gate.smoke.message,
      ],
    ];
    if (gate.command)
      rows.push([
        raw(code(gate.command.command)),
        `exit ${gate.command.exitCode}`,
        '—',
        formatDuration(gate.command.durationMs),
      ]);
    out.push(table(['Test', 'Answer', 'Expected version', 'Result'], rows), '\n');
    if (gate.continueError)
      out.push(`ContinueServiceDeployment failed: ${escapeMarkdown(gate.continueError)}\n\n`);
  }
  return out.join('');
}

function indent(lines: string[]): string {
  return lines.map((l) => `    ${l}`).join('\n');
}

/** Plain-text details of a failed deploy for the log: migration output, stopped tasks and their log lines. */
export function formatFailureDetails(r: DeployServiceResult): string {
  const parts: string[] = [];
  if (r.migration && !r.migration.succeeded) {
    const m = r.migration;
    parts.push(
      `Migration task ${m.taskArn ?? ''}: ${m.exitCode === undefined ? 'no exit code' : `exit code ${m.exitCode}`}${m.stoppedReason ? `, ${m.stoppedReason}` : ''}${m.stopCode ? ` (${m.stopCode})` : ''}`,
    );
    if (m.logs) parts.push(tailText(m.logs));
  }
  for (const task of r.stoppedTasks) {
    parts.push(
      `Task ${task.taskArn}\n  stopped reason: ${task.stoppedReason ?? '—'}\n  stop code: ${task.stopCode ?? '—'}\n  containers: ${exits(task)}`,
    );
    for (const tail of task.logs) parts.push(tailText(tail));
  }
  if (r.rolledBackTo) parts.push(`The service is back on ${r.rolledBackTo}.`);
  if (r.smoke && !r.smoke.passed) parts.push(`Smoke test: ${r.smoke.message}`);
  const gate = r.serviceDeployment?.gate;
  if (gate && !gate.passed)
    parts.push(`Test gate: ${gate.message}; the deployment was told to ${gate.action}`);
  return parts.join('\n');
}

function tailText(tail: ContainerLogTail): string {
  if (tail.lines.length === 0) return `  ${tail.container}: no log lines (${tail.unavailable ?? 'none'})`;
  return `  ${tail.container}: last ${tail.lines.length} log lines from ${tail.logGroup} ${tail.logStream}:\n${indent(tail.lines)}`;
}
