"""Shared fixtures. AWS is moto's in-memory fake, reached through real boto3 calls."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Before anything starts a jsii kernel or a boto3 session.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ["CDK_VALIDATION"] = "false"  # the built-in WASM validator costs seconds per process
for _key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
    os.environ[_key] = "testing"
os.environ["AWS_DEFAULT_REGION"] = "eu-west-1"
os.environ.pop("AWS_PROFILE", None)

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "guardrails" / "examples" / "events"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's default account


def load_event(name: str) -> dict[str, Any]:
    """A bundled example event, or a test fixture event, by file name."""
    for folder in (EVENTS, FIXTURES / "events"):
        path = folder / name
        if path.exists():
            data: dict[str, Any] = json.loads(path.read_text())
            return data
    raise FileNotFoundError(name)


@pytest.fixture
def ec2() -> Any:
    """A client for arranging and asserting; the handler under test gets its own."""
    import boto3

    return boto3.client("ec2", region_name=REGION)


@pytest.fixture
def inbox() -> Any:
    """An SNS topic with an SQS queue subscribed, to read what the guardrail published."""
    import boto3

    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name="findings")["TopicArn"]
    url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"}
    )

    class Inbox:
        topic_arn = topic

        def raw(self) -> list[dict[str, Any]]:
            """The notifications as published (AWS Chatbot custom notifications)."""
            got = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
            ).get("Messages", [])
            return [json.loads(m["Body"]) for m in got]

        def messages(self) -> list[dict[str, Any]]:
            """The decision records inside the notifications."""
            from guardrails_runtime.notify import decode

            return [decode(m) for m in self.raw()]

    return Inbox()


@pytest.fixture
def aws() -> Iterator[None]:
    from moto import mock_aws

    with mock_aws():
        yield
