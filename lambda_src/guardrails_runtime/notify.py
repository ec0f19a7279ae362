"""SNS notifications: one message per decision (except ``ignored``).

The message is an AWS Chatbot custom notification (see :func:`message`) whose
``metadata.additionalContext`` holds everything an on-call engineer needs: policy,
resource ARN, account, region, actor, event id and time, the decision, what was (or would
be) changed, how to exempt the resource, the ledger entry id and the exact AWS CLI
commands that undo the change. Message attributes ``decision``, ``policy`` and (for a
flapping escalation) ``escalation`` let subscriptions filter.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from botocore.exceptions import ClientError

from guardrails_runtime.aws import Clients, error_code, is_access_denied
from guardrails_runtime.model import Decision, Mode, Outcome
from guardrails_runtime.settings import RuntimeSettings

LOG = logging.getLogger("guardrails")
SUBJECT_LIMIT = 100  # SNS rejects longer subjects

_VERBS = {
    Decision.REMEDIATED: "Reverted",
    Decision.WOULD_REMEDIATE: "Would revert (dry-run)",
    Decision.NOTIFIED: "Violation",
    Decision.EXEMPT: "Exempt violation",
    Decision.COMPLIANT: "Compliant",
    Decision.UNSUPPORTED: "Unsupported event",
    Decision.ERROR: "Error",
}


def subject(outcome: Outcome) -> str:
    """A short human line: ``[guardrails] Reverted sg-open-ingress on sg-0abc (acct/region)``."""
    verb = _VERBS.get(outcome.decision, outcome.decision.value)
    where = "/".join(p for p in (outcome.account, outcome.region) if p)
    text = f"[guardrails] {verb} {outcome.policy or outcome.event_name}"
    if outcome.resource:
        text += f" on {outcome.resource}"
    if where:
        text += f" ({where})"
    text = "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)
    return text if len(text) <= SUBJECT_LIMIT else text[: SUBJECT_LIMIT - 3] + "..."


def exemption_command(outcome: Outcome, settings: RuntimeSettings) -> str | None:
    """How to exempt the resource, as the policy's remediation words it."""
    from guardrails_runtime.remediations import by_policy

    remediation = by_policy(outcome.policy) if outcome.policy else None
    return remediation.exemption_hint(outcome, settings) if remediation else None


def record(outcome: Outcome, settings: RuntimeSettings, mode: Mode | None) -> dict[str, Any]:
    """The decision as a JSON-ready record: the outcome, mode, exemption and undo commands."""
    body = outcome.as_dict()
    body["mode"] = mode.value if mode else None
    body["subject"] = subject(outcome)
    body["howToExempt"] = exemption_command(outcome, settings)
    body["undo"] = (
        [c.undo for c in outcome.changes] if outcome.decision is Decision.REMEDIATED else []
    )
    if body["undo"]:
        body["undoNote"] = (
            f"guardrails undo {outcome.entry_id} restores it and holds the resource for "
            f"{settings.flap_cooldown_minutes} min"
            if outcome.entry_id
            else "Tag the resource with the exemption tag first, or the guardrail reverts the undo."
        )
    return body


# Characters chat clients (Slack mrkdwn, Teams markdown) turn into formatting.
_MARKUP = frozenset("*_~`")
_ZERO_WIDTH_SPACE = "\u200b"


def chat(text: str) -> str:
    """Resource text made inert for a chat client: no mentions, links or formatting.

    ``&``, ``<`` and ``>`` become entities (Slack reads ``<!channel>`` and ``<url|text>``
    only from raw angle brackets); a zero-width space goes before each formatting
    character, so ``*bold*`` or a backtick cannot open markup, and ``[text](url)`` is no
    link. The exact text stays in
    ``metadata.additionalContext``, which clients do not render.
    """
    # A markdown link [text](url) loses its "](" join.
    out = _entities(text).replace("](", "]" + _ZERO_WIDTH_SPACE + "(")
    return "".join(_ZERO_WIDTH_SPACE + ch if ch in _MARKUP else ch for ch in out)


def _code(text: str) -> str:
    """Resource text inside a code span: entities, and no backtick that could close it."""
    return _entities(text).replace("`", "\u02cb")


