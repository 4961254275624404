export const id = 645;
export const ids = [645];
export const modules = {

/***/ 9645:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  GATE_SEVERITIES: () => (/* binding */ GATE_SEVERITIES),
  SCAN_SEVERITIES: () => (/* binding */ SCAN_SEVERITIES),
  countAtOrAbove: () => (/* binding */ countAtOrAbove),
  createRepository: () => (/* binding */ createRepository),
  describeImage: () => (/* binding */ describeImage),
  describeRepository: () => (/* binding */ describeRepository),
  findImageByTag: () => (/* binding */ findImageByTag),
  getEcrLogin: () => (/* binding */ getEcrLogin),
  isTagImmutable: () => (/* binding */ isTagImmutable),
  lifecyclePolicy: () => (/* binding */ lifecyclePolicy),
  platformImages: () => (/* binding */ platformImages),
  scanSeverityRank: () => (/* binding */ scanSeverityRank),
  startImageScan: () => (/* binding */ startImageScan),
  waitForScan: () => (/* binding */ waitForScan)
});

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-ecr/dist-cjs/index.js
var dist_cjs = __webpack_require__(8249);
// EXTERNAL MODULE: ./actions/lib/aws.ts
var aws = __webpack_require__(1183);
// EXTERNAL MODULE: ./actions/lib/core.ts + 21 modules
var core = __webpack_require__(2161);
// EXTERNAL MODULE: ./actions/lib/errors.ts
var errors = __webpack_require__(2863);
// EXTERNAL MODULE: ./actions/lib/inputs.ts
var inputs = __webpack_require__(7721);
;// CONCATENATED MODULE: ./actions/lib/poll.ts
// Waiting for something in the cloud: a first look after a short interval, backing off to a ceiling low
// enough that a terminal state is reported within a few seconds, a hard timeout, and cancellation.


function pollIntervals() {
    const override = Number(process.env.DEPLOY_ACTIONS_POLL_INTERVAL_MS);
    if (Number.isFinite(override) && override > 0)
        return { initial: override, max: override };
    return { initial: 2000, max: 4000 };
}
async function poll(options) {
    const defaults = pollIntervals();
    const factor = options.factor ?? 1.5;
    const max = options.maxIntervalMs ?? defaults.max;
    let interval = options.initialIntervalMs ?? defaults.initial;
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
        throwIfAborted(options.signal);
        const result = await options.check();
        if (result.done)
            return result.value;
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
            throw new errors/* TimeoutError */.MU(`${options.what} did not finish within ${(0,inputs/* formatDuration */.a3)(options.timeoutMs)}`, {
                hint: options.timeoutHint,
                details: options.describeState?.(),
            });
        }
        await sleep(Math.min(interval, remaining), options.signal);
        interval = Math.min(Math.round(interval * factor), max);
    }
}
function throwIfAborted(signal) {
    if (signal?.aborted)
        throw signal.reason instanceof Error ? signal.reason : new errors/* ActionError */.lZ('cancelled');
}
function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
        if (signal?.aborted) {
            reject(signal.reason);
            return;
        }
        const timer = setTimeout(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
        }, ms);
        const onAbort = () => {
            clearTimeout(timer);
            reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}
/** Returns a function that logs a line only when it differs from the previous one (progress without noise). */
function onChange(emit) {
    let last;
    return (line) => {
        if (line !== last)
            emit(line);
        last = line;
    };
}

;// CONCATENATED MODULE: ./actions/lib/ecr.ts
// Amazon ECR: registry login (the token and password masked the moment they arrive), the repository (found,
// or created with scan on push, immutable tags, encryption and a lifecycle policy), images by tag or digest,
// and image scans waited for until they complete. Loaded with `await import()` once inputs are valid.





const clients = new Map();
function client(region) {
    let existing = clients.get(region);
    if (!existing) {
        existing = new dist_cjs/* ECRClient */.S70((0,aws/* awsClientConfig */.rw)(region));
        clients.set(region, existing);
    }
    return existing;
}
/** Runs an ECR call; the AWS error names in `expected` come back as `undefined`-returning outcomes. */
async function call(operation, fn, expected = [], hint) {
    try {
        return { ok: true, value: await fn() };
    }
    catch (error) {
        const name = error.name ?? '';
        if (expected.includes(name))
            return { ok: false, code: name, message: error.message };
        throw (0,errors/* describeAwsError */.Pp)(operation, error, hint);
    }
}
function must(result, op) {
    if (result.ok)
        return result.value;
    throw new errors/* ActionError */.lZ(`${op} failed: ${result.code}: ${result.message}`);
}
/**
 * GetAuthorizationToken, decoded to the registry, user name and password for `docker login`. The base64
 * token and the password are masked before this returns, so no later log line can show them.
 */
