export const id = 353;
export const ids = [353];
export const modules = {

/***/ 9353:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   SEVERITIES: () => (/* binding */ SEVERITIES),
/* harmony export */   countAtOrAbove: () => (/* binding */ countAtOrAbove),
/* harmony export */   emptyCounts: () => (/* binding */ emptyCounts),
/* harmony export */   isNpmProject: () => (/* binding */ isNpmProject),
/* harmony export */   parseNpmAudit: () => (/* binding */ parseNpmAudit),
/* harmony export */   runNpmAudit: () => (/* binding */ runNpmAudit),
/* harmony export */   severityRank: () => (/* binding */ severityRank)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _exec_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(2069);
// `npm audit --json` (npm 7+: the `vulnerabilities` map and `metadata.vulnerabilities` counts) read into
// counts and findings, and told apart from the outputs npm writes when it could not audit at all (the
// audit endpoint unreachable or refusing, no lockfile): those are "unavailable", never a passed scan.



const SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'];
const UNREACHABLE_HINT = 'The npm audit endpoint could not be reached from the runner: check the network, proxy and registry settings (an npm mirror that does not implement the audit endpoint gives the same result), or run the audit in a job that can reach it and pass its output as audit-report.';
function severityRank(severity) {
    return SEVERITIES.indexOf(severity);
}
function emptyCounts() {
    return { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 0 };
}
/** How many findings are at or above `level`, from the report's counts. */
function countAtOrAbove(counts, level) {
    return SEVERITIES.filter((s) => severityRank(s) >= severityRank(level)).reduce((n, s) => n + counts[s], 0);
}
/** Reads npm's `--json` output; anything that is not an audit report is described as unavailable. */
function parseNpmAudit(text, exitCode) {
    const trimmed = text.trim();
    if (trimmed === '') {
        return {
            kind: 'unavailable',
            reason: `npm audit printed no report${exitCode === undefined ? '' : ` and exited with ${exitCode}`}`,
            hint: UNREACHABLE_HINT,
        };
    }
    let data;
    try {
        data = JSON.parse(trimmed.slice(trimmed.indexOf('{')));
    }
    catch {
        return {
            kind: 'unavailable',
            reason: `npm audit's output is not JSON: ${firstLine(trimmed)}`,
            hint: 'Pass --json to npm audit (the action does); a saved audit-report must be the output of `npm audit --json`.',
        };
    }
    if (data.vulnerabilities && typeof data.vulnerabilities === 'object')
        return toReport(data);
    const error = (data.error ?? {});
    const code = typeof error.code === 'string' ? error.code : networkCode(String(data.message ?? ''));
    const statusCode = typeof data.statusCode === 'number' ? data.statusCode : undefined;
    const summary = [data.message, error.summary].find((s) => typeof s === 'string' && s.trim() !== '');
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
        hint: 'audit-report must be the output of `npm audit --json` (npm 7 or later).',
    };
}
function networkCode(message) {
    return /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|CERT_\w+)\b/.exec(message)?.[1];
}
function toReport(data) {
    const vulnerabilities = data.vulnerabilities;
    const findings = [];
    for (const [key, entry] of Object.entries(vulnerabilities)) {
        const severity = SEVERITIES.includes(String(entry.severity))
            ? entry.severity
            : 'info';
        const advisories = [];
        const via = [];
        for (const item of Array.isArray(entry.via) ? entry.via : []) {
            if (typeof item === 'string')
                via.push(item);
            else if (item && typeof item === 'object') {
                const advisory = item;
                advisories.push({
                    title: String(advisory.title ?? advisory.name ?? 'advisory'),
                    url: typeof advisory.url === 'string' ? advisory.url : undefined,
                    severity: SEVERITIES.includes(String(advisory.severity))
                        ? advisory.severity
                        : undefined,
                    range: typeof advisory.range === 'string' ? advisory.range : undefined,
                });
                const dependency = String(advisory.dependency ?? advisory.name ?? key);
                if (dependency !== key && !via.includes(dependency))
                    via.push(dependency);
            }
        }
        const fixAvailable = entry.fixAvailable;
        const fix = fixAvailable === true
            ? { available: true }
            : fixAvailable && typeof fixAvailable === 'object'
                ? {
                    available: true,
                    name: String(fixAvailable.name ?? key),
                    version: String(fixAvailable.version ?? ''),
                    semverMajor: fixAvailable.isSemVerMajor === true,
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
    findings.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.name.localeCompare(b.name));
    const counts = emptyCounts();
    const metadata = (data.metadata ?? {});
    const given = (metadata.vulnerabilities ?? undefined);
    for (const severity of SEVERITIES) {
        counts[severity] =
            given && Number.isFinite(Number(given[severity]))
                ? Number(given[severity])
                : findings.filter((f) => f.severity === severity).length;
    }
    counts.total = SEVERITIES.reduce((n, s) => n + counts[s], 0);
    const deps = (metadata.dependencies ?? undefined);
    const dependencies = typeof deps === 'number'
        ? deps
        : deps && Number.isFinite(Number(deps.total))
            ? Number(deps.total)
            : undefined;
    return { kind: 'report', counts, findings, dependencies };
}
function firstLine(text) {
    const line = text.split('\n').find((l) => l.trim() !== '') ?? text;
    return line.trim().slice(0, 300);
}
/**
 * Runs `npm audit --json` in `cwd` and reads its output. npm exits non-zero both when it finds
 * vulnerabilities and when it cannot audit, so the output decides, not the exit code.
 */
async function runNpmAudit(options) {
    const run = await (0,_exec_js__WEBPACK_IMPORTED_MODULE_2__/* .execShell */ .E)('npm audit --json', {
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
function isNpmProject(dir) {
    return (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.existsSync)((0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(dir, 'package.json'));
}


/***/ })

};
