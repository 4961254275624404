export const id = 516;
export const ids = [516];
export const modules = {

/***/ 8516:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   i: () => (/* binding */ formatFailureDetails),
/* harmony export */   renderDeploySummary: () => (/* binding */ renderDeploySummary)
/* harmony export */ });
/* harmony import */ var _inputs_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7721);
/* harmony import */ var _summary_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(7834);
/* harmony import */ var _task_definition_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(2857);
// The job summary of a deploy (service, image, old → new task definition, a timeline of the rollout, the
// migration and smoke test results, stopped tasks with their last log lines) and the plain-text details
// written to the log when a deploy fails. No SDK imports.



const HEADLINES = {
    deployed: '✅ deployed',
    unchanged: '➖ unchanged (already running this image)',
    failed: '❌ failed',
    'rolled-back': '↩️ rolled back',
};
function consoleUrl(r) {
    return `https://${r.region}.console.aws.amazon.com/ecs/v2/clusters/${encodeURIComponent(r.cluster)}/services/${encodeURIComponent(r.service)}/deployments?region=${r.region}`;
}
function since(r, at) {
    return at === undefined ? '—' : `+${(0,_inputs_js__WEBPACK_IMPORTED_MODULE_0__/* .formatDuration */ .a3)(Math.max(0, at - r.startedAt))}`;
}
function exits(task) {
    return (task.containers
        .filter((c) => c.exitCode !== undefined || c.reason)
        .map((c) => `${c.name}: ${c.exitCode ?? '—'}${c.reason ? ` (${c.reason})` : ''}`)
        .join('; ') || '—');
}
function logBlock(tail, label) {
    if (tail.lines.length === 0)
        return `${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .escapeMarkdown */ .FV)(label)}: _no log lines: ${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .escapeMarkdown */ .FV)(tail.unavailable ?? 'none')}_\n\n`;
    const where = tail.logStream ? ` (${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .code */ .aY)(`${tail.logGroup}`)} → ${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .code */ .aY)(tail.logStream)})` : '';
    return `**${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .escapeMarkdown */ .FV)(label)}**, last ${tail.lines.length} log lines${where}:\n\n${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .codeBlock */ .DV)(tail.lines.join('\n'))}\n`;
}
function phaseDiagram(r) {
    const nodes = [];
    if (r.migration) {
        const m = r.migration;
        nodes.push(`Migration ${m.succeeded ? 'passed' : `failed, exit ${m.exitCode ?? 'none'}`} ${(0,_inputs_js__WEBPACK_IMPORTED_MODULE_0__/* .formatDuration */ .a3)(m.durationMs)}`);
    }
    if (r.status === 'unchanged')
        nodes.push('No rollout, image already running');
    else if (!(r.migration && !r.migration.succeeded)) {
        const rollout = r.status === 'rolled-back'
            ? `Rollout failed, rolled back to ${(0,_task_definition_js__WEBPACK_IMPORTED_MODULE_1__/* .shortTaskDefinition */ .P5)(r.rolledBackTo)}`
            : r.smoke && !r.smoke.passed
                ? 'Rollout completed'
                : r.status === 'deployed'
                    ? r.waited
                        ? 'Rollout completed'
                        : 'Rollout started, not waited for'
                    : `Rollout ${r.rolloutState ?? 'failed'}`;
        nodes.push(`${r.path === 'stack' ? 'Stack update, ' : ''}${rollout}`);
    }
    if (r.smoke)
        nodes.push(`Smoke test ${r.smoke.passed ? 'passed' : 'failed'}`);
    if (nodes.length < 2)
        return '';
    const lines = nodes.map((n, i) => `  p${i}["${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .mermaidLabel */ ._b)(n)}"]`);
    const edges = nodes.slice(1).map((_, i) => `  p${i} --> p${i + 1}`);
    return (0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .mermaid */ .a4)(['flowchart LR', ...lines, ...edges].join('\n'));
}
/** The job summary of a deploy, successful or not. */
function renderDeploySummary(r) {
    const out = [];
    out.push((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .heading */ .R_)(3, `${HEADLINES[r.status]}: ${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .escapeMarkdown */ .FV)(r.service)}`));
    if (r.failure)
        out.push(`**${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .escapeMarkdown */ .FV)(r.failure)}**\n\n`);
    const newDefinition = r.status === 'unchanged'
        ? `${(0,_task_definition_js__WEBPACK_IMPORTED_MODULE_1__/* .shortTaskDefinition */ .P5)(r.taskDefinitionArn)} (unchanged)`
        : `${(0,_task_definition_js__WEBPACK_IMPORTED_MODULE_1__/* .shortTaskDefinition */ .P5)(r.previousTaskDefinitionArn)} → ${(0,_task_definition_js__WEBPACK_IMPORTED_MODULE_1__/* .shortTaskDefinition */ .P5)(r.taskDefinitionArn)}${r.rolledBackTo ? ` → back to ${(0,_task_definition_js__WEBPACK_IMPORTED_MODULE_1__/* .shortTaskDefinition */ .P5)(r.rolledBackTo)}` : ''}`;
    const rows = [
        ['Service', (0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .raw */ .lS)(`[${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .escapeMarkdown */ .FV)(`${r.cluster}/${r.service}`)}](${consoleUrl(r)}) (${r.region})`)],
        ['Image', (0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .raw */ .lS)((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .code */ .aY)(r.image))],
        ['Container', r.containerName],
        ['Task definition', newDefinition],
        [
            'Rolled out through',
            r.path === 'stack'
                ? (0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .raw */ .lS)(`CloudFormation stack ${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .code */ .aY)(r.stack?.name ?? '')} (${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .code */ .aY)('ImageUri')} parameter): ${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .escapeMarkdown */ .FV)(r.stack?.status ?? '')}`)
                : 'a new task definition revision and UpdateService',
        ],
    ];
    if (r.deploymentId)
        rows.push([
            'Deployment',
            (0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .raw */ .lS)(`${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .code */ .aY)(r.deploymentId)}${r.rolloutState ? ` ${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .escapeMarkdown */ .FV)(r.rolloutState)}` : ''}${r.waited ? '' : ' (started; not waited for: wait is false)'}`),
        ]);
    if (r.environmentKeys.length)
        rows.push(['Environment set', r.environmentKeys.join(', ')]);
    rows.push(['Duration', (0,_inputs_js__WEBPACK_IMPORTED_MODULE_0__/* .formatDuration */ .a3)(r.finishedAt - r.startedAt)]);
    out.push((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .table */ .tp)([' ', ' '], rows), '\n');
    const diagram = phaseDiagram(r);
    if (diagram)
        out.push(diagram, '\n');
    if (r.migration) {
        const m = r.migration;
        out.push((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .heading */ .R_)(4, `Migration ${m.succeeded ? 'passed' : 'failed'}`));
        out.push((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .table */ .tp)(['Command', 'Exit code', 'Stopped reason', 'Duration', 'Task definition'], [
            [
                (0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .raw */ .lS)((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .code */ .aY)(m.command.join(' '))),
                m.exitCode,
                m.stoppedReason,
                (0,_inputs_js__WEBPACK_IMPORTED_MODULE_0__/* .formatDuration */ .a3)(m.durationMs),
                `${(0,_task_definition_js__WEBPACK_IMPORTED_MODULE_1__/* .shortTaskDefinition */ .P5)(m.taskDefinitionArn)}${m.migrationOnlyRevision ? ' (migration-only revision)' : ''}`,
            ],
        ]), '\n');
        if (m.logs) {
            const block = logBlock(m.logs, `Migration task ${m.taskArn?.split('/').pop() ?? ''}`);
            out.push(m.succeeded ? (0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .details */ .zH)('Migration log', block) : block);
        }
    }
    if (r.timeline.length) {
        out.push((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .heading */ .R_)(4, 'Rollout timeline'));
        out.push((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .table */ .tp)(['Time', 'Deployment', 'State', 'Desired', 'Pending', 'Running', 'Failed tasks', 'Note'], r.timeline.map((s) => [
            since(r, s.at),
            s.deploymentId,
            s.rolloutState,
            s.desired,
            s.pending,
            s.running,
            s.failed,
            s.note,
        ])), '\n');
    }
    if (r.events.length) {
        out.push((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .details */ .zH)(`Service events (${r.events.length})`, (0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .table */ .tp)(['Time', 'Event'], r.events.map((e) => [since(r, e.at), e.message]))));
    }
    if (r.stoppedTasks.length) {
        out.push((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .heading */ .R_)(4, `Stopped tasks (${r.stoppedTasks.length})`));
        out.push((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .table */ .tp)(['Task', 'Stopped reason', 'Stop code', 'Container exit codes', 'Stopped'], r.stoppedTasks.map((t) => [
            (0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .raw */ .lS)((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .code */ .aY)(t.taskId)),
            t.stoppedReason,
            t.stopCode,
            exits(t),
            since(r, t.stoppedAt),
        ])), '\n');
        for (const task of r.stoppedTasks) {
            for (const tail of task.logs)
                out.push(logBlock(tail, `Task ${task.taskId}, container ${tail.container}`));
        }
    }
    if (r.smoke) {
        const s = r.smoke;
        out.push((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .heading */ .R_)(4, `Smoke test ${s.passed ? 'passed' : 'failed'}`));
        out.push((0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .table */ .tp)(['URL', 'Status', 'Expected version', 'Attempts', 'Duration', 'Result'], [
            [
                s.url,
                s.status ?? s.error,
                s.expectVersion === undefined
                    ? '—'
                    : `${s.expectVersion} (${s.versionFound ? 'found' : 'not found'})`,
                s.attempts,
                (0,_inputs_js__WEBPACK_IMPORTED_MODULE_0__/* .formatDuration */ .a3)(s.durationMs),
                s.message,
            ],
        ]), '\n');
    }
    if (r.warnings.length)
        out.push(r.warnings.map((w) => `> ⚠️ ${(0,_summary_js__WEBPACK_IMPORTED_MODULE_2__/* .escapeMarkdown */ .FV)(w)}`).join('\n>\n'), '\n\n');
    return out.join('');
}
function indent(lines) {
    return lines.map((l) => `    ${l}`).join('\n');
}
/** Plain-text details of a failed deploy for the log: migration output, stopped tasks and their log lines. */
function formatFailureDetails(r) {
    const parts = [];
    if (r.migration && !r.migration.succeeded) {
        const m = r.migration;
        parts.push(`Migration task ${m.taskArn ?? ''}: ${m.exitCode === undefined ? 'no exit code' : `exit code ${m.exitCode}`}${m.stoppedReason ? `, ${m.stoppedReason}` : ''}${m.stopCode ? ` (${m.stopCode})` : ''}`);
        if (m.logs)
            parts.push(tailText(m.logs));
    }
    for (const task of r.stoppedTasks) {
        parts.push(`Task ${task.taskArn}\n  stopped reason: ${task.stoppedReason ?? '—'}\n  stop code: ${task.stopCode ?? '—'}\n  containers: ${exits(task)}`);
        for (const tail of task.logs)
            parts.push(tailText(tail));
    }
    if (r.rolledBackTo)
        parts.push(`The service is back on ${r.rolledBackTo}.`);
    if (r.smoke && !r.smoke.passed)
        parts.push(`Smoke test: ${r.smoke.message}`);
    return parts.join('\n');
}
function tailText(tail) {
    if (tail.lines.length === 0)
        return `  ${tail.container}: no log lines (${tail.unavailable ?? 'none'})`;
    return `  ${tail.container}: last ${tail.lines.length} log lines from ${tail.logGroup} ${tail.logStream}:\n${indent(tail.lines)}`;
}


/***/ })

};
