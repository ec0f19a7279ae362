"""Terraform plan JSON (``terraform show -json``, format 0.1 to 1.2) -> subjects.

Values come from ``resource_changes[].change.after`` (resources being deleted are
skipped), with ``after_unknown`` marking what is known only after apply; a plan without
``resource_changes`` falls back to ``planned_values`` (root and child modules). An
unknown value becomes :class:`Unresolved`, which the policies report as a warning.

Resources that configure another one (``aws_s3_bucket_public_access_block``,
``aws_s3_bucket_server_side_encryption_configuration``, ``aws_s3_bucket_acl``,
``aws_s3_bucket_policy``, ``aws_security_group_rule``,
``aws_vpc_security_group_ingress_rule``) are linked to it: by the linking attribute's
value when it is known, else through the ``configuration`` section's ``references`` (the
usual case: ``bucket = aws_s3_bucket.logs.id`` is unknown until apply). The link gives
the configured resource's tags (for the exemption tag) and tells a bucket that its
encryption is declared elsewhere. Findings name the resource that holds the value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from guardrails.scan.common import ingress_entries
from guardrails_runtime import adapters
from guardrails_runtime.model import SourceKind, Subject, Unresolved

_INDEX = re.compile(r"\[[^\]]*\]")
PAB_FLAGS = {
    "block_public_acls": "BlockPublicAcls",
    "ignore_public_acls": "IgnorePublicAcls",
    "block_public_policy": "BlockPublicPolicy",
    "restrict_public_buckets": "RestrictPublicBuckets",
}


def is_plan(document: Any) -> bool:
    return (
        isinstance(document, Mapping)
        and "format_version" in document
        and ("planned_values" in document or "resource_changes" in document)
    )


@dataclass(slots=True)
class _Resource:
    address: str
    type: str
    module: str
    index: Any
    values: Mapping[str, Any]
    unknown: Any
    config: Mapping[str, Any] = field(default_factory=dict)

    @property
    def config_address(self) -> str:
        return _INDEX.sub("", self.address)

    def get(self, *path: Any) -> Any:
        """The value at ``path`` (keys and list indexes), Unresolved if unknown at plan time."""
        value: Any = self.values
        unknown: Any = self.unknown
        for step in path:
            if unknown is True:
                break
            unknown = _step(unknown, step)
            value = _step(value, step)
        if unknown is True:
            where = _location(path)
            return Unresolved(where, f"{where} is known only after apply (unknown in the plan)")
        return value


def _location(path: tuple[Any, ...]) -> str:
    """``("ingress", 0, "cidr_blocks")`` -> ``ingress[0].cidr_blocks``."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else f".{step}"
    return text.lstrip(".")


def _step(value: Any, step: Any) -> Any:
    if isinstance(step, int):
        return value[step] if isinstance(value, list) and step < len(value) else None
    return value.get(step) if isinstance(value, Mapping) else None


