"""Turn an incoming event into one of two typed shapes, or say precisely why not.

Accepted: a bare CloudTrail record, a CloudTrail record in its EventBridge envelope
("AWS API Call via CloudTrail"), an AWS Config "Config Rules Compliance Change" event, and
the guardrail's own re-check (``{"guardrailsRecheck": {...}}``, sent by the one-time
EventBridge Scheduler schedule a hold or a withdrawn exemption creates). Anything else
raises :class:`MalformedEventError` with a one-line reason that names the field; the
handler turns that into an ``unsupported`` decision, never a crash.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail"
CONFIG_DETAIL_TYPE = "Config Rules Compliance Change"
# us-east-1, eu-central-2, us-gov-west-1, cn-north-1, ap-southeast-7 ...
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")


class MalformedEventError(ValueError):
    """The event is not in a shape the guardrails understand; the message names the field."""


@dataclass(frozen=True)
class ApiCall:
    """One CloudTrail management event, as far as the guardrails need it."""

    event_name: str
    event_source: str
    event_id: str | None
    event_time: str | None
    account: str | None
    region: str | None
    error_code: str | None
    user_identity: Mapping[str, Any]
    request: Mapping[str, Any]
    response: Mapping[str, Any]
    read_only: bool = False

    @property
    def actor(self) -> str | None:
        """The caller's ARN (the role's ARN for an assumed role), for reports."""
        issuer = _mapping(_mapping(self.user_identity.get("sessionContext")).get("sessionIssuer"))
        arn = self.user_identity.get("arn")
        if isinstance(arn, str) and arn:
            return arn
        issuer_arn = issuer.get("arn")
        return issuer_arn if isinstance(issuer_arn, str) else None

    def made_by_role(self, role_arn: str, session_name: str | None = None) -> bool:
        """True only for a call made with exactly ``role_arn`` (its account included) and,
        when ``session_name`` is given, in that role session.

        Lambda names its role session after the function, so the guardrail's own calls
        show ``assumed-role/<role>/<function>``. A role of the same name in another
        account, or another session of the guardrail's role (someone who may assume it),
        is not the guardrail.
        """
        if not role_arn:
            return False
        parts = role_arn.split(":", 5)
        if len(parts) < 6:
            return False
        role_account, role_name = parts[4], parts[5].rsplit("/", 1)[-1]
        issuer = _mapping(_mapping(self.user_identity.get("sessionContext")).get("sessionIssuer"))
        arn = self.user_identity.get("arn")
        assumed = _assumed_role(arn) if isinstance(arn, str) else None
        if isinstance(issuer.get("arn"), str):
            role_ok = issuer.get("arn") == role_arn
        else:
            role_ok = assumed is not None and assumed[:2] == (role_account, role_name)
        if assumed is not None and assumed[:2] != (role_account, role_name):
            return False
        if session_name is None:
            return role_ok
        return role_ok and assumed is not None and assumed[2] == session_name


@dataclass(frozen=True)
class ComplianceChange:
    """An AWS Config rule evaluation that changed."""

    rule_name: str
    resource_type: str
    resource_id: str
    compliance: str
    account: str | None
    region: str | None
    event_id: str | None
    event_time: str | None
    raw: Mapping[str, Any] = field(default_factory=dict)

    event_name = "ConfigRulesComplianceChange"


RECHECK_KEY = "guardrailsRecheck"
# Resource ids the guardrail acts on: sg-..., bucket names, trail and DB ARNs, account/...
_RESOURCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/+=@-]{0,1023}$")


@dataclass(frozen=True)
class Recheck:
    """Look again at one resource for one policy: what still violates is handled as a
    Config NON_COMPLIANT evaluation would be (the guardrail's own scheduled event)."""

    policy: str
    resource: str
    reason: str
    account: str | None
    region: str | None
    event_id: str | None
    event_time: str | None

    event_name = "GuardrailsRecheck"


def _assumed_role(arn: str) -> tuple[str, str, str] | None:
    """``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`` -> (account, role, session)."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[2] != "sts" or not parts[5].startswith("assumed-role/"):
        return None
    names = parts[5][len("assumed-role/") :].split("/", 1)
    if len(names) != 2:
        return None
    return parts[4], names[0], names[1]


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(record: Mapping[str, Any], key: str, where: str) -> str:
    value = record.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedEventError(f"{where}.{key} must be a non-empty string, got {value!r}")
    return value


def parse(event: object) -> ApiCall | ComplianceChange | Recheck:
    """Parse a Lambda event into an :class:`ApiCall`, a :class:`ComplianceChange` or a
    :class:`Recheck`.

    >>> parse({"eventName": "StopLogging", "eventSource": "cloudtrail.amazonaws.com"}).event_name
    'StopLogging'
    """
    if not isinstance(event, Mapping):
        raise MalformedEventError(f"event must be a JSON object, got {type(event).__name__}")
    if RECHECK_KEY in event:
        return _parse_recheck(event[RECHECK_KEY])
    if "detail-type" in event or "detail" in event:
        detail_type = event.get("detail-type")
        detail = event.get("detail")
        if not isinstance(detail, Mapping):
            raise MalformedEventError("envelope field 'detail' must be an object")
        if detail_type == CONFIG_DETAIL_TYPE:
            return _parse_config(detail, event)
        if detail_type == CLOUDTRAIL_DETAIL_TYPE:
            return _parse_record(detail, "detail", event)
        raise MalformedEventError(f"unsupported detail-type {detail_type!r}")
    return _parse_record(event, "record", {})


def _parse_record(record: Mapping[str, Any], where: str, envelope: Mapping[str, Any]) -> ApiCall:
    event_name = _text(record, "eventName", where)
    event_source = _text(record, "eventSource", where)
    request = record.get("requestParameters")
    response = record.get("responseElements")
    if request is not None and not isinstance(request, Mapping):
        raise MalformedEventError(f"{where}.requestParameters must be an object or null")
    if response is not None and not isinstance(response, Mapping):
        # Some APIs record a bare boolean; keep it visible but not as structure.
        response = {"_value": response}
    identity = record.get("userIdentity")
    if identity is not None and not isinstance(identity, Mapping):
        raise MalformedEventError(f"{where}.userIdentity must be an object")
    error_code = record.get("errorCode")
    account = _account(
        record.get("recipientAccountId") or envelope.get("account"), f"{where}.recipientAccountId"
    )
    region = _region(record.get("awsRegion") or envelope.get("region"), f"{where}.awsRegion")
    return ApiCall(
        event_name=event_name,
        event_source=event_source,
        event_id=_opt_str(record.get("eventID")),
        event_time=_opt_str(record.get("eventTime")),
        account=_opt_str(account),
        region=_opt_str(region),
        error_code=_opt_str(error_code) if error_code not in (None, "") else None,
        user_identity=identity or {},
        request=request or {},
        response=response or {},
        read_only=record.get("readOnly") is True,
    )


def _parse_config(detail: Mapping[str, Any], envelope: Mapping[str, Any]) -> ComplianceChange:
    result = _mapping(detail.get("newEvaluationResult"))
    qualifier = _mapping(
        _mapping(result.get("evaluationResultIdentifier")).get("evaluationResultQualifier")
    )
    rule_name = detail.get("configRuleName") or qualifier.get("configRuleName")
    resource_id = detail.get("resourceId") or qualifier.get("resourceId")
    resource_type = detail.get("resourceType") or qualifier.get("resourceType")
    compliance = result.get("complianceType")
    for name, value in (
        ("configRuleName", rule_name),
        ("resourceId", resource_id),
        ("resourceType", resource_type),
        ("newEvaluationResult.complianceType", compliance),
    ):
        if not isinstance(value, str) or not value:
            raise MalformedEventError(f"detail.{name} must be a non-empty string, got {value!r}")
    return ComplianceChange(
        rule_name=str(rule_name),
        resource_type=str(resource_type),
        resource_id=str(resource_id),
        compliance=str(compliance),
        account=_account(
            detail.get("awsAccountId") or envelope.get("account"), "detail.awsAccountId"
        ),
        region=_region(detail.get("awsRegion") or envelope.get("region"), "detail.awsRegion"),
        event_id=_opt_str(envelope.get("id")),
        event_time=_opt_str(envelope.get("time") or detail.get("notificationCreationTime")),
        raw=detail,
    )


def _parse_recheck(body: object) -> Recheck:
    where = RECHECK_KEY
    if not isinstance(body, Mapping):
        raise MalformedEventError(f"{where} must be an object")
    policy = _text(body, "policy", where)
    resource = _text(body, "resource", where)
    if not _RESOURCE.match(resource):
        raise MalformedEventError(f"{where}.resource {resource[:80]!r} is not a resource id")
    reason = body.get("reason")
    return Recheck(
        policy=policy,
        resource=resource,
        reason=reason[:300] if isinstance(reason, str) else "re-check",
        account=_opt_str(body.get("account")),
        region=_region(body.get("region"), f"{where}.region"),
        event_id=_opt_str(body.get("id")),
        event_time=_opt_str(body.get("at")),
    )


def _region(value: object, where: str) -> str | None:
    """The region the event names; a value that is not a region name is malformed."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not _REGION.match(value):
        raise MalformedEventError(f"{where} {value!r} is not an AWS region")
    return value


def _account(value: object, where: str) -> str | None:
    """The account the event names; anything but twelve digits (an anonymised or
    truncated id) is malformed: no call could be made in it."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not _ACCOUNT.match(value):
        raise MalformedEventError(f"{where} {str(value)[:40]!r} is not a 12-digit account id")
    return value


_ACCOUNT = re.compile(r"^\d{12}$")


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def items(value: object) -> list[Any]:
    """CloudTrail's list encodings as a list: ``{"items": [..]}``, ``{"items": {..}}``, ``[..]``."""
    if value is None or value == "":
        return []
    if isinstance(value, Mapping):
        if "items" in value:
            return items(value["items"])
        return [value] if value else []
    if isinstance(value, list):
        return value
    return [value]
