"""Changes to the guardrail's own resources made through CloudFormation.

The self-protection rules send changes made outside CloudFormation straight to the topic.
A CloudFormation call does not say which stack made it, so excluding them all would let
any stack (``AWS::SNS::TopicPolicy`` on the findings topic, a custom resource calling
``DisableRule``...) switch the guardrail off unseen. Two more rules send the same calls
made by CloudFormation to the Lambda as ``{"guardrailsCfnChange": <CloudTrail record>}``;
this module excludes only the guardrail stack's own deployment: a call made while that
stack was being created or updated (from the operation's start to its last stack event,
plus a grace for CloudTrail's delivery) is ``ignored``; any other is ``notified`` with
who deployed it.

Residual: another stack deployed within the same minutes as the guardrail's own
deployment is indistinguishable from it (documented in the threat model).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from guardrails_runtime.aws import Clients
from guardrails_runtime.events import MalformedEventError, parse
from guardrails_runtime.model import Decision, Outcome

KEY = "guardrailsCfnChange"
EVENT_NAME = "GuardrailResourceChangedByCloudFormation"
# A CloudFormation call is made before the resource's COMPLETE event; the grace covers
# the last ones of an operation and clock skew between the services.
GRACE = timedelta(minutes=2)


def is_cfn_change(event: Any) -> bool:
    return isinstance(event, Mapping) and KEY in event


def judge(event: Mapping[str, Any], stack: str | None, clients: Clients) -> Outcome:
    """``ignored`` when the guardrail stack's own deployment made the call, else
    ``notified``; ``unsupported`` for a record that cannot be read."""
    outcome = Outcome(EVENT_NAME, None, Decision.NOTIFIED, "")
    try:
        call = parse(event[KEY])
    except MalformedEventError as exc:
        outcome.decision, outcome.reason = Decision.UNSUPPORTED, f"malformed event: {exc}"
        return outcome
    name = getattr(call, "event_name", "?")
    outcome.event_name = f"{name} (via CloudFormation)"
    outcome.event_id, outcome.event_time = call.event_id, call.event_time
    outcome.account, outcome.region = call.account, call.region
    outcome.actor = getattr(call, "actor", None)
    request = getattr(call, "request", {}) or {}
    outcome.resource = _named(request)
    when = _time(call.event_time)
    if when is None:
        outcome.decision = Decision.UNSUPPORTED
        outcome.reason = "malformed event: eventTime is missing or not an ISO time"
        return outcome
    if not stack:
        outcome.reason = (
            f"{name} changed the guardrail's {outcome.resource or 'resource'} through "
            "CloudFormation, and the guardrail does not know its own stack to tell whether "
            "it was its own deployment"
        )
        return outcome
    window = _deployment(clients, stack, call.region)
    if window is not None and window[0] - GRACE <= when <= window[1] + GRACE:
        outcome.decision = Decision.IGNORED
        outcome.reason = (
            f"made by the guardrail stack's own deployment ({window[0]:%Y-%m-%dT%H:%M:%SZ} "
            f"to {window[1]:%Y-%m-%dT%H:%M:%SZ})"
        )
        return outcome
    outcome.reason = (
        f"{name} changed the guardrail's {outcome.resource or 'resource'} through a "
        f"CloudFormation deployment that is not the guardrail stack's own (deployed by "
        f"{outcome.actor or 'an unknown principal'}): another stack, or a change set, "
        "reaches into the guardrail; redeploy the guardrail stack and find that stack"
    )
    return outcome


def _deployment(
    clients: Clients, stack: str, region: str | None
) -> tuple[datetime, datetime] | None:
    """The last create/update of the guardrail stack: its start, and its end (now while in
    progress). None when the stack cannot be read (then nothing is excluded)."""
    from botocore.exceptions import BotoCoreError, ClientError

    cfn = clients.get("cloudformation", None)
    try:
        described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        status = str(described.get("StackStatus", ""))
        start = described.get("LastUpdatedTime") or described["CreationTime"]
        if status.endswith("_IN_PROGRESS"):
            return _utc(start), datetime.now(UTC)
        events = cfn.describe_stack_events(StackName=stack).get("StackEvents", [])
    except (ClientError, BotoCoreError, KeyError, IndexError):
        return None
    end = max((_utc(e["Timestamp"]) for e in events if "Timestamp" in e), default=_utc(start))
    return _utc(start), end


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return _utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


_NAME_KEYS = (
    "functionName",
    "name",
    "rule",
    "roleName",
    "tableName",
    "topicArn",
    "subscriptionArn",
    "keyId",
    "queueUrl",
    "logGroupName",
    "configRuleName",
    "configurationRecorderName",
    "groupName",
)


def _named(request: Mapping[str, Any]) -> str | None:
    """The resource the call names (the first of the keys the self-protection rules match)."""
    for key in _NAME_KEYS:
        value = request.get(key)
        if isinstance(value, str) and value:
            return value
    names = request.get("alarmNames")
    if isinstance(names, list) and names:
        return ", ".join(str(n) for n in names[:5])
    rule = request.get("configRule")
    if isinstance(rule, Mapping) and isinstance(rule.get("configRuleName"), str):
        return str(rule["configRuleName"])
    return None
