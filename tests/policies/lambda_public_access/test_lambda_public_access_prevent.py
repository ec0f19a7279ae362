"""lambda-public-access, prevent plane: CloudFormation, a real Terraform plan, Rego, CDK."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from conftest import FIXTURES
from prevent import cfn, plan_rows, rego_rows

from guardrails import GuardrailChecks

PLAN = FIXTURES / "tf" / "lambda.plan.json"
POLICY = "lambda-public-access"


def permission(**properties: Any) -> dict[str, Any]:
    body = {"FunctionName": "f", "Action": "lambda:InvokeFunction", **properties}
    return {"Type": "AWS::Lambda::Permission", "Properties": body}


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (permission(Principal="*"), {("GR-LMB1", "error")}),
        (permission(Principal="*", SourceArn="arn:aws:s3:::uploads"), set()),
        (permission(Principal="*", PrincipalOrgID="o-a1b2c3d4e5"), set()),
        (permission(Principal="*", SourceAccount={"Ref": "AWS::AccountId"}), set()),
        (permission(Principal="123456789012"), set()),
        (permission(Principal="sns.amazonaws.com"), set()),
        (permission(Principal={"Ref": "NoDefault"}), {("GR-LMB3", "warning")}),
        (
            permission(
                Principal="*", Action="lambda:InvokeFunctionUrl", FunctionUrlAuthType="NONE"
            ),
            set(),  # judged as the URL
        ),
        (permission(Principal="*", InvokedViaFunctionUrl=True), set()),  # through the URL only
        (
            {
                "Type": "AWS::Lambda::Url",
                "Properties": {"AuthType": "NONE", "TargetFunctionArn": "a"},
            },
            {("GR-LMB2", "error")},
        ),
        (
            {
                "Type": "AWS::Lambda::Url",
                "Properties": {"AuthType": "AWS_IAM", "TargetFunctionArn": "a"},
            },
            set(),
        ),
        (
            {"Type": "AWS::Lambda::Url", "Properties": {"AuthType": {"Ref": "NoDefault"}}},
            {("GR-LMB3", "warning")},
        ),
    ],
)
def test_cloudformation(resource: dict[str, Any], expected: set[tuple[str, str]]) -> None:
    assert cfn(POLICY, {"R": resource}) == expected


def test_real_terraform_plan() -> None:
    """Planned by terraform from tests/fixtures/tf/src/lambda (see generate.py)."""
    assert plan_rows(PLAN, POLICY) == {
        ("aws_lambda_permission.anyone", "GR-LMB1", "error"),
        ("aws_lambda_permission.unknown", "GR-LMB3", "warning"),
        ("aws_lambda_function_url.open", "GR-LMB2", "error"),
    }  # the bucket, the organization and the signed URL pass


def test_rego_copy_agrees_with_python_on_the_real_plan() -> None:
    assert rego_rows(PLAN, POLICY) == plan_rows(PLAN, POLICY)


@pytest.mark.synth
def test_cdk_synth_fails_on_a_public_grant_and_an_open_url(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = cdk.Stack(app, "Api")
    fn = lambda_.Function(
        stack,
        "Render",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(e, c):\n    return None\n"),
    )
    fn.grant_invoke(iam.AnyPrincipal())
    fn.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)
    fn.grant_invoke(iam.ServicePrincipal("events.amazonaws.com"))
    checks = GuardrailChecks(app)
    cdk.Validations.of(app).add_plugins(checks)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    assert sorted(f.rule for f in checks.findings if f.policy == POLICY) == ["GR-LMB1", "GR-LMB2"]
