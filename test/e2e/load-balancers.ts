// The internet as the e2e runner machine sees it: an HTTP proxy (HTTP_PROXY, with NODE_USE_ENV_PROXY=1 so
// Node.js's fetch uses it) in front of the load balancers the local AWS endpoint "created". A request for a
// load balancer's DNS name is answered the way the deployed service would answer it: the service behind
// that load balancer (found through the stack whose LoadBalancerDnsName output it is) is asked for its
// running tasks, and their task definition's APP_VERSION is what /version reports; no running task → 503,
// as an Application Load Balancer answers without healthy targets. Everything else gets 502.
// TLS names as on AWS: a service stack with a CertificateArn has an HTTPS listener on 443 that presents
// that ACM certificate (issued here for the certificate's own domain names, by a CA only the processes given
// `env` trust: NODE_EXTRA_CA_CERTS), and its port 80 redirects to HTTPS. So https://<load balancer DNS name>
// fails the certificate's host name check, as it does on AWS (no ACM certificate covers *.elb.amazonaws.com),
// and https://<DomainName> works: the stack's DomainName stands for the DNS record (a CNAME or alias to the
// load balancer) the job summary asks the user to create. Without a certificate nothing listens on 443.
// A BLUE_GREEN, CANARY or LINEAR service is answered through its listener rules: a request whose
// X-Test-Traffic header carries the stack's secret (TestTrafficSecretArn) matches the test rule, any other
// the production rule, and the rule's weights during a service deployment pick which revision answers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import type { LocalAws } from '../support/aws/index.js';
import { MotoClient } from '../support/aws/wire.js';

export interface LoadBalancerRequest {
  host: string;
  path: string;
  status: number;
  body: string;
  /** The test listener rule matched (the X-Test-Traffic header carried the stack's secret). */
  testRule?: boolean;
}

export interface LoadBalancers {
  /** What HTTP_PROXY holds. */
  proxyUrl: string;
  /** The environment a step needs to reach the load balancers (local endpoints stay direct). */
  env: Record<string, string>;
  requests: LoadBalancerRequest[];
  stop(): Promise<void>;
}

interface Answer {
  status: number;
  body: string;
  location?: string;
}

/** A throwaway certificate authority, and the certificates it issues for the ACM certificates' names. */
class TestCa {
  readonly dir = mkdtempSync(join(tmpdir(), 'load-balancers-ca-'));
  readonly caPath = join(this.dir, 'ca.pem');
  private readonly caKey = join(this.dir, 'ca.key');
  private readonly issued = new Map<string, { key: string; cert: string }>();

  constructor() {
    openssl([
      'req',
      '-x509',
      ...EC_KEY,
      '-keyout',
      this.caKey,
      '-out',
      this.caPath,
      '-days',
      '2',
      '-subj',
      '/CN=e2e test CA',
    ]);
  }

