"""Policy ``ebs-snapshot-public``: pure logic over :class:`Snapshot` facts (every plane)."""

from __future__ import annotations

from guardrails_runtime.adapters.ec2_snapshot import Snapshot
from guardrails_runtime.model import PolicyOptions, Unresolved, Violation


def evaluate(snapshot: Snapshot, options: PolicyOptions | None = None) -> list[Violation]:
    """GR-EBSP1 when anyone may create volumes from it; GR-EBSP2 when unknown."""
    if snapshot.public is True:
        return [
            Violation(
                "GR-EBSP1",
                f"{snapshot.where} grants the group 'all': every AWS account can restore it",
                snapshot.where,
            )
        ]
    if isinstance(snapshot.public, Unresolved):
        return [Violation("GR-EBSP2", snapshot.public.why, snapshot.public.where or snapshot.where)]
    return []
