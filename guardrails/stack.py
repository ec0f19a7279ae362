"""``GuardrailStack``: every enabled guardrail, deployable as one stack."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from guardrails.constructs import CONSTRUCTS
from guardrails.core import GuardrailCore
from guardrails.settings import OPTIONS_BY_FIELD, ContextError, GuardrailSettings
from guardrails_runtime.spec import spec


class GuardrailStack(Stack):
    """The deployable stack: every enabled guardrail, built from one :class:`GuardrailSettings`.

    Parameters
    ----------
    scope:
        The app (or a Stage) the stack belongs to.
    construct_id:
        The construct id; also the stack's id for ``cdk deploy``.
    settings:
        Everything the guardrails do (modes, policies, ports, notifications, names); see
        ``help(GuardrailSettings)`` for every field and its ``cdk.json`` context key.
        ``settings.stack_name`` is the CloudFormation stack name.
    **kwargs:
        Other ``aws_cdk.Stack`` arguments (``env``, ``tags``, ``synthesizer``, ...).
        ``stack_name`` may be given when it equals ``settings.stack_name`` or when that
        is left at its default, ``"Guardrails"``; two different names are an error.

    Raises
    ------
    ContextError
        ``settings`` is not a GuardrailSettings, or two stack names disagree.

    Examples
    --------
    >>> from aws_cdk import App
    >>> stack = GuardrailStack(App(), "Guardrails", settings=GuardrailSettings())
    >>> stack.stack_name
    'Guardrails'
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: GuardrailSettings, **kwargs: Any
    ) -> None:
        GuardrailSettings.require(settings, f"GuardrailStack({construct_id!r}, settings=...)")
        default_name = OPTIONS_BY_FIELD["stack_name"].default
        stack_name = kwargs.pop("stack_name", None)
        if stack_name is not None and settings.stack_name not in (stack_name, default_name):
            raise ContextError(
                f"GuardrailStack({construct_id!r}): stack_name={stack_name!r} differs from "
                f"settings.stack_name={settings.stack_name!r} (guardrails:stackName); give one"
            )
        super().__init__(
            scope,
            construct_id,
            description="cdk-guardrails: prevent, detect and revert insecure AWS changes",
            stack_name=stack_name or settings.stack_name,
            **kwargs,
        )
        self.settings = settings
        self.core = GuardrailCore.of(self, settings)
        # Policies that share an event with its owner come last, so the owner's rule
        # routes it (each event is routed once; the Lambda hands it to every policy).
        self.guardrails = {
            policy: CONSTRUCTS[policy](self, _construct_id(policy), settings=settings)
            for policy in sorted(settings.policies, key=_shares)
        }


def _shares(policy: str) -> bool:
    return any(t.shared for t in spec(policy).triggers)


def _construct_id(policy: str) -> str:
    return "".join(part.capitalize() for part in policy.split("-"))