  /** A key and certificate for `names` (the first is the subject), signed by the CA. */
  issue(names: string[]): { key: string; cert: string } {
    const id = names.join(',');
    const known = this.issued.get(id);
    if (known) return known;
    const base = join(this.dir, String(this.issued.size));
    writeFileSync(`${base}.ext`, `subjectAltName=${names.map((d) => `DNS:${d}`).join(',')}\n`);
    openssl(['req', ...EC_KEY, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${names[0]}`]);
    openssl([
      'x509',
      '-req',
      '-in',
      `${base}.csr`,
      '-CA',
      this.caPath,
      '-CAkey',
      this.caKey,
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${base}.ext`,
      '-out',
      `${base}.pem`,
    ]);
    const pair = { key: readFileSync(`${base}.key`, 'utf8'), cert: readFileSync(`${base}.pem`, 'utf8') };
    this.issued.set(id, pair);
    return pair;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

/** The names an ACM certificate covers (its DomainName and SubjectAlternativeNames). */
async function certificateNames(aws: LocalAws, arn: string): Promise<string[]> {
  const moto = new MotoClient(aws.motoUrl, aws.region);
  const described = await moto.json<{
    Certificate?: { DomainName?: string; SubjectAlternativeNames?: string[] };
  }>('acm', 'DescribeCertificate', { CertificateArn: arn });
  const c = described.Certificate ?? {};
  return [...new Set([c.DomainName, ...(c.SubjectAlternativeNames ?? [])].filter((n): n is string => !!n))];
}

/**
 * The service stack whose load balancer `host` reaches: by the load balancer's DNS name, or by the stack's
 * DomainName (the DNS record pointing at the load balancer).
 */
async function findStack(aws: LocalAws, host: string): Promise<Stack | undefined> {
  const cloudformation = new CloudFormationClient(aws.clientConfig);
  try {
    const { Stacks = [] } = await cloudformation.send(new DescribeStacksCommand({}));
    const name = host.toLowerCase();
    return (
      Stacks.find((s) =>
        (s.Outputs ?? []).some(
          (o) => o.OutputKey === 'LoadBalancerDnsName' && o.OutputValue?.toLowerCase() === name,
        ),
      ) ??
      Stacks.find((s) =>
        (s.Parameters ?? []).some(
          (p) => p.ParameterKey === 'DomainName' && p.ParameterValue?.toLowerCase() === name,
        ),
      )
    );
  } finally {
    cloudformation.destroy();
  }
}

function parameterOf(stack: Stack, key: string): string {
  return stack.Parameters?.find((p) => p.ParameterKey === key)?.ParameterValue ?? '';
}

/**
 * Whether the request matches the test listener rule of a BLUE_GREEN/CANARY/LINEAR service stack: its
 * X-Test-Traffic header carries the value of the stack's secret (TestTrafficSecretArn), as the rule matches.
 */
async function matchesTestRule(aws: LocalAws, stack: Stack, header: string | undefined): Promise<boolean> {
  const secretArn = stack.Outputs?.find((o) => o.OutputKey === 'TestTrafficSecretArn')?.OutputValue;
  if (!secretArn || header === undefined) return false;
  const moto = new MotoClient(aws.motoUrl, aws.region);
  const secret = await moto.json<{ SecretString?: string }>('secretsmanager', 'GetSecretValue', {
    SecretId: secretArn,
  });
  return secret.SecretString === header;
}

/** The task definition the rule's weights send most traffic to, during a service deployment. */
async function weightedTarget(
  aws: LocalAws,
  service: string,
  testRule: boolean,
): Promise<string | undefined> {
  const traffic = await aws.ecs.traffic(service);
  const weights = Object.entries((testRule ? traffic?.test : traffic?.production) ?? {});
  return weights.sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** What the service behind `host` answers for `path`. */
async function answer(
  aws: LocalAws,
  host: string,
  path: string,
  encrypted: boolean,
  testHeader: string | undefined,
): Promise<Answer & { testRule?: boolean }> {
  const ecs = new ECSClient(aws.clientConfig);
  try {
    const stack = await findStack(aws, host);
    if (!stack) return { status: 502, body: `no load balancer is named ${host}` };
    // The HTTP listener of a load balancer with a certificate only redirects (service.yml's HttpListener).
    if (!encrypted && parameterOf(stack, 'CertificateArn')) {
      return { status: 301, body: '', location: `https://${host}:443${path}` };
    }
    const output = (key: string) => stack.Outputs?.find((o) => o.OutputKey === key)?.OutputValue ?? '';
    const cluster = output('ClusterName');
    const serviceName = output('ServiceName');
    const { taskArns = [] } = await ecs.send(
      new ListTasksCommand({ cluster, serviceName, desiredStatus: 'RUNNING' }),
    );
    const { tasks = [] } = taskArns.length
      ? await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }))
      : { tasks: [] };
    const testRule = await matchesTestRule(aws, stack, testHeader);
    // A traffic-shifting deployment: the listener rule's weights pick the target group (blue or green).
    const target = await weightedTarget(aws, serviceName, testRule);
    const running = tasks.filter(
      (t) => t.lastStatus === 'RUNNING' && (target === undefined || t.taskDefinitionArn === target),
    );
    if (running.length === 0)
      return {
        status: 503,
        body: '<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>',
        testRule,
      };
    // Round robin is not modelled: the newest running task answers.
    const task = running.sort((a, b) => Number(b.startedAt ?? 0) - Number(a.startedAt ?? 0))[0];
    const { taskDefinition } = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: task?.taskDefinitionArn }),
    );
    const container = taskDefinition?.containerDefinitions?.find((c) => c.essential !== false);
    const env = Object.fromEntries((container?.environment ?? []).map((e) => [e.name, e.value]));
    if (path === '/version')
      return { status: 200, body: JSON.stringify({ version: env.APP_VERSION ?? 'dev' }), testRule };
    if (path === '/healthz') return { status: 200, body: JSON.stringify({ status: 'ok' }), testRule };
    return { status: 404, body: JSON.stringify({ title: 'Not Found', status: 404 }), testRule };
  } finally {
    ecs.destroy();
  }
}

