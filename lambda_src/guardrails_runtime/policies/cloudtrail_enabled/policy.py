"""Policy ``cloudtrail-enabled``: trails keep logging, with log file validation, and keep
recording management events.

Pure judgements over the CloudTrail API shapes (``DescribeTrails`` trail, ``GetTrailStatus``
and ``GetEventSelectors`` responses); the reactive plane reads them and calls these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails_runtime.model import PolicyOptions, Subject, Unresolved, Violation

POLICY = "cloudtrail-enabled"


def logging_problem(status: Mapping[str, Any]) -> str | None:
    """Why a trail's status violates the policy (it stopped logging), or None."""
    return None if status.get("IsLogging") else "the trail is not logging"


def weakened(trail: Mapping[str, Any], request: Mapping[str, Any]) -> list[str]:
    """What an UpdateTrail switched off that is still off on the live trail."""
    problems = []
    if request.get("enableLogFileValidation") is False and not trail.get(
        "LogFileValidationEnabled"
    ):
        problems.append("log file validation is off")
    if request.get("isMultiRegionTrail") is False and not trail.get("IsMultiRegionTrail"):
        problems.append("the trail records one region only")
    return problems


def management_events_dropped(selectors: Mapping[str, Any]) -> bool:
    """True when the trail's selectors no longer record management events.

    No selectors at all means the default, which records them.
    """
    basic = selectors.get("EventSelectors") or []
    advanced = selectors.get("AdvancedEventSelectors") or []
    if advanced:
        return not any(
            field.get("Field") == "eventCategory" and "Management" in (field.get("Equals") or [])
            for selector in advanced
            for field in selector.get("FieldSelectors") or []
        )
    if basic:
        return not any(selector.get("IncludeManagementEvents", True) for selector in basic)
    return False


# --- static plane (templates and plans) ---------------------------------------------------

KINDS = ("trail",)


def check(subject: Subject, options: PolicyOptions) -> list[Violation]:
    """Static check of one trail: ``facts["logging"]`` and ``facts["validation"]``, each
    ``(location, bool | Unresolved)``."""
    del options
    out: list[Violation] = []
    for key, what in (
        ("logging", "the trail is not logging"),
        ("validation", "log file validation is off"),
    ):
        if key not in subject.facts:
            continue
        location, value = subject.facts[key]
        if isinstance(value, Unresolved):
            out.append(Violation("GR-CT2", value.why, value.where or location))
        elif value is not True:
            out.append(Violation("GR-CT1", f"{what} ({location} is {value!r})", location))
    return out
