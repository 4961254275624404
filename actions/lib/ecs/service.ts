// Reading an ECS service and its task definition, with errors that say what to check.
import {
  type Deployment,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  type Service,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { ActionError, aws } from '../errors.js';
import { ecsClient } from './clients.js';

export const STACK_NAME_TAG = 'aws:cloudformation:stack-name';

/** The service, with its tags; an ActionError if it does not exist or is being deleted. */
export async function describeService(region: string, cluster: string, service: string): Promise<Service> {
  const response = await aws(
    'ECS DescribeServices',
    () =>
      ecsClient(region).send(
        new DescribeServicesCommand({ cluster, services: [service], include: ['TAGS'] }),
      ),
    `Check the cluster name "${cluster}" and the region ${region}.`,
  );
  const found = response.services?.[0];
  if (!found || found.status === 'INACTIVE') {
    const reason = response.failures?.[0]?.reason;
    throw new ActionError(
      `ECS service ${service} was not found in cluster ${cluster} (${region})${reason && reason !== 'MISSING' ? `: ${reason}` : ''}`,
      {
        hint: 'Check the service and cluster names and the region; deploy the service stack first if it does not exist yet.',
      },
    );
  }
  if (found.status === 'DRAINING') {
    throw new ActionError(`ECS service ${service} in cluster ${cluster} is being deleted (DRAINING)`, {
      hint: 'Wait for the deletion to finish and create the service again (deploy its stack), then deploy.',
    });
  }
  return found;
}

/** Reads a task definition by ARN or `family[:revision]`. */
export async function describeTaskDefinition(
  region: string,
  taskDefinition: string,
): Promise<TaskDefinition> {
  const response = await aws('ECS DescribeTaskDefinition', () =>
    ecsClient(region).send(new DescribeTaskDefinitionCommand({ taskDefinition })),
  );
  if (!response.taskDefinition) throw new ActionError(`ECS task definition ${taskDefinition} was not found`);
  return response.taskDefinition;
}

/** The stack that manages the service, from the tag CloudFormation puts on the resources it creates. */
export function stackOfService(service: Service): string | undefined {
  return service.tags?.find((t) => t.key === STACK_NAME_TAG)?.value || undefined;
}

export function primaryDeployment(service: Service): Deployment | undefined {
  return service.deployments?.find((d) => d.status === 'PRIMARY');
}

export function circuitBreakerRollback(service: Service): boolean {
  const breaker = service.deploymentConfiguration?.deploymentCircuitBreaker;
  return breaker?.enable === true && breaker.rollback === true;
}
