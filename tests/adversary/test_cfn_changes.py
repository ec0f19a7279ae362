"""Issue 13, item 7 (the rest): any stack's CloudFormation calls were excluded.

Self-protection ignored every call made through CloudFormation, so another stack (an
``AWS::SNS::TopicPolicy`` on the findings topic, a custom resource disabling a rule) could
switch the guardrail off unseen. Those calls now reach the Lambda, which excludes only
the guardrail stack's own deployment: calls within its last create/update (read from
moto's CloudFormation) are ignored, any other is notified. The real handler.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from helpers import ACCOUNT, REGION, clients, settings

from guardrails_runtime.handler import process
from guardrails_runtime.model import Decision

pytestmark = pytest.mark.usefixtures("aws")

MALLORY = f"arn:aws:sts::{ACCOUNT}:assumed-role/cdk-hnb659fds-cfn-exec-role-{ACCOUNT}-{REGION}/x"


@pytest.fixture
def stack_id() -> str:
    """The guardrail's stack, just deployed (moto completes it at once)."""
    template = {"Resources": {"Findings": {"Type": "AWS::SNS::Topic"}}}
    created = boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName="Guardrails", TemplateBody=json.dumps(template)
    )
    return str(created["StackId"])


def by_cloudformation(at: datetime, name: str = "SetTopicAttributes") -> dict[str, Any]:
    """What the -cfn rules hand the Lambda: the CloudTrail record of CloudFormation's call."""
    return {
        "guardrailsCfnChange": {
            "eventVersion": "1.09",
            "eventSource": "sns.amazonaws.com",
            "eventName": name,
            "eventTime": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventID": "4c1d8a2e-0000-4000-8000-00000000cf01",
            "awsRegion": REGION,
            "recipientAccountId": ACCOUNT,
            "sourceIPAddress": "cloudformation.amazonaws.com",
            "userAgent": "cloudformation.amazonaws.com",
            "userIdentity": {
                "type": "AssumedRole",
                "arn": MALLORY,
                "invokedBy": "cloudformation.amazonaws.com",
            },
            "requestParameters": {
                "topicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:findings",
                "attributeName": "Policy",
            },
        }
    }


def test_the_guardrail_stacks_own_deployment_is_not_reported(stack_id: str) -> None:
    outcome = process(by_cloudformation(datetime.now(UTC)), settings(stack_id=stack_id), clients())
    assert outcome.decision is Decision.IGNORED, outcome.reason
    assert outcome.reason.startswith("made by the guardrail stack's own deployment")


@pytest.mark.parametrize("offset", [timedelta(hours=1), timedelta(hours=-3)])
def test_another_deployment_reaching_into_the_guardrail_is_notified(
    stack_id: str, offset: timedelta, inbox: Any
) -> None:
    """After (or long before) the guardrail's own deployment: another stack did it."""
    s = settings(stack_id=stack_id, topic_arn=inbox.topic_arn)
    outcome = process(by_cloudformation(datetime.now(UTC) + offset), s, clients())
    assert outcome.decision is Decision.NOTIFIED, outcome.reason
    assert outcome.resource == f"arn:aws:sns:{REGION}:{ACCOUNT}:findings"
    assert "not the guardrail stack's own" in outcome.reason and MALLORY in outcome.reason
    [message] = inbox.raw()
    assert "SetTopicAttributes (via CloudFormation)" in json.dumps(message)


def test_an_unreadable_stack_excludes_nothing(stack_id: str) -> None:
    s = settings(stack_id=stack_id.replace("Guardrails", "Gone"))
    outcome = process(by_cloudformation(datetime.now(UTC)), s, clients())
    assert outcome.decision is Decision.NOTIFIED
    outcome = process(by_cloudformation(datetime.now(UTC)), settings(), clients())
    assert outcome.decision is Decision.NOTIFIED
    assert "does not know its own stack" in outcome.reason


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not a record", "malformed event"),
        ({"eventSource": "sns.amazonaws.com"}, "eventName must be a non-empty string"),
        (
            {"eventSource": "sns.amazonaws.com", "eventName": "DeleteTopic", "eventTime": "soon"},
            "eventTime is missing or not an ISO time",
        ),
    ],
)
def test_a_malformed_record_is_unsupported(stack_id: str, body: Any, reason: str) -> None:
    outcome = process({"guardrailsCfnChange": body}, settings(stack_id=stack_id), clients())
    assert outcome.decision is Decision.UNSUPPORTED and reason in outcome.reason
