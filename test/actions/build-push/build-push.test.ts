// The build-push action's committed bundle against the local AWS endpoint (moto underneath: ECR repositories,
// images, lifecycle policies, scans) and a recording docker stand-in on PATH (fixtures/docker).
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
} from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, type ScanFinding, startLocalAws } from '../../support/aws/index.js';
import { type ActionRun, githubEnv, type RunOptions, runAction } from '../../support/harness.js';

const STAND_IN = resolve(fileURLToPath(import.meta.url), '../fixtures/docker');
const SHA = '0123456789abcdef0123456789abcdef01234567';
const REGISTRY = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const PASSWORD = '123456789012-auth-token';
const TOKEN = Buffer.from(`AWS:${PASSWORD}`).toString('base64');

let aws: LocalAws;
let ecr: ECRClient;
const scratch = mkdtempSync(join(tmpdir(), 'build-push-'));
const bin = join(scratch, 'bin');

beforeAll(async () => {
  mkdirSync(bin);
  copyFileSync(STAND_IN, join(bin, 'docker'));
  chmodSync(join(bin, 'docker'), 0o755);
  aws = await startLocalAws();
  ecr = new ECRClient(aws.clientConfig);
});
afterAll(async () => {
  ecr?.destroy();
  await aws?.stop();
  rmSync(scratch, { recursive: true, force: true });
});
beforeEach(async () => {
  await aws.reset();
});

interface DockerCall {
  argv: string[];
  stdin: string;
  cwd: string;
  env: Record<string, string>;
  inputs: string[];
  config: { auths?: Record<string, { auth: string }> } | null;
}

interface Run extends ActionRun {
  docker: DockerCall[];
  /** The ECR calls the action made, as "Action" or "Action → ErrorCode". */
  ecrCalls: string[];
  /** Folders left in RUNNER_TEMP after the run. */
  leftInTemp: string[];
  workspace: string;
}

let counter = 0;

async function build(
  inputs: RunOptions['inputs'],
  options: {
    /** `undefined` unsets a variable the runner would set (e.g. GITHUB_SHA). */
    env?: Record<string, string | undefined>;
    files?: Record<string, string>;
    docker?: boolean;
    cancelAfterMs?: number;
  } = {},
): Promise<Run> {
  const dir = join(scratch, `run-${++counter}`);
  const workspace = join(dir, 'workspace');
  const runnerTemp = join(dir, 'runner-temp');
  const home = join(dir, 'home');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(runnerTemp);
  mkdirSync(home);
  const files = options.files ?? { Dockerfile: 'FROM node:24-slim\nCOPY . .\n' };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(workspace, path, '..'), { recursive: true });
    writeFileSync(join(workspace, path), content);
  }
  const log = join(dir, 'docker.jsonl');
  aws.clearCalls();
  const result = await runAction('build-push', {
    cwd: workspace,
    cancelAfterMs: options.cancelAfterMs,
    inputs: { repository: 'notes', ...inputs },
    env: {
      ...aws.env,
      HOME: home,
      RUNNER_TEMP: runnerTemp,
      PATH: options.docker === false ? '/usr/bin:/bin' : `${bin}:${process.env.PATH}`,
      DOCKER_STANDIN_LOG: log,
      DOCKER_STANDIN_AWS_URL: aws.url,
      DOCKER_STANDIN_MOTO_URL: aws.motoUrl,
      DEPLOY_ACTIONS_POLL_INTERVAL_MS: '150',
      DEPLOY_ACTIONS_AWS_MAX_ATTEMPTS: '2',
      ...options.env,
    },
  });
  const docker = existsSync(log)
    ? readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as DockerCall)
    : [];
  return Object.assign(result, {
    docker,
    ecrCalls: aws.calls
      .filter((c) => c.service === 'ecr')
      .map((c) => (c.errorCode ? `${c.action} → ${c.errorCode}` : c.action)),
    leftInTemp: readdirSync(runnerTemp),
    workspace,
  });
}

function buildCall(run: Run): DockerCall {
  const call = run.docker.find((c) => c.argv[0] === 'buildx' && c.argv[1] === 'build');
  if (!call) throw new Error(`no buildx build call:\n${run.stdout}\n${run.stderr}`);
  return call;
}

async function createRepository(name: string, options: { immutable?: boolean; scanOnPush?: boolean } = {}) {
  await ecr.send(
    new CreateRepositoryCommand({
      repositoryName: name,
      imageTagMutability: options.immutable === false ? 'MUTABLE' : 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: options.scanOnPush ?? true },
    }),
  );
}

