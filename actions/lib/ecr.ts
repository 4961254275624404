// Amazon ECR: registry login (the token and password masked the moment they arrive), the repository (found,
// or created with scan on push, immutable tags, encryption and a lifecycle policy), images by tag or digest,
// and image scans waited for until they complete. Loaded with `await import()` once inputs are valid.
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImageScanFindingsCommand,
  type DescribeImageScanFindingsResponse,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  type ImageDetail,
  PutLifecyclePolicyCommand,
  type Repository,
  StartImageScanCommand,
} from '@aws-sdk/client-ecr';
import { regionalClient } from './aws.js';
import { log, mask } from './core.js';
import { ActionError, describeAwsError, messageOf } from './errors.js';
import { onChange, poll } from './poll.js';

function client(region: string): ECRClient {
  return regionalClient(ECRClient, region);
}

/** Runs an ECR call; the AWS error names in `expected` come back as `undefined`-returning outcomes. */
async function call<T>(
  operation: string,
  fn: () => Promise<T>,
  expected: string[] = [],
  hint?: string,
): Promise<{ ok: true; value: T } | { ok: false; code: string; message: string }> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    if (expected.includes(name)) return { ok: false, code: name, message: (error as Error).message };
    throw describeAwsError(operation, error, hint);
  }
}

function must<T>(
  result: { ok: true; value: T } | { ok: false; code: string; message: string },
  op: string,
): T {
  if (result.ok) return result.value;
  throw new ActionError(`${op} failed: ${result.code}: ${result.message}`);
}

// --- Login ------------------------------------------------------------------------------------------------

export interface EcrLogin {
  /** The registry host, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com. */
  registry: string;
  username: string;
  password: string;
  expiresAt?: Date;
}

/**
 * GetAuthorizationToken, decoded to the registry, user name and password for `docker login`. The base64
 * token and the password are masked before this returns, so no later log line can show them.
 */
export async function getEcrLogin(region: string): Promise<EcrLogin> {
  const response = must(
    await call('ECR GetAuthorizationToken', () => client(region).send(new GetAuthorizationTokenCommand({}))),
    'ECR GetAuthorizationToken',
  );
  const data = response.authorizationData?.[0];
  const token = data?.authorizationToken;
  mask(token);
  if (!data || !token || !data.proxyEndpoint) {
    throw new ActionError('ECR GetAuthorizationToken returned no authorization data');
  }
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  mask(password);
  if (colon < 0 || !password)
    throw new ActionError('ECR GetAuthorizationToken returned a token that is not user:password');
  return {
    registry: data.proxyEndpoint.replace(/^https?:\/\//, '').replace(/\/+$/, ''),
    username: decoded.slice(0, colon),
    password,
    expiresAt: data.expiresAt,
  };
}

// --- Repository -------------------------------------------------------------------------------------------

export type TagMutability = 'MUTABLE' | 'IMMUTABLE' | 'IMMUTABLE_WITH_EXCLUSION' | 'MUTABLE_WITH_EXCLUSION';

export interface RepositoryInfo {
  name: string;
  uri: string;
  arn?: string;
  registryId?: string;
  tagMutability: TagMutability;
  /** Wildcard filters of tags excepted from the mutability setting. */
  exclusionFilters: string[];
  scanOnPush: boolean;
  encryption?: string;
  /** Created by this run. */
  created: boolean;
}

export interface CreateRepositoryOptions {
  /** Keep this many images (lifecycle policy); untagged images expire after a day. */
  keepImages: number;
  /** Tags that must stay mutable in an otherwise immutable repository (e.g. a registry cache tag). */
  mutableTags?: string[];
  /** Resource tags on the repository. */
  resourceTags?: Record<string, string>;
}

export async function describeRepository(region: string, name: string): Promise<RepositoryInfo | undefined> {
  const result = await call(
    'ECR DescribeRepositories',
    () => client(region).send(new DescribeRepositoriesCommand({ repositoryNames: [name] })),
    ['RepositoryNotFoundException'],
  );
  if (!result.ok) return undefined;
  const repository = result.value.repositories?.[0];
  return repository ? toInfo(repository, false) : undefined;
}

/** The lifecycle policy a created repository gets: untagged images expire after 1 day, the last N kept. */
export function lifecyclePolicy(keepImages: number): string {
  return JSON.stringify({
    rules: [
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
        description: `Keep the last ${keepImages} images`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keepImages },
        action: { type: 'expire' },
      },
    ],
  });
}

