"""The guardrail's heartbeat: a scheduled event that must arrive, and a look at its rules.

A scheduled EventBridge rule (``<prefix>-heartbeat``) invokes the Lambda every hour with
``{"guardrailsHeartbeat": {"rulePrefix": "<prefix>", "required": [...]}}``. The Lambda
then checks that every EventBridge rule of the guardrail (named ``<prefix>-...``) is
enabled and has a target, and that the required ones (the self-protection rules) exist;
anything else is notified. A hub's heartbeat rule has a second target whose event adds
``"eventBus": "<bus name>"``: the same look at the guardrail's rules on that bus (the
organization bus, whose rules hand the members' events to the Lambda). It always writes
a ``Heartbeat`` metric: an alarm on that metric's absence notices a disabled heartbeat
rule, a removed target or a Lambda that no longer runs, which no CloudTrail-driven rule
can report about itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from guardrails_runtime.aws import Clients, error_code
from guardrails_runtime.metrics import HEARTBEAT_EVENT
from guardrails_runtime.model import Decision, Outcome

KEY = "guardrailsHeartbeat"
EVENT_NAME = HEARTBEAT_EVENT  # what the Heartbeat metric counts
# An event bus name (EventBridge: 1 to 256 of these characters).
_BUS_NAME = re.compile(r"[\w.\-/]{1,256}")


def is_heartbeat(event: Any) -> bool:
    return isinstance(event, Mapping) and isinstance(event.get(KEY), Mapping)


def is_organization_beat(event: Mapping[str, Any]) -> bool:
    """True for the hub's beat that looks at the organization bus (it also reports the
    members gone quiet)."""
    return bool(event[KEY].get("eventBus", "default") != "default")


def add_problems(outcome: Outcome, problems: list[str]) -> None:
    """Add ``problems`` found beside the rules' (members gone quiet) to ``outcome``."""
    if not problems:
        return
    if outcome.decision is Decision.COMPLIANT:
        outcome.decision = Decision.NOTIFIED
        outcome.reason = "the guardrail is partly switched off: " + "; ".join(problems)
    else:
        outcome.reason += "; and " + "; ".join(problems)


def check(event: Mapping[str, Any], clients: Clients, region: str | None) -> Outcome:
    """Look at the guardrail's rules; ``compliant`` when all is in place, else ``notified``
    with what is wrong (an unreadable request is ``unsupported``)."""
    body = event[KEY]
    prefix = body.get("rulePrefix")
    required = body.get("required") or []
    bus = body.get("eventBus", "default")
    outcome = Outcome(EVENT_NAME, None, Decision.COMPLIANT, "", region=region)
    if (
        not isinstance(prefix, str)
        or not prefix
        or not isinstance(required, list)
        or not all(isinstance(name, str) for name in required)
        or not isinstance(bus, str)
        or not _BUS_NAME.fullmatch(bus)
    ):
        outcome.decision = Decision.UNSUPPORTED
        outcome.reason = (
            f"malformed heartbeat: {KEY}.rulePrefix and .required (rule names) are needed "
            f"(and .eventBus, when given, is a bus name)"
        )
        return outcome
    bridge = clients.get("events", region)
    where = "" if bus == "default" else f" on bus {bus}"
    try:
        count, problems = rule_problems(bridge, f"{prefix}-", required, bus=bus)
    except ClientError as exc:
        if bus == "default" or error_code(exc) != "ResourceNotFoundException":
            raise
        outcome.decision = Decision.NOTIFIED
        outcome.resource = bus
        outcome.reason = (
            f"the guardrail is partly switched off: event bus {bus} is missing, so no "
            "member account's event reaches the guardrail (redeploy the guardrail stack "
            "to restore it)"
        )
        return outcome
    outcome.resource = f"{prefix}-*{where} ({count} rules)"
    if problems:
        outcome.decision = Decision.NOTIFIED
        outcome.reason = (
            "the guardrail is partly switched off: "
            + "; ".join(problems)
            + " (redeploy the guardrail stack to restore it)"
        )
    else:
        outcome.reason = f"all {count} rules of the guardrail{where} are enabled and have targets"
    return outcome


def rule_problems(
    bridge: Any,
    name_prefix: str,
    required: list[str],
    *,
    bus: str = "default",
    targets: bool = True,
    sends_to: str | None = None,
) -> tuple[int, list[str]]:
    """How many rules named ``name_prefix...`` ``bus`` holds, and what is wrong with them:
    a ``required`` one missing, one not enabled, or (``targets``) an enabled one without a
    target, or, with ``sends_to`` (the hub bus's ARN), without that target. The guardrail's
    own heartbeat and a member's beat (guardrails_runtime.member_beat) both look with it."""
    on_bus = {"EventBusName": bus}
    where = "" if bus == "default" else f" on bus {bus}"
    pages = bridge.get_paginator("list_rules").paginate(NamePrefix=name_prefix, **on_bus)
    found = {r["Name"]: r.get("State", "") for page in pages for r in page.get("Rules", [])}
    problems = [f"rule {name}{where} is missing" for name in required if name not in found]
    for name, state in sorted(found.items()):
        if state != "ENABLED":
            problems.append(f"rule {name}{where} is {state or 'not enabled'}")
            continue
        if not targets:
            continue
        listed = bridge.list_targets_by_rule(Rule=name, **on_bus).get("Targets", [])
        if sends_to is None:
            if not listed:
                problems.append(f"rule {name}{where} has no target")
        elif not any(t.get("Arn") == sends_to for t in listed):
            elsewhere = ", ".join(sorted(str(t.get("Arn")) for t in listed)) or "none"
            problems.append(
                f"rule {name}{where} does not send to the hub's bus (targets: {elsewhere})"
            )
    return len(found), problems
