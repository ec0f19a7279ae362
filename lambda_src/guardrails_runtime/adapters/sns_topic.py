"""Adapter of ``AWS::SNS::Topic``: who may publish to, subscribe to or manage a topic.

Facts (:class:`Topic`) from templates and plans (``AWS::SNS::TopicPolicy``'s
``PolicyDocument``; ``aws_sns_topic_policy`` and ``aws_sns_topic``'s ``policy``), and from
the live API (``GetTopicAttributes``' ``Policy``, ``ListTagsForResource``); the topic a
CloudTrail record names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from guardrails_runtime.adapters import tag_pairs
from guardrails_runtime.documents import Located, statements


class Topic(NamedTuple):
    policy: tuple[Located, ...] = ()
    arn: str | None = None
    document: Mapping[str, Any] | None = None
    tags: tuple[tuple[str, str], ...] = ()


def from_api(arn: str, policy: str | None, tags: list[Any] | None = None) -> Topic:
    import json

    try:
        document = json.loads(policy) if policy else None
    except json.JSONDecodeError:
        document = None
    return Topic(
        policy=tuple(statements(policy, "Policy")) if policy else (),
        arn=arn,
        document=document if isinstance(document, Mapping) else None,
        tags=tag_pairs(tags),
    )


def topic_from_cloudtrail(request: Mapping[str, Any]) -> str | None:
    value = {str(k).lower(): v for k, v in request.items()}.get("topicarn")
    return value.strip() if isinstance(value, str) and value.strip() else None
