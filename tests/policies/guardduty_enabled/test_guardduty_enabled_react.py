"""guardduty-enabled, react plane: the real handler against moto's in-memory GuardDuty."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from conftest import load_event
from helpers import REGION, CallCounter, clients, config_event, same_account_ledger, settings

from guardrails_runtime.handler import process
from guardrails_runtime.ledger import table_spec
from guardrails_runtime.model import Decision, Mode

pytestmark = pytest.mark.usefixtures("aws")
EXAMPLE = "disable-guardduty.json"
RULE = {"guardrails-guardduty-enabled": "guardduty-enabled"}


@pytest.fixture
def guardduty() -> Any:
    return boto3.client("guardduty", region_name=REGION)


def detectors(guardduty: Any) -> dict[str, str]:
    return {
        d: guardduty.get_detector(DetectorId=d)["Status"]
        for d in guardduty.list_detectors()["DetectorIds"]
    }


def event(name: str = "UpdateDetector", detector: str = "d") -> dict[str, Any]:
    found = load_event(EXAMPLE)
    found["eventName"] = name
    found["requestParameters"] = {"detectorId": detector} | (
        {"enable": False} if name == "UpdateDetector" else {}
    )
    return found


def run(record: dict[str, Any], mode: Mode = Mode.REMEDIATE, **kwargs: Any) -> tuple[Any, Any]:
    c = clients()
    counter = CallCounter(c.get("guardduty", REGION))
    return process(record, settings(mode, **kwargs), c), counter


def test_a_disabled_detector_is_enabled_again(guardduty: Any) -> None:
    detector = guardduty.create_detector(Enable=True)["DetectorId"]
    guardduty.update_detector(DetectorId=detector, Enable=False)
    outcome, counter = run(event(detector=detector))
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert outcome.rule == "GR-GD1" and outcome.resource == detector
    assert counter.writes == ["UpdateDetector"]
    assert detectors(guardduty) == {detector: "ENABLED"}


def test_a_deleted_detector_is_re_created_and_the_loss_said(guardduty: Any) -> None:
    outcome, counter = run(event("DeleteDetector"))
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert counter.writes == ["CreateDetector"]
    [(created, status)] = detectors(guardduty).items()
    assert status == "ENABLED" and outcome.resource == created
    assert "not restored" in outcome.reason
    [change] = outcome.changes
    assert change.undo_call is not None and change.undo_call.params == {"DetectorId": created}


def test_the_live_state_decides_not_the_call(guardduty: Any) -> None:
    """A disable call followed by someone enabling it again: nothing to do."""
    detector = guardduty.create_detector(Enable=True)["DetectorId"]
    outcome, counter = run(event(detector=detector))
    assert outcome.decision is Decision.COMPLIANT and counter.writes == []


def test_notify_mode_says_what_it_would_create(guardduty: Any) -> None:
    outcome, counter = run(event("DeleteDetector"), Mode.NOTIFY)
    assert outcome.decision is Decision.WOULD_REMEDIATE and counter.writes == []
    assert [c.action for c in outcome.changes] == ["guardduty:CreateDetector"]
    assert detectors(guardduty) == {}


def test_an_exempt_disabled_detector_is_left(guardduty: Any) -> None:
    detector = guardduty.create_detector(Enable=True, Tags={"SecurityExemption": "true"})[
        "DetectorId"
    ]
    guardduty.update_detector(DetectorId=detector, Enable=False)
    outcome, counter = run(event(detector=detector))
    assert outcome.decision is Decision.EXEMPT and counter.writes == []


def test_config_evaluation_of_the_account(guardduty: Any) -> None:
    record = config_event("123456789012", "AWS::::Account", "guardrails-guardduty-enabled")
    outcome, _ = run(record, config_rules=RULE)
    assert outcome.decision is Decision.REMEDIATED and list(detectors(guardduty).values()) == [
        "ENABLED"
    ]


def test_undo_disables_or_deletes_again(guardduty: Any) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(**table_spec("ledger"))
    book = same_account_ledger(settings(ledger_table="ledger"), clients())
    outcome = process(event("DeleteDetector"), settings(ledger_table="ledger"), clients())
    done = book.undo(str(outcome.entry_id), actor="arn:aws:iam::123456789012:user/o", dry_run=False)
    assert done["results"] == ["restored"] and detectors(guardduty) == {}
    detector = guardduty.create_detector(Enable=False)["DetectorId"]
    record = event(detector=detector) | {"eventID": "another-event-id-0001"}
    outcome = process(record, settings(ledger_table="ledger"), clients())
    assert outcome.decision is Decision.REMEDIATED
    done = book.undo(str(outcome.entry_id), actor="arn:aws:iam::123456789012:user/o", dry_run=False)
    assert detectors(guardduty) == {detector: "DISABLED"}
