"""guardduty-enabled, prevent plane: CloudFormation, a real Terraform plan, Rego, CDK synth."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_guardduty as guardduty
from conftest import FIXTURES
from prevent import plan_rows, rego_rows

from guardrails import GuardrailChecks
from guardrails.scan.cloudformation import subjects
from guardrails.scan.engine import evaluate, scan_path

PLAN = FIXTURES / "tf" / "guardduty.plan.json"
POLICY = "guardduty-enabled"


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        ({"Enable": True}, set()),
        ({"Enable": "true"}, set()),
        ({"Enable": False}, {("GR-GD1", "error")}),
        ({"Enable": "FALSE"}, {("GR-GD1", "error")}),
        ({}, {("GR-GD2", "warning")}),  # CloudFormation requires it
        ({"Enable": {"Ref": "On"}}, {("GR-GD2", "warning")}),
        ({"Enable": {"Ref": "Off"}}, {("GR-GD1", "error")}),
        (
            {"Enable": False, "Tags": [{"Key": "SecurityExemption", "Value": "true"}]},
            {("GR-GD1", "warning")},
        ),
    ],
)
def test_cloudformation(properties: dict[str, object], expected: set[tuple[str, str]]) -> None:
    document = {
        "Parameters": {"On": {"Type": "String"}, "Off": {"Type": "String", "Default": "false"}},
        "Resources": {"Detector": {"Type": "AWS::GuardDuty::Detector", "Properties": properties}},
    }
    found = {
        (f.rule, f.level) for f in evaluate(subjects(document, "t.json")) if f.policy == POLICY
    }
    assert found == expected


def test_real_terraform_plan() -> None:
    """Planned by terraform from tests/fixtures/tf/src/guardduty (see generate.py)."""
    rows = {(f.resource, f.rule, f.level) for f in scan_path(PLAN) if f.policy == POLICY}
    assert rows == {
        ("aws_guardduty_detector.off", "GR-GD1", "error"),
        ("aws_guardduty_detector.lab", "GR-GD1", "warning"),
        ("aws_guardduty_detector.unknown", "GR-GD2", "warning"),
    }  # on and defaulted (provider default true) pass


def test_rego_copy_agrees_with_python_on_the_real_plan() -> None:
    assert rego_rows(PLAN, POLICY) == plan_rows(PLAN, POLICY)


@pytest.mark.synth
def test_cdk_synth_fails_on_a_disabled_detector(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = cdk.Stack(app, "Security")
    guardduty.CfnDetector(stack, "Off", enable=False)
    guardduty.CfnDetector(stack, "On", enable=True)
    checks = GuardrailChecks(app)
    cdk.Validations.of(app).add_plugins(checks)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    found = {(f.resource, f.rule) for f in checks.findings if f.policy == POLICY}
    assert found == {("Off", "GR-GD1")}