def subjects(plan: Mapping[str, Any], file: str) -> list[Subject]:
    resources = list(_resources(plan))
    configs = _configs(plan)
    for r in resources:
        r.config = configs.get(r.config_address, {})
    by_type: dict[str, list[_Resource]] = {}
    for r in resources:
        by_type.setdefault(r.type, []).append(r)
    linker = _Linker(resources)
    out: list[Subject] = []
    configured_buckets: set[str] = set()
    for rtype, typed in by_type.items():
        adapter = adapters.for_terraform(rtype)
        if adapter is None:
            continue
        for r in typed:
            # A resource adapter reads its own type (see guardrails_runtime.adapters).
            facts = {"resource": adapter.from_terraform(r.get)}
            out.append(Subject(adapter.KIND, r.address, r.type, file, _tags(r), facts))
    for r in by_type.get("aws_s3_bucket_server_side_encryption_configuration", []):
        bucket = linker.link(r, "bucket", "aws_s3_bucket")
        if bucket is not None:
            configured_buckets.add(bucket.address)
        subject = Subject("bucket", r.address, r.type, file, linker.tags(bucket))
        subject.facts["encryption"] = _encryption_rules(r, ("rule",))
        out.append(subject)
    for r in by_type.get("aws_s3_bucket", []):
        subject = Subject("bucket", r.address, r.type, file, _tags(r))
        legacy = _declared(r, "server_side_encryption_configuration")
        if legacy is not None:
            subject.facts["encryption"] = (
                legacy
                if isinstance(legacy, Unresolved)
                else _encryption_rules(r, ("server_side_encryption_configuration", 0, "rule"))
            )
        elif r.address not in configured_buckets:
            subject.facts["encryption"] = None
        acl = _declared(r, "acl")
        if acl is not None:
            subject.facts["acl"] = ("acl", acl)
        subject.facts["grants"] = (
            _leaves(r, ("grant", "*", "uri")) if _declared(r, "grant") is not None else []
        )
        policy = _declared(r, "policy")
        if policy:
            subject.facts["policy"] = _policy(policy, "policy")
        out.append(subject)
    for r in by_type.get("aws_s3_bucket_public_access_block", []):
        subject = Subject("bucket", r.address, r.type, file, linker.bucket_tags(r))
        # Terraform defaults every flag to false.
        subject.facts["public_access_block"] = {
            name: (attr, _bool(r.get(attr))) for attr, name in PAB_FLAGS.items()
        }
        out.append(subject)
    for r in by_type.get("aws_s3_bucket_acl", []):
        subject = Subject("bucket", r.address, r.type, file, linker.bucket_tags(r))
        acl = r.get("acl")
        if acl is not None:
            subject.facts["acl"] = ("acl", acl)
        subject.facts["grants"] = _leaves(
            r, ("access_control_policy", "*", "grant", "*", "grantee", "*", "uri")
        )
        out.append(subject)
    for r in by_type.get("aws_s3_bucket_policy", []):
        bucket = linker.link(r, "bucket", "aws_s3_bucket")
        subject = Subject("bucket-policy", r.address, r.type, file, linker.tags(bucket))
        subject.facts["policy"] = _policy(r.get("policy"), "policy")
        out.append(subject)
    for r in by_type.get("aws_cloudtrail", []):
        subject = Subject("trail", r.address, r.type, file, _tags(r))
        logging = r.get("enable_logging")  # defaults to true
        subject.facts["logging"] = ("enable_logging", True if logging is None else _bool(logging))
        subject.facts["validation"] = (
            "enable_log_file_validation",
            _bool(r.get("enable_log_file_validation")),
        )
        out.append(subject)
    for r in by_type.get("aws_ebs_volume", []):
        subject = Subject("volume", r.address, r.type, file, _tags(r))
        encrypted = r.get("encrypted")
        # Provider-computed when not set (the account default decides, which
        # ebs-encryption's react plane keeps on): judged only where set or known.
        if not isinstance(encrypted, Unresolved) or "encrypted" in (
            r.config.get("expressions") or {}
        ):
            subject.facts["encrypted"] = ("encrypted", _bool(encrypted))
        out.append(subject)
    for r in by_type.get("aws_ebs_encryption_by_default", []):
        subject = Subject("ebs-default", r.address, r.type, file, {})
        enabled = r.get("enabled")  # defaults to true
        subject.facts["enabled"] = ("enabled", True if enabled is None else _bool(enabled))
        out.append(subject)
    for r in by_type.get("aws_security_group", []):
        subject = Subject("security-group", r.address, r.type, file, _tags(r))
        blocks = r.get("ingress")
        subject.facts["ingress"] = (
            [("ingress", blocks)]
            if isinstance(blocks, Unresolved)
            else [
                item
                for i, _ in enumerate(_list(blocks))
                for item in _ingress_block(r, ("ingress", i), f"ingress[{i}]")
            ]
        )
        out.append(subject)
    for r in by_type.get("aws_security_group_rule", []):
        kind = r.get("type")
        if kind == "egress":
            continue
        group = linker.link(r, "security_group_id", "aws_security_group")
        subject = Subject("security-group", r.address, r.type, file, linker.tags(group))
        subject.facts["ingress"] = (
            [("type", kind)] if isinstance(kind, Unresolved) else _ingress_block(r, (), "")
        )
        out.append(subject)
    for r in by_type.get("aws_vpc_security_group_ingress_rule", []):
        group = linker.link(r, "security_group_id", "aws_security_group")
        subject = Subject("security-group", r.address, r.type, file, linker.tags(group))
        subject.facts["ingress"] = _vpc_ingress_rule(r)
        out.append(subject)
    return out


