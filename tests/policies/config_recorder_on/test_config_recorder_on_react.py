"""config-recorder-on, react plane: the real handler against moto's in-memory Config."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from conftest import load_event
from helpers import REGION, CallCounter, clients, settings, undo

from guardrails_runtime.handler import process
from guardrails_runtime.ledger import table_spec
from guardrails_runtime.model import Decision, Mode

pytestmark = pytest.mark.usefixtures("aws")
EXAMPLE = "stop-config-recorder.json"


@pytest.fixture
def config() -> Any:
    return boto3.client("config", region_name=REGION)


def make(config: Any, *, channel: bool = True) -> None:
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": "arn:aws:iam::123456789012:role/config",
            "recordingGroup": {"allSupported": True},
        }
    )
    if channel:
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket="config-bucket", CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        config.put_delivery_channel(
            DeliveryChannel={"name": "default", "s3BucketName": "config-bucket"}
        )


def recording(config: Any) -> bool:
    [status] = config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"]
    return bool(status["recording"])


def run(event: dict[str, Any], mode: Mode = Mode.REMEDIATE, **kwargs: Any) -> tuple[Any, Any]:
    c = clients()
    counter = CallCounter(c.get("config", REGION))
    return process(event, settings(mode, **kwargs), c), counter


def test_a_stopped_recorder_is_started(config: Any) -> None:
    make(config)
    outcome, counter = run(load_event(EXAMPLE))
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert outcome.rule == "GR-CFG1" and outcome.resource == "default"
    assert counter.writes == ["StartConfigurationRecorder"]
    assert recording(config)


def test_a_running_recorder_is_compliant(config: Any) -> None:
    make(config)
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    outcome, counter = run(load_event(EXAMPLE))
    assert outcome.decision is Decision.COMPLIANT and counter.writes == []


def test_a_recorder_without_a_channel_is_notified(config: Any) -> None:
    make(config, channel=False)
    outcome, counter = run(load_event(EXAMPLE))
    assert outcome.decision is Decision.NOTIFIED and "no delivery channel" in outcome.reason
    assert counter.writes == []


def test_a_recorder_that_records_nothing_is_notified(config: Any) -> None:
    """moto refuses an empty recording group, so the read is given one (AWS accepts it:
    an inclusion strategy that lists no type)."""
    make(config)
    c = clients()
    counter = CallCounter(c.get("config", REGION))

    def emptied(parsed: dict[str, Any], **_: Any) -> None:
        for recorder in parsed.get("ConfigurationRecorders", []):
            recorder["recordingGroup"] = {"allSupported": False, "resourceTypes": []}

    c.get("config", REGION).meta.events.register(
        "after-call.config.DescribeConfigurationRecorders", emptied
    )
    outcome = process(load_event(EXAMPLE), settings(), c)
    assert outcome.decision is Decision.NOTIFIED and "records no resource type" in outcome.reason
    assert counter.writes == []


def test_a_deleted_recorder_is_notified() -> None:
    event = load_event(EXAMPLE)
    event["eventName"] = "DeleteConfigurationRecorder"
    outcome, counter = run(event)
    assert outcome.decision is Decision.NOTIFIED and "no configuration recorder" in outcome.reason
    assert counter.writes == []


def test_notify_mode_changes_nothing(config: Any) -> None:
    make(config)
    outcome, counter = run(load_event(EXAMPLE), Mode.NOTIFY)
    assert outcome.decision is Decision.WOULD_REMEDIATE and counter.writes == []


def test_undo_stops_it_again(config: Any) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(**table_spec("ledger"))
    make(config)
    outcome = process(load_event(EXAMPLE), settings(ledger_table="ledger"), clients())
    assert outcome.decision is Decision.REMEDIATED and recording(config)
    done = undo(outcome)
    assert done["results"] == ["restored"] and not recording(config)
