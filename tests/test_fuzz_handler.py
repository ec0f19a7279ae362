"""Fuzzing the handler: mutated CloudTrail records and envelopes of every supported event.

Hypothesis mutates the recorded events (keys removed, values nulled or replaced by other
types, extra keys, odd key casing, huge lists) and runs the real handler against moto.
For every mutant: nothing is raised, the decision is one of the contract's values with a
reason, the compliant entries of the group survive, and an AWS write happens only for a
record that still names a violation the group holds.

2,000 examples per CI run; a longer run is ``GUARDRAILS_FUZZ_EXAMPLES=50000 pytest
tests/test_fuzz_handler.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any

import boto3
import pytest
from conftest import load_event
from fuzzing import mutants
from helpers import REGION, CallCounter, clients, new_group, settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from guardrails_runtime.adapters.ec2_security_group import (
    entries_from_authorize,
    entries_from_modify,
)
from guardrails_runtime.events import ComplianceChange, MalformedEventError, parse
from guardrails_runtime.handler import process
from guardrails_runtime.model import Decision, InvalidEntryError
from guardrails_runtime.policies.sg_open_ingress.policy import open_entries

EXAMPLES = int(os.environ.get("GUARDRAILS_FUZZ_EXAMPLES", "2000"))
BASES = [
    "authorize-ssh-world.json",
    "authorize-legacy-cidrip.json",
    "authorize-https-world.json",
    "modify-rule-rdp-world.json",
    "config-sg-noncompliant.json",
]
RULE_NAME = "guardrails-sg-open-ingress"
KEEP = [  # compliant entries that must survive every mutant
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.20.0.0/16"}]},
    {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
]
OPEN = [
    {
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
        "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
    },
    {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
]


def names_a_violation(event: Any, group_id: str) -> bool:
    """Oracle: does the mutated record still name a world-open entry on our group?"""
    try:
        parsed = parse(event)
        if isinstance(parsed, ComplianceChange):
            return (
                parsed.compliance == "NON_COMPLIANT"
                and parsed.rule_name == RULE_NAME
                and parsed.resource_id == group_id
                and parsed.resource_type == "AWS::EC2::SecurityGroup"
            )
        if parsed.error_code:
            return False
        if parsed.event_name == "AuthorizeSecurityGroupIngress":
            entries = entries_from_authorize(parsed.request, parsed.response)
        elif parsed.event_name == "ModifySecurityGroupRules":
            entries = entries_from_modify(parsed.request)[1]
        else:
            return False
        return bool(open_entries(entries))
    except (MalformedEventError, InvalidEntryError, AttributeError, TypeError):
        return False


def grants(ec2: Any, group_id: str) -> set[tuple[Any, ...]]:
    group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    return {
        (p["IpProtocol"], p.get("FromPort"), p.get("ToPort"), r.get("CidrIp") or r.get("CidrIpv6"))
        for p in group["IpPermissions"]
        for r in p.get("IpRanges", []) + p.get("Ipv6Ranges", [])
    }


@pytest.mark.usefixtures("aws")
def test_mutated_events_never_crash_or_overreach() -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    group_id = new_group(ec2)
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=KEEP)
    kept = grants(ec2, group_id)
    bases = []
    for name in BASES:
        text = json.dumps(load_event(name))
        for old in (
            "sg-0a1b2c3d4e5f60001",
            "sg-0a1b2c3d4e5f60002",
            "sg-0a1b2c3d4e5f60003",
            "sg-0a1b2c3d4e5f60004",
            "sg-0a1b2c3d4e5f60006",
        ):
            text = text.replace(old, group_id)
        bases.append(json.loads(text))
    handler_clients = clients()
    counter = CallCounter(handler_clients.get("ec2", REGION))
    runtime = settings(config_rules={RULE_NAME: "sg-open-ingress"})

    @hsettings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def check(data: Any) -> None:
        event = data.draw(mutants(data.draw(st.sampled_from(bases))))
        for permission in OPEN:  # the group is open again before every mutant
            with contextlib.suppress(ec2.exceptions.ClientError):  # still there
                ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[permission])
        counter.order.clear()
        outcome = process(event, runtime, handler_clients)
        assert isinstance(outcome.decision, Decision) and outcome.reason
        assert kept <= grants(ec2, group_id)
        if counter.writes:
            assert outcome.decision is Decision.REMEDIATED
            assert names_a_violation(event, group_id), event

    check()
