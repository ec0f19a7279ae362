"""Runtime settings, read once from the Lambda's environment variables.

The CDK side writes these variables from the same settings object that builds the stack
(see ``guardrails.settings.GuardrailSettings.runtime_environment``); the names here are
the contract between the two halves.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import NamedTuple

from guardrails_runtime.model import DEFAULT_ALLOWED_PORTS, Mode, PolicyOptions

ENV_MODE = "GUARDRAILS_MODE"
ENV_POLICY_MODES = "GUARDRAILS_POLICY_MODES"
ENV_ORGANIZATION_MODES = "GUARDRAILS_ORGANIZATION_MODES"
# Hub mode: the name of the role the member stacks create (unset: single-account mode).
ENV_MEMBER_ROLE = "GUARDRAILS_MEMBER_ROLE"
ENV_MEMBER_RULES = "GUARDRAILS_MEMBER_RULES"
ENV_HUB_BUS = "GUARDRAILS_HUB_BUS"
ENV_EXEMPTION_KEY = "GUARDRAILS_EXEMPTION_TAG_KEY"
ENV_EXEMPTION_VALUE = "GUARDRAILS_EXEMPTION_TAG_VALUE"
ENV_ALLOWED_PORTS = "GUARDRAILS_ALLOWED_PUBLIC_PORTS"
ENV_TOPIC_ARN = "GUARDRAILS_TOPIC_ARN"
ENV_ROLE_ARN = "GUARDRAILS_REMEDIATOR_ROLE_ARN"
ENV_CONFIG_RULES = "GUARDRAILS_CONFIG_RULES"
# The policies the stack deployed (granted): an event several policies judge goes to these.
ENV_POLICIES = "GUARDRAILS_POLICIES"
ENV_EXEMPT_ACCOUNTS = "GUARDRAILS_EXEMPT_ACCOUNTS"
ENV_EXEMPTION_APPROVERS = "GUARDRAILS_EXEMPTION_APPROVERS"
ENV_REQUIRE_KMS = "GUARDRAILS_REQUIRE_KMS"
ENV_S3_KMS_KEY = "GUARDRAILS_S3_KMS_KEY"
ENV_LEDGER_TABLE = "GUARDRAILS_LEDGER_TABLE"
ENV_LEDGER_REGION = "GUARDRAILS_LEDGER_REGION"
ENV_LEDGER_TTL_DAYS = "GUARDRAILS_LEDGER_TTL_DAYS"
ENV_FLAP_THRESHOLD = "GUARDRAILS_FLAP_THRESHOLD"
ENV_FLAP_WINDOW = "GUARDRAILS_FLAP_WINDOW_MINUTES"
ENV_FLAP_COOLDOWN = "GUARDRAILS_FLAP_COOLDOWN_MINUTES"
ENV_METRICS_NAMESPACE = "GUARDRAILS_METRICS_NAMESPACE"
ENV_RECHECK_GROUP = "GUARDRAILS_RECHECK_GROUP"
ENV_RECHECK_ROLE_ARN = "GUARDRAILS_RECHECK_ROLE_ARN"
ENV_STACK_ID = "GUARDRAILS_STACK_ID"

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
    """A setting is unusable; the one-line message names where it came from (context key,
    Python field or Lambda variable), the value and what is allowed."""


def parse_ports(value: object, where: str) -> frozenset[int]:
    """Ports from ``"80,443"`` or ``[80, 443]``, checked like the setting (0..65535)."""
    from guardrails_runtime.options import OPTIONS_BY_FIELD

    option = OPTIONS_BY_FIELD["allowed_public_ports"]
    ports: frozenset[int] = option.check(option.from_context(value), where)
    return ports


def carries_exemption(tags: object, key: str, value: str) -> bool:
    """True when ``tags`` carry the exemption tag ``key=value``, in every plane.

    Key and value match case-insensitively, surrounding blanks ignored (``True``, as the
    common convention writes it, matches ``true``). Accepts the API shape
    ``[{"Key": .., "Value": ..}]`` and a plain mapping; anything else (an unresolved tag
    set, say) carries no exemption.
    """
    key, value = key.strip().lower(), value.strip().lower()
    return any(
        str(k).strip().lower() == key and str(v).strip().lower() == value for k, v in _pairs(tags)
    )


def _pairs(tags: object) -> list[tuple[object, object]]:
    """``(key, value)`` of a tag set in the API shape or a plain mapping; none otherwise."""
    if isinstance(tags, Mapping):
        return list(tags.items())
    if isinstance(tags, list):
        return [(t.get("Key"), t.get("Value")) for t in tags if isinstance(t, Mapping)]
    return []


class Exemption(NamedTuple):
    """Whether an exemption counts, and the note that goes with the decision: its end date
    and reason when it counts; why not (expired, an unreadable end date) when it does not."""

    counts: bool
    note: str = ""


def _tag(tags: object, key: str) -> str | None:
    """The value of tag ``key`` (any case), or None."""
    wanted = key.strip().lower()
    return next(
        (str(v) for k, v in _pairs(tags) if str(k).strip().lower() == wanted and v is not None),
        None,
    )


_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_date(text: str) -> date | None:
    """The date a text starts with (``2027-03-31``, ``2027-03-31T12:00:00Z``), or None when
    it does not start with one (``next week``, ``20270331``, ``2027-02-30``)."""
    text = text.strip()
    if not _ISO_DATE.match(text):
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def exemption(tags: object, key: str, value: str, today: date | None = None) -> Exemption:
    """The exemption tag and its companions, in every plane.

    Beside ``key=value``, ``<key>Expires`` (an ISO date, ``2027-03-31``) ends the exemption
    after that day, and ``<key>Reason`` says why. An expired exemption, or one whose end
    date cannot be read, does not count, and the note says so.
    """
    if not carries_exemption(tags, key, value):
        return Exemption(False)
    reason = _tag(tags, f"{key}Reason")
    why = f"reason: {reason.strip()}" if reason and reason.strip() else ""
    expires = _tag(tags, f"{key}Expires")
    if expires is None or not expires.strip():
        return Exemption(True, why)
    end = iso_date(expires)
    if end is None:
        return Exemption(
            False,
            f"the exemption's end date {expires.strip()!r} ({key}Expires) is not an ISO date "
            "(YYYY-MM-DD), so the exemption does not count",
        )
    today = today or datetime.now(UTC).date()
    if end < today:
        return Exemption(False, f"the exemption expired on {end.isoformat()}")
    return Exemption(True, "; ".join(p for p in (f"until {end.isoformat()}", why) if p))


# Modes from least to most action, for the ring's ceiling.
_RANK = {Mode.OFF: 0, Mode.NOTIFY: 1, Mode.REMEDIATE: 2}


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
    # The role session of the guardrail's own calls: Lambda names it after the function
    # (AWS_LAMBDA_FUNCTION_NAME). None (outside Lambda): the role alone is checked.
    remediator_session: str | None = None
    config_rules: Mapping[str, str] = field(default_factory=dict)
    # Account-level settings carry no tags: these accounts are exempt by configuration.
    exempt_accounts: frozenset[str] = frozenset()
    # Principal ARN patterns whose exemption tags count; empty: anyone's (each is reported).
    exemption_approvers: tuple[str, ...] = ()
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
    # Re-checks (guardrails_runtime.recheck): the Scheduler group, the role Scheduler
    # invokes the function with, and the function's own ARN (from the Lambda context).
    recheck_group: str | None = None
    recheck_role_arn: str | None = None
    function_arn: str | None = None
    # The guardrail's own CloudFormation stack: its deployment is the only one whose changes
    # to the guardrail's resources are not reported (guardrails_runtime.cfn_change).
    stack_id: str | None = None
    # The policies deployed with this function (empty: every policy, as outside Lambda).
    deployed: frozenset[str] = frozenset()
    # Hub mode (guardrails_runtime.org): the member role the function assumes in the
    # event's account, and the modes of accounts and OUs.
    member_role_name: str | None = None
    organization_modes: Mapping[str, Mode] = field(default_factory=dict)
    # The name prefix of the members' forwarding rules (``<prefix>-fwd-``), whose
    # scheduled ``heartbeat`` rule beats (guardrails_runtime.member_beat).
    member_rules_prefix: str | None = None
    # The ARN of the hub's organization bus: where every forwarding rule must send.
    hub_bus_arn: str | None = None
    # The mode of the event's account from organization_modes (set per event): default
    # and ceiling of every policy's mode there.
    ring: Mode | None = None

    def policy_options(self) -> PolicyOptions:
        """The options ``evaluate`` takes, as every plane passes them."""
        return PolicyOptions(self.allowed_public_ports, self.require_kms)

    def mode_for(self, policy: str) -> Mode:
        """The per-policy mode where one is set, else the global mode; a global
        ``remediate`` is ``notify`` for a policy whose fix is opt-in (``Fix.opt_in``).

        In hub mode the account's ``ring`` (its ``organizationModes`` entry) stands for
        the global mode and caps the result: a ``notify`` ring never remediates, whatever
        ``policyModes`` says; in a ``remediate`` ring ``policyModes`` may still lower a
        policy, and opt-in fixes need their ``policyModes`` entry as everywhere."""
        found = self._uncapped(policy)
        if self.ring is not None and _RANK[found] > _RANK[self.ring]:
            return self.ring
        return found

    def _uncapped(self, policy: str) -> Mode:
        found = self.policy_modes.get(policy)
        if found is not None:
            return found
        base = self.ring if self.ring is not None else self.mode
        if base is Mode.REMEDIATE:
            from guardrails_runtime.spec import spec

            try:
                fix = spec(policy).fix
            except KeyError:
                fix = None
            if fix is not None and fix.opt_in:
                return Mode.NOTIFY
        return base

    def ring_of(self, account: str | None, units: tuple[str, ...]) -> Mode | None:
        """The account's mode in ``organization_modes``: its own entry, else that of the
        nearest of ``units`` (its OUs, nearest first, then the root), else None."""
        for key in (account, *units):
            if key is not None and key in self.organization_modes:
                return self.organization_modes[key]
        return None

    def is_exempt(self, tags: object) -> bool:
        """True when the tags carry an exemption that counts (see :func:`exemption`)."""
        return self.exemption(tags).counts

    def exemption(self, tags: object) -> Exemption:
        """The exemption the tags carry, with its end date and reason (:func:`exemption`)."""
        return exemption(tags, self.exemption_tag_key, self.exemption_tag_value)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RuntimeSettings:
        """Read the settings; a bad value raises :class:`SettingsError` naming the variable.

        The variables that carry user settings are read and checked by the same
        declarations as ``cdk.json`` context (:data:`guardrails_runtime.options.OPTIONS`);
        an absent one keeps the runtime default. The rest are the stack's own wiring.
        """
        from guardrails_runtime.options import OPTIONS

        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for option in OPTIONS:
            text = env.get(option.env) if option.env else None
            if text is None or (option.kind == "str" and not text.strip()):
                continue  # not set (empty text counts as not set): the runtime default
            label = f"{option.env} ({option.field})"
            values[option.field] = option.check(option.from_context(text), label)
        if "s3_kms_key_id" in values:
            values["s3_kms_key"] = values.pop("s3_kms_key_id") or None
        if "exempt_accounts" in values:
            accounts: tuple[str, ...] = values["exempt_accounts"]  # type: ignore[assignment]
            values["exempt_accounts"] = frozenset(accounts)
        config_rules = {str(k): str(v) for k, v in _json_object(env, ENV_CONFIG_RULES).items()}
        return cls(
            topic_arn=env.get(ENV_TOPIC_ARN) or None,
            remediator_role_arn=env.get(ENV_ROLE_ARN) or None,
            remediator_session=env.get("AWS_LAMBDA_FUNCTION_NAME") or None,
            config_rules=config_rules,
            ledger_table=env.get(ENV_LEDGER_TABLE) or None,
            ledger_region=env.get(ENV_LEDGER_REGION) or None,
            recheck_group=env.get(ENV_RECHECK_GROUP) or None,
            recheck_role_arn=env.get(ENV_RECHECK_ROLE_ARN) or None,
            stack_id=env.get(ENV_STACK_ID) or None,
            deployed=frozenset(p for p in (env.get(ENV_POLICIES) or "").split(",") if p),
            member_role_name=env.get(ENV_MEMBER_ROLE) or None,
            member_rules_prefix=env.get(ENV_MEMBER_RULES) or None,
            hub_bus_arn=env.get(ENV_HUB_BUS) or None,
            **values,  # type: ignore[arg-type]
        )


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
