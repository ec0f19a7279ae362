"""Emulator hook of ``cloudtrail-enabled`` (``guardrails replay --emulate``; never in Lambda).

* ``StopLogging``: a multi-region trail of that name (with a log bucket), stopped; a
  trail named by ARN is created under the ARN's name and the event rewritten to the
  emulated trail's ARN;
* ``UpdateTrail``, ``PutEventSelectors``: a trail as the call left it (validation or
  multi-region off, management events dropped);
* ``DeleteTrail``: no trail.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails_runtime.adapters.cloudtrail_trail import name_from_cloudtrail
from guardrails_runtime.aws import Clients
from guardrails_runtime.emulate import create_bucket
from guardrails_runtime.events import ApiCall, ComplianceChange


def prepare(
    parsed: ApiCall | ComplianceChange, clients: Clients, region: str, tags: Mapping[str, str]
) -> dict[str, str]:
    if isinstance(parsed, ComplianceChange) or parsed.event_name == "DeleteTrail":
        return {}
    recorded = name_from_cloudtrail(parsed.request)
    if recorded is None:
        return {}
    name = recorded.rsplit("/", 1)[-1]
    ok = not parsed.error_code
    update = parsed.event_name == "UpdateTrail" and ok
    cloudtrail = _trail(
        clients,
        name,
        region,
        validation=not (update and parsed.request.get("enableLogFileValidation") is False),
        multi_region=not (update and parsed.request.get("isMultiRegionTrail") is False),
    )
    if parsed.event_name == "StopLogging" and ok:
        cloudtrail.stop_logging(Name=name)
    renames: dict[str, str] = {}
    if recorded.startswith("arn:"):
        renames[recorded] = cloudtrail.describe_trails(trailNameList=[name])["trailList"][0][
            "TrailARN"
        ]
    if parsed.event_name == "PutEventSelectors" and ok:
        selectors = [
            {
                "ReadWriteType": s.get("readWriteType", "All"),
                "IncludeManagementEvents": s.get("includeManagementEvents", True),
            }
            for s in parsed.request.get("eventSelectors") or []
            if isinstance(s, dict)
        ]
        if selectors:
            cloudtrail.put_event_selectors(TrailName=name, EventSelectors=selectors)
    return renames


def after(resource: str | None, region: str, clients: Clients) -> Any:
    if not resource:
        return None
    cloudtrail = clients.get("cloudtrail", region)
    trails = cloudtrail.describe_trails(trailNameList=[resource])["trailList"]
    if not trails:
        return {"Trail": resource, "Exists": False}
    status = cloudtrail.get_trail_status(Name=resource)
    return {
        "Trail": resource,
        "IsLogging": status["IsLogging"],
        "LogFileValidationEnabled": trails[0].get("LogFileValidationEnabled"),
        "EventSelectors": cloudtrail.get_event_selectors(TrailName=resource).get(
            "EventSelectors", []
        ),
    }


def _trail(
    clients: Clients, name: str, region: str, *, validation: bool, multi_region: bool
) -> Any:
    bucket = f"emulated-trail-logs-{name.lower()}"[:63]
    create_bucket(clients.get("s3", region), bucket, region)
    cloudtrail = clients.get("cloudtrail", region)
    cloudtrail.create_trail(
        Name=name,
        S3BucketName=bucket,
        IsMultiRegionTrail=multi_region,
        EnableLogFileValidation=validation,
    )
    cloudtrail.start_logging(Name=name)
    return cloudtrail
