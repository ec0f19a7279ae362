"""Adapter of ``AWS::EC2::SecurityGroup``: a group's ingress, as entries with one source each.

Facts (:class:`Ingress`) from the four sources:

* CloudFormation: ``SecurityGroupIngress`` of a group, and stand-alone
  ``AWS::EC2::SecurityGroupIngress`` resources (judged with their group's tags);
* Terraform: ``ingress`` blocks of ``aws_security_group``, ``aws_security_group_rule``
  (``type = "ingress"``) and ``aws_vpc_security_group_ingress_rule``;
* the live API (``DescribeSecurityGroups`` ``IpPermissions``, ``SecurityGroupRule``);
* CloudTrail (``AuthorizeSecurityGroupIngress``, ``ModifySecurityGroupRules``).

CloudTrail records EC2 query APIs with lower-camel keys and ``{"items": [...]}`` wrappers
that are sometimes a single object, sometimes absent; every helper here accepts all of
those. A value that cannot be read raises :class:`MalformedEventError` naming the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from guardrails_runtime.events import MalformedEventError, items
from guardrails_runtime.model import (
    IngressEntry,
    InvalidEntryError,
    SourceKind,
    UnknownSource,
    Unresolved,
)
from guardrails_runtime.policies.sg_open_ingress.policy import (
    parse_port,
    same_grant,
)


class Ingress(NamedTuple):
    """The ingress of one group (or one stand-alone rule) that a template or plan declares.

    ``entries``: ``(location, entry)`` per CIDR source; an entry whose source, protocol or
    ports are unknown or malformed is :class:`Unresolved`, but only where that could
    matter (a private CIDR is compliant whatever its ports); an unknown source with known
    ports is an :class:`UnknownSource` (judged as world-open). Group references and prefix
    lists are not listed: they are never world-open here.
    """

    entries: tuple[tuple[str, IngressEntry | UnknownSource | Unresolved], ...]
    # The resolved entries of the same group declared elsewhere (the group's inline rules,
    # its other stand-alone rule resources): sources that only together cover the whole
    # internet are judged across all of them (see :func:`gather`).
    peers: tuple[IngressEntry, ...] = ()
    # Rules (any direction, any source) this resource puts on a VPC's default security
    # group: their locations, or Unresolved when the rules are unknown (default-sg-closed).
    on_default_group: tuple[str, ...] | Unresolved = ()


def _port(value: object, where: str) -> int | None:
    try:
        return parse_port(value)
    except InvalidEntryError as exc:
        raise MalformedEventError(f"{where}: {exc}") from exc


def _protocol(value: object, where: str) -> str:
    if value is None or value == "":
        raise MalformedEventError(f"{where}.ipProtocol is missing")
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MalformedEventError(f"{where}.ipProtocol must be a string, got {value!r}")
    return str(value)


def entries_from_api(permissions: Iterable[Mapping[str, Any]]) -> list[IngressEntry]:
    """``DescribeSecurityGroups`` ``IpPermissions`` -> one entry per source."""
    out: list[IngressEntry] = []
    for perm in permissions:
        protocol = str(perm.get("IpProtocol", "-1"))
        lo, hi = perm.get("FromPort"), perm.get("ToPort")
        for r in perm.get("IpRanges", []):
            out.append(
                IngressEntry(protocol, lo, hi, r["CidrIp"], SourceKind.IPV4, r.get("Description"))
            )
        for r in perm.get("Ipv6Ranges", []):
            out.append(
                IngressEntry(protocol, lo, hi, r["CidrIpv6"], SourceKind.IPV6, r.get("Description"))
            )
        for r in perm.get("PrefixListIds", []):
            out.append(
                IngressEntry(
                    protocol,
                    lo,
                    hi,
                    r["PrefixListId"],
                    SourceKind.PREFIX_LIST,
                    r.get("Description"),
                )
            )
        for r in perm.get("UserIdGroupPairs", []):
            source = r.get("GroupId") or r.get("GroupName") or ""
            out.append(
                IngressEntry(protocol, lo, hi, source, SourceKind.GROUP, r.get("Description"))
            )
    return out


def entries_to_api(entries: Iterable[IngressEntry]) -> list[dict[str, Any]]:
    """Entries -> ``IpPermissions`` (the inverse of :func:`entries_from_api`), grouped by grant."""
    grouped: dict[tuple[str, int | None, int | None], dict[str, Any]] = {}
    for e in entries:
        key = (e.protocol, e.from_port, e.to_port)
        perm = grouped.get(key)
        if perm is None:
            perm = {"IpProtocol": e.protocol}
            if e.from_port is not None:
                perm["FromPort"] = e.from_port
            if e.to_port is not None:
                perm["ToPort"] = e.to_port
            grouped[key] = perm
        desc = {"Description": e.description} if e.description else {}
        if e.kind is SourceKind.IPV4:
            perm.setdefault("IpRanges", []).append({"CidrIp": e.source, **desc})
        elif e.kind is SourceKind.IPV6:
            perm.setdefault("Ipv6Ranges", []).append({"CidrIpv6": e.source, **desc})
        elif e.kind is SourceKind.PREFIX_LIST:
            perm.setdefault("PrefixListIds", []).append({"PrefixListId": e.source, **desc})
        else:
            perm.setdefault("UserIdGroupPairs", []).append({"GroupId": e.source, **desc})
    return list(grouped.values())


def ip_permissions_json(entries: Iterable[IngressEntry]) -> str:
    """Compact JSON of :func:`entries_to_api`, for AWS CLI commands in notifications."""
    return json.dumps(entries_to_api(entries), separators=(",", ":"), sort_keys=True)


def group_ref_from_authorize(request: Mapping[str, Any]) -> tuple[str, str]:
    """``("id", "sg-...")`` or ``("name", "web")`` from an AuthorizeSecurityGroupIngress request;
    a ``groupId`` that no group can have (a redacted ``"..."``) is malformed."""
    for key, kind in (("groupId", "id"), ("groupName", "name")):
        value = request.get(key)
        if isinstance(value, str) and value:
            if kind == "id" and not _GROUP_ID.match(value):
                raise MalformedEventError(
                    f"requestParameters.groupId {value[:80]!r} is not a security group id"
                )
            return kind, value
    raise MalformedEventError("requestParameters has neither groupId nor groupName")


_GROUP_ID = re.compile(r"^sg-[0-9a-f]{8,17}$")


def entries_from_authorize(
    request: Mapping[str, Any], response: Mapping[str, Any]
) -> list[IngressEntry]:
    """Entries an ``AuthorizeSecurityGroupIngress`` record added, with rule ids when recorded.

    The request says what was added: ``ipPermissions.items`` or, in the legacy flat form,
    ``ipProtocol``/``fromPort``/``toPort``/``cidrIp`` beside an empty ``ipPermissions``.
    ``responseElements.securityGroupRuleSet`` (one item per source, with its rule id), when
    present, lends each entry its rule id; it stands in for the request only when the
    request lists nothing.
    """
    requested: list[IngressEntry] = []
    for i, perm in enumerate(items(request.get("ipPermissions"))):
        where = f"requestParameters.ipPermissions[{i}]"
        if not isinstance(perm, Mapping):
            raise MalformedEventError(f"{where} must be an object")
        requested.extend(_entries_from_request_permission(perm, where))
    if not requested and any(
        k in request for k in ("cidrIp", "ipProtocol", "sourceSecurityGroupName")
    ):
        requested.extend(_entries_from_legacy(request))
    recorded = [
        entry
        for i, rule in enumerate(items(response.get("securityGroupRuleSet")))
        if (entry := _entry_from_rule(rule, f"responseElements.securityGroupRuleSet[{i}]"))
    ]
    if not requested:
        return recorded
    return [_with_recorded_id(entry, recorded) for entry in requested]


def _with_recorded_id(entry: IngressEntry, recorded: list[IngressEntry]) -> IngressEntry:
    for rule in recorded:
        if rule.rule_id and rule.source == entry.source and same_grant(rule, entry):
            return entry._replace(rule_id=rule.rule_id)
    return entry


def _entries_from_request_permission(perm: Mapping[str, Any], where: str) -> list[IngressEntry]:
    protocol = _protocol(perm.get("ipProtocol"), where)
    lo = _port(perm.get("fromPort"), f"{where}.fromPort")
    hi = _port(perm.get("toPort"), f"{where}.toPort")
    out: list[IngressEntry] = []
    for j, r in enumerate(items(perm.get("ipRanges"))):
        cidr = _field(r, "cidrIp", f"{where}.ipRanges[{j}]")
        out.append(IngressEntry(protocol, lo, hi, cidr, SourceKind.IPV4, _desc(r)))
    for j, r in enumerate(items(perm.get("ipv6Ranges"))):
        cidr = _field(r, "cidrIpv6", f"{where}.ipv6Ranges[{j}]")
        out.append(IngressEntry(protocol, lo, hi, cidr, SourceKind.IPV6, _desc(r)))
    for j, r in enumerate(items(perm.get("prefixListIds"))):
        pl = _field(r, "prefixListId", f"{where}.prefixListIds[{j}]")
        out.append(IngressEntry(protocol, lo, hi, pl, SourceKind.PREFIX_LIST, _desc(r)))
    for r in items(perm.get("groups")):
        if isinstance(r, Mapping):
            source = str(r.get("groupId") or r.get("groupName") or "")
            out.append(IngressEntry(protocol, lo, hi, source, SourceKind.GROUP, _desc(r)))
    return out


def _entries_from_legacy(request: Mapping[str, Any]) -> list[IngressEntry]:
    where = "requestParameters"
    protocol = _protocol(request.get("ipProtocol", "-1"), where)
    lo = _port(request.get("fromPort"), f"{where}.fromPort")
    hi = _port(request.get("toPort"), f"{where}.toPort")
    cidrs = items(request.get("cidrIp"))
    out = [
        IngressEntry(protocol, lo, hi, _scalar(c, f"{where}.cidrIp"), SourceKind.IPV4)
        for c in cidrs
    ]
    group = request.get("sourceSecurityGroupName")
    if isinstance(group, str) and group:
        out.append(IngressEntry(protocol, lo, hi, group, SourceKind.GROUP))
    return out


def _entry_from_rule(rule: object, where: str) -> IngressEntry | None:
    """One ``securityGroupRuleSet`` item (lower camel, CloudTrail) -> entry; egress -> None."""
    if not isinstance(rule, Mapping):
        raise MalformedEventError(f"{where} must be an object")
    if rule.get("isEgress") in (True, "true"):
        return None
    return entry_from_rule(rule, where, camel=False)


def entry_from_rule(rule: Mapping[str, Any], where: str, *, camel: bool) -> IngressEntry:
    """Read a SecurityGroupRule in either key casing (``cidrIpv4`` for CloudTrail, or
    ``CidrIpv4`` for boto3 and the ModifySecurityGroupRules request)."""

    def get(key: str) -> Any:
        return rule.get(key[0].upper() + key[1:] if camel else key)

    protocol = _protocol(get("ipProtocol"), where)
    lo = _port(get("fromPort"), f"{where}.fromPort")
    hi = _port(get("toPort"), f"{where}.toPort")
    desc = get("description")
    desc = desc if isinstance(desc, str) and desc else None
    rule_id = get("securityGroupRuleId")
    rule_id = rule_id if isinstance(rule_id, str) and rule_id else None
    for key, kind in (
        ("cidrIpv4", SourceKind.IPV4),
        ("cidrIpv6", SourceKind.IPV6),
        ("prefixListId", SourceKind.PREFIX_LIST),
    ):
        value = get(key)
        if value not in (None, ""):
            return IngressEntry(
                protocol, lo, hi, _scalar(value, f"{where}.{key}"), kind, desc, rule_id
            )
    ref = get("referencedGroupInfo")
    ref_id = ref.get("groupId") if isinstance(ref, Mapping) else get("referencedGroupId")
    if isinstance(ref_id, str) and ref_id:
        return IngressEntry(protocol, lo, hi, ref_id, SourceKind.GROUP, desc, rule_id)
    raise MalformedEventError(f"{where} names no source (cidrIpv4, cidrIpv6, prefixListId, group)")


def entries_from_modify(request: Mapping[str, Any]) -> tuple[str, list[IngressEntry]]:
    """Group id and the rules as modified, from a ``ModifySecurityGroupRules`` record.

    CloudTrail wraps the request: ``requestParameters.ModifySecurityGroupRulesRequest``
    with ``GroupId`` and ``SecurityGroupRule`` (one object, or a list for several), each
    holding ``SecurityGroupRuleId`` and the new ``SecurityGroupRule``.
    """
    wrapper = request.get("ModifySecurityGroupRulesRequest")
    where = "requestParameters.ModifySecurityGroupRulesRequest"
    if not isinstance(wrapper, Mapping):
        raise MalformedEventError(f"{where} is missing")
    group_id = wrapper.get("GroupId")
    if not isinstance(group_id, str) or not group_id:
        raise MalformedEventError(f"{where}.GroupId is missing")
    updates = items(wrapper.get("SecurityGroupRule", wrapper.get("SecurityGroupRules")))
    if not updates:
        raise MalformedEventError(f"{where}.SecurityGroupRule is missing")
    out: list[IngressEntry] = []
    for i, update in enumerate(updates):
        uwhere = f"{where}.SecurityGroupRule[{i}]"
        if not isinstance(update, Mapping):
            raise MalformedEventError(f"{uwhere} must be an object")
        rule_id = update.get("SecurityGroupRuleId")
        body = update.get("SecurityGroupRule")
        if not isinstance(body, Mapping):
            raise MalformedEventError(f"{uwhere}.SecurityGroupRule must be an object")
        entry = entry_from_rule(body, f"{uwhere}.SecurityGroupRule", camel=True)
        if isinstance(rule_id, str) and rule_id:
            entry = entry._replace(rule_id=rule_id)
        out.append(entry)
    return group_id, out


def _field(record: object, key: str, where: str) -> str:
    if not isinstance(record, Mapping):
        raise MalformedEventError(f"{where} must be an object")
    return _scalar(record.get(key), f"{where}.{key}")


def _scalar(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise MalformedEventError(f"{where} must be a non-empty string, got {value!r}")
    return value.strip()


def _desc(record: object) -> str | None:
    if isinstance(record, Mapping):
        value = record.get("description")
        if isinstance(value, str) and value:
            return value
    return None
