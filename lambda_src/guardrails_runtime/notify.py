"""SNS notifications: one message per decision (except ``ignored``).

The message is JSON with everything an on-call engineer needs: policy, resource ARN,
account, region, actor, event id and time, the decision, what was (or would be) changed,
how to exempt the resource, and the exact AWS CLI commands that undo the change.
Message attributes ``decision`` and ``policy`` let subscriptions filter.
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


def message(outcome: Outcome, settings: RuntimeSettings, mode: Mode | None) -> dict[str, Any]:
    """The JSON body of the notification."""
    body = outcome.as_dict()
    body["mode"] = mode.value if mode else None
    body["subject"] = subject(outcome)
    body["howToExempt"] = exemption_command(outcome, settings)
    body["undo"] = (
        [c.undo for c in outcome.changes] if outcome.decision is Decision.REMEDIATED else []
    )
    if body["undo"]:
        body["undoNote"] = (
            "Tag the resource with the exemption tag first, or the guardrail reverts the undo."
        )
    return body


def publish(
    outcome: Outcome, settings: RuntimeSettings, clients: Clients, mode: Mode | None
) -> bool:
    """Publish the notification; returns False when not sent (no topic, ignored, denied).

    AccessDenied is logged and swallowed (the decision stands); other AWS errors raise, so
    the event is retried (the remediation is idempotent, so a retry only re-notifies).
    """
    if outcome.decision is Decision.IGNORED or not settings.topic_arn:
        return False
    region = settings.topic_arn.split(":")[3] or None
    sns = clients.get("sns", region)
    try:
        sns.publish(
            TopicArn=settings.topic_arn,
            Subject=subject(outcome),
            Message=json.dumps(message(outcome, settings, mode), sort_keys=True, default=str),
            MessageAttributes={
                "decision": {"DataType": "String", "StringValue": outcome.decision.value},
                "policy": {"DataType": "String", "StringValue": outcome.policy or "none"},
            },
        )
    except ClientError as exc:
        if is_access_denied(exc):
            LOG.error(
                "notification not sent: %s", error_code(exc), extra={"outcome": outcome.as_dict()}
            )
            return False
        raise
    return True
