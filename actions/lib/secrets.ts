// Secrets Manager, for the one secret the actions read: the header value that routes a request to the new
// revision through the test listener rule (cloudformation/service.yml's TestTrafficSecret). Masked the moment
// it is read. Loaded only after inputs are validated.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { regionalClient } from './aws.js';
import { mask } from './core.js';
import { ActionError, aws } from './errors.js';

/** The SecretString of `secretId` (a name or an ARN), masked in every later log line. */
export async function readSecretString(region: string, secretId: string, what: string): Promise<string> {
  const response = await aws(
    `Secrets Manager GetSecretValue (${what})`,
    () =>
      regionalClient(SecretsManagerClient, region).send(new GetSecretValueCommand({ SecretId: secretId })),
    `Check the deploy role may call secretsmanager:GetSecretValue on ${secretId}.`,
  );
  const value = response.SecretString;
  mask(value);
  if (!value) {
    throw new ActionError(`Secret ${secretId} (${what}) has no string value`, {
      hint: 'The stack generates it; redeploy the stack, or give the value as a string secret.',
    });
  }
  return value;
}
