"""The heartbeat (issue 13, item 7): a switched-off guardrail is noticed.

Disabling the self-protection rule, or removing a rule's target, is an EventBridge call
the disabled rule cannot report about itself. The hourly heartbeat checks every rule of
the guardrail (named by its prefix) and notifies what is off; its metric's absence raises
an alarm (tests/test_operations_stack.py). The real handler against moto's EventBridge.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from typing import Any

import boto3
import pytest
from helpers import REGION, clients, settings

from guardrails_runtime.handler import process
from guardrails_runtime.model import Decision

pytestmark = pytest.mark.usefixtures("aws")

HEARTBEAT = {
    "guardrailsHeartbeat": {
        "rulePrefix": "guardrails",
        "required": ["guardrails-self-protection", "guardrails-self-protection-delivery"],
    }
}


def rules(*names: str) -> Any:
    bridge = boto3.client("events", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="target")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    for name in names:
        bridge.put_rule(Name=name, EventPattern=json.dumps({"source": ["aws.ec2"]}))
        bridge.put_targets(Rule=name, Targets=[{"Id": "t", "Arn": arn}])
    bridge.put_rule(Name="team-nightly", ScheduleExpression="rate(1 day)", State="DISABLED")
    return bridge


def beat(**kwargs: Any) -> tuple[Any, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        outcome = process(
            dict(HEARTBEAT), settings(metrics_namespace="CdkGuardrails", **kwargs), clients()
        )
    return outcome, out.getvalue()


def test_all_in_place_is_compliant_and_counts_a_beat() -> None:
    rules("guardrails-self-protection", "guardrails-self-protection-delivery", "guardrails-sg-api")
    outcome, emitted = beat()
    assert outcome.decision is Decision.COMPLIANT, outcome.reason
    [line] = [json.loads(x) for x in emitted.splitlines() if '"_aws"' in x]
    assert line["Heartbeat"] == 1 and line["Policy"] == "none"


def test_a_disabled_self_protection_rule_is_notified() -> None:
    bridge = rules(
        "guardrails-self-protection", "guardrails-self-protection-delivery", "guardrails-sg-api"
    )
    bridge.disable_rule(Name="guardrails-self-protection")
    outcome, emitted = beat()
    assert outcome.decision is Decision.NOTIFIED
    assert "rule guardrails-self-protection is DISABLED" in outcome.reason
    assert '"Heartbeat":1' in emitted  # still a beat: the Lambda runs


def test_a_removed_target_and_a_deleted_rule_are_notified() -> None:
    bridge = rules("guardrails-self-protection", "guardrails-sg-api")
    bridge.remove_targets(Rule="guardrails-sg-api", Ids=["t"])
    outcome, _ = beat()
    assert outcome.decision is Decision.NOTIFIED
    assert "rule guardrails-self-protection-delivery is missing" in outcome.reason
    assert "rule guardrails-sg-api has no target" in outcome.reason
    assert "team-nightly" not in outcome.reason  # other teams' rules are theirs


def test_a_heartbeat_is_notified_only_when_something_is_off() -> None:
    """An hourly 'all well' would be noise: only problems reach the topic."""
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="findings")["TopicArn"]
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    inbox = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=inbox)
    bridge = rules("guardrails-self-protection", "guardrails-self-protection-delivery")
    beat(topic_arn=topic)
    assert not sqs.receive_message(QueueUrl=url).get("Messages")
    bridge.disable_rule(Name="guardrails-self-protection-delivery")
    beat(topic_arn=topic)
    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    assert "guardrails-self-protection-delivery is DISABLED" in message["Body"]


HUB_BEAT = {
    "guardrailsHeartbeat": {
        "rulePrefix": "guardrails",
        "required": ["guardrails-from-members", "guardrails-member-tamper"],
        "eventBus": "guardrails-hub",
    }
}


def hub_rules(*names: str) -> Any:
    """The organization bus with the hub's rules on it, each with a target."""
    bridge = boto3.client("events", region_name=REGION)
    bridge.create_event_bus(Name="guardrails-hub")
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="hub-target")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    for name in names:
        bridge.put_rule(
            Name=name,
            EventBusName="guardrails-hub",
            EventPattern='{"source": [{"prefix": "aws."}]}',
        )
        bridge.put_targets(
            Rule=name, EventBusName="guardrails-hub", Targets=[{"Id": "t", "Arn": arn}]
        )
    return bridge


def hub_beat(event: dict[str, Any]) -> Any:
    with redirect_stdout(io.StringIO()):
        return process(event, settings(metrics_namespace="CdkGuardrails"), clients())


def test_the_hub_beat_looks_at_the_organization_bus() -> None:
    """A disabled ``from-members`` rule silences every member account at once: the
    heartbeat's second target looks at the organization bus's rules."""
    bridge = hub_rules("guardrails-from-members", "guardrails-member-tamper")
    # The default bus's rules are the other target's: all in place there does not
    # hide a problem on the hub bus.
    rules("guardrails-self-protection", "guardrails-self-protection-delivery")
    outcome = hub_beat(HUB_BEAT)
    assert outcome.decision is Decision.COMPLIANT, outcome.reason
    assert "on bus guardrails-hub" in outcome.reason
    bridge.disable_rule(Name="guardrails-from-members", EventBusName="guardrails-hub")
    bridge.remove_targets(Rule="guardrails-member-tamper", EventBusName="guardrails-hub", Ids=["t"])
    outcome = hub_beat(HUB_BEAT)
    assert outcome.decision is Decision.NOTIFIED
    assert "rule guardrails-from-members on bus guardrails-hub is DISABLED" in outcome.reason
    assert "rule guardrails-member-tamper on bus guardrails-hub has no target" in outcome.reason
    assert "self-protection" not in outcome.reason  # the default bus is not this beat's


def test_a_deleted_organization_bus_rule_is_missing() -> None:
    bridge = hub_rules("guardrails-from-members", "guardrails-member-tamper")
    bridge.remove_targets(Rule="guardrails-member-tamper", EventBusName="guardrails-hub", Ids=["t"])
    bridge.delete_rule(Name="guardrails-member-tamper", EventBusName="guardrails-hub")
    outcome = hub_beat(HUB_BEAT)
    assert outcome.decision is Decision.NOTIFIED
    assert outcome.reason.count("missing") == 1
    assert "rule guardrails-member-tamper on bus guardrails-hub is missing" in outcome.reason


@pytest.mark.parametrize("bus", [5, "", "hub bus", "x" * 257, None])
def test_a_malformed_bus_name_is_refused_without_a_call(bus: Any) -> None:
    event = {"guardrailsHeartbeat": {**HUB_BEAT["guardrailsHeartbeat"], "eventBus": bus}}
    outcome = hub_beat(event)  # no bus exists: a call would answer "missing", not this
    assert outcome.decision is Decision.UNSUPPORTED
    assert "eventBus" in outcome.reason


def test_a_deleted_organization_bus_is_notified_by_name() -> None:
    outcome = hub_beat(HUB_BEAT)  # no bus "guardrails-hub" in this account
    assert outcome.decision is Decision.NOTIFIED
    assert "event bus guardrails-hub is missing" in outcome.reason


@pytest.mark.parametrize("required", [[["guardrails-self-protection"]], [5], [None]])
def test_required_names_that_are_not_names_are_refused(required: Any) -> None:
    """Found by the hub's fuzz test: a list among the required names raised TypeError."""
    body = {**HEARTBEAT["guardrailsHeartbeat"], "required": required}
    outcome = hub_beat({"guardrailsHeartbeat": body})
    assert outcome.decision is Decision.UNSUPPORTED and "rule names" in outcome.reason