async function tagsOf(repository: string, digest: string): Promise<string[]> {
  const found = await ecr.send(
    new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageDigest: digest }] }),
  );
  return found.imageDetails?.[0]?.imageTags?.sort() ?? [];
}

describe('build-push: pushing to ECR', () => {
  it('creates the missing repository, logs in through stdin, pushes, and outputs the digest reference', async () => {
    const run = await build({});
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.ecrCalls).toEqual([
      'GetAuthorizationToken',
      'DescribeRepositories → RepositoryNotFoundException',
      'CreateRepository',
      'PutLifecyclePolicy',
      'DescribeImages → ImageNotFoundException',
      'DescribeImages',
    ]);

    // The repository: scan on push, immutable tags, encryption, lifecycle policy.
    const create = aws.calls.find((c) => c.action === 'CreateRepository')?.params;
    expect(create).toMatchObject({
      repositoryName: 'notes',
      imageScanningConfiguration: { scanOnPush: true },
      imageTagMutability: 'IMMUTABLE',
      encryptionConfiguration: { encryptionType: 'AES256' },
    });
    const described = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['notes'] }));
    expect(described.repositories?.[0]).toMatchObject({
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
    });
    const policy = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'notes' }));
    expect(JSON.parse(policy.lifecyclePolicyText ?? '{}').rules).toEqual([
      {
        rulePriority: 1,
        description: 'Expire untagged images one day after they were pushed',
        selection: {
          tagStatus: 'untagged',
          countType: 'sinceImagePushed',
          countUnit: 'days',
          countNumber: 1,
        },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: 'Keep the last 50 images',
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 50 },
        action: { type: 'expire' },
      },
    ]);

    // docker: buildx check, login with the password on stdin, then the build with exact arguments.
    expect(run.docker.map((c) => c.argv.slice(0, 2).join(' '))).toEqual([
      'buildx version',
      'login --username',
      'buildx build',
    ]);
    const login = run.docker[1]!;
    expect(login.argv).toEqual(['login', '--username', 'AWS', '--password-stdin', REGISTRY]);
    expect(login.stdin).toBe(PASSWORD);
    const config = login.env.DOCKER_CONFIG!;
    expect(config.startsWith(join(run.workspace, '..', 'runner-temp', 'docker-config-'))).toBe(true);
    const buildx = buildCall(run);
    expect(buildx.env.DOCKER_CONFIG).toBe(config);
    expect(buildx.env.BUILDX_CONFIG).toBe(join(run.workspace, '..', 'home', '.docker', 'buildx'));
    expect(buildx.config?.auths?.[REGISTRY]?.auth).toBe(TOKEN); // logged in while building
    expect(buildx.inputs).toEqual([]); // the action's INPUT_* variables are not docker's business
    expect(buildx.argv).toEqual([
      'buildx',
      'build',
      '--push',
      '--metadata-file',
      join(config, 'metadata.json'),
      '--platform',
      'linux/amd64',
      '--provenance=false',
      '--sbom=false',
      '--tag',
      `${REGISTRY}/notes:${SHA}`,
      '--build-arg',
      `APP_VERSION=${SHA}`,
      '--build-arg',
      `GIT_SHA=${SHA}`,
      '--label',
      `org.opencontainers.image.revision=${SHA}`,
      '--label',
      'org.opencontainers.image.source=https://github.com/acme/notes',
      run.workspace,
    ]);
    for (const call of run.docker) expect(call.argv.join(' ')).not.toContain(PASSWORD);
    expect(run.leftInTemp).toEqual([]); // the private DOCKER_CONFIG (and the credentials) are gone

    // Outputs: the digest reference is what moto holds under the tag.
    const digest = run.outputs.digest!;
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(await tagsOf('notes', digest)).toEqual([SHA]);
    expect(run.outputs).toEqual({
      image: `${REGISTRY}/notes@${digest}`,
      digest,
      registry: REGISTRY,
      tags: JSON.stringify([`${REGISTRY}/notes:${SHA}`]),
      'image-uri': `${REGISTRY}/notes:${SHA}`,
    });

    // Secrets: masked first, never shown.
    expect(run.masked).toEqual(expect.arrayContaining([TOKEN, PASSWORD]));
    const firstMask = run.stdout.indexOf('::add-mask::');
    expect(firstMask).toBeGreaterThanOrEqual(0);
    expect(run.stdout.slice(0, firstMask)).not.toMatch(/Logged in|Creating|Pushed/);
    expect(run.leaks(TOKEN)).toEqual([]);
    expect(run.leaks(PASSWORD)).toEqual([]);

    expect(run.summary).toContain(`${REGISTRY}/notes@${digest}`);
    expect(run.summary).toContain(
      'created now (scan on push, immutable tags, AES256 encryption, keeps the last 50 images',
    );
  });

  it('pushes every tag to an existing repository, with build-args and APP_VERSION from the first tag', async () => {
    await createRepository('team/notes-api', { immutable: false });
    const run = await build({
      repository: 'team/notes-api',
      tags: 'v1.4.0\nlatest',
      'build-args': 'NODE_ENV=production\nGREETING=hello = world',
      cache: 'none',
    });
    expect(run.code, run.stdout).toBe(0);
    // Mutable tags may move: no existing-tag check, and nothing is created.
    expect(run.ecrCalls).toEqual(['GetAuthorizationToken', 'DescribeRepositories', 'DescribeImages']);
    const args = buildCall(run).argv;
    const pairs = (flag: string) => args.flatMap((a, i) => (args[i - 1] === flag ? [a] : []));
    expect(pairs('--tag')).toEqual([
      `${REGISTRY}/team/notes-api:v1.4.0`,
      `${REGISTRY}/team/notes-api:latest`,
    ]);
    expect(pairs('--build-arg')).toEqual([
      'APP_VERSION=v1.4.0',
      `GIT_SHA=${SHA}`,
      'NODE_ENV=production',
      'GREETING=hello = world',
    ]);
    expect(args).not.toContain('--cache-from');
    expect(await tagsOf('team/notes-api', run.outputs.digest!)).toEqual(['latest', 'v1.4.0']);
    expect(JSON.parse(run.outputs.tags!)).toEqual([
      `${REGISTRY}/team/notes-api:v1.4.0`,
      `${REGISTRY}/team/notes-api:latest`,
    ]);
    expect(run.outputs['image-uri']).toBe(`${REGISTRY}/team/notes-api:v1.4.0`);
  });

  it('lets build-args override APP_VERSION and GIT_SHA', async () => {
    await createRepository('notes', { immutable: false });
    const run = await build({ 'build-args': 'APP_VERSION=2.0.0\nGIT_SHA=abc', cache: 'none' });
    expect(run.code).toBe(0);
    const args = buildCall(run).argv;
    expect(args.filter((_a, i) => args[i - 1] === '--build-arg')).toEqual([
      'APP_VERSION=2.0.0',
      'GIT_SHA=abc',
    ]);
  });

  it('retries a throttled call', async () => {
    aws.faults.throttle({ service: 'ecr', action: 'GetAuthorizationToken', times: 1 });
    const run = await build({ cache: 'none' });
    expect(run.code, run.stdout).toBe(0);
    expect(aws.calls.filter((c) => c.action === 'GetAuthorizationToken').map((c) => c.fault ?? 'ok')).toEqual(
      ['throttle', 'ok'],
    );
  });

  it('fails when the repository is missing and create-repository is false', async () => {
    const run = await build({ 'create-repository': false });
    expect(run.code).toBe(1);
    expect(run.errors().at(-1)).toContain(
      `ECR repository notes does not exist in ${REGISTRY} (us-east-1). Create it (cloudformation/registry.yml)`,
    );
    expect(run.ecrCalls).toEqual([
      'GetAuthorizationToken',
      'DescribeRepositories → RepositoryNotFoundException',
    ]);
    expect(run.docker.map((c) => c.argv[0])).toEqual(['buildx']); // the version check only
  });
});

