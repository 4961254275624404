// What a change set's changes mean for a person approving them: which ones lose data (a stateful resource
// replaced or removed) and which ones touch security (IAM, security groups, keys, bucket policies). No SDK.
import type { StackChange } from './types.js';

/** Resource types that hold data: replacing or removing one loses it (a database replaced is data lost). */
const STATEFUL: RegExp[] = [
  /^AWS::RDS::(DBInstance|DBCluster|GlobalCluster)$/,
  /^AWS::DynamoDB::(Table|GlobalTable)$/,
  /^AWS::S3::Bucket$/,
  /^AWS::S3Express::DirectoryBucket$/,
  /^AWS::EFS::FileSystem$/,
  /^AWS::FSx::FileSystem$/,
  /^AWS::ElastiCache::/,
  /^AWS::MemoryDB::Cluster$/,
  /^AWS::Logs::LogGroup$/,
  /^AWS::DocDB::(DBCluster|DBInstance)$/,
  /^AWS::Neptune::(DBCluster|DBInstance)$/,
  /^AWS::Redshift::Cluster$/,
  /^AWS::OpenSearchService::Domain$/,
  /^AWS::Elasticsearch::Domain$/,
  /^AWS::Kinesis::Stream$/,
  /^AWS::SQS::Queue$/,
  /^AWS::EC2::Volume$/,
  /^AWS::ECR::Repository$/,
  /^AWS::SecretsManager::Secret$/,
  /^AWS::Cognito::UserPool$/,
  /^AWS::Backup::BackupVault$/,
  /^AWS::Timestream::Table$/,
  /^AWS::KMS::Key$/,
];

/** Resource types that grant or restrict access. */
const SECURITY: RegExp[] = [
  /^AWS::IAM::/,
  /^AWS::EC2::SecurityGroup/,
  /^AWS::EC2::NetworkAcl/,
  /^AWS::KMS::/,
  /^AWS::S3::BucketPolicy$/,
  /^AWS::S3::AccessPoint$/,
  /^AWS::SQS::QueuePolicy$/,
  /^AWS::SNS::TopicPolicy$/,
  /^AWS::Lambda::Permission$/,
  /^AWS::SecretsManager::ResourcePolicy$/,
  /^AWS::WAFv2::/,
  /^AWS::Cognito::/,
  /^AWS::SSO::/,
  /^AWS::Organizations::/,
  /^AWS::ECR::RepositoryPolicy$/,
  /^AWS::Events::EventBusPolicy$/,
];

export function isStatefulType(type: string): boolean {
  return STATEFUL.some((pattern) => pattern.test(type));
}

export function isSecurityType(type: string): boolean {
  return SECURITY.some((pattern) => pattern.test(type));
}

/** Policy actions that keep the data of a removed or replaced resource (DeletionPolicy / UpdateReplacePolicy). */
const KEEPS_DATA = new Set(['Retain', 'Snapshot', 'ReplaceAndRetain', 'ReplaceAndSnapshot']);

export interface RawChange {
  action: string;
  logicalId: string;
  physicalId?: string;
  type: string;
  replacement?: string;
  properties: string[];
  policyAction?: string;
}

/**
 * Flags a change: `stateful` when a data-holding resource is removed or (possibly) replaced and its
 * DeletionPolicy/UpdateReplacePolicy does not keep the data; `security` when an access-control resource is
 * added, changed or removed.
 */
export function classifyChange(change: RawChange): StackChange {
  const replaced =
    change.action === 'Modify' && (change.replacement === 'True' || change.replacement === 'Conditional');
  const removed = change.action === 'Remove';
  const keeps = change.policyAction !== undefined && KEEPS_DATA.has(change.policyAction);
  return {
    action: change.action,
    logicalId: change.logicalId,
    physicalId: change.physicalId,
    type: change.type,
    replacement: change.replacement,
    properties: change.properties,
    stateful: isStatefulType(change.type) && (replaced || removed) && !keeps,
    security: isSecurityType(change.type),
  };
}

/** A warning line for a flagged change, or undefined. */
export function changeWarning(change: StackChange): string | undefined {
  const what = `${change.logicalId} (${change.type})`;
  if (change.stateful) {
    const how =
      change.action === 'Remove'
        ? 'will be DELETED'
        : change.replacement === 'Conditional'
          ? 'may be REPLACED (replacement: Conditional)'
          : 'will be REPLACED';
    const props = change.properties.length > 0 ? ` because of ${change.properties.join(', ')}` : '';
    return `${what} ${how}${props}: it holds data, and a replaced or deleted data store loses its data unless it is backed up or retained`;
  }
  if (change.security) {
    const verb = change.action === 'Add' ? 'is added' : change.action === 'Remove' ? 'is removed' : 'changes';
    const props = change.properties.length > 0 ? ` (${change.properties.join(', ')})` : '';
    return `${what} ${verb}${props}: a security-relevant change (access, network or encryption); review it`;
  }
  return undefined;
}
