"""One construct class per policy, generated from the policies' specs.

``SecurityGroupGuardrail``, ``S3EncryptionGuardrail``, ... are made here from each spec's
``construct`` name and ``construct_doc`` (and exported from :mod:`guardrails`), so a new
policy folder brings its construct with it. Every class is a :class:`PolicyGuardrail`:
the policy's EventBridge rule on its CloudTrail triggers, its Config rules and routes, on
the stack's shared :class:`~guardrails.core.GuardrailCore`.

Examples
--------
>>> from aws_cdk import App, Stack
>>> from guardrails.constructs import construct_for
>>> SecurityGroupGuardrail = construct_for("sg-open-ingress")
>>> guardrail = SecurityGroupGuardrail(Stack(App(), "App"), "NoOpenSsh")
"""

from __future__ import annotations

import types
from typing import Any

from guardrails.guardrail import PolicyGuardrail
from guardrails_runtime.remediations import by_policy
from guardrails_runtime.spec import PolicySpec, specs

_EXAMPLE = """
    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> from guardrails import {name}
    >>> guardrail = {name}(Stack(App(), "App"), "{name}")
    """


def _make(spec: PolicySpec) -> type[PolicyGuardrail]:
    remediation = by_policy(spec.id)
    if remediation is None:
        raise RuntimeError(f"policy {spec.id} has a construct but no fix in its spec")

    def body(namespace: dict[str, Any]) -> None:
        namespace["remediation"] = remediation
        namespace["__doc__"] = (
            spec.construct_doc.rstrip()
            + f"\n\n    Policy ``{spec.id}``; see ``docs/policies/{spec.id}.md``.\n"
            + _EXAMPLE.format(name=spec.construct)
        )
        namespace["__module__"] = __name__

    cls = types.new_class(spec.construct, (PolicyGuardrail,), exec_body=body)
    return cls


CONSTRUCTS: dict[str, type[PolicyGuardrail]] = {
    spec.id: _make(spec) for spec in specs() if spec.fix is not None and spec.construct
}
globals().update({cls.__name__: cls for cls in CONSTRUCTS.values()})
__all__ = ["CONSTRUCTS", "construct_for"]


def construct_for(policy: str) -> type[PolicyGuardrail]:
    """The construct class of a policy; KeyError for an unknown policy."""
    return CONSTRUCTS[policy]


def __getattr__(name: str) -> Any:
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
