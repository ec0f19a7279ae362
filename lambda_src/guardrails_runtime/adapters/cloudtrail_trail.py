"""Adapter of ``AWS::CloudTrail::Trail``: whether a trail logs, validates and records enough.

Facts (:class:`Trail`) from the four sources:

* CloudFormation: ``IsLogging`` (required; absent reads as not logging) and
  ``EnableLogFileValidation`` (defaults to off);
* Terraform ``aws_cloudtrail``: ``enable_logging`` (defaults to true) and
  ``enable_log_file_validation`` (defaults to false);
* the live API: ``GetTrailStatus``, ``DescribeTrails`` and ``GetEventSelectors``
  (:func:`from_api`, each optional: a fix reads only what the call could have changed);
* CloudTrail: the trail a call names (``name`` or ``trailName``, a name or an ARN).

``multi_region`` and ``management_events`` are judged only at runtime: a single-region
trail, or one that records only data events, is a legitimate design when declared; a
trail *switched* to it is what the react plane reports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from guardrails_runtime.events import MalformedEventError


class Trail(NamedTuple):
    """``logging`` / ``validation``: ``(location, bool | Unresolved)`` or None (not read);
    ``multi_region`` / ``management_events``: bool, or None when not judged."""

    logging: tuple[str, Any] | None = None
    validation: tuple[str, Any] | None = None
    multi_region: bool | None = None
    management_events: bool | None = None


def from_api(
    *,
    status: Mapping[str, Any] | None = None,
    trail: Mapping[str, Any] | None = None,
    selectors: Mapping[str, Any] | None = None,
    judge: frozenset[str] = frozenset({"logging", "validation", "multi_region", "management"}),
) -> Trail:
    """Facts from ``GetTrailStatus`` (``status``), a ``DescribeTrails`` item (``trail``) and
    ``GetEventSelectors`` (``selectors``); ``judge`` names the facts to keep."""
    return Trail(
        logging=("IsLogging", bool(status.get("IsLogging")))
        if status is not None and "logging" in judge
        else None,
        validation=("LogFileValidationEnabled", bool(trail.get("LogFileValidationEnabled")))
        if trail is not None and "validation" in judge
        else None,
        multi_region=bool(trail.get("IsMultiRegionTrail"))
        if trail is not None and "multi_region" in judge
        else None,
        management_events=records_management_events(selectors)
        if selectors is not None and "management" in judge
        else None,
    )


def records_management_events(selectors: Mapping[str, Any]) -> bool:
    """True when a trail's selectors record management events (none at all: the default,
    which does)."""
    basic = selectors.get("EventSelectors") or []
    advanced = selectors.get("AdvancedEventSelectors") or []
    if advanced:
        return any(
            field.get("Field") == "eventCategory" and "Management" in (field.get("Equals") or [])
            for selector in advanced
            for field in selector.get("FieldSelectors") or []
        )
    if basic:
        return any(selector.get("IncludeManagementEvents", True) for selector in basic)
    return True


# A trail name (3 to 128 letters, digits, periods, underscores and dashes, starting and
# ending with a letter or digit) or a trail ARN.
_TRAIL = re.compile(
    r"^(arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:\d{12}:trail/)?[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$"
)


def name_from_cloudtrail(request: Mapping[str, Any]) -> str | None:
    """The trail a call names (``name`` or ``trailName``), as given: a name or an ARN;
    MalformedEventError for a value no trail can have (a redacted or invalid name)."""
    name = request.get("name") or request.get("trailName")
    if not isinstance(name, str) or not name:
        return None
    if not _TRAIL.match(name):
        raise MalformedEventError(
            f"requestParameters.name {name[:80]!r} is not a trail name or ARN"
        )
    return name
