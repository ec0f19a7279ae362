"""The static plane's registry, derived from the policies' specs.

``static_policies()`` lists, for each policy that judges templates and plans, its spec and
its pure ``evaluate(facts, options)`` (imported on first use, so the Lambda never loads it
for an event it does not need).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection
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
                evaluate = _Lazy(f"guardrails_runtime.policies.{spec.module}.policy")
                found.append(StaticPolicy(spec.id, spec.kinds, spec.rules, evaluate, spec))
        _STATIC = tuple(found)
    return _STATIC


class _Lazy:
    """A policy's ``evaluate``, its module imported when a subject of its kind first needs
    it (a template of buckets never imports the security-group logic), or by
    :func:`load`."""

    __slots__ = ("loaded", "module")

    def __init__(self, module: str) -> None:
        self.module = module
        self.loaded: Callable[[Any, PolicyOptions], list[Violation]] | None = None

    def load(self) -> Callable[[Any, PolicyOptions], list[Violation]]:
        if self.loaded is None:
            self.loaded = importlib.import_module(self.module).evaluate
        return self.loaded

    def __call__(self, facts: Any, options: PolicyOptions) -> list[Violation]:
        return (self.loaded or self.load())(facts, options)


def load(policies: Collection[str] | None = None) -> None:
    """Import now every static policy (of ``policies``, when given) and the template
    adapters of its CloudFormation types: what a synth-time check would import on its
    first resources. ``GuardrailChecks`` calls it when it is built."""
    from guardrails_runtime.adapters import templates

    for policy in static_policies():
        if policies is None or policy.POLICY in policies:
            if isinstance(policy.evaluate, _Lazy):
                policy.evaluate.load()
            for resource_type in policy.spec.cloudformation_types:
                templates.for_cloudformation(resource_type)


def all_rules() -> list[RuleInfo]:
    """Every rule of the catalog, in catalog order."""
    return [rule for spec in specs() for rule in spec.rules]


def rule(rule_id: str) -> RuleInfo:
    """A rule by id; KeyError for an unknown id."""
    for candidate in all_rules():
        if candidate.id == rule_id:
            return candidate
    raise KeyError(rule_id)
