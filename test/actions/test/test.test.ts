// The `test` action's committed bundle, run as the runner runs it: a real shell command, JUnit reports
// recorded from vitest, jest-junit, pytest and go-junit-report, and recorded `npm audit --json` outputs
// (see fixtures/README.md for where each came from).
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type ActionRun, type RunOptions, runAction } from '../../support/harness.js';

const FIXTURES = resolve(fileURLToPath(import.meta.url), '../fixtures');
const scratch = mkdtempSync(join(tmpdir(), 'test-action-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let counter = 0;
/** A fresh workspace holding `files` (path → content, or `{ fixture }` to copy one). */
function workspace(files: Record<string, string | { fixture: string }> = {}): string {
  const dir = join(scratch, `ws-${++counter}`);
  mkdirSync(dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    if (typeof content === 'string') writeFileSync(target, content);
    else copyFileSync(join(FIXTURES, content.fixture), target);
  }
  return dir;
}

/** A command that writes the recorded report where a test runner would, then exits with `status`. */
function writesReport(fixture: string, to: string, status = 0): string {
  return `mkdir -p ${dirname(to)} && cp '${join(FIXTURES, fixture)}' ${to} && echo "tests done" && exit ${status}`;
}

function run(cwd: string, inputs: RunOptions['inputs'], env?: RunOptions['env']): Promise<ActionRun> {
  return runAction('test', { cwd, inputs: { audit: 'off', ...inputs }, env });
}

/** Whether `pid` has exited (a zombie waiting for a parent to reap it counts as exited), waiting up to 5 s. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    let state: string | undefined;
    try {
      state = /\) (\w)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
    } catch {
      state = undefined;
    }
    if (state === undefined || state === 'Z' || state === 'X') return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function annotationsAt(result: ActionRun): string[] {
  return result.annotations
    .filter((a) => a.level === 'error' && a.properties.file)
    .map((a) => `${a.properties.file}:${a.properties.line}`);
}

describe('test: running the command', () => {
  it('streams the output, and exits with the command status', async () => {
    const ws = workspace();
    const result = await run(ws, {
      command: 'echo first-line; echo to-stderr >&2; echo second-line; exit 7',
    });
    expect(result.code).toBe(7);
    const out = result.stdout;
    expect(out.indexOf('Running `echo first-line')).toBeGreaterThanOrEqual(0);
    expect(out.indexOf('Running `')).toBeLessThan(out.indexOf('first-line\n'));
    expect(out.indexOf('first-line\n')).toBeLessThan(out.indexOf('second-line\n'));
    expect(out.indexOf('second-line\n')).toBeLessThan(out.indexOf('exited with status 7'));
    expect(result.stderr).toContain('to-stderr');
    expect(result.errors()).toHaveLength(1);
    expect(result.errors()[0]).toContain('exited with status 7');
    expect(result.outputs['audit-status']).toBe('skipped');
    expect(result.outputs.passed).toBeUndefined();
    expect(result.summary).toContain('exited with status 7');
  });

  it('succeeds with exit code 0 and runs in working-directory through bash with pipefail', async () => {
    const ws = workspace({ 'service/marker.txt': 'here' });
    const ok = await run(ws, { command: 'cat marker.txt && pwd', 'working-directory': 'service' });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('here');
    expect(ok.stdout).toContain(join(ws, 'service'));
    expect(ok.errors()).toEqual([]);
    // `false | cat` succeeds in plain sh; a workflow's bash step (and this action) fail it.
    const piped = await run(ws, { command: 'false | cat' });
    expect(piped.code).toBe(1);
  });

  it('does not pass its own INPUT_* variables to the command', async () => {
    const ws = workspace();
    const result = await run(ws, { command: 'env | grep -c ^INPUT_ || true' });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^0$/m);
  });

  it('stops the command and its children when the job is cancelled', async () => {
    const ws = workspace();
    const result = await runAction('test', {
      cwd: ws,
      inputs: { audit: 'off', command: 'sleep 30 & echo $! > child.pid; echo started; wait' },
      cancelAfterMs: 1500,
    });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toContain('started');
    expect(result.errors().join('\n')).toContain('cancelled');
    const pid = Number(readFileSync(join(ws, 'child.pid'), 'utf8'));
    expect(await gone(pid)).toBe(true); // the command's own child was stopped too
  });
});

describe('test: JUnit reports', () => {
  it('vitest: summary, outputs, and annotations at file and line', async () => {
    const ws = workspace({ 'src/math.test.ts': '', 'src/parse.test.ts': '' });
    const result = await run(ws, {
      command: writesReport('junit/vitest.xml', 'reports/junit.xml', 1),
      junit: 'reports/*.xml',
    });
    expect(result.code).toBe(1);
    expect(result.outputs).toMatchObject({ passed: '2', failed: '2', skipped: '1' });
    expect(annotationsAt(result)).toEqual(['src/math.test.ts:13', 'src/parse.test.ts:8']);
    const math = result.annotations.find((a) => a.properties.file === 'src/math.test.ts');
    expect(math?.properties.title).toBe('Failed: src/math.test.ts › add > handles negative numbers');
    expect(math?.properties.col).toBe('25');
    expect(math?.message).toContain('expected -3 to be -4');
    expect(result.summary).toContain('| Suite | Passed | Failed | Skipped | Time |');
    expect(result.summary).toMatch(/\| ❌ src\/math\.test\.ts \| 1 \| 1 \| 1 \|/);
    expect(result.summary).toMatch(/\| ❌ src\/parse\.test\.ts \| 1 \| 1 \| 0 \|/);
    expect(result.summary).toContain('### Failures (2)');
    expect(result.summary).toContain(
      '[src/math.test.ts:13](https://github.com/acme/notes/blob/0123456789abcdef0123456789abcdef01234567/src/math.test.ts#L13)',
    );
    expect(result.summary).toContain('2 passed · 2 failed · 1 skipped (1 report)');
    expect(result.errors().at(-1)).toContain('exited with status 1 (2 failed tests)');
  });

  it('jest-junit: absolute runner paths and suites that failed to run map to workspace files', async () => {
    const ws = workspace({ 'src/api/notes.test.js': '', 'src/api/users.test.js': '' });
    const result = await run(ws, {
      command: writesReport('junit/jest-junit.xml', 'junit.xml', 1),
      junit: 'junit.xml',
    });
    expect(result.code).toBe(1);
    expect(result.outputs).toMatchObject({ passed: '3', failed: '2', skipped: '1' });
    expect(annotationsAt(result)).toEqual(['src/api/notes.test.js:27', 'src/api/users.test.js:1']);
    const suiteError = result.annotations.find((a) => a.properties.file === 'src/api/users.test.js');
    expect(suiteError?.properties.title).toBe('Error: Test suite failed to run › src/api/users.test.js');
    expect(suiteError?.message).toContain("Cannot find module './db'");
    expect(result.summary).toMatch(/\| ❌ notes api \| 2 \| 1 \| 1 \|/);
    expect(result.summary).toMatch(/\| ✅ health \| 1 \| 0 \| 0 \|/);
  });

  it('pytest: the failing line in the test, not the deepest frame; xunit1 file/line attributes too', async () => {
    const files = { 'tests/test_config.py': '', 'tests/test_orders.py': '' };
    for (const fixture of ['junit/pytest.xml', 'junit/pytest-xunit1.xml']) {
      const ws = workspace(files);
      const result = await run(ws, {
        command: writesReport(fixture, 'out/pytest.xml', 1),
        junit: 'out/pytest.xml',
      });
      expect(result.code).toBe(1);
      expect(result.outputs).toMatchObject({ passed: '2', failed: '3', skipped: '1' });
      expect(annotationsAt(result)).toEqual([
        'tests/test_config.py:9',
        'tests/test_orders.py:13',
        'tests/test_orders.py:27',
      ]);
      // pytest writes the newlines of `message` as &#10;: they are decoded, in the annotation and the summary.
      const message = result.annotations.find((a) => a.properties.line === '13')?.message;
      expect(message).toContain('assert 8.0 == 9\n +  where 8.0 = total([(2.5, 2), (1, 3)])');
      expect(message).not.toContain('&#10;');
      expect(result.summary).toContain(
        '> assert 8.0 == 9\n>  \\+  where 8.0 = total\\(\\[\\(2.5, 2\\), \\(1, 3\\)\\]\\)',
      );
      expect(result.summary).not.toContain('&#10;');
    }
  });

  it('annotates the first 9 failures at their file and says in the log and summary how many were not', async () => {
    const cases = Array.from(
      { length: 13 },
      (_, i) =>
        `<testcase classname="suite" name="case ${i + 1}" file="src/t.test.ts" line="${i + 1}"><failure message="boom ${i + 1}">at src/t.test.ts:${i + 1}:3</failure></testcase>`,
    ).join('');
    const ws = workspace({
      'src/t.test.ts': '',
      'r.xml': `<testsuites><testsuite name="suite">${cases}</testsuite></testsuites>`,
    });
    const result = await run(ws, { command: 'exit 1', junit: 'r.xml' });
    expect(result.code).toBe(1);
    const failures = result.annotations.filter((a) => a.level === 'error' && a.properties.file);
    expect(failures.map((a) => a.properties.line)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(result.stdout).toContain('4 more failed tests are not annotated');
    expect(result.summary).toContain(
      'The first 9 failures are annotated at their file and line; 4 more are not',
    );
  });

  it('go-junit-report: package-relative file names resolve through the import path', async () => {
    const ws = workspace({
      'go.mod': 'module github.com/acme/notes\n',
      'internal/orders/orders_test.go': '',
      'internal/config/config_test.go': '',
      'internal/db/db_test.go': '',
    });
    const result = await run(ws, {
      command: writesReport('junit/go-junit-report.xml', 'report.xml', 1),
      junit: 'report.xml',
    });
    expect(result.outputs).toMatchObject({ passed: '2', failed: '3', skipped: '1' });
    expect(annotationsAt(result)).toEqual([
      'internal/orders/orders_test.go:27',
      'internal/config/config_test.go:14',
      'internal/db/db_test.go:9',
    ]);
    expect(result.summary).toContain('github.com/acme/notes/internal/orders');
  });

  it('adds up several reports matched by a glob, and lets ! exclude some', async () => {
    const ws = workspace({ 'src/math.test.ts': '', 'tests/test_orders.py': '', 'tests/test_config.py': '' });
    const command = [
      writesReport('junit/vitest.xml', 'reports/web/junit.xml').replace(/ && exit 0$/, ''),
      writesReport('junit/pytest.xml', 'reports/api/junit.xml').replace(/ && exit 0$/, ''),
      writesReport('junit/go-junit-report.xml', 'reports/old/junit.xml'),
    ].join(' && ');
    const result = await run(ws, { command, junit: 'reports/**/*.xml\n!reports/old/**' });
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({ passed: '4', failed: '5', skipped: '2' });
    expect(result.summary).toContain('(2 reports)');
    // The command passed although the reports list failures: said, not hidden.
    expect(result.annotations.some((a) => a.level === 'warning' && a.message.includes('exited with 0'))).toBe(
      true,
    );
  });

  it('warns (and does not crash) when no report matches', async () => {
    const ws = workspace();
    const result = await run(ws, { command: 'echo no reports here', junit: 'reports/*.xml' });
    expect(result.code).toBe(0);
    expect(result.errors()).toEqual([]);
    const warning = result.annotations.find((a) => a.level === 'warning');
    expect(warning?.message).toContain('No JUnit report matched `reports/*.xml`');
    expect(result.outputs.passed).toBeUndefined();
    expect(result.summary).toContain('no readable JUnit report');
  });

  it('reports malformed XML with its place, and still reads the other reports', async () => {
    const ws = workspace({ 'src/math.test.ts': '', 'src/parse.test.ts': '' });
    const command = `${writesReport('junit/malformed.xml', 'reports/a.xml').replace(/ && exit 0$/, '')} && ${writesReport('junit/vitest.xml', 'reports/b.xml')}`;
    const result = await run(ws, { command, junit: 'reports/*.xml' });
    expect(result.code).toBe(0);
    const warning = result.annotations.find(
      (a) => a.level === 'warning' && a.properties.file === 'reports/a.xml',
    );
    expect(warning?.message).toMatch(
      /^JUnit report reports\/a\.xml:\d+(:\d+)?: not well-formed XML: .+; it was left out/,
    );
    expect(result.outputs).toMatchObject({ passed: '2', failed: '2', skipped: '1' });
  });

  it('says when a report is not JUnit at all', async () => {
    const ws = workspace();
    const result = await run(ws, {
      command: 'echo "<coverage line-rate=\\"1\\"></coverage>" > cov.xml',
      junit: 'cov.xml',
    });
    expect(result.code).toBe(0);
    expect(result.annotations.map((a) => a.message).join('\n')).toContain(
      'not a JUnit report: the root element is <coverage>',
    );
  });
});

describe('test: dependency audit', () => {
  const cases: Array<[fixture: string, level: string, status: 'passed' | 'failed']> = [
    ['npm-audit-vulnerable.json', 'critical', 'failed'],
    ['npm-audit-vulnerable.json', 'high', 'failed'],
    ['npm-audit-vulnerable.json', 'low', 'failed'],
    ['npm-audit-moderate.json', 'critical', 'passed'],
    ['npm-audit-moderate.json', 'high', 'passed'],
    ['npm-audit-moderate.json', 'moderate', 'failed'],
    ['npm-audit-moderate.json', 'low', 'failed'],
    ['npm-audit-clean.json', 'low', 'passed'],
  ];
  it.each(cases)('%s at audit-level %s: %s', async (fixture, level, status) => {
    const ws = workspace({ 'audit.json': { fixture: `audit/${fixture}` } });
    const result = await run(ws, {
      command: 'true',
      audit: 'npm',
      'audit-level': level,
      'audit-report': 'audit.json',
    });
    const counts = JSON.parse(readFileSync(join(FIXTURES, 'audit', fixture), 'utf8')).metadata
      .vulnerabilities;
    expect(JSON.parse(result.outputs.vulnerabilities ?? '{}')).toEqual(counts);
    expect(result.outputs['audit-status']).toBe(status);
    expect(result.code).toBe(status === 'failed' ? 1 : 0);
    if (status === 'failed') {
      expect(result.errors().at(-1)).toMatch(
        new RegExp(`npm audit found \\d+ vulnerabilit(y|ies) at or above audit-level ${level}`),
      );
    } else {
      expect(result.errors()).toEqual([]);
    }
  });

  it('tables the vulnerable packages by severity with range, advisory and fix', async () => {
    const ws = workspace({ 'audit.json': { fixture: 'audit/npm-audit-vulnerable.json' } });
    const result = await run(ws, { command: 'true', audit: 'npm', 'audit-report': 'audit.json' });
    expect(result.errors().at(-1)).toContain(
      'npm audit found 4 vulnerabilities at or above audit-level high (2 critical, 2 high)',
    );
    const rows = result.summary
      .split('\n')
      .filter((l) => /^\| (🟥|🟧|🟨|🟦|⬜) \w+( \*\*\(gate\)\*\*)? \| `/.test(l));
    expect(rows).toEqual([
      '| 🟥 critical **(gate)** | `minimist` (indirect) | <0.2.4 | [Prototype Pollution in minimist](https://github.com/advisories/GHSA-xvch-5gv4-984h) | upgrade mkdirp@0.5.6 (npm audit fix) |',
      '| 🟥 critical **(gate)** | `mkdirp` | 0.5.1 | via `minimist` | upgrade to mkdirp@0.5.6 (npm audit fix) |',
      '| 🟧 high **(gate)** | `node-fetch` | 2.6.0 | [node-fetch forwards secure headers to untrusted sites](https://github.com/advisories/GHSA-r683-j2x4-v87g) | upgrade to node-fetch@2.6.7 (npm audit fix) |',
      '| 🟧 high **(gate)** | `semver` | 7.5.1 | [semver vulnerable to Regular Expression Denial of Service](https://github.com/advisories/GHSA-c2qf-rxjj-qqgw) | upgrade to semver@7.6.0 (npm audit fix) |',
      '| 🟦 low | `debug` | 2.6.8 | [Regular Expression Denial of Service in debug](https://github.com/advisories/GHSA-gxpj-cx7g-858c) | upgrade to debug@2.6.9 (npm audit fix) |',
    ]);
    expect(result.summary).toContain('| 2 | 2 | 0 | 1 | 0 | 5 |');
  });

  it('says when there is no fix, or only a breaking one', async () => {
    const ws = workspace({ 'audit.json': { fixture: 'audit/npm-audit-no-fix.json' } });
    const result = await run(ws, { command: 'true', audit: 'npm', 'audit-report': 'audit.json' });
    expect(result.summary).toContain('| `mkdirp` | * |');
    expect(result.summary).toMatch(/`mkdirp`.*\| no fix available \|/);
    expect(result.summary).toMatch(
      /`node-fetch`.*upgrade to node-fetch@3\.3\.2 \(semver-major: npm audit fix --force\)/,
    );
  });

  it.each([
    ['npm-audit-unreachable-405.json', '405 Method Not Allowed'],
    ['npm-audit-unreachable-econnrefused.json', 'ECONNREFUSED'],
    ['npm-audit-unreachable-enotfound.json', 'ENOTFOUND'],
  ])('recorded unreachable endpoint (%s): unavailable, a warning, never a pass', async (fixture, words) => {
    const ws = workspace({ 'audit.json': { fixture: `audit/${fixture}` } });
    const result = await run(ws, { command: 'true', audit: 'npm', 'audit-report': 'audit.json' });
    expect(result.code).toBe(0);
    expect(result.outputs['audit-status']).toBe('unavailable');
    expect(result.outputs.vulnerabilities).toBeUndefined();
    const warning = result.annotations.find((a) => a.level === 'warning');
    expect(warning?.properties.title).toBe('Dependency audit unavailable');
    expect(warning?.message).toContain(words);
    expect(warning?.message).toContain('The dependencies were NOT checked');
    expect(result.summary).toContain('unavailable');
    expect(result.summary).not.toContain('✅ passed');
  });

  it('a missing lockfile is unavailable with what to do', async () => {
    const ws = workspace({ 'audit.json': { fixture: 'audit/npm-audit-enolock.json' } });
    const result = await run(ws, { command: 'true', audit: 'npm', 'audit-report': 'audit.json' });
    expect(result.outputs['audit-status']).toBe('unavailable');
    expect(result.annotations.find((a) => a.level === 'warning')?.message).toContain(
      'Commit a package-lock.json (npm install --package-lock-only), or set audit: off',
    );
  });

  describe('running npm audit (an npm stand-in on PATH replays recorded outputs)', () => {
    function fakeNpm(fixture: string | undefined, exitCode: number): string {
      const bin = join(scratch, `npm-bin-${++counter}`);
      mkdirSync(bin);
      const script = join(bin, 'npm');
      writeFileSync(
        script,
        [
          '#!/bin/sh',
          `echo "$PWD $*" >> "${bin}/calls"`,
          fixture ? `cat '${join(FIXTURES, 'audit', fixture)}'` : '',
          'echo "npm warn audit request failed" >&2',
          `exit ${exitCode}`,
        ].join('\n'),
      );
      chmodSync(script, 0o755);
      return bin;
    }

    it('runs `npm audit --json` in working-directory and gates on its report', async () => {
      const ws = workspace({ 'app/package.json': '{}' });
      const bin = fakeNpm('npm-audit-vulnerable.json', 1);
      const result = await run(
        ws,
        { command: 'true', audit: 'npm', 'working-directory': 'app', 'audit-level': 'critical' },
        { PATH: `${bin}:${process.env.PATH}` },
      );
      expect(readFileSync(join(bin, 'calls'), 'utf8')).toBe(`${join(ws, 'app')} audit --json\n`);
      expect(result.outputs['audit-status']).toBe('failed');
      expect(result.code).toBe(1);
      expect(result.errors().at(-1)).toContain(
        '2 vulnerabilities at or above audit-level critical (2 critical)',
      );
    });

    it('the real unreachable-endpoint output (npm exits 1) is unavailable, not passed', async () => {
      const ws = workspace({ 'package.json': '{}' });
      const bin = fakeNpm('npm-audit-unreachable-405.json', 1);
      const result = await run(ws, { command: 'true', audit: 'npm' }, { PATH: `${bin}:${process.env.PATH}` });
      expect(result.code).toBe(0);
      expect(result.outputs['audit-status']).toBe('unavailable');
      expect(result.stdout).toContain('npm warn audit request failed'); // npm's own words, in a log group
    });

    it('no output at all and a non-zero exit is unavailable', async () => {
      const ws = workspace({ 'package.json': '{}' });
      const bin = fakeNpm(undefined, 1);
      const result = await run(ws, { command: 'true', audit: 'npm' }, { PATH: `${bin}:${process.env.PATH}` });
      expect(result.outputs['audit-status']).toBe('unavailable');
      expect(result.annotations.find((a) => a.level === 'warning')?.message).toContain(
        'npm audit printed no report and exited with 1',
      );
    });

    it('skips (with a warning) where there is no package.json', async () => {
      const ws = workspace();
      const bin = fakeNpm('npm-audit-vulnerable.json', 1);
      const result = await run(ws, { command: 'true', audit: 'npm' }, { PATH: `${bin}:${process.env.PATH}` });
      expect(existsSync(join(bin, 'calls'))).toBe(false);
      expect(result.outputs['audit-status']).toBe('skipped');
      expect(result.annotations.find((a) => a.level === 'warning')?.message).toContain('no package.json');
    });
  });

  it('fails when the given audit-report does not exist', async () => {
    const ws = workspace();
    const result = await run(ws, { command: 'true', audit: 'npm', 'audit-report': 'missing.json' });
    expect(result.code).toBe(1);
    expect(result.outputs['audit-status']).toBe('unavailable');
    expect(result.errors().at(-1)).toContain('audit-report: missing.json does not exist');
  });
});

describe('test: bad inputs fail before the command runs', () => {
  it.each([
    [{ 'audit-level': 'severe' }, 'test: audit-level: "severe" is not one of: low, moderate, high, critical'],
    [{ audit: 'yarn' }, 'test: audit: "yarn" is not one of: npm, off'],
    [{ audit: 'off', 'audit-report': 'a.json' }, 'test: audit-report: is given but audit is off'],
    [{ 'working-directory': 'nope' }, 'test: working-directory: "nope" is not a folder'],
  ])('%j', async (inputs, message) => {
    const ws = workspace();
    const result = await runAction('test', { cwd: ws, inputs: { command: 'touch ran', ...inputs } });
    expect(result.code).toBe(1);
    expect(result.errors()[0]).toContain(message);
    expect(existsSync(join(ws, 'ran'))).toBe(false);
  });

  it('an empty command is refused, not replaced by the default npm test', async () => {
    // The runner applies an input's default only when the step leaves the input out; `command: ''` reaches
    // the action as an empty INPUT_COMMAND (the harness does the same). `npm test` would create `ran`.
    const files = { 'package.json': JSON.stringify({ name: 'ws', scripts: { test: 'touch ran' } }) };
    for (const command of ['', '   ']) {
      const ws = workspace(files);
      const result = await runAction('test', { cwd: ws, inputs: { audit: 'off', command } });
      expect(result.code).toBe(1);
      expect(result.errors()[0]).toContain(
        'test: command: is required; give the command that runs the tests, e.g. npm test',
      );
      expect(result.stdout).not.toContain('Running `');
      expect(existsSync(join(ws, 'ran'))).toBe(false);
    }
    // Left out, the default `npm test` runs (so the workspace above would have shown it).
    const ws = workspace(files);
    const defaulted = await runAction('test', { cwd: ws, inputs: { audit: 'off' } });
    expect(defaulted.code, defaulted.stdout + defaulted.stderr).toBe(0);
    expect(defaulted.stdout).toContain('Running `npm test`');
    expect(existsSync(join(ws, 'ran'))).toBe(true);
  });
});
