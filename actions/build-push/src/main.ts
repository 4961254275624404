// build-push: builds the service image with docker buildx and pushes it to Amazon ECR (the repository
// created with scanning, immutable tags and a lifecycle policy when missing), outputs the immutable
// <registry>/<repository>@sha256:… reference, and optionally waits for the image scan and gates on it.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { resolveRegion } from '../../lib/aws.js';
import { readRunContext } from '../../lib/context.js';
import { appendSummary, log, setOutputs } from '../../lib/core.js';
import type { ImageInfo, RepositoryInfo, ScanResult } from '../../lib/ecr.js';
import { ActionError, ConfigurationError } from '../../lib/errors.js';
import { formatDuration, parseInputs } from '../../lib/inputs.js';
import { runAction } from '../../lib/run.js';
import { renderSummary, type ScanOutcome } from './report.js';

export const ACTION = 'build-push';

/** ECR repository names: lowercase components separated by `/`, each `[a-z0-9]` runs joined by `.`, `_`, `-`. */
const REPOSITORY = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
/** Docker tags: up to 128 characters, word characters, `.` and `-`, not starting with `.` or `-`. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const PLATFORM = /^(linux|windows)\/[a-z0-9]+(\/v[0-9]+)?$/;
const SEVERITIES = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL', 'none'] as const;
/** The tag the registry cache lives under (cache: registry). */
export const CACHE_TAG = 'buildcache';

export interface Inputs {
  repository: string;
  context: string;
  dockerfile?: string;
  tags: string[];
  buildArgs: Array<[string, string]>;
  platforms: string[];
  cache: 'gha' | 'registry' | 'none';
  createRepository: boolean;
  keepImages: number;
  scan: 'none' | 'wait';
  failOnSeverity: (typeof SEVERITIES)[number];
  scanTimeoutMs: number;
  push: boolean;
  region?: string;
}

export function readInputs(env = process.env): Inputs {
  return parseInputs(ACTION, (input) => {
    const repositoryValue = input.required('repository', 'the ECR repository name, e.g. notes or team/notes');
    let repository = repositoryValue;
    if (repositoryValue && /\.amazonaws\.com|[:@]/.test(repositoryValue)) {
      input.problem(
        'repository',
        `"${repositoryValue}" looks like an image URI; give the repository name only (e.g. notes)`,
      );
    } else if (
      repositoryValue &&
      (!REPOSITORY.test(repositoryValue) || repositoryValue.length < 2 || repositoryValue.length > 256)
    ) {
      input.problem(
        'repository',
        `"${repositoryValue}" is not a valid ECR repository name (2 to 256 characters: lowercase letters, digits, and . _ - / between them, e.g. team/notes-api)`,
      );
      repository = '';
    }
    const cache = input.oneOf('cache', ['gha', 'registry', 'none'] as const, 'gha');
    const tags = unique(input.list('tags'));
    if (tags.length === 0 && env.GITHUB_SHA) tags.push(env.GITHUB_SHA);
    if (tags.length === 0)
      input.problem('tags', 'no tag given and GITHUB_SHA is not set; give at least one tag');
    for (const tag of tags) {
      if (!TAG.test(tag)) {
        input.problem(
          'tags',
          `"${tag}" is not a valid image tag (up to 128 letters, digits, _ . -, not starting with . or -)`,
        );
      } else if (tag === CACHE_TAG && cache === 'registry') {
        input.problem(
          'tags',
          `"${CACHE_TAG}" is the registry cache's tag (cache: registry); use another tag`,
        );
      }
    }
    const platforms = unique(input.list('platforms'));
    if (platforms.length === 0) platforms.push('linux/amd64');
    for (const platform of platforms) {
      if (!PLATFORM.test(platform)) {
        input.problem(
          'platforms',
          `"${platform}" is not a platform (e.g. linux/amd64, linux/arm64 for Graviton)`,
        );
      }
    }
    const push = input.boolean('push', true);
    const scan = input.oneOf('scan', ['none', 'wait'] as const, 'none');
    if (scan === 'wait' && !push) {
      input.problem('scan', 'wait needs push: true (ECR scans images once they are pushed); use scan: none');
    }
    return {
      repository,
      context: input.optional('context') ?? '.',
      dockerfile: input.optional('dockerfile'),
      tags,
      buildArgs: input.keyValues('build-args', /^[A-Za-z_][A-Za-z0-9_]*$/),
      platforms,
      cache,
      createRepository: input.boolean('create-repository', true),
      keepImages: input.integer('keep-images', { fallback: 50, min: 1, max: 10_000 }) ?? 50,
      scan,
      failOnSeverity: input.oneOf('fail-on-severity', SEVERITIES, 'CRITICAL'),
      scanTimeoutMs: input.duration('scan-timeout-minutes', {
        unit: 'minutes',
        fallback: 10 * 60_000,
        min: 1000,
        max: 6 * 3600_000,
      }),
      push,
      region: input.optional('region'),
    };
  });
}

