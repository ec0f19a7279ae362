"""Policy ``rds-snapshot-public``: pure logic over :class:`RdsSnapshot` facts."""

from __future__ import annotations

from guardrails_runtime.adapters.rds_snapshot import RdsSnapshot
from guardrails_runtime.model import PolicyOptions, Violation


def evaluate(snapshot: RdsSnapshot, options: PolicyOptions | None = None) -> list[Violation]:
    """GR-RDSS1 when every AWS account may restore the snapshot."""
    if not snapshot.public:
        return []
    return [
        Violation(
            "GR-RDSS1",
            f"the {snapshot.kind}'s restore attribute includes 'all': every AWS account "
            "can restore it",
            "restore",
        )
    ]
