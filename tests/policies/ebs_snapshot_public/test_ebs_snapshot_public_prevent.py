"""ebs-snapshot-public, prevent plane: a real Terraform plan and its Rego copy (CloudFormation
cannot share a snapshot)."""

from __future__ import annotations

from conftest import FIXTURES
from prevent import plan_rows, rego_rows

from guardrails.scan.engine import scan_path

PLAN = FIXTURES / "tf" / "ebs-snapshots.plan.json"
POLICY = "ebs-snapshot-public"


def test_real_terraform_plan() -> None:
    """Planned by terraform from tests/fixtures/tf/src/ebs-snapshots (see generate.py)."""
    rows = {(f.resource, f.rule, f.level) for f in scan_path(PLAN) if f.policy == POLICY}
    assert rows == {
        ("aws_snapshot_create_volume_permission.public", "GR-EBSP1", "error"),
        ("aws_snapshot_create_volume_permission.exempt", "GR-EBSP1", "warning"),
        ("aws_snapshot_create_volume_permission.unknown", "GR-EBSP2", "warning"),
    }  # the named partner account passes


def test_rego_copy_agrees_with_python_on_the_real_plan() -> None:
    assert rego_rows(PLAN, POLICY) == plan_rows(PLAN, POLICY)


def test_a_template_cannot_share_a_snapshot() -> None:
    """No CloudFormation type shares a snapshot: nothing is judged, nothing is warned."""
    from guardrails.scan.cloudformation import subjects
    from guardrails.scan.engine import evaluate

    document = {
        "Resources": {"Vol": {"Type": "AWS::EC2::Volume", "Properties": {"Encrypted": True}}}
    }
    assert [f for f in evaluate(subjects(document, "t.json")) if f.policy == POLICY] == []
