"""Starts moto's server (same arguments as `moto_server`) after fixing a few moto bugs in place.

Only defects that cannot be repaired from the HTTP layer in front of moto are fixed here, each one
where moto diverges from AWS's API reference:

1. ECS RunTask crashes (HTTP 500) on a Fargate task definition whose containers have no container-level
   memory (valid on AWS: Fargate takes the task-level memory), and on awsvpc tasks in a VPC without DNS
   hostnames (the network interface has no private DNS name).
2. ECS CreateService drops `deploymentConfiguration` and moto's services have no `createdAt`.
3. CloudFormation's AWS::ECS::TaskDefinition drops NetworkMode, Cpu, RequiresCompatibilities, role ARNs and
   tags, and on update registers the new revision with PascalCase container definitions.
4. CloudFormation's AWS::ECS::Service drops LaunchType, NetworkConfiguration, DeploymentConfiguration, tags
   and on update stores the task definition family instead of the new revision's ARN.
5. Resources created by CloudFormation carry no `aws:cloudformation:*` tags in ECS.
6. A stack update never updates a resource whose only change is that a resource it references was
   replaced (AWS updates an ECS service whose task definition was replaced by the same stack update),
   and a change set computed from parameter changes alone lists no changes.
7. Executing a change set leaves the stack's outputs and exports as they were before (a CREATE change set
   leaves a stack without outputs), and UpdateStack leaves its exports as they were.
8. A CREATE change set builds its new stack without the region's exports, so Fn::ImportValue fails when it
   is executed (CreateStack has them).
9. CloudFormation's AWS::RDS::DBInstance: the port defaults to 3306 whatever the engine (PostgreSQL is
   5432), ManageMasterUserPassword, VPCSecurityGroups and DeletionProtection are dropped (no RDS-managed
   secret, so `MasterUserSecret.SecretArn` cannot be read; the default security group; never protected),
   the managed secret's username is always "admin", and an update is never applied; Ref to an
   AWS::RDS::DBParameterGroup yields moto's object instead of the group name (and the DB instance then
   crashes on it).
10. A stack update that modifies a resource moto cannot update (no update handler: log groups, IAM roles,
    wait condition handles…) drops it from the stack, and every resource referring to it then fails with
    "Fn::GetAtt references undefined resource". AWS updates it in place; moto keeps it as it was.
11. Deleting a stack leaves behind every resource whose type has no delete handler in moto (ECS services,
    clusters and task definitions; NAT gateways, internet gateways and their attachments, route tables,
    routes, subnet associations, Elastic IPs, VPC endpoints, flow logs; ELB target groups and listeners),
    a stopped awsvpc task keeps its network interface, and a deleted service keeps its tasks running: the
    VPC can then never be deleted ("has dependencies").
"""

import os
import sys
import threading
import time
from datetime import datetime, timezone
from typing import Any

from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing as cfn_parsing
from moto.ec2 import utils as ec2_utils
from moto.ec2.models import ec2_backends
from moto.ec2.models import elastic_network_interfaces as ec2_eni
from moto.ec2.models import flow_logs as ec2_flow_logs
from moto.ec2.models import internet_gateways as ec2_igw
from moto.ec2.models import nat_gateways as ec2_nat
from moto.ec2.models import route_tables as ec2_route_tables
from moto.ec2.models import subnets as ec2_subnets
from moto.ec2.models import vpcs as ec2_vpcs
from moto.ec2.models import vpn_gateway as ec2_vpn_gateway
from moto.ec2.models import elastic_ip_addresses as ec2_eip
from moto.elbv2 import models as elbv2_models
from moto.ecs import models as ecs_models
from moto.ecs import responses as ecs_responses
from moto.rds import models as rds_models

DEFAULT_DEPLOYMENT_CONFIGURATION = {
    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
}

# Map values whose keys are data (log driver options, labels), not property names: never re-cased.
OPAQUE_KEYS = {"Options", "DockerLabels", "options", "dockerLabels"}


