"""s3-ssl-only, react plane: the real handler against moto's in-memory S3, including the
PutBucketPolicy it shares with s3-public-access."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from conftest import load_event
from helpers import REGION, CallCounter, clients, config_event, settings, undo

from guardrails_runtime.handler import process, process_all
from guardrails_runtime.ledger import table_spec
from guardrails_runtime.model import Decision, Mode

pytestmark = pytest.mark.usefixtures("aws")
EXAMPLE = "delete-bucket-policy.json"
BUCKET = "orders-exports-210987654321"
OPT_IN = {"policy_modes": {"s3-ssl-only": Mode.REMEDIATE}}
RULE = {"guardrails-s3-ssl-only": "s3-ssl-only"}
TLS = {
    "Sid": "tls",
    "Effect": "Deny",
    "Principal": {"AWS": "*"},
    "Action": "s3:*",
    "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
READER = {
    "Sid": "reader",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::109876543210:root"},
    "Action": "s3:GetObject",
    "Resource": f"arn:aws:s3:::{BUCKET}/*",
}


@pytest.fixture
def s3() -> Any:
    client = boto3.client("s3", region_name=REGION)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    return client


def put(s3: Any, *statements: dict[str, Any]) -> None:
    s3.put_bucket_policy(
        Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    )


def sids(s3: Any) -> list[str]:
    try:
        policy = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    except s3.exceptions.ClientError:
        return []
    return [s.get("Sid", "") for s in policy["Statement"]]


def run(event: dict[str, Any], mode: Mode = Mode.REMEDIATE, **kwargs: Any) -> tuple[Any, Any]:
    c = clients()
    counter = CallCounter(c.get("s3", REGION))
    return process(event, settings(mode, **kwargs), c), counter


def test_a_global_remediate_only_notifies(s3: Any) -> None:
    outcome, counter = run(load_event(EXAMPLE))
    assert outcome.decision is Decision.WOULD_REMEDIATE and outcome.rule == "GR-S3T1"
    assert "policyModes" in outcome.reason and counter.writes == []


def test_opted_in_the_deny_is_added_and_the_rest_kept(s3: Any) -> None:
    put(s3, READER)
    outcome, counter = run(load_event(EXAMPLE), **OPT_IN)
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert counter.writes == ["PutBucketPolicy"]
    assert sids(s3) == ["reader", "GuardrailsDenyInsecureTransport"]
    again, _ = run(load_event(EXAMPLE) | {"eventID": "second-delivery-0001"}, **OPT_IN)
    assert again.decision is Decision.COMPLIANT  # the added statement is what it looks for


@pytest.mark.parametrize(
    ("statement", "compliant"),
    [
        (TLS, True),
        (TLS | {"Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}}}, True),
        (TLS | {"Effect": "Allow"}, False),
        (TLS | {"Action": "s3:GetObject"}, False),  # only reads refuse HTTP
        (TLS | {"Principal": {"AWS": "arn:aws:iam::109876543210:root"}}, False),
        (TLS | {"Condition": {"Bool": {"aws:SecureTransport": "true"}}}, False),
    ],
)
def test_what_counts_as_the_deny(s3: Any, statement: dict[str, Any], compliant: bool) -> None:
    put(s3, statement)
    outcome, _ = run(load_event(EXAMPLE), Mode.NOTIFY)
    assert (outcome.decision is Decision.COMPLIANT) is compliant, outcome.reason


def test_put_bucket_policy_reaches_both_policies(s3: Any) -> None:
    """s3-public-access owns PutBucketPolicy; s3-ssl-only judges the same delivery."""
    put(s3, READER)
    event = load_event(EXAMPLE)
    event["eventName"] = "PutBucketPolicy"
    first, second = process_all(event, settings(Mode.NOTIFY), clients())
    assert first.policy == "s3-public-access" and first.decision is Decision.COMPLIANT
    assert second.policy == "s3-ssl-only" and second.decision is Decision.WOULD_REMEDIATE
    assert second.event_id == f"{event['eventID']}#s3-ssl-only"


def test_exempt_bucket_and_config_route(s3: Any) -> None:
    s3.put_bucket_tagging(
        Bucket=BUCKET, Tagging={"TagSet": [{"Key": "SecurityExemption", "Value": "true"}]}
    )
    outcome, counter = run(load_event(EXAMPLE), **OPT_IN)
    assert outcome.decision is Decision.EXEMPT and counter.writes == []
    s3.delete_bucket_tagging(Bucket=BUCKET)
    event = config_event(BUCKET, "AWS::S3::Bucket", "guardrails-s3-ssl-only")
    outcome, _ = run(event, config_rules=RULE, **OPT_IN)
    assert outcome.decision is Decision.REMEDIATED and sids(s3) == [
        "GuardrailsDenyInsecureTransport"
    ]


@pytest.mark.parametrize("had_policy", [False, True])
def test_undo_restores_the_previous_policy_or_none(s3: Any, had_policy: bool) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(**table_spec("ledger"))
    if had_policy:
        put(s3, READER)
    outcome = process(load_event(EXAMPLE), settings(ledger_table="ledger", **OPT_IN), clients())
    assert outcome.decision is Decision.REMEDIATED
    done = undo(outcome)
    assert done["results"] == ["restored"]
    assert sids(s3) == (["reader"] if had_policy else [])
