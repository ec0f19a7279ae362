"""Hostile input and interrupted fixes at runtime (issue 13, item 13).

* A directly invoked hostile event (990-deep nesting, an impossible bucket name, a
  well-formed region that no AWS partition has) ends as ``unsupported``: never a raise
  into the retry loop and the DLQ, never a call to AWS.
* What AWS reports as unknown in a revoke was already gone: it is not recorded as removed
  (``guardrails undo`` would otherwise re-add a rule its owner had removed; see
  ``tests/test_faults.py::test_aws_reports_part_of_a_revoke_unknown``).
* A revoke interrupted half-way (the event is retried) keeps, in the ledger entry of the
  retry, the half the first attempt removed beside the half the retry removes.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from conftest import load_event
from helpers import REGION, CallCounter, clients, new_group, open_and_record, settings

from guardrails_runtime.handler import process
from guardrails_runtime.ledger import Ledger, table_spec
from guardrails_runtime.model import Decision

pytestmark = pytest.mark.usefixtures("aws")


def deep(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels):
        value = {"a": value}
    return value


def hostile_events() -> list[tuple[str, dict[str, Any]]]:
    acl = load_event("put-bucket-acl-public-read.json")
    ssh = load_event("authorize-ssh-world.json")
    out: list[tuple[str, dict[str, Any]]] = [("whole event 990 deep", deep(990))]
    for name, base, path, value in [
        ("request 990 deep", ssh, ("requestParameters",), deep(990)),
        ("permissions 990 deep", ssh, ("requestParameters", "ipPermissions"), deep(990)),
        ("bucket name 990 deep", acl, ("requestParameters", "bucketName"), deep(990)),
        ("bucket name with a slash", acl, ("requestParameters", "bucketName"), "a/../b"),
        ("bucket name of 300 chars", acl, ("requestParameters", "bucketName"), "b" * 300),
        ("unknown region (S3)", acl, ("awsRegion",), "xx-nowhere-9"),
        ("unknown region (EC2)", ssh, ("awsRegion",), "xx-nowhere-9"),
        ("region that is not text", ssh, ("awsRegion",), ["eu-west-1"]),
    ]:
        event = copy.deepcopy(base)
        target = event["detail"]
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        if path == ("awsRegion",):
            event["region"] = value
        out.append((name, event))
    return out


@pytest.mark.parametrize(("name", "event"), hostile_events(), ids=[n for n, _ in hostile_events()])
def test_hostile_events_are_unsupported_and_touch_nothing(name: str, event: dict[str, Any]) -> None:
    c = clients()
    counters = [CallCounter(c.get(service, REGION)) for service in ("ec2", "s3")]
    outcome = process(event, settings(), c)
    assert outcome.decision is Decision.UNSUPPORTED, (name, outcome.reason)
    assert outcome.reason.startswith("malformed event")
    assert all(counter.total == 0 for counter in counters)
    json.dumps(outcome.as_dict())  # the outcome itself is printable


def test_a_retry_keeps_what_the_interrupted_attempt_revoked(ec2: Any) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(**table_spec("ledger"))
    cfg = settings(ledger_table="ledger")
    gid = new_group(ec2)
    ssh = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22}
    event = open_and_record(
        ec2,
        gid,
        [
            {**ssh, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            {**ssh, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
        ],
    )
    # First attempt: the revoke by rule ids and the batch revoke by value are answered "one
    # of them is gone" (so the fix revokes one by one); the first single revoke goes
    # through, the second is throttled and the event fails (to be retried).
    first = clients()
    gone = "InvalidPermission.NotFound"
    script = iter([gone, gone, None, "RequestLimitExceeded"])

    def answer(**_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        code = next(script, None)
        if code is None:
            return None
        parsed = {
            "Error": {"Code": code, "Message": "injected"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        return AWSResponse("https://ec2.invalid", 400, {}, None), parsed  # type: ignore[arg-type]

    first.get("ec2", REGION).meta.events.register_first(
        "before-call.ec2.RevokeSecurityGroupIngress", answer
    )
    with pytest.raises(Exception, match="RequestLimitExceeded"):
        process(event, cfg, first)
    # The retry (same event) revokes the other half; the entry knows both.
    outcome = process(event, cfg, clients())
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert sorted(c.detail["cidr"] for c in outcome.changes) == ["0.0.0.0/0", "::/0"]
    entry = Ledger(cfg, clients()).handled(outcome.event_id)
    assert entry is not None and entry["final"]
    assert sorted(c["detail"]["cidr"] for c in entry["record"]["changes"]) == ["0.0.0.0/0", "::/0"]
    live = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]["IpPermissions"]
    assert live == []
