// The AWS calls the actions make, read from their own sources: each `new XCommand(` with the client
// package it is imported from, as `service:Action` (the IAM action of an SDK command has the command's name).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;

/** The IAM prefix of each AWS SDK client package the actions use. */
const IAM_PREFIX: Record<string, string> = {
  'client-cloudformation': 'cloudformation',
  'client-ecs': 'ecs',
  'client-ecr': 'ecr',
  'client-cloudwatch-logs': 'logs',
  'client-s3': 's3',
  'client-secrets-manager': 'secretsmanager',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts') && !f.includes('dist/') && !f.includes('node_modules'))
    .map((f) => join(ROOT, dir, f));
}

/** `service:Action` for every SDK command constructed in the actions' sources. */
export function callsInSources(files: string[]): Set<string> {
  const calls = new Set<string>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const clientOf = new Map<string, string>();
    for (const m of text.matchAll(
      /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'@aws-sdk\/(client-[a-z0-9-]+)'/g,
    )) {
      for (const name of (m[1] ?? '').split(',')) {
        const id = name.replace(/^\s*type\s+/, '').trim();
        if (id) clientOf.set(id, m[2] ?? '');
      }
    }
    for (const m of text.matchAll(/new\s+([A-Z][A-Za-z0-9]*)Command\s*\(/g)) {
      const client = clientOf.get(`${m[1]}Command`);
      if (!client) continue;
      const prefix = IAM_PREFIX[client];
      if (!prefix)
        throw new Error(
          `${file}: ${m[1]}Command comes from @aws-sdk/${client}, which has no IAM prefix here`,
        );
      calls.add(`${prefix}:${m[1]}`);
    }
  }
  return calls;
}

/** Every TypeScript source of the actions and their shared library (no bundles, no tests). */
export function actionSources(): string[] {
  return [...sourceFiles('actions/lib'), ...sourceFiles('actions'), ...sourceFiles('src')].filter(
    (f, i, all) => all.indexOf(f) === i && !f.includes('/test/'),
  );
}
