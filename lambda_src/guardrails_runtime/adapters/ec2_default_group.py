"""Adapter of a VPC's default ``AWS::EC2::SecurityGroup``: the rules it holds.

Facts (:class:`DefaultGroup`) from the live API (``DescribeSecurityGroups`` for the group's
name, VPC and tags; ``DescribeSecurityGroupRules`` for its rules) and the group and rules a
CloudTrail ``AuthorizeSecurityGroupIngress``/``Egress`` record names. A default group
matters only because every resource launched without a group lands in it: it should hold
no rule at all (FSBP EC2.2).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from guardrails_runtime.adapters import tag_pairs
from guardrails_runtime.events import items

DEFAULT = "default"


class Rule(NamedTuple):
    rule_id: str
    egress: bool
    permission: dict[str, Any]  # the rule as an IpPermissions item (for revoke and undo)


class DefaultGroup(NamedTuple):
    group_id: str
    is_default: bool
    rules: tuple[Rule, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()


def permission(rule: Mapping[str, Any]) -> dict[str, Any]:
    """A ``SecurityGroupRule`` (API shape) as the ``IpPermissions`` item that adds it."""
    out: dict[str, Any] = {"IpProtocol": rule.get("IpProtocol")}
    for key in ("FromPort", "ToPort"):
        if rule.get(key) is not None and rule.get("IpProtocol") != "-1":
            out[key] = rule[key]
    desc = {"Description": rule["Description"]} if rule.get("Description") else {}
    if rule.get("CidrIpv4"):
        out["IpRanges"] = [{"CidrIp": rule["CidrIpv4"], **desc}]
    elif rule.get("CidrIpv6"):
        out["Ipv6Ranges"] = [{"CidrIpv6": rule["CidrIpv6"], **desc}]
    elif rule.get("PrefixListId"):
        out["PrefixListIds"] = [{"PrefixListId": rule["PrefixListId"], **desc}]
    else:
        ref = rule.get("ReferencedGroupInfo") or {}
        out["UserIdGroupPairs"] = [{"GroupId": ref.get("GroupId"), **desc}]
    return out


def from_api(group: Mapping[str, Any], rules: list[Any]) -> DefaultGroup:
    return DefaultGroup(
        group_id=str(group.get("GroupId")),
        is_default=group.get("GroupName") == DEFAULT,
        rules=tuple(
            Rule(str(r.get("SecurityGroupRuleId")), bool(r.get("IsEgress")), permission(r))
            for r in rules
            if isinstance(r, Mapping)
        ),
        tags=tag_pairs(group.get("Tags")),
    )


def added_rule_ids(response: Mapping[str, Any]) -> set[str]:
    """The rule ids an authorize call's response lists (``securityGroupRuleSet``)."""
    return {
        str(rule["securityGroupRuleId"])
        for rule in items(response.get("securityGroupRuleSet"))
        if isinstance(rule, Mapping) and rule.get("securityGroupRuleId")
    }