def camel(key: str) -> str:
    return key[:1].lower() + key[1:]


def to_api_shape(value: Any) -> Any:
    """CloudFormation's PascalCase properties to the ECS API's camelCase (maps of data left alone)."""
    if isinstance(value, list):
        return [to_api_shape(v) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out[camel(k)] = dict(v) if k in OPAQUE_KEYS and isinstance(v, dict) else to_api_shape(v)
        return out
    return value


def stack_tags(kwargs: dict[str, Any], logical_id: str | None = None) -> list[dict[str, str]]:
    stack_id = kwargs.get("StackId")
    if not stack_id:
        return []
    # arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/UUID
    stack_name = stack_id.split(":stack/")[-1].split("/")[0]
    return [
        {"key": "aws:cloudformation:stack-name", "value": stack_name},
        {"key": "aws:cloudformation:stack-id", "value": stack_id},
        {"key": "aws:cloudformation:logical-id", "value": logical_id or kwargs.get("LogicalId", "")},
    ]


def cfn_tags(properties: dict[str, Any]) -> list[dict[str, str]]:
    return [{"key": t["Key"], "value": str(t["Value"])} for t in properties.get("Tags", []) or []]


# 1. RunTask on Fargate task definitions without container-level memory.
def _calculate_task_resource_requirements(task_definition: Any) -> dict[str, Any]:
    requirements: dict[str, Any] = {"CPU": 0, "MEMORY": 0, "PORTS": [], "PORTS_UDP": []}
    for container in task_definition.container_definitions:
        requirements["CPU"] += int(container.get("cpu", container.get("Cpu", 0)) or 0)
        memory = (
            container.get("memory")
            or container.get("memoryReservation")
            or container.get("Memory")
            or container.get("MemoryReservation")
            or 0
        )
        requirements["MEMORY"] += int(memory)
        for mapping in container.get("portMappings", container.get("PortMappings", [])) or []:
            host_port = mapping.get("hostPort", mapping.get("HostPort"))
            if host_port is not None:
                requirements["PORTS"].append(host_port)
    return requirements


ecs_models.EC2ContainerServiceBackend._calculate_task_resource_requirements = staticmethod(  # type: ignore[method-assign]
    _calculate_task_resource_requirements
)

# 1b. Fargate tasks' network interfaces always have a private DNS name (moto only sets one when the VPC has
# DNS hostnames enabled, and RunTask then fails with HTTP 500).
_eni_init = ec2_eni.NetworkInterface.__init__


def _patched_eni_init(self: Any, *args: Any, **kwargs: Any) -> None:
    _eni_init(self, *args, **kwargs)
    if not getattr(self, "private_dns_name", None) and self.private_ip_address:
        self.private_dns_name = ec2_utils.generate_dns_from_ip(self.private_ip_address)


ec2_eni.NetworkInterface.__init__ = _patched_eni_init  # type: ignore[method-assign]

# 2. Services keep their deployment configuration and creation time.
_service_init = ecs_models.Service.__init__


def _patched_service_init(self: Any, *args: Any, **kwargs: Any) -> None:
    deployment_configuration = kwargs.pop("deployment_configuration", None)
    _service_init(self, *args, **kwargs)
    self.created_at = datetime.now(timezone.utc)
    merged = {**DEFAULT_DEPLOYMENT_CONFIGURATION, **(deployment_configuration or {})}
    self.deployment_configuration = merged


ecs_models.Service.__init__ = _patched_service_init  # type: ignore[method-assign]

_create_service_response = ecs_responses.EC2ContainerServiceResponse.create_service


def _patched_create_service_response(self: Any) -> Any:
    result = _create_service_response(self)
    requested = self._get_param("deploymentConfiguration")
    if requested:
        service = self.ecs_backend._get_service(
            self._get_param("cluster", "default"), self._get_param("serviceName")
        )
        service.deployment_configuration = {**DEFAULT_DEPLOYMENT_CONFIGURATION, **requested}
    return result


ecs_responses.EC2ContainerServiceResponse.create_service = _patched_create_service_response  # type: ignore[method-assign]


# 3. AWS::ECS::TaskDefinition with all its properties.
def _register_from_cfn(properties: dict[str, Any], account_id: str, region_name: str, tags: list) -> Any:
    backend = ecs_models.ecs_backends[account_id][region_name]
    family = properties.get("Family") or f"task-definition-{int(ecs_models.mock_random.random() * 10**6)}"
    return backend.register_task_definition(
        family=family,
        container_definitions=to_api_shape(properties.get("ContainerDefinitions", [])),
        volumes=to_api_shape(properties.get("Volumes", [])),
        network_mode=properties.get("NetworkMode"),
        tags=cfn_tags(properties) + tags,
        placement_constraints=to_api_shape(properties.get("PlacementConstraints")),
        requires_compatibilities=properties.get("RequiresCompatibilities"),
        cpu=None if properties.get("Cpu") is None else str(properties.get("Cpu")),
        memory=None if properties.get("Memory") is None else str(properties.get("Memory")),
        task_role_arn=properties.get("TaskRoleArn"),
        execution_role_arn=properties.get("ExecutionRoleArn"),
        runtime_platform=to_api_shape(properties.get("RuntimePlatform")),
        ephemeral_storage=to_api_shape(properties.get("EphemeralStorage")),
        pid_mode=properties.get("PidMode"),
        ipc_mode=properties.get("IpcMode"),
    )


@classmethod  # type: ignore[misc]
def _task_definition_create(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str,
                            region_name: str, **kwargs: Any) -> Any:
    properties = cloudformation_json.get("Properties", {})
    return _register_from_cfn(properties, account_id, region_name, stack_tags(kwargs))


@classmethod  # type: ignore[misc]
def _task_definition_update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: Any,
                            account_id: str, region_name: str) -> Any:
    # Every property of a task definition requires replacement: a new revision, the old one deregistered.
    properties = cloudformation_json.get("Properties", {})
    backend = ecs_models.ecs_backends[account_id][region_name]
    tags = [t for t in (original_resource.tags or []) if t["key"].startswith("aws:cloudformation:")]
    new_resource = _register_from_cfn(properties, account_id, region_name, tags)
    backend.deregister_task_definition(original_resource.arn)
    return new_resource


