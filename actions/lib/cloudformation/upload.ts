// Templates over CloudFormation's 51,200-byte request limit go through S3: uploaded under a key derived from
// their content (re-deploying the same template rewrites the same object) and passed as a TemplateURL.
// Loaded with a dynamic import() only when a template needs it.
import { createHash } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { awsClientConfig } from '../aws.js';
import { aws } from '../errors.js';

/** CloudFormation's limit for a template passed in the request (TemplateBody). */
export const TEMPLATE_BODY_LIMIT = 51_200;

export function templateKey(stackName: string, body: string): string {
  const hash = createHash('sha256').update(body, 'utf8').digest('hex');
  return `cloudformation-templates/${stackName}/${hash}.template`;
}

/** The virtual-hosted-style URL CloudFormation reads a template from. */
export function templateUrl(bucket: string, region: string, key: string): string {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://${bucket}.s3.${region}.${suffix}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** Uploads `body` to `bucket` (in `region`, the stack's) and returns the object's URL and key. */
export async function uploadTemplate(options: {
  bucket: string;
  region: string;
  stackName: string;
  body: string;
}): Promise<{ url: string; key: string }> {
  const key = templateKey(options.stackName, options.body);
  const client = new S3Client(awsClientConfig(options.region));
  try {
    await aws(
      'S3 PutObject',
      () =>
        client.send(
          new PutObjectCommand({
            Bucket: options.bucket,
            Key: key,
            Body: options.body,
            ContentType: 'text/plain; charset=utf-8',
          }),
        ),
      `Check that the bucket ${options.bucket} exists in ${options.region} and that the deploy role may s3:PutObject to it (and CloudFormation, or the role-arn role, may s3:GetObject from it)`,
    );
  } finally {
    client.destroy();
  }
  return { url: templateUrl(options.bucket, options.region, key), key };
}
