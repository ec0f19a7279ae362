"""Look at a resource again later: one-time EventBridge Scheduler schedules.

A flapping hold stops the guardrail from reverting one violation of one resource for the
cooldown; a withdrawn exemption leaves whatever the exemption covered in place. Neither
may be an off switch, so each creates a one-time schedule (``at(...)``, deleted by
Scheduler after it ran) whose target is the guardrail's own Lambda with the event
``{"guardrailsRecheck": {...}}``. The handler treats it like a Config NON_COMPLIANT
evaluation of the resource for that policy: what still violates is fixed (remediate) or
reported, and the decision is recorded like any other.

The schedules live in the stack's schedule group (``GUARDRAILS_RECHECK_GROUP``) and
invoke the function with the stack's scheduler role (``GUARDRAILS_RECHECK_ROLE_ARN``);
without them (a test, a bare construct) nothing is scheduled and the caller says so.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from botocore.exceptions import BotoCoreError, ClientError

from guardrails_runtime.aws import Clients, error_code
from guardrails_runtime.events import RECHECK_KEY
from guardrails_runtime.settings import RuntimeSettings

# Scheduler's at() runs at the time or shortly after; a margin keeps it past the hold.
MARGIN_SECONDS = 60


def at_expression(epoch: float) -> str:
    """``at(2026-11-28T17:30:00)`` for ``epoch`` (UTC, whole seconds, rounded up)."""
    stamp = datetime.fromtimestamp(int(epoch) + (0 if epoch == int(epoch) else 1), UTC)
    return f"at({stamp.strftime('%Y-%m-%dT%H:%M:%S')})"


def schedule(
    settings: RuntimeSettings,
    clients: Clients,
    *,
    policy: str,
    resource: str,
    region: str | None,
    account: str | None,
    when: float,
    reason: str,
) -> str:
    """Schedule a re-check of ``resource`` for ``policy`` at ``when`` (+ a margin).

    Returns a one-line note for the notification: when the re-check runs, or why none
    was scheduled (no scheduler configured, or the AWS error). Never raises: a hold or
    a withdrawn exemption stands either way, and the note tells the reader to look.
    """
    if not (settings.recheck_group and settings.recheck_role_arn and settings.function_arn):
        return "no re-check is scheduled (the guardrail has no scheduler configured)"
    run_at = when + MARGIN_SECONDS
    expression = at_expression(run_at)
    digest = hashlib.sha256(f"{policy}\n{resource}\n{region}".encode()).hexdigest()[:20]
    name = f"recheck-{digest}-{int(run_at)}"  # <= 64 characters, Scheduler's limit
    body = {
        "policy": policy,
        "resource": resource,
        "region": region,
        "account": account,
        "reason": reason[:300],
        "id": name,
        "at": expression[3:-1] + "Z",
    }
    try:
        clients.get("scheduler", None).create_schedule(
            Name=name,
            GroupName=settings.recheck_group,
            ScheduleExpression=expression,
            ScheduleExpressionTimezone="UTC",
            FlexibleTimeWindow={"Mode": "OFF"},
            ActionAfterCompletion="DELETE",
            Target={
                "Arn": settings.function_arn,
                "RoleArn": settings.recheck_role_arn,
                "Input": json.dumps({RECHECK_KEY: body}, sort_keys=True),
                "RetryPolicy": {"MaximumRetryAttempts": 10},
            },
        )
    except (ClientError, BotoCoreError) as exc:
        code = error_code(exc) if isinstance(exc, ClientError) else type(exc).__name__
        if code != "ConflictException":  # the same re-check is already set
            return (
                f"the re-check could not be scheduled ({code}): look at {resource} "
                f"after {expression[3:-1]}Z"
            )
    return f"the guardrail re-checks {resource} at {expression[3:-1]}Z"