describe('build-push: immutable tags', () => {
  it('refuses a tag that already exists, before building', async () => {
    await createRepository('notes');
    const existing = await aws.ecr.pushImage({ repository: 'notes', tag: 'v1' });
    const run = await build({ tags: 'v2\nv1' });
    expect(run.code).toBe(1);
    const message = run.errors().at(-1)!;
    expect(message).toMatch(
      new RegExp(
        `tag v1 already exists in immutable repository notes \\(pushed at \\d{4}-\\d\\d-\\d\\dT[^,]+, digest ${existing.digest}\\): use a new tag \\(e\\.g\\. the commit SHA\\) or delete the image`,
      ),
    );
    expect(message).toContain(`${REGISTRY}/notes@${existing.digest}`);
    expect(run.ecrCalls).toEqual([
      'GetAuthorizationToken',
      'DescribeRepositories',
      'DescribeImages → ImageNotFoundException',
      'DescribeImages',
    ]);
    expect(run.docker.map((c) => c.argv[0])).toEqual(['buildx']); // no login, no build
  });

  it('reuses the image when a re-run of the same commit finds its SHA tag already pushed', async () => {
    await createRepository('notes');
    const sha = githubEnv('/tmp', '/tmp').GITHUB_SHA ?? '';
    const existing = await aws.ecr.pushImage({ repository: 'notes', tag: sha });
    const run = await build({ tags: undefined, cache: 'none' });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.image).toBe(`${REGISTRY}/notes@${existing.digest}`);
    expect(run.outputs.digest).toBe(existing.digest);
    expect(run.annotations.some((a) => a.level === 'notice' && a.message.includes('reusing'))).toBe(true);
    expect(run.docker.map((c) => c.argv[0])).toEqual(['buildx']); // the version check only: nothing rebuilt
  });

  it('maps the push-time refusal (another job pushed the tag meanwhile)', async () => {
    await createRepository('notes');
    const run = await build({ tags: 'v3', cache: 'none' }, { env: { DOCKER_STANDIN_RACE: 'v3' } });
    expect(run.code).toBe(1);
    expect(run.errors().at(-1)).toBe(
      'tag v3 already exists in immutable repository notes: the push was refused. Use a new tag (e.g. the commit SHA), or delete the image that has this tag.',
    );
    expect(run.stderr).toContain("tag invalid: The image tag 'v3' already exists"); // docker's own output, live
    expect(run.leftInTemp).toEqual([]);
    expect(run.outputs.image).toBeUndefined();
  });
});