export async function startLoadBalancers(aws: LocalAws): Promise<LoadBalancers> {
  const requests: LoadBalancerRequest[] = [];
  const ca = new TestCa();
  // The "load balancers": one server, routed by the Host header; TLS connections are handed to it decrypted.
  const balancer = http.createServer((req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const encrypted = (req.socket as tls.TLSSocket).encrypted === true;
    const header = req.headers['x-test-traffic'];
    answer(aws, host, path, encrypted, Array.isArray(header) ? header[0] : header)
      .catch(
        (error: unknown) => ({ status: 502, body: `load balancer stand-in: ${String(error)}` }) as Answer,
      )
      .then(({ status, body, location, testRule }: Answer & { testRule?: boolean }) => {
        requests.push({ host, path, status, body, ...(testRule ? { testRule } : {}) });
        res.writeHead(status, {
          'content-type': status === 503 ? 'text/html' : 'application/json',
          ...(location ? { location } : {}),
        });
        res.end(body);
      });
  });
  await new Promise<void>((resolve) => balancer.listen(0, '127.0.0.1', resolve));
  const balancerPort = (balancer.address() as AddressInfo).port;

  /** Whether the internet as seen here reaches `hostname`: load balancer names, and the domains pointed at one. */
  const reachable = async (hostname: string): Promise<Stack | undefined> =>
    hostname.endsWith('.elb.amazonaws.com') || hostname.includes('.')
      ? findStack(aws, hostname).catch(() => undefined)
      : undefined;

  // The proxy: CONNECT tunnels (what undici sends, for http:// too) and plain proxy requests, both to the
  // balancer for a load balancer's name or a domain pointed at one; anything else is unreachable.
  const sockets = new Set<net.Socket>();
  const proxy = http.createServer((req, res) => {
    const target = new URL(req.url ?? '/');
    void reachable(target.hostname).then((stack) => {
      if (!stack && !target.hostname.endsWith('.elb.amazonaws.com')) {
        res.writeHead(502).end(`the e2e machine has no route to ${target.hostname}`);
        return;
      }
      const upstream = http.request(
        {
          host: '127.0.0.1',
          port: balancerPort,
          path: target.pathname,
          method: req.method,
          headers: { ...req.headers, host: target.host },
        },
        (response) => {
          res.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(res);
        },
      );
      req.pipe(upstream);
    });
  });
  proxy.on('connect', (req, socket: net.Socket, head: Buffer) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const [hostname = '', port = '443'] = (req.url ?? '').split(':');
    void (async () => {
      const stack = await reachable(hostname);
      if (!stack && !hostname.endsWith('.elb.amazonaws.com')) {
        socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
        return;
      }
      if (port === '443') {
        // The HTTPS listener exists only with a certificate; it presents that certificate whatever name the
        // client asks for (SNI), so a name the certificate does not cover fails the client's check.
        const arn = stack ? parameterOf(stack, 'CertificateArn') : '';
        const names = arn ? await certificateNames(aws, arn).catch(() => []) : [];
        if (names.length === 0) {
          socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'); // connection refused: no listener on 443
          return;
        }
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) socket.unshift(head);
        const secure = new tls.TLSSocket(socket, { isServer: true, ...ca.issue(names) });
        secure.on('error', () => socket.destroy());
        balancer.emit('connection', secure);
        return;
      }
      const upstream = net.connect(balancerPort, '127.0.0.1', () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    })();
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  return {
    proxyUrl,
    env: {
      HTTP_PROXY: proxyUrl,
      HTTPS_PROXY: proxyUrl,
      NO_PROXY: '127.0.0.1,localhost',
      NODE_USE_ENV_PROXY: '1',
      // The steps trust the CA the load balancers' certificates come from (as runners trust public CAs).
      NODE_EXTRA_CA_CERTS: ca.caPath,
    },
    requests,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await Promise.all(
        [proxy, balancer].map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
      ca.remove();
    },
  };
}