/**
 * Creates the repository: scan on push, immutable tags (with `mutableTags` excepted), AES-256 encryption,
 * then its lifecycle policy. A repository created meanwhile by a concurrent job is described instead.
 */
export async function createRepository(
  region: string,
  name: string,
  options: CreateRepositoryOptions,
): Promise<RepositoryInfo> {
  const mutable = options.mutableTags ?? [];
  const created = await call(
    'ECR CreateRepository',
    () =>
      client(region).send(
        new CreateRepositoryCommand({
          repositoryName: name,
          imageScanningConfiguration: { scanOnPush: true },
          imageTagMutability: mutable.length > 0 ? 'IMMUTABLE_WITH_EXCLUSION' : 'IMMUTABLE',
          imageTagMutabilityExclusionFilters:
            mutable.length > 0 ? mutable.map((filter) => ({ filterType: 'WILDCARD', filter })) : undefined,
          encryptionConfiguration: { encryptionType: 'AES256' },
          tags: Object.entries(options.resourceTags ?? {}).map(([Key, Value]) => ({ Key, Value })),
        }),
      ),
    ['RepositoryAlreadyExistsException'],
  );
  if (!created.ok) {
    const existing = await describeRepository(region, name);
    if (existing) return existing;
    throw new ActionError(`ECR CreateRepository failed: ${created.code}: ${created.message}`);
  }
  const repository = created.value.repository;
  if (!repository) throw new ActionError('ECR CreateRepository returned no repository');
  must(
    await call('ECR PutLifecyclePolicy', () =>
      client(region).send(
        new PutLifecyclePolicyCommand({
          repositoryName: name,
          lifecyclePolicyText: lifecyclePolicy(options.keepImages),
        }),
      ),
    ),
    'ECR PutLifecyclePolicy',
  );
  return toInfo(repository, true);
}

function toInfo(repository: Repository, created: boolean): RepositoryInfo {
  return {
    name: repository.repositoryName ?? '',
    uri: repository.repositoryUri ?? '',
    arn: repository.repositoryArn,
    registryId: repository.registryId,
    tagMutability: (repository.imageTagMutability ?? 'MUTABLE') as TagMutability,
    exclusionFilters: (repository.imageTagMutabilityExclusionFilters ?? [])
      .map((f) => f.filter ?? '')
      .filter(Boolean),
    scanOnPush: repository.imageScanningConfiguration?.scanOnPush === true,
    encryption: repository.encryptionConfiguration?.encryptionType,
    created,
  };
}

/** Whether pushing `tag` again to `repository` is refused (an immutable tag that already exists). */
export function isTagImmutable(repository: RepositoryInfo, tag: string): boolean {
  const excluded = repository.exclusionFilters.some((filter) => wildcard(filter).test(tag));
  switch (repository.tagMutability) {
    case 'IMMUTABLE':
      return true;
    case 'IMMUTABLE_WITH_EXCLUSION':
      return !excluded;
    case 'MUTABLE_WITH_EXCLUSION':
      return excluded;
    default:
      return false;
  }
}

