"""Policy ``cloudtrail-enabled``: trails keep logging, with log file validation, in every
region and with management events.

``evaluate`` judges the :class:`~guardrails_runtime.adapters.cloudtrail_trail.Trail` facts
of every plane: a template or plan (logging and validation), and the live trail a fix read
after a change (which also judges the region scope and management events the change
could have dropped).
"""

from __future__ import annotations

from guardrails_runtime.adapters.cloudtrail_trail import Trail
from guardrails_runtime.model import PolicyOptions, Unresolved, Violation

POLICY = "cloudtrail-enabled"


def evaluate(trail: Trail, options: PolicyOptions | None = None) -> list[Violation]:
    """GR-CT1 (not logging, or no log file validation), GR-CT2 (could be), GR-CT3 (records
    one region only, or no management events)."""
    del options
    out: list[Violation] = []
    for fact, what in (
        (trail.logging, "the trail is not logging"),
        (trail.validation, "log file validation is off"),
    ):
        if fact is None:
            continue
        location, value = fact
        if isinstance(value, Unresolved):
            out.append(Violation("GR-CT2", value.why, value.where or location))
        elif value is not True:
            out.append(Violation("GR-CT1", f"{what} ({location} is {value!r})", location))
    if trail.multi_region is False:
        out.append(Violation("GR-CT3", "the trail records one region only", "IsMultiRegionTrail"))
    if trail.management_events is False:
        out.append(
            Violation("GR-CT3", "management events are no longer recorded", "EventSelectors")
        )
    return out