export async function run(): Promise<void> {
  await runAction(ACTION, async ({ signal, startedAt }) => {
    const inputs = readInputs();
    const workspace = resolve(process.env.GITHUB_WORKSPACE ?? process.cwd());
    const files = checkFiles(inputs, workspace);
    const region = inputs.push ? resolveRegion(ACTION, inputs.region) : undefined;
    const run = readRunContext();

    const docker = await import('../../lib/docker.js');
    const buildx = await docker.buildxVersion(undefined, signal);
    log.info(`Using ${buildx}`);

    const buildArgs = defaultBuildArgs(inputs, run.sha);
    const labels: Array<[string, string]> = [];
    if (run.sha) labels.push(['org.opencontainers.image.revision', run.sha]);
    if (run.repository)
      labels.push(['org.opencontainers.image.source', `${run.serverUrl}/${run.repository}`]);
    let cache = inputs.cache;
    if (cache === 'gha' && !hasGhaCache()) {
      log.warning(
        'cache: gha needs the ACTIONS_RUNTIME_TOKEN and ACTIONS_CACHE_URL (or ACTIONS_RESULTS_URL) the runner gives actions; they are not set, so the build runs without a cache.',
        { title: 'Build cache' },
      );
      cache = 'none';
    }
    if (cache === 'registry' && !inputs.push) {
      log.warning(
        'cache: registry keeps the cache in ECR, which push: false does not touch; building without a cache.',
        {
          title: 'Build cache',
        },
      );
      cache = 'none';
    }

    if (!inputs.push || !region) {
      const tags = inputs.tags.map((tag) => `${inputs.repository}:${tag}`);
      const session = docker.createDockerSession(process.env.RUNNER_TEMP);
      const buildStarted = Date.now();
      try {
        await docker.buildxBuild(
          session,
          {
            context: files.context,
            dockerfile: files.dockerfile,
            tags,
            buildArgs,
            labels,
            platforms: inputs.platforms,
            push: false,
            metadataFile: join(session.configDir, 'metadata.json'),
            ...cacheFlags(cache),
          },
          signal,
        );
      } finally {
        session.dispose();
      }
      setOutputs({ tags: JSON.stringify(tags) });
      await appendSummary(
        renderSummary({
          pushed: false,
          repository: inputs.repository,
          tags,
          platforms: inputs.platforms,
          cache,
          buildMs: Date.now() - buildStarted,
          totalMs: Date.now() - startedAt,
        }),
      );
      log.info(`${ACTION}: built ${tags.join(', ')} (push: false: nothing was pushed)`);
      return;
    }

    const ecr = await import('../../lib/ecr.js');
    const login = await ecr.getEcrLogin(region);
    const repository = await ensureRepository(ecr, inputs, region, login.registry, cache);
    if (cache === 'registry' && ecr.isTagImmutable(repository, CACHE_TAG)) {
      throw new ActionError(
        `cache: registry needs the "${CACHE_TAG}" tag to be mutable, and repository ${repository.name} has immutable tags (${repository.tagMutability})`,
        {
          hint: `Exclude it from immutability: aws ecr put-image-tag-mutability --repository-name ${repository.name} --image-tag-mutability IMMUTABLE_WITH_EXCLUSION --image-tag-mutability-exclusion-filters filterType=WILDCARD,filter=${CACHE_TAG} — or use cache: gha.`,
        },
      );
    }
    /** The image by digest as the outputs, the scan gate (scan: wait) and the job summary. */
    const publish = async (
      digest: string,
      references: string[],
      built: { buildMs: number; sizeBytes?: number },
    ): Promise<void> => {
      const immutableRef = `${login.registry}/${repository.name}@${digest}`;
      setOutputs({
        image: immutableRef,
        digest,
        registry: login.registry,
        tags: JSON.stringify(references),
        'image-uri': references[0],
      });
      const scan =
        inputs.scan === 'wait'
          ? await waitForScans(ecr, inputs, region, repository, digest, signal)
          : undefined;
      await appendSummary(
        renderSummary({
          pushed: true,
          repository: inputs.repository,
          repositoryInfo: repository,
          keepImages: inputs.keepImages,
          image: immutableRef,
          digest,
          registry: login.registry,
          tags: references,
          platforms: inputs.platforms,
          sizeBytes: built.sizeBytes,
          cache,
          buildMs: built.buildMs,
          totalMs: Date.now() - startedAt,
          scan,
        }),
      );
      if (scan?.failure) throw scan.failure;
    };
    // A re-run of the same commit: every tag is the commit SHA and already names one image in an immutable
    // repository. That image was built from this very commit, so it is reused (re-running a step is safe);
    // any other existing immutable tag is an error.
    const sha = process.env.GITHUB_SHA;
    const rerunOfCommit = Boolean(sha) && inputs.tags.every((tag) => tag === sha);
    for (const tag of inputs.tags) {
      if (!ecr.isTagImmutable(repository, tag)) continue;
      const existing = await ecr.findImageByTag(region, repository.name, tag);
      if (existing && rerunOfCommit) {
        const immutableRef = `${login.registry}/${repository.name}@${existing.digest}`;
        const references = [`${login.registry}/${repository.name}:${tag}`];
        log.notice(
          `Tag ${tag} (this commit) already exists in immutable repository ${repository.name}: reusing ${immutableRef} (pushed at ${existing.pushedAt?.toISOString() ?? 'an unknown time'}) instead of building it again`,
        );
        await publish(existing.digest, references, { buildMs: 0 });
        return;
      }
      if (existing) {
        throw new ActionError(
          `tag ${tag} already exists in immutable repository ${repository.name} (pushed at ${existing.pushedAt?.toISOString() ?? 'an unknown time'}, digest ${existing.digest}): use a new tag (e.g. the commit SHA) or delete the image`,
          {
            hint: `An immutable tag always names the same image. To deploy that image again, use ${login.registry}/${repository.name}@${existing.digest}.`,
          },
        );
      }
    }

    const references = inputs.tags.map((tag) => `${login.registry}/${repository.name}:${tag}`);
    const session = docker.createDockerSession(process.env.RUNNER_TEMP, login.registry);
    const buildStarted = Date.now();
    let digest: string | undefined;
    try {
      await docker.dockerLogin(session, login, signal);
      log.info(`Logged in to ${login.registry}`);
      const build = await docker.buildxBuild(
        session,
        {
          context: files.context,
          dockerfile: files.dockerfile,
          tags: references,
          buildArgs,
          labels,
          platforms: inputs.platforms,
          push: true,
          metadataFile: join(session.configDir, 'metadata.json'),
          ...cacheFlags(cache, `${login.registry}/${repository.name}:${CACHE_TAG}`),
        },
        signal,
      );
      digest = build.digest;
    } finally {
      session.dispose();
    }
    const buildMs = Date.now() - buildStarted;
    if (!digest || !/^sha256:[a-f0-9]{64}$/.test(digest)) {
      throw new ActionError(
        'docker buildx build pushed, but its metadata file has no containerimage.digest',
        {
          hint: 'Use a docker buildx version that writes --metadata-file (0.6 or later).',
        },
      );
    }
    const image: ImageInfo = await ecr.describeImage(region, repository.name, digest);
    log.info(`Pushed ${login.registry}/${repository.name}@${digest} (${references.join(', ')})`);
    await publish(digest, references, { buildMs, sizeBytes: image.sizeBytes });
  });
}