function wildcard(filter: string): RegExp {
  return new RegExp(`^${filter.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

// --- Images -----------------------------------------------------------------------------------------------

export interface ImageInfo {
  digest: string;
  tags: string[];
  pushedAt?: Date;
  sizeBytes?: number;
  mediaType?: string;
}

function toImage(detail: ImageDetail): ImageInfo {
  return {
    digest: detail.imageDigest ?? '',
    tags: detail.imageTags ?? [],
    pushedAt: detail.imagePushedAt,
    sizeBytes: detail.imageSizeInBytes,
    mediaType: detail.imageManifestMediaType,
  };
}

/** The image `tag` points at, or `undefined` when the tag does not exist (DescribeImages by tag). */
export async function findImageByTag(
  region: string,
  repository: string,
  tag: string,
): Promise<ImageInfo | undefined> {
  const result = await call(
    'ECR DescribeImages',
    () =>
      client(region).send(
        new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] }),
      ),
    ['ImageNotFoundException'],
  );
  if (!result.ok) return undefined;
  const detail = result.value.imageDetails?.[0];
  return detail ? toImage(detail) : undefined;
}

export async function describeImage(region: string, repository: string, digest: string): Promise<ImageInfo> {
  const result = await call(
    'ECR DescribeImages',
    () =>
      client(region).send(
        new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageDigest: digest }] }),
      ),
    ['ImageNotFoundException'],
  );
  const detail = result.ok ? result.value.imageDetails?.[0] : undefined;
  if (!detail) {
    throw new ActionError(`the pushed image ${digest} is not in ECR repository ${repository}`, {
      hint: 'docker reported a push that ECR does not show: check the docker output above and re-run the job.',
    });
  }
  return toImage(detail);
}

export interface PlatformImage {
  digest: string;
  platform: string;
}

const INDEX_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

/**
 * The per-platform images of a multi-platform image index (attestation manifests, platform unknown/unknown,
 * left out); `undefined` when `digest` is a single image.
 */
export async function platformImages(
  region: string,
  repository: string,
  digest: string,
): Promise<PlatformImage[] | undefined> {
  const response = must(
    await call('ECR BatchGetImage', () =>
      client(region).send(
        new BatchGetImageCommand({
          repositoryName: repository,
          imageIds: [{ imageDigest: digest }],
          acceptedMediaTypes: [
            ...INDEX_TYPES,
            'application/vnd.oci.image.manifest.v1+json',
            'application/vnd.docker.distribution.manifest.v2+json',
          ],
        }),
      ),
    ),
    'ECR BatchGetImage',
  );
  const manifest = response.images?.[0]?.imageManifest;
  if (!manifest) return undefined;
  const parsed = JSON.parse(manifest) as {
    mediaType?: string;
    manifests?: Array<{
      digest: string;
      platform?: { os?: string; architecture?: string; variant?: string };
    }>;
  };
  if (!Array.isArray(parsed.manifests)) return undefined;
  return parsed.manifests
    .filter((m) => m.platform && m.platform.os !== 'unknown')
    .map((m) => ({
      digest: m.digest,
      platform: [m.platform?.os, m.platform?.architecture, m.platform?.variant].filter(Boolean).join('/'),
    }));
}

// --- Scans ------------------------------------------------------------------------------------------------

export const SCAN_SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'] as const;
export type ScanSeverity = (typeof SCAN_SEVERITIES)[number];
export const GATE_SEVERITIES = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type GateSeverity = (typeof GATE_SEVERITIES)[number];

export interface ScanFinding {
  name: string;
  severity: string;
  package?: string;
  version?: string;
  fixedIn?: string;
  uri?: string;
}

export interface ScanResult {
  digest: string;
  status: string;
  description?: string;
  completedAt?: Date;
  /** Findings per severity, from ECR's own counts (all findings, not only the ones listed). */
  counts: Record<string, number>;
  findings: ScanFinding[];
  /** Enhanced (Amazon Inspector) or basic scanning. */
  type: 'BASIC' | 'ENHANCED';
}

const DONE = new Set(['COMPLETE', 'ACTIVE']);
const FAILED = new Set([
  'FAILED',
  'UNSUPPORTED_IMAGE',
  'FINDINGS_UNAVAILABLE',
  'SCAN_ELIGIBILITY_EXPIRED',
  'LIMIT_EXCEEDED',
  'IMAGE_ARCHIVED',
]);
const MAX_FINDING_PAGES = 5;

/**
 * Starts a basic scan (for a repository without scan on push). A refusal is a warning, not a failure: the
 * wait that follows still sees a scan the registry runs itself (enhanced scanning), or times out.
 */
export async function startImageScan(region: string, repository: string, digest: string): Promise<void> {
  try {
    await client(region).send(
      new StartImageScanCommand({ repositoryName: repository, imageId: { imageDigest: digest } }),
    );
  } catch (error) {
    log.warning(
      `Could not start the image scan: ${messageOf(describeAwsError('ECR StartImageScan', error))}; waiting in case the registry scans the image itself (enhanced scanning).`,
    );
  }
}

/**
 * Polls DescribeImageScanFindings until the scan of `digest` completes (COMPLETE, or ACTIVE for enhanced
 * scanning) or fails, within `timeoutMs`. ScanNotFoundException means the scan has not started yet.
 */
export async function waitForScan(options: {
  region: string;
  repository: string;
  digest: string;
  timeoutMs: number;
  signal?: AbortSignal;
  label?: string;
}): Promise<ScanResult> {
  const { region, repository, digest } = options;
  const progress = onChange((line) => log.info(line));
  const label = options.label ?? digest.slice(0, 19);
  let last = 'not started';
  const first = await poll<DescribeImageScanFindingsResponse>({
    what: `the ECR image scan of ${repository}@${digest}`,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    timeoutHint:
      'Raise scan-timeout-minutes, or check the scan in the ECR console (basic scanning supports a limited set of operating systems).',
    describeState: () => `Last scan status: ${last}`,
    check: async () => {
      const result = await call(
        'ECR DescribeImageScanFindings',
        () =>
          client(region).send(
            new DescribeImageScanFindingsCommand({
              repositoryName: repository,
              imageId: { imageDigest: digest },
            }),
          ),
        ['ScanNotFoundException'],
      );
      if (!result.ok) {
        last = 'not started';
        progress(`Scan of ${label}: not started yet`);
        return { done: false };
      }
      const status = result.value.imageScanStatus?.status ?? 'UNKNOWN';
      last = status;
      progress(`Scan of ${label}: ${status}`);
      if (DONE.has(status) || FAILED.has(status)) return { done: true, value: result.value };
      return { done: false };
    },
  });
  const status = first.imageScanStatus?.status ?? 'UNKNOWN';
  const result: ScanResult = {
    digest,
    status,
    description: first.imageScanStatus?.description,
    completedAt: first.imageScanFindings?.imageScanCompletedAt,
    counts: { ...(first.imageScanFindings?.findingSeverityCounts ?? {}) } as Record<string, number>,
    findings: [],
    type: first.imageScanFindings?.enhancedFindings ? 'ENHANCED' : 'BASIC',
  };
  if (FAILED.has(status)) return result;
  let page: DescribeImageScanFindingsResponse | undefined = first;
  for (let pages = 1; page; pages++) {
    result.findings.push(...findingsOf(page));
    if (!page.nextToken || pages >= MAX_FINDING_PAGES) break;
    const token: string = page.nextToken;
    page = must(
      await call('ECR DescribeImageScanFindings', () =>
        client(region).send(
          new DescribeImageScanFindingsCommand({
            repositoryName: repository,
            imageId: { imageDigest: digest },
            nextToken: token,
          }),
        ),
      ),
      'ECR DescribeImageScanFindings',
    );
  }
  if (Object.keys(result.counts).length === 0) {
    for (const f of result.findings) result.counts[f.severity] = (result.counts[f.severity] ?? 0) + 1;
  }
  return result;
}

function findingsOf(page: DescribeImageScanFindingsResponse): ScanFinding[] {
  const basic = (page.imageScanFindings?.findings ?? []).map((f) => {
    const attr = (key: string) => f.attributes?.find((a) => a.key === key)?.value;
    return {
      name: f.name ?? 'unnamed finding',
      severity: f.severity ?? 'UNDEFINED',
      package: attr('package_name'),
      version: attr('package_version'),
      uri: f.uri,
    };
  });
  const enhanced = (page.imageScanFindings?.enhancedFindings ?? []).map((f) => {
    const details = f.packageVulnerabilityDetails;
    const pkg = details?.vulnerablePackages?.[0];
    return {
      name: details?.vulnerabilityId ?? f.title ?? 'unnamed finding',
      severity: f.severity ?? details?.vendorSeverity ?? 'UNDEFINED',
      package: pkg?.name,
      version: pkg?.version,
      fixedIn: pkg?.fixedInVersion,
      uri: details?.sourceUrl ?? details?.referenceUrls?.[0],
    };
  });
  return [...basic, ...enhanced];
}

/** The rank of an ECR severity for gating: INFORMATIONAL 0 … CRITICAL 4; UNDEFINED/UNTRIAGED count as 0. */
export function scanSeverityRank(severity: string): number {
  const index = (GATE_SEVERITIES as readonly string[]).indexOf(severity.toUpperCase());
  return Math.max(index, 0);
}

/** How many findings are at or above `threshold`. */
export function countAtOrAbove(counts: Record<string, number>, threshold: GateSeverity): number {
  const min = scanSeverityRank(threshold);
  return Object.entries(counts)
    .filter(([severity]) => scanSeverityRank(severity) >= min)
    .reduce((n, [, count]) => n + count, 0);
}
