export const id = 478;
export const ids = [478];
export const modules = {

/***/ 3478:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   JUnitParseError: () => (/* binding */ JUnitParseError),
/* harmony export */   locateFailure: () => (/* binding */ locateFailure),
/* harmony export */   locationsIn: () => (/* binding */ locationsIn),
/* harmony export */   parseJUnit: () => (/* binding */ parseJUnit),
/* harmony export */   resolveSource: () => (/* binding */ resolveSource),
/* harmony export */   totals: () => (/* binding */ totals)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var fast_xml_parser__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(5824);
/* harmony import */ var fast_xml_parser__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(9658);
// JUnit XML reports (vitest, jest-junit, pytest, go-junit-report and others of the same shape) parsed into
// suites and test cases, and the place each failure points at (file and line) found from the testcase's
// `file`/`line` attributes or its stack trace, relative to the workspace.



/** A report that is not well-formed XML or not JUnit. */
class JUnitParseError extends Error {
    path;
    reason;
    line;
    column;
    name = 'JUnitParseError';
    constructor(path, reason, line, column) {
        super(`${path}${line ? `:${line}${column ? `:${column}` : ''}` : ''}: ${reason}`);
        this.path = path;
        this.reason = reason;
        this.line = line;
        this.column = column;
    }
}
const ARRAY_TAGS = new Set(['testsuite', 'testcase', 'failure', 'error', 'skipped', 'property']);
function parseJUnit(xml, path) {
    const valid = fast_xml_parser__WEBPACK_IMPORTED_MODULE_2__/* .XMLValidator */ .iI.validate(xml);
    if (valid !== true) {
        throw new JUnitParseError(path, `not well-formed XML: ${valid.err.msg}`, valid.err.line, valid.err.col);
    }
    const parser = new fast_xml_parser__WEBPACK_IMPORTED_MODULE_3__/* ["default"] */ .A({
        ignoreAttributes: false,
        attributeNamePrefix: '@',
        textNodeName: '#text',
        parseTagValue: false,
        parseAttributeValue: false,
        trimValues: false,
        processEntities: true,
        isArray: (name) => ARRAY_TAGS.has(name),
    });
    const doc = parser.parse(xml);
    const root = (doc.testsuites ?? undefined);
    const topSuites = root ? asArray(root.testsuite) : asArray(doc.testsuite);
    if (!root && topSuites.length === 0) {
        const element = Object.keys(doc).find((k) => !k.startsWith('?')) ?? 'nothing';
        throw new JUnitParseError(path, `not a JUnit report: the root element is <${element}>, not <testsuites>`);
    }
    const suites = [];
    for (const suite of topSuites)
        collectSuite(suite, suites, undefined);
    const rootName = str(root?.['@name']);
    return { path, producer: detectProducer(rootName, suites), suites };
}
function collectSuite(node, into, parentName) {
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
    for (const child of asArray(node.testsuite))
        collectSuite(child, into, name);
}
function toCase(node, suite) {
    const failure = asArray(node.failure)[0];
    const error = asArray(node.error)[0];
    const skipped = asArray(node.skipped)[0];
    const problem = failure ?? error;
    const status = failure
        ? 'failed'
        : error
            ? 'error'
            : skipped !== undefined
                ? 'skipped'
                : 'passed';
    const result = {
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
        const attr = typeof problem === 'object' ? str(problem['@message']) : undefined;
        const firstLine = details
            .split('\n')
            .map((l) => l.trim())
            .find((l) => l !== '' && !/^●/.test(l));
        result.message = (attr?.trim() || firstLine || (status === 'error' ? 'error' : 'failed')).trim();
        if (details)
            result.details = details;
    }
    else if (skipped !== undefined && typeof skipped === 'object') {
        const reason = str(skipped['@message']);
        if (reason)
            result.message = reason;
    }
    return result;
}
function detectProducer(rootName, suites) {
    if (rootName === 'vitest tests')
        return 'vitest';
    if (rootName === 'jest tests')
        return 'jest';
    if (rootName === 'pytest tests' || suites.some((s) => s.name === 'pytest'))
        return 'pytest';
    const cases = suites.flatMap((s) => s.cases);
    const goLike = (c) => /^(Test|Example|Fuzz|\[build failed\])/.test(c.name) && /^[\w.-]+(\/[\w.-]+)+$/.test(c.classname ?? '');
    if (cases.length > 0 && cases.every(goLike))
        return 'go';
    return undefined;
}
function totals(reports) {
    const all = reports.flatMap((r) => r.suites);
    const passed = sum(all.map((s) => s.passed));
    const failed = sum(all.map((s) => s.failed + s.errors));
    const skipped = sum(all.map((s) => s.skipped));
    return { tests: passed + failed + skipped, passed, failed, skipped };
}
// `path:line` or `path:line:col`, the path ending in a file extension; a URL-ish `file://` prefix is allowed.
const LOCATION = /(?:file:\/\/)?((?:[A-Za-z]:)?[^\s():'"`<>|,]*[^\s():'"`<>|,/\\]\.[A-Za-z][A-Za-z0-9]{0,9}):(\d+)(?::(\d+))?/g;
/** Candidate `file:line` locations in a failure's text, in order of appearance. */
function locationsIn(text) {
    const found = [];
    for (const match of text.matchAll(LOCATION)) {
        const [whole, raw, line, column] = match;
        const path = whole.startsWith('file://') ? safeDecode(raw) : raw;
        if (/(^|[/\\])node_modules[/\\]|^node:/.test(path))
            continue;
        found.push({ path, line: Number(line), column: column ? Number(column) : undefined });
    }
    return found;
}
function safeDecode(text) {
    try {
        return decodeURIComponent(text);
    }
    catch {
        return text;
    }
}
/**
 * The source location a failed test points at: a location from its stack trace in the test's own file
 * (the assertion that failed) when there is one, else the testcase's file/line attributes, else the first
 * stack location that exists in the workspace. `undefined` when nothing resolves to a file in the workspace.
 */
function locateFailure(testCase, context) {
    const attrFile = testCase.file ? resolveSource(testCase.file, testCase, context) : undefined;
    const ownFile = attrFile ?? guessTestFile(testCase, context);
    const candidates = locationsIn(`${testCase.details ?? ''}\n${testCase.message ?? ''}`);
    const resolved = candidates
        .map((c) => ({ ...c, file: resolveSource(c.path, testCase, context) }))
        .filter((c) => c.file !== undefined);
    const inOwnFile = ownFile ? resolved.find((c) => c.file === ownFile) : undefined;
    const pick = inOwnFile ?? (attrFile ? undefined : resolved[0]);
    if (pick)
        return { file: pick.file, line: pick.line, column: pick.column };
    if (attrFile) {
        // pytest writes a 0-based line (the test function's definition); every other runner a 1-based one.
        const line = testCase.line === undefined ? 1 : testCase.line + (context.producer === 'pytest' ? 1 : 0);
        return { file: attrFile, line: Math.max(1, line) };
    }
    return undefined;
}
/** The test's own file when the runner does not write a `file` attribute but names it otherwise. */
function guessTestFile(testCase, context) {
    const names = [testCase.classname, testCase.suite].filter((n) => !!n);
    for (const name of names) {
        if (/\.[A-Za-z]{1,5}$/.test(name) && /[/\\]/.test(name)) {
            const file = resolveSource(name, testCase, context);
            if (file)
                return file;
        }
        // pytest: tests.test_orders.TestRefunds → tests/test_orders.py
        if (context.producer === 'pytest' && /^[\w.]+$/.test(name)) {
            const parts = name.split('.');
            for (let n = parts.length; n > 0; n--) {
                const file = resolveSource(`${parts.slice(0, n).join('/')}.py`, testCase, context);
                if (file)
                    return file;
            }
        }
    }
    return undefined;
}
/** `path` (absolute, relative to where the tests ran, or package-relative as Go prints it) → workspace-relative. */
function resolveSource(path, testCase, context) {
    const workspace = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.resolve)(context.workspace);
    const tryPath = (absolute) => (isFile(absolute) ? toWorkspace(absolute, workspace) : undefined);
    if ((0,node_path__WEBPACK_IMPORTED_MODULE_1__.isAbsolute)(path)) {
        const inside = toWorkspace((0,node_path__WEBPACK_IMPORTED_MODULE_1__.resolve)(path), workspace);
        if (inside !== undefined && isFile((0,node_path__WEBPACK_IMPORTED_MODULE_1__.resolve)(path)))
            return inside;
        // Written on another machine or in a container (/home/runner/work/x/x/src/a.ts, /app/src/a.ts): the
        // longest tail of the path that exists in the workspace.
        const parts = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.resolve)(path)
            .split(/[/\\]+/)
            .filter(Boolean);
        for (let i = 1; i < parts.length; i++) {
            const tail = parts.slice(i);
            if (tail.includes('node_modules'))
                continue;
            for (const base of [context.baseDir, workspace]) {
                const found = tryPath((0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(base, ...tail));
                if (found)
                    return found;
            }
        }
        return undefined;
    }
    for (const base of [context.baseDir, workspace]) {
        const found = tryPath((0,node_path__WEBPACK_IMPORTED_MODULE_1__.resolve)(base, path));
        if (found)
            return found;
    }
    // Go prints paths relative to the package folder (orders_test.go:27); the classname is the import path
    // (github.com/acme/notes/internal/orders): try the import path's trailing folders.
    const pkg = testCase.classname;
    if (pkg && /^[\w.-]+(\/[\w.-]+)+$/.test(pkg) && !/[/\\]/.test(path)) {
        const parts = pkg.split('/');
        for (let i = parts.length - 1; i >= 0; i--) {
            for (const base of [context.baseDir, workspace]) {
                const found = tryPath((0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(base, ...parts.slice(i), (0,node_path__WEBPACK_IMPORTED_MODULE_1__.basename)(path)));
                if (found)
                    return found;
            }
        }
    }
    return undefined;
}
function toWorkspace(absolute, workspace) {
    const rel = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.relative)(workspace, absolute);
    if (rel === '' || rel.startsWith('..') || (0,node_path__WEBPACK_IMPORTED_MODULE_1__.isAbsolute)(rel))
        return undefined;
    return rel.split(node_path__WEBPACK_IMPORTED_MODULE_1__.sep).join('/');
}
function isFile(path) {
    try {
        return (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.existsSync)(path) && (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.statSync)(path).isFile();
    }
    catch {
        return false;
    }
}
// --- Helpers ---------------------------------------------------------------------------------------------
function asArray(value) {
    if (value === undefined || value === null)
        return [];
    return (Array.isArray(value) ? value : [value]).map((v) => typeof v === 'object' && v ? v : { '#text': v });
}
function textOf(node) {
    if (node === undefined || node === null)
        return '';
    if (typeof node !== 'object')
        return String(node);
    const text = node['#text'];
    if (Array.isArray(text))
        return text.join('');
    return text === undefined ? '' : String(text);
}
function str(value) {
    if (value === undefined || value === null)
        return undefined;
    const text = String(value);
    return text === '' ? undefined : text;
}
function num(value) {
    const n = Number(value);
    return value === undefined || value === '' || !Number.isFinite(n) ? undefined : n;
}
function int(value) {
    const n = num(value);
    return n === undefined ? undefined : Math.trunc(n);
}
function sum(values) {
    return values.reduce((a, b) => a + b, 0);
}


/***/ })

};
