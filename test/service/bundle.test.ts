// The image, short of a Docker engine: the Dockerfile's rules, and the bundle running from exactly the files
// the runtime stage copies (no node_modules), on Node.js 24, on PGlite and as the migrate task on PostgreSQL.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, startTestPostgres, type TestPostgres } from '../support/postgres.js';
import {
  type Dockerfile,
  parseAssignments,
  parseCopy,
  parseDockerfile,
  type Stage,
  stageWorkdir,
  substitute,
} from './support/dockerfile.js';
import { REPO_ROOT, runProcess, startServerProcess } from './support/process.js';

const DOCKERFILE = join(REPO_ROOT, 'service/Dockerfile');
const node24 = () => inject('node24') || process.env.NODE24_PATH || process.execPath;

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

function runtimeStage(dockerfile: Dockerfile): Stage {
  return dockerfile.stages.at(-1)!;
}

function args(stage: Stage, globals: Record<string, string>): Record<string, string> {
  const vars = { ...globals };
  for (const i of stage.instructions) if (i.keyword === 'ARG') Object.assign(vars, parseAssignments(i.args));
  return vars;
}

describe('service/Dockerfile', () => {
  const dockerfile = parseDockerfile(readFileSync(DOCKERFILE, 'utf8'));
  const runtime = runtimeStage(dockerfile);
  const keywords = (stage: Stage) => stage.instructions.map((i) => i.keyword);

  it('is multi-stage, building with npm ci and the build script, running on node:24-slim or distroless nodejs24', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    expect(runtime.from).toMatch(/^(node:24(\.\d+)*-slim|gcr\.io\/distroless\/nodejs24\S*)(@sha256:\w+)?$/);
    const build = dockerfile.stages.find((s) => s.name === 'build')!;
    const runs = build.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /\bnpm ci\b/.test(r))).toBe(true);
    expect(runs.some((r) => r.includes('service/scripts/build.mjs'))).toBe(true);
    const runtimeRuns = runtime.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runtimeRuns.filter((r) => /\bnpm\b/.test(r))).toEqual([]);
  });

  it('runs as a non-root user, stops on SIGTERM and has no HEALTHCHECK', () => {
    const users = runtime.instructions.filter((i) => i.keyword === 'USER').map((i) => i.args.split(':')[0]);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0']).not.toContain(users.at(-1));
    const stopSignal = runtime.instructions.filter((i) => i.keyword === 'STOPSIGNAL').map((i) => i.args);
    expect(stopSignal).toEqual(['SIGTERM']);
    expect(dockerfile.stages.flatMap(keywords)).not.toContain('HEALTHCHECK');
  });

  it('turns the APP_VERSION and GIT_SHA build arguments into environment variables', () => {
    const declared = runtime.instructions.filter((i) => i.keyword === 'ARG').map((i) => i.args.split('=')[0]);
    expect(declared).toEqual(expect.arrayContaining(['APP_VERSION', 'GIT_SHA']));
    const env = Object.assign(
      {},
      ...runtime.instructions.filter((i) => i.keyword === 'ENV').map((i) => parseAssignments(i.args)),
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile's own ${} references
    expect(env).toMatchObject({ APP_VERSION: '${APP_VERSION}', GIT_SHA: '${GIT_SHA}' });
  });

  it('fetches the RDS CA bundle at build time and points PGSSLROOTCERT at the copy in the image', () => {
    const text = readFileSync(DOCKERFILE, 'utf8');
    expect(text).toContain('https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem');
    const env = Object.assign(
      {},
      ...runtime.instructions.filter((i) => i.keyword === 'ENV').map((i) => parseAssignments(i.args)),
    );
    expect(env.PGSSLMODE).toBe('verify-full');
    const workdir = stageWorkdir(runtime);
    const copiedTo = runtime.instructions
      .filter((i) => i.keyword === 'COPY')
      .map((i) => posix.resolve(workdir, parseCopy(i.args).destination));
    expect(copiedTo).toContain(env.PGSSLROOTCERT);
  });

  it('has an ignore file that keeps node_modules and build output out of the context', () => {
    const ignore = readFileSync(join(REPO_ROOT, 'service/Dockerfile.dockerignore'), 'utf8');
    expect(ignore).toMatch(/^\*\*$/m);
    expect(ignore).toMatch(/node_modules/);
    expect(ignore).toMatch(/^service\/dist$/m);
  });
});

