"""Split internet (issue 13, item 1): sources that only together are the whole internet.

tcp 22 from ``0.0.0.0/1`` plus ``128.0.0.0/1`` (or ``::/1`` plus ``8000::/1``) is as open
as ``0.0.0.0/0``, yet each entry alone has a prefix length above 0. Every plane now judges
the coverage of one group's sources per disallowed protocol and port: the real handler
against moto (API-call and Config-routed events), CloudFormation and CDK synth here; the
Terraform plan and the Rego copy on ``tests/fixtures/tf/sg-split-internet.plan.json``
(``tests/test_rego.py`` holds the two engines equal on it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2_cdk
from conftest import FIXTURES, load_event
from helpers import REGION, CallCounter, clients, ingress, new_group, open_and_record, settings

from guardrails import GuardrailChecks
from guardrails.scan import cloudformation
from guardrails.scan.engine import evaluate, scan_path
from guardrails_runtime.handler import process
from guardrails_runtime.model import Decision


def ssh(*cidrs: str, port: int = 22, v6: bool = False) -> dict[str, Any]:
    key, inner = ("Ipv6Ranges", "CidrIpv6") if v6 else ("IpRanges", "CidrIp")
    return {
        "IpProtocol": "tcp",
        "FromPort": port,
        "ToPort": port,
        key: [{inner: c} for c in cidrs],
    }


def run(event: dict[str, Any]) -> tuple[Any, CallCounter]:
    c = clients()
    counter = CallCounter(c.get("ec2", REGION))
    return process(event, settings(), c), counter


def sources(ec2: Any, gid: str) -> set[str]:
    return {
        r.get("CidrIp") or r.get("CidrIpv6")
        for p in ingress(ec2, gid)
        for r in p.get("IpRanges", []) + p.get("Ipv6Ranges", [])
    }


@pytest.mark.usefixtures("aws")
class TestReactPlane:
    def test_the_half_that_completes_the_cover_is_revoked_and_only_it(self, ec2: Any) -> None:
        gid = new_group(ec2)
        ec2.authorize_security_group_ingress(
            GroupId=gid, IpPermissions=[ssh("0.0.0.0/1", "10.0.0.0/8")]
        )
        event = open_and_record(ec2, gid, [ssh("128.0.0.0/1")])
        outcome, counter = run(event)
        assert outcome.decision is Decision.REMEDIATED, outcome.reason
        assert outcome.rule == "GR-SG1" and "together with" in outcome.reason
        assert sources(ec2, gid) == {"0.0.0.0/1", "10.0.0.0/8"}  # pre-existing entries stay
        assert counter.writes == ["RevokeSecurityGroupIngress"]

    def test_both_halves_in_one_call_are_both_revoked(self, ec2: Any) -> None:
        gid = new_group(ec2)
        event = open_and_record(ec2, gid, [ssh("0.0.0.0/1", "128.0.0.0/1")])
        outcome, _ = run(event)
        assert outcome.decision is Decision.REMEDIATED
        assert sources(ec2, gid) == set()

    def test_ipv6_halves(self, ec2: Any) -> None:
        gid = new_group(ec2)
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[ssh("::/1", v6=True)])
        outcome, _ = run(open_and_record(ec2, gid, [ssh("8000::/1", v6=True)]))
        assert outcome.decision is Decision.REMEDIATED
        assert sources(ec2, gid) == {"::/1"}

    @pytest.mark.parametrize(
        ("existing", "added"),
        [
            (ssh("0.0.0.0/1", port=443), ssh("128.0.0.0/1", port=443)),  # allowed port
            (ssh("0.0.0.0/1", port=23), ssh("128.0.0.0/1")),  # different ports
            (ssh("0.0.0.0/1", "128.0.0.0/2"), ssh("224.0.0.0/3")),  # 192.0.0.0/3 missing
        ],
    )
    def test_no_cover_no_revoke(self, ec2: Any, existing: Any, added: Any) -> None:
        gid = new_group(ec2)
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[existing])
        outcome, counter = run(open_and_record(ec2, gid, [added]))
        assert outcome.decision is Decision.COMPLIANT, outcome.reason
        assert counter.writes == []

    def test_config_evaluation_revokes_every_member_of_a_cover(self, ec2: Any) -> None:
        gid = new_group(ec2)
        ec2.authorize_security_group_ingress(
            GroupId=gid, IpPermissions=[ssh("0.0.0.0/1", "128.0.0.0/1", "10.0.0.0/8")]
        )
        event = json.loads(
            json.dumps(load_event("config-sg-noncompliant.json"))
            .replace("sg-0a1b2c3d4e5f60006", gid)
            .replace("eu-west-1", REGION)
        )
        c = clients()
        outcome = process(
            event, settings(config_rules={"guardrails-sg-open-ingress": "sg-open-ingress"}), c
        )
        assert outcome.decision is Decision.REMEDIATED, outcome.reason
        assert sources(ec2, gid) == {"10.0.0.0/8"}  # nested inside a member: not one


def template(*rules: dict[str, Any], standalone: dict[str, Any] | None = None) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "G": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {"GroupDescription": "g", "SecurityGroupIngress": list(rules)},
        }
    }
    if standalone:
        resources["R"] = {
            "Type": "AWS::EC2::SecurityGroupIngress",
            "Properties": {"GroupId": {"Fn::GetAtt": ["G", "GroupId"]}, **standalone},
        }
    return {"Resources": resources}


def cfn_rule(cidr: str, port: int = 22) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "CidrIp": cidr}


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (template(cfn_rule("0.0.0.0/1"), cfn_rule("128.0.0.0/1")), {"G"}),
        (template(cfn_rule("0.0.0.0/1"), standalone=cfn_rule("128.0.0.0/1")), {"G", "R"}),
        (template(cfn_rule("0.0.0.0/1", 443), cfn_rule("128.0.0.0/1", 443)), set()),
        (template(cfn_rule("0.0.0.0/1"), cfn_rule("128.0.0.0/2")), set()),
    ],
)
def test_cloudformation(document: dict[str, Any], expected: set[str]) -> None:
    found = evaluate(cloudformation.subjects(document, "t.json"))
    assert {f.resource for f in found if f.rule == "GR-SG1"} == expected


def test_terraform_plan() -> None:
    rows = {
        (f.resource, f.level)
        for f in scan_path(FIXTURES / "tf" / "sg-split-internet.plan.json")
        if f.rule == "GR-SG1"
    }
    assert rows == {
        ("aws_security_group.halves", "error"),
        ("aws_security_group.halves_v6", "error"),
        ("aws_security_group.ranges", "error"),
        ("aws_security_group.all_and_tcp", "error"),
        ("aws_security_group.exempt", "warning"),
        ("aws_security_group.split", "error"),
        ("aws_security_group_rule.split_other_half", "error"),
        ("aws_vpc_security_group_ingress_rule.literal_a", "error"),
        ("aws_vpc_security_group_ingress_rule.literal_b", "error"),
        ("aws_vpc_security_group_ingress_rule.v6_quarter_a", "error"),
        ("aws_vpc_security_group_ingress_rule.v6_quarter_b", "error"),
        ("aws_vpc_security_group_ingress_rule.v6_half", "error"),
    }


@pytest.mark.synth
def test_cdk_synth_fails_on_a_split_internet_l2_group(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = cdk.Stack(app, "Net")
    vpc = ec2_cdk.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0)
    group = ec2_cdk.SecurityGroup(stack, "Bastion", vpc=vpc)
    group.add_ingress_rule(ec2_cdk.Peer.ipv4("0.0.0.0/1"), ec2_cdk.Port.tcp(22))
    group.add_ingress_rule(ec2_cdk.Peer.ipv4("128.0.0.0/1"), ec2_cdk.Port.tcp(22))
    checks = GuardrailChecks(app)
    cdk.Validations.of(app).add_plugins(checks)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    assert [f.rule for f in checks.findings if f.policy == "sg-open-ingress"] == ["GR-SG1"] * 2
