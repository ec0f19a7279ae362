"""Emulator hook of ``sns-topic-public`` (``guardrails replay --emulate``; never in Lambda).

``prepare`` creates, in moto, the topic the record names and performs the recorded call
(``SetTopicAttributes`` with its value, ``AddPermission`` with its accounts and actions);
a Config evaluation gets a topic with a public statement. ``after`` reports the topic's
policy statements.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from guardrails_runtime.adapters.sns_topic import topic_from_cloudtrail
from guardrails_runtime.aws import Clients
from guardrails_runtime.events import ApiCall, ComplianceChange, MalformedEventError


def public_policy(arn: str) -> str:
    statement = {"Sid": "anyone", "Effect": "Allow", "Principal": "*", "Action": "SNS:Publish"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement | {"Resource": arn}]})


def prepare(
    parsed: ApiCall | ComplianceChange, clients: Clients, region: str, tags: Mapping[str, str]
) -> dict[str, str]:
    arn = (
        parsed.resource_id
        if isinstance(parsed, ComplianceChange)
        else topic_from_cloudtrail(parsed.request)
    )
    if arn is None:
        raise MalformedEventError("requestParameters.topicArn must name the topic")
    sns = clients.get("sns", region)
    created = sns.create_topic(
        Name=arn.rsplit(":", 1)[-1], Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
    )["TopicArn"]
    renames = {arn: created}
    if isinstance(parsed, ComplianceChange):
        sns.set_topic_attributes(
            TopicArn=created, AttributeName="Policy", AttributeValue=public_policy(created)
        )
        return renames
    request = {str(k).lower(): v for k, v in parsed.request.items()}
    if parsed.error_code:
        return renames
    if parsed.event_name == "SetTopicAttributes" and isinstance(request.get("attributevalue"), str):
        value = str(request["attributevalue"]).replace(arn, created)
        sns.set_topic_attributes(
            TopicArn=created, AttributeName=str(request.get("attributename")), AttributeValue=value
        )
    elif parsed.event_name == "AddPermission":
        sns.add_permission(
            TopicArn=created,
            Label=str(request.get("label") or "emulated"),
            AWSAccountId=[str(a) for a in request.get("aWSAccountId".lower()) or []],
            ActionName=[str(a) for a in request.get("actionname") or ["Publish"]],
        )
    return renames


def after(resource: str | None, region: str, clients: Clients) -> Any:
    if not resource:
        return None
    policy = clients.get("sns", region).get_topic_attributes(TopicArn=resource)["Attributes"]
    return {"TopicArn": resource, "Policy": json.loads(policy.get("Policy") or "{}")}
