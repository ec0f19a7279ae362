"""cloudtrail-enabled's reactive plane against moto's in-memory CloudTrail and S3."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from conftest import load_event
from helpers import REGION, clients, settings

from guardrails_runtime.handler import process
from guardrails_runtime.model import Decision, Mode

pytestmark = pytest.mark.usefixtures("aws")
TRAIL = "org-trail"


@pytest.fixture
def cloudtrail() -> Any:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(
        Bucket="guardrails-trail-logs", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    client = boto3.client("cloudtrail", region_name=REGION)
    client.create_trail(
        Name=TRAIL,
        S3BucketName="guardrails-trail-logs",
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
    )
    client.start_logging(Name=TRAIL)
    return client


def run(event: dict[str, Any], mode: Mode = Mode.REMEDIATE, **kwargs: Any) -> tuple[Any, list[str]]:
    c = clients()
    calls: list[str] = []
    c.get("cloudtrail", REGION).meta.events.register(
        "before-call", lambda model, **_: calls.append(model.name)
    )
    return process(event, settings(mode, **kwargs), c), calls


def event(event_name: str, **request: Any) -> dict[str, Any]:
    record = load_event("stop-logging.json")
    record["eventName"] = event_name
    record["requestParameters"] = request or {"name": TRAIL}
    del record["recipientAccountId"]  # make the handler look the ARN up
    return record


def logging(cloudtrail: Any) -> bool:
    return bool(cloudtrail.get_trail_status(Name=TRAIL)["IsLogging"])


def test_stopped_trail_is_restarted(cloudtrail: Any) -> None:
    cloudtrail.stop_logging(Name=TRAIL)
    outcome, calls = run(load_event("stop-logging.json"))
    assert outcome.decision is Decision.REMEDIATED and logging(cloudtrail)
    assert outcome.rule == "GR-CT1"
    assert calls == ["GetTrailStatus", "ListTags", "StartLogging"]
    assert (
        outcome.changes[0].undo == f"aws cloudtrail stop-logging --region {REGION} --name {TRAIL}"
    )


def test_already_logging_is_one_read(cloudtrail: Any) -> None:
    outcome, calls = run(load_event("stop-logging.json"))
    assert outcome.decision is Decision.COMPLIANT and calls == ["GetTrailStatus"]


def test_exempt_and_dry_run(cloudtrail: Any) -> None:
    cloudtrail.stop_logging(Name=TRAIL)
    arn = cloudtrail.describe_trails(trailNameList=[TRAIL])["trailList"][0]["TrailARN"]
    cloudtrail.add_tags(ResourceId=arn, TagsList=[{"Key": "SecurityExemption", "Value": "true"}])
    outcome, calls = run(event("StopLogging"))  # no account in the record: ARN looked up
    assert outcome.decision is Decision.EXEMPT and "StartLogging" not in calls
    cloudtrail.remove_tags(ResourceId=arn, TagsList=[{"Key": "SecurityExemption", "Value": "true"}])
    outcome, calls = run(load_event("stop-logging.json"), Mode.NOTIFY)
    assert outcome.decision is Decision.WOULD_REMEDIATE and "StartLogging" not in calls
    assert not logging(cloudtrail)


def test_deleted_trail_is_notified(cloudtrail: Any) -> None:
    outcome, calls = run(event("DeleteTrail"))
    assert outcome.decision is Decision.NOTIFIED and calls == []
    assert "recreate it from its infrastructure code" in outcome.reason
    assert outcome.rule == "GR-CT1"


def test_update_trail_weakening_is_notified_only_while_it_lasts(cloudtrail: Any) -> None:
    cloudtrail.update_trail(Name=TRAIL, EnableLogFileValidation=False)
    outcome, calls = run(event("UpdateTrail", name=TRAIL, enableLogFileValidation=False))
    assert outcome.decision is Decision.NOTIFIED and "log file validation is off" in outcome.reason
    assert outcome.rule == "GR-CT1"
    assert calls == ["DescribeTrails"]
    cloudtrail.update_trail(Name=TRAIL, EnableLogFileValidation=True)
    outcome, _ = run(event("UpdateTrail", name=TRAIL, enableLogFileValidation=False))
    assert outcome.decision is Decision.COMPLIANT


def test_update_trail_to_one_region_is_its_own_rule(cloudtrail: Any) -> None:
    """Single-region is judged only when the call switched it off (GR-CT3, react only)."""
    cloudtrail.update_trail(Name=TRAIL, IsMultiRegionTrail=False)
    outcome, _ = run(event("UpdateTrail", name=TRAIL, isMultiRegionTrail=False))
    assert outcome.decision is Decision.NOTIFIED and outcome.rule == "GR-CT3"
    assert "records one region only" in outcome.reason
    # The same live trail, changed in a way that switches nothing off: not judged for it.
    outcome, _ = run(event("UpdateTrail", name=TRAIL, includeGlobalServiceEvents=True))
    assert outcome.decision is Decision.COMPLIANT and outcome.rule is None


def test_event_selectors_dropping_management_events(cloudtrail: Any) -> None:
    cloudtrail.put_event_selectors(
        TrailName=TRAIL,
        EventSelectors=[
            {
                "ReadWriteType": "All",
                "IncludeManagementEvents": False,
                "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}],
            }
        ],
    )
    outcome, _ = run(event("PutEventSelectors", trailName=TRAIL))
    assert outcome.decision is Decision.NOTIFIED and outcome.rule == "GR-CT3"
    cloudtrail.put_event_selectors(
        TrailName=TRAIL, EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True}]
    )
    outcome, _ = run(event("PutEventSelectors", trailName=TRAIL))
    assert outcome.decision is Decision.COMPLIANT


def test_missing_trail_and_malformed_request(cloudtrail: Any) -> None:
    outcome, _ = run(event("StopLogging", name="no-such-trail"))
    assert outcome.decision is Decision.COMPLIANT and "no longer exists" in outcome.reason
    outcome, calls = run(event("StopLogging", nme="typo"))
    assert outcome.decision is Decision.UNSUPPORTED and calls == []


def test_management_event_selector_logic() -> None:
    from guardrails_runtime.adapters.cloudtrail_trail import records_management_events

    def management_events_dropped(selectors: dict[str, object]) -> bool:
        return not records_management_events(selectors)

    assert not management_events_dropped({})
    assert management_events_dropped({"EventSelectors": [{"IncludeManagementEvents": False}]})
    assert not management_events_dropped(
        {
            "AdvancedEventSelectors": [
                {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}
            ]
        }
    )
    assert management_events_dropped(
        {
            "AdvancedEventSelectors": [
                {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}]}
            ]
        }
    )


def test_access_denied_on_the_write(cloudtrail: Any) -> None:
    from botocore.awsrequest import AWSResponse

    cloudtrail.stop_logging(Name=TRAIL)
    c = clients()

    def deny(**_: Any) -> Any:
        parsed = {
            "Error": {"Code": "AccessDeniedException", "Message": "injected"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        return AWSResponse("https://cloudtrail.invalid", 400, {}, None), parsed

    c.get("cloudtrail", REGION).meta.events.register_first(
        "before-call.cloudtrail.StartLogging", deny
    )
    outcome = process(load_event("stop-logging.json"), settings(), c)
    assert outcome.decision is Decision.ERROR and "access denied on StartLogging" in outcome.reason
    assert not logging(cloudtrail)