ecs_models.TaskDefinition.create_from_cloudformation_json = _task_definition_create  # type: ignore[method-assign]
ecs_models.TaskDefinition.update_from_cloudformation_json = _task_definition_update  # type: ignore[method-assign]


# 4. AWS::ECS::Service with its launch type, network and deployment configuration and tags.
def _ref_name(value: Any, attr: str) -> Any:
    return getattr(value, attr) if hasattr(value, attr) else value


def _service_properties(properties: dict[str, Any]) -> dict[str, Any]:
    desired = properties.get("DesiredCount")
    return {
        "cluster": _ref_name(properties.get("Cluster", "default"), "name"),
        "task_definition": _ref_name(properties.get("TaskDefinition"), "arn"),
        "desired_count": None if desired is None else int(desired),
        "launch_type": properties.get("LaunchType"),
        "network_configuration": to_api_shape(properties.get("NetworkConfiguration")),
        "deployment_configuration": {
            **DEFAULT_DEPLOYMENT_CONFIGURATION,
            **(to_api_shape(properties.get("DeploymentConfiguration")) or {}),
        },
        "platform_version": properties.get("PlatformVersion"),
        "propagate_tags": properties.get("PropagateTags") or "NONE",
        "load_balancers": to_api_shape(properties.get("LoadBalancers")),
        "service_registries": to_api_shape(properties.get("ServiceRegistries")),
        "scheduling_strategy": properties.get("SchedulingStrategy"),
        "deployment_controller": to_api_shape(properties.get("DeploymentController")),
    }


