"""The one frozen settings object that builds a guardrail stack.

``app.py`` reads ``cdk.json`` context (and ``-c key=value`` overrides) into
:class:`GuardrailSettings` with :meth:`GuardrailSettings.from_context`; nothing else reads
context. Every key, its type and its default are listed in ``CONTEXT_KEYS`` and in the
README's configuration reference (a test keeps the two in sync).
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple, NoReturn

from guardrails_runtime import settings as rt
from guardrails_runtime.model import Mode
from guardrails_runtime.policies.sg_open_ingress.policy import DEFAULT_ALLOWED_PORTS
from guardrails_runtime.spec import policy_ids, spec

PREFIX = "guardrails:"
# Every policy of the catalog, from the policies' specs (one folder each).
POLICIES = policy_ids()
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
# Tag keys and values may hold letters, digits, spaces and + - = . _ : / @ (AWS tagging rules).
_TAG = re.compile(r"^[\w\s+\-=.:/@]+$")
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$"
)
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,40}$")
_STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
_HTTPS = re.compile(r"^https://[^\s/]+\S*$")
_NAMESPACE = re.compile(r"^[A-Za-z0-9.\-_/#:, ]{1,255}$")
_WORKSPACE_ID = re.compile(r"^T[A-Z0-9]{4,}$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{4,}$")


class ContextError(ValueError):
    """A setting is unusable; the one-line message names the field, the value and what is
    allowed. Raised for ``cdk.json`` / ``-c`` context and for Python arguments alike."""


class SlackChannel(NamedTuple):
    """An AWS Chatbot Slack channel: workspace (team) id ``T...`` and channel id ``C...``."""

    workspace_id: str
    channel_id: str


Check = Callable[[Any, str], Any]


@dataclass(frozen=True, slots=True)
class Option:
    """One setting, declared once: its Python field, context key, default, check and docs.

    ``check(value, label)`` returns the normalised value or raises :class:`ContextError`
    naming ``label``; it is strict (``"false"`` is not a boolean, ``"a@b.c"`` is not a
    list). ``from_context`` first turns ``-c key=text`` into JSON values (``decode``), then
    calls the same check, so the Python and the context paths share one validation.
    """

    field: str
    key: str
    default: Any
    kind: str
    check: Check
    doc: str
    # Context text -> JSON value (None: the generic JSON decoding of ``-c`` text).
    decode: Callable[[Any], Any] | None = None
    env: str = ""

    def from_context(self, value: Any) -> Any:
        if self.decode is not None:
            return self.decode(value)
        return _decode_text(value) if self.kind == "str" else _decode(value)

    @property
    def context_key(self) -> str:
        return PREFIX + self.key

    def label(self) -> str:
        return f"{self.context_key} ({self.field})"


def _sub(label: str, part: str) -> str:
    """``guardrails:key (field)`` -> ``guardrails:key<part> (field)``."""
    key, sep, rest = label.partition(" (")
    return f"{key}{part}{sep}{rest}"


def _fail(label: str, value: Any, allowed: str) -> NoReturn:
    raise ContextError(f"{label}: {_show(value)} {allowed}")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _text(
    pattern: re.Pattern[str] | None = None, allowed: str = "", *, empty: bool = False
) -> Check:
    def check(value: Any, label: str) -> str:
        if not isinstance(value, str):
            _fail(label, value, "is not text")
        text = value.strip()
        if not text and not empty:
            _fail(label, value, "is empty; expected non-empty text")
        if text and pattern is not None and not pattern.match(text):
            _fail(label, value, f"is not allowed: {allowed}")
        return text

    return check


def _bool(value: Any, label: str) -> bool:
    if not isinstance(value, bool):
        _fail(label, value, "is not a boolean (True or False; true or false in cdk.json)")
    return value


def _int(low: int, high: int | None = None, allowed: tuple[int, ...] = (), what: str = "") -> Check:
    def check(value: Any, label: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            _fail(label, value, "is not a whole number")
        if allowed and value not in allowed:
            _fail(label, value, f"is not {what} ({', '.join(map(str, allowed))})")
        if high is not None and not low <= value <= high:
            _fail(label, value, f"is not in {low}..{high}")
        if value < low:
            _fail(label, value, f"is below the minimum of {low}")
        return value

    return check


def _mode(value: Any, label: str) -> Mode:
    if isinstance(value, Mode):
        return value
    choices = ", ".join(m.value for m in Mode)
    if not isinstance(value, str):
        _fail(label, value, f"is not a mode ({choices})")
    try:
        return Mode(value.strip().lower())
    except ValueError:
        _fail(label, value, f"is not one of {choices}")


def _sequence(value: Any, label: str, what: str) -> list[Any]:
    """A list, tuple or set; text is refused (``"a,b"`` or ``"['a']"`` is not a list)."""
    if isinstance(value, str):
        _fail(label, value, f"is text; expected a list of {what}")
    if not isinstance(value, list | tuple | set | frozenset):
        _fail(label, value, f"is not a list of {what}")
    return sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)


def _policy(value: Any, label: str) -> str:
    if value not in POLICIES:
        _fail(label, value, f"is not a policy; known: {', '.join(POLICIES)}")
    return str(value)


def _policies(value: Any, label: str) -> tuple[str, ...]:
    items = [_policy(p, label) for p in _sequence(value, label, "policy ids")]
    duplicates = sorted({p for p in items if items.count(p) > 1})
    if duplicates:
        _fail(label, duplicates[0], "is listed twice")
    return tuple(items)


def _policy_modes(value: Any, label: str) -> Mapping[str, Mode]:
    if not isinstance(value, Mapping):
        _fail(label, value, 'is not a mapping of policy to mode ({"sg-open-ingress": "notify"})')
    return MappingProxyType(
        {_policy(p, label): _mode(m, _sub(label, f"[{p!r}]")) for p, m in sorted(value.items())}
    )


def _ports(value: Any, label: str) -> frozenset[int]:
    ports = set()
    for item in _sequence(value, label, "port numbers"):
        if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item <= 65535:
            _fail(label, item, "is not a port number (a whole number 0-65535)")
        ports.add(item)
    return frozenset(ports)


def _strings(pattern: re.Pattern[str], what: str, one: str) -> Check:
    def check(value: Any, label: str) -> tuple[str, ...]:
        items = []
        for item in _sequence(value, label, what):
            if not isinstance(item, str) or not pattern.match(item.strip()):
                _fail(label, item, f"is not {one}")
            items.append(item.strip())
        return tuple(items)

    return check


def _slack(value: Any, label: str) -> SlackChannel | None:
    """``{"workspaceId": "T..", "channelId": "C.."}`` (the cdk.json shape) or None."""
    if value is None or isinstance(value, SlackChannel):
        return value
    if not isinstance(value, Mapping):
        _fail(
            label,
            value,
            'is not a mapping {"workspaceId": "T...", "channelId": "C..."} '
            "(a bare pair is refused: its order is easy to swap)",
        )
    if not value:
        return None
    unknown = sorted(set(value) - {"workspaceId", "channelId"})
    if unknown:
        _fail(_sub(label, f".{unknown[0]}"), value[unknown[0]], "is an unknown field")
    ids = []
    for name, pattern, like in (
        ("workspaceId", _WORKSPACE_ID, "a Slack workspace id (like T07AB12CD)"),
        ("channelId", _CHANNEL_ID, "a Slack channel id (like C07XY34ZW)"),
    ):
        text = value.get(name, "")
        if not isinstance(text, str) or not pattern.match(text.strip()):
            _fail(_sub(label, f".{name}"), text, f"is not {like}")
        ids.append(text.strip())
    return SlackChannel(ids[0], ids[1])


def _decode(value: Any) -> Any:
    """``-c`` passes strings: decode JSON-looking text ('[1,2]', '{..}', 'true', '5')."""
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in "[{" or text in ("true", "false") or text.lstrip("-").isdigit():
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                return value
    return value


def _decode_text(value: Any) -> Any:
    """A text setting keeps ``-c`` text as it is; a JSON scalar becomes its text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _decode_list(value: Any) -> Any:
    """Context lists may also be ``a,b`` text or a single number (``-c key=443``)."""
    value = _decode(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value


def _decode_ports(value: Any) -> Any:
    value = _decode_list(value)
    if isinstance(value, list):
        return [int(v) if isinstance(v, str) and v.strip().isdigit() else v for v in value]
    return value


def _decode_text_list(value: Any) -> Any:
    value = _decode_list(value)
    if isinstance(value, list):
        return [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
    return value


# Every setting, in the order of the configuration reference.
OPTIONS: tuple[Option, ...] = (
    Option(
        "stack_name",
        "stackName",
        "Guardrails",
        "str",
        _text(_STACK_NAME, "a CloudFormation stack name (letters, digits, dashes)"),
        "CloudFormation stack name of GuardrailStack",
    ),
    Option(
        "mode",
        "mode",
        rt.DEFAULT_MODE,
        "Mode | str",
        _mode,
        "global mode: remediate | notify (dry-run) | off",
        env=rt.ENV_MODE,
    ),
    Option(
        "policy_modes",
        "policyModes",
        MappingProxyType({}),
        "Mapping[str, Mode | str]",
        _policy_modes,
        'per-policy modes, e.g. {"sg-open-ingress": "remediate"}',
        env=rt.ENV_POLICY_MODES,
    ),
    Option(
        "policies",
        "policies",
        POLICIES,
        "Sequence[str]",
        _policies,
        "policies to deploy (reactive and detective planes) and to check at synth",
        decode=_decode_list,
    ),
    Option(
        "allowed_public_ports",
        "allowedPublicPorts",
        DEFAULT_ALLOWED_PORTS,
        "Collection[int]",
        _ports,
        "ports that may be open to 0.0.0.0/0 and ::/0",
        decode=_decode_ports,
        env=rt.ENV_ALLOWED_PORTS,
    ),
    Option(
        "exemption_tag_key",
        "exemptionTagKey",
        rt.DEFAULT_EXEMPTION_KEY,
        "str",
        _text(_TAG, "a tag key (letters, digits, spaces, + - = . _ : / @)"),
        "tag key that exempts a resource",
        env=rt.ENV_EXEMPTION_KEY,
    ),
    Option(
        "exemption_tag_value",
        "exemptionTagValue",
        rt.DEFAULT_EXEMPTION_VALUE,
        "str",
        _text(_TAG, "a tag value (letters, digits, spaces, + - = . _ : / @)"),
        "tag value that exempts (case-insensitive)",
        env=rt.ENV_EXEMPTION_VALUE,
    ),
    Option(
        "notification_emails",
        "notificationEmails",
        (),
        "Sequence[str]",
        _strings(_EMAIL, "e-mail addresses", "an e-mail address"),
        "e-mail addresses subscribed to the findings topic",
        decode=_decode_text_list,
    ),
    Option(
        "exempt_accounts",
        "exemptAccounts",
        (),
        "Sequence[str]",
        _strings(re.compile(r"^\d{12}$"), "12-digit account ids", "a 12-digit account id"),
        "account ids exempt from account-level policies (ebs-encryption)",
        decode=_decode_text_list,
        env=rt.ENV_EXEMPT_ACCOUNTS,
    ),
    Option(
        "config_rules",
        "configRules",
        True,
        "bool",
        _bool,
        "deploy AWS Config rules (needs a configuration recorder)",
    ),
    Option(
        "require_kms",
        "requireKms",
        False,
        "bool",
        _bool,
        "s3-encryption: only SSE-KMS or DSSE-KMS pass",
        env=rt.ENV_REQUIRE_KMS,
    ),
    Option(
        "s3_kms_key_id",
        "s3KmsKeyId",
        "",
        "str",
        _text(re.compile(r"^\S+$"), "a KMS key id, ARN or alias without spaces", empty=True),
        "s3-encryption: KMS key restored when requireKms (empty: aws/s3 key)",
        env=rt.ENV_S3_KMS_KEY,
    ),
    Option(
        "resource_prefix",
        "resourcePrefix",
        "guardrails",
        "str",
        _text(_NAME, "letters, digits and dashes, starting with a letter, up to 41"),
        "prefix of the physical names (Lambda, rules, Config rules); unique per account and region",
    ),
    Option(
        "log_retention_days",
        "logRetentionDays",
        90,
        "int",
        _int(1, allowed=LOG_RETENTION_DAYS, what="a CloudWatch retention period"),
        "retention of the remediation Lambda's log group (a CloudWatch retention period)",
    ),
    Option(
        "reserved_concurrency",
        "reservedConcurrency",
        5,
        "int",
        _int(0),
        "reserved concurrency of the Lambda; 0 = unreserved",
    ),
    Option(
        "timeout_seconds",
        "timeoutSeconds",
        60,
        "int",
        _int(10, 900),
        "Lambda timeout in seconds (10-900)",
    ),
    Option(
        "ledger_ttl_days",
        "ledgerTtlDays",
        rt.DEFAULT_LEDGER_TTL_DAYS,
        "int",
        _int(1, 3650),
        "days a ledger entry is kept (1-3650)",
        env=rt.ENV_LEDGER_TTL_DAYS,
    ),
    Option(
        "flap_threshold",
        "flapThreshold",
        rt.DEFAULT_FLAP_THRESHOLD,
        "int",
        _int(1),
        "remediations of one resource within flapWindowMinutes that start a hold",
        env=rt.ENV_FLAP_THRESHOLD,
    ),
    Option(
        "flap_window_minutes",
        "flapWindowMinutes",
        rt.DEFAULT_FLAP_WINDOW_MINUTES,
        "int",
        _int(1),
        "flapping window in minutes",
        env=rt.ENV_FLAP_WINDOW,
    ),
    Option(
        "flap_cooldown_minutes",
        "flapCooldownMinutes",
        rt.DEFAULT_FLAP_COOLDOWN_MINUTES,
        "int",
        _int(1),
        "minutes a flapping (or undone) resource is only notified, not reverted",
        env=rt.ENV_FLAP_COOLDOWN,
    ),
    Option(
        "notification_https_urls",
        "notificationHttpsUrls",
        (),
        "Sequence[str]",
        _strings(_HTTPS, "https:// URLs", "an https:// URL"),
        "HTTPS endpoints subscribed to the topic (PagerDuty, webhooks)",
        decode=_decode_text_list,
    ),
    Option(
        "chatbot_slack",
        "chatbotSlack",
        None,
        "Mapping[str, str] | None",
        _slack,
        'AWS Chatbot Slack channel for the topic: {"workspaceId": "T..", "channelId": "C.."}',
    ),
    Option(
        "metrics_namespace",
        "metricsNamespace",
        "CdkGuardrails",
        "str",
        _text(_NAMESPACE, "a CloudWatch namespace (letters, digits and . - _ / # : , up to 255)"),
        "CloudWatch namespace of the per-policy metrics",
        env=rt.ENV_METRICS_NAMESPACE,
    ),
    Option(
        "alarms",
        "alarms",
        True,
        "bool",
        _bool,
        "alarms on Lambda errors, throttles and DLQ depth, to the topic",
    ),
    Option(
        "dashboard",
        "dashboard",
        False,
        "bool",
        _bool,
        "a CloudWatch dashboard of the guardrail metrics",
    ),
    Option(
        "self_protection",
        "selfProtection",
        True,
        "bool",
        _bool,
        "notify when the guardrail's own resources change outside CloudFormation",
    ),
)
OPTIONS_BY_FIELD = {o.field: o for o in OPTIONS}


def _context_default(option: Option) -> Any:
    """The default as cdk.json writes it (JSON values)."""
    value = option.default
    if isinstance(value, Mode):
        return value.value
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    if value is None:
        return {}
    return value


# context key (without the "guardrails:" prefix) -> (default as in cdk.json, description)
CONTEXT_KEYS: dict[str, tuple[Any, str]] = {o.key: (_context_default(o), o.doc) for o in OPTIONS}


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
    policies: tuple[str, ...] = POLICIES
    allowed_public_ports: frozenset[int] = DEFAULT_ALLOWED_PORTS
    exemption_tag_key: str = rt.DEFAULT_EXEMPTION_KEY
    exemption_tag_value: str = rt.DEFAULT_EXEMPTION_VALUE
    notification_emails: tuple[str, ...] = ()
    exempt_accounts: tuple[str, ...] = ()
    config_rules: bool = True
    require_kms: bool = False
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
            rt.ENV_EXEMPTION_KEY: self.exemption_tag_key,
            rt.ENV_EXEMPTION_VALUE: self.exemption_tag_value,
            rt.ENV_ALLOWED_PORTS: ",".join(str(p) for p in sorted(self.allowed_public_ports)),
            rt.ENV_EXEMPT_ACCOUNTS: ",".join(self.exempt_accounts),
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
        "guardrails.settings.ContextError: guardrails:mode (mode): 'remediat' is not one of "
        "remediate, notify, off",
    ]
    return "\n".join(lines)


GuardrailSettings.__doc__ = _docstring()
