// Docker through the CLI: a private DOCKER_CONFIG for one step (the registry password never lands in the
// user's ~/.docker, and is removed afterwards), `docker login --password-stdin`, and `docker buildx build`
// whose result (the pushed digest) is read from buildx's metadata file.
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActionError } from './errors.js';
import { type ExecResult, execFile } from './exec.js';

const DOCKER = 'docker';
const NOT_FOUND =
  'docker is not on PATH: use a runner with Docker (ubuntu-latest has it), or install it first.';

export interface DockerSession {
  /** The private config folder (DOCKER_CONFIG). */
  configDir: string;
  /** The environment docker runs with. */
  env: NodeJS.ProcessEnv;
  /** Removes the config folder (and the credentials in it). */
  dispose(): void;
}

/**
 * A DOCKER_CONFIG in a fresh folder under `tempRoot` (RUNNER_TEMP): the user's config.json is carried over
 * (other registries' logins, e.g. Docker Hub for base images) minus any credential store, so the ECR login
 * is written to this folder only; buildx keeps using the user's builders (BUILDX_CONFIG) and CLI plugins.
 */
export function createDockerSession(tempRoot: string | undefined, registry?: string): DockerSession {
  const original = process.env.DOCKER_CONFIG || join(homedir(), '.docker');
  const configDir = mkdtempSync(join(tempRoot || tmpdir(), 'docker-config-'));
  const config: Record<string, unknown> = readJson(join(original, 'config.json')) ?? {};
  delete config.credsStore;
  const helpers = config.credHelpers as Record<string, string> | undefined;
  if (helpers && registry) delete helpers[registry];
  writeFileSync(join(configDir, 'config.json'), JSON.stringify(config, null, 2), { mode: 0o600 });
  const plugins = join(original, 'cli-plugins');
  if (existsSync(plugins)) {
    try {
      symlinkSync(plugins, join(configDir, 'cli-plugins'), 'dir');
    } catch {
      // Plugins installed system-wide are found anyway.
    }
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DOCKER_CONFIG: configDir,
    BUILDX_CONFIG: process.env.BUILDX_CONFIG || join(original, 'buildx'),
  };
  for (const name of Object.keys(env)) if (name.startsWith('INPUT_')) delete env[name];
  return {
    configDir,
    env,
    dispose: () => rmSync(configDir, { recursive: true, force: true }),
  };
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** `docker buildx version`; an ActionError when docker or the buildx plugin is missing. */
export async function buildxVersion(
  env: NodeJS.ProcessEnv = process.env,
  signal?: AbortSignal,
): Promise<string> {
  const result = await execFile(DOCKER, ['buildx', 'version'], {
    env,
    signal,
    stream: false,
    notFoundHint: NOT_FOUND,
  });
  if (result.status !== 0) {
    throw new ActionError(`docker buildx is not available: ${lastLine(result.stderr || result.stdout)}`, {
      hint: 'Run docker/setup-buildx-action before this step (it installs buildx and creates a builder).',
    });
  }
  return result.stdout.trim();
}

/** `docker login --username … --password-stdin <registry>`: the password goes through stdin, never argv. */
export async function dockerLogin(
  session: DockerSession,
  login: { registry: string; username: string; password: string },
  signal?: AbortSignal,
): Promise<void> {
  const result = await execFile(
    DOCKER,
    ['login', '--username', login.username, '--password-stdin', login.registry],
    {
      env: session.env,
      input: login.password,
      signal,
      stream: false,
      notFoundHint: NOT_FOUND,
    },
  );
  if (result.status !== 0) {
    throw new ActionError(
      `docker login to ${login.registry} failed: ${lastLine(result.stderr || result.stdout)}`,
      {
        hint: 'Check the runner can reach the registry (proxy, VPC endpoints) and that the role may call ecr:GetAuthorizationToken.',
        details: tail(result),
      },
    );
  }
}

export interface BuildOptions {
  context: string;
  dockerfile?: string;
  /** Full references: <registry>/<repository>:<tag>. */
  tags: string[];
  buildArgs: Array<[string, string]>;
  labels?: Array<[string, string]>;
  platforms: string[];
  push: boolean;
  metadataFile: string;
  cacheFrom?: string;
  cacheTo?: string;
}

/**
 * The `docker buildx build` arguments. Attestations are set deliberately: a single-platform build gets
 * `--provenance=false --sbom=false` so the pushed artifact is one image manifest (BuildKit would otherwise
 * wrap it in an index with an attestation manifest); a multi-platform build is an index anyway and keeps
 * BuildKit's minimal provenance.
 */
export function buildxArgs(options: BuildOptions): string[] {
  const args = ['buildx', 'build'];
  if (options.push) args.push('--push');
  args.push('--metadata-file', options.metadataFile);
  args.push('--platform', options.platforms.join(','));
  if (options.platforms.length === 1) args.push('--provenance=false', '--sbom=false');
  else args.push('--provenance=mode=min', '--sbom=false');
  if (options.dockerfile) args.push('--file', options.dockerfile);
  for (const tag of options.tags) args.push('--tag', tag);
  for (const [name, value] of options.buildArgs) args.push('--build-arg', `${name}=${value}`);
  for (const [name, value] of options.labels ?? []) args.push('--label', `${name}=${value}`);
  if (options.cacheFrom) args.push('--cache-from', options.cacheFrom);
  if (options.cacheTo) args.push('--cache-to', options.cacheTo);
  args.push(options.context);
  return args;
}

export interface BuildResult {
  /** `containerimage.digest` from the metadata file: the pushed manifest (or index) digest. */
  digest?: string;
  metadata: Record<string, unknown>;
  exec: ExecResult;
}

/** Runs `docker buildx build` with live output; an ActionError describing the failure if it fails. */
export async function buildxBuild(
  session: DockerSession,
  options: BuildOptions,
  signal?: AbortSignal,
): Promise<BuildResult> {
  const exec = await execFile(DOCKER, buildxArgs(options), {
    env: session.env,
    signal,
    captureLimit: 256 * 1024,
    notFoundHint: NOT_FOUND,
  });
  if (exec.cancelled) throw new ActionError('the build was cancelled');
  if (exec.status !== 0) throw describeBuildFailure(exec);
  const metadata = readJson(options.metadataFile) ?? {};
  const digest =
    typeof metadata['containerimage.digest'] === 'string' ? metadata['containerimage.digest'] : undefined;
  return { digest, metadata, exec };
}

/** What went wrong in a failed build, from buildx's output: an immutable tag, a denied push, or the last error. */
export function describeBuildFailure(exec: ExecResult): ActionError {
  const output = `${exec.stderr}\n${exec.stdout}`;
  const immutable =
    /tag invalid: The image tag '([^']+)' already exists in the '([^']+)' repository and cannot be overwritten because the (?:repository|tag) is immutable/i.exec(
      output,
    );
  if (immutable) {
    const [, tag, repository] = immutable;
    return new ActionError(
      `tag ${tag} already exists in immutable repository ${repository}: the push was refused`,
      {
        hint:
          tag === 'buildcache'
            ? 'The registry cache tag must be mutable: exclude it from tag immutability (see the README), or use cache: gha.'
            : 'Use a new tag (e.g. the commit SHA), or delete the image that has this tag.',
        details: codeTail(output),
      },
    );
  }
  if (
    /\b(401 Unauthorized|403 Forbidden|denied:|no basic auth credentials|authorization token has expired)/i.test(
      output,
    )
  ) {
    return new ActionError(`docker buildx build could not push: ${lastError(output)}`, {
      hint: 'The role needs ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload, ecr:PutImage and ecr:BatchCheckLayerAvailability on the repository (see the README).',
      details: codeTail(output),
    });
  }
  return new ActionError(`docker buildx build failed (exit status ${exec.status}): ${lastError(output)}`, {
    hint: 'The build output above shows the failing step.',
    details: codeTail(output),
  });
}

function lastError(output: string): string {
  const lines = output.split('\n').map((l) => l.trim());
  const error = [...lines].reverse().find((l) => /^(ERROR|error)\b|failed to solve/.test(l));
  return (error ?? lastLine(output)).replace(/^ERROR:\s*/, '').slice(0, 500);
}

function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .reverse()
      .find(Boolean) ?? 'no output'
  );
}

function tail(result: ExecResult): string {
  return codeTail(`${result.stderr}\n${result.stdout}`);
}

function codeTail(output: string): string {
  const lines = output.trimEnd().split('\n').slice(-25).join('\n');
  return `\`\`\`text\n${lines.replace(/```/g, "'''")}\n\`\`\``;
}
