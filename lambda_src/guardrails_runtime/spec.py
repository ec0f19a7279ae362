"""A policy declares itself: one :class:`PolicySpec` per policy folder, and the tables of
every plane are derived from the specs (never kept by hand beside them).

Each policy lives in ``guardrails_runtime/policies/<module>/`` (``<module>`` is the policy
id with ``_`` for ``-``):

* ``spec.py``: ``SPEC``, the data below (rules, options, resource types, triggers, Config
  rules, IAM actions of the fix, undo operations, construct name and docs). It imports
  nothing but this module and :mod:`guardrails_runtime.model`, so the handler can read
  every spec on a cold start without importing any policy's logic;
* ``policy.py``: the pure logic, ``evaluate(facts, options) -> violations`` over the typed
  facts of the resource adapters (:mod:`guardrails_runtime.adapters`), called by every
  plane: templates, plans and the live resource a fix read;
* ``fix.py``: the reactive plane (a :class:`~guardrails_runtime.remediations.base.Remediation`
  subclass named in ``SPEC.fix``), imported only for an event the policy handles;
* ``emulate.py`` (optional): the replay emulator's hook, left out of the Lambda asset.

:func:`specs` discovers the folders; adding a policy is adding a folder.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from guardrails_runtime.model import RuleInfo


class IamGrant(NamedTuple):
    """IAM actions a fix needs, on a resource ARN pattern.

    ``resource`` may contain ``{partition}``, ``{region}`` and ``{account}``, filled in by
    the CDK side with the stack's values; ``*`` where the API has no resource-level
    permissions.
    """

    actions: tuple[str, ...]
    resource: str
    why: str


class Trigger(NamedTuple):
    """CloudTrail calls that reach the policy's fix.

    ``ignored`` are calls the EventBridge rule also matches (or that share the event
    source) but that the policy deliberately leaves alone, each with the reason.
    """

    event_source: str
    event_names: tuple[str, ...]
    ignored: Mapping[str, str] = {}
    # Where the call's tag keys are (dotted path in the CloudTrail record): set, the
    # EventBridge rule passes only calls that name the exemption tag key (any case), so
    # ordinary tagging never reaches the Lambda.
    tag_keys: str = ""
    # The events belong to another policy too (it "owns" them: its hook prepares them in
    # the emulator, its outcome is the event's first). Each deployed policy that lists an
    # event judges it; the ledger keys a sharer's entry ``<event id>#<policy>``.
    shared: bool = False


class ConfigRule(NamedTuple):
    """An AWS Config managed rule that detects the policy.

    The deployed rule is named ``<resourcePrefix>-<suffix>``. ``scope`` lists the
    CloudFormation resource types it evaluates (empty: an account-level rule). ``route``
    sends its NON_COMPLIANT evaluations to the fix. ``parameters`` and ``enabled`` read
    the stack's settings (any object with the settings' attributes).
    """

    identifier: str
    suffix: str
    description: str
    scope: tuple[str, ...] = ()
    route: bool = True
    parameters: Callable[[Any], dict[str, str]] | None = None
    enabled: Callable[[Any], bool] | None = None


class Undo(NamedTuple):
    """One call ``guardrails undo`` may make for a ledger entry of the policy.

    ``target`` is the parameter that names the resource the call acts on (account-level
    calls name none): a call whose target names another resource than the entry's change
    is refused. A call that *replaces* state names ``read``, a read-only operation of the
    same service (called with the same ``target``), and ``path``, the dotted key of the
    state in its response: when that state is no longer what the fix left (the change's
    ``detail["after"]``), the resource changed since the entry and the undo is refused
    unless forced. ``merge`` (a dotted key of the undo's parameters) makes the undo put back
    only what the fix removed (``detail["removed"]``) beside the live value, instead of
    the whole old state.
    """

    service: str
    operation: str
    target: str = ""
    read: str = ""
    path: str = ""
    merge: str = ""


class Fix(NamedTuple):
    """The reactive plane: the class in ``fix.py``, its IAM needs and its undo calls
    (:class:`Undo`)."""

    cls: str
    iam: tuple[IamGrant, ...]
    undo: tuple[Undo, ...] = ()
    config_resource_types: tuple[str, ...] = ()
    # The tagging service (ec2, s3, cloudtrail, rds) whose exemption tag exempts this
    # fix's resources: a withdrawn exemption there schedules a re-check by this policy.
    tagged: str = ""
    # A fix that acts only where the policy's own mode says remediate (``policyModes``):
    # under a global ``remediate`` it notifies, because its change can break a working
    # integration (a topic's cross-account publishers).
    opt_in: bool = False


class PolicySpec(NamedTuple):
    """Everything about one policy that is data rather than logic."""

    id: str
    title: str
    summary: str
    rules: tuple[RuleInfo, ...]
    # Settings fields (``GuardrailSettings``) the policy reads besides mode and exemption.
    options: tuple[str, ...]
    # Static plane: what the policy judges in templates and plans (``Subject.kind``),
    # and the CloudFormation and Terraform types those subjects come from.
    kinds: tuple[str, ...]
    cloudformation_types: tuple[str, ...]
    terraform_types: tuple[str, ...]
    triggers: tuple[Trigger, ...]
    config_rules: tuple[ConfigRule, ...]
    fix: Fix | None
    # CDK construct class exported from ``guardrails`` and its docstring.
    construct: str
    construct_doc: str
    # Extra documentation for the policy's page (markdown).
    docs: str = ""

    @property
    def module(self) -> str:
        """The folder's module name: ``sg-open-ingress`` -> ``sg_open_ingress``."""
        return self.id.replace("-", "_")

    @property
    def planes(self) -> list[str]:
        planes = ["prevent"] if self.kinds else []
        if self.config_rules:
            planes.append("detect")
        if self.fix is not None and self.triggers:
            planes.append("react")
        return planes


_SPECS: tuple[PolicySpec, ...] | None = None


def specs() -> tuple[PolicySpec, ...]:
    """Every policy's spec, discovered from the ``policies`` folders, sorted by id."""
    global _SPECS  # noqa: PLW0603 - discovered once per process
    if _SPECS is None:
        from guardrails_runtime import policies

        found = []
        # pkgutil lists the folders in a directory and in the Lambda asset's archive alike.
        for entry in pkgutil.iter_modules(policies.__path__):
            name = f"{policies.__name__}.{entry.name}"
            if not entry.ispkg or importlib.util.find_spec(f"{name}.spec") is None:
                continue
            spec: PolicySpec = importlib.import_module(f"{name}.spec").SPEC
            if spec.module != entry.name:
                raise RuntimeError(f"policies/{entry.name}: SPEC.id is {spec.id!r}")
            found.append(spec)
        _SPECS = tuple(sorted(found, key=lambda s: s.id))
    return _SPECS


def spec(policy: str) -> PolicySpec:
    """One policy's spec; KeyError for an unknown id."""
    for candidate in specs():
        if candidate.id == policy:
            return candidate
    raise KeyError(policy)


def policy_ids() -> tuple[str, ...]:
    return tuple(s.id for s in specs())