describe('build-push: build only (push: false)', () => {
  it('builds without any AWS call, login or image output', async () => {
    const run = await build({ push: false, tags: 'pr-42' }, { env: { AWS_REGION: '' } });
    expect(run.code, run.stdout).toBe(0);
    expect(aws.calls).toEqual([]);
    expect(run.docker.map((c) => c.argv.slice(0, 2).join(' '))).toEqual(['buildx version', 'buildx build']);
    const args = buildCall(run).argv;
    expect(args).not.toContain('--push');
    expect(args.slice(0, 9)).toEqual([
      'buildx',
      'build',
      '--metadata-file',
      args[3],
      '--platform',
      'linux/amd64',
      '--provenance=false',
      '--sbom=false',
      '--tag',
    ]);
    expect(args[9]).toBe('notes:pr-42');
    expect(run.outputs).toEqual({ tags: JSON.stringify(['notes:pr-42']) });
    expect(run.summary).toContain('nothing was pushed to ECR');
    expect(run.leftInTemp).toEqual([]);
  });
});

describe('build-push: build cache', () => {
  it('gha: the runner cache variables present → --cache-from/--cache-to type=gha', async () => {
    await createRepository('notes', { immutable: false });
    const run = await build(
      {},
      { env: { ACTIONS_RUNTIME_TOKEN: 'runtime-token', ACTIONS_CACHE_URL: 'https://cache.example/' } },
    );
    expect(run.code).toBe(0);
    const args = buildCall(run).argv;
    expect(args.slice(args.indexOf('--cache-from'), args.indexOf('--cache-from') + 4)).toEqual([
      '--cache-from',
      'type=gha',
      '--cache-to',
      'type=gha,mode=max',
    ]);
    expect(buildCall(run).env.ACTIONS_RUNTIME_TOKEN).toBe('runtime-token');
  });

  it('gha: without them, a warning and no cache', async () => {
    await createRepository('notes', { immutable: false });
    const run = await build({ cache: 'gha' });
    expect(run.code).toBe(0);
    expect(buildCall(run).argv).not.toContain('--cache-from');
    expect(run.annotations.find((a) => a.level === 'warning')?.message).toContain(
      'cache: gha needs the ACTIONS_RUNTIME_TOKEN',
    );
  });

  it('registry: a created repository keeps immutable tags except buildcache, and a rebuild can rewrite the cache', async () => {
    const first = await build({ cache: 'registry', tags: 'v1' });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(aws.calls.find((c) => c.action === 'CreateRepository')?.params).toMatchObject({
      imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'buildcache' }],
    });
    const args = buildCall(first).argv;
    const ref = `${REGISTRY}/notes:buildcache`;
    expect(args.slice(args.indexOf('--cache-from'), args.indexOf('--cache-from') + 4)).toEqual([
      '--cache-from',
      `type=registry,ref=${ref}`,
      '--cache-to',
      `type=registry,ref=${ref},mode=max,image-manifest=true,oci-mediatypes=true`,
    ]);
    const second = await build({ cache: 'registry', tags: 'v2' });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const cache = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'notes', imageIds: [{ imageTag: 'buildcache' }] }),
    );
    expect(cache.imageDetails?.[0]?.imageTags).toEqual(['buildcache']);
  });

  it('registry: an existing immutable repository without the exclusion fails before building, saying how to fix it', async () => {
    await createRepository('notes');
    const run = await build({ cache: 'registry' });
    expect(run.code).toBe(1);
    expect(run.errors().at(-1)).toContain(
      'cache: registry needs the "buildcache" tag to be mutable, and repository notes has immutable tags (IMMUTABLE). Exclude it from immutability: aws ecr put-image-tag-mutability --repository-name notes --image-tag-mutability IMMUTABLE_WITH_EXCLUSION --image-tag-mutability-exclusion-filters filterType=WILDCARD,filter=buildcache',
    );
    expect(run.docker.map((c) => c.argv[0])).toEqual(['buildx']);
  });
});

