// The internet as the e2e runner machine sees it: an HTTP proxy (HTTP_PROXY, with NODE_USE_ENV_PROXY=1 so
// Node.js's fetch uses it) in front of the load balancers the local AWS endpoint "created". A request for a
// load balancer's DNS name is answered the way the deployed service would answer it: the service behind
// that load balancer (found through the stack whose LoadBalancerDnsName output it is) is asked for its
// running tasks, and their task definition's APP_VERSION is what /version reports; no running task → 503,
// as an Application Load Balancer answers without healthy targets. Everything else gets 502.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import type { LocalAws } from '../support/aws/index.js';

export interface LoadBalancerRequest {
  host: string;
  path: string;
  status: number;
  body: string;
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
}

/** What the service behind `host` answers for `path`. */
async function answer(aws: LocalAws, host: string, path: string): Promise<Answer> {
  const cloudformation = new CloudFormationClient(aws.clientConfig);
  const ecs = new ECSClient(aws.clientConfig);
  try {
    const { Stacks = [] } = await cloudformation.send(new DescribeStacksCommand({}));
    const stack = Stacks.find((s) =>
      (s.Outputs ?? []).some(
        (o) => o.OutputKey === 'LoadBalancerDnsName' && o.OutputValue?.toLowerCase() === host,
      ),
    );
    if (!stack) return { status: 502, body: `no load balancer is named ${host}` };
    const output = (key: string) => stack.Outputs?.find((o) => o.OutputKey === key)?.OutputValue ?? '';
    const cluster = output('ClusterName');
    const serviceName = output('ServiceName');
    const { taskArns = [] } = await ecs.send(
      new ListTasksCommand({ cluster, serviceName, desiredStatus: 'RUNNING' }),
    );
    const { tasks = [] } = taskArns.length
      ? await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }))
      : { tasks: [] };
    const running = tasks.filter((t) => t.lastStatus === 'RUNNING');
    if (running.length === 0)
      return { status: 503, body: '<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>' };
    // Round robin is not modelled: the newest running task answers.
    const task = running.sort((a, b) => Number(b.startedAt ?? 0) - Number(a.startedAt ?? 0))[0];
    const { taskDefinition } = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: task?.taskDefinitionArn }),
    );
    const container = taskDefinition?.containerDefinitions?.find((c) => c.essential !== false);
    const env = Object.fromEntries((container?.environment ?? []).map((e) => [e.name, e.value]));
    if (path === '/version')
      return { status: 200, body: JSON.stringify({ version: env.APP_VERSION ?? 'dev' }) };
    if (path === '/healthz') return { status: 200, body: JSON.stringify({ status: 'ok' }) };
    return { status: 404, body: JSON.stringify({ title: 'Not Found', status: 404 }) };
  } finally {
    cloudformation.destroy();
    ecs.destroy();
  }
}

export async function startLoadBalancers(aws: LocalAws): Promise<LoadBalancers> {
  const requests: LoadBalancerRequest[] = [];
  // The "load balancers": one server, routed by the Host header.
  const balancer = http.createServer((req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    answer(aws, host, path)
      .catch((error: unknown) => ({ status: 502, body: `load balancer stand-in: ${String(error)}` }))
      .then(({ status, body }) => {
        requests.push({ host, path, status, body });
        res.writeHead(status, { 'content-type': status === 503 ? 'text/html' : 'application/json' });
        res.end(body);
      });
  });
  await new Promise<void>((resolve) => balancer.listen(0, '127.0.0.1', resolve));
  const balancerPort = (balancer.address() as AddressInfo).port;

  // The proxy: CONNECT tunnels (what undici sends, for http:// too) and plain proxy requests, both to the
  // balancer for *.elb.amazonaws.com; anything else on the internet is unreachable.
  const sockets = new Set<net.Socket>();
  const proxy = http.createServer((req, res) => {
    const target = new URL(req.url ?? '/');
    if (!target.hostname.endsWith('.elb.amazonaws.com')) {
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
  proxy.on('connect', (req, socket: net.Socket, head: Buffer) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const [hostname = ''] = (req.url ?? '').split(':');
    if (!hostname.endsWith('.elb.amazonaws.com')) {
      socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
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
    },
  };
}
