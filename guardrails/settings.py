"""The one frozen settings object that builds a guardrail stack.

``app.py`` reads ``cdk.json`` context (and ``-c key=value`` overrides) into
:class:`GuardrailSettings` with :meth:`GuardrailSettings.from_context`; nothing else reads
context. Every key, its type and its default are listed in ``CONTEXT_KEYS`` and in the
README's configuration reference (a test keeps the two in sync).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from guardrails_runtime import settings as rt
from guardrails_runtime.model import Mode
from guardrails_runtime.policies.sg_open_ingress import DEFAULT_ALLOWED_PORTS

PREFIX = "guardrails:"
POLICIES = (
    "sg-open-ingress",
    "ebs-encryption",
    "s3-encryption",
    "s3-public-access",
    "cloudtrail-enabled",
)
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
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,40}$")
_HTTPS = re.compile(r"^https://[^\s/]+\S*$")
_NAMESPACE = re.compile(r"^[A-Za-z0-9.\-_/#:, ]{1,255}$")
_SLACK_ID = re.compile(r"^[A-Z0-9]{5,}$")

# key (without the "guardrails:" prefix) -> (default, one-line description)
CONTEXT_KEYS: dict[str, tuple[Any, str]] = {
    "stackName": ("Guardrails", "CloudFormation stack name of GuardrailStack"),
    "mode": ("notify", "global mode: remediate | notify (dry-run) | off"),
    "policyModes": ({}, 'per-policy modes, e.g. {"sg-open-ingress": "remediate"}'),
    "policies": (list(POLICIES), "policies to deploy (reactive and detective planes)"),
    "allowedPublicPorts": (
        sorted(DEFAULT_ALLOWED_PORTS),
        "ports that may be open to 0.0.0.0/0 and ::/0",
    ),
    "exemptionTagKey": (rt.DEFAULT_EXEMPTION_KEY, "tag key that exempts a resource"),
    "exemptionTagValue": (rt.DEFAULT_EXEMPTION_VALUE, "tag value that exempts (case-insensitive)"),
    "notificationEmails": ([], "e-mail addresses subscribed to the findings topic"),
    "configRules": (True, "deploy AWS Config rules (needs a configuration recorder)"),
    "requireKms": (False, "s3-encryption: only SSE-KMS or DSSE-KMS pass"),
    "s3KmsKeyId": ("", "s3-encryption: KMS key restored when requireKms (empty: aws/s3 key)"),
    "resourcePrefix": ("guardrails", "prefix of Config rule names"),
    "exemptAccounts": ([], "account ids exempt from account-level policies (ebs-encryption)"),
    "logRetentionDays": (90, "retention of the remediation Lambda's log group"),
    "reservedConcurrency": (5, "reserved concurrency of the Lambda; 0 = unreserved"),
    "timeoutSeconds": (60, "Lambda timeout in seconds (10-900)"),
    "ledgerTtlDays": (rt.DEFAULT_LEDGER_TTL_DAYS, "days a ledger entry is kept (1-3650)"),
    "flapThreshold": (
        rt.DEFAULT_FLAP_THRESHOLD,
        "remediations of one resource within flapWindowMinutes that start a hold",
    ),
    "flapWindowMinutes": (rt.DEFAULT_FLAP_WINDOW_MINUTES, "flapping window in minutes"),
    "flapCooldownMinutes": (
        rt.DEFAULT_FLAP_COOLDOWN_MINUTES,
        "minutes a flapping (or undone) resource is only notified, not reverted",
    ),
    "notificationHttpsUrls": ([], "HTTPS endpoints subscribed to the topic (PagerDuty, webhooks)"),
    "chatbotSlack": (
        {},
        'AWS Chatbot Slack channel for the topic: {"workspaceId": "T..", "channelId": "C.."}',
    ),
    "metricsNamespace": ("CdkGuardrails", "CloudWatch namespace of the per-policy metrics"),
    "alarms": (True, "alarms on Lambda errors, throttles and DLQ depth, to the topic"),
    "dashboard": (False, "a CloudWatch dashboard of the guardrail metrics"),
    "selfProtection": (True, "notify when the guardrail's own resources change outside CFN"),
}


@dataclass(frozen=True, slots=True)
class ConfigRuleSpec:
    """One AWS Config managed rule: its name, managed identifier, parameters and purpose."""

    name: str
    identifier: str
    parameters: Mapping[str, str]
    description: str
    # NON_COMPLIANT evaluations go to the remediation Lambda (False: detect only).
    route: bool = True


class ContextError(ValueError):
    """A context value is unusable; the message names the key and the value."""


@dataclass(frozen=True, slots=True)
class GuardrailSettings:
    """Everything that shapes a guardrail deployment. Immutable; build it once in app.py.

    Examples
    --------
    >>> GuardrailSettings(mode=Mode.REMEDIATE).mode_for("sg-open-ingress").value
    'remediate'
    """

    stack_name: str = "Guardrails"
    mode: Mode = rt.DEFAULT_MODE
    policy_modes: Mapping[str, Mode] = field(default_factory=dict)
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
    # (workspace id, channel id) of an AWS Chatbot Slack channel, or None.
    chatbot_slack: tuple[str, str] | None = None
    metrics_namespace: str = "CdkGuardrails"
    alarms: bool = True
    dashboard: bool = False
    self_protection: bool = True

    def __post_init__(self) -> None:
        for policy in (*self.policies, *self.policy_modes):
            if policy not in POLICIES:
                raise ContextError(f"unknown policy {policy!r}; known: {', '.join(POLICIES)}")
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            raise ContextError(
                f"{PREFIX}logRetentionDays: {self.log_retention_days} is not a CloudWatch "
                f"retention period ({', '.join(map(str, LOG_RETENTION_DAYS))})"
            )
        if not 10 <= self.timeout_seconds <= 900:
            raise ContextError(f"{PREFIX}timeoutSeconds: {self.timeout_seconds} is not in 10..900")
        if self.reserved_concurrency < 0:
            raise ContextError(f"{PREFIX}reservedConcurrency: {self.reserved_concurrency} < 0")
        if not _NAME.match(self.resource_prefix):
            raise ContextError(
                f"{PREFIX}resourcePrefix: {self.resource_prefix!r} must be "
                "letters, digits and dashes, starting with a letter"
            )
        for account in self.exempt_accounts:
            if not (account.isdigit() and len(account) == 12):
                raise ContextError(
                    f"{PREFIX}exemptAccounts: {account!r} is not a 12-digit account id"
                )
        if not 1 <= self.ledger_ttl_days <= 3650:
            raise ContextError(f"{PREFIX}ledgerTtlDays: {self.ledger_ttl_days} is not in 1..3650")
        for key, value in (
            ("flapThreshold", self.flap_threshold),
            ("flapWindowMinutes", self.flap_window_minutes),
            ("flapCooldownMinutes", self.flap_cooldown_minutes),
        ):
            if value < 1:
                raise ContextError(f"{PREFIX}{key}: {value} must be at least 1")
        for url in self.notification_https_urls:
            if not _HTTPS.match(url):
                raise ContextError(f"{PREFIX}notificationHttpsUrls: {url!r} is not an https:// URL")
        if not _NAMESPACE.match(self.metrics_namespace):
            raise ContextError(
                f"{PREFIX}metricsNamespace: {self.metrics_namespace!r} is not a CloudWatch "
                "namespace (letters, digits and . - _ / # : , up to 255)"
            )
        for email in self.notification_emails:
            if not _EMAIL.match(email):
                raise ContextError(
                    f"{PREFIX}notificationEmails: {email!r} is not an e-mail address"
                )

    def mode_for(self, policy: str) -> Mode:
        return self.policy_modes.get(policy, self.mode)

    def config_rule_specs(self, policy: str) -> list[ConfigRuleSpec]:
        """The AWS Config managed rules that detect ``policy``, named and parameterised.

        Empty when ``configRules`` is off or the policy is not enabled.
        """
        if not self.config_rules or policy not in self.policies:
            return []
        specs: list[ConfigRuleSpec] = []
        if policy == "sg-open-ingress":
            ports = ",".join(str(p) for p in sorted(self.allowed_public_ports))
            specs.append(
                ConfigRuleSpec(
                    f"{self.resource_prefix}-sg-open-ingress",
                    "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS",
                    {"authorizedTcpPorts": ports, "authorizedUdpPorts": ports} if ports else {},
                    "only the allowed public ports may be open to the internet",
                )
            )
            if 22 not in self.allowed_public_ports:
                specs.append(
                    ConfigRuleSpec(
                        f"{self.resource_prefix}-sg-open-ingress-ssh",
                        "INCOMING_SSH_DISABLED",
                        {},
                        "no SSH from the internet",
                    )
                )
        if policy == "s3-encryption":
            specs.append(
                ConfigRuleSpec(
                    f"{self.resource_prefix}-s3-encryption",
                    "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
                    {},
                    "buckets have default encryption",
                )
            )
        if policy == "s3-public-access":
            specs.append(
                ConfigRuleSpec(
                    f"{self.resource_prefix}-s3-public-access",
                    "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
                    {},
                    "buckets block public access",
                )
            )
        if policy == "cloudtrail-enabled":
            specs.append(
                ConfigRuleSpec(
                    f"{self.resource_prefix}-cloudtrail-enabled",
                    "CLOUD_TRAIL_ENABLED",
                    {},
                    "a trail is logging in this account (reported only)",
                    route=False,
                )
            )
            specs.append(
                ConfigRuleSpec(
                    f"{self.resource_prefix}-cloudtrail-log-file-validation",
                    "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED",
                    {},
                    "trails validate their log files (reported only)",
                    route=False,
                )
            )
        if policy == "ebs-encryption":
            specs.append(
                ConfigRuleSpec(
                    f"{self.resource_prefix}-ebs-encryption-by-default",
                    "EC2_EBS_ENCRYPTION_BY_DEFAULT",
                    {},
                    "EBS encryption by default is on",
                )
            )
            specs.append(
                ConfigRuleSpec(
                    f"{self.resource_prefix}-ebs-encrypted-volumes",
                    "ENCRYPTED_VOLUMES",
                    {},
                    "attached EBS volumes are encrypted (reported only: no in-place fix)",
                    route=False,
                )
            )
        return specs

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

        def get(key: str) -> Any:
            return context.get(PREFIX + key, CONTEXT_KEYS[key][0])

        raw_modes = _as_mapping(get("policyModes"), "policyModes")
        return cls(
            stack_name=_as_text(get("stackName"), "stackName"),
            mode=_mode(get("mode"), "mode"),
            policy_modes={str(p): _mode(m, f"policyModes.{p}") for p, m in raw_modes.items()},
            policies=tuple(str(p) for p in _as_list(get("policies"), "policies")),
            allowed_public_ports=_ports(get("allowedPublicPorts")),
            exemption_tag_key=_as_text(get("exemptionTagKey"), "exemptionTagKey"),
            exemption_tag_value=_as_text(get("exemptionTagValue"), "exemptionTagValue"),
            notification_emails=tuple(
                str(e) for e in _as_list(get("notificationEmails"), "notificationEmails")
            ),
            exempt_accounts=tuple(
                str(a) for a in _as_list(get("exemptAccounts"), "exemptAccounts")
            ),
            config_rules=_as_bool(get("configRules"), "configRules"),
            require_kms=_as_bool(get("requireKms"), "requireKms"),
            s3_kms_key_id=str(get("s3KmsKeyId") or "").strip(),
            resource_prefix=_as_text(get("resourcePrefix"), "resourcePrefix"),
            log_retention_days=_as_int(get("logRetentionDays"), "logRetentionDays"),
            reserved_concurrency=_as_int(get("reservedConcurrency"), "reservedConcurrency"),
            timeout_seconds=_as_int(get("timeoutSeconds"), "timeoutSeconds"),
            ledger_ttl_days=_as_int(get("ledgerTtlDays"), "ledgerTtlDays"),
            flap_threshold=_as_int(get("flapThreshold"), "flapThreshold"),
            flap_window_minutes=_as_int(get("flapWindowMinutes"), "flapWindowMinutes"),
            flap_cooldown_minutes=_as_int(get("flapCooldownMinutes"), "flapCooldownMinutes"),
            notification_https_urls=tuple(
                str(u) for u in _as_list(get("notificationHttpsUrls"), "notificationHttpsUrls")
            ),
            chatbot_slack=_slack(get("chatbotSlack")),
            metrics_namespace=_as_text(get("metricsNamespace"), "metricsNamespace"),
            alarms=_as_bool(get("alarms"), "alarms"),
            dashboard=_as_bool(get("dashboard"), "dashboard"),
            self_protection=_as_bool(get("selfProtection"), "selfProtection"),
        )


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


def _mode(value: Any, key: str) -> Mode:
    try:
        return rt.parse_mode(str(value), PREFIX + key)
    except rt.SettingsError as exc:
        raise ContextError(str(exc)) from exc


def _ports(value: Any) -> frozenset[int]:
    value = _decode(value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]  # `-c guardrails:allowedPublicPorts=443`
    try:
        return rt.parse_ports(value, PREFIX + "allowedPublicPorts")
    except rt.SettingsError as exc:
        raise ContextError(str(exc)) from exc


def _as_text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ContextError(f"{PREFIX}{key}: expected non-empty text, got {value!r}")
    return value.strip()


def _as_bool(value: Any, key: str) -> bool:
    value = _decode(value)
    if not isinstance(value, bool):
        raise ContextError(f"{PREFIX}{key}: expected true or false, got {value!r}")
    return value


def _as_int(value: Any, key: str) -> int:
    value = _decode(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ContextError(f"{PREFIX}{key}: expected a whole number, got {value!r}")
    return value


def _as_list(value: Any, key: str) -> list[Any]:
    value = _decode(value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = [str(value)]  # `-c guardrails:exemptAccounts=210987654321`
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list):
        raise ContextError(f"{PREFIX}{key}: expected a list, got {value!r}")
    return value


def _slack(value: Any) -> tuple[str, str] | None:
    """``{"workspaceId": "T..", "channelId": "C.."}`` -> (workspace, channel); ``{}`` -> None."""
    raw = _as_mapping(value, "chatbotSlack")
    if not raw:
        return None
    unknown = sorted(set(raw) - {"workspaceId", "channelId"})
    if unknown:
        raise ContextError(f"{PREFIX}chatbotSlack: unknown field {unknown[0]!r}")
    ids = []
    for field_name in ("workspaceId", "channelId"):
        text = str(raw.get(field_name) or "").strip()
        if not _SLACK_ID.match(text):
            raise ContextError(
                f"{PREFIX}chatbotSlack.{field_name}: {text!r} is not a Slack id (like T07AB12CD)"
            )
        ids.append(text)
    return ids[0], ids[1]


def _as_mapping(value: Any, key: str) -> Mapping[str, Any]:
    value = _decode(value)
    if not isinstance(value, Mapping):
        raise ContextError(f"{PREFIX}{key}: expected an object, got {value!r}")
    return value
