"""rds-snapshot-public, react plane: the real handler against moto's in-memory RDS, for DB
snapshots and DB cluster snapshots."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from conftest import load_event
from helpers import REGION, CallCounter, clients, config_event, settings, undo

from guardrails_runtime.handler import process
from guardrails_runtime.ledger import table_spec
from guardrails_runtime.model import Decision, Mode

pytestmark = pytest.mark.usefixtures("aws")
EXAMPLE = "share-db-snapshot-public.json"
PARTNER = "109876543210"
LOGIN = {"MasterUsername": "app", "MasterUserPassword": "not-a-real-password-1"}
RULE = {"guardrails-rds-snapshot-public": "rds-snapshot-public"}


@pytest.fixture
def rds() -> Any:
    return boto3.client("rds", region_name=REGION)


def make(
    rds: Any, name: str, *, cluster: bool = False, values: tuple[str, ...] = ("all",), **tags: str
) -> None:
    tag_list = [{"Key": k, "Value": v} for k, v in tags.items()]
    if cluster:
        rds.create_db_cluster(DBClusterIdentifier="c1", Engine="aurora-postgresql", **LOGIN)
        rds.create_db_cluster_snapshot(
            DBClusterSnapshotIdentifier=name, DBClusterIdentifier="c1", Tags=tag_list
        )
        if values:
            rds.modify_db_cluster_snapshot_attribute(
                DBClusterSnapshotIdentifier=name, AttributeName="restore", ValuesToAdd=list(values)
            )
        return
    rds.create_db_instance(
        DBInstanceIdentifier=f"db-{name}",
        Engine="postgres",
        DBInstanceClass="db.t4g.micro",
        AllocatedStorage=20,
        **LOGIN,
    )
    rds.create_db_snapshot(
        DBSnapshotIdentifier=name, DBInstanceIdentifier=f"db-{name}", Tags=tag_list
    )
    if values:
        rds.modify_db_snapshot_attribute(
            DBSnapshotIdentifier=name, AttributeName="restore", ValuesToAdd=list(values)
        )


def restore(rds: Any, name: str, *, cluster: bool = False) -> list[str]:
    if cluster:
        result = rds.describe_db_cluster_snapshot_attributes(DBClusterSnapshotIdentifier=name)
        found = result["DBClusterSnapshotAttributesResult"]["DBClusterSnapshotAttributes"]
    else:
        result = rds.describe_db_snapshot_attributes(DBSnapshotIdentifier=name)
        found = result["DBSnapshotAttributesResult"]["DBSnapshotAttributes"]
    return sorted(v for a in found if a["AttributeName"] == "restore" for v in a["AttributeValues"])


def event_for(name: str, *, cluster: bool = False) -> dict[str, Any]:
    event = load_event(EXAMPLE)
    key = "dBClusterSnapshotIdentifier" if cluster else "dBSnapshotIdentifier"
    event["eventName"] = (
        "ModifyDBClusterSnapshotAttribute" if cluster else "ModifyDBSnapshotAttribute"
    )
    event["requestParameters"] = {key: name, "attributeName": "restore", "valuesToAdd": ["all"]}
    event["responseElements"] = None
    return event


def run(event: dict[str, Any], mode: Mode = Mode.REMEDIATE, **kwargs: Any) -> tuple[Any, Any]:
    c = clients()
    counter = CallCounter(c.get("rds", REGION))
    return process(event, settings(mode, **kwargs), c), counter


@pytest.mark.parametrize("cluster", [False, True], ids=["db-snapshot", "cluster-snapshot"])
def test_only_all_is_removed(rds: Any, cluster: bool) -> None:
    make(rds, "snap", cluster=cluster, values=("all", PARTNER))
    outcome, counter = run(event_for("snap", cluster=cluster))
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert outcome.rule == "GR-RDSS1" and outcome.resource == "snap"
    assert len(counter.writes) == 1 and counter.writes[0].startswith("ModifyDB")
    assert restore(rds, "snap", cluster=cluster) == [PARTNER]
    [change] = outcome.changes
    assert change.undo_call is not None
    assert change.undo_call.params["ValuesToAdd"] == ["all"]


def test_named_accounts_only_is_compliant(rds: Any) -> None:
    make(rds, "snap", values=(PARTNER,))
    outcome, counter = run(event_for("snap"))
    assert outcome.decision is Decision.COMPLIANT and counter.writes == []


def test_notify_mode_and_exemption_change_nothing(rds: Any) -> None:
    make(rds, "snap")
    outcome, counter = run(event_for("snap"), Mode.NOTIFY)
    assert outcome.decision is Decision.WOULD_REMEDIATE and counter.writes == []
    make(rds, "kept", SecurityExemption="true")
    outcome, counter = run(event_for("kept"))
    assert outcome.decision is Decision.EXEMPT and counter.writes == []
    assert restore(rds, "kept") == ["all"]


def test_config_evaluation_of_a_cluster_snapshot(rds: Any) -> None:
    make(rds, "csnap", cluster=True)
    event = config_event("csnap", "AWS::RDS::DBClusterSnapshot", "guardrails-rds-snapshot-public")
    outcome, _ = run(event, config_rules=RULE)
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert restore(rds, "csnap", cluster=True) == []


def test_a_deleted_snapshot_and_a_malformed_record() -> None:
    outcome, counter = run(event_for("gone"))
    assert outcome.decision is Decision.COMPLIANT and counter.writes == []
    event = load_event(EXAMPLE)
    event["requestParameters"] = {"attributeName": "restore"}
    outcome, counter = run(event)
    assert outcome.decision is Decision.UNSUPPORTED and counter.total == 0


def test_undo_shares_it_again(rds: Any) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(**table_spec("ledger"))
    make(rds, "snap", cluster=True)
    outcome = process(event_for("snap", cluster=True), settings(ledger_table="ledger"), clients())
    assert outcome.decision is Decision.REMEDIATED
    done = undo(outcome)
    assert done["results"] == ["restored"]
    assert restore(rds, "snap", cluster=True) == ["all"]