// --- Steps --------------------------------------------------------------------------------------------------

type EcrLib = typeof import('../../lib/ecr.js');

async function ensureRepository(
  ecr: EcrLib,
  inputs: Inputs,
  region: string,
  registry: string,
  cache: Inputs['cache'],
): Promise<RepositoryInfo> {
  const existing = await ecr.describeRepository(region, inputs.repository);
  if (existing) return existing;
  if (!inputs.createRepository) {
    throw new ActionError(`ECR repository ${inputs.repository} does not exist in ${registry} (${region})`, {
      hint: 'Create it (cloudformation/registry.yml), fix the repository input, or set create-repository: true.',
    });
  }
  log.info(
    `Creating ECR repository ${inputs.repository}: scan on push, immutable tags${cache === 'registry' ? ` (except ${CACHE_TAG})` : ''}, AES-256 encryption, lifecycle: keep the last ${inputs.keepImages} images, untagged images expire after 1 day`,
  );
  return ecr.createRepository(region, inputs.repository, {
    keepImages: inputs.keepImages,
    mutableTags: cache === 'registry' ? [CACHE_TAG] : [],
    resourceTags: { 'managed-by': 'deploy-actions/build-push' },
  });
}

async function waitForScans(
  ecr: EcrLib,
  inputs: Inputs,
  region: string,
  repository: RepositoryInfo,
  digest: string,
  signal: AbortSignal,
): Promise<ScanOutcome> {
  const deadline = Date.now() + inputs.scanTimeoutMs;
  let targets: Array<{ digest: string; platform?: string }> = [{ digest }];
  if (inputs.platforms.length > 1) {
    // Scans are per image: a multi-platform index is scanned through its platform images.
    const children = await ecr.platformImages(region, repository.name, digest);
    if (children && children.length > 0) targets = children;
  }
  if (!repository.scanOnPush) {
    log.info(`Repository ${repository.name} does not scan on push: starting the scan`);
    for (const target of targets) await ecr.startImageScan(region, repository.name, target.digest);
  }
  log.info(`Waiting up to ${formatDuration(inputs.scanTimeoutMs)} for the image scan`);
  const results: Array<ScanResult & { platform?: string }> = [];
  for (const target of targets) {
    const result = await ecr.waitForScan({
      region,
      repository: repository.name,
      digest: target.digest,
      timeoutMs: Math.max(1000, deadline - Date.now()),
      signal,
      label: target.platform ?? target.digest.slice(0, 19),
    });
    results.push({ ...result, platform: target.platform });
  }
  const counts: Record<string, number> = {};
  for (const result of results) {
    for (const [severity, n] of Object.entries(result.counts)) counts[severity] = (counts[severity] ?? 0) + n;
  }
  const outcome: ScanOutcome = { results, counts, threshold: inputs.failOnSeverity };
  const unfinished = results.find((r) => r.status !== 'COMPLETE' && r.status !== 'ACTIVE');
  if (unfinished) {
    outcome.failure = new ActionError(
      `the image scan of ${repository.name}@${unfinished.digest} ended ${unfinished.status}${unfinished.description ? `: ${unfinished.description}` : ''}`,
      {
        hint: 'The image was pushed but not checked: fix the scan (basic scanning supports common Linux distributions only) or set scan: none.',
      },
    );
    return outcome;
  }
  if (inputs.failOnSeverity !== 'none') {
    const over = ecr.countAtOrAbove(counts, inputs.failOnSeverity);
    outcome.over = over;
    log.info(
      `Image scan: ${describeCounts(counts)}; ${over} at or above ${inputs.failOnSeverity} (fail-on-severity)`,
    );
    if (over > 0) {
      outcome.failure = new ActionError(
        `the image scan found ${over} ${over === 1 ? 'vulnerability' : 'vulnerabilities'} at or above ${inputs.failOnSeverity} (${describeCounts(counts, inputs.failOnSeverity)})`,
        {
          hint: 'Update the base image or the packages listed in the job summary, or raise fail-on-severity if the risk is accepted. The image stays in ECR; deploy it only once this is resolved.',
        },
      );
    }
  } else {
    log.info(`Image scan: ${describeCounts(counts)} (fail-on-severity: none)`);
  }
  return outcome;
}

