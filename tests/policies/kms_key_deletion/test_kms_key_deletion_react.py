"""kms-key-deletion, react plane: the real handler against moto's in-memory KMS.

Each test creates a key with real boto3 calls, schedules its deletion, runs ``process``
on a CloudTrail record (or a Config evaluation) naming it and checks the decision, the
calls made and the key afterwards.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from conftest import load_event
from helpers import REGION, CallCounter, clients, config_event, settings, undo

from guardrails_runtime.adapters.kms_key import KmsKey
from guardrails_runtime.handler import process
from guardrails_runtime.ledger import table_spec
from guardrails_runtime.model import Decision, Mode
from guardrails_runtime.policies.kms_key_deletion.policy import evaluate

pytestmark = pytest.mark.usefixtures("aws")
EXAMPLE = "schedule-key-deletion.json"
RULE = {"guardrails-kms-key-deletion": "kms-key-deletion"}


@pytest.fixture
def kms() -> Any:
    return boto3.client("kms", region_name=REGION)


def make(kms: Any, *, scheduled: bool = True, tags: dict[str, str] | None = None) -> str:
    key: str = kms.create_key(Tags=[{"TagKey": k, "TagValue": v} for k, v in (tags or {}).items()])[
        "KeyMetadata"
    ]["KeyId"]
    if scheduled:
        kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=10)
    return key


def event_for(key: str) -> dict[str, Any]:
    event = load_event(EXAMPLE)
    event["requestParameters"]["keyId"] = key
    event["responseElements"] = None
    return event


def state(kms: Any, key: str) -> str:
    return str(kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"])


def run(event: dict[str, Any], mode: Mode = Mode.REMEDIATE, **kwargs: Any) -> tuple[Any, Any]:
    c = clients()
    counter = CallCounter(c.get("kms", REGION))
    return process(event, settings(mode, **kwargs), c), counter


def test_deletion_is_cancelled_and_the_key_enabled(kms: Any) -> None:
    key = make(kms)
    outcome, counter = run(event_for(key))
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert outcome.policy == "kms-key-deletion" and outcome.rule == "GR-KMS1"
    assert outcome.resource == key
    assert counter.order == ["DescribeKey", "ListResourceTags", "CancelKeyDeletion", "EnableKey"]
    assert state(kms, key) == "Enabled"
    [change] = outcome.changes
    assert change.undo_call is not None and change.undo_call.as_dict() == {
        "service": "kms",
        "operation": "schedule_key_deletion",
        "params": {"KeyId": key, "PendingWindowInDays": 10},
    }


def test_the_key_named_by_arn_or_in_the_response_only(kms: Any) -> None:
    key = make(kms)
    arn = kms.describe_key(KeyId=key)["KeyMetadata"]["Arn"]
    event = event_for(arn)
    outcome, _ = run(event)
    assert outcome.decision is Decision.REMEDIATED and outcome.resource == key
    other = make(kms)
    event = load_event(EXAMPLE)
    event["requestParameters"] = {"pendingWindowInDays": 7}
    event["responseElements"]["keyId"] = kms.describe_key(KeyId=other)["KeyMetadata"]["Arn"]
    outcome, _ = run(event)
    assert outcome.decision is Decision.REMEDIATED and state(kms, other) == "Enabled"


def test_a_key_no_longer_pending_is_compliant_and_untouched(kms: Any) -> None:
    key = make(kms, scheduled=False)
    outcome, counter = run(event_for(key))
    assert outcome.decision is Decision.COMPLIANT and counter.writes == []


def test_a_deleted_key_is_compliant() -> None:
    outcome, counter = run(event_for("0d1e2f3a-4b5c-4d6e-8f7a-000000000000"))
    assert outcome.decision is Decision.COMPLIANT and "no longer exists" in outcome.reason
    assert counter.writes == []


def test_notify_mode_changes_nothing(kms: Any) -> None:
    key = make(kms)
    outcome, counter = run(event_for(key), Mode.NOTIFY)
    assert outcome.decision is Decision.WOULD_REMEDIATE and counter.writes == []
    assert state(kms, key) == "PendingDeletion"


def test_the_exemption_tag_on_the_key(kms: Any) -> None:
    key = make(kms, tags={"SecurityExemption": "true"})
    outcome, counter = run(event_for(key))
    assert outcome.decision is Decision.EXEMPT and counter.writes == []
    assert state(kms, key) == "PendingDeletion"
    expired = make(
        kms, tags={"SecurityExemption": "true", "SecurityExemptionExpires": "2001-01-01"}
    )
    outcome, _ = run(event_for(expired))
    assert outcome.decision is Decision.REMEDIATED and "expired" in outcome.reason


def test_aws_managed_keys_are_never_judged() -> None:
    """AWS cannot be told to keep its own keys; KMS refuses to schedule them anyway."""
    managed = KmsKey("k", None, "PendingDeletion", "AWS")
    assert evaluate(managed) == []
    assert [v.rule for v in evaluate(managed._replace(manager="CUSTOMER"))] == ["GR-KMS1"]
    replica = KmsKey("k", None, "PendingReplicaDeletion", "CUSTOMER")
    assert [v.rule for v in evaluate(replica)] == ["GR-KMS1"]


def test_config_evaluation_routes_to_the_fix(kms: Any) -> None:
    key = make(kms)
    event = config_event(key, "AWS::KMS::Key", "guardrails-kms-key-deletion")
    outcome, _ = run(event, config_rules=RULE)
    assert outcome.decision is Decision.REMEDIATED and state(kms, key) == "Enabled"


def test_malformed_record_is_unsupported_not_raised() -> None:
    event = load_event(EXAMPLE)
    event["requestParameters"] = {}
    event["responseElements"] = None
    outcome, counter = run(event)
    assert outcome.decision is Decision.UNSUPPORTED and counter.total == 0


def test_undo_schedules_the_deletion_again(kms: Any) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(**table_spec("ledger"))
    key = make(kms)
    outcome = process(event_for(key), settings(ledger_table="ledger"), clients())
    assert outcome.decision is Decision.REMEDIATED and state(kms, key) == "Enabled"
    done = undo(outcome)
    assert done["results"] == ["restored"]
    assert state(kms, key) == "PendingDeletion"
