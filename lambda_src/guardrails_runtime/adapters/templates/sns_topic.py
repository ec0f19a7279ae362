"""Template and plan readers of the ``sns_topic`` adapter (static plane only).

``AWS::SNS::TopicPolicy`` (its ``PolicyDocument``), ``aws_sns_topic_policy`` (``policy``,
JSON text) and the inline ``policy`` of ``aws_sns_topic`` where the configuration sets it
(the provider computes a default one otherwise).
"""

from __future__ import annotations

from guardrails_runtime.adapters.sns_topic import Topic
from guardrails_runtime.adapters.templates import Source, declared_value
from guardrails_runtime.documents import statements

KIND = "sns-topic"

CLOUDFORMATION_TYPES = ("AWS::SNS::TopicPolicy",)

TERRAFORM_TYPES = ("aws_sns_topic", "aws_sns_topic_policy")

OWNERS = {"aws_sns_topic_policy": ("arn",)}


def from_cloudformation(source: Source) -> Topic:
    return Topic(policy=tuple(statements(source.get("PolicyDocument"), "PolicyDocument")))


def from_terraform(source: Source) -> Topic | None:
    document = declared_value(source, "policy")
    if document is None:
        return None
    return Topic(policy=tuple(statements(document, "policy")))