function describeCounts(counts: Record<string, number>, atOrAbove?: string): string {
  const order = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'];
  const min = atOrAbove ? order.indexOf(atOrAbove) : order.length;
  const parts = order
    .filter((s, i) => (counts[s] ?? 0) > 0 && (atOrAbove === undefined || i <= min))
    .map((s) => `${counts[s]} ${s}`);
  return parts.length > 0 ? parts.join(', ') : 'no findings';
}

// --- Helpers ------------------------------------------------------------------------------------------------

function checkFiles(inputs: Inputs, workspace: string): { context: string; dockerfile?: string } {
  const remote = /^[a-z]+:\/\/|^git@|\.git(#.*)?$/.test(inputs.context);
  const context = remote ? inputs.context : resolve(workspace, inputs.context);
  const problems: string[] = [];
  if (!remote && !isDirectory(context)) {
    problems.push(
      `${ACTION}: context: "${inputs.context}" is not a folder in the workspace (looked for ${context})`,
    );
  }
  let dockerfile: string | undefined;
  if (inputs.dockerfile) {
    dockerfile = isAbsolute(inputs.dockerfile) ? inputs.dockerfile : resolve(workspace, inputs.dockerfile);
    if (!existsSync(dockerfile)) {
      problems.push(
        `${ACTION}: dockerfile: "${inputs.dockerfile}" does not exist (looked for ${dockerfile}; the path is relative to the workspace)`,
      );
    }
  } else if (!remote && isDirectory(context) && !existsSync(join(context, 'Dockerfile'))) {
    problems.push(
      `${ACTION}: dockerfile: no Dockerfile in the context folder ${relative(workspace, context) || '.'}; give the dockerfile input`,
    );
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return { context, dockerfile };
}

/** APP_VERSION (the first tag) and GIT_SHA, unless build-args gives them; then build-args in order. */
export function defaultBuildArgs(inputs: Inputs, sha: string): Array<[string, string]> {
  const given = new Set(inputs.buildArgs.map(([name]) => name));
  const defaults: Array<[string, string]> = [];
  if (!given.has('APP_VERSION')) defaults.push(['APP_VERSION', inputs.tags[0] ?? '']);
  if (!given.has('GIT_SHA') && sha) defaults.push(['GIT_SHA', sha]);
  return [...defaults, ...inputs.buildArgs];
}

function cacheFlags(cache: Inputs['cache'], registryRef?: string): { cacheFrom?: string; cacheTo?: string } {
  if (cache === 'gha') return { cacheFrom: 'type=gha', cacheTo: 'type=gha,mode=max' };
  if (cache === 'registry' && registryRef) {
    return {
      cacheFrom: `type=registry,ref=${registryRef}`,
      cacheTo: `type=registry,ref=${registryRef},mode=max,image-manifest=true,oci-mediatypes=true`,
    };
  }
  return {};
}

function hasGhaCache(env = process.env): boolean {
  return Boolean(env.ACTIONS_RUNTIME_TOKEN && (env.ACTIONS_CACHE_URL || env.ACTIONS_RESULTS_URL));
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
