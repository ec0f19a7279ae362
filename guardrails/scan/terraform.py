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

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from guardrails_runtime.adapters import templates as adapters
from guardrails_runtime.model import Subject, Unresolved

_INDEX = re.compile(r"\[[^\]]*\]")


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
    configured_by: frozenset[str] = frozenset()

    @property
    def resource_type(self) -> str:
        return self.type

    def declared(self, name: str) -> bool:
        """True when the configuration sets ``name`` (not a provider-computed value)."""
        return name in (self.config.get("expressions") or {})

    @property
    def config_address(self) -> str:
        return _INDEX.sub("", self.address)

    def get(self, *path: Any) -> Any:
        """The value at ``path`` (keys and list indexes), Unresolved if unknown at plan time."""
        # Hot path (every attribute of every resource): exact types, no helper calls.
        value: Any = self.values
        unknown: Any = self.unknown
        for step in path:
            if unknown is True:
                break
            if type(step) is int:
                unknown = unknown[step] if type(unknown) is list and step < len(unknown) else None
                value = value[step] if type(value) is list and step < len(value) else None
            else:
                unknown = unknown.get(step) if type(unknown) is dict else None
                value = value.get(step) if type(value) is dict else None
        if unknown is True:
            where = adapters.location(path)
            return Unresolved(where, f"{where} is known only after apply (unknown in the plan)")
        return value


def subjects(plan: Mapping[str, Any], file: str) -> list[Subject]:
    """Every planned resource that a resource adapter reads, as a subject, in plan order.

    A resource that configures another one (``OWNERS`` of its adapter) is linked to it
    first: it is judged with the owner's tags, and the owner learns which types configure
    it (a bucket whose encryption is a separate resource is not judged for encryption).
    """
    resources = list(_resources(plan))
    configs = _configs(plan)
    for r in resources:
        r.config = configs.get(r.config_address, {})
    linker = _Linker(resources)
    read: list[tuple[_Resource, ModuleType, _Resource | None]] = []
    for r in resources:
        adapter = adapters.for_terraform(r.type)
        if adapter is None:
            continue
        owner = None
        if r.type in adapter.OWNERS:
            owner = linker.link(r, adapter.OWNERS[r.type][0], adapter.TERRAFORM_TYPES[0])
            if owner is not None:
                owner.configured_by = owner.configured_by | {r.type}
        read.append((r, adapter, owner))
    out: list[Subject] = []
    subject_of: dict[int, Subject] = {}
    owned: list[tuple[Subject, _Resource | None, ModuleType, Any]] = []
    for r, adapter, owner in read:
        facts = adapter.from_terraform(r)
        if facts is None:
            continue
        tags = linker.tags(owner) if r.type in adapter.OWNERS else _tags(r)
        subject = Subject(adapter.KIND, r.address, r.type, file, tags, facts)
        subject_of[id(r)] = subject
        if r.type in adapter.OWNERS:
            owned.append((subject, owner, adapter, r.get(adapter.OWNERS[r.type][0])))
        out.append(subject)
    # Resources that configure one owner judged together: the owner when it is in the
    # plan, else every resource naming the same literal owner id.
    groups: dict[object, list[Subject]] = {}
    kinds: dict[object, ModuleType] = {}
    for subject, owner, adapter, reference in owned:
        head = subject_of.get(id(owner)) if owner is not None else None
        if head is not None:
            key: object = id(head)
            groups.setdefault(key, [head])
        elif isinstance(reference, str) and reference:
            key = (adapter.KIND, reference)
        else:
            continue
        groups.setdefault(key, []).append(subject)
        kinds[key] = adapter
    for key, members in groups.items():
        adapters.gather_group(members, kinds[key])
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
