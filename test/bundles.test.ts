// The committed bundles are what users run: they must equal a fresh build of the sources, and every action
// must be a node24 action whose entry exists, with a README.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { inputsHash, isFresh, listActions, writeStamp } from '../scripts/build.mjs';
import { actionDir, REPO_ROOT, readActionMetadata } from './support/harness.js';

const actions = listActions();

describe('action bundles', () => {
  test('there is a bundle for every action', () => {
    expect(actions.length).toBeGreaterThan(0);
  });

  test.each(actions.map((a) => a.name))('%s is a node24 action with its bundle and README', (name) => {
    const meta = readActionMetadata(name);
    expect(meta.runs.using).toBe('node24');
    expect(meta.runs.main).toBe('dist/index.js');
    expect(existsSync(join(actionDir(name), 'dist/index.js'))).toBe(true);
    expect(existsSync(join(actionDir(name), 'README.md'))).toBe(true);
    for (const [input, spec] of Object.entries(meta.inputs)) {
      expect(input, 'inputs are kebab-case').toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
      expect(spec.description, `${name}: input ${input} has a description`).toBeTruthy();
    }
    for (const [output, spec] of Object.entries(meta.outputs)) {
      expect(spec.description, `${name}: output ${output} has a description`).toBeTruthy();
    }
    // The bundle is ESM: ncc writes a package.json marking the folder as a module.
    const pkg = JSON.parse(readFileSync(join(actionDir(name), 'dist/package.json'), 'utf8'));
    expect(pkg.type).toBe('module');
  });

  test('committed bundles equal a fresh build (npm run build)', { timeout: 600_000 }, async () => {
    const result = await promisify(execFile)(process.execPath, ['scripts/build.mjs', '--check'], {
      cwd: REPO_ROOT,
    }).catch((error: { stdout?: string; stderr?: string }) => error);
    expect(`${result.stderr ?? ''}`).not.toContain('out of date');
    expect(`${result.stderr ?? ''}`.trim()).toBe('');
  });
});

// The incremental check skips rebuilding a bundle whose stamp matches: it must never call a bundle fresh
// when its inputs or its files changed.
describe('bundle freshness (build-stamp.json)', () => {
  const scratch = mkdtempSync(join(REPO_ROOT, '.freshness-'));
  const action = { name: 'probe', dir: scratch };
  const write = (path: string, text: string) => {
    mkdirSync(join(scratch, path, '..'), { recursive: true });
    writeFileSync(join(scratch, path), text);
  };

  test('the inputs hash follows every file of the module graph, dynamic imports included', async () => {
    try {
      write('src/index.ts', "import { a } from './a.js';\nconsole.log(a);\n");
      write('src/a.ts', 'export const a = 1;\n');
      write('src/unused.ts', 'export const u = 1;\n');
      const first = await inputsHash(action);
      expect(first).toMatch(/^[0-9a-f]{64}$/);
      write('src/unused.ts', 'export const u = 2;\n');
      expect(await inputsHash(action), 'a file outside the graph changes nothing').toBe(first);
      write('src/a.ts', 'export const a = 2;\n');
      const second = await inputsHash(action);
      expect(second).not.toBe(first);
      write('src/index.ts', "import { a } from './a.js';\nconsole.log(a, await import('./lazy.js'));\n");
      write('src/lazy.ts', 'export const lazy = 1;\n');
      const third = await inputsHash(action);
      expect(third).not.toBe(second);
      write('src/lazy.ts', 'export const lazy = 2;\n');
      expect(await inputsHash(action), 'a dynamically imported file is an input').not.toBe(third);
      write('src/index.ts', "import { missing } from './missing.js';\nconsole.log(missing);\n");
      expect(await inputsHash(action), 'an unreadable graph has no hash (so: stale)').toBeUndefined();
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  test('a bundle edited, extended or unstamped since its build is not fresh', () => {
    const dist = mkdtempSync(join(tmpdir(), 'stamp-'));
    try {
      writeFileSync(join(dist, 'index.js'), 'console.log(1);\n');
      writeStamp(dist, 'inputs-1');
      expect(isFresh(dist, 'inputs-1')).toBe(true);
      expect(isFresh(dist, 'inputs-2'), 'other inputs').toBe(false);
      expect(isFresh(dist, undefined), 'unknown inputs').toBe(false);
      writeFileSync(join(dist, 'index.js'), 'console.log(2);\n');
      expect(isFresh(dist, 'inputs-1'), 'an edited file').toBe(false);
      writeFileSync(join(dist, 'index.js'), 'console.log(1);\n');
      writeFileSync(join(dist, '1.index.js'), 'x');
      expect(isFresh(dist, 'inputs-1'), 'an extra file').toBe(false);
      rmSync(join(dist, '1.index.js'));
      expect(isFresh(dist, 'inputs-1')).toBe(true);
      rmSync(join(dist, 'build-stamp.json'));
      expect(isFresh(dist, 'inputs-1'), 'no stamp').toBe(false);
    } finally {
      rmSync(dist, { recursive: true, force: true });
    }
  });

  test.each(actions.map((a) => a.name))('%s: the committed stamp matches its sources', async (name) => {
    const action = actions.find((a) => a.name === name);
    expect(action).toBeDefined();
    const dist = join(action?.dir ?? '', 'dist');
    expect(existsSync(join(dist, 'build-stamp.json'))).toBe(true);
    expect(
      isFresh(dist, await inputsHash(action ?? { name, dir: '' })),
      'run `npm run build` and commit dist/',
    ).toBe(true);
  });
});
