"""The one frozen settings object that builds a guardrail stack.

``app.py`` reads ``cdk.json`` context (and ``-c key=value`` overrides) into
:class:`GuardrailSettings` with :meth:`GuardrailSettings.from_context`; nothing else reads
context. Every key, its type and its default are listed in ``CONTEXT_KEYS`` and in the
README's configuration reference (a test keeps the two in sync).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from guardrails_runtime import settings as rt
from guardrails_runtime.model import Mode
from guardrails_runtime.options import (
    CONTEXT_KEYS,
    LOG_RETENTION_DAYS,
    OPTIONS,
    OPTIONS_BY_FIELD,
    POLICIES,
    PREFIX,
    Option,
    Organization,
    SlackChannel,
)
from guardrails_runtime.settings import SettingsError

__all__ = [
    "CONTEXT_KEYS",
    "LOG_RETENTION_DAYS",
    "OPTIONS",
    "OPTIONS_BY_FIELD",
    "POLICIES",
    "PREFIX",
    "ConfigRuleSpec",
    "ContextError",
    "GuardrailSettings",
    "Option",
    "Organization",
    "SettingsError",
    "SlackChannel",
]
from guardrails_runtime.model import DEFAULT_ALLOWED_PORTS
from guardrails_runtime.spec import spec

# The error class of every settings check (one class for context, Python and Lambda).
ContextError = SettingsError


@dataclass(frozen=True, slots=True)
class ConfigRuleSpec:
    """One AWS Config managed rule: its name, managed identifier, parameters and purpose."""

    name: str
    identifier: str
    parameters: Mapping[str, str]
    description: str
    # NON_COMPLIANT evaluations go to the remediation Lambda (False: detect only).
    route: bool = True
    # CloudFormation types the rule evaluates (empty: an account-level rule).
    scope: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GuardrailSettings:
    # The docstring is generated from OPTIONS (see below), so it lists every parameter.

    stack_name: str = "Guardrails"
    mode: Mode = rt.DEFAULT_MODE
    policy_modes: Mapping[str, Mode] = field(default_factory=lambda: MappingProxyType({}))
    organization_modes: Mapping[str, Mode] = field(default_factory=lambda: MappingProxyType({}))
    organization: Organization | None = None
    policies: tuple[str, ...] = POLICIES
    allowed_public_ports: frozenset[int] = DEFAULT_ALLOWED_PORTS
    exemption_tag_key: str = rt.DEFAULT_EXEMPTION_KEY
    exemption_tag_value: str = rt.DEFAULT_EXEMPTION_VALUE
    notification_emails: tuple[str, ...] = ()
    exempt_accounts: tuple[str, ...] = ()
    exemption_approvers: tuple[str, ...] = ()
    config_rules: bool = True
    require_kms: bool = False
    ebs_encrypted_by_default: bool = False
    s3_kms_key_id: str = ""
    resource_prefix: str = "guardrails"
    log_retention_days: int = 90
    reserved_concurrency: int = 5
    timeout_seconds: int = 60
    ledger_ttl_days: int = rt.DEFAULT_LEDGER_TTL_DAYS
    flap_threshold: int = rt.DEFAULT_FLAP_THRESHOLD
    flap_window_minutes: int = rt.DEFAULT_FLAP_WINDOW_MINUTES
    flap_cooldown_minutes: int = rt.DEFAULT_FLAP_COOLDOWN_MINUTES
    notification_https_urls: tuple[str, ...] = ()
    chatbot_slack: SlackChannel | None = None
    metrics_namespace: str = "CdkGuardrails"
    alarms: bool = True
    dashboard: bool = False
    self_protection: bool = True

    def __post_init__(self) -> None:
        # One validation for both paths: each value is checked and normalised by its
        # option (modes from text, lists to tuples, ports to a frozenset, ...).
        for option in OPTIONS:
            value = option.check(getattr(self, option.field), option.label())
            object.__setattr__(self, option.field, value)

    def differences(self, other: GuardrailSettings) -> list[str]:
        """The fields whose values differ between two settings, in declaration order."""
        return [
            o.field
            for o in OPTIONS
            if getattr(self, o.field, None) != getattr(other, o.field, None)
        ]

    @classmethod
    def require(cls, value: object, where: str) -> GuardrailSettings:
        """``value`` when it is a GuardrailSettings, else one-line :class:`ContextError`."""
        if not isinstance(value, cls):
            raise ContextError(
                f"{where}: {type(value).__name__} is not a GuardrailSettings "
                "(build one: GuardrailSettings(mode=..., ...))"
            )
        return value

    def mode_for(self, policy: str) -> Mode:
        return self.policy_modes.get(policy, self.mode)

    def config_rule_specs(self, policy: str) -> list[ConfigRuleSpec]:
        """The AWS Config managed rules that detect ``policy``, named and parameterised
        from the policy's spec.

        Empty when ``configRules`` is off or the policy is not enabled.
        """
        if not self.config_rules or policy not in self.policies:
            return []
        return [
            ConfigRuleSpec(
                f"{self.resource_prefix}-{rule.suffix}",
                rule.identifier,
                rule.parameters(self) if rule.parameters else {},
                rule.description,
                rule.route,
                rule.scope,
            )
            for rule in spec(policy).config_rules
            if rule.enabled is None or rule.enabled(self)
        ]

    def config_rule_policies(self) -> dict[str, str]:
        """Config rule name -> policy for the rules routed to the Lambda."""
        return {
            spec.name: p for p in self.policies for spec in self.config_rule_specs(p) if spec.route
        }

    def runtime_environment(self) -> dict[str, str]:
        """The Lambda environment variables read by ``guardrails_runtime.settings``."""
        return {
            rt.ENV_MODE: self.mode.value,
            rt.ENV_POLICY_MODES: json.dumps(
                {p: m.value for p, m in sorted(self.policy_modes.items())}, separators=(",", ":")
            ),
            rt.ENV_ORGANIZATION_MODES: json.dumps(
                {r: m.value for r, m in sorted(self.organization_modes.items())},
                separators=(",", ":"),
            ),
            rt.ENV_EXEMPTION_KEY: self.exemption_tag_key,
            rt.ENV_EXEMPTION_VALUE: self.exemption_tag_value,
            rt.ENV_ALLOWED_PORTS: ",".join(str(p) for p in sorted(self.allowed_public_ports)),
            rt.ENV_EXEMPT_ACCOUNTS: ",".join(self.exempt_accounts),
            rt.ENV_EXEMPTION_APPROVERS: ",".join(self.exemption_approvers),
            rt.ENV_REQUIRE_KMS: "true" if self.require_kms else "false",
            rt.ENV_S3_KMS_KEY: self.s3_kms_key_id,
            rt.ENV_CONFIG_RULES: json.dumps(
                dict(sorted(self.config_rule_policies().items())), separators=(",", ":")
            ),
            rt.ENV_LEDGER_TTL_DAYS: str(self.ledger_ttl_days),
            rt.ENV_FLAP_THRESHOLD: str(self.flap_threshold),
            rt.ENV_FLAP_WINDOW: str(self.flap_window_minutes),
            rt.ENV_FLAP_COOLDOWN: str(self.flap_cooldown_minutes),
            rt.ENV_METRICS_NAMESPACE: self.metrics_namespace,
        }

    @classmethod
    def from_context(cls, context: Mapping[str, Any]) -> GuardrailSettings:
        """Build settings from CDK context (values may be JSON text, as ``-c`` passes them).

        Unknown ``guardrails:`` keys are an error, so a typo never silently falls back to
        a default.
        """
        unknown = sorted(
            k for k in context if k.startswith(PREFIX) and k[len(PREFIX) :] not in CONTEXT_KEYS
        )
        if unknown:
            raise ContextError(
                f"unknown context key {unknown[0]!r}; known keys: "
                + ", ".join(PREFIX + k for k in CONTEXT_KEYS)
            )
        values = {
            o.field: o.from_context(context[o.context_key])
            if o.context_key in context
            else o.default
            for o in OPTIONS
        }
        return cls(**values)


def _docstring() -> str:
    """The class docstring: every parameter with its type, default and context key."""
    lines = [
        "Everything that shapes a guardrail deployment. Immutable; build it once.",
        "",
        "Every value is checked when the object is built; a bad one raises",
        ":class:`ContextError` with one line naming the field, the value and what is",
        "allowed. ``from_context`` reads the same fields from ``cdk.json`` / ``-c`` context",
        "(the key is given for each parameter below) and checks them the same way.",
        "",
        "Parameters",
        "----------",
    ]
    for o in OPTIONS:
        default = o.default.value if isinstance(o.default, Mode) else o.default
        if isinstance(default, frozenset):
            default = sorted(default)
        if isinstance(default, MappingProxyType):
            default = dict(default)
        lines.append(f"{o.field} : {o.kind}, default {default!r}")
        env = f"; Lambda environment ``{o.env}``" if o.env else ""
        text = f"{o.doc[0].upper()}{o.doc[1:]}. Context key ``{o.context_key}``{env}."
        lines += textwrap.wrap(text, width=88, initial_indent="    ", subsequent_indent="    ")
    lines += [
        "",
        "Examples",
        "--------",
        '>>> GuardrailSettings(mode="remediate").mode_for("sg-open-ingress").value',
        "'remediate'",
        '>>> GuardrailSettings(mode="remediat")',
        "Traceback (most recent call last):",
        "...",
        "guardrails_runtime.settings.SettingsError: guardrails:mode (mode): 'remediat' is not "
        "one of remediate, notify, off",
    ]
    return "\n".join(lines)


GuardrailSettings.__doc__ = _docstring()