@classmethod  # type: ignore[misc]
def _service_create(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str,
                    **kwargs: Any) -> Any:
    properties = cloudformation_json.get("Properties", {})
    p = _service_properties(properties)
    backend = ecs_models.ecs_backends[account_id][region_name]
    service = backend.create_service(
        p["cluster"],
        properties.get("ServiceName") or resource_name,
        p["desired_count"],
        task_definition_str=p["task_definition"],
        load_balancers=p["load_balancers"],
        scheduling_strategy=p["scheduling_strategy"],
        tags=cfn_tags(properties) + stack_tags(kwargs),
        deployment_controller=p["deployment_controller"],
        launch_type=p["launch_type"],
        service_registries=p["service_registries"],
        platform_version=p["platform_version"],
        propagate_tags=p["propagate_tags"],
        network_configuration=p["network_configuration"],
    )
    service.deployment_configuration = p["deployment_configuration"]
    return service


@classmethod  # type: ignore[misc]
def _service_update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: Any,
                    account_id: str, region_name: str) -> Any:
    properties = cloudformation_json.get("Properties", {})
    p = _service_properties(properties)
    backend = ecs_models.ecs_backends[account_id][region_name]
    if backend._get_cluster(p["cluster"]).arn != original_resource.cluster_arn:
        raise NotImplementedError("moving an ECS service to another cluster (replacement) is not supported")
    update = {
        "cluster": p["cluster"],
        "service": original_resource.name,
        "task_definition": p["task_definition"],
        "desired_count": p["desired_count"],
        "deployment_configuration": p["deployment_configuration"],
    }
    if p["network_configuration"]:
        update["network_configuration"] = p["network_configuration"]
    if p["platform_version"]:
        update["platform_version"] = p["platform_version"]
    return backend.update_service(update)


ecs_models.Service.create_from_cloudformation_json = _service_create  # type: ignore[method-assign]
ecs_models.Service.update_from_cloudformation_json = _service_update  # type: ignore[method-assign]


# 5. Clusters created by CloudFormation carry the stack tags too.
@classmethod  # type: ignore[misc]
def _cluster_create(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str,
                    **kwargs: Any) -> Any:
    properties = cloudformation_json.get("Properties", {}) or {}
    backend = ecs_models.ecs_backends[account_id][region_name]
    cluster = backend.create_cluster(cluster_name=properties.get("ClusterName") or resource_name)
    cluster.tags = cfn_tags(properties) + stack_tags(kwargs)
    return cluster


ecs_models.Cluster.create_from_cloudformation_json = _cluster_create  # type: ignore[method-assign]


# 6. Updates propagate to resources referencing a changed resource; parameter-only change sets list changes.
def _references(template: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(template, dict):
        for key, value in template.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) else str(value).split(".")[0]
                found.add(target)
            else:
                found |= _references(value)
    elif isinstance(template, list):
        for item in template:
            found |= _references(item)
    return found


_build_resource_diff = cfn_parsing.ResourceMap.build_resource_diff