async function getEcrLogin(region) {
    const response = must(await call('ECR GetAuthorizationToken', () => client(region).send(new dist_cjs/* GetAuthorizationTokenCommand */.Eu6({}))), 'ECR GetAuthorizationToken');
    const data = response.authorizationData?.[0];
    const token = data?.authorizationToken;
    (0,core/* mask */.dK)(token);
    if (!data || !token || !data.proxyEndpoint) {
        throw new errors/* ActionError */.lZ('ECR GetAuthorizationToken returned no authorization data');
    }
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const password = colon < 0 ? '' : decoded.slice(colon + 1);
    (0,core/* mask */.dK)(password);
    if (colon < 0 || !password)
        throw new errors/* ActionError */.lZ('ECR GetAuthorizationToken returned a token that is not user:password');
    return {
        registry: data.proxyEndpoint.replace(/^https?:\/\//, '').replace(/\/+$/, ''),
        username: decoded.slice(0, colon),
        password,
        expiresAt: data.expiresAt,
    };
}
async function describeRepository(region, name) {
    const result = await call('ECR DescribeRepositories', () => client(region).send(new dist_cjs/* DescribeRepositoriesCommand */.pE_({ repositoryNames: [name] })), ['RepositoryNotFoundException']);
    if (!result.ok)
        return undefined;
    const repository = result.value.repositories?.[0];
    return repository ? toInfo(repository, false) : undefined;
}
/** The lifecycle policy a created repository gets: untagged images expire after 1 day, the last N kept. */
function lifecyclePolicy(keepImages) {
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
async function createRepository(region, name, options) {
    const mutable = options.mutableTags ?? [];
    const created = await call('ECR CreateRepository', () => client(region).send(new dist_cjs/* CreateRepositoryCommand */.WTe({
        repositoryName: name,
        imageScanningConfiguration: { scanOnPush: true },
        imageTagMutability: mutable.length > 0 ? 'IMMUTABLE_WITH_EXCLUSION' : 'IMMUTABLE',
        imageTagMutabilityExclusionFilters: mutable.length > 0 ? mutable.map((filter) => ({ filterType: 'WILDCARD', filter })) : undefined,
        encryptionConfiguration: { encryptionType: 'AES256' },
        tags: Object.entries(options.resourceTags ?? {}).map(([Key, Value]) => ({ Key, Value })),
    })), ['RepositoryAlreadyExistsException']);
    if (!created.ok) {
        const existing = await describeRepository(region, name);
        if (existing)
            return existing;
        throw new errors/* ActionError */.lZ(`ECR CreateRepository failed: ${created.code}: ${created.message}`);
    }
    const repository = created.value.repository;
    if (!repository)
        throw new errors/* ActionError */.lZ('ECR CreateRepository returned no repository');
    must(await call('ECR PutLifecyclePolicy', () => client(region).send(new dist_cjs/* PutLifecyclePolicyCommand */.Rcn({
        repositoryName: name,
        lifecyclePolicyText: lifecyclePolicy(options.keepImages),
    }))), 'ECR PutLifecyclePolicy');
    return toInfo(repository, true);
}
function toInfo(repository, created) {
    return {
        name: repository.repositoryName ?? '',
        uri: repository.repositoryUri ?? '',
        arn: repository.repositoryArn,
        registryId: repository.registryId,
        tagMutability: (repository.imageTagMutability ?? 'MUTABLE'),
        exclusionFilters: (repository.imageTagMutabilityExclusionFilters ?? [])
            .map((f) => f.filter ?? '')
            .filter(Boolean),
        scanOnPush: repository.imageScanningConfiguration?.scanOnPush === true,
        encryption: repository.encryptionConfiguration?.encryptionType,
        created,
    };
}
/** Whether pushing `tag` again to `repository` is refused (an immutable tag that already exists). */
function isTagImmutable(repository, tag) {
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
function wildcard(filter) {
    return new RegExp(`^${filter.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}
function toImage(detail) {
    return {
        digest: detail.imageDigest ?? '',
        tags: detail.imageTags ?? [],
        pushedAt: detail.imagePushedAt,
        sizeBytes: detail.imageSizeInBytes,
        mediaType: detail.imageManifestMediaType,
    };
}
/** The image `tag` points at, or `undefined` when the tag does not exist (DescribeImages by tag). */
async function findImageByTag(region, repository, tag) {
    const result = await call('ECR DescribeImages', () => client(region).send(new dist_cjs/* DescribeImagesCommand */.ji5({ repositoryName: repository, imageIds: [{ imageTag: tag }] })), ['ImageNotFoundException']);
    if (!result.ok)
        return undefined;
    const detail = result.value.imageDetails?.[0];
    return detail ? toImage(detail) : undefined;
}
async function describeImage(region, repository, digest) {
    const result = await call('ECR DescribeImages', () => client(region).send(new dist_cjs/* DescribeImagesCommand */.ji5({ repositoryName: repository, imageIds: [{ imageDigest: digest }] })), ['ImageNotFoundException']);
    const detail = result.ok ? result.value.imageDetails?.[0] : undefined;
    if (!detail) {
        throw new errors/* ActionError */.lZ(`the pushed image ${digest} is not in ECR repository ${repository}`, {
            hint: 'docker reported a push that ECR does not show: check the docker output above and re-run the job.',
        });
    }
    return toImage(detail);
}
const INDEX_TYPES = [
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
];
/**
 * The per-platform images of a multi-platform image index (attestation manifests, platform unknown/unknown,
 * left out); `undefined` when `digest` is a single image.
 */
async function platformImages(region, repository, digest) {
    const response = must(await call('ECR BatchGetImage', () => client(region).send(new dist_cjs/* BatchGetImageCommand */.P8n({
        repositoryName: repository,
        imageIds: [{ imageDigest: digest }],
        acceptedMediaTypes: [
            ...INDEX_TYPES,
            'application/vnd.oci.image.manifest.v1+json',
            'application/vnd.docker.distribution.manifest.v2+json',
        ],
    }))), 'ECR BatchGetImage');
    const manifest = response.images?.[0]?.imageManifest;
    if (!manifest)
        return undefined;
    const parsed = JSON.parse(manifest);
    if (!Array.isArray(parsed.manifests))
        return undefined;
    return parsed.manifests
        .filter((m) => m.platform && m.platform.os !== 'unknown')
        .map((m) => ({
        digest: m.digest,
        platform: [m.platform?.os, m.platform?.architecture, m.platform?.variant].filter(Boolean).join('/'),
    }));
}
// --- Scans ------------------------------------------------------------------------------------------------
const SCAN_SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'];
const GATE_SEVERITIES = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
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
async function startImageScan(region, repository, digest) {
    try {
        await client(region).send(new dist_cjs/* StartImageScanCommand */.Qc9({ repositoryName: repository, imageId: { imageDigest: digest } }));
    }
    catch (error) {
        core/* log */.Rm.warning(`Could not start the image scan: ${(0,errors/* messageOf */.bD)((0,errors/* describeAwsError */.Pp)('ECR StartImageScan', error))}; waiting in case the registry scans the image itself (enhanced scanning).`);
    }
}
/**
 * Polls DescribeImageScanFindings until the scan of `digest` completes (COMPLETE, or ACTIVE for enhanced
 * scanning) or fails, within `timeoutMs`. ScanNotFoundException means the scan has not started yet.
 */
async function waitForScan(options) {
    const { region, repository, digest } = options;
    const progress = onChange((line) => core/* log */.Rm.info(line));
    const label = options.label ?? digest.slice(0, 19);
    let last = 'not started';
    const first = await poll({
        what: `the ECR image scan of ${repository}@${digest}`,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        timeoutHint: 'Raise scan-timeout-minutes, or check the scan in the ECR console (basic scanning supports a limited set of operating systems).',
        describeState: () => `Last scan status: ${last}`,
        check: async () => {
            const result = await call('ECR DescribeImageScanFindings', () => client(region).send(new dist_cjs/* DescribeImageScanFindingsCommand */.TQ0({
                repositoryName: repository,
                imageId: { imageDigest: digest },
            })), ['ScanNotFoundException']);
            if (!result.ok) {
                last = 'not started';
                progress(`Scan of ${label}: not started yet`);
                return { done: false };
            }
            const status = result.value.imageScanStatus?.status ?? 'UNKNOWN';
            last = status;
            progress(`Scan of ${label}: ${status}`);
            if (DONE.has(status) || FAILED.has(status))
                return { done: true, value: result.value };
            return { done: false };
        },
    });
    const status = first.imageScanStatus?.status ?? 'UNKNOWN';
    const result = {
        digest,
        status,
        description: first.imageScanStatus?.description,
        completedAt: first.imageScanFindings?.imageScanCompletedAt,
        counts: { ...(first.imageScanFindings?.findingSeverityCounts ?? {}) },
        findings: [],
        type: first.imageScanFindings?.enhancedFindings ? 'ENHANCED' : 'BASIC',
    };
    if (FAILED.has(status))
        return result;
    let page = first;
    for (let pages = 1; page; pages++) {
        result.findings.push(...findingsOf(page));
        if (!page.nextToken || pages >= MAX_FINDING_PAGES)
            break;
        const token = page.nextToken;
        page = must(await call('ECR DescribeImageScanFindings', () => client(region).send(new dist_cjs/* DescribeImageScanFindingsCommand */.TQ0({
            repositoryName: repository,
            imageId: { imageDigest: digest },
            nextToken: token,
        }))), 'ECR DescribeImageScanFindings');
    }
    if (Object.keys(result.counts).length === 0) {
        for (const f of result.findings)
            result.counts[f.severity] = (result.counts[f.severity] ?? 0) + 1;
    }
    return result;
}
function findingsOf(page) {
    const basic = (page.imageScanFindings?.findings ?? []).map((f) => {
        const attr = (key) => f.attributes?.find((a) => a.key === key)?.value;
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
function scanSeverityRank(severity) {
    const index = GATE_SEVERITIES.indexOf(severity.toUpperCase());
    return Math.max(index, 0);
}
/** How many findings are at or above `threshold`. */
function countAtOrAbove(counts, threshold) {
    const min = scanSeverityRank(threshold);
    return Object.entries(counts)
        .filter(([severity]) => scanSeverityRank(severity) >= min)
        .reduce((n, [, count]) => n + count, 0);
}


/***/ })

};
