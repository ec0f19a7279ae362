"""Emulator hook of ``guardduty-enabled`` (``guardrails replay --emulate``; never in Lambda).

``UpdateDetector`` with ``enable: false``: a detector, disabled (the recorded detector id
renamed to it); ``DeleteDetector`` and Config evaluations: no detector at all.
``after`` reports the region's detectors and their status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails_runtime.aws import Clients
from guardrails_runtime.events import ApiCall, ComplianceChange


def prepare(
    parsed: ApiCall | ComplianceChange, clients: Clients, region: str, tags: Mapping[str, str]
) -> dict[str, str]:
    if isinstance(parsed, ComplianceChange) or parsed.event_name == "DeleteDetector":
        return {}
    guardduty = clients.get("guardduty", region)
    created = guardduty.create_detector(Enable=True, Tags=dict(tags))["DetectorId"]
    request = {str(k).lower(): v for k, v in parsed.request.items()}
    if request.get("enable") is False and not parsed.error_code:
        guardduty.update_detector(DetectorId=created, Enable=False)
    recorded = request.get("detectorid")
    return {str(recorded): created} if isinstance(recorded, str) else {}


def after(resource: str | None, region: str, clients: Clients) -> Any:
    guardduty = clients.get("guardduty", region)
    return {
        d: guardduty.get_detector(DetectorId=d)["Status"]
        for d in guardduty.list_detectors()["DetectorIds"]
    }
