// /docs in a real browser: headless Chromium (Debian's `chromium`), with every host but the loopback
// unresolvable, renders the API reference from the service's own files under its strict CSP and lists the
// operations. CI installs chromium (.ci/run); elsewhere the test is skipped with a message if it is missing.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGLITE, type TestContext } from './support/databases.js';

function findChromium(): string | undefined {
  for (const name of [process.env.CHROMIUM_PATH, 'chromium', 'chromium-browser', 'google-chrome']) {
    if (!name) continue;
    try {
      return execFileSync('sh', ['-c', `command -v "${name}"`], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      // not this one
    }
  }
  return undefined;
}

const chromium = findChromium();
if (!chromium) {
  console.warn(
    "[docs-browser] SKIPPED: no chromium found (install Debian's chromium, or set CHROMIUM_PATH); .ci/run installs it",
  );
}

/** Loads `url` in headless Chromium and returns the DOM after scripts ran, and the browser's log. */
function dumpDom(url: string): Promise<{ dom: string; log: string }> {
  const profile = mkdtempSync(join(tmpdir(), 'svc-chromium-'));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--no-first-run',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    // Offline: any host other than the loopback fails to resolve, as without a network.
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    '--enable-logging=stderr',
    '--v=0',
    '--virtual-time-budget=20000',
    '--dump-dom',
    url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(chromium!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let dom = '';
    let log = '';
    child.stdout.on('data', (d) => {
      dom += d;
    });
    child.stderr.on('data', (d) => {
      log += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('exit', () => {
      clearTimeout(timer);
      rmSync(profile, { recursive: true, force: true });
      resolve({ dom, log });
    });
  });
}

describe.skipIf(!chromium)('/docs in headless Chromium, offline', () => {
  let ctx: TestContext;
  let server: Server;
  let base: string;
  beforeAll(async () => {
    ctx = await PGLITE.start();
    server = createAdaptorServer({ fetch: ctx.app.fetch }) as Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await ctx?.stop();
  });

  it("renders every operation from the service's own Swagger UI files under a strict CSP", {
    timeout: 120_000,
  }, async () => {
    const page = await fetch(`${base}/docs`);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);

    const { dom, log } = await dumpDom(`${base}/docs`);
    expect(log).not.toMatch(/Content Security Policy/i);
    // Swagger UI's operation rows: method and path of each.
    const operations = [...dom.matchAll(/opblock-summary-method">(\w+)<.*?data-path="([^"]+)"/gs)].map(
      (m) => `${m[1]} ${m[2]}`,
    );
    expect(operations, dom.slice(0, 2000)).toEqual(
      expect.arrayContaining([
        'POST /v1/notes',
        'GET /v1/notes',
        'GET /v1/notes/{id}',
        'PATCH /v1/notes/{id}',
        'DELETE /v1/notes/{id}',
        'GET /healthz',
      ]),
    );
  });
});
