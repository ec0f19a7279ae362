"""default-sg-closed, react plane: the real handler against moto's in-memory EC2, including
an event two policies judge (``AuthorizeSecurityGroupIngress``, owned by sg-open-ingress)."""

from __future__ import annotations

import copy
from typing import Any

import boto3
import pytest
from conftest import load_event
from helpers import (
    REGION,
    CallCounter,
    clients,
    cloudtrail_permissions,
    cloudtrail_rule_set,
    config_event,
    settings,
    undo,
)

from guardrails_runtime.handler import process, process_all
from guardrails_runtime.ledger import table_spec
from guardrails_runtime.model import Decision, Mode

pytestmark = pytest.mark.usefixtures("aws")
EXAMPLE = "authorize-default-group-egress.json"
HTTPS = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
SSH = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
RULE = {"guardrails-default-sg-closed": "default-sg-closed"}


def default_group(ec2: Any) -> str:
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    [group] = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    return str(group["GroupId"])


def rules(ec2: Any, group: str) -> set[str]:
    found = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])
    return {r["SecurityGroupRuleId"] for r in found["SecurityGroupRules"]}


def authorize(ec2: Any, group: str, permission: dict[str, Any], *, egress: bool) -> dict[str, Any]:
    """Make the call and the CloudTrail record of it."""
    call = ec2.authorize_security_group_egress if egress else ec2.authorize_security_group_ingress
    created = call(GroupId=group, IpPermissions=[permission])["SecurityGroupRules"]
    event = load_event(EXAMPLE)
    event["eventName"] = "AuthorizeSecurityGroup" + ("Egress" if egress else "Ingress")
    event["requestParameters"] = {
        "groupId": group,
        "ipPermissions": cloudtrail_permissions([permission]),
    }
    event["responseElements"]["securityGroupRuleSet"] = cloudtrail_rule_set(created)
    return event


def run(event: dict[str, Any], mode: Mode = Mode.REMEDIATE, **kwargs: Any) -> tuple[Any, Any]:
    c = clients()
    counter = CallCounter(c.get("ec2", REGION))
    return process(event, settings(mode, **kwargs), c), counter


def test_exactly_the_added_egress_rule_is_revoked(ec2: Any) -> None:
    group = default_group(ec2)
    before = rules(ec2, group)  # AWS's own default rules stay: this call did not add them
    event = authorize(ec2, group, HTTPS, egress=True)
    outcome, counter = run(event)
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert outcome.rule == "GR-DSG1" and outcome.resource == group
    assert counter.writes == ["RevokeSecurityGroupEgress"]
    assert rules(ec2, group) == before


def test_a_non_default_group_is_not_this_policys(ec2: Any) -> None:
    vpc = ec2.create_vpc(CidrBlock="10.41.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="web", Description="w", VpcId=vpc)["GroupId"]
    outcome, counter = run(authorize(ec2, group, HTTPS, egress=True))
    assert outcome.decision is Decision.COMPLIANT and counter.writes == []


def test_ingress_on_a_default_group_reaches_both_policies(ec2: Any) -> None:
    """One delivery, two outcomes: sg-open-ingress (the owner) revokes the world-open SSH;
    default-sg-closed then finds the rule gone. HTTPS (allowed by sg-open-ingress) is
    revoked by default-sg-closed alone, under its own ledger key."""
    boto3.client("dynamodb", region_name=REGION).create_table(**table_spec("ledger"))
    group = default_group(ec2)
    ssh = authorize(ec2, group, SSH, egress=False)
    first, second = process_all(ssh, settings(ledger_table="ledger"), clients())
    assert (first.policy, first.decision) == ("sg-open-ingress", Decision.REMEDIATED)
    assert (second.policy, second.decision) == ("default-sg-closed", Decision.COMPLIANT)
    assert second.event_id == f"{first.event_id}#default-sg-closed"
    https = authorize(ec2, group, HTTPS, egress=False)
    https["eventID"] = "another-delivery-0002"
    first, second = process_all(https, settings(ledger_table="ledger"), clients())
    assert (first.policy, first.decision) == ("sg-open-ingress", Decision.COMPLIANT)
    assert (second.policy, second.decision) == ("default-sg-closed", Decision.REMEDIATED)
    # A re-delivery: default-sg-closed finds its own entry (a duplicate); sg-open-ingress
    # recorded nothing for a compliant change and judges it again, compliant.
    again = process_all(copy.deepcopy(https), settings(ledger_table="ledger"), clients())
    assert [o.decision for o in again] == [Decision.COMPLIANT, Decision.IGNORED]


def test_only_deployed_policies_judge_a_shared_event(ec2: Any) -> None:
    group = default_group(ec2)
    event = authorize(ec2, group, HTTPS, egress=False)
    [only] = process_all(event, settings(deployed=frozenset({"default-sg-closed"})), clients())
    assert only.policy == "default-sg-closed" and only.decision is Decision.REMEDIATED
    assert only.event_id == f"{event['eventID']}#default-sg-closed"


def test_a_shared_event_is_parsed_once(ec2: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both policies' passes use one parse (parsed events are frozen, so sharing is safe)."""
    from guardrails_runtime import handler

    calls: list[object] = []
    real = handler.parse
    monkeypatch.setattr(handler, "parse", lambda event: calls.append(event) or real(event))
    event = authorize(ec2, default_group(ec2), HTTPS, egress=False)
    outcomes = process_all(event, settings(), clients())
    assert [o.policy for o in outcomes] == ["sg-open-ingress", "default-sg-closed"]
    assert len(calls) == 1


def test_notify_mode_and_exemption(ec2: Any) -> None:
    group = default_group(ec2)
    outcome, counter = run(authorize(ec2, group, HTTPS, egress=True), Mode.NOTIFY)
    assert outcome.decision is Decision.WOULD_REMEDIATE and counter.writes == []
    ec2.create_tags(Resources=[group], Tags=[{"Key": "SecurityExemption", "Value": "true"}])
    event = authorize(ec2, group, SSH, egress=True)
    outcome, counter = run(event)
    assert outcome.decision is Decision.EXEMPT and counter.writes == []


def test_config_evaluation_closes_the_whole_default_group(ec2: Any) -> None:
    group = default_group(ec2)
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[HTTPS])
    event = config_event(group, "AWS::EC2::SecurityGroup", "guardrails-default-sg-closed")
    outcome, _ = run(event, config_rules=RULE)
    assert outcome.decision is Decision.REMEDIATED and rules(ec2, group) == set()


def test_undo_puts_the_rule_back(ec2: Any) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(**table_spec("ledger"))
    group = default_group(ec2)
    before = rules(ec2, group)
    outcome = process(
        authorize(ec2, group, HTTPS, egress=True), settings(ledger_table="ledger"), clients()
    )
    assert outcome.decision is Decision.REMEDIATED
    done = undo(outcome)
    assert done["results"] == ["restored"] and len(rules(ec2, group)) == len(before) + 1
