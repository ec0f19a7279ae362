"""Every setting declared once, for the CDK side and the Lambda alike.

An :class:`Option` gives a setting's Python field, ``cdk.json`` context key, Lambda
environment variable, default, type, doc line and its one check. ``GuardrailSettings``
(CDK side) checks Python arguments and context with it; ``RuntimeSettings.from_env``
(Lambda) checks the environment the stack wrote with the same checks. Standard library
only: this module is part of the Lambda asset, imported on the first event (not at import
time: compiling it is most of its cost, and Lambda has no byte-code cache).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple, NoReturn

from guardrails_runtime.model import DEFAULT_ALLOWED_PORTS, Mode
from guardrails_runtime.settings import (
    DEFAULT_EXEMPTION_KEY,
    DEFAULT_EXEMPTION_VALUE,
    DEFAULT_FLAP_COOLDOWN_MINUTES,
    DEFAULT_FLAP_THRESHOLD,
    DEFAULT_FLAP_WINDOW_MINUTES,
    DEFAULT_LEDGER_TTL_DAYS,
    DEFAULT_MODE,
    ENV_ALLOWED_PORTS,
    ENV_EXEMPT_ACCOUNTS,
    ENV_EXEMPTION_APPROVERS,
    ENV_EXEMPTION_KEY,
    ENV_EXEMPTION_VALUE,
    ENV_FLAP_COOLDOWN,
    ENV_FLAP_THRESHOLD,
    ENV_FLAP_WINDOW,
    ENV_LEDGER_TTL_DAYS,
    ENV_METRICS_NAMESPACE,
    ENV_MODE,
    ENV_ORGANIZATION_MODES,
    ENV_POLICY_MODES,
    ENV_REQUIRE_KMS,
    ENV_S3_KMS_KEY,
    SettingsError,
)
from guardrails_runtime.spec import policy_ids

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
# Patterns are plain strings, compiled by ``re`` on first use (and cached): compiling
# them all at import would cost the Lambda's cold start several milliseconds.
# Tag keys and values may hold letters, digits, spaces and + - = . _ : / @ (AWS tagging rules).
_TAG = r"^[\w\s+\-=.:/@]+$"
_EMAIL = (
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$"
)
_NAME = r"^[A-Za-z][A-Za-z0-9-]{0,40}$"
_STACK_NAME = r"^[A-Za-z][A-Za-z0-9-]{0,127}$"
_HTTPS = r"^https://[^\s/]+\S*$"
_NAMESPACE = r"^[A-Za-z0-9.\-_/#:, ]{1,255}$"
_WORKSPACE_ID = r"^T[A-Z0-9]{4,}$"
_CHANNEL_ID = r"^[CG][A-Z0-9]{4,}$"


class SlackChannel(NamedTuple):
    """An AWS Chatbot Slack channel: workspace (team) id ``T...`` and channel id ``C...``."""

    workspace_id: str
    channel_id: str


class Organization(NamedTuple):
    """Hub mode's deployment (``guardrails:organization``): the organization, where the hub
    runs, and where its StackSet puts the member stack (no OUs: no StackSet)."""

    id: str
    hub_account: str
    hub_region: str
    organizational_units: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    role_region: str = ""
    call_as: str = "DELEGATED_ADMIN"
    bus_paths: tuple[str, ...] = ()


Check = Callable[[Any, str], Any]


class Option(NamedTuple):
    """One setting, declared once: its Python field, context key, default, check and docs.

    A NamedTuple, as the model's value types: this module is on the Lambda's cold path.
    ``check(value, label)`` returns the normalised value or raises :class:`SettingsError`
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
    raise SettingsError(f"{label}: {_show(value)} {allowed}")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _text(pattern: str | None = None, allowed: str = "", *, empty: bool = False) -> Check:
    def check(value: Any, label: str) -> str:
        if not isinstance(value, str):
            _fail(label, value, "is not text")
        text = value.strip()
        if not text and not empty:
            _fail(label, value, "is empty; expected non-empty text")
        if text and pattern is not None and not re.match(pattern, text):
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
    text = value.strip().lower()
    if text not in {m.value for m in Mode}:
        _fail(label, value, f"is not one of {choices}")
    return Mode(text)


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
    if isinstance(value, str):
        _fail(label, value, 'is not a mapping (a JSON object: {"sg-open-ingress": "notify"})')
    if not isinstance(value, Mapping):
        _fail(label, value, 'is not a mapping of policy to mode ({"sg-open-ingress": "notify"})')
    return MappingProxyType(
        {_policy(p, label): _mode(m, _sub(label, f"[{p!r}]")) for p, m in sorted(value.items())}
    )


