"""ModifySecurityGroupRules names rules by id, and an id may be an egress rule (issue 13, item 5).

The request body alone (protocol, ports, CIDR) reads like an ingress permission. An
attacker modifying an egress rule to "tcp 22 from 0.0.0.0/0" once made the guardrail
revoke a pre-existing ingress rule with the same grant, by value. The direction is now
read by rule id first, and a modified rule is revoked by its id or not at all.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import load_event
from helpers import REGION, CallCounter, clients, ingress, new_group, settings

from guardrails_runtime.handler import process
from guardrails_runtime.model import Decision

pytestmark = pytest.mark.usefixtures("aws")

SSH_WORLD = {
    "IpProtocol": "tcp",
    "FromPort": 22,
    "ToPort": 22,
    "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "pre-existing"}],
}


def modify_event(group_id: str, rule_id: str) -> dict[str, Any]:
    text = (
        json.dumps(load_event("modify-rule-rdp-world.json"))
        .replace("sg-0a1b2c3d4e5f60004", group_id)
        .replace("sgr-0cc1111111111111a", rule_id)
    )
    event: dict[str, Any] = json.loads(text)
    detail = event.get("detail", event)
    wrapper = detail["requestParameters"]["ModifySecurityGroupRulesRequest"]
    rules = wrapper["SecurityGroupRule"]
    for rule in rules if isinstance(rules, list) else [rules]:
        rule["SecurityGroupRule"].update(
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIpv4": "0.0.0.0/0"}
        )
    return event


def run(event: dict[str, Any]) -> tuple[Any, CallCounter]:
    c = clients()
    counter = CallCounter(c.get("ec2", REGION))
    return process(event, settings(), c), counter


def test_an_egress_rule_modified_to_ssh_world_removes_no_ingress_rule(ec2: Any) -> None:
    gid = new_group(ec2)
    ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[SSH_WORLD])
    [egress] = ec2.authorize_security_group_egress(
        GroupId=gid,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
            }
        ],
    )["SecurityGroupRules"]
    before = ingress(ec2, gid)
    outcome, counter = run(modify_event(gid, egress["SecurityGroupRuleId"]))
    assert outcome.decision is Decision.IGNORED, outcome.reason
    assert "egress" in outcome.reason
    assert counter.writes == []
    assert ingress(ec2, gid) == before


def test_a_modified_rule_that_is_gone_is_not_replaced_by_a_lookalike(ec2: Any) -> None:
    gid = new_group(ec2)
    ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[SSH_WORLD])
    before = ingress(ec2, gid)
    outcome, counter = run(modify_event(gid, "sgr-0000000000000dead"))
    assert outcome.decision in (Decision.IGNORED, Decision.COMPLIANT), outcome.reason
    assert counter.writes == []
    assert ingress(ec2, gid) == before