def _patched_build_resource_diff(self: Any, other_template: dict[str, Any],
                                 parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    result = _build_resource_diff(self, other_template, parameters)
    old = self._resource_json_map
    new = other_template.get("Resources", {})
    changed = set(result["Modify"])
    grew = True
    while grew:
        grew = False
        for name, resource in new.items():
            if name in old and name not in changed and _references(resource) & changed:
                changed.add(name)
                result["Modify"].append(name)
                grew = True
    return result


cfn_parsing.ResourceMap.build_resource_diff = _patched_build_resource_diff  # type: ignore[method-assign]


def _patched_change_set_diff(self: Any) -> list[Any]:
    changes = []
    resource_map = self.stack.resource_map
    if self.change_set_type == "CREATE" or not getattr(resource_map, "_resource_json_map", None):
        names = {"Add": list(self.template_dict.get("Resources", {}).keys()), "Modify": [], "Remove": []}
    else:
        names = resource_map.build_resource_diff(self.template_dict, self.parameters)
    for action, logical_ids in names.items():
        for logical_id in logical_ids:
            source = resource_map._resource_json_map if action == "Remove" else self.template_dict["Resources"]
            changes.append(cfn_models.Change(action, logical_id, source[logical_id]["Type"]))
    return changes


cfn_models.ChangeSet.diff = _patched_change_set_diff  # type: ignore[method-assign]


# 7. Outputs and exports follow change sets and updates.
def _sync_exports(backend: Any, stack: Any) -> None:
    for name in [n for n, e in backend.exports.items() if e.exporting_stack_id == stack.stack_id]:
        del backend.exports[name]
    for export in stack.exports:
        backend.exports[export.name] = export


_change_set_apply = cfn_models.ChangeSet.apply


def _patched_change_set_apply(self: Any) -> None:
    _change_set_apply(self)
    stack = self.stack
    stack.template = self.template
    stack._parse_template()
    stack.description = stack.template_dict.get("Description")
    stack.output_map = stack._create_output_map()


cfn_models.ChangeSet.apply = _patched_change_set_apply  # type: ignore[method-assign]

_execute_change_set = cfn_models.CloudFormationBackend.execute_change_set


def _patched_execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
    _execute_change_set(self, change_set_name, stack_name)
    change_set = self.change_sets.get(change_set_name) or next(
        (cs for cs in self.change_sets.values() if cs.change_set_name == change_set_name), None
    )
    if change_set is not None:
        _sync_exports(self, self.stacks[change_set.stack_id])


cfn_models.CloudFormationBackend.execute_change_set = _patched_execute_change_set  # type: ignore[method-assign]

_update_stack = cfn_models.CloudFormationBackend.update_stack


def _patched_update_stack(self: Any, *args: Any, **kwargs: Any) -> Any:
    stack = _update_stack(self, *args, **kwargs)
    _sync_exports(self, stack)
    return stack


cfn_models.CloudFormationBackend.update_stack = _patched_update_stack  # type: ignore[method-assign]


# 8. CREATE change sets see the region's exports.
_create_change_set = cfn_models.CloudFormationBackend.create_change_set


def _patched_create_change_set(self: Any, *args: Any, **kwargs: Any) -> Any:
    result = _create_change_set(self, *args, **kwargs)
    change_set_id, stack_id = result
    stack = self.stacks.get(stack_id)
    if stack is not None:
        stack.cross_stack_resources = self.exports
        stack.resource_map.cross_stack_resources = self.exports
    return result


cfn_models.CloudFormationBackend.create_change_set = _patched_create_change_set  # type: ignore[method-assign]


# 9. AWS::RDS::DBInstance as AWS creates it.
_db_instance_create = rds_models.DBInstance.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


@classmethod  # type: ignore[misc]
def _patched_db_instance_create(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str,
                                region_name: str, **kwargs: Any) -> Any:
    properties = cloudformation_json.get("Properties", {})
    engine = str(properties.get("Engine", ""))
    if properties.get("Port") is None and engine:
        # AWS's default port is the engine's (moto: 3306 for every engine).
        properties = {**properties, "Port": rds_models.DBInstance.default_port(engine)}
    if isinstance(properties.get("DBParameterGroupName"), rds_models.DBParameterGroup):
        properties = {**properties, "DBParameterGroupName": properties["DBParameterGroupName"].name}
    if isinstance(properties.get("DBSubnetGroupName"), str):
        backend = rds_models.rds_backends[account_id][region_name]
        properties = {**properties, "DBSubnetGroupName": backend.subnet_groups[properties["DBSubnetGroupName"]]}
    if properties.get("VPCSecurityGroups") and not properties.get("VpcSecurityGroupIds"):
        properties = {**properties, "VpcSecurityGroupIds": list(properties["VPCSecurityGroups"])}
    database = _db_instance_create(cls, resource_name, {**cloudformation_json, "Properties": properties},
                                   account_id, region_name, **kwargs)
    database.deletion_protection = _truthy(properties.get("DeletionProtection", False))
    if _truthy(properties.get("ManageMasterUserPassword")) and not hasattr(database, "master_user_secret"):
        database.manage_master_user_password = True
        database.master_user_secret = rds_models.MasterUserSecret(
            database, properties.get("MasterUserSecret", {}).get("KmsKeyId")
        )
    return database


@classmethod  # type: ignore[misc]
def _patched_db_instance_update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: Any,
                                account_id: str, region_name: str) -> Any:
    """The properties RDS modifies in place; one that needs a new instance is not modelled."""
    properties = cloudformation_json.get("Properties", {})
    database = original_resource
    wanted = properties.get("DBInstanceIdentifier")
    if (wanted and str(wanted).lower() != database.db_instance_identifier.lower()) or (
        properties.get("Engine") and properties["Engine"] != database.engine
    ):
        raise NotImplementedError("replacing an RDS DB instance is not supported")
    if "DeletionProtection" in properties:
        database.deletion_protection = _truthy(properties["DeletionProtection"])
    if "MultiAZ" in properties:
        database.multi_az = _truthy(properties["MultiAZ"])
    if properties.get("DBInstanceClass"):
        database.db_instance_class = properties["DBInstanceClass"]
    if properties.get("AllocatedStorage") is not None:
        database.allocated_storage = int(properties["AllocatedStorage"])
    if properties.get("BackupRetentionPeriod") is not None:
        database.backup_retention_period = int(properties["BackupRetentionPeriod"])
    if properties.get("EngineVersion"):
        database.engine_version = str(properties["EngineVersion"])
    group = properties.get("DBParameterGroupName")
    if group is not None:
        database.db_parameter_group_name = group.name if isinstance(group, rds_models.DBParameterGroup) else group
    return database