# The id formats AWS Organizations documents (organization, OU, root) and a region's,
# each written once for every check below (and GuardrailHubStack's).
ORGANIZATION_ID = r"o-[a-z0-9]{10,32}"
_OU = r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}"
_ROOT = r"r-[0-9a-z]{4,32}"
_REGION = r"[a-z]{2}(-[a-z]+)+-\d{1,2}"
# An account id, an organizational unit id or an organization's root id.
_RING = rf"^(\d{{12}}|{_OU}|{_ROOT})$"


def _organization_modes(value: Any, label: str) -> Mapping[str, Mode]:
    example = '{"ou-ab12-prod0001": "remediate", "111122223333": "notify"}'
    if not isinstance(value, Mapping):
        _fail(label, value, f"is not a mapping of account or OU id to mode ({example})")
    out = {}
    for ring, mode in sorted(value.items()):
        if not isinstance(ring, str) or not re.match(_RING, ring.strip()):
            _fail(
                _sub(label, f"[{ring!r}]"),
                ring,
                "is not an account id (12 digits), an OU id (ou-...) or a root id (r-...)",
            )
        out[ring.strip()] = _mode(mode, _sub(label, f"[{ring!r}]"))
    return MappingProxyType(out)


def _ports(value: Any, label: str) -> frozenset[int]:
    ports = set()
    for item in _sequence(value, label, "port numbers"):
        if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item <= 65535:
            _fail(label, item, "is not a port number (a whole number 0-65535)")
        ports.add(item)
    return frozenset(ports)


def _strings(pattern: str, what: str, one: str) -> Check:
    def check(value: Any, label: str) -> tuple[str, ...]:
        items = []
        for item in _sequence(value, label, what):
            if not isinstance(item, str) or not re.match(pattern, item.strip()):
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
        if not isinstance(text, str) or not re.match(pattern, text.strip()):
            _fail(_sub(label, f".{name}"), text, f"is not {like}")
        ids.append(text.strip())
    return SlackChannel(ids[0], ids[1])


_ORGANIZATION_FIELDS = {
    "id": (rf"^{ORGANIZATION_ID}$", "an organization id (o-...)"),
    "hubAccount": (r"^\d{12}$", "a 12-digit account id"),
    "hubRegion": (rf"^{_REGION}$", "a region (like eu-west-1)"),
    "roleRegion": (rf"^{_REGION}$", "a region (like eu-west-1)"),
    "callAs": (r"^(SELF|DELEGATED_ADMIN)$", "SELF or DELEGATED_ADMIN"),
}
_ORGANIZATION_LISTS = {
    "organizationalUnits": (rf"^({_OU}|{_ROOT})$", "an OU id"),
    "regions": (rf"^{_REGION}$", "a region (like eu-west-1)"),
    "busPaths": (rf"^{ORGANIZATION_ID}/{_ROOT}(/{_OU})*/?$", "an OU path (o-.../r-.../ou-...)"),
}


