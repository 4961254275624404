// The scenario layer's HTTP server: identifies each request (service, action, params), records it, injects
// faults, lets the service's scenario handler answer or rewrite it, and passes everything else to moto.
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  jsonError,
  jsonResponse,
  type LayerResponse,
  type Protocol,
  parseXml,
  queryError,
  queryErrorOf,
  restXmlError,
  serviceFromAuthorization,
  serviceFromTarget,
} from './wire.js';

export interface RecordedCall {
  service: string;
  action: string;
  /** The request's parameters: parsed JSON (JSON 1.1), the form fields (Query), or path and query (REST). */
  params: Record<string, unknown>;
  /** Epoch milliseconds when the layer received the request. */
  at: number;
  /** HTTP status the layer answered with (set once answered). */
  status?: number;
  /** Error code of the answer, when it was an error. */
  errorCode?: string;
  /** Set when the answer was an injected fault. */
  fault?: 'throttle' | 'serverError';
}

export interface IncomingCall {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  protocol: Protocol;
  service: string;
  action: string;
  params: Record<string, unknown>;
}

/** Answers a call itself, or returns undefined to pass it to moto unchanged. */
export type ServiceHandler = (call: IncomingCall) => Promise<LayerResponse | undefined>;
export type ControlRoute = (body: unknown) => Promise<unknown>;

export interface FaultSpec {
  service: string;
  action?: string;
  times: number;
}

interface FaultRule extends FaultSpec {
  kind: 'throttle' | 'serverError';
  status: number;
}

export class LayerServer {
  readonly calls: RecordedCall[] = [];
  private readonly handlers = new Map<string, ServiceHandler>();
  private readonly routes = new Map<string, ControlRoute>();
  private faultRules: FaultRule[] = [];
  private server?: http.Server;
  url = '';

  constructor(readonly motoUrl: string) {}

  handle(service: string, handler: ServiceHandler): void {
    this.handlers.set(service, handler);
  }

  route(path: string, route: ControlRoute): void {
    this.routes.set(path, route);
  }

  addFault(kind: 'throttle' | 'serverError', spec: FaultSpec & { status?: number }): void {
    if (!Number.isInteger(spec.times) || spec.times < 1)
      throw new Error('faults: times must be a positive integer');
    const status = kind === 'throttle' ? 400 : (spec.status ?? 500);
    this.faultRules.push({ ...spec, kind, status });
  }

  clearFaults(): void {
    this.faultRules = [];
  }

  async listen(): Promise<string> {
    const server = http.createServer((req, res) => {
      this.onRequest(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`local AWS layer error: ${error instanceof Error ? error.stack : String(error)}`);
        } else res.destroy();
      });
    });
    server.keepAliveTimeout = 5_000;
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Sends a call to moto as received (or with another body) and returns moto's answer. */
  async forward(call: IncomingCall, body: Buffer = call.body): Promise<LayerResponse> {
    const target = new URL(this.motoUrl);
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(call.headers)) {
      if (value === undefined) continue;
      if (
        ['host', 'connection', 'content-length', 'transfer-encoding', 'expect', 'keep-alive'].includes(name)
      )
        continue;
      headers[name] = value;
    }
    headers.host = target.host;
    headers['content-length'] = String(body.length);
    const query = call.query.toString();
    return new Promise<LayerResponse>((resolve, reject) => {
      const request = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: call.method,
          path: `${call.path}${query ? `?${query}` : ''}`,
          headers,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const out: Record<string, string> = {};
            for (const [name, value] of Object.entries(response.headers)) {
              if (value === undefined || ['connection', 'transfer-encoding', 'keep-alive'].includes(name))
                continue;
              out[name] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolve({ status: response.statusCode ?? 500, headers: out, body: Buffer.concat(chunks) });
          });
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://local');
    const method = req.method ?? 'GET';

    if (url.pathname.startsWith('/_local/')) return this.onControl(url.pathname, body, res);

    const call = identify(method, url, req.headers, body);
    if (url.pathname.startsWith('/moto-api')) {
      return this.send(res, method, await this.forward(call));
    }

    const record: RecordedCall = {
      service: call.service,
      action: call.action,
      params: call.params,
      at: Date.now(),
    };
    this.calls.push(record);

    const fault = this.takeFault(call);
    let response: LayerResponse;
    if (fault) {
      record.fault = fault.kind;
      response = faultResponse(call, fault);
    } else {
      const handler = this.handlers.get(call.service);
      response = (handler ? await handler(call) : undefined) ?? (await this.forward(call));
    }
    record.status = response.status;
    if (response.status >= 300) record.errorCode = errorCodeOf(call.protocol, response);
    this.send(res, method, response);
  }

  private async onControl(path: string, body: Buffer, res: http.ServerResponse): Promise<void> {
    const route = this.routes.get(path);
    if (!route) return this.send(res, 'POST', jsonResponse({ error: `no control route ${path}` }, 404));
    let input: unknown;
    try {
      input = body.length ? JSON.parse(body.toString()) : {};
    } catch {
      return this.send(res, 'POST', jsonResponse({ error: 'body is not JSON' }, 400));
    }
    try {
      this.send(res, 'POST', jsonResponse((await route(input)) ?? {}));
    } catch (error) {
      const code = (error as { code?: string }).code;
      const message = error instanceof Error ? error.message : String(error);
      this.send(res, 'POST', jsonResponse({ error: message, ...(code ? { code } : {}) }, 400));
    }
  }

  private takeFault(call: IncomingCall): FaultRule | undefined {
    const rule = this.faultRules.find(
      (r) => r.service === call.service && (r.action === undefined || r.action === call.action),
    );
    if (!rule) return undefined;
    rule.times -= 1;
    if (rule.times <= 0) this.faultRules = this.faultRules.filter((r) => r !== rule);
    return rule;
  }

  private send(res: http.ServerResponse, method: string, response: LayerResponse): void {
    const headers: Record<string, string> = { ...response.headers };
    if (method !== 'HEAD' || headers['content-length'] === undefined) {
      headers['content-length'] = String(response.body.length);
    }
    res.writeHead(response.status, headers);
    res.end(method === 'HEAD' ? undefined : response.body);
  }
}