rds_models.DBInstance.update_from_cloudformation_json = _patched_db_instance_update  # type: ignore[method-assign]


rds_models.DBInstance.create_from_cloudformation_json = _patched_db_instance_create  # type: ignore[method-assign]

_db_instance_attribute = rds_models.DBInstance.get_cfn_attribute


def _patched_db_instance_attribute(self: Any, attribute_name: str) -> Any:
    if attribute_name == "MasterUserSecret.SecretArn" and getattr(self, "master_user_secret", None):
        return self.master_user_secret.secret_arn
    if attribute_name == "Endpoint.Port":
        return str(self.port)
    if attribute_name == "DBInstanceArn":
        return self.db_instance_arn
    return _db_instance_attribute(self, attribute_name)


rds_models.DBInstance.get_cfn_attribute = _patched_db_instance_attribute  # type: ignore[method-assign]


def _patched_secret_string(self: Any) -> str:
    import json
    import secrets

    username = getattr(self.resource, "master_username", None) or "admin"
    return json.dumps({"username": username, "password": secrets.token_urlsafe(24)})


rds_models.MasterUserSecret._generate_secret_string = _patched_secret_string  # type: ignore[method-assign]


def _parameter_group_physical_id(self: Any) -> str:
    return self.name


rds_models.DBParameterGroup.physical_resource_id = property(_parameter_group_physical_id)  # type: ignore[assignment]


# 10. Resources moto cannot update stay in the stack (unchanged) instead of vanishing.
_parse_and_update_resource = cfn_parsing.parse_and_update_resource


def _patched_parse_and_update_resource(logical_id: str, resource_json: dict[str, Any], resources_map: Any,
                                       account_id: str, region_name: str) -> Any:
    updated = _parse_and_update_resource(logical_id, resource_json, resources_map, account_id, region_name)
    if updated is None:
        return resources_map._parsed_resources.get(logical_id)
    return updated


