// One SDK client per service and region for the whole run. Loaded only after inputs are validated.
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { regionalClient } from '../aws.js';

export function ecsClient(region: string): ECSClient {
  return regionalClient(ECSClient, region);
}

export function logsClient(region: string): CloudWatchLogsClient {
  return regionalClient(CloudWatchLogsClient, region);
}
