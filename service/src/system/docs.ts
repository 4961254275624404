// The API reference at /docs, served entirely by the service: Swagger UI's files come from the pinned
// swagger-ui-dist package (copied next to the bundle by the build, read from node_modules when running from
// source), so the page renders without internet, and a strict Content-Security-Policy allows nothing else.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../http/env.js';

/** Only this origin's scripts, styles and API; images also as data: URIs (Swagger UI's icons). */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Notes API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

// A file, not an inline script: the policy allows no inline code.
const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui' });\n`;

/** dist/swagger-ui beside the bundle, or the installed package when running from source. */
function assetsDir(): string {
  const bundled = fileURLToPath(new URL('./swagger-ui', import.meta.url));
  if (existsSync(join(bundled, 'swagger-ui-bundle.js'))) return bundled;
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

export function registerDocsPage(app: OpenAPIHono<AppEnv>): void {
  const security = {
    'Content-Security-Policy': DOCS_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
  // Read on first use and kept: these are the package's files, fixed for the life of the process.
  const loaded = new Map<string, Buffer>();
  app.get('/docs', (c) => c.html(PAGE, 200, security));
  app.get('/docs/init.js', (c) =>
    c.body(INIT, 200, { ...security, 'Content-Type': 'text/javascript; charset=utf-8' }),
  );
  for (const [file, type] of Object.entries(ASSETS)) {
    app.get(`/docs/${file}`, (c) => {
      let content = loaded.get(file);
      if (!content) {
        content = readFileSync(join(assetsDir(), file));
        loaded.set(file, content);
      }
      return c.body(new Uint8Array(content), 200, {
        ...security,
        'Content-Type': type,
        'Cache-Control': 'public, max-age=86400',
      });
    });
  }
}
