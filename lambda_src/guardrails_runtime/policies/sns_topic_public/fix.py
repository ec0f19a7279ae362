"""Reactive plane of ``sns-topic-public``: write a topic's policy back without its public
statements (opt-in: only where this policy's own mode is remediate).

Trigger: a successful ``SetTopicAttributes`` or ``AddPermission`` (the topic from the
request), or a NON_COMPLIANT evaluation of ``SNS_TOPIC_NO_PUBLIC_ACCESS``. Reads
``GetTopicAttributes`` and ``ListTagsForResource``; one write (``SetTopicAttributes
Policy``) keeping every statement that is not public.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from guardrails_runtime.adapters.sns_topic import Topic, from_api, topic_from_cloudtrail
from guardrails_runtime.aws import error_code
from guardrails_runtime.documents import public_statement
from guardrails_runtime.events import ApiCall
from guardrails_runtime.model import Change, Decision, Outcome, UndoCall
from guardrails_runtime.policies.sns_topic_public.policy import evaluate
from guardrails_runtime.policies.sns_topic_public.spec import SPEC
from guardrails_runtime.remediations.base import Context, OneResource, enforce, tag_exemption
from guardrails_runtime.shell import command, region_args


class SnsTopicPublicRemediation(OneResource):
    """``SetTopicAttributes(Policy=...)`` without the public statements."""

    spec = SPEC

    missing = "requestParameters.topicArn must name the topic"
    tagging = ("sns", "tag-resource", "--resource-arn", "{resource}", "--tags", "{tag}")

    def named(self, call: ApiCall) -> str | None:
        return topic_from_cloudtrail(call.request)

    def enforce_on(self, ctx: Context, outcome: Outcome, arn: str) -> Outcome:
        sns = ctx.clients.get("sns", outcome.region)
        outcome.resource = outcome.resource_arn = arn
        topic = _describe(sns, arn)
        if topic is None:
            outcome.decision = Decision.COMPLIANT
            outcome.reason = f"topic {arn} no longer exists"
            return outcome
        violations = [v for v in evaluate(topic) if v.rule == "GR-SNS1"]
        if not violations or topic.document is None:
            outcome.decision = Decision.COMPLIANT
            outcome.reason = "the topic policy names its callers"
            return outcome
        outcome.rule = "GR-SNS1"
        why = "the topic policy lets any AWS principal use the topic"
        before = json.dumps(topic.document, separators=(",", ":"))
        found = topic.document.get("Statement")
        listed = found if isinstance(found, list) else [found]
        kept = [s for s in listed if not (isinstance(s, Mapping) and public_statement(s))]
        removed = [s for s in listed if s not in kept]
        after = json.dumps(dict(topic.document) | {"Statement": kept}, separators=(",", ":"))
        outcome.changes = [
            Change(
                "sns:SetTopicAttributes",
                arn,
                {"removed": removed, "after": after},
                command(
                    "aws",
                    "sns",
                    "set-topic-attributes",
                    *region_args(outcome.region),
                    "--topic-arn",
                    arn,
                    "--attribute-name",
                    "Policy",
                    "--attribute-value",
                    before,
                ),
                UndoCall(
                    "sns",
                    "set_topic_attributes",
                    {"TopicArn": arn, "AttributeName": "Policy", "AttributeValue": before},
                ),
            )
        ]
        exempt = tag_exemption(ctx.settings, dict(topic.tags), "topic", outcome)

        def act() -> str:
            sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=after)
            names = ", ".join(str(s.get("Sid", "?")) for s in removed if isinstance(s, Mapping))
            return f"removed the public statement(s) {names}; {len(kept)} kept"

        return enforce(outcome, ctx, why=why, exempt=exempt, act=act)


def _describe(sns: Any, arn: str) -> Topic | None:
    try:
        attributes = sns.get_topic_attributes(TopicArn=arn).get("Attributes") or {}
        tags = sns.list_tags_for_resource(ResourceArn=arn).get("Tags")
    except ClientError as exc:
        if error_code(exc) == "NotFound":
            return None
        raise
    return from_api(arn, attributes.get("Policy"), tags)
