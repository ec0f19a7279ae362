"""CloudWatch metrics as embedded metric format (EMF) lines; no library, no API call.

One JSON line per decision worth counting, written straight to stdout: Lambda sends it
to the function's log group as is (the JSON log format only reshapes ``logging``
records), and CloudWatch Logs extracts the metrics from it. Each line counts 1 under the
policy's dimension (``Policy``; ``none`` for events no policy claimed):

``Remediations`` (remediated), ``DryRunFindings`` (would-remediate), ``Notifications``
(notified: notify-only violations), ``Exemptions`` (exempt), ``Errors`` (error),
``Escalations`` (a flapping hold started), ``LedgerErrors`` (the ledger failed).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

from guardrails_runtime.model import Decision, Outcome

DIMENSION = "Policy"
DECISION_METRICS = {
    Decision.REMEDIATED: "Remediations",
    Decision.WOULD_REMEDIATE: "DryRunFindings",
    Decision.NOTIFIED: "Notifications",
    Decision.EXEMPT: "Exemptions",
    Decision.ERROR: "Errors",
}
ESCALATIONS = "Escalations"
LEDGER_ERRORS = "LedgerErrors"
# One per scheduled heartbeat the Lambda handled (an alarm watches for its absence).
HEARTBEAT = "Heartbeat"
HEARTBEAT_EVENT = "guardrails heartbeat"
ALL_METRICS = (*DECISION_METRICS.values(), ESCALATIONS, LEDGER_ERRORS, HEARTBEAT)


def document(outcome: Outcome, namespace: str, now: float | None = None) -> dict[str, Any] | None:
    """The EMF document for one outcome, or None when there is nothing to count."""
    names = []
    if outcome.event_name == HEARTBEAT_EVENT:
        names.append(HEARTBEAT)
    if outcome.decision in DECISION_METRICS:
        names.append(DECISION_METRICS[outcome.decision])
    if outcome.escalation:
        names.append(ESCALATIONS)
    if outcome.ledger_error:
        names.append(LEDGER_ERRORS)
    if not names:
        return None
    doc: dict[str, Any] = {
        "_aws": {
            "Timestamp": int((time.time() if now is None else now) * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": [[DIMENSION]],
                    "Metrics": [{"Name": n, "Unit": "Count"} for n in names],
                }
            ],
        },
        DIMENSION: outcome.policy or "none",
        "decision": outcome.decision.value,
    }
    for name in names:
        doc[name] = 1
    return doc


def emit(
    outcome: Outcome, namespace: str | None, write: Callable[[str], Any] | None = None
) -> dict[str, Any] | None:
    """Write the outcome's EMF line (nothing when no namespace is configured)."""
    if not namespace:
        return None
    doc = document(outcome, namespace)
    if doc is not None:
        (write or _stdout)(json.dumps(doc, separators=(",", ":")) + "\n")
    return doc


def _stdout(line: str) -> None:
    sys.stdout.write(line)
    sys.stdout.flush()  # a line stuck in a buffer at a timeout is a lost metric
