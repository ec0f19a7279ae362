"""cdk-guardrails: CDK constructs that prevent, detect and revert insecure AWS changes.

The CDK classes are imported lazily so that ``guardrails`` CLI commands that do not
synthesize (``replay``) start without loading aws_cdk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "GuardrailChecks": "guardrails.checks",
    "acknowledge": "guardrails.checks",
    "GuardrailCore": "guardrails.core",
    "GuardrailSettings": "guardrails.settings",
    "GuardrailStack": "guardrails.stack",
    "GuardrailHubStack": "guardrails.organization",
    "GuardrailMemberStack": "guardrails.organization",
    "MemberRollout": "guardrails.organization",
    "Mode": "guardrails_runtime.model",
}


def _construct_names() -> list[str]:
    from guardrails_runtime.spec import specs

    return [s.construct for s in specs() if s.fix is not None and s.construct]


def __getattr__(name: str) -> Any:
    """The CDK classes, imported on first use; one construct class per policy spec."""
    import importlib

    if name == "__all__":  # `from guardrails import *`
        return sorted([*_LAZY, *_construct_names()])
    module = _LAZY.get(name)
    if module is not None:
        return getattr(importlib.import_module(module), name)
    if name in _construct_names():
        return getattr(importlib.import_module("guardrails.constructs"), name)
    raise AttributeError(f"module 'guardrails' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY, *_construct_names()])


if TYPE_CHECKING:
    from guardrails.checks import GuardrailChecks as GuardrailChecks
    from guardrails.checks import acknowledge as acknowledge
    from guardrails.core import GuardrailCore as GuardrailCore
    from guardrails.organization import GuardrailHubStack as GuardrailHubStack
    from guardrails.organization import GuardrailMemberStack as GuardrailMemberStack
    from guardrails.organization import MemberRollout as MemberRollout
    from guardrails.settings import GuardrailSettings as GuardrailSettings
    from guardrails.stack import GuardrailStack as GuardrailStack
    from guardrails_runtime.model import Mode as Mode
