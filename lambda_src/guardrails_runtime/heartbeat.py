"""The guardrail's heartbeat: a scheduled event that must arrive, and a look at its rules.

A scheduled EventBridge rule (``<prefix>-heartbeat``) invokes the Lambda every hour with
``{"guardrailsHeartbeat": {"rulePrefix": "<prefix>", "required": [...]}}``. The Lambda
then checks that every EventBridge rule of the guardrail (named ``<prefix>-...``) is
enabled and has a target, and that the required ones (the self-protection rules) exist;
anything else is notified. It always writes a ``Heartbeat`` metric: an alarm on that
metric's absence notices a disabled heartbeat rule, a removed target or a Lambda that no
longer runs, which no CloudTrail-driven rule can report about itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails_runtime.aws import Clients
from guardrails_runtime.metrics import HEARTBEAT_EVENT
from guardrails_runtime.model import Decision, Outcome

KEY = "guardrailsHeartbeat"
EVENT_NAME = HEARTBEAT_EVENT  # what the Heartbeat metric counts


def is_heartbeat(event: Any) -> bool:
    return isinstance(event, Mapping) and isinstance(event.get(KEY), Mapping)


def check(event: Mapping[str, Any], clients: Clients, region: str | None) -> Outcome:
    """Look at the guardrail's rules; ``compliant`` when all is in place, else ``notified``
    with what is wrong (an unreadable request is ``unsupported``)."""
    body = event[KEY]
    prefix = body.get("rulePrefix")
    required = body.get("required") or []
    outcome = Outcome(EVENT_NAME, None, Decision.COMPLIANT, "", region=region)
    if not isinstance(prefix, str) or not prefix or not isinstance(required, list):
        outcome.decision = Decision.UNSUPPORTED
        outcome.reason = f"malformed heartbeat: {KEY}.rulePrefix and .required are needed"
        return outcome
    bridge = clients.get("events", region)
    pages = bridge.get_paginator("list_rules").paginate(NamePrefix=f"{prefix}-")
    found = {r["Name"]: r.get("State", "") for page in pages for r in page.get("Rules", [])}
    problems = [f"rule {name} is missing" for name in required if name not in found]
    for name, state in sorted(found.items()):
        if state != "ENABLED":
            problems.append(f"rule {name} is {state or 'not enabled'}")
        elif not bridge.list_targets_by_rule(Rule=name).get("Targets"):
            problems.append(f"rule {name} has no target")
    outcome.resource = f"{prefix}-* ({len(found)} rules)"
    if problems:
        outcome.decision = Decision.NOTIFIED
        outcome.reason = (
            "the guardrail is partly switched off: "
            + "; ".join(problems)
            + " (redeploy the guardrail stack to restore it)"
        )
    else:
        outcome.reason = f"all {len(found)} rules of the guardrail are enabled and have targets"
    return outcome
