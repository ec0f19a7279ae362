"""Emulator hook of ``sg-open-ingress`` (``guardrails replay --emulate``; never in Lambda).

* ``AuthorizeSecurityGroupIngress``: a group (in the default VPC, named as in the event) to
  which the recorded permissions were added; a failed call adds nothing. A group the
  permissions reference is created too (empty), and the event rewritten to its id.
* ``ModifySecurityGroupRules``: a group with one rule of the same protocol and ports from
  ``10.0.0.0/8``, then modified as recorded.
* Config compliance change for a group: ``tcp 22`` from ``0.0.0.0/0`` (the violation),
  ``tcp 22`` from ``10.0.0.0/8`` and ``tcp 443`` from ``0.0.0.0/0`` (both compliant, kept).

The group carries the fixture's ``guardrailsEmulation.groupTags``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails_runtime.adapters.ec2_security_group import (
    entries_from_authorize,
    entries_from_modify,
    entries_to_api,
    entry_from_rule,
    group_ref_from_authorize,
)
from guardrails_runtime.aws import Clients
from guardrails_runtime.emulate import default_vpc, tag_list
from guardrails_runtime.events import ApiCall, ComplianceChange, MalformedEventError
from guardrails_runtime.model import IngressEntry, SourceKind
from guardrails_runtime.policies.sg_open_ingress.policy import same_grant

_SOURCE_KEYS = {
    SourceKind.IPV4: "CidrIpv4",
    SourceKind.IPV6: "CidrIpv6",
    SourceKind.PREFIX_LIST: "PrefixListId",
}


def prepare(
    parsed: ApiCall | ComplianceChange, clients: Clients, region: str, tags: Mapping[str, str]
) -> dict[str, str]:
    ec2 = clients.get("ec2", region)
    if isinstance(parsed, ComplianceChange):
        gid = _create_group(ec2, parsed.resource_id, tags)
        ec2.authorize_security_group_ingress(
            GroupId=gid,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 22,
                    "ToPort": 22,
                    "IpRanges": [
                        {"CidrIp": "0.0.0.0/0", "Description": "left open"},
                        {"CidrIp": "10.0.0.0/8", "Description": "private"},
                    ],
                },
                {
                    "IpProtocol": "tcp",
                    "FromPort": 443,
                    "ToPort": 443,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "public HTTPS"}],
                },
            ],
        )
        return {parsed.resource_id: gid}
    if parsed.event_name == "ModifySecurityGroupRules":
        return _modify(ec2, parsed, tags)
    return _authorize(ec2, parsed, tags)


def after(resource: str | None, region: str, clients: Clients) -> Any:
    if not resource:
        return None
    ec2 = clients.get("ec2", region)
    key = "GroupIds" if resource.startswith("sg-") else "GroupNames"
    groups = ec2.describe_security_groups(**{key: [resource]})["SecurityGroups"]
    if not groups:
        return None
    group = groups[0]
    return {
        "GroupId": group["GroupId"],
        "IpPermissions": group.get("IpPermissions", []),
        "Tags": group.get("Tags", []),
    }


def _create_group(ec2: Any, name_hint: str, tags: Mapping[str, str]) -> str:
    spec: dict[str, Any] = {
        "GroupName": name_hint if not name_hint.startswith("sg-") else f"emulated-{name_hint}",
        "Description": "created by guardrails replay --emulate",
        "VpcId": default_vpc(ec2),
    }
    if tags:
        spec["TagSpecifications"] = [{"ResourceType": "security-group", "Tags": tag_list(tags)}]
    return str(ec2.create_security_group(**spec)["GroupId"])


def _authorize(ec2: Any, call: ApiCall, tags: Mapping[str, str]) -> dict[str, str]:
    kind, ref = group_ref_from_authorize(call.request)
    gid = _create_group(ec2, ref, tags)
    renames = {ref: gid} if kind == "id" else {}
    if call.error_code:
        return renames
    recorded = entries_from_authorize(call.request, call.response)
    if not recorded:
        return renames
    for i, entry in enumerate(recorded):
        if entry.kind == SourceKind.GROUP and entry.source.startswith("sg-"):
            if entry.source not in renames:
                renames[entry.source] = _create_group(ec2, entry.source, {})
            recorded[i] = entry._replace(source=renames[entry.source])
    response = ec2.authorize_security_group_ingress(
        GroupId=gid, IpPermissions=entries_to_api(recorded)
    )
    renames.update(_rule_renames(recorded, response.get("SecurityGroupRules", [])))
    return renames


def _modify(ec2: Any, call: ApiCall, tags: Mapping[str, str]) -> dict[str, str]:
    group_id, recorded = entries_from_modify(call.request)
    gid = _create_group(ec2, group_id, tags)
    renames = {group_id: gid}
    if call.error_code:
        return renames
    before = [
        IngressEntry(
            e.protocol,
            e.from_port,
            e.to_port,
            "10.0.0.0/8",
            SourceKind.IPV4,
            "before the change",
            e.rule_id,
        )
        for e in recorded
    ]
    created = ec2.authorize_security_group_ingress(
        GroupId=gid, IpPermissions=entries_to_api(before)
    ).get("SecurityGroupRules", [])
    updates = []
    for entry, rule in zip(recorded, created, strict=False):
        new_id = rule["SecurityGroupRuleId"]
        if entry.rule_id:
            renames[entry.rule_id] = new_id
        body: dict[str, Any] = {"IpProtocol": entry.protocol}
        if entry.from_port is not None:
            body["FromPort"] = entry.from_port
        if entry.to_port is not None:
            body["ToPort"] = entry.to_port
        body[_SOURCE_KEYS.get(entry.kind, "ReferencedGroupId")] = entry.source
        if entry.description:
            body["Description"] = entry.description
        updates.append({"SecurityGroupRuleId": new_id, "SecurityGroupRule": body})
    ec2.modify_security_group_rules(GroupId=gid, SecurityGroupRules=updates)
    return renames


def _rule_renames(recorded: list[IngressEntry], created: list[Mapping[str, Any]]) -> dict[str, str]:
    renames: dict[str, str] = {}
    for rule in created:
        try:
            new = entry_from_rule(rule, "emulated rule", camel=True)
        except MalformedEventError:  # a group reference in moto's shape: no id to carry
            continue
        for old in recorded:
            if old.rule_id and new.rule_id and same_grant(old, new):
                renames[old.rule_id] = new.rule_id
    return renames