describe('the bundle as the image runs it', () => {
  let work: string;
  let app: string;
  let postgres: TestPostgres;
  const dockerfile = parseDockerfile(readFileSync(DOCKERFILE, 'utf8'));
  const runtime = runtimeStage(dockerfile);
  const runtimeWorkdir = stageWorkdir(runtime);
  /** The image's environment with paths under its WORKDIR moved into the temporary copy. */
  let imageEnv: Record<string, string>;

  beforeAll(async () => {
    postgres = await startTestPostgres();
    work = mkdtempSync(join(tmpdir(), 'svc-image-'));
    app = join(work, 'app');
    const built = join(work, 'build-output');
    execFileSync(process.execPath, [join(REPO_ROOT, 'service/scripts/build.mjs'), '--outdir', built], {
      cwd: REPO_ROOT,
      stdio: 'pipe',
    });

    const build = dockerfile.stages.find((s) => s.name === 'build')!;
    const buildWorkdir = stageWorkdir(build);
    const buildRuns = build.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    for (const instruction of runtime.instructions.filter((i) => i.keyword === 'COPY')) {
      const copy = parseCopy(instruction.args);
      expect(copy.from, `line ${instruction.line}: the runtime copies only from the build stage`).toBe(
        'build',
      );
      for (const source of copy.sources) {
        const inBuild = posix.relative(buildWorkdir, source);
        const target = join(
          app,
          posix.relative(runtimeWorkdir, posix.resolve(runtimeWorkdir, copy.destination)),
        );
        let from: string;
        if (inBuild === 'service/dist' || inBuild.startsWith('service/dist/')) {
          from = join(built, posix.relative('service/dist', inBuild));
        } else if (existsSync(join(REPO_ROOT, inBuild))) {
          from = join(REPO_ROOT, inBuild);
        } else {
          // Made by a RUN of the build stage (the CA bundle, downloaded there); no network here.
          expect(buildRuns.some((r) => r.includes(source))).toBe(true);
          from = join(work, 'generated', posix.basename(source));
          mkdirSync(dirname(from), { recursive: true });
          writeFileSync(from, '-----BEGIN CERTIFICATE-----\nplaceholder\n-----END CERTIFICATE-----\n');
        }
        mkdirSync(statSync(from).isDirectory() ? target : dirname(target), { recursive: true });
        cpSync(from, target, { recursive: true });
      }
    }
    const vars = args(runtime, dockerfile.globalArgs);
    imageEnv = {};
    for (const i of runtime.instructions.filter((i) => i.keyword === 'ENV')) {
      for (const [name, value] of Object.entries(parseAssignments(i.args))) {
        const expanded = substitute(value, vars);
        imageEnv[name] = expanded.startsWith(`${runtimeWorkdir}/`)
          ? join(app, expanded.slice(runtimeWorkdir.length + 1))
          : expanded;
      }
    }
  }, 300_000);

  afterAll(async () => {
    if (work) rmSync(work, { recursive: true, force: true });
    await postgres?.stop();
  });

  const command = () => {
    const cmd = runtime.instructions.filter((i) => i.keyword === 'CMD').at(-1)!;
    const [program, ...rest] = JSON.parse(cmd.args) as string[];
    expect(program).toBe('node');
    return [node24(), ...rest];
  };

  it('holds only the bundle, the migrations and the CA bundle', () => {
    const files = listFiles(app);
    expect(files).toContain('dist/server.mjs');
    expect(files).toContain('dist/migrate.mjs');
    expect(files).toContain('drizzle/meta/_journal.json');
    expect(files.filter((f) => !/^(dist|drizzle|certs)\//.test(f))).toEqual([]);
    expect(files.some((f) => f.includes('node_modules'))).toBe(false);
  });

  it('starts on PGlite with Node.js 24 and answers /healthz and /readyz', async () => {
    const server = await startServerProcess(command(), {
      cwd: app,
      env: {
        ...imageEnv,
        PATH: process.env.PATH,
        PORT: String(await freePort()),
        HOST: '127.0.0.1',
        APP_VERSION: '9.9.9',
      },
    });
    try {
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      const version = (await (await fetch(`${server.url}/version`)).json()) as { version: string };
      expect(version.version).toBe('9.9.9');
      const created = await fetch(`${server.url}/v1/notes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'from the bundle' }),
      });
      expect(created.status).toBe(201);
      expect(existsSync(join(app, '.data/pglite/PG_VERSION'))).toBe(true);
      // The API reference's files are in the image (no node_modules there), not on a CDN.
      for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css']) {
        const asset = await fetch(`${server.url}/docs/${file}`);
        expect(asset.status, file).toBe(200);
        expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
      }
    } finally {
      const exit = await server.stop('SIGTERM');
      expect(exit.code, server.output()).toBe(0);
    }
  });

  it('runs dist/migrate.mjs as several concurrent one-off tasks against PostgreSQL', async () => {
    const url = await postgres.createDatabase();
    const runs = Array.from({ length: 3 }, () =>
      runProcess([node24(), 'dist/migrate.mjs'], {
        cwd: app,
        env: { ...imageEnv, PATH: process.env.PATH, DATABASE_URL: url, PGSSLMODE: 'disable' },
      }),
    );
    const exits = await Promise.all(runs.map((r) => r.exited));
    expect(
      exits.map((e) => e.code),
      runs.map((r) => r.output()).join('\n'),
    ).toEqual([0, 0, 0]);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const applied = await client.query('select count(*)::int as n from drizzle.__drizzle_migrations');
      const journal = JSON.parse(readFileSync(join(app, 'drizzle/meta/_journal.json'), 'utf8'));
      expect(applied.rows[0].n).toBe(journal.entries.length);
      await client.query('select id, title, body, tags, version from notes limit 1');
    } finally {
      await client.end();
    }
  });
});
