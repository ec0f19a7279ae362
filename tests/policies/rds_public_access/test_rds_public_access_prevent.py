"""rds-public-access, prevent plane: CloudFormation, Terraform (a real plan), Rego, CDK synth.

Per source: compliant, violating, not applicable, unresolvable, exempt.
"""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_rds as rds
from conftest import FIXTURES

from guardrails import GuardrailChecks
from guardrails.scan.cloudformation import subjects
from guardrails.scan.engine import evaluate, scan_path

PLAN = FIXTURES / "tf" / "rds.plan.json"


def findings(properties: dict[str, object] | None, **template: object) -> set[tuple[str, str]]:
    resource: dict[str, object] = {"Type": "AWS::RDS::DBInstance"}
    if properties is not None:
        resource["Properties"] = properties
    document = {"Resources": {"Db": resource}, **template}
    return {(f.rule, f.level) for f in evaluate(subjects(document, "t.json"))}


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        ({"PubliclyAccessible": True}, {("GR-RDS1", "error")}),
        ({"PubliclyAccessible": "true"}, {("GR-RDS1", "error")}),
        ({"PubliclyAccessible": "TRUE"}, {("GR-RDS1", "error")}),
        ({"PubliclyAccessible": False}, set()),
        ({"PubliclyAccessible": "false"}, set()),
        # Left to AWS: public when the VPC has an internet gateway -> could be true.
        ({"Engine": "postgres"}, {("GR-RDS2", "warning")}),
        (None, {("GR-RDS2", "warning")}),
        ({"PubliclyAccessible": {"Ref": "NoDefault"}}, {("GR-RDS2", "warning")}),
        ({"PubliclyAccessible": {"Ref": "DefaultTrue"}}, {("GR-RDS1", "error")}),
        ({"PubliclyAccessible": {"Ref": "DefaultFalse"}}, set()),
        ({"PubliclyAccessible": {"Fn::GetAtt": ["Other", "Flag"]}}, {("GR-RDS2", "warning")}),
        ({"PubliclyAccessible": "maybe"}, {("GR-RDS2", "warning")}),
        (
            {"PubliclyAccessible": True, "Tags": [{"Key": "SecurityExemption", "Value": "true"}]},
            {("GR-RDS1", "warning")},
        ),
    ],
)
def test_cloudformation(
    properties: dict[str, object] | None, expected: set[tuple[str, str]]
) -> None:
    parameters = {
        "NoDefault": {"Type": "String"},
        "DefaultTrue": {"Type": "String", "Default": "true"},
        "DefaultFalse": {"Type": "String", "Default": "false"},
    }
    assert findings(properties, Parameters=parameters) == expected


def test_not_applicable_types_are_not_judged() -> None:
    document = {
        "Resources": {
            "Cluster": {"Type": "AWS::RDS::DBCluster", "Properties": {"Engine": "aurora-mysql"}},
            "Subnets": {"Type": "AWS::RDS::DBSubnetGroup", "Properties": {}},
        }
    }
    assert [
        f for f in evaluate(subjects(document, "t.json")) if f.policy == "rds-public-access"
    ] == []


def test_real_terraform_plan() -> None:
    """Planned by terraform from tests/fixtures/tf/src/rds (see generate.py)."""
    rows = {
        (f.resource, f.rule, f.level) for f in scan_path(PLAN) if f.policy == "rds-public-access"
    }
    assert rows == {
        ("aws_db_instance.public", "GR-RDS1", "error"),
        ("aws_db_instance.exempt", "GR-RDS1", "warning"),  # exemption tag
        ("aws_db_instance.unknown", "GR-RDS2", "warning"),  # known only after apply
    }  # private and defaulted (provider default false) pass


def test_rego_copy_agrees_with_python_on_the_real_plan() -> None:
    pytest.importorskip("regopy")
    from guardrails.rego_engine import evaluate as rego

    plan = json.loads(PLAN.read_text())
    ours = {
        (f.resource, f.rule, f.level) for f in scan_path(PLAN) if f.policy == "rds-public-access"
    }
    theirs = {
        (f["resource"], f["rule"], f["level"])
        for f in rego(plan)
        if f["policy"] == "rds-public-access"
    }
    assert ours == theirs


def _app(tmp_path: Path, *, public: bool) -> tuple[cdk.App, GuardrailChecks]:
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = cdk.Stack(app, "Data")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=0)
    rds.DatabaseInstance(
        stack,
        "Orders",
        engine=rds.DatabaseInstanceEngine.POSTGRES,
        vpc=vpc,
        vpc_subnets=ec2.SubnetSelection(
            subnet_type=ec2.SubnetType.PUBLIC if public else ec2.SubnetType.PRIVATE_ISOLATED
        ),
        publicly_accessible=public,
    )
    checks = GuardrailChecks(app)
    cdk.Validations.of(app).add_plugins(checks)
    return app, checks


@pytest.mark.synth
def test_cdk_synth_fails_on_a_public_l2_database(tmp_path: Path) -> None:
    app, checks = _app(tmp_path, public=True)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    assert {(f.rule, f.level) for f in checks.findings if f.policy == "rds-public-access"} == {
        ("GR-RDS1", "error")
    }


@pytest.mark.synth
def test_cdk_synth_passes_a_private_l2_database(tmp_path: Path) -> None:
    app, checks = _app(tmp_path, public=False)
    app.synth()
    assert [f for f in checks.findings if f.policy == "rds-public-access"] == []