def _entities(text: str) -> str:
    """``&``, ``<`` and ``>`` as entities (Slack reads mentions and links only raw)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def message(outcome: Outcome, settings: RuntimeSettings, mode: Mode | None) -> dict[str, Any]:
    """The notification: an AWS Chatbot custom notification carrying the whole record.

    Top level is exactly Chatbot's schema (``version`` 1.0, ``source`` custom, ``id``,
    ``content``, ``metadata``), so a Slack or Teams channel configured on the topic renders
    it. E-mail and webhook subscribers read the same fields: every record field is a
    string in ``metadata.additionalContext`` (lists and objects as JSON text; decode with
    :func:`decode`).
    """
    body = record(outcome, settings, mode)
    title = chat(body["subject"])
    if outcome.escalation:
        title = title.replace("[guardrails]", "[guardrails] ESCALATION", 1)
    # Everything from resources or events is escaped (chat, _code); only our own markup
    # (*Escalation:*, the code spans, the list dashes) renders.
    lines = [chat(str(outcome.reason))]
    if outcome.escalation:
        lines = [f"*Escalation:* {chat(outcome.escalation)}", *lines]
    for change in outcome.changes:
        lines.append(f"- `{_code(change.action)}` on `{_code(change.resource)}`")
    if outcome.actor:
        lines.append(f"Actor: `{_code(outcome.actor)}`")
    if outcome.ledger_error:
        lines.append(f"Ledger: {chat(outcome.ledger_error)}")
    steps = []
    if body["undo"]:
        steps.append(
            f"Undo: `guardrails undo {_code(str(outcome.entry_id))}`"
            if outcome.entry_id
            else f"Undo: `{_code(body['undo'][0])}`"
        )
    if body["howToExempt"]:
        steps.append(f"Exempt: `{_code(body['howToExempt'])}`")
    context = {
        key: value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
        for key, value in body.items()
        if value is not None
    }
    notification: dict[str, Any] = {
        "version": "1.0",
        "source": "custom",
        "content": {
            "textType": "client-markdown",
            "title": title,
            "description": "\n".join(lines),
            "nextSteps": steps,
            "keywords": [k for k in (outcome.policy, outcome.decision.value, outcome.account) if k],
        },
        "metadata": {
            "threadId": f"{outcome.policy or 'guardrails'}/{outcome.resource or '-'}",
            "summary": title,
            "eventType": outcome.decision.value,
            "relatedResources": [r for r in (outcome.resource_arn or outcome.resource,) if r],
            "additionalContext": context,
        },
    }
    if outcome.entry_id or outcome.event_id:
        notification["id"] = outcome.entry_id or outcome.event_id
    return notification


_JSON_FIELDS = frozenset({"changes", "undo"})


def decode(notification: dict[str, Any]) -> dict[str, Any]:
    """The record inside a notification (the inverse of :func:`message`), for consumers."""
    context = dict(notification["metadata"]["additionalContext"])
    for key in _JSON_FIELDS & context.keys():
        context[key] = json.loads(context[key])
    return context


def will_publish(outcome: Outcome, settings: RuntimeSettings) -> bool:
    """Whether :func:`publish` sends anything for ``outcome``."""
    return outcome.decision is not Decision.IGNORED and bool(settings.topic_arn)


def publish(
    outcome: Outcome, settings: RuntimeSettings, clients: Clients, mode: Mode | None
) -> bool:
    """Publish the notification; returns False when not sent (no topic, ignored, denied).

    AccessDenied is logged and swallowed (the decision stands); other AWS errors raise, so
    the event is retried (the remediation is idempotent, so a retry only re-notifies).
    """
    if not will_publish(outcome, settings) or not settings.topic_arn:
        return False
    region = settings.topic_arn.split(":")[3] or None
    sns = clients.get("sns", region)
    try:
        sns.publish(
            TopicArn=settings.topic_arn,
            Subject=subject(outcome),
            Message=json.dumps(message(outcome, settings, mode), sort_keys=True, default=str),
            MessageAttributes=_attributes(outcome),
        )
    except ClientError as exc:
        if is_access_denied(exc):
            LOG.error(
                "notification not sent: %s", error_code(exc), extra={"outcome": outcome.as_dict()}
            )
            return False
        raise
    return True


def _attributes(outcome: Outcome) -> dict[str, Any]:
    """``decision``, ``policy`` and, for a flapping escalation, ``escalation=flapping``."""
    attributes = {
        "decision": {"DataType": "String", "StringValue": outcome.decision.value},
        "policy": {"DataType": "String", "StringValue": outcome.policy or "none"},
    }
    if outcome.escalation:
        attributes["escalation"] = {"DataType": "String", "StringValue": "flapping"}
    return attributes
