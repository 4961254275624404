// Configuration shared by every AWS SDK client. Region from the input or AWS_REGION; credentials from the
// SDK's standard chain (the runner's OIDC role via aws-actions/configure-aws-credentials); endpoints from
// AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>, which the SDK honours itself; adaptive retries, bounded.
// SDK modules are loaded with dynamic import() only after the inputs are validated, so a bad input fails
// fast and start-up stays cheap.
import { ConfigurationError } from './errors.js';
import type { InputReader } from './inputs.js';

export interface AwsClientConfig {
  region: string;
  retryMode: 'adaptive';
  maxAttempts: number;
  customUserAgent: string;
}

export const USER_AGENT = 'deploy-actions/1';

/** Region from the `region` input, else AWS_REGION / AWS_DEFAULT_REGION; a ConfigurationError if none. */
export function resolveRegion(action: string, input: string | undefined, env = process.env): string {
  const region = input ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new ConfigurationError(
      `${action}: region: no AWS region given; set the region input, or run aws-actions/configure-aws-credentials (which sets AWS_REGION) first`,
    );
  }
  if (!/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/.test(region)) {
    throw new ConfigurationError(`${action}: region: "${region}" is not an AWS region name (e.g. us-east-1)`);
  }
  return region;
}

export function awsClientConfig(region: string): AwsClientConfig {
  const attempts = Number(process.env.DEPLOY_ACTIONS_AWS_MAX_ATTEMPTS);
  return {
    region,
    retryMode: 'adaptive',
    maxAttempts: Number.isInteger(attempts) && attempts > 0 ? attempts : 8,
    customUserAgent: USER_AGENT,
  };
}

const clientsByClass = new Map<unknown, Map<string, unknown>>();

/** One SDK client of a class per region for the life of the process (the class is passed in: no SDK import here). */
export function regionalClient<T>(Client: new (config: AwsClientConfig) => T, region: string): T {
  let byRegion = clientsByClass.get(Client);
  if (!byRegion) {
    byRegion = new Map();
    clientsByClass.set(Client, byRegion);
  }
  let client = byRegion.get(region) as T | undefined;
  if (!client) {
    client = new Client(awsClientConfig(region));
    byRegion.set(region, client);
  }
  return client;
}

/**
 * The `region` input (or AWS_REGION) read through an InputReader: a missing or malformed region becomes one
 * more input problem, reported with all the others before any AWS call.
 */
export function readRegion(i: InputReader): string {
  try {
    return resolveRegion(i.action, i.optional('region'));
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    i.problems.push(...error.problems);
    return '';
  }
}
