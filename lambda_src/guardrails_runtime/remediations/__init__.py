"""Registry of remediations, derived from the policies' specs.

``by_event`` finds the policy whose spec lists a CloudTrail event and imports only that
policy's ``fix`` module (cold start); ``all_remediations()`` imports them all (the CDK side
and the tests). Nothing here is kept by hand: a policy folder with a ``fix`` in its spec
is a remediation.
"""

from __future__ import annotations

import importlib
from typing import NamedTuple

from guardrails_runtime.remediations.base import Context, Remediation
from guardrails_runtime.spec import IamGrant, specs

__all__ = [
    "Context",
    "IamGrant",
    "Remediation",
    "all_remediations",
    "by_event",
    "by_policy",
    "claimers",
    "index",
]


class Entry(NamedTuple):
    policy: str
    event_source: str
    event_names: frozenset[str]  # handled and deliberately ignored events alike
    module: str
    cls: str
    shared: bool = False


_index: tuple[Entry, ...] | None = None
_loaded: dict[str, Remediation] = {}


def index() -> tuple[Entry, ...]:
    """One entry per (policy, event source) with a fix, from the specs."""
    global _index  # noqa: PLW0603 - built once per container
    if _index is None:
        _index = tuple(
            Entry(
                spec.id,
                trigger.event_source,
                frozenset(trigger.event_names) | frozenset(trigger.ignored),
                f"guardrails_runtime.policies.{spec.module}.fix",
                spec.fix.cls,
                trigger.shared,
            )
            for spec in specs()
            if spec.fix is not None
            for trigger in spec.triggers
        )
    return _index


def _load(entry: Entry) -> Remediation:
    remediation = _loaded.get(entry.policy)
    if remediation is None:
        module = importlib.import_module(entry.module)
        remediation = getattr(module, entry.cls)()
        _loaded[entry.policy] = remediation
    return remediation


def all_remediations() -> list[Remediation]:
    """Every remediation, imported (one per policy, in spec order)."""
    seen: dict[str, Remediation] = {}
    for entry in index():
        seen.setdefault(entry.policy, _load(entry))
    return list(seen.values())


def by_event(event_source: str, event_name: str) -> Remediation | None:
    """The remediation of the policy that owns a CloudTrail event, or None."""
    found = claimers(event_source, event_name)
    return found[0] if found else None


def claimers(
    event_source: str, event_name: str, deployed: frozenset[str] = frozenset()
) -> list[Remediation]:
    """Every remediation a CloudTrail event reaches: its owner first, then the policies
    that share it (``Trigger.shared``); only ``deployed`` ones when given. Imports only
    those policies' fixes."""
    entries = [
        e
        for e in index()
        if e.event_source == event_source
        and event_name in e.event_names
        and (not deployed or e.policy in deployed)
    ]
    return [_load(e) for e in sorted(entries, key=lambda e: e.shared)]


def by_policy(policy: str) -> Remediation | None:
    """The remediation of a policy, or None."""
    for entry in index():
        if entry.policy == policy:
            return _load(entry)
    return None
