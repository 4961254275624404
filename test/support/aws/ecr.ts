// ECR scenarios. Moto stores repositories and images; this layer pushes images the way `docker buildx build
// --push` ends up in ECR (a valid single-platform manifest, digest = sha256 of the manifest), enforces tag
// immutability with AWS's error, and plays image scans (IN_PROGRESS, then COMPLETE with findings, or FAILED).
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingCall } from './server.js';
import { AwsError, epoch, jsonError, jsonResponse, type LayerResponse, type MotoClient } from './wire.js';

export interface PushImageInput {
  repository: string;
  tag: string;
  /** Use this digest instead of the manifest's own (sha256:…). */
  digest?: string;
  /** Same source → same manifest → same digest (a rebuild of identical content). Default: unique per push. */
  source?: string;
  /** Manifest format; default docker (application/vnd.docker.distribution.manifest.v2+json). */
  format?: 'docker' | 'oci';
}

export interface PushImageResult {
  digest: string;
  repository: string;
  tag: string;
  /** <account>.dkr.ecr.<region>.amazonaws.com/<repository>@<digest> */
  imageUri: string;
}

export interface ScanFinding {
  name: string;
  severity: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL' | 'UNDEFINED';
  package: string;
  version: string;
  /** Enhanced scanning only (basic scanning findings have no fixed version). */
  fixedIn?: string;
  uri?: string;
  description?: string;
}

export interface ScanScenario {
  repository: string;
  /** Only this image; otherwise every image of the repository without a scenario of its own. */
  digest?: string;
  /** The status the scan ends in ('IN_PROGRESS' = never finishes). */
  status: 'IN_PROGRESS' | 'COMPLETE' | 'FAILED';
  /** IN_PROGRESS for this long after the push (or after this call, for an image already pushed). */
  afterMs?: number;
  findings?: ScanFinding[];
  /** BASIC (default): findings[] with package_name / package_version attributes; ENHANCED: enhancedFindings[]. */
  scanType?: 'BASIC' | 'ENHANCED';
  /** FAILED: the scan status description. */
  failureDescription?: string;
}

export interface EcrScenarios {
  pushImage(input: PushImageInput): Promise<PushImageResult>;
  scanResult(scenario: ScanScenario): void;
}

type Obj = Record<string, unknown>;
type Forward = (body?: Buffer) => Promise<LayerResponse>;

const ACCOUNT_ID = '123456789012';
const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'];
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

interface ScenarioRec extends ScanScenario {
  registeredAt: number;
}

export class PushError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

export class EcrEngine implements EcrScenarios {
  private scenarios: ScenarioRec[] = [];
  /** `repo@digest` → push time (ms), for images pushed through the layer. */
  private pushedAt = new Map<string, number>();
  /** `repo@digest` → time a scan started (StartImageScan or scan on push) without a scenario. */
  private scans = new Map<string, number>();

  constructor(
    private readonly moto: MotoClient,
    private readonly region: string,
  ) {}

  // ------------------------------------------------------------------------------------------ public API