function identify(method: string, url: URL, headers: IncomingHttpHeaders, body: Buffer): IncomingCall {
  const base = { method, path: url.pathname, query: url.searchParams, headers, body };
  const authService = serviceFromAuthorization(headers.authorization);
  const target = headers['x-amz-target'];
  const contentType = String(headers['content-type'] ?? '');
  if (typeof target === 'string' && target.includes('.')) {
    let params: Record<string, unknown> = {};
    try {
      params = body.length ? (JSON.parse(body.toString()) as Record<string, unknown>) : {};
    } catch {
      params = { raw: body.toString() };
    }
    return {
      ...base,
      protocol: 'json',
      service: authService ?? serviceFromTarget(target) ?? 'unknown',
      action: target.slice(target.lastIndexOf('.') + 1),
      params,
    };
  }
  const form =
    method === 'POST' && contentType.includes('x-www-form-urlencoded')
      ? new URLSearchParams(body.toString())
      : url.searchParams;
  if (form.has('Action') && (method === 'POST' || method === 'GET')) {
    const params = Object.fromEntries(form.entries());
    return {
      ...base,
      protocol: 'query',
      service: authService ?? 'unknown',
      action: params.Action ?? '',
      params,
    };
  }
  const service = authService ?? (url.pathname.startsWith('/moto-api') ? 'moto-api' : 's3');
  return {
    ...base,
    protocol: 'rest',
    service,
    action: service === 's3' ? s3Action(method, url) : `${method} ${url.pathname}`,
    params: { path: url.pathname, query: Object.fromEntries(url.searchParams.entries()) },
  };
}

/** S3 operation names for the common path-style requests (for recording and fault matching). */
function s3Action(method: string, url: URL): string {
  const parts = url.pathname.split('/').filter(Boolean);
  const q = url.searchParams;
  if (parts.length === 0) return method === 'GET' ? 'ListBuckets' : `${method} /`;
  if (parts.length === 1) {
    if (method === 'GET')
      return q.get('list-type') === '2'
        ? 'ListObjectsV2'
        : q.has('location')
          ? 'GetBucketLocation'
          : 'ListObjects';
    if (method === 'PUT')
      return q.has('policy')
        ? 'PutBucketPolicy'
        : q.has('versioning')
          ? 'PutBucketVersioning'
          : 'CreateBucket';
    if (method === 'HEAD') return 'HeadBucket';
    if (method === 'DELETE') return 'DeleteBucket';
    if (method === 'POST' && q.has('delete')) return 'DeleteObjects';
    return `${method} bucket`;
  }
  if (method === 'GET') return 'GetObject';
  if (method === 'PUT') return q.has('partNumber') ? 'UploadPart' : 'PutObject';
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'DELETE') return q.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
  if (method === 'POST') return q.has('uploads') ? 'CreateMultipartUpload' : 'CompleteMultipartUpload';
  return `${method} object`;
}

function faultResponse(call: IncomingCall, rule: FaultRule): LayerResponse {
  if (rule.kind === 'throttle') {
    if (call.protocol === 'json') return jsonError('ThrottlingException', 'Rate exceeded', 400);
    if (call.protocol === 'query') return queryError('Throttling', 'Rate exceeded', 400);
    return restXmlError('SlowDown', 'Please reduce your request rate.', 503);
  }
  const unavailable = rule.status === 503;
  const code = unavailable
    ? 'ServiceUnavailable'
    : call.protocol === 'rest'
      ? 'InternalError'
      : 'InternalFailure';
  const message = unavailable
    ? 'The service is unavailable. Please try again shortly.'
    : 'The request processing has failed because of an unknown error, exception or failure.';
  if (call.protocol === 'json') return jsonError(code, message, rule.status);
  if (call.protocol === 'query') return queryError(code, message, rule.status, 'Receiver');
  return restXmlError(code, message, rule.status);
}

function errorCodeOf(protocol: Protocol, response: LayerResponse): string | undefined {
  const text = response.body.toString();
  if (!text) return undefined;
  try {
    if (protocol === 'json') {
      const parsed = JSON.parse(text) as { __type?: string };
      return parsed.__type?.split('#').pop();
    }
    const parsed = parseXml(text);
    if (parsed.Error) return String((parsed.Error as Record<string, unknown>).Code ?? '') || undefined;
    return queryErrorOf(parsed).code;
  } catch {
    return undefined;
  }
}
