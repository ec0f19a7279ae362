"""sns-topic-public, prevent plane: CloudFormation, a real Terraform plan, Rego, CDK synth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from conftest import FIXTURES
from prevent import cfn, plan_rows, rego_rows

from guardrails import GuardrailChecks

PLAN = FIXTURES / "tf" / "sns.plan.json"
POLICY = "sns-topic-public"


def topic_policy(*statements: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::SNS::TopicPolicy",
        "Properties": {
            "Topics": [{"Ref": "Topic"}],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": list(statements)},
        },
    }


def allow(principal: Any, **condition: Any) -> dict[str, Any]:
    statement = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "sns:Publish",
        "Resource": "*",
    }
    return statement | ({"Condition": {"StringEquals": condition}} if condition else {})


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (allow("*"), {("GR-SNS1", "error")}),
        (allow({"AWS": "*"}), {("GR-SNS1", "error")}),
        (allow({"AWS": "*"}, **{"AWS:SourceOwner": {"Ref": "AWS::AccountId"}}), set()),
        (allow({"Service": "events.amazonaws.com"}), set()),
        (allow({"AWS": "arn:aws:iam::109876543210:root"}), set()),
        ({"Effect": "Deny", "Principal": "*", "Action": "sns:Publish"}, set()),
        (allow({"Ref": "NoDefault"}), {("GR-SNS2", "warning")}),
    ],
)
def test_cloudformation(statement: dict[str, Any], expected: set[tuple[str, str]]) -> None:
    assert cfn(POLICY, {"Policy": topic_policy(statement)}) == expected


def test_real_terraform_plan() -> None:
    """Planned by terraform from tests/fixtures/tf/src/sns (see generate.py)."""
    assert plan_rows(PLAN, POLICY) == {
        ("aws_sns_topic_policy.orders", "GR-SNS1", "error"),
        ("aws_sns_topic_policy.alerts", "GR-SNS1", "warning"),  # its topic is exempt
        ("aws_sns_topic_policy.computed", "GR-SNS2", "warning"),  # embeds the topic's ARN
    }  # the account-scoped inline policy of aws_sns_topic.owned passes


def test_rego_copy_agrees_with_python_on_the_real_plan() -> None:
    assert rego_rows(PLAN, POLICY) == plan_rows(PLAN, POLICY)


@pytest.mark.synth
def test_cdk_synth_fails_on_a_topic_anyone_may_publish_to(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = cdk.Stack(app, "Events")
    open_topic = sns.Topic(stack, "Open")
    open_topic.grant_publish(iam.AnyPrincipal())
    sns.Topic(stack, "Closed").grant_publish(iam.ServicePrincipal("events.amazonaws.com"))
    checks = GuardrailChecks(app)
    cdk.Validations.of(app).add_plugins(checks)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    assert [f.rule for f in checks.findings if f.policy == POLICY] == ["GR-SNS1"]