cfn_parsing.parse_and_update_resource = _patched_parse_and_update_resource


# 11. Deleting what a stack created; tasks release their network interfaces.
def _release_task_interfaces(backend: Any, task: Any) -> None:
    ec2 = ec2_backends[backend.account_id][backend.region_name]
    for attachment in getattr(task, "attachments", []) or []:
        for detail in attachment.get("details", []):
            if detail.get("name") == "networkInterfaceId" and detail.get("value") in ec2.enis:
                ec2.delete_network_interface(detail["value"])
        if attachment.get("type") == "ElasticNetworkInterface":
            attachment["status"] = "DELETED"


_stop_task = ecs_models.EC2ContainerServiceBackend.stop_task


def _patched_stop_task(self: Any, cluster_str: str, task_str: str, reason: str) -> Any:
    task = _stop_task(self, cluster_str, task_str, reason)
    _release_task_interfaces(self, task)
    return task


ecs_models.EC2ContainerServiceBackend.stop_task = _patched_stop_task  # type: ignore[method-assign]

_delete_service = ecs_models.EC2ContainerServiceBackend.delete_service


def _patched_delete_service(self: Any, cluster_name: str, service_name: str, force: bool) -> Any:
    service = _delete_service(self, cluster_name, service_name, force)
    cluster = self._get_cluster(cluster_name)
    for task in list((self.tasks.get(cluster.name) or {}).values()):
        if task.group == f"service:{service.name}" and task.desired_status != "STOPPED":
            self.stop_task(cluster.name, task.task_arn, "Service deleted")
    return service


ecs_models.EC2ContainerServiceBackend.delete_service = _patched_delete_service  # type: ignore[method-assign]


def _delete_ecs_service(self: Any, account_id: str, region_name: str) -> None:
    backend = ecs_models.ecs_backends[account_id][region_name]
    cluster_name = self.cluster_arn.split("/")[-1]
    backend.delete_service(cluster_name, self.name, force=True)


def _delete_ecs_cluster(self: Any, account_id: str, region_name: str) -> None:
    ecs_models.ecs_backends[account_id][region_name].delete_cluster(self.name)


def _delete_ecs_task_definition(self: Any, account_id: str, region_name: str) -> None:
    backend = ecs_models.ecs_backends[account_id][region_name]
    if self.status == "ACTIVE":
        backend.deregister_task_definition(self.arn)


ecs_models.Service.delete = _delete_ecs_service  # type: ignore[attr-defined]
ecs_models.Cluster.delete = _delete_ecs_cluster  # type: ignore[attr-defined]
ecs_models.TaskDefinition.delete = _delete_ecs_task_definition  # type: ignore[attr-defined]


def _delete_nat_gateway_resource(self: Any, account_id: str, region_name: str) -> None:
    self.ec2_backend.delete_nat_gateway(self.id)


_delete_nat_gateway = ec2_nat.NatGatewayBackend.delete_nat_gateway


def _patched_delete_nat_gateway(self: Any, nat_gateway_id: str) -> Any:
    nat = _delete_nat_gateway(self, nat_gateway_id)
    eni = getattr(nat, "_eni", None)
    if eni is not None and eni.id in self.enis:
        for address in self.addresses:
            if address.eni is eni:
                address.eni = None
                address.association_id = None
        self.delete_network_interface(eni.id)
    return nat


ec2_nat.NatGateway.delete = _delete_nat_gateway_resource  # type: ignore[attr-defined]
ec2_nat.NatGatewayBackend.delete_nat_gateway = _patched_delete_nat_gateway  # type: ignore[method-assign]


def _ec2(account_id: str, region_name: str) -> Any:
    return ec2_backends[account_id][region_name]


def _delete_igw(self: Any, account_id: str, region_name: str) -> None:
    _ec2(account_id, region_name).delete_internet_gateway(self.id)


