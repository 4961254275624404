// One SDK client per service and region for the whole run. Loaded only after inputs are validated.
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { awsClientConfig } from '../aws.js';

const ecsClients = new Map<string, ECSClient>();
const logsClients = new Map<string, CloudWatchLogsClient>();

export function ecsClient(region: string): ECSClient {
  let client = ecsClients.get(region);
  if (!client) {
    client = new ECSClient(awsClientConfig(region));
    ecsClients.set(region, client);
  }
  return client;
}

export function logsClient(region: string): CloudWatchLogsClient {
  let client = logsClients.get(region);
  if (!client) {
    client = new CloudWatchLogsClient(awsClientConfig(region));
    logsClients.set(region, client);
  }
  return client;
}
