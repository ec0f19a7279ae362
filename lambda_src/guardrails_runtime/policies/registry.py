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
                evaluate = _imported_on_first_call(
                    f"guardrails_runtime.policies.{spec.module}.policy"
                )
                found.append(StaticPolicy(spec.id, spec.kinds, spec.rules, evaluate, spec))
        _STATIC = tuple(found)
    return _STATIC


def _imported_on_first_call(module: str) -> Callable[[Any, PolicyOptions], list[Violation]]:
    """A policy's ``evaluate``, its module imported when a subject of its kind first needs
    it (a template of buckets never imports the security-group logic)."""
    loaded: list[Callable[[Any, PolicyOptions], list[Violation]]] = []

    def evaluate(facts: Any, options: PolicyOptions) -> list[Violation]:
        if not loaded:
            loaded.append(importlib.import_module(module).evaluate)
        return loaded[0](facts, options)

    return evaluate


def all_rules() -> list[RuleInfo]:
    """Every rule of the catalog, in catalog order."""
    return [rule for spec in specs() for rule in spec.rules]


def rule(rule_id: str) -> RuleInfo:
    """A rule by id; KeyError for an unknown id."""
    for candidate in all_rules():
        if candidate.id == rule_id:
            return candidate
    raise KeyError(rule_id)
