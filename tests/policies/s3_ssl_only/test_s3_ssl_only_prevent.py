"""s3-ssl-only, prevent plane: a bucket judged with the policies of the same file that name
it (CloudFormation, a real Terraform plan, Rego, CDK synth)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from conftest import FIXTURES
from prevent import EXEMPT_CFN, cfn, plan_rows, rego_rows

from guardrails import GuardrailChecks

PLAN = FIXTURES / "tf" / "s3-ssl.plan.json"
POLICY = "s3-ssl-only"
DENY_HTTP = {
    "Effect": "Deny",
    "Principal": {"AWS": "*"},
    "Action": "s3:*",
    "Resource": "*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def bucket_with(*statements: Any, **bucket: Any) -> dict[str, Any]:
    resources: dict[str, Any] = {"B": {"Type": "AWS::S3::Bucket", "Properties": bucket}}
    if statements:
        resources["P"] = {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "B"},
                "PolicyDocument": {"Statement": list(statements)},
            },
        }
    return resources


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        (bucket_with(DENY_HTTP), set()),
        (bucket_with(DENY_HTTP | {"Action": ["s3:GetObject", "s3:*"]}), set()),
        (bucket_with(), {("GR-S3T1", "error")}),
        (bucket_with(DENY_HTTP | {"Action": "s3:GetObject"}), {("GR-S3T1", "error")}),
        (bucket_with(DENY_HTTP | {"Effect": "Allow"}), {("GR-S3T1", "error")}),
        (
            bucket_with(DENY_HTTP)
            | {
                "P": {
                    "Type": "AWS::S3::BucketPolicy",
                    "Properties": {"Bucket": {"Ref": "B"}, "PolicyDocument": {"Ref": "NoDefault"}},
                }
            },
            {("GR-S3T2", "warning")},
        ),
        (bucket_with(Tags=EXEMPT_CFN), {("GR-S3T1", "warning")}),
        # A policy for a bucket outside the template: nothing to judge here.
        (
            {
                "P": {
                    "Type": "AWS::S3::BucketPolicy",
                    "Properties": {"Bucket": "elsewhere", "PolicyDocument": {"Statement": []}},
                }
            },
            set(),
        ),
    ],
)
def test_cloudformation(resources: dict[str, Any], expected: set[tuple[str, str]]) -> None:
    assert cfn(POLICY, resources) == expected


def test_real_terraform_plan() -> None:
    """Planned by terraform from tests/fixtures/tf/src/s3-ssl (see generate.py)."""
    assert plan_rows(PLAN, POLICY) == {
        ("aws_s3_bucket.bare", "GR-S3T1", "error"),
        ("aws_s3_bucket.reader", "GR-S3T1", "error"),
        ("aws_s3_bucket.legacy_site", "GR-S3T1", "warning"),
        ("aws_s3_bucket.computed", "GR-S3T2", "warning"),
    }  # the bucket whose policy denies plain HTTP passes


def test_rego_copy_agrees_with_python_on_the_real_plan() -> None:
    assert rego_rows(PLAN, POLICY) == plan_rows(PLAN, POLICY)


@pytest.mark.synth
@pytest.mark.parametrize("enforce_ssl", [True, False])
def test_cdk_synth_and_enforce_ssl(tmp_path: Path, enforce_ssl: bool) -> None:
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = cdk.Stack(app, "Data")
    s3.Bucket(stack, "Exports", enforce_ssl=enforce_ssl)
    checks = GuardrailChecks(app)
    cdk.Validations.of(app).add_plugins(checks)
    if enforce_ssl:
        app.synth()
    else:
        with pytest.raises(RuntimeError, match="ValidationFailed"):
            app.synth()
    found = [f.rule for f in checks.findings if f.policy == POLICY]
    assert found == ([] if enforce_ssl else ["GR-S3T1"])
