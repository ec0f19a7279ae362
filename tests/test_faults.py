"""Fault injection against moto: the outcome is correct and reported, and nothing that
should stay is removed. (More faults sit beside the scenarios in test_remediation_sg_moto.)
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.retries.standard import ExponentialBackoff
from helpers import (
    REGION,
    SSH_MIXED,
    CallCounter,
    clients,
    ingress,
    inject_ec2_error,
    new_group,
    open_and_record,
    settings,
)

from guardrails_runtime.handler import process
from guardrails_runtime.model import Decision

pytestmark = pytest.mark.usefixtures("aws")

KEPT = [
    {
        "FromPort": 22,
        "IpProtocol": "tcp",
        "ToPort": 22,
        "IpRanges": [{"CidrIp": "10.20.0.0/16", "Description": "office VPN"}],
    }
]


@pytest.fixture(autouse=True)
def no_backoff_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore still retries as configured; the tests only skip its sleeping."""
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0)


def test_throttling_burst_within_the_retry_budget(ec2: Any) -> None:
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    c = clients()
    hits = inject_ec2_error(
        c.get("ec2", REGION), "DescribeSecurityGroups", "RequestLimitExceeded", 503, 4, sent=True
    )
    outcome = process(event, settings(), c)
    assert len(hits) == 4  # five attempts in all: the fifth got through
    assert outcome.decision is Decision.REMEDIATED
    assert ingress(ec2, gid) == KEPT


def test_throttling_beyond_the_budget_raises_and_changes_nothing(ec2: Any) -> None:
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    before = ingress(ec2, gid)
    c = clients()
    inject_ec2_error(
        c.get("ec2", REGION), "DescribeSecurityGroups", "RequestLimitExceeded", 503, 50, sent=True
    )
    with pytest.raises(ClientError, match="RequestLimitExceeded"):
        process(event, settings(), c)  # raised: Lambda retries, then the DLQ keeps it
    assert ingress(ec2, gid) == before


def test_group_deleted_between_read_and_write(ec2: Any) -> None:
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    c = clients()
    handler_ec2 = c.get("ec2", REGION)

    def delete_first(**_: Any) -> None:
        handler_ec2.meta.events.unregister(
            "before-call.ec2.RevokeSecurityGroupIngress", delete_first
        )
        ec2.delete_security_group(GroupId=gid)

    handler_ec2.meta.events.register("before-call.ec2.RevokeSecurityGroupIngress", delete_first)
    outcome = process(event, settings(), c)
    assert outcome.decision is Decision.COMPLIANT
    assert outcome.reason == "already gone when revoking: nothing left to do"
    assert outcome.changes == []


def test_access_denied_on_the_read_changes_nothing(ec2: Any) -> None:
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    before = ingress(ec2, gid)
    c = clients()
    counter = CallCounter(c.get("ec2", REGION))
    inject_ec2_error(
        c.get("ec2", REGION), "DescribeSecurityGroups", "UnauthorizedOperation", 403, 1
    )
    outcome = process(event, settings(), c)
    assert outcome.decision is Decision.ERROR
    assert "access denied on DescribeSecurityGroups" in outcome.reason
    assert counter.writes == []
    assert ingress(ec2, gid) == before


def test_aws_reports_part_of_a_revoke_unknown(ec2: Any) -> None:
    """Default-VPC semantics: AWS revokes what it finds and lists the rest as unknown.

    What AWS did not find was not removed by the guardrail: it is not in the changes (the
    ledger entry), so ``guardrails undo`` cannot re-add a rule its owner had removed
    (issue 13, item 13)."""
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    c = clients()
    handler_ec2 = c.get("ec2", REGION)

    def add_unknown(parsed: dict[str, Any], **_: Any) -> None:
        parsed["UnknownIpPermissions"] = [
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ]

    handler_ec2.meta.events.register("after-call.ec2.RevokeSecurityGroupIngress", add_unknown)
    outcome = process(event, settings(), c)
    assert outcome.decision is Decision.REMEDIATED
    assert outcome.reason.endswith("1 entry(ies) were already gone; revoked")
    assert [c.detail["cidr"] for c in outcome.changes] == ["::/0"]
    assert ingress(ec2, gid) == KEPT


def test_stale_rule_ids_and_a_vanished_entry(ec2: Any) -> None:
    """The revoke by recorded ids fails (ids gone, one entry gone); the live read decides
    what is still open, and only that is revoked, by value."""
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    # Rule ids in the record no longer exist; the world-open IPv4 entry is gone too.
    ec2.revoke_security_group_ingress(GroupId=gid, IpPermissions=SSH_MIXED)
    ec2.authorize_security_group_ingress(
        GroupId=gid, IpPermissions=[{**SSH_MIXED[0], "IpRanges": SSH_MIXED[0]["IpRanges"][1:]}]
    )
    c = clients()
    counter = CallCounter(c.get("ec2", REGION))
    outcome = process(event, settings(), c)
    assert outcome.decision is Decision.REMEDIATED
    assert [ch.detail["cidr"] for ch in outcome.changes] == ["::/0"]
    assert counter.calls["RevokeSecurityGroupIngress"] >= 2
    assert ingress(ec2, gid) == KEPT
