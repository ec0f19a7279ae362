"""Every notification is a valid AWS Chatbot custom notification and still carries the record.

The schema below is written from the documented custom-notification event format:
required ``version`` ("1.0") and ``source`` ("custom"); optional ``id``; ``content``
(``textType`` client-markdown, ``title``, ``description``, ``nextSteps`` and ``keywords``
as string lists); ``metadata`` (``threadId``, ``summary``, ``eventType``,
``relatedResources``, ``additionalContext`` with string values). Nothing else.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers import REGION, SSH_MIXED, clients, new_group, open_and_record, settings

from guardrails_runtime.handler import process
from guardrails_runtime.model import Change, Decision, Mode, Outcome
from guardrails_runtime.notify import decode, message
from guardrails_runtime.settings import RuntimeSettings

TOP = {"version", "source", "id", "content", "metadata"}
CONTENT = {"textType", "title", "description", "nextSteps", "keywords"}
METADATA = {"threadId", "summary", "eventType", "relatedResources", "additionalContext"}


def chatbot_problems(n: dict[str, Any]) -> list[str]:
    """What makes ``n`` an invalid custom notification (empty: valid)."""
    problems = [f"unknown top-level key {k}" for k in n.keys() - TOP]
    if n.get("version") != "1.0":
        problems.append("version must be 1.0")
    if n.get("source") != "custom":
        problems.append("source must be custom")
    if "id" in n and not isinstance(n["id"], str):
        problems.append("id must be a string")
    content = n.get("content", {})
    problems += [f"unknown content key {k}" for k in content.keys() - CONTENT]
    if content.get("textType", "client-markdown") != "client-markdown":
        problems.append("textType must be client-markdown")
    for key in ("title", "description"):
        if key in content and not isinstance(content[key], str):
            problems.append(f"content.{key} must be a string")
    for key in ("nextSteps", "keywords"):
        if key in content and not all(isinstance(x, str) for x in content[key]):
            problems.append(f"content.{key} must be strings")
    meta = n.get("metadata", {})
    problems += [f"unknown metadata key {k}" for k in meta.keys() - METADATA]
    for key in ("threadId", "summary", "eventType"):
        if key in meta and not isinstance(meta[key], str):
            problems.append(f"metadata.{key} must be a string")
    if not all(isinstance(x, str) for x in meta.get("relatedResources", [])):
        problems.append("metadata.relatedResources must be strings")
    context = meta.get("additionalContext", {})
    problems += [
        f"additionalContext.{k} must be a string"
        for k, v in context.items()
        if not isinstance(v, str)
    ]
    return problems


def test_the_checker_rejects_what_chatbot_rejects() -> None:
    assert chatbot_problems({"version": "1.0", "source": "custom"}) == []
    assert chatbot_problems({"version": "1", "source": "custom", "x": 1}) == [
        "unknown top-level key x",
        "version must be 1.0",
    ]
    bad = {"version": "1.0", "source": "custom", "metadata": {"additionalContext": {"n": 1}}}
    assert chatbot_problems(bad) == ["additionalContext.n must be a string"]


@pytest.mark.parametrize("decision", [d for d in Decision if d is not Decision.IGNORED])
def test_every_decision_is_a_valid_custom_notification(decision: Decision) -> None:
    outcome = Outcome(
        "AuthorizeSecurityGroupIngress",
        "sg-open-ingress",
        decision,
        "tcp 22 from 0.0.0.0/0 open to the whole internet",
        resource="sg-0abc",
        resource_arn=f"arn:aws:ec2:{REGION}:123456789012:security-group/sg-0abc",
        changes=[
            Change("ec2:RevokeSecurityGroupIngress", "sg-0abc", {"cidr": "0.0.0.0/0"}, "aws ..")
        ],
        event_id="e1",
        account="123456789012",
        region=REGION,
        actor="arn:aws:sts::123456789012:assumed-role/Dev/dana",
        entry_id="e1",
        escalation="keeps coming back" if decision is Decision.WOULD_REMEDIATE else None,
    )
    n = message(outcome, RuntimeSettings(), Mode.REMEDIATE)
    assert chatbot_problems(n) == []
    record = decode(n)
    assert record["decision"] == decision.value and record["resource"] == "sg-0abc"
    assert record["changes"][0]["detail"] == {"cidr": "0.0.0.0/0"}
    assert n["metadata"]["relatedResources"] == [outcome.resource_arn]
    if decision is Decision.REMEDIATED:
        assert "Undo: `guardrails undo e1`" in n["content"]["nextSteps"]
        assert record["undo"] == ["aws .."]
    if outcome.escalation:
        assert n["content"]["title"].startswith("[guardrails] ESCALATION")


@pytest.mark.usefixtures("aws")
def test_published_message_is_valid_and_filterable(ec2: Any, inbox: Any) -> None:
    gid = new_group(ec2)
    process(open_and_record(ec2, gid, SSH_MIXED), settings(topic_arn=inbox.topic_arn), clients())
    [n] = inbox.raw()
    assert chatbot_problems(n) == []
    assert n["content"]["title"].startswith("[guardrails] Reverted sg-open-ingress on sg-")
    assert n["metadata"]["threadId"] == f"sg-open-ingress/{gid}"
    assert decode(n)["decision"] == "remediated"