# --- reading --------------------------------------------------------------------------


def _resources(plan: Mapping[str, Any]) -> Iterable[_Resource]:
    changes = plan.get("resource_changes")
    if isinstance(changes, list):
        for rc in changes:
            if not isinstance(rc, Mapping) or rc.get("mode", "managed") != "managed":
                continue
            change = rc.get("change") or {}
            if change.get("actions") == ["delete"] or not isinstance(change.get("after"), Mapping):
                continue
            yield _Resource(
                str(rc.get("address")),
                str(rc.get("type")),
                str(rc.get("module_address") or ""),
                rc.get("index"),
                change["after"],
                change.get("after_unknown") or {},
            )
        return
    root = (plan.get("planned_values") or {}).get("root_module") or {}
    yield from _planned(root, "")


def _planned(module: Mapping[str, Any], module_address: str) -> Iterable[_Resource]:
    for r in module.get("resources") or []:
        if isinstance(r, Mapping) and r.get("mode", "managed") == "managed":
            yield _Resource(
                str(r.get("address")),
                str(r.get("type")),
                module_address,
                r.get("index"),
                r.get("values") or {},
                {},
            )
    for child in module.get("child_modules") or []:
        if isinstance(child, Mapping):
            yield from _planned(child, str(child.get("address") or ""))


