"""Hub mode: each member account's hourly beat, and the members that went quiet.

Every member stack holds a scheduled rule, ``<prefix>-fwd-heartbeat``, whose target is
the hub's bus. Once an hour, in every member account and region, EventBridge puts its own
``Scheduled Event`` there (source ``aws.events``: no principal can send that source with
``PutEvents``, so a beat names its account and region truthfully), and the hub's rule
``<prefix>-member-beats`` hands it to the Lambda, which

* records the beat in the ledger, one item per account and region;
* looks at the member's forwarding rules (``<prefix>-fwd-...``) through the member role:
  each must be enabled and send to the hub's bus, and the tamper and heartbeat rules
  must exist.

The hub's own heartbeat (the target that checks the organization bus) then notifies every
account and region whose last beat is older than :data:`QUIET_SECONDS`: a member whose
beat rule was disabled or deleted, whose forwarding role lost its right to put events, or
whose region stopped delivering. Nothing in a member can report those about itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails_runtime.aws import known_region
from guardrails_runtime.model import Decision, Outcome

EVENT_NAME = "guardrails member heartbeat"
BEAT_RULE = "heartbeat"  # <prefix>-fwd-heartbeat: the members' scheduled rule
TAMPER_RULE = "tamper"  # <prefix>-fwd-tamper: the members' tamper rule
# Two missed hourly beats, as the hub's own HeartbeatMissing alarm waits for.
QUIET_SECONDS = 2 * 3600
# The ledger indexes every beat under this resource (one item per account and region).
BEATS_RESOURCE = "guardrails:member-beats"
# A member quiet for a week is forgotten (its beat item expires): an account or region
# taken out of the rollout stops being reported then; until then it is, every hour.
FORGET_SECONDS = 7 * 86400


def beat_of(event: Any, rules_prefix: str) -> tuple[str, str] | None:
    """(account, region) when ``event`` is a member's beat: the Scheduled Event of the
    rule ``<rules_prefix>heartbeat`` of that very account and region; else None."""
    if not isinstance(event, Mapping):
        return None
    if event.get("source") != "aws.events" or event.get("detail-type") != "Scheduled Event":
        return None
    resources = event.get("resources")
    if not isinstance(resources, list) or len(resources) != 1:
        return None
    parts = str(resources[0]).split(":", 5)
    if len(parts) != 6 or parts[2] != "events" or parts[5] != f"rule/{rules_prefix}{BEAT_RULE}":
        return None
    account, region = event.get("account"), event.get("region")
    if account != parts[4] or region != parts[3]:
        return None  # an event that is not what EventBridge sends: not a beat
    if not (isinstance(account, str) and len(account) == 12 and account.isdigit()):
        return None
    if not (isinstance(region, str) and known_region(region)):
        return None  # no client is made for a region no partition has
    return account, region


def rule_problems(bridge: Any, rules_prefix: str, hub_bus: str | None) -> tuple[int, list[str]]:
    """How many forwarding rules the member has, and what is wrong with them: a rule
    missing or not enabled, or (with ``hub_bus``, the hub bus's ARN) one that no longer
    sends to the hub's bus."""
    from guardrails_runtime import heartbeat

    required = [f"{rules_prefix}{name}" for name in (TAMPER_RULE, BEAT_RULE)]
    return heartbeat.rule_problems(
        bridge, rules_prefix, required, targets=hub_bus is not None, sends_to=hub_bus
    )


def judged(account: str, region: str, count: int, problems: list[str]) -> Outcome:
    """The outcome of one member's beat."""
    outcome = Outcome(EVENT_NAME, None, Decision.COMPLIANT, "", account=account, region=region)
    outcome.resource = f"forwarding rules of {account}/{region}"
    if problems:
        outcome.decision = Decision.NOTIFIED
        outcome.reason = (
            f"the guardrail of member {account} in {region} is partly switched off: "
            + "; ".join(problems)
            + " (its events may not reach the hub: redeploy the member stack there)"
        )
    else:
        outcome.reason = f"all {count} forwarding rules of {account} in {region} are enabled"
    return outcome


def states(beats: list[dict[str, Any]], now: float) -> list[dict[str, Any]]:
    """Each member and region's latest beat not yet forgotten (DynamoDB deletes expired
    items late), with ``quiet``: older than :data:`QUIET_SECONDS`."""
    from guardrails_runtime.ledger import iso

    since, forgotten = iso(now - QUIET_SECONDS), iso(now - FORGET_SECONDS)
    out = []
    for beat in sorted(beats, key=lambda b: (str(b.get("account")), str(b.get("region")))):
        at = str(beat.get("at", ""))
        if at >= forgotten:
            out.append(
                {
                    "account": str(beat.get("account")),
                    "region": str(beat.get("region")),
                    "lastBeat": at,
                    "quiet": at < since,
                }
            )
    return out


def quiet(beats: list[dict[str, Any]], now: float) -> list[tuple[str, str]]:
    """(account, text) of each member and region gone quiet."""
    return [
        (
            s["account"],
            f"member {s['account']} in {s['region']} has sent no beat since {s['lastBeat']}",
        )
        for s in states(beats, now)
        if s["quiet"]
    ]
