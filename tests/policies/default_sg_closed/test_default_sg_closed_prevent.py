"""default-sg-closed, prevent plane: CloudFormation rule resources on a VPC's default
group, a real Terraform plan of aws_default_security_group, its Rego copy, CDK synth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from conftest import FIXTURES
from prevent import EXEMPT_CFN, cfn, plan_rows, rego_rows

from guardrails import GuardrailChecks

PLAN = FIXTURES / "tf" / "default-sg.plan.json"
POLICY = "default-sg-closed"
VPC = {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}}
DEFAULT = {"Fn::GetAtt": ["Vpc", "DefaultSecurityGroup"]}


def rule(kind: str, group: Any, **extra: Any) -> dict[str, Any]:
    props = {"GroupId": group, "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}
    return {"Type": f"AWS::EC2::SecurityGroup{kind}", "Properties": props | extra}


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (rule("Ingress", DEFAULT, CidrIp="10.0.0.0/8"), {("GR-DSG1", "error")}),
        (rule("Ingress", DEFAULT, SourceSecurityGroupId="sg-0a1b2c3d"), {("GR-DSG1", "error")}),
        (rule("Egress", DEFAULT, CidrIp="0.0.0.0/0"), {("GR-DSG1", "error")}),
        (rule("Ingress", {"Fn::GetAtt": ["Web", "GroupId"]}, CidrIp="10.0.0.0/8"), set()),
        (rule("Egress", "sg-0a1b2c3d4e5f60001", CidrIp="0.0.0.0/0"), set()),
    ],
)
def test_cloudformation(resource: dict[str, Any], expected: set[tuple[str, str]]) -> None:
    assert cfn(POLICY, {"Vpc": VPC, "Rule": resource}) == expected


def test_the_exemption_tag_of_the_rule_resource_is_not_needed_to_fail() -> None:
    """A rule resource has no tags: a default group is exempted through its VPC's
    template acknowledgement, not by tagging; EXEMPT_CFN on the VPC changes nothing."""
    vpc = VPC | {"Properties": VPC["Properties"] | {"Tags": EXEMPT_CFN}}
    found = cfn(POLICY, {"Vpc": vpc, "Rule": rule("Egress", DEFAULT, CidrIp="0.0.0.0/0")})
    assert found == {("GR-DSG1", "error")}


def test_real_terraform_plan() -> None:
    """Planned by terraform from tests/fixtures/tf/src/default-sg (see generate.py)."""
    assert plan_rows(PLAN, POLICY) == {
        ("aws_default_security_group.open", "GR-DSG1", "error"),
        ("aws_default_security_group.lab", "GR-DSG1", "warning"),  # exemption tag
        ("aws_default_security_group.computed", "GR-DSG2", "warning"),
    }  # the group declared without blocks (Terraform empties it) passes


def test_rego_copy_agrees_with_python_on_the_real_plan() -> None:
    assert rego_rows(PLAN, POLICY) == plan_rows(PLAN, POLICY)


@pytest.mark.synth
def test_cdk_synth_fails_on_a_rule_added_to_the_default_group(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = cdk.Stack(app, "Network")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0)
    ec2.CfnSecurityGroupIngress(
        stack,
        "Opened",
        group_id=vpc.vpc_default_security_group,
        ip_protocol="tcp",
        from_port=443,
        to_port=443,
        cidr_ip="10.0.0.0/8",
    )
    checks = GuardrailChecks(app)
    cdk.Validations.of(app).add_plugins(checks)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    assert [f.rule for f in checks.findings if f.policy == POLICY] == ["GR-DSG1"]
