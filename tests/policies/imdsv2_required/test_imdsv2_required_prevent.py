"""imdsv2-required, prevent plane: CloudFormation, a real Terraform plan, Rego, CDK synth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from conftest import FIXTURES
from prevent import plan_rows, rego_rows

from guardrails import GuardrailChecks
from guardrails.scan.cloudformation import subjects
from guardrails.scan.engine import evaluate, scan_path

PLAN = FIXTURES / "tf" / "imds.plan.json"
POLICY = "imdsv2-required"
REQUIRED = {"HttpTokens": "required"}


def findings(resources: dict[str, Any]) -> set[tuple[str, str, str]]:
    document = {
        "Parameters": {
            "Tokens": {"Type": "String"},
            "Strict": {"Type": "String", "Default": "required"},
        },
        "Resources": resources,
    }
    return {
        (f.resource, f.rule, f.level)
        for f in evaluate(subjects(document, "t.json"))
        if f.policy == POLICY
    }


def instance(**properties: Any) -> dict[str, Any]:
    return {"Type": "AWS::EC2::Instance", "Properties": {"ImageId": "ami-1", **properties}}


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        ({"MetadataOptions": REQUIRED}, set()),
        ({"MetadataOptions": {"HttpTokens": "Required"}}, set()),
        ({"MetadataOptions": {"HttpTokens": "optional"}}, {("GR-IMDS1", "error")}),
        ({}, {("GR-IMDS1", "error")}),  # absent: EC2 allows IMDSv1
        ({"MetadataOptions": {"HttpEndpoint": "disabled"}}, set()),  # no metadata service
        ({"MetadataOptions": {"HttpTokens": {"Ref": "Tokens"}}}, {("GR-IMDS2", "warning")}),
        ({"MetadataOptions": {"HttpTokens": {"Ref": "Strict"}}}, set()),
        (
            {"LaunchTemplate": {"LaunchTemplateId": "lt-0abc", "Version": "1"}},
            {("GR-IMDS2", "warning")},
        ),
        (
            {
                "MetadataOptions": {"HttpTokens": "optional"},
                "Tags": [{"Key": "SecurityExemption", "Value": "true"}],
            },
            {("GR-IMDS1", "warning")},
        ),
    ],
)
def test_cloudformation_instances(
    properties: dict[str, Any], expected: set[tuple[str, str]]
) -> None:
    assert {
        (rule, level) for _, rule, level in findings({"Box": instance(**properties)})
    } == expected


def test_an_instance_is_judged_through_its_launch_template_in_the_file() -> None:
    loose = {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": {}}}
    strict = {
        "Type": "AWS::EC2::LaunchTemplate",
        "Properties": {"LaunchTemplateData": {"MetadataOptions": REQUIRED}},
    }
    config = {"Type": "AWS::AutoScaling::LaunchConfiguration", "Properties": {"ImageId": "ami-1"}}
    found = findings(
        {
            "Loose": loose,
            "Strict": strict,
            "Old": config,
            "Box": instance(LaunchTemplate={"LaunchTemplateId": {"Ref": "Strict"}, "Version": "1"}),
        }
    )
    assert found == {("Loose", "GR-IMDS1", "error"), ("Old", "GR-IMDS1", "error")}


def test_real_terraform_plan() -> None:
    """Planned by terraform from tests/fixtures/tf/src/imds (see generate.py)."""
    rows = {(f.resource, f.rule, f.level) for f in scan_path(PLAN) if f.policy == POLICY}
    assert rows == {
        ("aws_instance.absent", "GR-IMDS1", "error"),
        ("aws_instance.optional", "GR-IMDS1", "error"),
        ("aws_instance.exempt", "GR-IMDS1", "warning"),
        ("aws_instance.from_elsewhere", "GR-IMDS2", "warning"),
        ("aws_launch_template.loose", "GR-IMDS1", "error"),
    }  # required, no_endpoint, the strict template and the instance using it pass


def test_rego_copy_agrees_with_python_on_the_real_plan() -> None:
    assert rego_rows(PLAN, POLICY) == plan_rows(PLAN, POLICY)


@pytest.mark.synth
@pytest.mark.parametrize("imdsv2", [True, False])
def test_cdk_synth_of_an_l2_instance(tmp_path: Path, imdsv2: bool) -> None:
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = cdk.Stack(app, "Fleet")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0)
    ec2.Instance(
        stack,
        "Box",
        vpc=vpc,
        instance_type=ec2.InstanceType("t3.micro"),
        machine_image=ec2.MachineImage.generic_linux({"us-east-1": "ami-0a1b2c3d4e5f60001"}),
        require_imdsv2=imdsv2,
    )
    checks = GuardrailChecks(app)
    cdk.Validations.of(app).add_plugins(checks)
    if imdsv2:
        app.synth()
    else:
        with pytest.raises(RuntimeError, match="ValidationFailed"):
            app.synth()
    found = {(f.rule, f.level) for f in checks.findings if f.policy == POLICY}
    assert found == (set() if imdsv2 else {("GR-IMDS1", "error")})