def _configs(plan: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Configuration blocks by address (module path without instance keys + type.name)."""
    out: dict[str, Mapping[str, Any]] = {}

    def walk(module: Mapping[str, Any], prefix: str) -> None:
        for r in module.get("resources") or []:
            if isinstance(r, Mapping) and r.get("address"):
                out[prefix + str(r["address"])] = r
        for name, call in (module.get("module_calls") or {}).items():
            if isinstance(call, Mapping):
                walk(call.get("module") or {}, f"{prefix}module.{name}.")

    walk((plan.get("configuration") or {}).get("root_module") or {}, "")
    return out


class _Linker:
    """Finds the resource a configuring resource points at, through indexes built once."""

    def __init__(self, resources: list[_Resource]) -> None:
        self.by_value: dict[tuple[str, str], _Resource] = {}
        self.by_config: dict[tuple[str, str], list[_Resource]] = {}
        for r in resources:
            for key in ("id", "bucket", "arn"):
                value = r.values.get(key)
                if isinstance(value, str) and value:
                    self.by_value.setdefault((r.type, value), r)
            self.by_config.setdefault((r.type, r.config_address), []).append(r)

    def link(self, r: _Resource, attribute: str, target_type: str) -> _Resource | None:
        value = r.get(attribute)
        if isinstance(value, str) and value and (target_type, value) in self.by_value:
            return self.by_value[(target_type, value)]
        expression = (r.config.get("expressions") or {}).get(attribute) or {}
        prefix = _INDEX.sub("", r.module) + "." if r.module else ""
        for reference in expression.get("references") or []:
            parts = _INDEX.sub("", str(reference)).split(".")
            for end in range(len(parts), 1, -1):
                matches = self.by_config.get((target_type, prefix + ".".join(parts[:end])))
                if matches:
                    same_index = [c for c in matches if c.index == r.index and c.module == r.module]
                    return (same_index or matches)[0]
        return None

    @staticmethod
    def tags(target: _Resource | None) -> dict[str, str] | Unresolved:
        return _tags(target) if target is not None else {}

    def bucket_tags(self, r: _Resource) -> dict[str, str] | Unresolved:
        """The tags of the bucket that a bucket-configuring resource points at."""
        return self.tags(self.link(r, "bucket", "aws_s3_bucket"))


def _declared(r: _Resource, attribute: str) -> Any:
    """A legacy inline attribute of aws_s3_bucket, only where the configuration sets it.

    Since provider v4 these attributes are computed, so a plan shows them unknown on every
    bucket; unknown only counts when the configuration declares the attribute.
    """
    value = r.get(attribute)
    if isinstance(value, Unresolved) and attribute not in (r.config.get("expressions") or {}):
        return None
    return value or None


def _tags(r: _Resource) -> dict[str, str] | Unresolved:
    tags = r.get("tags")
    if isinstance(tags, Unresolved):
        return tags
    merged = (
        dict(r.values.get("tags_all") or {})
        if isinstance(r.values.get("tags_all"), Mapping)
        else {}
    )
    if isinstance(tags, Mapping):
        merged.update(tags)
    return {str(k): str(v) for k, v in merged.items() if v is not None}


def _leaves(r: _Resource, pattern: tuple[Any, ...]) -> list[tuple[str, Any]]:
    """Values at ``pattern`` (``"*"`` = every list element), as ``(location, value)``.

    An unknown list or value on the way is one Unresolved leaf; absent values are skipped.
    """
    out: list[tuple[str, Any]] = []

    def walk(prefix: tuple[Any, ...], rest: tuple[Any, ...]) -> None:
        value = r.get(*prefix)
        if isinstance(value, Unresolved):
            out.append((_location(prefix), value))
            return
        if not rest:
            if value is not None:
                out.append((_location(prefix), value))
            return
        if rest[0] == "*":
            for i, _ in enumerate(_list(value)):
                walk((*prefix, i), rest[1:])
        else:
            walk((*prefix, rest[0]), rest[1:])

    walk((pattern[0],), pattern[1:])
    return out


def _list(value: Any) -> list[Any]:
    if value is None or isinstance(value, Unresolved):
        return []
    return value if isinstance(value, list) else [value]


def _bool(value: Any) -> Any:
    if value is None:
        return False
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _encryption_rules(r: _Resource, path: tuple[Any, ...]) -> Any:
    rules = r.get(*path)
    if isinstance(rules, Unresolved):
        return rules
    out: list[tuple[str, Any]] = []
    for i, _ in enumerate(_list(rules)):
        where = (*path, i, "apply_server_side_encryption_by_default", 0, "sse_algorithm")
        algorithm = r.get(*where)
        if not isinstance(algorithm, Unresolved):
            algorithm = str(algorithm or "(none)")
        out.append((_location(where), algorithm))
    return out


def _policy(text: Any, where: str) -> list[tuple[str, Any]]:
    if isinstance(text, Unresolved):
        return [("policy", text)]
    try:
        document = json.loads(text) if isinstance(text, str) else text
    except json.JSONDecodeError:
        return [("policy", Unresolved(where, "policy is not JSON"))]
    statements = document.get("Statement") if isinstance(document, Mapping) else None
    statements = statements if isinstance(statements, list) else [statements] if statements else []
    return [
        (f"policy.Statement[{i}]", s) for i, s in enumerate(statements) if isinstance(s, Mapping)
    ]


def _ingress_block(r: _Resource, path: tuple[Any, ...], where: str) -> list[tuple[str, Any]]:
    """One ``ingress`` block of aws_security_group, or an aws_security_group_rule."""
    dot = f"{where}." if where else ""
    protocol = r.get(*path, "protocol")
    ports = {k: r.get(*path, k) for k in ("from_port", "to_port")}
    sources: list[tuple[str, SourceKind, Any]] = []
    for attr, kind in (("cidr_blocks", SourceKind.IPV4), ("ipv6_cidr_blocks", SourceKind.IPV6)):
        blocks = r.get(*path, attr)
        if isinstance(blocks, Unresolved):
            sources.append((f"{dot}{attr}", kind, blocks))
            continue
        for i, _ in enumerate(_list(blocks)):
            sources.append((f"{dot}{attr}[{i}]", kind, r.get(*path, attr, i)))
    return ingress_entries(sources, protocol, ports, dot)


def _vpc_ingress_rule(r: _Resource) -> list[tuple[str, Any]]:
    protocol = r.get("ip_protocol")
    ports = {k: r.get(k) for k in ("from_port", "to_port")}
    sources = [
        (attr, kind, r.get(attr))
        for attr, kind in (("cidr_ipv4", SourceKind.IPV4), ("cidr_ipv6", SourceKind.IPV6))
        if r.get(attr) is not None
    ]
    return ingress_entries(sources, protocol, ports, "")
