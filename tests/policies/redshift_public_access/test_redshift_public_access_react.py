"""redshift-public-access, react plane: the real handler against moto's in-memory Redshift."""

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
EXAMPLE = "modify-redshift-public.json"
NAME = "analytics"
RULE = {"guardrails-redshift-public-access": "redshift-public-access"}


@pytest.fixture
def redshift() -> Any:
    return boto3.client("redshift", region_name=REGION)


def make(redshift: Any, *, public: bool, name: str = NAME, **tags: str) -> None:
    redshift.create_cluster(
        ClusterIdentifier=name,
        NodeType="ra3.xlplus",
        MasterUsername="admin",
        MasterUserPassword="Not-a-real-password-1",
        PubliclyAccessible=public,
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )
    redshift.describe_clusters(ClusterIdentifier=name)  # moto: creating -> available


def public(redshift: Any, name: str = NAME) -> bool:
    return bool(
        redshift.describe_clusters(ClusterIdentifier=name)["Clusters"][0]["PubliclyAccessible"]
    )


def run(event: dict[str, Any], mode: Mode = Mode.REMEDIATE, **kwargs: Any) -> tuple[Any, Any]:
    c = clients()
    counter = CallCounter(c.get("redshift", REGION))
    return process(event, settings(mode, **kwargs), c), counter


def test_public_cluster_is_made_private(redshift: Any) -> None:
    make(redshift, public=True)
    outcome, counter = run(load_event(EXAMPLE))
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert outcome.rule == "GR-RS1" and outcome.resource == NAME
    assert counter.order == ["DescribeClusters", "ModifyCluster"]
    assert not public(redshift)


def test_private_cluster_is_compliant(redshift: Any) -> None:
    make(redshift, public=False)
    outcome, counter = run(load_event(EXAMPLE))
    assert outcome.decision is Decision.COMPLIANT and counter.writes == []


def test_notify_mode_and_exemption_change_nothing(redshift: Any) -> None:
    make(redshift, public=True)
    outcome, counter = run(load_event(EXAMPLE), Mode.NOTIFY)
    assert outcome.decision is Decision.WOULD_REMEDIATE and counter.writes == []
    make(redshift, public=True, name="partner", SecurityExemption="true")
    event = load_event(EXAMPLE)
    event["requestParameters"]["clusterIdentifier"] = "partner"
    outcome, counter = run(event)
    assert (
        outcome.decision is Decision.EXEMPT and counter.writes == [] and public(redshift, "partner")
    )


def test_a_renamed_cluster_is_found_by_its_new_name(redshift: Any) -> None:
    make(redshift, public=True, name="renamed")
    event = load_event(EXAMPLE)
    event["requestParameters"] = {"clusterIdentifier": "old", "newClusterIdentifier": "renamed"}
    event["responseElements"] = None
    outcome, _ = run(event)
    assert outcome.decision is Decision.REMEDIATED and not public(redshift, "renamed")


def test_a_cluster_not_available_yet_is_notified(redshift: Any) -> None:
    make(redshift, public=True)
    c = clients()
    counter = CallCounter(c.get("redshift", REGION))

    def creating(parsed: dict[str, Any], **_: Any) -> None:
        for item in parsed.get("Clusters", []):
            item["ClusterStatus"] = "creating"

    c.get("redshift", REGION).meta.events.register("after-call.redshift.DescribeClusters", creating)
    outcome = process(load_event(EXAMPLE), settings(), c)
    assert outcome.decision is Decision.NOTIFIED and "Config rule" in outcome.reason
    assert counter.writes == []


def test_config_evaluation_routes_to_the_fix(redshift: Any) -> None:
    make(redshift, public=True)
    event = config_event(NAME, "AWS::Redshift::Cluster", "guardrails-redshift-public-access")
    outcome, _ = run(event, config_rules=RULE)
    assert outcome.decision is Decision.REMEDIATED and not public(redshift)


def test_a_deleted_cluster_and_a_malformed_record() -> None:
    outcome, counter = run(load_event(EXAMPLE))
    assert outcome.decision is Decision.COMPLIANT and counter.writes == []
    event = load_event(EXAMPLE)
    event["requestParameters"], event["responseElements"] = {"publiclyAccessible": True}, None
    outcome, counter = run(event)
    assert outcome.decision is Decision.UNSUPPORTED and counter.total == 0


def test_undo_makes_it_public_again(redshift: Any) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(**table_spec("ledger"))
    make(redshift, public=True)
    outcome = process(load_event(EXAMPLE), settings(ledger_table="ledger"), clients())
    assert outcome.decision is Decision.REMEDIATED
    done = undo(outcome)
    assert done["results"] == ["restored"] and public(redshift)
