// Wire formats: how a request names its service and action, the three protocols' responses and errors,
// and a small client for the layer's own calls to moto (not recorded, no faults).
import { randomUUID } from 'node:crypto';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

export type Protocol = 'json' | 'query' | 'rest';

export interface LayerResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** JSON 1.1 target prefixes of the services the layer looks into. */
export const JSON_TARGETS: Record<string, string> = {
  ecs: 'AmazonEC2ContainerServiceV20141113',
  ecr: 'AmazonEC2ContainerRegistry_V20150921',
  logs: 'Logs_20140328',
  acm: 'CertificateManager',
  secretsmanager: 'secretsmanager',
};

/** Query API versions. */
export const QUERY_VERSIONS: Record<string, string> = {
  cloudformation: '2010-05-15',
  sts: '2011-06-15',
  ec2: '2016-11-15',
  elasticloadbalancing: '2015-12-01',
  rds: '2014-10-31',
};

const TARGET_SERVICES: Record<string, string> = Object.fromEntries(
  Object.entries(JSON_TARGETS).map(([service, prefix]) => [prefix, service]),
);

/** The signing name in a SigV4 Authorization header's credential scope (…/DATE/REGION/SERVICE/aws4_request). */
export function serviceFromAuthorization(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(header);
  return match?.[1];
}

export function serviceFromTarget(target: string): string | undefined {
  const prefix = target.split('.')[0] ?? '';
  return TARGET_SERVICES[prefix];
}

export function requestId(): string {
  return randomUUID();
}

// ---------------------------------------------------------------------------------------------- JSON 1.1

export function jsonResponse(body: unknown, status = 200): LayerResponse {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId() },
    body: Buffer.from(JSON.stringify(body)),
  };
}

export function jsonError(type: string, message: string, status = 400): LayerResponse {
  return jsonResponse({ __type: type, message }, status);
}

/** Epoch seconds with milliseconds, as AWS JSON protocols serialise timestamps. */
export function epoch(ms: number): number {
  return Math.round(ms) / 1000;
}

// ---------------------------------------------------------------------------------------------- Query / XML

const xmlParser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === 'member',
});
const xmlBuilder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: false, format: false });

export function parseXml(text: string): Record<string, unknown> {
  return xmlParser.parse(text) as Record<string, unknown>;
}

/** JS values to the Query protocol's XML shape: arrays become <member> lists, dates ISO 8601. */
export function toQueryShape(value: unknown): unknown {
  if (Array.isArray(value)) return { member: value.map(toQueryShape) };
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined && v !== null) out[k] = toQueryShape(v);
    return out;
  }
  return value;
}

/** The Query protocol's XML shape back to JS values: <member> lists become arrays. */
export function fromQueryShape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromQueryShape);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]![0] === 'member') return fromQueryShape(entries[0]![1]);
    return Object.fromEntries(entries.map(([k, v]) => [k, fromQueryShape(v)]));
  }
  return value;
}

export function xmlResponse(document: Record<string, unknown>, status = 200): LayerResponse {
  return {
    status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId() },
    body: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>${xmlBuilder.build(document)}`),
  };
}

/** A Query protocol success response: <ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>. */
export function queryResponse(
  service: string,
  action: string,
  result: Record<string, unknown>,
): LayerResponse {
  const version = QUERY_VERSIONS[service] ?? '2010-05-15';
  const xmlns = `http://${service}.amazonaws.com/doc/${version}/`;
  return xmlResponse({
    [`${action}Response`]: {
      '@_xmlns': xmlns,
      [`${action}Result`]: toQueryShape(result),
      ResponseMetadata: { RequestId: requestId() },
    },
  });
}

export function queryError(
  code: string,
  message: string,
  status = 400,
  type: 'Sender' | 'Receiver' = 'Sender',
) {
  return xmlResponse(
    { ErrorResponse: { Error: { Type: type, Code: code, Message: message }, RequestId: requestId() } },
    status,
  );
}

export function restXmlError(code: string, message: string, status: number): LayerResponse {
  return xmlResponse({ Error: { Code: code, Message: message, RequestId: requestId() } }, status);
}

/** Flattened Query parameters (`Parameters.member.1.ParameterKey`) to a list of objects. */
export function queryList(params: Record<string, string>, prefix: string): Array<Record<string, string>> {
  const items = new Map<number, Record<string, string>>();
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.member\\.(\\d+)(?:\\.(.+))?$`);
  for (const [key, value] of Object.entries(params)) {
    const match = re.exec(key);
    if (!match) continue;
    const index = Number(match[1]);
    const item = items.get(index) ?? {};
    item[match[2] ?? ''] = value;
    items.set(index, item);
  }
  return [...items.entries()].sort((a, b) => a[0] - b[0]).map(([, item]) => item);
}

// ---------------------------------------------------------------------------------------------- moto client

export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = code;
  }
}

function fakeAuthorization(service: string, region: string): string {
  return `AWS4-HMAC-SHA256 Credential=LOCALAWSINTERNAL/20240101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`;
}

/** The layer's own calls to moto. */
export class MotoClient {
  constructor(
    readonly url: string,
    readonly region: string,
  ) {}

  async json<T = Record<string, unknown>>(service: string, action: string, body: unknown): Promise<T> {
    const response = await fetch(`${this.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `${JSON_TARGETS[service]}.${action}`,
        authorization: fakeAuthorization(service, this.region),
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      let code = 'InternalFailure';
      let message = text.slice(0, 500);
      try {
        const parsed = JSON.parse(text) as { __type?: string; message?: string; Message?: string };
        code = (parsed.__type ?? code).split('#').pop()!;
        message = parsed.message ?? parsed.Message ?? '';
      } catch {
        // not JSON: a moto crash page
      }
      throw new AwsError(code, message, response.status);
    }
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** A Query call; returns the parsed <ActionResult> element with <member> lists as arrays. */
  async query(
    service: string,
    action: string,
    params: Record<string, string>,
  ): Promise<Record<string, unknown>> {
    const response = await fetch(`${this.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        authorization: fakeAuthorization(service, this.region),
      },
      body: new URLSearchParams({
        Action: action,
        Version: QUERY_VERSIONS[service] ?? '',
        ...params,
      }).toString(),
    });
    const text = await response.text();
    const parsed = parseXml(text);
    if (!response.ok) {
      const error = queryErrorOf(parsed);
      throw new AwsError(error.code, error.message, response.status);
    }
    const root = parsed[`${action}Response`] as Record<string, unknown> | undefined;
    const result = (root?.[`${action}Result`] ?? root ?? {}) as Record<string, unknown>;
    return fromQueryShape(result) as Record<string, unknown>;
  }

  async post(path: string, body?: unknown): Promise<void> {
    const response = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new AwsError('MotoApi', `${path} answered ${response.status}`, response.status);
  }
}

/** Code and message of a Query error document (ErrorResponse/Error or Response/Errors/Error). */
export function queryErrorOf(parsed: Record<string, unknown>): { code: string; message: string } {
  const root = (parsed.ErrorResponse ?? parsed.Response ?? parsed) as Record<string, unknown>;
  const errors = (root.Errors as Record<string, unknown> | undefined) ?? root;
  const error = (errors.Error ?? {}) as Record<string, unknown>;
  return { code: String(error.Code ?? 'InternalFailure'), message: String(error.Message ?? '') };
}
