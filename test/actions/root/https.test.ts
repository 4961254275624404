// The root action with HTTPS: a certificate and the domain name it covers. The load balancer is the e2e
// stand-in (test/e2e/load-balancers.ts), which answers HTTPS as an Application Load Balancer does: with the
// listener's ACM certificate, issued for the certificate's domain only, so a smoke test by the load
// balancer's own DNS name fails here as it fails on AWS.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadBalancers, startLoadBalancers } from '../../e2e/load-balancers.js';
import { type LocalAws, seedCertificate, startLocalAws } from '../../support/aws/index.js';
import {
  deployEnvironment,
  describeStack,
  explain,
  image,
  inputs,
  outputsOf,
  parametersOf,
  TEST_TIMEOUT_MS,
} from './helpers.js';

const DOMAIN = 'api.example.test';

let aws: LocalAws;
let balancers: LoadBalancers;
let certificateArn: string;

beforeAll(async () => {
  aws = await startLocalAws();
  balancers = await startLoadBalancers(aws);
  certificateArn = await seedCertificate(aws, DOMAIN);
});

afterAll(async () => {
  await balancers?.stop();
  await aws?.stop();
});

/** GET `url` from a fresh Node.js process that reaches the internet as an action step does (proxy, CA). */
async function get(url: string): Promise<string> {
  const script = `fetch(process.argv[1], { redirect: 'manual' }).then(
    async (r) => console.log(r.status + ' ' + (r.headers.get('location') ?? '') + ' ' + (await r.text())),
    (e) => console.log('error ' + (e.cause?.code ?? e.message)),
  )`;
  const { stdout } = await promisify(execFile)(
    process.env.NODE24_PATH ?? process.execPath,
    ['-e', script, url],
    {
      env: { ...process.env, ...balancers.env },
    },
  );
  return stdout.trim();
}

describe('root action: HTTPS with a domain name', { timeout: TEST_TIMEOUT_MS }, () => {
  it('smoke-tests https://<domain-name>, gives it as url and says which DNS record to create', async () => {
    const run = await deployEnvironment(
      aws,
      inputs('web', {
        database: 'off',
        image: image(7),
        'app-version': 'v7',
        'certificate-arn': certificateArn,
        'domain-name': DOMAIN,
      }),
      { env: balancers.env },
    );

    expect(run.code, explain(run)).toBe(0);
    expect(run.outputs.status).toBe('deployed');
    expect(run.outputs.url).toBe(`https://${DOMAIN}`);
    const stack = await describeStack(aws, 'web-service');
    expect(parametersOf(stack)).toMatchObject({ CertificateArn: certificateArn, DomainName: DOMAIN });
    const lb = outputsOf(stack).LoadBalancerDnsName ?? '';
    expect(lb).toMatch(/\.elb\.amazonaws\.com$/);
    // The smoke test went to the domain name, over TLS, and the version matched.
    expect(balancers.requests).toContainEqual({
      host: DOMAIN,
      path: '/version',
      status: 200,
      body: JSON.stringify({ version: 'v7' }),
    });
    expect(balancers.requests.some((r) => r.host === lb)).toBe(false);
    const alias = '(or, in Route 53, an alias A record to the load balancer)';
    expect(run.summary).toContain(`a CNAME record \`${DOMAIN}\` → \`${lb}\` ${alias}`);
    expect(run.stdout).toContain(`a CNAME record ${DOMAIN} → ${lb} ${alias}`);
  });

  it('the load balancer presents the certificate for its domain only: by its own DNS name HTTPS fails', async () => {
    const lb = outputsOf(await describeStack(aws, 'web-service')).LoadBalancerDnsName ?? '';
    expect(await get(`https://${DOMAIN}/version`)).toBe('200  {"version":"v7"}');
    expect(await get(`https://${lb}/version`)).toBe('error ERR_TLS_CERT_ALTNAME_INVALID');
    // Port 80 only redirects to HTTPS when the load balancer has a certificate.
    expect(await get(`http://${DOMAIN}/version`)).toBe(`301 https://${DOMAIN}:443/version`);
  });
});
