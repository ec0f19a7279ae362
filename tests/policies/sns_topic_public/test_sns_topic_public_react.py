"""sns-topic-public, react plane: the real handler against moto's in-memory SNS."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from conftest import load_event
from helpers import REGION, CallCounter, clients, config_event, same_account_ledger, settings

from guardrails.ledger_ops import LedgerError
from guardrails_runtime.handler import process
from guardrails_runtime.ledger import table_spec
from guardrails_runtime.model import Decision, Mode

pytestmark = pytest.mark.usefixtures("aws")
EXAMPLE = "set-topic-policy-public.json"
OPT_IN = {"policy_modes": {"sns-topic-public": Mode.REMEDIATE}}
RULE = {"guardrails-sns-topic-public": "sns-topic-public"}


@pytest.fixture
def sns() -> Any:
    return boto3.client("sns", region_name=REGION)


def make(sns: Any, *statements: dict[str, Any], **tags: str) -> str:
    arn: str = sns.create_topic(
        Name="order-events", Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
    )["TopicArn"]
    if statements:
        document = {
            "Version": "2012-10-17",
            "Statement": [s | {"Resource": arn} for s in statements],
        }
        sns.set_topic_attributes(
            TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps(document)
        )
    return arn


PUBLIC = {"Sid": "anyone", "Effect": "Allow", "Principal": "*", "Action": "SNS:Publish"}
PARTNER = {
    "Sid": "partner",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::109876543210:root"},
    "Action": "SNS:Subscribe",
}
OWNER = {
    "Sid": "owner",
    "Effect": "Allow",
    "Principal": {"AWS": "*"},
    "Action": "SNS:Publish",
    "Condition": {"StringEquals": {"AWS:SourceOwner": "123456789012"}},
}


def sids(sns: Any, arn: str) -> list[str]:
    policy = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])
    return sorted(s.get("Sid", "") for s in policy["Statement"])


def event_for(arn: str) -> dict[str, Any]:
    event = load_event(EXAMPLE)
    event["requestParameters"]["topicArn"] = arn
    return event


def run(event: dict[str, Any], mode: Mode = Mode.REMEDIATE, **kwargs: Any) -> tuple[Any, Any]:
    c = clients()
    counter = CallCounter(c.get("sns", REGION))
    return process(event, settings(mode, **kwargs), c), counter


def test_a_global_remediate_only_notifies(sns: Any) -> None:
    """An opt-in fix: cutting a public statement can stop a working publisher."""
    arn = make(sns, PUBLIC, PARTNER)
    outcome, counter = run(event_for(arn))
    assert outcome.decision is Decision.WOULD_REMEDIATE and outcome.rule == "GR-SNS1"
    assert "policyModes" in outcome.reason and counter.writes == []
    assert sids(sns, arn) == ["anyone", "partner"]


def test_opted_in_only_the_public_statement_goes(sns: Any) -> None:
    arn = make(sns, PUBLIC, PARTNER, OWNER)
    outcome, counter = run(event_for(arn), **OPT_IN)
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert counter.writes == ["SetTopicAttributes"]
    assert sids(sns, arn) == ["owner", "partner"]


def test_the_default_policy_and_named_principals_are_compliant(sns: Any) -> None:
    arn = make(sns)
    outcome, counter = run(event_for(arn), **OPT_IN)
    assert outcome.decision is Decision.COMPLIANT and counter.writes == []


def test_exempt_topic_is_left(sns: Any) -> None:
    arn = make(sns, PUBLIC, SecurityExemption="true")
    outcome, counter = run(event_for(arn), **OPT_IN)
    assert outcome.decision is Decision.EXEMPT and counter.writes == []


def test_config_evaluation_routes_to_the_fix(sns: Any) -> None:
    arn = make(sns, PUBLIC)
    event = config_event(arn, "AWS::SNS::Topic", "guardrails-sns-topic-public")
    outcome, _ = run(event, config_rules=RULE, **OPT_IN)
    assert outcome.decision is Decision.REMEDIATED and sids(sns, arn) == []


def test_a_deleted_topic_and_a_malformed_record() -> None:
    outcome, counter = run(event_for(f"arn:aws:sns:{REGION}:123456789012:gone"), **OPT_IN)
    assert outcome.decision is Decision.COMPLIANT and counter.writes == []
    event = load_event(EXAMPLE)
    event["requestParameters"] = {"attributeName": "Policy"}
    outcome, counter = run(event, **OPT_IN)
    assert outcome.decision is Decision.UNSUPPORTED and counter.total == 0


def test_undo_restores_the_policy_unless_it_changed_since(sns: Any) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(**table_spec("ledger"))
    arn = make(sns, PUBLIC, PARTNER)
    outcome = process(event_for(arn), settings(ledger_table="ledger", **OPT_IN), clients())
    assert outcome.decision is Decision.REMEDIATED
    book = same_account_ledger(settings(ledger_table="ledger"), clients())
    entry = str(outcome.entry_id)
    actor = "arn:aws:iam::123456789012:user/o"
    sns.add_permission(
        TopicArn=arn, Label="late", AWSAccountId=["111122223333"], ActionName=["Publish"]
    )
    with pytest.raises(LedgerError, match="changed since"):
        book.undo(entry, actor=actor, dry_run=False)
    sns.remove_permission(TopicArn=arn, Label="late")
    done = book.undo(entry, actor=actor, dry_run=False)
    assert done["results"] == ["restored"] and sids(sns, arn) == ["anyone", "partner"]
