// What a stack status means for a deployment: can it be deployed to, is an operation running, did the
// last operation succeed. Pure functions: no SDK.

/** An operation is running (including REVIEW_IN_PROGRESS, a stack created by an unexecuted change set). */
export function isInProgress(status: string): boolean {
  return status.endsWith('_IN_PROGRESS');
}

/**
 * The stack operation is over: the stack left every in-progress state. The `*_CLEANUP_IN_PROGRESS` states
 * are not the end: the stack cannot be updated again until CloudFormation has removed the old resources.
 */
export function isOutcome(status: string): boolean {
  return !isInProgress(status);
}

export function isSuccess(status: string): boolean {
  return status === 'CREATE_COMPLETE' || status === 'UPDATE_COMPLETE' || status === 'IMPORT_COMPLETE';
}

export function isRollingBack(status: string): boolean {
  return status.includes('ROLLBACK') && isInProgress(status);
}

/** Why a stack in `status` cannot be deployed to, and what to do; undefined when it can. */
export function blockedStatus(name: string, status: string): { message: string; hint: string } | undefined {
  switch (status) {
    case 'UPDATE_ROLLBACK_FAILED':
      return {
        message: `Stack ${name} is in UPDATE_ROLLBACK_FAILED: a previous update failed and so did its rollback`,
        hint: `Fix the resource that could not roll back (see the stack's events), then run \`aws cloudformation continue-update-rollback --stack-name ${name}\` (add \`--resources-to-skip <LogicalId>\` for a resource that cannot be fixed) and re-run this job`,
      };
    case 'ROLLBACK_FAILED':
      return {
        message: `Stack ${name} is in ROLLBACK_FAILED: its first create failed and so did the clean-up`,
        hint: `Delete the stack (\`aws cloudformation delete-stack --stack-name ${name}\`, with \`--retain-resources <LogicalId>\` for a resource that cannot be deleted) and re-run this job`,
      };
    case 'DELETE_FAILED':
      return {
        message: `Stack ${name} is in DELETE_FAILED: a delete of the stack failed`,
        hint: `Finish deleting it (see the stack's events for the resource that could not be deleted; \`aws cloudformation delete-stack --stack-name ${name} --retain-resources <LogicalId>\`) and re-run this job`,
      };
    case 'IMPORT_ROLLBACK_FAILED':
      return {
        message: `Stack ${name} is in IMPORT_ROLLBACK_FAILED: a resource import failed and so did its rollback`,
        hint: `Fix the resource named in the stack's events, run \`aws cloudformation continue-update-rollback --stack-name ${name}\`, then re-run this job`,
      };
    default:
      break;
  }
  if (status === 'REVIEW_IN_PROGRESS') return undefined;
  if (isInProgress(status)) {
    const rollback = isRollingBack(status);
    return {
      message: `Stack ${name} is busy: another operation is running (${status})`,
      hint: rollback
        ? 'Wait for the rollback to finish (see the stack events in the CloudFormation console), then re-run this job'
        : 'Wait for the running operation to finish (or cancel an update with `aws cloudformation cancel-update-stack`), then re-run this job; use a workflow `concurrency` group so two deployments of one stack never overlap',
    };
  }
  return undefined;
}
