"""Runtime settings, read once from the Lambda's environment variables.

The CDK side writes these variables from the same settings object that builds the stack
(see ``guardrails.settings.GuardrailSettings.runtime_environment``); the names here are
the contract between the two halves.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from guardrails_runtime.model import Mode
from guardrails_runtime.policies.sg_open_ingress.policy import DEFAULT_ALLOWED_PORTS

ENV_MODE = "GUARDRAILS_MODE"
ENV_POLICY_MODES = "GUARDRAILS_POLICY_MODES"
ENV_EXEMPTION_KEY = "GUARDRAILS_EXEMPTION_TAG_KEY"
ENV_EXEMPTION_VALUE = "GUARDRAILS_EXEMPTION_TAG_VALUE"
ENV_ALLOWED_PORTS = "GUARDRAILS_ALLOWED_PUBLIC_PORTS"
ENV_TOPIC_ARN = "GUARDRAILS_TOPIC_ARN"
ENV_ROLE_ARN = "GUARDRAILS_REMEDIATOR_ROLE_ARN"
ENV_CONFIG_RULES = "GUARDRAILS_CONFIG_RULES"
ENV_EXEMPT_ACCOUNTS = "GUARDRAILS_EXEMPT_ACCOUNTS"
ENV_REQUIRE_KMS = "GUARDRAILS_REQUIRE_KMS"
ENV_S3_KMS_KEY = "GUARDRAILS_S3_KMS_KEY"
ENV_LEDGER_TABLE = "GUARDRAILS_LEDGER_TABLE"
ENV_LEDGER_REGION = "GUARDRAILS_LEDGER_REGION"
ENV_LEDGER_TTL_DAYS = "GUARDRAILS_LEDGER_TTL_DAYS"
ENV_FLAP_THRESHOLD = "GUARDRAILS_FLAP_THRESHOLD"
ENV_FLAP_WINDOW = "GUARDRAILS_FLAP_WINDOW_MINUTES"
ENV_FLAP_COOLDOWN = "GUARDRAILS_FLAP_COOLDOWN_MINUTES"
ENV_METRICS_NAMESPACE = "GUARDRAILS_METRICS_NAMESPACE"

DEFAULT_MODE = Mode.NOTIFY
DEFAULT_EXEMPTION_KEY = "SecurityExemption"
DEFAULT_EXEMPTION_VALUE = "true"
DEFAULT_LEDGER_TTL_DAYS = 400
# Flapping: the same resource remediated THRESHOLD times within WINDOW minutes is only
# notified (not reverted) for COOLDOWN minutes, with one escalation.
DEFAULT_FLAP_THRESHOLD = 3
DEFAULT_FLAP_WINDOW_MINUTES = 60
DEFAULT_FLAP_COOLDOWN_MINUTES = 60


class SettingsError(ValueError):
    """A setting has a value the guardrails cannot use; the message names it."""


def parse_mode(value: str, where: str) -> Mode:
    """``remediate`` | ``notify`` | ``off`` (case-insensitive), or a :class:`SettingsError`."""
    try:
        return Mode(value.strip().lower())
    except ValueError as exc:
        choices = ", ".join(m.value for m in Mode)
        raise SettingsError(f"{where}: mode must be one of {choices}, got {value!r}") from exc


def parse_ports(value: object, where: str) -> frozenset[int]:
    """Ports from ``"80,443"`` or ``[80, 443]``; each must be 0..65535."""
    raw = value.split(",") if isinstance(value, str) else value
    if not isinstance(raw, list | tuple | set | frozenset):
        raise SettingsError(f"{where}: expected a list of ports, got {value!r}")
    ports: set[int] = set()
    for item in raw:
        text = str(item).strip()
        if not text:
            continue
        if not text.isdigit() or not 0 <= int(text) <= 65535:
            raise SettingsError(f"{where}: {item!r} is not a port number (0-65535)")
        ports.add(int(text))
    return frozenset(ports)


@dataclass(frozen=True)
class RuntimeSettings:
    """What the handler needs to decide and act; immutable for the life of a container."""

    mode: Mode = DEFAULT_MODE
    policy_modes: Mapping[str, Mode] = field(default_factory=dict)
    exemption_tag_key: str = DEFAULT_EXEMPTION_KEY
    exemption_tag_value: str = DEFAULT_EXEMPTION_VALUE
    allowed_public_ports: frozenset[int] = DEFAULT_ALLOWED_PORTS
    topic_arn: str | None = None
    remediator_role_arn: str | None = None
    config_rules: Mapping[str, str] = field(default_factory=dict)
    # Account-level settings carry no tags: these accounts are exempt by configuration.
    exempt_accounts: frozenset[str] = frozenset()
    # s3-encryption: only SSE-KMS passes, and the key restored (None: the AWS managed key).
    require_kms: bool = False
    s3_kms_key: str | None = None
    # Remediation ledger (DynamoDB table name; None: no ledger, no dedup, no flapping hold).
    ledger_table: str | None = None
    # The table's region (None: the session's, i.e. the Lambda's own AWS_REGION).
    ledger_region: str | None = None
    ledger_ttl_days: int = DEFAULT_LEDGER_TTL_DAYS
    flap_threshold: int = DEFAULT_FLAP_THRESHOLD
    flap_window_minutes: int = DEFAULT_FLAP_WINDOW_MINUTES
    flap_cooldown_minutes: int = DEFAULT_FLAP_COOLDOWN_MINUTES
    # CloudWatch namespace of the embedded-metric-format lines (None: no metrics written).
    metrics_namespace: str | None = None

    def mode_for(self, policy: str) -> Mode:
        """The per-policy mode where one is set, else the global mode."""
        return self.policy_modes.get(policy, self.mode)

    def is_exempt(self, tags: object) -> bool:
        """True when the tags carry the exemption tag (key and value case-insensitive).

        Accepts the EC2 shape ``[{"Key": .., "Value": ..}]`` and a plain mapping.
        """
        pairs: list[tuple[object, object]]
        if isinstance(tags, Mapping):
            pairs = list(tags.items())
        elif isinstance(tags, list):
            pairs = [(t.get("Key"), t.get("Value")) for t in tags if isinstance(t, Mapping)]
        else:
            return False
        key = self.exemption_tag_key.lower()
        value = self.exemption_tag_value.lower()
        return any(
            str(k).strip().lower() == key and str(v).strip().lower() == value for k, v in pairs
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RuntimeSettings:
        """Read the settings; a bad value raises :class:`SettingsError` naming the variable."""
        env = os.environ if env is None else env
        policy_modes: dict[str, Mode] = {}
        raw_modes = _json_object(env, ENV_POLICY_MODES)
        for policy, mode in raw_modes.items():
            policy_modes[policy] = parse_mode(str(mode), f"{ENV_POLICY_MODES}[{policy!r}]")
        config_rules = {str(k): str(v) for k, v in _json_object(env, ENV_CONFIG_RULES).items()}
        ports_text = env.get(ENV_ALLOWED_PORTS)
        return cls(
            mode=parse_mode(env.get(ENV_MODE, DEFAULT_MODE.value), ENV_MODE),
            policy_modes=policy_modes,
            exemption_tag_key=env.get(ENV_EXEMPTION_KEY) or DEFAULT_EXEMPTION_KEY,
            exemption_tag_value=env.get(ENV_EXEMPTION_VALUE) or DEFAULT_EXEMPTION_VALUE,
            allowed_public_ports=(
                DEFAULT_ALLOWED_PORTS
                if ports_text is None
                else parse_ports(ports_text, ENV_ALLOWED_PORTS)
            ),
            topic_arn=env.get(ENV_TOPIC_ARN) or None,
            remediator_role_arn=env.get(ENV_ROLE_ARN) or None,
            config_rules=config_rules,
            require_kms=_flag(env.get(ENV_REQUIRE_KMS, "false"), ENV_REQUIRE_KMS),
            s3_kms_key=env.get(ENV_S3_KMS_KEY) or None,
            exempt_accounts=frozenset(
                a.strip() for a in env.get(ENV_EXEMPT_ACCOUNTS, "").split(",") if a.strip()
            ),
            ledger_table=env.get(ENV_LEDGER_TABLE) or None,
            ledger_region=env.get(ENV_LEDGER_REGION) or None,
            ledger_ttl_days=_count(env, ENV_LEDGER_TTL_DAYS, DEFAULT_LEDGER_TTL_DAYS),
            flap_threshold=_count(env, ENV_FLAP_THRESHOLD, DEFAULT_FLAP_THRESHOLD),
            flap_window_minutes=_count(env, ENV_FLAP_WINDOW, DEFAULT_FLAP_WINDOW_MINUTES),
            flap_cooldown_minutes=_count(env, ENV_FLAP_COOLDOWN, DEFAULT_FLAP_COOLDOWN_MINUTES),
            metrics_namespace=env.get(ENV_METRICS_NAMESPACE) or None,
        )


def _flag(value: str, name: str) -> bool:
    text = value.strip().lower()
    if text not in ("true", "false"):
        raise SettingsError(f"{name}: expected true or false, got {value!r}")
    return text == "true"


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole number >= 1 from ``env[name]`` (absent or empty: ``default``)."""
    text = (env.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise SettingsError(f"{name}: expected a whole number >= 1, got {text!r}")
    return int(text)


def _json_object(env: Mapping[str, str], name: str) -> dict[str, object]:
    text = env.get(name)
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{name}: not valid JSON ({exc.msg})") from exc
    if not isinstance(value, dict):
        raise SettingsError(f"{name}: expected a JSON object, got {type(value).__name__}")
    return value