  async pushImage(input: PushImageInput): Promise<PushImageResult> {
    if (!input?.repository || !input.tag)
      throw new PushError('InvalidParameterException', 'repository and tag are required');
    const repository = await this.repository(input.repository).catch((error: unknown) => {
      if (error instanceof AwsError) throw new PushError(error.code, error.message);
      throw error;
    });
    const manifest = buildManifest(input.source ?? randomBytes(16).toString('hex'), input.format ?? 'docker');
    const digest = input.digest ?? `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    await this.assertTagWritable(repository, input.tag, digest).catch((error: unknown) => {
      if (error instanceof AwsError) throw new PushError(error.code, error.message);
      throw error;
    });
    try {
      await this.moto.json('ecr', 'PutImage', {
        repositoryName: input.repository,
        imageManifest: manifest,
        imageManifestMediaType: input.format === 'oci' ? OCI_MANIFEST : DOCKER_MANIFEST,
        imageTag: input.tag,
        imageDigest: digest,
      });
    } catch (error) {
      if (error instanceof AwsError) throw new PushError(error.code, error.message);
      throw error;
    }
    const now = Date.now();
    this.pushedAt.set(`${input.repository}@${digest}`, now);
    const scanOnPush = (repository.imageScanningConfiguration as { scanOnPush?: boolean } | undefined)
      ?.scanOnPush;
    if (scanOnPush) this.scans.set(`${input.repository}@${digest}`, now);
    return {
      digest,
      repository: input.repository,
      tag: input.tag,
      imageUri: `${ACCOUNT_ID}.dkr.ecr.${this.region}.amazonaws.com/${input.repository}@${digest}`,
    };
  }

  scanResult(scenario: ScanScenario): void {
    if (!scenario?.repository) throw new Error('scanResult: repository is required');
    if (!['IN_PROGRESS', 'COMPLETE', 'FAILED'].includes(scenario.status)) {
      throw new Error(`scanResult: status must be IN_PROGRESS, COMPLETE or FAILED, got ${scenario.status}`);
    }
    for (const f of scenario.findings ?? []) {
      if (!SEVERITIES.includes(f.severity)) throw new Error(`scanResult: unknown severity ${f.severity}`);
    }
    this.scenarios.push({ ...scenario, registeredAt: Date.now() });
  }

  reset(): void {
    this.scenarios = [];
    this.pushedAt.clear();
    this.scans.clear();
  }

  // ------------------------------------------------------------------------------------------ wire handler

  handle = async (call: IncomingCall, forward: Forward): Promise<LayerResponse | undefined> => {
    try {
      switch (call.action) {
        case 'PutImage':
          return await this.onPutImage(call.params, forward);
        case 'DescribeImages':
          return await this.onDescribeImages(forward);
        case 'DescribeImageScanFindings':
          return await this.onDescribeImageScanFindings(call.params, forward);
        case 'StartImageScan':
          return await this.onStartImageScan(forward);
        case 'GetAuthorizationToken':
          return await this.onGetAuthorizationToken(forward);
        default:
          return undefined;
      }
    } catch (error) {
      if (error instanceof AwsError) return jsonError(error.code, error.message, error.status);
      throw error;
    }
  };

  private async onPutImage(p: Obj, forward: Forward): Promise<LayerResponse> {
    const name = String(p.repositoryName ?? '');
    const repository = await this.repository(name); // moto answers an unknown repository with HTTP 500
    const manifest = String(p.imageManifest ?? '');
    const actual = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    if (typeof p.imageDigest === 'string' && p.imageDigest !== actual) {
      throw new AwsError(
        'ImageDigestDoesNotMatchException',
        `The digest '${p.imageDigest}' does not match the digest of the manifest '${actual}'.`,
        400,
      );
    }
    if (typeof p.imageTag === 'string') await this.assertTagWritable(repository, p.imageTag, actual);
    const response = await forward();
    if (response.status === 200) {
      const now = Date.now();
      this.pushedAt.set(`${name}@${actual}`, now);
      if ((repository.imageScanningConfiguration as { scanOnPush?: boolean } | undefined)?.scanOnPush) {
        this.scans.set(`${name}@${actual}`, now);
      }
    }
    return response;
  }

  private async onDescribeImages(forward: Forward): Promise<LayerResponse> {
    const response = await forward();
    if (response.status !== 200) return response;
    const body = JSON.parse(response.body.toString()) as { imageDetails?: Obj[] };
    const now = Date.now();
    const details = (body.imageDetails ?? []).map((detail) => {
      const out: Obj = { ...detail };
      const state = this.scanState(
        String(detail.repositoryName),
        String(detail.imageDigest),
        detail.imagePushedAt,
        now,
      );
      if (state) {
        out.imageScanStatus = state.imageScanStatus;
        if (state.completedAt !== undefined) {
          out.imageScanFindingsSummary = {
            imageScanCompletedAt: epoch(state.completedAt),
            vulnerabilitySourceUpdatedAt: epoch(state.completedAt),
            findingSeverityCounts: severityCounts(state.findings),
          };
        }
      }
      if (!out.artifactMediaType) out.artifactMediaType = 'application/vnd.docker.container.image.v1+json';
      return out;
    });
    return jsonResponse({ ...body, imageDetails: details });
  }

  private async onDescribeImageScanFindings(p: Obj, forward: Forward): Promise<LayerResponse | undefined> {
    const name = String(p.repositoryName ?? '');
    const imageId = (p.imageId ?? {}) as { imageDigest?: string; imageTag?: string };
    const described = await this.moto.json<{ imageDetails: Obj[] }>('ecr', 'DescribeImages', {
      repositoryName: name,
      imageIds: [imageId],
    });
    const image = described.imageDetails?.[0];
    if (!image) return forward();
    const digest = String(image.imageDigest);
    const now = Date.now();
    const state = this.scanState(name, digest, image.imagePushedAt, now);
    if (!state) return forward(); // no scan: moto answers ScanNotFoundException
    const out: Obj = {
      registryId: image.registryId ?? ACCOUNT_ID,
      repositoryName: name,
      imageId: { imageDigest: digest, ...(imageId.imageTag ? { imageTag: imageId.imageTag } : {}) },
      imageScanStatus: state.imageScanStatus,
    };
    if (state.completedAt !== undefined) {
      const findings = state.findings;
      const common = {
        imageScanCompletedAt: epoch(state.completedAt),
        vulnerabilitySourceUpdatedAt: epoch(state.completedAt),
        findingSeverityCounts: severityCounts(findings),
      };
      out.imageScanFindings =
        state.scanType === 'ENHANCED'
          ? {
              ...common,
              enhancedFindings: findings.map((f) => this.enhancedFinding(f, name, image, state.completedAt!)),
            }
          : { ...common, findings: findings.map(basicFinding) };
    }
    return jsonResponse(out);
  }

  private async onStartImageScan(forward: Forward): Promise<LayerResponse> {
    const response = await forward();
    if (response.status !== 200) return response;
    const body = JSON.parse(response.body.toString()) as {
      repositoryName: string;
      imageId: { imageDigest: string };
    };
    this.scans.set(`${body.repositoryName}@${body.imageId.imageDigest}`, Date.now());
    return response;
  }

  /** moto's tokens expired in 2015; AWS's are valid for 12 hours. */
  private async onGetAuthorizationToken(forward: Forward): Promise<LayerResponse> {
    const response = await forward();
    if (response.status !== 200) return response;
    const body = JSON.parse(response.body.toString()) as { authorizationData?: Obj[] };
    const expiresAt = epoch(Date.now() + 12 * 3600 * 1000);
    return jsonResponse({
      ...body,
      authorizationData: (body.authorizationData ?? []).map((d) => ({ ...d, expiresAt })),
    });
  }

  // ------------------------------------------------------------------------------------------ helpers

  private async repository(name: string): Promise<Obj> {
    const result = await this.moto.json<{ repositories: Obj[] }>('ecr', 'DescribeRepositories', {
      repositoryNames: [name],
    });
    const repository = result.repositories?.[0];
    if (!repository) {
      throw new AwsError(
        'RepositoryNotFoundException',
        `The repository with name '${name}' does not exist in the registry with id '${ACCOUNT_ID}'`,
        400,
      );
    }
    return repository;
  }

  /** AWS: a tag that exists in an IMMUTABLE repository cannot point at another image. */
  private async assertTagWritable(repository: Obj, tag: string, digest: string): Promise<void> {
    if (repository.imageTagMutability !== 'IMMUTABLE') return;
    const name = String(repository.repositoryName);
    let existing: Obj | undefined;
    try {
      const found = await this.moto.json<{ imageDetails: Obj[] }>('ecr', 'DescribeImages', {
        repositoryName: name,
        imageIds: [{ imageTag: tag }],
      });
      existing = found.imageDetails?.[0];
    } catch (error) {
      if (error instanceof AwsError && error.code === 'ImageNotFoundException') return;
      throw error;
    }
    if (existing && existing.imageDigest !== digest) {
      throw new AwsError(
        'ImageTagAlreadyExistsException',
        `The image tag '${tag}' already exists in the '${name}' repository and cannot be overwritten because the repository is immutable.`,
        400,
      );
    }
  }

  private scanState(
    repository: string,
    digest: string,
    imagePushedAt: unknown,
    now: number,
  ):
    | {
        imageScanStatus: Obj;
        completedAt?: number;
        findings: ScanFinding[];
        scanType: 'BASIC' | 'ENHANCED';
      }
    | undefined {
    const key = `${repository}@${digest}`;
    const pushed = this.pushedAt.get(key) ?? (typeof imagePushedAt === 'number' ? imagePushedAt * 1000 : 0);
    const scenario =
      [...this.scenarios].reverse().find((s) => s.repository === repository && s.digest === digest) ??
      [...this.scenarios].reverse().find((s) => s.repository === repository && !s.digest);
    if (!scenario) {
      const started = this.scans.get(key);
      if (started === undefined) return undefined;
      return {
        imageScanStatus: { status: 'COMPLETE', description: 'The scan was completed successfully.' },
        completedAt: started,
        findings: [],
        scanType: 'BASIC',
      };
    }
    const start = Math.max(pushed, scenario.registeredAt);
    const done = start + Math.max(0, scenario.afterMs ?? 0);
    if (scenario.status === 'IN_PROGRESS' || now < done) {
      return {
        imageScanStatus: { status: 'IN_PROGRESS' },
        findings: [],
        scanType: scenario.scanType ?? 'BASIC',
      };
    }
    if (scenario.status === 'FAILED') {
      return {
        imageScanStatus: {
          status: 'FAILED',
          description:
            scenario.failureDescription ??
            'UnsupportedImageError: The operating system and/or package manager are not supported.',
        },
        findings: [],
        scanType: scenario.scanType ?? 'BASIC',
      };
    }
    return {
      imageScanStatus: { status: 'COMPLETE', description: 'The scan was completed successfully.' },
      completedAt: done,
      findings: scenario.findings ?? [],
      scanType: scenario.scanType ?? 'BASIC',
    };
  }

  private enhancedFinding(f: ScanFinding, repository: string, image: Obj, at: number): Obj {
    const digest = String(image.imageDigest);
    return {
      awsAccountId: ACCOUNT_ID,
      description: f.description ?? `${f.name} in ${f.package} ${f.version}`,
      findingArn: `arn:aws:inspector2:${this.region}:${ACCOUNT_ID}:finding/${createHash('md5').update(`${digest}${f.name}${f.package}`).digest('hex')}`,
      firstObservedAt: epoch(at),
      lastObservedAt: epoch(at),
      updatedAt: epoch(at),
      packageVulnerabilityDetails: {
        vulnerabilityId: f.name,
        source: 'NVD',
        sourceUrl: f.uri ?? cveUri(f.name),
        vendorSeverity: f.severity,
        referenceUrls: [f.uri ?? cveUri(f.name)],
        vulnerablePackages: [
          { name: f.package, version: f.version, ...(f.fixedIn ? { fixedInVersion: f.fixedIn } : {}) },
        ],
      },
      remediation: {
        recommendation: { text: f.fixedIn ? `Upgrade ${f.package} to ${f.fixedIn}` : 'None Provided' },
      },
      resources: [
        {
          id: `arn:aws:ecr:${this.region}:${ACCOUNT_ID}:repository/${repository}/${digest}`,
          type: 'AWS_ECR_CONTAINER_IMAGE',
          details: {
            awsEcrContainerImage: {
              repositoryName: repository,
              imageHash: digest,
              imageTags: (image.imageTags ?? []) as string[],
              registry: ACCOUNT_ID,
              pushedAt: image.imagePushedAt,
            },
          },
        },
      ],
      severity: f.severity,
      status: 'ACTIVE',
      title: `${f.name} - ${f.package}`,
      type: 'PACKAGE_VULNERABILITY',
      fixAvailable: f.fixedIn ? 'YES' : 'NO',
    };
  }
}

function basicFinding(f: ScanFinding): Obj {
  return {
    name: f.name,
    ...(f.description ? { description: f.description } : {}),
    uri: f.uri ?? cveUri(f.name),
    severity: f.severity,
    attributes: [
      { key: 'package_version', value: f.version },
      { key: 'package_name', value: f.package },
    ],
  };
}

function cveUri(name: string): string {
  return `https://cve.mitre.org/cgi-bin/cvename.cgi?name=${encodeURIComponent(name)}`;
}

function severityCounts(findings: ScanFinding[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  return counts;
}

/** A single-platform image manifest whose blobs derive from `source` (same source, same digest). */
function buildManifest(source: string, format: 'docker' | 'oci'): string {
  const blob = (label: string) => createHash('sha256').update(`${source}:${label}`).digest('hex');
  const size = (label: string) =>
    1000 + (Number.parseInt(blob(`${label}:size`).slice(0, 6), 16) % 30_000_000);
  const docker = format === 'docker';
  const manifest = {
    schemaVersion: 2,
    mediaType: docker ? DOCKER_MANIFEST : OCI_MANIFEST,
    config: {
      mediaType: docker
        ? 'application/vnd.docker.container.image.v1+json'
        : 'application/vnd.oci.image.config.v1+json',
      size: 1500 + (Number.parseInt(blob('config').slice(0, 3), 16) % 4000),
      digest: `sha256:${blob('config')}`,
    },
    layers: ['base', 'deps', 'app'].map((label) => ({
      mediaType: docker
        ? 'application/vnd.docker.image.rootfs.diff.tar.gzip'
        : 'application/vnd.oci.image.layer.v1.tar+gzip',
      size: size(label),
      digest: `sha256:${blob(label)}`,
    })),
  };
  return JSON.stringify(manifest, null, 3);
}