def _organization(value: Any, label: str) -> Organization | None:
    """The ``guardrails:organization`` mapping (see :class:`Organization`) or None."""
    if value is None or isinstance(value, Organization):
        return value
    if not isinstance(value, Mapping):
        _fail(label, value, 'is not a mapping {"id": "o-...", "hubAccount": ..., "hubRegion": ...}')
    if not value:
        return None
    unknown = sorted(set(value) - set(_ORGANIZATION_FIELDS) - set(_ORGANIZATION_LISTS))
    if unknown:
        _fail(_sub(label, f".{unknown[0]}"), value[unknown[0]], "is an unknown field")
    found: dict[str, Any] = {}
    for name, (pattern, like) in _ORGANIZATION_FIELDS.items():
        if name not in value and name in ("roleRegion", "callAs"):
            continue
        text = value.get(name, "")
        if not isinstance(text, str) or not re.match(pattern, text.strip()):
            _fail(_sub(label, f".{name}"), text, f"is not {like}")
        found[name] = text.strip()
    for name, (pattern, like) in _ORGANIZATION_LISTS.items():
        items = []
        for item in _sequence(value.get(name, []), _sub(label, f".{name}"), f"{like}s"):
            if not isinstance(item, str) or not re.match(pattern, item.strip()):
                _fail(_sub(label, f".{name}"), item, f"is not {like}")
            items.append(item.strip())
        found[name] = tuple(items)
    if found["organizationalUnits"] and not found["regions"]:
        _fail(_sub(label, ".regions"), [], "is empty: the StackSet needs at least one region")
    return Organization(
        found["id"],
        found["hubAccount"],
        found["hubRegion"],
        found["organizationalUnits"],
        found["regions"],
        found.get("roleRegion", ""),
        found.get("callAs", "DELEGATED_ADMIN"),
        found["busPaths"],
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
        DEFAULT_MODE,
        "Mode | str",
        _mode,
        "global mode: remediate | notify (dry-run) | off",
        env=ENV_MODE,
    ),
    Option(
        "policy_modes",
        "policyModes",
        MappingProxyType({}),
        "Mapping[str, Mode | str]",
        _policy_modes,
        'per-policy modes, e.g. {"sg-open-ingress": "remediate"}',
        env=ENV_POLICY_MODES,
    ),
    Option(
        "organization_modes",
        "organizationModes",
        MappingProxyType({}),
        "Mapping[str, Mode | str]",
        _organization_modes,
        "hub mode: the mode of the accounts of an account id, an OU id (with the OUs below "
        "it) or the root id, default and ceiling for every policy there; the account's own "
        "entry first, then its nearest OU's",
        env=ENV_ORGANIZATION_MODES,
    ),
    Option(
        "organization",
        "organization",
        None,
        "Mapping[str, Any] | None",
        _organization,
        'hub mode: {"id": "o-..", "hubAccount": "..", "hubRegion": "..", '
        '"organizationalUnits": ["ou-.."], "regions": [".."], "roleRegion": "..", '
        '"callAs": "DELEGATED_ADMIN", "busPaths": ["o-../r-../ou-.."]}; app.py then '
        "builds the hub, its StackSet (with OUs) and a member stack (docs/organization.md)",
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
        env=ENV_ALLOWED_PORTS,
    ),
    Option(
        "exemption_tag_key",
        "exemptionTagKey",
        DEFAULT_EXEMPTION_KEY,
        "str",
        _text(_TAG, "a tag key (letters, digits, spaces, + - = . _ : / @)"),
        "tag key that exempts a resource",
        env=ENV_EXEMPTION_KEY,
    ),
    Option(
        "exemption_tag_value",
        "exemptionTagValue",
        DEFAULT_EXEMPTION_VALUE,
        "str",
        _text(_TAG, "a tag value (letters, digits, spaces, + - = . _ : / @)"),
        "tag value that exempts (case-insensitive)",
        env=ENV_EXEMPTION_VALUE,
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
        _strings(r"^\d{12}$", "12-digit account ids", "a 12-digit account id"),
        "account ids exempt from account-level policies (ebs-encryption)",
        decode=_decode_text_list,
        env=ENV_EXEMPT_ACCOUNTS,
    ),
    Option(
        "exemption_approvers",
        "exemptionApprovers",
        (),
        "Sequence[str]",
        _strings(
            r"^arn:aws[a-z-]*:(iam|sts)::(\d{12}|\*):\S+$",
            "IAM or STS principal ARN patterns",
            "an IAM or STS principal ARN pattern (arn:aws:iam::<account>:role/<name>, * allowed)",
        ),
        "principal ARN patterns (fnmatch, * allowed) whose exemption tags count; an "
        "exemption tag set by anyone else is removed (remediate) and reported; empty: every "
        "exemption counts, and each is reported",
        decode=_decode_text_list,
        env=ENV_EXEMPTION_APPROVERS,
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
        env=ENV_REQUIRE_KMS,
    ),
    Option(
        "ebs_encrypted_by_default",
        "ebsEncryptedByDefault",
        False,
        "bool",
        _bool,
        "ebs-encryption (synth and scan): a volume that leaves Encrypted unset passes, as the "
        "accounts enforce EBS encryption by default",
    ),
    Option(
        "s3_kms_key_id",
        "s3KmsKeyId",
        "",
        "str",
        _text(r"^\S+$", "a KMS key id, ARN or alias without spaces", empty=True),
        "s3-encryption: KMS key restored when requireKms (empty: aws/s3 key)",
        env=ENV_S3_KMS_KEY,
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
        DEFAULT_LEDGER_TTL_DAYS,
        "int",
        _int(1, 3650),
        "days a ledger entry is kept (1-3650)",
        env=ENV_LEDGER_TTL_DAYS,
    ),
    Option(
        "flap_threshold",
        "flapThreshold",
        DEFAULT_FLAP_THRESHOLD,
        "int",
        _int(1),
        "remediations of one violation of a resource within flapWindowMinutes that start a hold",
        env=ENV_FLAP_THRESHOLD,
    ),
    Option(
        "flap_window_minutes",
        "flapWindowMinutes",
        DEFAULT_FLAP_WINDOW_MINUTES,
        "int",
        _int(1),
        "flapping window in minutes",
        env=ENV_FLAP_WINDOW,
    ),
    Option(
        "flap_cooldown_minutes",
        "flapCooldownMinutes",
        DEFAULT_FLAP_COOLDOWN_MINUTES,
        "int",
        _int(1),
        "minutes a flapping (or undone) violation is only notified, not reverted",
        env=ENV_FLAP_COOLDOWN,
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
        env=ENV_METRICS_NAMESPACE,
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