describe('build-push: platforms', () => {
  it('several platforms: one --platform list, an image index, and each platform image scanned', async () => {
    aws.ecr.scanResult({
      repository: 'notes',
      status: 'COMPLETE',
      scanType: 'ENHANCED',
      findings: [
        { name: 'CVE-2024-0009', severity: 'HIGH', package: 'glibc', version: '2.36', fixedIn: '2.36-9' },
      ],
    });
    const run = await build({ platforms: 'linux/amd64, linux/arm64', cache: 'none', scan: 'wait' });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const args = buildCall(run).argv;
    expect(args.slice(args.indexOf('--platform'), args.indexOf('--platform') + 4)).toEqual([
      '--platform',
      'linux/amd64,linux/arm64',
      '--provenance=mode=min',
      '--sbom=false',
    ]);
    // The digest output is the index; the scans are of its platform images (not the index, not the attestation).
    const digest = run.outputs.digest!;
    const index = await ecr.send(
      new BatchGetImageCommand({
        repositoryName: 'notes',
        imageIds: [{ imageDigest: digest }],
        acceptedMediaTypes: ['application/vnd.oci.image.index.v1+json'],
      }),
    );
    const manifests = JSON.parse(index.images?.[0]?.imageManifest ?? '{}').manifests as Array<{
      digest: string;
      platform: { os: string; architecture: string };
    }>;
    expect(manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`)).toEqual([
      'linux/amd64',
      'linux/arm64',
      'unknown/unknown',
    ]);
    const scanned = new Set(
      aws.calls
        .filter((c) => c.action === 'DescribeImageScanFindings')
        .map((c) => (c.params.imageId as { imageDigest: string }).imageDigest),
    );
    expect([...scanned].sort()).toEqual(
      manifests
        .slice(0, 2)
        .map((m) => m.digest)
        .sort(),
    );
    expect(run.ecrCalls).toContain('BatchGetImage');
    expect(run.summary).toContain('| 0 | 2 | 0 | 0 | 0 | 0 |');
    expect(run.summary).toMatch(/\| glibc \| 2\.36 \| 2\.36-9 \| linux\/amd64 \|/);
    expect(run.summary).toMatch(/\| glibc \| 2\.36 \| 2\.36-9 \| linux\/arm64 \|/);
  });
});

describe('build-push: image scan', () => {
  const findings: ScanFinding[] = [
    { name: 'CVE-2024-0001', severity: 'HIGH', package: 'openssl', version: '3.0.2', fixedIn: '3.0.14' },
    { name: 'CVE-2024-0002', severity: 'MEDIUM', package: 'zlib', version: '1.2.11', fixedIn: '1.2.13' },
    { name: 'CVE-2024-0003', severity: 'MEDIUM', package: 'curl', version: '7.81.0' },
    { name: 'CVE-2024-0004', severity: 'LOW', package: 'tar', version: '1.34' },
  ];
  const gates: Array<[string, number]> = [
    ['CRITICAL', 0],
    ['HIGH', 1],
    ['MEDIUM', 3],
    ['LOW', 4],
    ['INFORMATIONAL', 4],
    ['none', 0],
  ];
  it.each(gates)('fail-on-severity %s: %i findings at or above it', async (threshold, over) => {
    aws.ecr.scanResult({
      repository: 'notes',
      status: 'COMPLETE',
      afterMs: 300,
      findings,
      scanType: 'ENHANCED',
    });
    const run = await build({ scan: 'wait', 'fail-on-severity': threshold, cache: 'none' });
    expect(run.code, run.stdout).toBe(over > 0 ? 1 : 0);
    expect(run.outputs.image).toMatch(/@sha256:/); // pushed either way
    const scans = run.ecrCalls.filter((c) => c.startsWith('DescribeImageScanFindings'));
    expect(scans.length).toBeGreaterThanOrEqual(1);
    expect(aws.calls.filter((c) => c.action === 'DescribeImageScanFindings').at(-1)?.params).toMatchObject({
      repositoryName: 'notes',
      imageId: { imageDigest: run.outputs.digest },
    });
    if (over > 0) {
      expect(run.errors().at(-1)).toContain(
        `the image scan found ${over} ${over === 1 ? 'vulnerability' : 'vulnerabilities'} at or above ${threshold}`,
      );
    } else {
      expect(run.errors()).toEqual([]);
    }
    expect(run.summary).toContain(
      '| 🟥 CRITICAL | 🟧 HIGH | 🟨 MEDIUM | 🟦 LOW | ⬜ INFORMATIONAL | ⬜ UNDEFINED |',
    );
    expect(run.summary).toContain('| 0 | 1 | 2 | 1 | 0 | 0 |');
    expect(run.summary).toContain(
      '| 🟧 HIGH | [CVE-2024-0001](https://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2024-0001) | openssl | 3.0.2 | 3.0.14 |',
    );
    expect(run.summary).toMatch(/\| 🟨 MEDIUM \| \[CVE-2024-0003\]\(.*\) \| curl \| 7\.81\.0 \| — \|/);
  });

  it('fails on a CRITICAL finding by default (fail-on-severity left out), naming it', async () => {
    aws.ecr.scanResult({
      repository: 'notes',
      status: 'COMPLETE',
      scanType: 'ENHANCED',
      findings: [
        {
          name: 'CVE-2024-0010',
          severity: 'CRITICAL',
          package: 'libxml2',
          version: '2.9.13',
          fixedIn: '2.9.14',
        },
        ...findings,
      ],
    });
    const run = await build({ scan: 'wait', cache: 'none' });
    expect(run.code, run.stdout).toBe(1);
    expect(run.outputs.image).toMatch(/@sha256:/); // pushed, then gated
    // Only the CRITICAL one counts: the default threshold is CRITICAL, not HIGH or lower.
    expect(run.errors().at(-1)).toContain(
      'the image scan found 1 vulnerability at or above CRITICAL (1 CRITICAL)',
    );
    expect(run.stdout).toContain('1 at or above CRITICAL (fail-on-severity)');
    expect(run.summary).toContain('### Image scan: ❌ 1 at or above CRITICAL');
    expect(run.summary).toContain('| 1 | 1 | 2 | 1 | 0 | 0 |');
    expect(run.summary).toContain(
      '| 🟥 CRITICAL | [CVE-2024-0010](https://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2024-0010) | libxml2 | 2.9.13 | 2.9.14 |',
    );
    // The critical finding heads the table.
    expect(run.summary.indexOf('CVE-2024-0010')).toBeLessThan(run.summary.indexOf('CVE-2024-0001'));
  });

  it('passes the default gate with only UNDEFINED and INFORMATIONAL findings', async () => {
    aws.ecr.scanResult({
      repository: 'notes',
      status: 'COMPLETE',
      findings: [
        { name: 'CVE-2024-0020', severity: 'INFORMATIONAL', package: 'bash', version: '5.1' },
        { name: 'CVE-2024-0021', severity: 'UNDEFINED', package: 'coreutils', version: '8.32' },
      ],
    });
    const run = await build({ scan: 'wait', cache: 'none' });
    expect(run.code, run.stdout).toBe(0);
    expect(run.errors()).toEqual([]);
    expect(run.stdout).toContain('0 at or above CRITICAL (fail-on-severity)');
    expect(run.summary).toContain('### Image scan: ✅ nothing at or above CRITICAL \\(2 below it\\)');
    expect(run.summary).toContain('| 0 | 0 | 0 | 0 | 1 | 1 |');
    expect(run.summary).toContain('CVE-2024-0020');
    expect(run.summary).toContain('CVE-2024-0021');
  });

  it('keeps polling while the scan has not started (ScanNotFoundException), then gates', async () => {
    await createRepository('notes', { immutable: false, scanOnPush: false });
    // StartImageScan is refused: the scan only appears later (as a registry's enhanced scanning would).
    aws.faults.serverError({ service: 'ecr', action: 'StartImageScan', times: 5 });
    const running = build({ scan: 'wait', 'fail-on-severity': 'HIGH', cache: 'none' });
    for (let i = 0; i < 300; i++) {
      if (aws.calls.some((c) => c.errorCode === 'ScanNotFoundException')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    aws.ecr.scanResult({ repository: 'notes', status: 'COMPLETE', findings: findings.slice(0, 1) });
    const run = await running;
    expect(run.code).toBe(1);
    expect(run.ecrCalls).toContain('DescribeImageScanFindings → ScanNotFoundException');
    expect(run.ecrCalls.at(-1)).toBe('DescribeImageScanFindings');
    expect(run.stdout).toContain('not started yet');
    expect(run.annotations.find((a) => a.level === 'warning')?.message).toContain(
      'Could not start the image scan',
    );
    expect(run.errors().at(-1)).toContain('the image scan found 1 vulnerability at or above HIGH');
  });

  it('times out after scan-timeout-minutes', async () => {
    aws.ecr.scanResult({ repository: 'notes', status: 'IN_PROGRESS' });
    const run = await build({ scan: 'wait', 'scan-timeout-minutes': '2s', cache: 'none' });
    expect(run.code).toBe(1);
    expect(run.errors().at(-1)).toMatch(
      /the ECR image scan of notes@sha256:[a-f0-9]{64} did not finish within 2s/,
    );
    expect(run.outputs.image).toBeDefined();
  });

  it('fails when the scan fails: the image was not checked', async () => {
    aws.ecr.scanResult({
      repository: 'notes',
      status: 'FAILED',
      failureDescription: 'UnsupportedImageError: distroless',
    });
    const run = await build({ scan: 'wait', cache: 'none' });
    expect(run.code).toBe(1);
    expect(run.errors().at(-1)).toContain('ended FAILED: UnsupportedImageError: distroless');
    expect(run.summary).toContain('the image was not checked');
  });
});

describe('build-push: docker failures', () => {
  it('a failing build names the failing step and cleans the docker config up', async () => {
    await createRepository('notes', { immutable: false });
    const run = await build({ cache: 'none' }, { env: { DOCKER_STANDIN_FAIL: 'build' } });
    expect(run.code).toBe(1);
    expect(run.errors().at(-1)).toContain(
      'docker buildx build failed (exit status 1): failed to solve: process "/bin/sh -c npm ci" did not complete successfully: exit code: 1',
    );
    expect(run.leftInTemp).toEqual([]);
    expect(run.leaks(PASSWORD)).toEqual([]);
  });

  it('a refused login', async () => {
    await createRepository('notes', { immutable: false });
    const run = await build({}, { env: { DOCKER_STANDIN_FAIL: 'login' } });
    expect(run.code).toBe(1);
    expect(run.errors().at(-1)).toContain(`docker login to ${REGISTRY} failed: Error response from daemon`);
    expect(run.leftInTemp).toEqual([]);
    expect(run.leaks(PASSWORD)).toEqual([]);
  });

  it('cancelling the job stops the build and still removes the docker config', async () => {
    await createRepository('notes', { immutable: false });
    const run = await build(
      { cache: 'none', tags: 'cancelled' },
      { env: { DOCKER_STANDIN_SLOW_MS: '30000' }, cancelAfterMs: 6000 },
    );
    expect(run.code).not.toBe(0);
    expect(run.errors().at(-1)).toContain('cancelled');
    expect(run.leftInTemp).toEqual([]);
    expect(run.outputs.image).toBeUndefined();
    const tagged = await ecr
      .send(new DescribeImagesCommand({ repositoryName: 'notes', imageIds: [{ imageTag: 'cancelled' }] }))
      .catch((error: Error) => error.name);
    expect(tagged).toBe('ImageNotFoundException');
  });

  it('no buildx: fails before any AWS call', async () => {
    const run = await build({}, { env: { DOCKER_STANDIN_FAIL: 'buildx-version' } });
    expect(run.code).toBe(1);
    expect(run.errors().at(-1)).toContain("docker buildx is not available: See 'docker --help'");
    expect(run.errors().at(-1)).toContain('docker/setup-buildx-action');
    expect(aws.calls).toEqual([]);
  });

  it('no docker at all: fails before any AWS call', async () => {
    const run = await build({}, { docker: false });
    expect(run.code).toBe(1);
    expect(run.errors().at(-1)).toContain('docker was not found on PATH');
    expect(aws.calls).toEqual([]);
  });
});

describe('build-push: bad inputs fail before any AWS or docker call', () => {
  const cases: Array<[RunOptions['inputs'], string]> = [
    [{ repository: 'Notes' }, 'build-push: repository: "Notes" is not a valid ECR repository name'],
    [{ repository: 'notes//api' }, 'build-push: repository: "notes//api" is not a valid ECR repository name'],
    [{ repository: 'a' }, 'build-push: repository: "a" is not a valid ECR repository name'],
    [
      { repository: `${REGISTRY}/notes` },
      `build-push: repository: "${REGISTRY}/notes" looks like an image URI; give the repository name only`,
    ],
    [{ tags: 'v1\nbad tag' }, 'build-push: tags: "bad tag" is not a valid image tag'],
    [{ tags: '.hidden' }, 'build-push: tags: ".hidden" is not a valid image tag'],
    [{ tags: 'x'.repeat(129) }, 'is not a valid image tag'],
    [
      { tags: 'buildcache', cache: 'registry' },
      'build-push: tags: "buildcache" is the registry cache\'s tag',
    ],
    [{ platforms: 'amd64' }, 'build-push: platforms: "amd64" is not a platform'],
    [{ cache: 'local' }, 'build-push: cache: "local" is not one of: gha, registry, none'],
    [{ scan: 'later' }, 'build-push: scan: "later" is not one of: none, wait'],
    [
      { 'fail-on-severity': 'SEVERE' },
      'build-push: fail-on-severity: "SEVERE" is not one of: INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL, none',
    ],
    [{ 'scan-timeout-minutes': 'soon' }, 'build-push: scan-timeout-minutes: "soon" is not a duration'],
    [{ 'keep-images': '0' }, 'build-push: keep-images: "0" is not a whole number from 1 to 10000'],
    [{ push: 'maybe' }, 'build-push: push: "maybe" is not a boolean'],
    [{ 'create-repository': 'yes' }, 'build-push: create-repository: "yes" is not a boolean'],
    [{ scan: 'wait', push: false }, 'build-push: scan: wait needs push: true'],
    [{ 'build-args': 'NOVALUE' }, 'build-push: build-args: "NOVALUE" is not KEY=VALUE'],
    [{ context: 'service' }, 'build-push: context: "service" is not a folder in the workspace'],
    [
      { dockerfile: 'docker/Dockerfile.prod' },
      'build-push: dockerfile: "docker/Dockerfile.prod" does not exist',
    ],
    [{ region: 'mars-1' }, 'build-push: region: "mars-1" is not an AWS region name'],
  ];
  it.each(cases)('%j', async (inputs, message) => {
    const run = await build(inputs);
    expect(run.code).toBe(1);
    expect([...run.errors()].join('\n')).toContain(message);
    expect(aws.calls).toEqual([]);
    expect(run.docker).toEqual([]);
  });

  it('an empty repository: it is required', async () => {
    const run = await build({ repository: '' });
    expect(run.code).toBe(1);
    expect(run.errors().join('\n')).toContain(
      'build-push: repository: is required; give the ECR repository name, e.g. notes or team/notes',
    );
    expect(aws.calls).toEqual([]);
    expect(run.docker).toEqual([]);
  });

  it('no tags and no GITHUB_SHA: nothing to tag the image with', async () => {
    // With GITHUB_SHA unset, the default ${{ github.sha }} is empty too.
    for (const tags of ['', undefined]) {
      const run = await build({ tags }, { env: { GITHUB_SHA: undefined } });
      expect(run.code).toBe(1);
      expect(run.errors().join('\n')).toContain(
        'build-push: tags: no tag given and GITHUB_SHA is not set; give at least one tag',
      );
      expect(aws.calls).toEqual([]);
      expect(run.docker).toEqual([]);
    }
  });

  it('lists every problem at once', async () => {
    const run = await build({ repository: 'Bad', tags: 'a b', cache: 'x' });
    expect(run.errors()).toHaveLength(3);
    expect(run.errors().at(-1)).toContain('(and 2 more, listed above)');
    expect(aws.calls).toEqual([]);
  });

  it('a missing Dockerfile in the context', async () => {
    const run = await build({}, { files: { 'src/index.ts': '' } });
    expect(run.errors().at(-1)).toContain('build-push: dockerfile: no Dockerfile in the context folder .');
    expect(aws.calls).toEqual([]);
  });
});
