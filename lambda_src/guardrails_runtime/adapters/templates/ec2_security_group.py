"""Template and plan readers of the ``ec2_security_group`` adapter.

The static plane only: left out of the Lambda asset. The facts and the runtime readers
are in :mod:`guardrails_runtime.adapters.ec2_security_group`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails_runtime.adapters import as_list, known
from guardrails_runtime.adapters.ec2_security_group import (
    Ingress,
)
from guardrails_runtime.adapters.templates import Source
from guardrails_runtime.model import (
    IngressEntry,
    InvalidEntryError,
    ResourceRef,
    SourceKind,
    UnknownSource,
    Unresolved,
)
from guardrails_runtime.policies.sg_open_ingress.policy import (
    is_world_open,
    parse_port,
)

KIND = "security-group"
# The attribute of AWS::EC2::VPC that names its default security group.
DEFAULT = "DefaultSecurityGroup"


CLOUDFORMATION_TYPES = (
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
)


TERRAFORM_TYPES = (
    "aws_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_default_security_group",
)


OWNERS = {
    "AWS::EC2::SecurityGroupIngress": ("GroupId", "GroupName"),
    "AWS::EC2::SecurityGroupEgress": ("GroupId",),
    "aws_security_group_rule": ("security_group_id",),
    "aws_vpc_security_group_ingress_rule": ("security_group_id",),
}


def gather(members: list[Ingress]) -> list[Ingress]:
    """The facts of one group and of the rule resources that name it, each with the others'
    resolved entries as ``peers`` (called by the readers once per group)."""
    resolved = [[e for _, e in facts.entries if isinstance(e, IngressEntry)] for facts in members]
    return [
        facts._replace(
            peers=tuple(e for j, entries in enumerate(resolved) if j != i for e in entries)
        )
        for i, facts in enumerate(members)
    ]


def _default_group(source: Source) -> tuple[str, ...]:
    """``("GroupId",)`` when a rule resource names a VPC's default group
    (``Fn::GetAtt <Vpc>.DefaultSecurityGroup``), else nothing."""
    group = source.get().get("GroupId")
    return ("GroupId",) if isinstance(group, ResourceRef) and group.attribute == DEFAULT else ()


def from_cloudformation(source: Source) -> Ingress:
    if source.resource_type == "AWS::EC2::SecurityGroupEgress":
        return Ingress((), on_default_group=_default_group(source))
    if source.resource_type == "AWS::EC2::SecurityGroupIngress":
        return Ingress(
            tuple(_cfn_ingress(source.get(), "", single=True)),
            on_default_group=_default_group(source),
        )
    where = "SecurityGroupIngress"
    return Ingress(tuple(_cfn_ingress(source.get(where), where)))


def _tf_default_rules(source: Source) -> tuple[str, ...] | Unresolved:
    """The rule blocks an ``aws_default_security_group`` declares (both directions)."""
    found: list[str] = []
    for direction in ("ingress", "egress"):
        blocks = source.get(direction)
        if isinstance(blocks, Unresolved):
            if source.declared(direction):
                return blocks
            continue
        found.extend(f"{direction}[{i}]" for i, _ in enumerate(as_list(blocks)))
    return tuple(found)


def from_terraform(source: Source) -> Ingress | None:
    if source.resource_type in ("aws_security_group", "aws_default_security_group"):
        default = (
            _tf_default_rules(source)
            if source.resource_type == "aws_default_security_group"
            else ()
        )
        blocks = source.get("ingress")
        # Unknown and not set in the configuration: computed by the provider from the
        # rule resources of the plan that name the group (the provider's documentation
        # says not to mix those with inline rules). Without such resources it may be a
        # dynamic block, which the plan's configuration section does not show: unknown.
        separate = bool(source.configured_by & OWNERS.keys())
        if isinstance(blocks, Unresolved) and (
            source.declared("ingress")
            or (source.resource_type == "aws_security_group" and not separate)
        ):
            return Ingress((("ingress", blocks),), on_default_group=default)
        if isinstance(blocks, Unresolved):  # a default group's rules the provider computes
            return Ingress((), on_default_group=default)
        return Ingress(
            tuple(
                item
                for i, _ in enumerate(as_list(blocks))
                for item in _tf_ingress_block(source, ("ingress", i), f"ingress[{i}]")
            ),
            on_default_group=default,
        )
    if source.resource_type == "aws_security_group_rule":
        kind = source.get("type")
        if kind == "egress":
            return None
        if isinstance(kind, Unresolved):
            return Ingress((("type", kind),))
        return Ingress(tuple(_tf_ingress_block(source, (), "")))
    protocol = source.get("ip_protocol")
    ports = {k: source.get(k) for k in ("from_port", "to_port")}
    sources = [
        (attr, kind, source.get(attr))
        for attr, kind in (("cidr_ipv4", SourceKind.IPV4), ("cidr_ipv6", SourceKind.IPV6))
        if source.get(attr) is not None
    ]
    return Ingress(tuple(ingress_entries(sources, protocol, ports, "")))


def ingress_entries(
    sources: list[tuple[str, SourceKind, Any]],
    protocol: Any,
    ports: Mapping[str, Any],
    prefix: str,
) -> list[tuple[str, IngressEntry | UnknownSource | Unresolved]]:
    """``(location, entry)`` per CIDR source of one rule.

    ``sources`` are ``(location, kind, value)``; ``ports`` maps the source's own port key
    names (``FromPort``/``from_port``...) to raw values, ``from`` first. A value that is
    unknown or malformed makes the entry Unresolved, but only where it matters: a private
    source is compliant whatever its ports, so it is left out, and an unknown source with
    known ports is an :class:`UnknownSource` that the policy judges as world-open (a
    warning only where that would violate).
    """
    problems = [v for v in (protocol, *ports.values()) if isinstance(v, Unresolved)]
    if not isinstance(protocol, Unresolved | str | int | None) or isinstance(protocol, bool):
        problems.append(Unresolved(f"{prefix}protocol", f"protocol {protocol!r} is not a protocol"))
    parsed: list[int | None] = []
    for key, raw in ports.items():
        if isinstance(raw, Unresolved):
            parsed.append(None)
            continue
        try:
            parsed.append(parse_port(raw))
        except InvalidEntryError:
            problems.append(Unresolved(f"{prefix}{key}", f"{key} {raw!r} is not a port number"))
            parsed.append(None)
    out: list[tuple[str, IngressEntry | UnknownSource | Unresolved]] = []
    for where, kind, value in sources:
        if kind not in (SourceKind.IPV4, SourceKind.IPV6):
            continue  # references and prefix lists are never world-open
        if isinstance(value, Unresolved):
            if problems:
                out.append((where, value))
                continue
            # Ports and protocol known: judged as if the source were the whole internet.
            anywhere = "0.0.0.0/0" if kind == SourceKind.IPV4 else "::/0"
            protocol_text = "-1" if protocol is None else str(protocol)
            worst = IngressEntry(protocol_text, parsed[0], parsed[1], anywhere, kind)
            out.append((where, UnknownSource(worst, value)))
            continue
        if value is None:
            continue
        text = str(value)
        try:
            world = is_world_open(text)
        except InvalidEntryError:
            out.append((where, Unresolved(where, f"{text!r} is not a CIDR")))
            continue
        if problems:
            if world:
                out.append((where, problems[0]))
            continue
        out.append(
            (
                where,
                IngressEntry(
                    "-1" if protocol is None else str(protocol), parsed[0], parsed[1], text, kind
                ),
            )
        )
    return out


def _cfn_ingress(
    value: Any, where: str, *, single: bool = False
) -> list[tuple[str, IngressEntry | UnknownSource | Unresolved]]:
    if isinstance(value, Unresolved):
        return [(where, value)]
    rules = [value] if single else as_list(value)
    out: list[tuple[str, IngressEntry | UnknownSource | Unresolved]] = []
    for i, rule in enumerate(rules):
        at = where if single else f"{where}[{i}]"
        if isinstance(rule, Unresolved):
            out.append((at, rule))
            continue
        if not isinstance(rule, dict):
            out.append((at, Unresolved(at, f"not an ingress rule: {rule!r}")))
            continue
        prefix = f"{at}." if at else ""
        sources: list[tuple[str, SourceKind, Any]] = []
        for key, kind in (
            ("CidrIp", SourceKind.IPV4),
            ("CidrIpv6", SourceKind.IPV6),
            ("SourcePrefixListId", SourceKind.PREFIX_LIST),
            ("SourceSecurityGroupId", SourceKind.GROUP),
            ("SourceSecurityGroupName", SourceKind.GROUP),
        ):
            if key in rule:
                values = rule[key] if isinstance(rule[key], list) else [rule[key]]
                sources.extend((f"{prefix}{key}", kind, known(v, f"{prefix}{key}")) for v in values)
        ports = {key: rule.get(key) for key in ("FromPort", "ToPort")}
        out.extend(ingress_entries(sources, rule.get("IpProtocol", "-1"), ports, prefix))
    return out


def _tf_ingress_block(
    source: Source, path: tuple[Any, ...], where: str
) -> list[tuple[str, IngressEntry | UnknownSource | Unresolved]]:
    """One ``ingress`` block of aws_security_group, or an aws_security_group_rule."""
    dot = f"{where}." if where else ""
    protocol = source.get(*path, "protocol")
    ports = {k: source.get(*path, k) for k in ("from_port", "to_port")}
    sources: list[tuple[str, SourceKind, Any]] = []
    for attr, kind in (("cidr_blocks", SourceKind.IPV4), ("ipv6_cidr_blocks", SourceKind.IPV6)):
        blocks = source.get(*path, attr)
        if isinstance(blocks, Unresolved):
            sources.append((f"{dot}{attr}", kind, blocks))
            continue
        for i, _ in enumerate(as_list(blocks)):
            sources.append((f"{dot}{attr}[{i}]", kind, source.get(*path, attr, i)))
    return ingress_entries(sources, protocol, ports, dot)
