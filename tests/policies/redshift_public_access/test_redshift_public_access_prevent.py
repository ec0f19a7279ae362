"""redshift-public-access, prevent plane: CloudFormation, a real Terraform plan, Rego, CDK."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_redshift as redshift
from conftest import FIXTURES
from prevent import plan_rows, rego_rows

from guardrails import GuardrailChecks
from guardrails.scan.cloudformation import subjects
from guardrails.scan.engine import evaluate, scan_path

PLAN = FIXTURES / "tf" / "redshift.plan.json"
POLICY = "redshift-public-access"


def findings(properties: dict[str, object] | None) -> set[tuple[str, str]]:
    resource: dict[str, object] = {"Type": "AWS::Redshift::Cluster"}
    if properties is not None:
        resource["Properties"] = properties
    document = {
        "Parameters": {"Open": {"Type": "String", "Default": "true"}, "Free": {"Type": "String"}},
        "Resources": {"Warehouse": resource},
    }
    return {(f.rule, f.level) for f in evaluate(subjects(document, "t.json")) if f.policy == POLICY}


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        ({"PubliclyAccessible": True}, {("GR-RS1", "error")}),
        ({"PubliclyAccessible": "True"}, {("GR-RS1", "error")}),
        ({"PubliclyAccessible": False}, set()),
        ({"NodeType": "ra3.xlplus"}, {("GR-RS2", "warning")}),
        (None, {("GR-RS2", "warning")}),
        ({"PubliclyAccessible": {"Ref": "Open"}}, {("GR-RS1", "error")}),
        ({"PubliclyAccessible": {"Ref": "Free"}}, {("GR-RS2", "warning")}),
        ({"PubliclyAccessible": "sometimes"}, {("GR-RS2", "warning")}),
        (
            {"PubliclyAccessible": True, "Tags": [{"Key": "SecurityExemption", "Value": "true"}]},
            {("GR-RS1", "warning")},
        ),
    ],
)
def test_cloudformation(
    properties: dict[str, object] | None, expected: set[tuple[str, str]]
) -> None:
    assert findings(properties) == expected


def test_real_terraform_plan() -> None:
    """Planned by terraform from tests/fixtures/tf/src/redshift: provider v5 sends true for
    a flag left out, and the plan shows it."""
    rows = {(f.resource, f.rule, f.level) for f in scan_path(PLAN) if f.policy == POLICY}
    assert rows == {
        ("aws_redshift_cluster.public", "GR-RS1", "error"),
        ("aws_redshift_cluster.defaulted", "GR-RS1", "error"),
        ("aws_redshift_cluster.exempt", "GR-RS1", "warning"),
        ("aws_redshift_cluster.unknown", "GR-RS2", "warning"),
    }


def test_rego_copy_agrees_with_python_on_the_real_plan() -> None:
    assert rego_rows(PLAN, POLICY) == plan_rows(PLAN, POLICY)


@pytest.mark.synth
@pytest.mark.parametrize("public", [True, False])
def test_cdk_synth(tmp_path: Path, public: bool) -> None:
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = cdk.Stack(app, "Warehouse")
    redshift.CfnCluster(
        stack,
        "Cluster",
        cluster_type="single-node",
        db_name="dev",
        master_username="admin",
        master_user_password="Not-a-real-password-1",
        node_type="ra3.xlplus",
        publicly_accessible=public,
    )
    checks = GuardrailChecks(app)
    cdk.Validations.of(app).add_plugins(checks)
    if public:
        with pytest.raises(RuntimeError, match="ValidationFailed"):
            app.synth()
    else:
        app.synth()
    found = {(f.rule, f.level) for f in checks.findings if f.policy == POLICY}
    assert found == ({("GR-RS1", "error")} if public else set())
