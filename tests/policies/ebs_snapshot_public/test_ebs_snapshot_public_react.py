"""ebs-snapshot-public, react plane: the real handler against moto's in-memory EC2."""

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
EXAMPLE = "share-snapshot-public.json"
PARTNER = "109876543210"


def make(
    ec2: Any, *, groups: list[str], users: list[str], tags: dict[str, str] | None = None
) -> str:
    volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8)["VolumeId"]
    spec = [
        {
            "ResourceType": "snapshot",
            "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
        }
    ]
    snapshot: str = ec2.create_snapshot(VolumeId=volume, TagSpecifications=spec if tags else [])[
        "SnapshotId"
    ]
    if groups or users:
        ec2.modify_snapshot_attribute(
            SnapshotId=snapshot,
            Attribute="createVolumePermission",
            OperationType="add",
            **({"GroupNames": groups} if groups else {}),
            **({"UserIds": users} if users else {}),
        )
    return snapshot


def permissions(ec2: Any, snapshot: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = ec2.describe_snapshot_attribute(
        SnapshotId=snapshot, Attribute="createVolumePermission"
    )["CreateVolumePermissions"]
    return sorted(found, key=str)


def event_for(snapshot: str) -> dict[str, Any]:
    event = load_event(EXAMPLE)
    event["requestParameters"]["snapshotId"] = snapshot
    return event


def run(event: dict[str, Any], mode: Mode = Mode.REMEDIATE, **kwargs: Any) -> tuple[Any, Any]:
    c = clients()
    counter = CallCounter(c.get("ec2", REGION))
    return process(event, settings(mode, **kwargs), c), counter


def test_only_the_group_all_is_removed(ec2: Any) -> None:
    snapshot = make(ec2, groups=["all"], users=[PARTNER])
    outcome, counter = run(event_for(snapshot))
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert outcome.rule == "GR-EBSP1" and outcome.resource == snapshot
    assert counter.writes == ["ModifySnapshotAttribute"]
    assert permissions(ec2, snapshot) == [{"UserId": PARTNER}]
    assert PARTNER in outcome.reason


def test_shared_with_a_named_account_only_is_compliant(ec2: Any) -> None:
    snapshot = make(ec2, groups=[], users=[PARTNER])
    outcome, counter = run(event_for(snapshot))
    assert outcome.decision is Decision.COMPLIANT and counter.writes == []
    assert permissions(ec2, snapshot) == [{"UserId": PARTNER}]


def test_the_live_state_is_judged_not_the_record(ec2: Any) -> None:
    """A record that only removed an account, on a snapshot made public earlier: fixed."""
    snapshot = make(ec2, groups=["all"], users=[])
    event = event_for(snapshot)
    event["requestParameters"]["createVolumePermission"] = {
        "remove": {"items": [{"userId": PARTNER}]}
    }
    outcome, _ = run(event)
    assert outcome.decision is Decision.REMEDIATED and permissions(ec2, snapshot) == []


def test_notify_mode_and_exemption_change_nothing(ec2: Any) -> None:
    snapshot = make(ec2, groups=["all"], users=[])
    outcome, counter = run(event_for(snapshot), Mode.NOTIFY)
    assert outcome.decision is Decision.WOULD_REMEDIATE and counter.writes == []
    exempt = make(ec2, groups=["all"], users=[], tags={"SecurityExemption": "TRUE"})
    outcome, counter = run(event_for(exempt))
    assert outcome.decision is Decision.EXEMPT and counter.writes == []
    assert permissions(ec2, exempt) == [{"Group": "all"}]


def test_a_deleted_snapshot_and_a_malformed_record(ec2: Any) -> None:
    outcome, counter = run(event_for("snap-0000000000000dead"))
    assert outcome.decision is Decision.COMPLIANT and counter.writes == []
    event = load_event(EXAMPLE)
    del event["requestParameters"]["snapshotId"]
    outcome, counter = run(event)
    assert outcome.decision is Decision.UNSUPPORTED and counter.total == 0


def test_the_periodic_config_rule_is_reported_not_routed() -> None:
    """EBS_SNAPSHOT_PUBLIC_RESTORABLE_CHECK evaluates the account: no snapshot to fix."""
    from guardrails import GuardrailSettings

    [rule] = GuardrailSettings().config_rule_specs("ebs-snapshot-public")
    assert rule.name not in GuardrailSettings().runtime_environment()["GUARDRAILS_CONFIG_RULES"]


def test_undo_makes_it_public_again(ec2: Any) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(**table_spec("ledger"))
    snapshot = make(ec2, groups=["all"], users=[PARTNER])
    outcome = process(event_for(snapshot), settings(ledger_table="ledger"), clients())
    assert outcome.decision is Decision.REMEDIATED
    done = undo(outcome)
    assert done["results"] == ["restored"]
    assert permissions(ec2, snapshot) == [{"Group": "all"}, {"UserId": PARTNER}]
