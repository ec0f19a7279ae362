"""imdsv2-required, react plane: the real handler against moto's in-memory EC2."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from conftest import load_event
from helpers import REGION, CallCounter, clients, config_event, settings, undo

from guardrails_runtime.handler import process
from guardrails_runtime.ledger import table_spec
from guardrails_runtime.model import Decision, Mode
from guardrails_runtime.policies.imdsv2_required.emulate import IMAGE

pytestmark = pytest.mark.usefixtures("aws")
EXAMPLE = "run-instances-imdsv1.json"
RULE = {"guardrails-imdsv2-required": "imdsv2-required"}


def launch(ec2: Any, tokens: str = "optional", count: int = 1, **tags: str) -> list[str]:
    spec = [{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]
    found = ec2.run_instances(
        ImageId=IMAGE,
        MinCount=count,
        MaxCount=count,
        InstanceType="t3.micro",
        MetadataOptions={"HttpTokens": tokens},
        TagSpecifications=spec if tags else [],
    )["Instances"]
    return [i["InstanceId"] for i in found]


def tokens(ec2: Any, *ids: str) -> list[str]:
    found = ec2.describe_instances(InstanceIds=list(ids))["Reservations"]
    by_id = {
        i["InstanceId"]: i["MetadataOptions"]["HttpTokens"] for r in found for i in r["Instances"]
    }
    return [by_id[i] for i in ids]


def run_event(*ids: str) -> dict[str, Any]:
    event = load_event(EXAMPLE)
    event["responseElements"]["instancesSet"]["items"] = [{"instanceId": i} for i in ids]
    return event


def run(event: dict[str, Any], mode: Mode = Mode.REMEDIATE, **kwargs: Any) -> tuple[Any, Any]:
    c = clients()
    counter = CallCounter(c.get("ec2", REGION))
    return process(event, settings(mode, **kwargs), c), counter


def test_every_launched_instance_allowing_imdsv1_is_fixed(ec2: Any) -> None:
    ids = launch(ec2, count=2)
    fine = launch(ec2, tokens="required")
    outcome, counter = run(run_event(*ids, *fine))
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert outcome.rule == "GR-IMDS1" and outcome.resource == ", ".join(ids)
    assert counter.writes == ["ModifyInstanceMetadataOptions"] * 2
    assert tokens(ec2, *ids, *fine) == ["required"] * 3
    assert [c.undo_call.params for c in outcome.changes if c.undo_call] == [
        {"InstanceId": i, "HttpTokens": "optional"} for i in ids
    ]


def test_an_exempt_instance_is_left_and_named(ec2: Any) -> None:
    [kept] = launch(ec2, SecurityExemption="true")
    [fixed] = launch(ec2)
    outcome, _ = run(run_event(kept, fixed))
    assert outcome.decision is Decision.REMEDIATED and kept in outcome.reason
    assert tokens(ec2, kept, fixed) == ["optional", "required"]
    outcome, counter = run(run_event(kept))
    assert outcome.decision is Decision.EXEMPT and counter.writes == []


def test_the_fingerprint_names_no_instance(ec2: Any) -> None:
    """Holds key on what violates, not which instances: two launches, one fingerprint."""
    first, _ = run(run_event(*launch(ec2)), Mode.NOTIFY)
    second, _ = run(run_event(*launch(ec2, count=3)), Mode.NOTIFY)
    assert first.fingerprint == second.fingerprint is not None


def test_modify_metadata_options_back_to_optional(ec2: Any) -> None:
    [instance] = launch(ec2)
    event = load_event(EXAMPLE)
    event["eventName"] = "ModifyInstanceMetadataOptions"
    event["requestParameters"] = {"instanceId": instance, "httpTokens": "optional"}
    event["responseElements"] = None
    outcome, _ = run(event)
    assert outcome.decision is Decision.REMEDIATED and tokens(ec2, instance) == ["required"]


def test_compliant_gone_and_malformed(ec2: Any) -> None:
    [fine] = launch(ec2, tokens="required")
    outcome, counter = run(run_event(fine))
    assert outcome.decision is Decision.COMPLIANT and counter.writes == []
    [gone] = launch(ec2)
    ec2.terminate_instances(InstanceIds=[gone])
    outcome, counter = run(run_event(gone, "i-0000000000000dead"))
    assert outcome.decision is Decision.COMPLIANT and counter.writes == []
    event = load_event(EXAMPLE)
    event["responseElements"] = None
    outcome, counter = run(event)
    assert outcome.decision is Decision.UNSUPPORTED and counter.total == 0


def test_notify_mode_changes_nothing(ec2: Any) -> None:
    ids = launch(ec2)
    outcome, counter = run(run_event(*ids), Mode.NOTIFY)
    assert outcome.decision is Decision.WOULD_REMEDIATE and counter.writes == []


def test_config_evaluation_routes_to_the_fix(ec2: Any) -> None:
    [instance] = launch(ec2)
    event = config_event(instance, "AWS::EC2::Instance", "guardrails-imdsv2-required")
    outcome, _ = run(event, config_rules=RULE)
    assert outcome.decision is Decision.REMEDIATED and tokens(ec2, instance) == ["required"]


def test_undo_allows_imdsv1_again(ec2: Any) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(**table_spec("ledger"))
    ids = launch(ec2, count=2)
    outcome = process(run_event(*ids), settings(ledger_table="ledger"), clients())
    assert outcome.decision is Decision.REMEDIATED
    done = undo(outcome)
    assert done["results"] == ["restored", "restored"]
    assert tokens(ec2, *ids) == ["optional", "optional"]
