// The committed bundles are what users run: they must equal a fresh build of the sources, and every action
// must be a node24 action whose entry exists, with a README.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { listActions } from '../scripts/build.mjs';
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
