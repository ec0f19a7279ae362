"""The static plane's registry, derived from the policies' specs.

``static_policies()`` lists, for each policy that judges templates and plans, its spec and
its pure ``evaluate(facts, options)`` (imported on first use, so the Lambda never loads it
for an event it does not need).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, NamedTuple

from guardrails_runtime.model import PolicyOptions, RuleInfo, Violation
from guardrails_runtime.spec import PolicySpec, specs


class StaticPolicy(NamedTuple):
    POLICY: str
    KINDS: tuple[str, ...]
    RULES: tuple[RuleInfo, ...]
    evaluate: Callable[[Any, PolicyOptions], list[Violation]]
    spec: PolicySpec


_STATIC: tuple[StaticPolicy, ...] | None = None


def static_policies() -> tuple[StaticPolicy, ...]:
    """Every policy with a prevent plane, in spec order."""
    global _STATIC  # noqa: PLW0603 - built once per process
    if _STATIC is None:
        found = []
        for spec in specs():
            if spec.kinds:
                module = importlib.import_module(
                    f"guardrails_runtime.policies.{spec.module}.policy"
                )
                found.append(StaticPolicy(spec.id, spec.kinds, spec.rules, module.evaluate, spec))
        _STATIC = tuple(found)
    return _STATIC


def all_rules() -> list[RuleInfo]:
    """Every rule of the catalog, in catalog order."""
    return [rule for spec in specs() for rule in spec.rules]


def rule(rule_id: str) -> RuleInfo:
    """A rule by id; KeyError for an unknown id."""
    for candidate in all_rules():
        if candidate.id == rule_id:
            return candidate
    raise KeyError(rule_id)
