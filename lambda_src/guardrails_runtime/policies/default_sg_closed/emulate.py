"""Emulator hook of ``default-sg-closed`` (``guardrails replay --emulate``; never in Lambda).

``prepare`` creates a VPC in moto and performs the recorded authorize call on its default
group (renaming the recorded group id; the response's rule ids are rewritten to the rules
the call created); a Config evaluation gets a default group with one added rule.
``after`` reports the group's rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails_runtime.aws import Clients
from guardrails_runtime.events import ApiCall, ComplianceChange

WORLD_HTTPS = {
    "IpProtocol": "tcp",
    "FromPort": 443,
    "ToPort": 443,
    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
}


def prepare(
    parsed: ApiCall | ComplianceChange, clients: Clients, region: str, tags: Mapping[str, str]
) -> dict[str, str]:
    ec2 = clients.get("ec2", region)
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    [group] = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    group_id = group["GroupId"]
    if tags:
        ec2.create_tags(
            Resources=[group_id], Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
        )
    if isinstance(parsed, ComplianceChange):
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[WORLD_HTTPS])
        return {parsed.resource_id: group_id}
    egress = parsed.event_name.endswith("Egress")
    authorize = (
        ec2.authorize_security_group_egress if egress else ec2.authorize_security_group_ingress
    )
    created = authorize(GroupId=group_id, IpPermissions=[WORLD_HTTPS])
    renames = {str(parsed.request.get("groupId")): group_id}
    recorded = [
        str(r.get("securityGroupRuleId"))
        for r in ((parsed.response.get("securityGroupRuleSet") or {}).get("items") or [])
        if isinstance(r, Mapping)
    ]
    for old, new in zip(recorded, created.get("SecurityGroupRules") or [], strict=False):
        renames[old] = new["SecurityGroupRuleId"]
    return renames


def after(resource: str | None, region: str, clients: Clients) -> Any:
    if not resource:
        return None
    rules = clients.get("ec2", region).describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [resource]}]
    )["SecurityGroupRules"]
    return {"GroupId": resource, "Rules": sorted(r["SecurityGroupRuleId"] for r in rules)}