def _delete_gateway_attachment(self: Any, account_id: str, region_name: str) -> None:
    backend = _ec2(account_id, region_name)
    if str(self.gateway_id).startswith("igw-"):
        backend.detach_internet_gateway(self.gateway_id, self.vpc_id)
    else:
        backend.detach_vpn_gateway(self.gateway_id, self.vpc_id)


def _delete_route_table(self: Any, account_id: str, region_name: str) -> None:
    _ec2(account_id, region_name).delete_route_table(self.id)


def _delete_route(self: Any, account_id: str, region_name: str) -> None:
    _ec2(account_id, region_name).delete_route(self.route_table.id, self.destination_cidr_block)


def _delete_subnet_association(self: Any, account_id: str, region_name: str) -> None:
    backend = _ec2(account_id, region_name)
    backend.subnet_associations.pop(f"{self.route_table_id}:{self.subnet_id}", None)
    table = backend.route_tables.get(self.route_table_id)
    if table is not None:
        for association_id, subnet_id in list(table._associations.items()):
            if subnet_id == self.subnet_id:
                table._associations.pop(association_id, None)


def _delete_eip(self: Any, account_id: str, region_name: str) -> None:
    backend = _ec2(account_id, region_name)
    if self.allocation_id:
        backend.release_address(allocation_id=self.allocation_id)
    else:
        backend.release_address(address=self.public_ip)


def _delete_vpc_endpoint(self: Any, account_id: str, region_name: str) -> None:
    _ec2(account_id, region_name).delete_vpc_endpoints([self.id])


def _delete_flow_log(self: Any, account_id: str, region_name: str) -> None:
    _ec2(account_id, region_name).delete_flow_logs([self.id])


def _delete_target_group(self: Any, account_id: str, region_name: str) -> None:
    elbv2_models.elbv2_backends[account_id][region_name].delete_target_group(self.arn)


def _delete_listener(self: Any, account_id: str, region_name: str) -> None:
    elbv2_models.elbv2_backends[account_id][region_name].delete_listener(self.arn)


def _gone_is_deleted(delete: Any) -> Any:
    """Moto deletes a stack's resources in any order: what went with its parent (a route with its route
    table) is deleted, as CloudFormation sees it."""

    def run(self: Any, account_id: str, region_name: str) -> None:
        try:
            delete(self, account_id, region_name)
        except Exception as error:  # noqa: BLE001 - moto's not-found errors have no common base
            text = f"{type(error).__name__} {error}"
            if "NotFound" not in text and "does not exist" not in text:
                raise

    return run


for _model, _delete in [
    (ec2_igw.InternetGateway, _delete_igw),
    (ec2_vpn_gateway.VPCGatewayAttachment, _delete_gateway_attachment),
    (ec2_route_tables.RouteTable, _delete_route_table),
    (ec2_route_tables.Route, _delete_route),
    (ec2_subnets.SubnetRouteTableAssociation, _delete_subnet_association),
    (ec2_eip.ElasticAddress, _delete_eip),
    (ec2_vpcs.VPCEndPoint, _delete_vpc_endpoint),
    (ec2_flow_logs.FlowLogs, _delete_flow_log),
    (elbv2_models.FakeTargetGroup, _delete_target_group),
    (elbv2_models.FakeListener, _delete_listener),
]:
    _model.delete = _gone_is_deleted(_delete)  # type: ignore[attr-defined]


def _exit_with_parent() -> None:
    """The test process may die without stopping this server (a killed worker): follow it."""
    expected = int(os.environ.get("LOCAL_AWS_PARENT_PID", "0") or 0)
    if not expected:
        return

    def watch() -> None:
        while True:
            time.sleep(1)
            if os.getppid() != expected:
                os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


if __name__ == "__main__":
    from moto.server import main

    _exit_with_parent()
    main(sys.argv[1:])
